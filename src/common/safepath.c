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
#include "common/common.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define MAX_LINKS 40 /* the kernel's MAXSYMLINKS */
#define MAX_DEPTH 256

static int openat2_state; /* 0 unknown, 1 yes, -1 no (atomic) */

static long sys_openat2(int dirfd, const char *path, struct open_how *how)
{
	return syscall(SYS_openat2, dirfd, path, how, sizeof(*how));
}

bool brig_have_openat2(void)
{
	int state = __atomic_load_n(&openat2_state, __ATOMIC_RELAXED);
	if (state != 0)
		return state > 0;
	struct open_how how = { .flags = O_PATH | O_CLOEXEC,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	long fd = sys_openat2(AT_FDCWD, "/", &how);
	if (fd >= 0) {
		(void)close((int)fd);
		state = 1;
	} else if (errno == ENOSYS || errno == EPERM || errno == EINVAL || errno == E2BIG) {
		/* Old kernel, or a seccomp filter that refuses it. */
		state = -1;
	} else {
		return false; /* transient (EMFILE, ENOMEM): do not cache */
	}
	__atomic_store_n(&openat2_state, state, __ATOMIC_RELAXED);
	return state > 0;
}

int brig_fd_path(int fd, char *buf, size_t size)
{
	char proc[64];
	if (size < 2)
		return -ENAMETOOLONG;
	(void)snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(proc, buf, size - 1);
	if (n < 0)
		return -errno;
	if ((size_t)n >= size - 1)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	return 0;
}

/*
 * The fallback walk.  todo holds what is left to resolve; after a component
 * is taken it starts with the slash that followed it (or is empty), so a
 * trailing slash is seen and a link target can be spliced in front of it.
 * stack holds O_PATH fds of the directories entered beneath the root; ".."
 * pops it, so it can never climb above the root.
 */
struct walk {
	int root;
	int depth;
	int links;
	bool nosym; /* every symlink is refused (ELOOP) */
	int stack[MAX_DEPTH];
	char todo[PATH_MAX * 2];
};

static int walk_cur(const struct walk *w)
{
	return w->depth ? w->stack[w->depth - 1] : w->root;
}

static void walk_reset(struct walk *w)
{
	while (w->depth > 0)
		(void)close(w->stack[--w->depth]);
}

/* Release everything; pass r (an fd or a negative errno) through. */
static int walk_done(struct walk *w, int r)
{
	walk_reset(w);
	return r;
}

/* Move the next component of todo into comp. 1 when nothing is left. */
static int walk_take(struct walk *w, char comp[NAME_MAX + 1], bool *last)
{
	const char *p = w->todo;
	while (*p == '/')
		p++;
	if (*p == '\0')
		return 1;
	size_t cl = strcspn(p, "/");
	if (cl > NAME_MAX)
		return -ENAMETOOLONG;
	memcpy(comp, p, cl);
	comp[cl] = '\0';
	*last = p[cl] == '\0'; /* "dir/" is not last: it must be a directory */
	memmove(w->todo, p + cl, strlen(p + cl) + 1);
	return 0;
}

/* Replace the symlink just taken by its target (read from its own fd, so a
 * concurrent swap cannot change what we read). */
static int walk_follow(struct walk *w, int linkfd)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(linkfd, "", target, sizeof(target));
	if (n < 0)
		return -errno;
	if ((size_t)n >= sizeof(target))
		return -ENAMETOOLONG;
	if (n == 0)
		return -ENOENT;
	if (++w->links > MAX_LINKS)
		return -ELOOP;
	size_t rl = strlen(w->todo);
	if ((size_t)n + rl + 1 > sizeof(w->todo))
		return -ENAMETOOLONG;
	memmove(w->todo + n, w->todo, rl + 1);
	memcpy(w->todo, target, (size_t)n);
	if (target[0] == '/')
		walk_reset(w); /* absolute targets restart at the root */
	return 0;
}

/* Path ended on a directory ("", "a/..", "dir/"): reopen it with oflags. */
static int walk_open_cur(const struct walk *w, int oflags)
{
	if (oflags & O_CREAT)
		return -EISDIR;
	int fl = (oflags & ~(O_TRUNC | O_NOFOLLOW)) | O_CLOEXEC;
	int fd = BRIG_RETRY(openat(walk_cur(w), ".", fl));
	return fd < 0 ? -errno : fd;
}

/* Open the final component comp of the current directory.  fd is its O_PATH
 * handle (or -1 when it does not exist and O_CREAT creates it). */
static int walk_open_last(const struct walk *w, const char *comp, int fd, const struct stat *st,
			  int oflags, mode_t mode)
{
	int want = oflags & ~(O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0 && (want == O_PATH || want == (O_PATH | O_DIRECTORY)) &&
	    (!(want & O_DIRECTORY) || S_ISDIR(st->st_mode)))
		return fd;
	if (fd >= 0)
		(void)close(fd);
	/* O_NOFOLLOW: a symlink swapped in since we looked fails (ELOOP). */
	int r = BRIG_RETRY(openat(walk_cur(w), comp, oflags | O_NOFOLLOW | O_CLOEXEC, mode));
	return r < 0 ? -errno : r;
}

/* One component: -errno, 0 to continue, or 1 with *result set (the end). */
static int walk_step(struct walk *w, const char *comp, bool last, int oflags, mode_t mode,
		     bool nofollow, int *result)
{
	if (strcmp(comp, ".") == 0)
		return 0;
	if (strcmp(comp, "..") == 0) {
		if (w->depth > 0) /* at the root, ".." is the root */
			(void)close(w->stack[--w->depth]);
		return 0;
	}
	int fd = BRIG_RETRY(openat(walk_cur(w), comp, O_PATH | O_NOFOLLOW | O_CLOEXEC));
	struct stat st = { 0 };
	if (fd < 0) {
		if (!(last && errno == ENOENT && (oflags & O_CREAT)))
			return -errno;
	} else if (fstat(fd, &st) < 0) {
		int r = -errno;
		(void)close(fd);
		return r;
	}
	if (fd >= 0 && S_ISLNK(st.st_mode) && w->nosym) {
		(void)close(fd);
		return -ELOOP;
	}
	if (fd >= 0 && S_ISLNK(st.st_mode) && !(last && nofollow)) {
		int r = -EEXIST; /* O_CREAT|O_EXCL never follows a final link */
		if (!(last && (oflags & O_CREAT) && (oflags & O_EXCL)))
			r = walk_follow(w, fd);
		(void)close(fd);
		return r;
	}
	if (last) {
		*result = walk_open_last(w, comp, fd, &st, oflags, mode);
		return 1;
	}
	if (!S_ISDIR(st.st_mode) || w->depth == MAX_DEPTH) {
		(void)close(fd);
		return S_ISDIR(st.st_mode) ? -ENAMETOOLONG : -ENOTDIR;
	}
	w->stack[w->depth++] = fd;
	return 0;
}

static int walk_open(int rootfd, const char *path, int oflags, mode_t mode, bool nofollow_last,
		     bool nosym)
{
	struct walk w = { .root = rootfd, .nosym = nosym };
	size_t len = strlen(path);
	if (len >= PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(w.todo, path, len + 1);
	for (;;) {
		char comp[NAME_MAX + 1];
		bool last = false;
		int result = -1;
		int r = walk_take(&w, comp, &last);
		if (r == 1)
			return walk_done(&w, walk_open_cur(&w, oflags));
		if (r == 0)
			r = walk_step(&w, comp, last, oflags, mode, nofollow_last, &result);
		if (r < 0)
			return walk_done(&w, r);
		if (r == 1)
			return walk_done(&w, result);
	}
}

static int open_raw(int rootfd, const char *path, int oflags, mode_t mode, unsigned flags)
{
	bool nofollow = (flags & BRIG_RESOLVE_NOFOLLOW_LAST) || (oflags & O_NOFOLLOW);
	bool nosym = flags & BRIG_RESOLVE_NO_SYMLINKS;
	if (!(flags & BRIG_RESOLVE_FORCE_FALLBACK) && brig_have_openat2()) {
		/* glibc's O_TMPFILE includes O_DIRECTORY: test all its bits, or
		 * every O_DIRECTORY open would pass a mode and get EINVAL. */
		bool creates = (oflags & O_CREAT) || (oflags & O_TMPFILE) == O_TMPFILE;
		struct open_how how = {
			.flags = (uint64_t)(oflags | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0)),
			.mode = creates ? (mode & 07777) : 0, /* openat2 refuses other bits */
			.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS |
				(nosym ? RESOLVE_NO_SYMLINKS : 0),
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
	return walk_open(rootfd, path, oflags, mode, nofollow, nosym);
}

int brig_open_regular_in_root(int rootfd, const char *path, struct brig_err *e)
{
	/* O_NONBLOCK: a FIFO (or a device) put there opens at once instead of
	 * waiting for a writer; it is then refused by type.  The final
	 * component is not followed (a symlinked database is refused too). */
	int fd = open_raw(rootfd, path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW, 0, 0);
	if (fd == -ELOOP)
		return brig_err_set(e, -EINVAL, "%s is a symlink, not a regular file", path);
	if (fd < 0)
		return brig_err_sys(e, -fd, "opening %s", path);
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int err = errno;
		(void)close(fd);
		return brig_err_sys(e, err, "%s", path);
	}
	if (!S_ISREG(st.st_mode)) {
		(void)close(fd);
		return brig_err_set(e, -EINVAL, "%s is not a regular file", path);
	}
	return fd;
}

int brig_open_in_root(int rootfd, const char *path, int oflags, mode_t mode, unsigned flags,
		      struct brig_err *e)
{
	int fd = open_raw(rootfd, path, oflags, mode, flags);
	if (fd < 0)
		return brig_err_sys(e, -fd, "resolving %s inside the root", path);
	return fd;
}

/* comp (in parent, at prefix "upto/comp") is a dangling symlink: create the
 * directory it points to, inside the root, so the caller can go through. */
static int mkdir_walk(int rootfd, const char *path, mode_t mode, unsigned rflags, int depth,
		      struct brig_err *e);

static int mkdir_link_target(int rootfd, int parent, const char *comp, const char *path,
			     size_t upto, mode_t mode, unsigned rflags, int depth,
			     struct brig_err *e)
{
	char target[PATH_MAX], next[PATH_MAX];
	ssize_t n = readlinkat(parent, comp, target, sizeof(target) - 1);
	if (n < 0)
		return -ENOENT; /* not a symlink: the original error stands */
	target[n] = '\0';
	if (depth >= MAX_LINKS)
		return brig_err_set(e, -ELOOP, "too many symlinks creating %s inside the root",
				    path);
	int w = target[0] == '/' ? snprintf(next, sizeof(next), "%s", target)
				 : snprintf(next, sizeof(next), "%.*s/%s", (int)upto, path, target);
	if (w < 0 || (size_t)w >= sizeof(next))
		return brig_err_set(e, -ENAMETOOLONG, "symlink target too long in %s", path);
	int fd = mkdir_walk(rootfd, next, mode, rflags, depth + 1, e);
	if (fd < 0)
		return fd;
	(void)close(fd);
	return 0;
}

static int mkdir_walk(int rootfd, const char *path, mode_t mode, unsigned rflags, int depth,
		      struct brig_err *e)
{
	size_t len = strlen(path);
	if (len >= PATH_MAX)
		return brig_err_set(e, -ENAMETOOLONG, "path too long: %.64s...", path);
	char prefix[PATH_MAX];
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
				return brig_err_set(e, -ENAMETOOLONG, "component too long in %s",
						    path);
			memcpy(comp, path + start, i - start);
			comp[i - start] = '\0';
			if (mkdirat(parent, comp, mode) < 0 && errno != EEXIST)
				return brig_err_sys(e, errno, "creating %s inside the root",
						    prefix);
			fd = open_raw(rootfd, prefix, O_PATH | O_DIRECTORY, 0, rflags);
			if (fd == -ENOENT) {
				int r = mkdir_link_target(rootfd, parent, comp, path, start, mode,
							  rflags, depth, e);
				if (r < 0 && r != -ENOENT)
					return r;
				fd = open_raw(rootfd, prefix, O_PATH | O_DIRECTORY, 0, rflags);
			}
		}
		if (fd < 0)
			return brig_err_sys(e, -fd, "resolving directory %s inside the root",
					    prefix);
		(void)close(parent);
		parent = fd;
	}
	return brig_steal_fd(parent);
}

int brig_mkdir_in_root(int rootfd, const char *path, mode_t mode, unsigned flags,
		       struct brig_err *e)
{
	return mkdir_walk(rootfd, path, mode, flags & BRIG_RESOLVE_FORCE_FALLBACK, 0, e);
}

int brig_open_parent_in_root(int rootfd, const char *path, char *base, unsigned flags,
			     struct brig_err *e)
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
	if (*b == '\0' || strcmp(b, ".") == 0 || strcmp(b, "..") == 0 || strlen(b) > NAME_MAX)
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

int brig_path_clean(const char *in, unsigned flags, char *out, size_t size)
{
	size_t top = (flags & BRIG_PATH_ABSOLUTE) ? 1 : 0, o = top;
	if (size < top + 1)
		return -ENAMETOOLONG;
	out[0] = '/';
	for (const char *p = in; *p;) {
		while (*p == '/')
			p++;
		size_t n = strcspn(p, "/");
		if (n == 0)
			break;
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (flags & BRIG_PATH_NO_DOTDOT)
				return -EINVAL;
			if (o == top && !(flags & BRIG_PATH_CLAMP))
				return -EPERM;
			while (o > top && out[o - 1] != '/')
				o--;
			if (o > top)
				o--; /* the slash before the component */
		} else if (!(n == 1 && p[0] == '.')) {
			if ((flags & BRIG_PATH_NAME_MAX) && n > NAME_MAX)
				return -ENAMETOOLONG;
			if (o + (o > top) + n + 1 > size)
				return -ENAMETOOLONG;
			if (o > top)
				out[o++] = '/';
			memcpy(out + o, p, n);
			o += n;
		}
		p += n;
	}
	out[o] = '\0';
	return 0;
}
