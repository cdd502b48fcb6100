/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig forensics: writing the collection.  Every file is made by us, under
 * a name we chose (fixed names and pids: nothing the container named), in
 * a directory we made and hold open, with O_CREAT|O_EXCL|O_NOFOLLOW: no
 * symlink, planted or raced, is ever written through.  The manifest lists
 * each file with its sha256 in sha256sum's format.
 */
#include "engine/forensics-internal.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define COPY_BLOCK (1 << 16)

static void say_line(struct fx *x, const char *line)
{
	if (x->o->progress)
		x->o->progress(x->o->ctx, line);
}

void fx_say(struct fx *x, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	(void)vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	say_line(x, line);
}

void fx_missing(struct fx *x, const char *path, const char *fmt, ...)
{
	char why[512];
	va_list ap;
	va_start(ap, fmt);
	(void)vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	json_t *r = json_string(why);
	if (!r) { /* quoting a name that is not UTF-8 */
		_cleanup_free_ char *safe = brig_term_escape(why, strlen(why));
		r = safe ? json_string(safe) : NULL;
	}
	json_t *m = r ? json_pack("{s:s, s:o}", "Path", path, "Reason", r) : NULL;
	if (!m || json_array_append_new(x->missing, m) < 0)
		brig_warn("forensics: out of memory noting %s as missing", path);
	fx_say(x, "missing %s: %s", path, why);
}

int fx_mkdir(struct fx *x, int dir, const char *name, struct brig_err *e)
{
	(void)x;
	if (mkdirat(dir, name, 0700) < 0)
		return brig_err_sys(e, errno, "making %s in the collection", name);
	int fd = BRIG_RETRY(openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	return fd < 0 ? brig_err_sys(e, errno, "opening %s in the collection", name) : fd;
}

static int list_file(struct fx *x, const char *rel, const char *name, struct brig_err *e)
{
	char path[512];
	if (brig_snprintf(path, sizeof(path), "%s%s%s", rel, rel[0] ? "/" : "", name) < 0)
		return brig_err_set(e, -ENAMETOOLONG, "%s/%s: too long", rel, name);
	if (json_array_append_new(x->files, json_string(path)) < 0)
		return brig_err_oom(e);
	return 0;
}

int fx_create(struct fx *x, int dir, const char *rel, const char *name, struct brig_err *e)
{
	_cleanup_close_ int fd = BRIG_RETRY(
		openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
	if (fd < 0)
		return brig_err_sys(e, errno, "creating %s%s%s in the collection", rel,
				    rel[0] ? "/" : "", name);
	int r = list_file(x, rel, name, e);
	return r < 0 ? r : brig_steal_fd(fd);
}

int fx_put(struct fx *x, int dir, const char *rel, const char *name, const void *buf, size_t len,
	   struct brig_err *e)
{
	_cleanup_close_ int fd = fx_create(x, dir, rel, name, e);
	if (fd < 0)
		return fd;
	if (brig_write_all(fd, buf, len) < 0 || fsync(fd) < 0)
		return brig_err_sys(e, errno, "writing %s in the collection", name);
	return 0;
}

int fx_put_json(struct fx *x, int dir, const char *rel, const char *name, const json_t *doc,
		struct brig_err *e)
{
	_cleanup_free_ char *text = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (!text)
		return brig_err_oom(e);
	size_t n = strlen(text);
	text[n] = '\n';
	return fx_put(x, dir, rel, name, text, n + 1, e);
}

int fx_read_proc(int pdir, const char *name, char **buf, size_t *len)
{
	_cleanup_close_ int fd = BRIG_RETRY(openat(pdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
	if (fd < 0)
		return -errno;
	_cleanup_err_ struct brig_err e = { 0 };
	int r = brig_read_fd(fd, name, FX_PROC_MAX, buf, len, &e);
	return r < 0 ? r : 0;
}

/* Stream src to dst; -1 with errno and *reading telling which side. */
static int copy_fd(int src, int dst, bool *reading)
{
	_cleanup_free_ char *buf = malloc(COPY_BLOCK);
	if (!buf) {
		errno = ENOMEM;
		return -1;
	}
	for (;;) {
		*reading = true;
		ssize_t n = BRIG_RETRY(read(src, buf, COPY_BLOCK));
		if (n <= 0)
			return (int)n;
		*reading = false;
		if (brig_write_all(dst, buf, (size_t)n) < 0)
			return -1;
	}
}

int fx_copy(struct fx *x, int src, const char *srcname, int dir, const char *rel, const char *name,
	    struct brig_err *e)
{
	char path[512];
	(void)snprintf(path, sizeof(path), "%s%s%s", rel, rel[0] ? "/" : "", name);
	_cleanup_close_ int in = BRIG_RETRY(
		openat(src, srcname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
	if (in < 0) {
		fx_missing(x, path, "%s", strerror(errno));
		return 0;
	}
	_cleanup_close_ int out = fx_create(x, dir, rel, name, e);
	if (out < 0)
		return out;
	bool reading = false;
	if (copy_fd(in, out, &reading) < 0) {
		if (!reading)
			return brig_err_sys(e, errno, "writing %s in the collection", path);
		fx_missing(x, path, "read in part only: %s", strerror(errno));
	}
	if (fsync(out) < 0)
		return brig_err_sys(e, errno, "writing %s in the collection", path);
	return 0;
}

int fx_manifest(struct fx *x, char hex[BRIG_SHA256_HEX], struct brig_err *e)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0, i;
	json_t *f;
	json_array_foreach(x->files, i, f)
	{
		const char *rel = json_string_value(f);
		_cleanup_close_ int fd = brig_open_in_root(x->out, rel, O_RDONLY | O_NOFOLLOW, 0,
							   BRIG_RESOLVE_NO_SYMLINKS, e);
		if (fd < 0)
			return brig_err_wrap(e, "hashing %s", rel);
		char h[BRIG_SHA256_HEX];
		uint64_t size;
		int r = brig_sha256_fd(fd, h, &size, e);
		if (r < 0)
			return brig_err_wrap(e, "hashing %s", rel);
		if (brig_appendf(&text, &len, "%s  %s\n", h, rel) < 0)
			return brig_err_oom(e);
	}
	if (!text && !(text = strdup("")))
		return brig_err_oom(e);
	_cleanup_close_ int fd = BRIG_RETRY(
		openat(x->out, "MANIFEST.sha256",
		       O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
	if (fd < 0 || brig_write_all(fd, text, len) < 0 || fsync(fd) < 0 || fsync(x->out) < 0)
		return brig_err_sys(e, errno, "writing MANIFEST.sha256");
	return brig_sha256_buf(text, len, hex) < 0 ? brig_err_oom(e) : 0;
}
