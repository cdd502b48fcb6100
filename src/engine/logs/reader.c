/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The log reader behind `brig logs`: opens ctr.log and its rotated files,
 * finds where --tail starts by scanning backwards, and prints the matching
 * records oldest first.  Following is in follow.c.
 */
#include "engine/logs/logs-internal.h"

#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#define LR_READ_CHUNK (64U * 1024)
#define LR_WARN_MAX 10UL

/* ------------------------------------------------------------------ */
/* output                                                               */
/* ------------------------------------------------------------------ */

int eng_lr_flush(struct lr_ctx *c, struct brig_err *e)
{
	if (c->ob_len == 0)
		return 0;
	int r = brig_write_all(c->ob_fd, c->ob, c->ob_len);
	c->ob_len = 0;
	if (r < 0)
		return brig_err_sys(e, -r, "writing logs");
	return 0;
}

static int out_put(struct lr_ctx *c, int fd, const char *p, size_t n, struct brig_err *e)
{
	if (c->ob_len > 0 && (c->ob_fd != fd || c->ob_len + n > LR_OUT_CAP)) {
		int r = eng_lr_flush(c, e);
		if (r < 0)
			return r;
	}
	if (n > LR_OUT_CAP) {
		int r = brig_write_all(fd, p, n);
		return r < 0 ? brig_err_sys(e, -r, "writing logs") : 0;
	}
	c->ob_fd = fd;
	memcpy(c->ob + c->ob_len, p, n);
	c->ob_len += n;
	return 0;
}

/* ------------------------------------------------------------------ */
/* records                                                              */
/* ------------------------------------------------------------------ */

struct lr_rec {
	json_t *j; /* owns text */
	int stream;
	int64_t ns;
	const char *text;
	size_t len;
};

static int rec_fields(struct lr_rec *rec, const struct bj_loc *root, struct brig_err *e)
{
	json_t *log = NULL;
	const char *stream, *time;
	struct bj_loc at;
	int r = bj_get(rec->j, root, "log", true, JSON_STRING, &log, e);
	if (r == 0)
		r = bj_get_str(rec->j, root, "stream", true, &stream, e);
	if (r == 0)
		r = bj_get_str(rec->j, root, "time", true, &time, e);
	if (r != 0)
		return r < 0 ? r : -EINVAL;
	rec->text = json_string_value(log);
	rec->len = json_string_length(log);
	if (strcmp(stream, "stdout") == 0) {
		rec->stream = ENG_LOG_STDOUT;
	} else if (strcmp(stream, "stderr") == 0) {
		rec->stream = ENG_LOG_STDERR;
	} else {
		bj_key(&at, root, "stream");
		return bj_fail(e, &at, "expected \"stdout\" or \"stderr\"");
	}
	if (eng_logs_parse_rfc3339(time, strlen(time), &rec->ns) < 0) {
		bj_key(&at, root, "time");
		return bj_fail(e, &at, "expected an RFC 3339 time");
	}
	return 0;
}

/* Parse one line; on success rec->j must be released by the caller. */
static int rec_parse(const char *line, size_t n, const char *label, struct lr_rec *rec,
		     struct brig_err *e)
{
	json_error_t je;
	struct bj_loc root;
	memset(rec, 0, sizeof(*rec));
	rec->j = json_loadb(line, n, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
	if (!rec->j)
		return brig_err_set(e, -EINVAL, "%s: %s", label, je.text);
	bj_root(&root, label);
	int r = bj_expect(rec->j, &root, JSON_OBJECT, e);
	if (r == 0)
		r = rec_fields(rec, &root, e);
	if (r < 0) {
		json_decref(rec->j);
		rec->j = NULL;
	}
	return r;
}

static bool rec_match(const struct eng_logs_opts *o, const struct lr_rec *rec)
{
	bool any = o->stdout_ || o->stderr_;
	if (any && !(rec->stream == ENG_LOG_STDOUT ? o->stdout_ : o->stderr_))
		return false;
	if (o->since_ns && rec->ns < o->since_ns)
		return false;
	if (o->until_ns && rec->ns > o->until_ns)
		return false;
	return true;
}

static void line_label(char *buf, size_t size, const char *name, unsigned idx, uint64_t off)
{
	char fname[NAME_MAX + 1];
	if (eng_logs_file_name(fname, sizeof(fname), name, idx) < 0)
		fname[0] = '\0';
	snprintf(buf, size, "%s (byte %llu)", fname, (unsigned long long)off);
}

static void warn_bad(struct lr_ctx *c, const char *what)
{
	if (++c->bad <= LR_WARN_MAX)
		brig_warn("skipping malformed log line: %s", what);
}

static int print_rec(struct lr_ctx *c, const struct lr_rec *rec, struct brig_err *e)
{
	int fd = rec->stream == ENG_LOG_STDERR ? c->err_fd : c->out_fd;
	if (c->o->timestamps) {
		char ts[ENG_LOG_TIME_LEN + 1];
		eng_logs_format_time(rec->ns, ts);
		size_t l = strlen(ts);
		ts[l] = ' ';
		int r = out_put(c, fd, ts, l + 1, e);
		if (r < 0)
			return r;
	}
	return out_put(c, fd, rec->text, rec->len, e);
}

static int handle_line(struct lr_ctx *c, const struct lr_src *src, const char *line, size_t n,
		       uint64_t off, struct brig_err *e)
{
	char label[NAME_MAX + 40];
	struct lr_rec rec;
	_cleanup_err_ struct brig_err pe = { 0 };
	line_label(label, sizeof(label), c->name, src->idx, off);
	if (rec_parse(line, n, label, &rec, &pe) < 0) {
		warn_bad(c, brig_err_str(&pe));
		return 0;
	}
	int r = rec_match(c->o, &rec) ? print_rec(c, &rec, e) : 0;
	json_decref(rec.j);
	return r;
}

/* ------------------------------------------------------------------ */
/* reading forwards                                                     */
/* ------------------------------------------------------------------ */

static void warn_long(struct lr_ctx *c, const struct lr_src *src, uint64_t off)
{
	char label[NAME_MAX + 40], what[NAME_MAX + 80];
	line_label(label, sizeof(label), c->name, src->idx, off);
	snprintf(what, sizeof(what), "%s: longer than %u bytes", label, ENG_LOG_RECORD_MAX);
	warn_bad(c, what);
}

/* Handle the complete lines in src->buf, keep the rest. */
static int handle_buffer(struct lr_ctx *c, struct lr_src *src, struct brig_err *e)
{
	char *p = src->buf, *end = src->buf + src->len, *nl;
	while ((nl = memchr(p, '\n', (size_t)(end - p)))) {
		uint64_t off = src->off + (uint64_t)(p - src->buf);
		if (src->skipping) {
			src->skipping = false;
		} else if ((size_t)(nl - p) > ENG_LOG_RECORD_MAX) {
			warn_long(c, src, off);
		} else if (nl > p) {
			int r = handle_line(c, src, p, (size_t)(nl - p), off, e);
			if (r < 0)
				return r;
		}
		p = nl + 1;
	}
	src->off += (uint64_t)(p - src->buf);
	src->len = (size_t)(end - p);
	memmove(src->buf, p, src->len);
	if (src->len > ENG_LOG_RECORD_MAX) {
		warn_long(c, src, src->off);
		src->skipping = true;
		src->off += src->len;
		src->len = 0;
	}
	return 0;
}

int eng_lr_pump(struct lr_ctx *c, struct lr_src *src, struct brig_err *e)
{
	if (src->fd < 0)
		return 0;
	for (;;) {
		if (src->cap - src->len < LR_READ_CHUNK) {
			size_t cap = src->len + LR_READ_CHUNK;
			char *p = realloc(src->buf, cap);
			if (!p)
				return brig_err_set(e, -ENOMEM, "reading logs: out of memory");
			src->buf = p;
			src->cap = cap;
		}
		ssize_t n = BRIG_RETRY(read(src->fd, src->buf + src->len, src->cap - src->len));
		if (n < 0)
			return brig_err_sys(e, errno, "reading log file %s", c->name);
		if (n == 0)
			return 0;
		src->len += (size_t)n;
		int r = handle_buffer(c, src, e);
		if (r < 0)
			return r;
	}
}

void eng_lr_src_close(struct lr_ctx *c, struct lr_src *src)
{
	if (src->len > 0)
		brig_debug("log file %s: skipping an unterminated last line", c->name);
	if (src->fd >= 0)
		(void)close(src->fd);
	free(src->buf);
	memset(src, 0, sizeof(*src));
	src->fd = -1;
}

/* ------------------------------------------------------------------ */
/* the set of files                                                     */
/* ------------------------------------------------------------------ */

static int open_one(int dirfd, const char *fname, struct lr_file *f, struct brig_err *e)
{
	_cleanup_close_ int fd = BRIG_RETRY(
		openat(dirfd, fname, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK));
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		if (errno == ELOOP) {
			brig_warn("log file %s is a symbolic link; skipped", fname);
			return 0;
		}
		return brig_err_sys(e, errno, "opening log file %s", fname);
	}
	struct stat st;
	if (fstat(fd, &st) < 0)
		return brig_err_sys(e, errno, "stat of log file %s", fname);
	if (!S_ISREG(st.st_mode)) {
		brig_warn("log file %s is not a regular file; skipped", fname);
		return 0;
	}
	f->fd = brig_steal_fd(fd);
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	return 1;
}

static bool seen(const struct lr_file *fs, size_t n, const struct lr_file *f)
{
	for (size_t i = 0; i < n; i++)
		if (fs[i].dev == f->dev && fs[i].ino == f->ino)
			return true;
	return false;
}

int eng_lr_open_set(int dirfd, const char *name, const struct lr_file *stop,
		    struct lr_file out[ENG_LOG_MAX_FILES], size_t *n, struct brig_err *e)
{
	size_t k = 0;
	for (unsigned idx = 0; idx < ENG_LOG_MAX_FILES; idx++) {
		char fname[NAME_MAX + 1];
		struct lr_file f = { .fd = -1, .idx = idx };
		if (eng_logs_file_name(fname, sizeof(fname), name, idx) < 0)
			break;
		int r = open_one(dirfd, fname, &f, e);
		if (r < 0) {
			for (size_t i = 0; i < k; i++)
				(void)close(out[i].fd);
			return r;
		}
		if (r == 0)
			continue;
		bool at_stop = stop && stop->dev == f.dev && stop->ino == f.ino;
		if (at_stop || seen(out, k, &f)) {
			(void)close(f.fd);
			if (at_stop)
				break;
			continue;
		}
		out[k++] = f;
	}
	for (size_t i = 0; i < k / 2; i++) {
		struct lr_file t = out[i];
		out[i] = out[k - 1 - i];
		out[k - 1 - i] = t;
	}
	*n = k;
	return 0;
}

/* ------------------------------------------------------------------ */
/* --tail: scanning backwards                                           */
/* ------------------------------------------------------------------ */

/* Lines of a file from last to first.  buf holds file bytes [lo, lo+len);
 * the next line to return ends (before its '\n') at hi. */
struct bscan {
	int fd;
	uint64_t lo, hi;
	char *buf;
	size_t len, cap;
	bool started; /* hi is at a '\n' (the unterminated tail is skipped) */
	bool done;
};

static int bscan_more(struct bscan *b, bool keep)
{
	size_t ch = b->lo < LR_READ_CHUNK ? (size_t)b->lo : LR_READ_CHUNK;
	size_t kept = keep ? (size_t)(b->hi - b->lo) : 0;
	if (b->cap < ch + kept) {
		char *p = realloc(b->buf, ch + kept);
		if (!p)
			return -ENOMEM;
		b->buf = p;
		b->cap = ch + kept;
	}
	memmove(b->buf + ch, b->buf, kept);
	for (size_t got = 0; got < ch;) {
		ssize_t n = BRIG_RETRY(
			pread(b->fd, b->buf + got, ch - got, (off_t)(b->lo - ch + got)));
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO; /* the file shrank */
		got += (size_t)n;
	}
	b->lo -= ch;
	b->len = ch + kept;
	return 0;
}

/* The next line (backwards): *line and *n, starting at file offset *start.
 * Returns 1 for a line, 0 at the start of the file, -errno on error.
 * Lines longer than ENG_LOG_RECORD_MAX are returned with *line NULL. */
static int bscan_prev(struct bscan *b, const char **line, size_t *n, uint64_t *start)
{
	bool oversized = false;
	while (!b->done) {
		uint64_t top = b->hi < b->lo + b->len ? b->hi : b->lo + b->len;
		char *nl = top > b->lo ? memrchr(b->buf, '\n', (size_t)(top - b->lo)) : NULL;
		if (nl || b->lo == 0) {
			uint64_t s = nl ? b->lo + (uint64_t)(nl - b->buf) + 1 : 0;
			bool had = b->started;
			*line = oversized ? NULL : b->buf + (s - b->lo);
			*n = (size_t)(b->hi - s);
			*start = s;
			b->started = true;
			b->done = !nl;
			b->hi = nl ? s - 1 : 0;
			if (had)
				return 1;
			oversized = false;
			continue;
		}
		if (b->hi - b->lo > ENG_LOG_RECORD_MAX)
			oversized = true;
		int r = bscan_more(b, !oversized);
		if (r < 0)
			return r;
	}
	return 0;
}

static int bscan_init(struct bscan *b, int fd)
{
	struct stat st;
	memset(b, 0, sizeof(*b));
	b->fd = fd;
	if (fstat(fd, &st) < 0)
		return -errno;
	b->lo = b->hi = (uint64_t)st.st_size;
	b->done = st.st_size == 0;
	return 0;
}

/* Count matching records backwards in one file; stop at the want-th. */
static int tail_file(struct lr_ctx *c, const struct lr_file *f, long want, long *count,
		     uint64_t *off)
{
	struct bscan b;
	const char *line;
	size_t n;
	uint64_t s;
	int r = bscan_init(&b, f->fd);
	*off = 0;
	if (r == 0 && want == 0) {
		/* Just past the last complete line. */
		r = bscan_prev(&b, &line, &n, &s);
		if (r > 0)
			*off = s + n + 1;
		free(b.buf);
		return r < 0 ? r : 0;
	}
	while (r == 0 && *count < want && (r = bscan_prev(&b, &line, &n, &s)) > 0) {
		struct lr_rec rec;
		_cleanup_err_ struct brig_err pe = { 0 };
		r = 0;
		if (!line || n == 0 || rec_parse(line, n, c->name, &rec, &pe) < 0)
			continue;
		if (rec_match(c->o, &rec) && ++*count == want)
			*off = s;
		json_decref(rec.j);
	}
	free(b.buf);
	return r < 0 ? r : 0;
}

/* Where printing starts for o->tail: file index *fi, offset *off. */
static int tail_start(struct lr_ctx *c, const struct lr_file *fs, size_t nf, size_t *fi,
		      uint64_t *off, struct brig_err *e)
{
	long count = 0;
	*fi = 0;
	*off = 0;
	if (c->o->tail < 0 || nf == 0)
		return 0;
	for (size_t i = nf; i-- > 0;) {
		int r = tail_file(c, &fs[i], c->o->tail, &count, off);
		if (r < 0)
			return brig_err_sys(e, -r, "reading log file %s", c->name);
		if (count >= c->o->tail) {
			*fi = i;
			return 0;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* eng_logs_print                                                       */
/* ------------------------------------------------------------------ */

static int print_files(struct lr_ctx *c, struct lr_file *fs, size_t nf, struct lr_src *cur,
		       struct brig_err *e)
{
	size_t fi;
	uint64_t off;
	int r = tail_start(c, fs, nf, &fi, &off, e);
	for (size_t i = 0; i < nf && r == 0; i++) {
		struct lr_src src = { .fd = brig_steal_fd(fs[i].fd),
				      .dev = fs[i].dev,
				      .ino = fs[i].ino,
				      .idx = fs[i].idx };
		if (i < fi) {
			eng_lr_src_close(c, &src);
			continue;
		}
		if (i == fi && off > 0) {
			if (lseek(src.fd, (off_t)off, SEEK_SET) < 0)
				r = brig_err_sys(e, errno, "seeking in log file %s", c->name);
			src.off = off;
		}
		if (r == 0)
			r = eng_lr_pump(c, &src, e);
		if (i + 1 == nf && c->o->follow && r == 0)
			*cur = src;
		else
			eng_lr_src_close(c, &src);
	}
	for (size_t i = 0; i < nf; i++)
		if (fs[i].fd >= 0)
			(void)close(fs[i].fd);
	return r;
}

int eng_logs_print(int dirfd, const char *name, const struct eng_logs_opts *o, int out_fd,
		   int err_fd, bool (*alive)(void *arg), void *arg, struct brig_err *e)
{
	if (!eng_logs_name_ok(name))
		return brig_err_set(e, -EINVAL, "log file name \"%s\" is not a plain file name",
				    name);
	_cleanup_free_ struct lr_ctx *c = calloc(1, sizeof(*c));
	_cleanup_free_ struct lr_file *fs = calloc(ENG_LOG_MAX_FILES, sizeof(*fs));
	if (!c || !fs)
		return brig_err_set(e, -ENOMEM, "reading logs: out of memory");
	*c = (struct lr_ctx){ .o = o,
			      .dirfd = dirfd,
			      .name = name,
			      .out_fd = out_fd,
			      .err_fd = err_fd,
			      .ob_fd = out_fd };
	_cleanup_close_ int ifd = o->follow ? eng_lr_watch(dirfd) : -1;
	struct lr_src cur = { .fd = -1 };
	size_t nf = 0;
	int r = eng_lr_open_set(dirfd, name, NULL, fs, &nf, e);
	if (r == 0)
		r = print_files(c, fs, nf, &cur, e);
	if (r == 0 && o->follow)
		r = eng_lr_follow(c, &cur, ifd, alive, arg, e);
	eng_lr_src_close(c, &cur);
	_cleanup_err_ struct brig_err fe = { 0 };
	int fr = eng_lr_flush(c, r < 0 ? &fe : e);
	if (c->bad > LR_WARN_MAX)
		brig_warn("%lu more malformed log lines skipped", c->bad - LR_WARN_MAX);
	return r < 0 ? r : fr;
}
