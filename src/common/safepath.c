/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Resolving paths inside a root directory without ever leaving it.
 *
 * Fast path: openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), where the
 * kernel does the scoping.  Fallback (kernels before 5.6, or when forced by
 * tests): a component-by-component walk that opens every component with
 * O_PATH|O_NOFOLLOW relative to an fd, reads symlinks from the fd it opened
 * (so a swap between two checks cannot redirect it), resolves ".." against
 * its own stack of opened directories, and restarts absolute link targets at
 * the root.  The kernel never follows a symlink for us in the fallback, so
 * magic links (/proc/self/...) are never followed either.
 */
#include "common.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define MAX_LINKS 40
#define MAX_DEPTH 256

static int openat2_state; /* 0 unknown, 1 yes, -1 no */

static long sys_openat2(int dirfd, const char *path, struct open_how *how)
{
	return syscall(SYS_openat2, dirfd, path, how, sizeof(*how));
}

bool brig_have_openat2(void)
{
	if (openat2_state == 0) {
		struct open_how how = { .flags = O_PATH | O_CLOEXEC,
					.resolve = RESOLVE_IN_ROOT };
		long fd = sys_openat2(AT_FDCWD, "/", &how);
		if (fd >= 0) {
			(void)close((int)fd);
			openat2_state = 1;
		} else {
			openat2_state = -1;
		}
	}
	return openat2_state > 0;
}

int brig_fd_path(int fd, char *buf, size_t size)
{
	char proc[64];
	(void)snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(proc, buf, size - 1);
	if (n < 0)
		return -errno;
	if ((size_t)n >= size - 1)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	return 0;
}

struct walk {
	int root;
	int stack[MAX_DEPTH];
	int depth;
};

static int walk_cur(const struct walk *w)
{
	return w->depth ? w->stack[w->depth - 1] : w->root;
}

static void walk_pop_all(struct walk *w)
{
	while (w->depth > 0)
		(void)close(w->stack[--w->depth]);
}

/* Replace todo with "target/rest". */
static int splice_link(char *todo, size_t size, const char *target, const char *rest)
{
	size_t tl = strlen(target), rl = strlen(rest);
	if (tl + rl + 2 > size)
		return -ENAMETOOLONG;
	char tmp[PATH_MAX * 2];
	memcpy(tmp, target, tl);
	tmp[tl] = '/';
	memcpy(tmp + tl + 1, rest, rl + 1);
	memcpy(todo, tmp, tl + rl + 2);
	return 0;
}

static int walk_open(int rootfd, const char *path, int oflags, mode_t mode,
		     bool nofollow_last)
{
	struct walk w = { .root = rootfd, .depth = 0 };
	char todo[PATH_MAX * 2];
	int links = 0, r;

	if (strlen(path) >= PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(todo, path, strlen(path) + 1);

	for (;;) {
		char *p = todo;
		while (*p == '/')
			p++;
		if (*p == '\0') {
			/* Path ends at the current directory. */
			int fl = oflags & ~(O_CREAT | O_EXCL | O_TRUNC | O_NOFOLLOW);
			r = BRIG_RETRY(openat(walk_cur(&w), ".", fl | O_CLOEXEC));
			r = r < 0 ? -errno : r;
			walk_pop_all(&w);
			return r;
		}
		char comp[NAME_MAX + 1];
		size_t cl = strcspn(p, "/");
		if (cl > NAME_MAX) {
			walk_pop_all(&w);
			return -ENAMETOOLONG;
		}
		memcpy(comp, p, cl);
		comp[cl] = '\0';
		char *rest = p + cl;
		while (*rest == '/')
			rest++;
		bool last = *rest == '\0';
		/* Keep the rest: todo is rewritten below. */
		char restbuf[PATH_MAX * 2];
		memmove(restbuf, rest, strlen(rest) + 1);

		if (strcmp(comp, ".") == 0) {
			memmove(todo, restbuf, strlen(restbuf) + 1);
			continue;
		}
		if (strcmp(comp, "..") == 0) {
			if (w.depth > 0)
				(void)close(w.stack[--w.depth]);
			memmove(todo, restbuf, strlen(restbuf) + 1);
			continue;
		}

		int cur = walk_cur(&w);
		int fd = BRIG_RETRY(openat(cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC));
		if (fd < 0 && !(last && errno == ENOENT && (oflags & O_CREAT))) {
			r = -errno;
			walk_pop_all(&w);
			return r;
		}
		struct stat st;
		if (fd >= 0 && fstat(fd, &st) < 0) {
			r = -errno;
			(void)close(fd);
			walk_pop_all(&w);
			return r;
		}
		if (fd >= 0 && S_ISLNK(st.st_mode) && !(last && nofollow_last)) {
			char target[PATH_MAX];
			ssize_t n = readlinkat(fd, "", target, sizeof(target) - 1);
			r = n < 0 ? -errno : 0;
			(void)close(fd);
			if (r == 0 && (size_t)n >= sizeof(target) - 1)
				r = -ENAMETOOLONG;
			if (r == 0 && ++links > MAX_LINKS)
				r = -ELOOP;
			if (r < 0) {
				walk_pop_all(&w);
				return r;
			}
			target[n] = '\0';
			if (target[0] == '/')
				walk_pop_all(&w);
			r = splice_link(todo, sizeof(todo), target, restbuf);
			if (r < 0) {
				walk_pop_all(&w);
				return r;
			}
			continue;
		}
		if (last) {
			if (fd >= 0 && (oflags & O_PATH) &&
			    (oflags & ~(O_PATH | O_CLOEXEC | O_NOFOLLOW | O_DIRECTORY)) == 0 &&
			    (!(oflags & O_DIRECTORY) || S_ISDIR(st.st_mode))) {
				walk_pop_all(&w);
				return fd;
			}
			if (fd >= 0)
				(void)close(fd);
			/* O_NOFOLLOW: a symlink swapped in since the check fails. */
			r = BRIG_RETRY(openat(cur, comp, oflags | O_NOFOLLOW | O_CLOEXEC,
					      mode));
			r = r < 0 ? -errno : r;
			walk_pop_all(&w);
			return r;
		}
		if (!S_ISDIR(st.st_mode)) {
			(void)close(fd);
			walk_pop_all(&w);
			return -ENOTDIR;
		}
		if (w.depth == MAX_DEPTH) {
			(void)close(fd);
			walk_pop_all(&w);
			return -ENAMETOOLONG;
		}
		w.stack[w.depth++] = fd;
		memmove(todo, restbuf, strlen(restbuf) + 1);
	}
}

static int open_raw(int rootfd, const char *path, int oflags, mode_t mode,
		    unsigned flags)
{
	bool nofollow = flags & BRIG_RESOLVE_NOFOLLOW_LAST;
	if (!(flags & BRIG_RESOLVE_FORCE_FALLBACK) && brig_have_openat2()) {
		struct open_how how = {
			.flags = (uint64_t)(oflags | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0)),
			.mode = (oflags & (O_CREAT | __O_TMPFILE)) ? mode : 0,
			.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
		};
		for (int tries = 0; tries < 32; tries++) {
			long fd = sys_openat2(rootfd, *path ? path : ".", &how);
			if (fd >= 0)
				return (int)fd;
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return -errno;
		}
		/* Persistent renames racing with us: take the slow walk. */
	}
	return walk_open(rootfd, path, oflags, mode, nofollow);
}

int brig_open_in_root(int rootfd, const char *path, int oflags, mode_t mode,
		      unsigned flags, struct brig_err *e)
{
	int fd = open_raw(rootfd, path, oflags, mode, flags);
	if (fd < 0)
		return brig_err_sys(e, -fd, "resolving %s inside the root", path);
	return fd;
}

int brig_mkdir_in_root(int rootfd, const char *path, mode_t mode,
		       unsigned flags, struct brig_err *e)
{
	size_t len = strlen(path);
	if (len >= PATH_MAX)
		return brig_err_set(e, -ENAMETOOLONG, "path too long: %.64s...", path);
	char prefix[PATH_MAX];
	unsigned rflags = flags & BRIG_RESOLVE_FORCE_FALLBACK;
	int fd = open_raw(rootfd, path, O_PATH | O_DIRECTORY, 0, rflags);
	if (fd >= 0)
		return fd;
	if (fd != -ENOENT)
		return brig_err_sys(e, -fd, "resolving directory %s inside the root", path);
	/* Create the missing components one prefix at a time. */
	_cleanup_close_ int parent = BRIG_RETRY(fcntl(rootfd, F_DUPFD_CLOEXEC, 3));
	if (parent < 0)
		return brig_err_sys(e, errno, "duplicating root fd");
	size_t i = 0;
	while (i < len) {
		while (i < len && path[i] == '/')
			i++;
		size_t start = i;
		while (i < len && path[i] != '/')
			i++;
		if (i == start)
			break;
		memcpy(prefix, path, i);
		prefix[i] = '\0';
		fd = open_raw(rootfd, prefix, O_PATH | O_DIRECTORY, 0, rflags);
		if (fd == -ENOENT) {
			char comp[NAME_MAX + 1];
			if (i - start > NAME_MAX)
				return brig_err_set(e, -ENAMETOOLONG, "component too long in %s", path);
			memcpy(comp, path + start, i - start);
			comp[i - start] = '\0';
			if (mkdirat(parent, comp, mode) < 0 && errno != EEXIST)
				return brig_err_sys(e, errno, "creating %s inside the root", prefix);
			fd = open_raw(rootfd, prefix, O_PATH | O_DIRECTORY, 0, rflags);
		}
		if (fd < 0)
			return brig_err_sys(e, -fd, "resolving directory %s inside the root", prefix);
		(void)close(parent);
		parent = fd;
	}
	return brig_steal_fd(parent);
}

int brig_open_parent_in_root(int rootfd, const char *path, char *base,
			     unsigned flags, struct brig_err *e)
{
	size_t len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		len--;
	if (len >= PATH_MAX)
		return brig_err_set(e, -ENAMETOOLONG, "path too long: %.64s...", path);
	char buf[PATH_MAX];
	memcpy(buf, path, len);
	buf[len] = '\0';
	char *slash = strrchr(buf, '/');
	const char *b = slash ? slash + 1 : buf;
	if (*b == '\0' || strcmp(b, ".") == 0 || strcmp(b, "..") == 0 ||
	    strlen(b) > NAME_MAX)
		return brig_err_set(e, -EINVAL, "%s: no usable last component", path);
	memcpy(base, b, strlen(b) + 1);
	if (slash)
		*slash = '\0';
	else
		buf[0] = '\0';
	int fd = open_raw(rootfd, buf, O_PATH | O_DIRECTORY, 0,
			  flags & BRIG_RESOLVE_FORCE_FALLBACK);
	if (fd < 0)
		return brig_err_sys(e, -fd, "resolving parent of %s inside the root", path);
	return fd;
}
