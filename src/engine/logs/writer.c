/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The log writer: splits a container's output into lines, encodes each as a
 * json-file record and appends it to ctr.log, rotating by size.
 *
 * Crash behaviour: every record is encoded whole before it is written, and
 * the records of one feed go out in one write(2) on an O_APPEND fd, so a
 * monitor killed at any time leaves at most one torn record at the end of
 * the file.  The next writer terminates that line first (it becomes one
 * malformed line the reader skips).  Nothing is fsync'ed: log lines are not
 * worth a disk flush each, and a host crash may lose the last few.
 */
#include "engine/logs/logs-internal.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define OUT_FLUSH_AT (64U * 1024)
#define FEED_READ_MAX (64U * 1024)

struct logw_part {
	size_t len;
	char buf[ENG_LOG_LINE_MAX];
};

struct eng_logw {
	int dirfd;
	int fd;
	char name[NAME_MAX + 1];
	uint64_t max_size;
	unsigned max_files;
	uint64_t size; /* bytes in the current file */
	bool torn; /* the file ends inside a record: start with '\n' */
	char *out; /* encoded records not yet written */
	size_t out_len, out_cap;
	struct logw_part part[2]; /* stdout, stderr */
};

bool eng_logs_name_ok(const char *name)
{
	size_t n = strlen(name);
	return n > 0 && n <= NAME_MAX - 4 && !strchr(name, '/') && strcmp(name, ".") != 0 &&
		strcmp(name, "..") != 0;
}

int eng_logs_file_name(char *buf, size_t size, const char *name, unsigned idx)
{
	if (idx == 0)
		return brig_snprintf(buf, size, "%s", name);
	return brig_snprintf(buf, size, "%s.%u", name, idx);
}

int64_t eng_logs_now_ns(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ------------------------------------------------------------------ */
/* encoding                                                             */
/* ------------------------------------------------------------------ */

static int out_reserve(struct eng_logw *w, size_t more)
{
	if (w->out_cap - w->out_len >= more)
		return 0;
	size_t cap = w->out_cap ? w->out_cap : 4096;
	while (cap - w->out_len < more)
		cap *= 2;
	char *p = realloc(w->out, cap);
	if (!p)
		return -ENOMEM;
	w->out = p;
	w->out_cap = cap;
	return 0;
}

static void out_put(struct eng_logw *w, const void *p, size_t n)
{
	memcpy(w->out + w->out_len, p, n);
	w->out_len += n;
}

/* Append s as the body of a JSON string: '"', '\\' and control characters
 * escaped, valid UTF-8 kept, each byte of invalid UTF-8 replaced by U+FFFD.
 * The caller reserved 6 bytes per input byte. */
static void encode_text(struct eng_logw *w, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	char *o = w->out + w->out_len;
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			*o++ = (char)c;
			i++;
			continue;
		}
		if (c >= 0x80) {
			size_t l = eng_logs_utf8_len(p + i, n - i);
			if (l == 0) {
				memcpy(o, "\xef\xbf\xbd", 3);
				o += 3;
				i++;
			} else {
				memcpy(o, p + i, l);
				o += l;
				i += l;
			}
			continue;
		}
		*o++ = '\\';
		switch (c) {
		case '"':
			*o++ = '"';
			break;
		case '\\':
			*o++ = '\\';
			break;
		case '\n':
			*o++ = 'n';
			break;
		case '\t':
			*o++ = 't';
			break;
		case '\r':
			*o++ = 'r';
			break;
		case '\b':
			*o++ = 'b';
			break;
		case '\f':
			*o++ = 'f';
			break;
		default:
			memcpy(o, "u00", 3);
			o[3] = hex[c >> 4];
			o[4] = hex[c & 15];
			o += 5;
		}
		i++;
	}
	w->out_len = (size_t)(o - w->out);
}

static int encode_record(struct eng_logw *w, int stream, const char *text, size_t n, const char *ts)
{
	static const char head[] = "{\"log\":\"";
	const char *mid = stream == ENG_LOG_STDERR ? "\",\"stream\":\"stderr\",\"time\":\""
						   : "\",\"stream\":\"stdout\",\"time\":\"";
	size_t tl = strlen(ts), ml = strlen(mid);
	if (n > ENG_LOG_LINE_MAX || out_reserve(w, sizeof(head) + n * 6 + ml + tl + 4) < 0)
		return -ENOMEM;
	out_put(w, head, sizeof(head) - 1);
	encode_text(w, text, n);
	out_put(w, mid, ml);
	out_put(w, ts, tl);
	out_put(w, "\"}\n", 3);
	return 0;
}

/* ------------------------------------------------------------------ */
/* writing and rotation                                                 */
/* ------------------------------------------------------------------ */

/* Write the first n pending bytes.  On failure everything pending is
 * dropped; a partial write marks the file torn. */
static int write_pending(struct eng_logw *w, size_t n, struct brig_err *e)
{
	if (n == 0)
		return 0;
	if (w->torn) {
		if (BRIG_RETRY(write(w->fd, "\n", 1)) != 1)
			goto fail;
		w->torn = false;
		w->size++;
	}
	for (size_t done = 0; done < n;) {
		ssize_t r = BRIG_RETRY(write(w->fd, w->out + done, n - done));
		if (r <= 0) {
			if (r == 0)
				errno = EIO;
			if (done > 0 && w->out[done - 1] != '\n')
				w->torn = true;
			goto fail;
		}
		done += (size_t)r;
		w->size += (uint64_t)r;
	}
	memmove(w->out, w->out + n, w->out_len - n);
	w->out_len -= n;
	return 0;
fail:;
	int err = errno;
	w->out_len = 0;
	return brig_err_sys(e, err, "writing log file %s", w->name);
}

static int open_log(int dirfd, const char *name, struct brig_err *e)
{
	_cleanup_close_ int fd = BRIG_RETRY(
		openat(dirfd, name,
		       O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK,
		       0600));
	if (fd < 0)
		return brig_err_sys(e, errno, "opening log file %s", name);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return brig_err_sys(e, errno, "stat of log file %s", name);
	if (!S_ISREG(st.st_mode))
		return brig_err_set(e, -EINVAL, "log file %s is not a regular file", name);
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
		return brig_err_sys(e, errno, "opening log file %s", name);
	return brig_steal_fd(fd);
}

static int shift_files(struct eng_logw *w, struct brig_err *e)
{
	char from[NAME_MAX + 1], to[NAME_MAX + 1];
	if (w->max_files == 1) {
		if (unlinkat(w->dirfd, w->name, 0) < 0 && errno != ENOENT)
			return brig_err_sys(e, errno, "removing log file %s", w->name);
		return 0;
	}
	for (unsigned i = w->max_files - 1; i >= 1; i--) {
		if (eng_logs_file_name(from, sizeof(from), w->name, i - 1) < 0 ||
		    eng_logs_file_name(to, sizeof(to), w->name, i) < 0)
			return brig_err_set(e, -ENAMETOOLONG, "log file name %s", w->name);
		if (renameat(w->dirfd, from, w->dirfd, to) < 0 && errno != ENOENT)
			return brig_err_sys(e, errno, "rotating log file %s to %s", from, to);
	}
	return 0;
}

static int rotate(struct eng_logw *w, struct brig_err *e)
{
	int r = shift_files(w, e);
	if (r < 0)
		return r;
	int fd = open_log(w->dirfd, w->name, e);
	if (fd < 0)
		return fd;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int err = errno;
		(void)close(fd);
		return brig_err_sys(e, err, "stat of log file %s", w->name);
	}
	(void)close(w->fd);
	w->fd = fd;
	w->size = (uint64_t)st.st_size;
	w->torn = false;
	return 0;
}

/* Encode one record; rotate first when it would push the file past
 * max_size; write when enough is pending. */
static int emit(struct eng_logw *w, int stream, const char *text, size_t n, const char *ts,
		struct brig_err *e)
{
	size_t before = w->out_len;
	if (encode_record(w, stream, text, n, ts) < 0)
		return brig_err_set(e, -ENOMEM, "log record: out of memory");
	uint64_t rec = w->out_len - before;
	if (w->max_size && w->size + before > 0 && w->size + before + rec > w->max_size) {
		int r = write_pending(w, before, e);
		if (r < 0)
			return r;
		r = rotate(w, e);
		if (r < 0) {
			w->out_len = 0;
			return r;
		}
	}
	if (w->out_len >= OUT_FLUSH_AT)
		return write_pending(w, w->out_len, e);
	return 0;
}

/* ------------------------------------------------------------------ */
/* line splitting                                                       */
/* ------------------------------------------------------------------ */

/* Where to cut a full partial buffer: before an incomplete trailing UTF-8
 * sequence, so that both halves stay valid. */
static size_t utf8_cut(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t back = 1; back <= 3 && back < n; back++) {
		unsigned char c = p[n - back];
		if ((c & 0xc0) == 0x80)
			continue;
		size_t need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
		return need > back ? n - back : n;
	}
	return n;
}

static void format_now(char ts[ENG_LOG_TIME_LEN])
{
	eng_logs_format_time(eng_logs_now_ns(), ts);
}

static int feed_part(struct eng_logw *w, int stream, struct logw_part *pt, const char **buf,
		     size_t *len, size_t take, const char *ts, struct brig_err *e)
{
	size_t n = take < ENG_LOG_LINE_MAX - pt->len ? take : ENG_LOG_LINE_MAX - pt->len;
	memcpy(pt->buf + pt->len, *buf, n);
	pt->len += n;
	*buf += n;
	*len -= n;
	if (pt->buf[pt->len - 1] == '\n') {
		size_t l = pt->len;
		pt->len = 0;
		return emit(w, stream, pt->buf, l, ts, e);
	}
	if (pt->len < ENG_LOG_LINE_MAX)
		return 0;
	size_t cut = utf8_cut(pt->buf, pt->len);
	int r = emit(w, stream, pt->buf, cut, ts, e);
	memmove(pt->buf, pt->buf + cut, pt->len - cut);
	pt->len -= cut;
	return r;
}

int eng_logw_feed(struct eng_logw *w, int stream, const char *buf, size_t len, struct brig_err *e)
{
	if (stream != ENG_LOG_STDOUT && stream != ENG_LOG_STDERR)
		return brig_err_set(e, -EINVAL, "log stream %d is not stdout or stderr", stream);
	struct logw_part *pt = &w->part[stream - 1];
	char ts[ENG_LOG_TIME_LEN];
	format_now(ts);
	int r = 0;
	while (len > 0 && r == 0) {
		const char *nl = memchr(buf, '\n', len);
		size_t take = nl ? (size_t)(nl - buf) + 1 : len;
		if (pt->len == 0 && nl && take <= ENG_LOG_LINE_MAX) {
			r = emit(w, stream, buf, take, ts, e);
			buf += take;
			len -= take;
		} else {
			r = feed_part(w, stream, pt, &buf, &len, take, ts, e);
		}
	}
	if (r < 0) {
		w->out_len = 0;
		return r;
	}
	return write_pending(w, w->out_len, e);
}

int eng_logw_flush(struct eng_logw *w, struct brig_err *e)
{
	char ts[ENG_LOG_TIME_LEN];
	format_now(ts);
	for (int s = ENG_LOG_STDOUT; s <= ENG_LOG_STDERR; s++) {
		struct logw_part *pt = &w->part[s - 1];
		if (pt->len == 0)
			continue;
		size_t l = pt->len;
		pt->len = 0;
		int r = emit(w, s, pt->buf, l, ts, e);
		if (r < 0) {
			w->out_len = 0;
			return r;
		}
	}
	return write_pending(w, w->out_len, e);
}

ssize_t eng_logw_feed_fd(struct eng_logw *w, int stream, int fd, int tee_fd, struct brig_err *e)
{
	char buf[FEED_READ_MAX];
	ssize_t n = BRIG_RETRY(read(fd, buf, sizeof(buf)));
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return -EAGAIN;
		return brig_err_sys(e, errno, "reading container output");
	}
	if (n == 0) {
		int r = eng_logw_flush(w, e);
		return r < 0 ? r : 0;
	}
	if (tee_fd >= 0) {
		int r = brig_write_all(tee_fd, buf, (size_t)n);
		if (r < 0)
			brig_debug("copying container output: %s", strerror(-r));
	}
	int r = eng_logw_feed(w, stream, buf, (size_t)n, e);
	return r < 0 ? r : n;
}

void eng_logw_fds(const struct eng_logw *w, int fds[2])
{
	fds[0] = w ? w->dirfd : -1;
	fds[1] = w ? w->fd : -1;
}

uint64_t eng_logw_size(const struct eng_logw *w)
{
	return w->size;
}

/* ------------------------------------------------------------------ */
/* open / close                                                         */
/* ------------------------------------------------------------------ */

static int check_tail(struct eng_logw *w, struct brig_err *e)
{
	struct stat st;
	if (fstat(w->fd, &st) < 0)
		return brig_err_sys(e, errno, "stat of log file %s", w->name);
	w->size = (uint64_t)st.st_size;
	if (st.st_size == 0)
		return 0;
	char c;
	ssize_t n = BRIG_RETRY(pread(w->fd, &c, 1, st.st_size - 1));
	if (n < 0)
		return brig_err_sys(e, errno, "reading log file %s", w->name);
	w->torn = n == 1 && c != '\n';
	return 0;
}

int eng_logw_open(int dirfd, const char *name, uint64_t max_size, unsigned max_files,
		  struct eng_logw **out, struct brig_err *e)
{
	if (!eng_logs_name_ok(name))
		return brig_err_set(e, -EINVAL, "log file name \"%s\" is not a plain file name",
				    name);
	if (max_files < 1 || max_files > ENG_LOG_MAX_FILES)
		return brig_err_set(e, -EINVAL, "log max-file %u: must be 1 to %u", max_files,
				    ENG_LOG_MAX_FILES);
	_cleanup_logw_ struct eng_logw *w = calloc(1, sizeof(*w));
	if (!w)
		return brig_err_set(e, -ENOMEM, "log writer: out of memory");
	w->fd = -1;
	w->dirfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
	if (w->dirfd < 0)
		return brig_err_sys(e, errno, "duplicating the log directory fd");
	snprintf(w->name, sizeof(w->name), "%s", name);
	w->max_size = max_size;
	w->max_files = max_files;
	w->fd = open_log(w->dirfd, name, e);
	if (w->fd < 0)
		return w->fd;
	int r = check_tail(w, e);
	if (r < 0)
		return r;
	*out = brig_steal_ptr(w);
	return 0;
}

void eng_logw_close(struct eng_logw *w)
{
	if (!w)
		return;
	if (w->fd >= 0) {
		_cleanup_err_ struct brig_err e = { 0 };
		if (eng_logw_flush(w, &e) < 0)
			brig_warn("%s", brig_err_str(&e));
		(void)close(w->fd);
	}
	if (w->dirfd >= 0)
		(void)close(w->dirfd);
	free(w->out);
	free(w);
}
