/* SPDX-License-Identifier: Apache-2.0 */
/* fd and file helpers: full reads/writes, size-limited reads, atomic
 * replacement, directory trees. */
#include "common.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>

int brig_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

ssize_t brig_read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int brig_read_fd(int fd, const char *name, size_t max, char **out, size_t *len,
		 struct brig_err *e)
{
	size_t cap = 4096, used = 0;
	struct stat st;
	/* max + 1 and cap * 2 below must not wrap ("no limit" = SIZE_MAX). */
	if (max > SSIZE_MAX / 2)
		max = SSIZE_MAX / 2;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		/* What is left from the current offset is what will be read. */
		off_t off = lseek(fd, 0, SEEK_CUR);
		off_t left = off >= 0 && off <= st.st_size ? st.st_size - off : st.st_size;
		if ((uint64_t)left > max)
			return brig_err_set(e, -EFBIG,
					    "%s: %lld bytes, larger than the limit of %zu",
					    name, (long long)left, max);
		cap = (size_t)left + 1;
	}
	if (cap > max + 1)
		cap = max + 1;
	_cleanup_free_ char *buf = malloc(cap + 1);
	if (!buf)
		return brig_err_set(e, -ENOMEM, "%s: out of memory", name);
	for (;;) {
		if (used == cap) {
			if (cap > max)
				return brig_err_set(e, -EFBIG,
						    "%s: larger than the limit of %zu bytes",
						    name, max);
			size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			char *nb = realloc(buf, ncap + 1);
			if (!nb)
				return brig_err_set(e, -ENOMEM, "%s: out of memory", name);
			buf = nb;
			cap = ncap;
		}
		ssize_t n = read(fd, buf + used, cap - used);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return brig_err_sys(e, errno, "reading %s", name);
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (used > max)
			return brig_err_set(e, -EFBIG,
					    "%s: larger than the limit of %zu bytes",
					    name, max);
	}
	buf[used] = '\0';
	*out = brig_steal_ptr(buf);
	if (len)
		*len = used;
	return 0;
}

int brig_read_file(int dirfd, const char *path, size_t max, char **out,
		   size_t *len, struct brig_err *e)
{
	/* O_NONBLOCK so that a FIFO without a writer (or a device) cannot
	 * hang the open; reads are blocking again below. */
	_cleanup_close_ int fd = BRIG_RETRY(openat(dirfd, path,
						   O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
	if (fd < 0)
		return brig_err_sys(e, errno, "opening %s", path);
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
		return brig_err_sys(e, errno, "opening %s", path);
	return brig_read_fd(fd, path, max, out, len, e);
}

int brig_write_file(int dirfd, const char *path, const char *data,
		    struct brig_err *e)
{
	_cleanup_close_ int fd = BRIG_RETRY(openat(dirfd, path,
						   O_WRONLY | O_CLOEXEC | O_NOCTTY));
	if (fd < 0)
		return brig_err_sys(e, errno, "opening %s", path);
	size_t len = strlen(data);
	ssize_t n = BRIG_RETRY(write(fd, data, len));
	if (n < 0)
		return brig_err_sys(e, errno, "writing '%s' to %s", data, path);
	if ((size_t)n != len)
		return brig_err_set(e, -EIO, "short write to %s", path);
	return 0;
}

/* Create a new temporary ".BASE.PID.N.tmp" next to base; its name goes to
 * tmp (NAME_MAX + 1 bytes).  Returns the fd or a negative errno. */
static int create_temp(int dirfd, const char *base, mode_t mode, char *tmp)
{
	static unsigned counter; /* atomic: threads may write concurrently */
	for (int tries = 0; tries < 64; tries++) {
		struct timespec ts = { 0 };
		(void)clock_gettime(CLOCK_MONOTONIC, &ts);
		unsigned n = __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);
		(void)snprintf(tmp, NAME_MAX + 1, ".%s.%d.%x.tmp", base, (int)getpid(),
			       n ^ ((unsigned)ts.tv_nsec << 12));
		int fd = BRIG_RETRY(openat(dirfd, tmp,
					   O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
					   mode));
		if (fd >= 0 || errno != EEXIST)
			return fd >= 0 ? fd : -errno;
	}
	return -EEXIST;
}

int brig_atomic_write(int dirfd, const char *name, const void *data,
		      size_t len, mode_t mode, struct brig_err *e)
{
	return brig_atomic_replace(dirfd, name, data, len, mode, true, e);
}

int brig_atomic_replace(int dirfd, const char *name, const void *data, size_t len,
			mode_t mode, bool durable, struct brig_err *e)
{
	char tmp[NAME_MAX + 1];
	const char *base = strrchr(name, '/');
	base = base ? base + 1 : name;
	if (*base == '\0' || strlen(base) + 24 > NAME_MAX)
		return brig_err_set(e, -EINVAL, "bad file name '%s'", name);
	/* The temporary lives in the same directory as name. */
	_cleanup_free_ char *dir = NULL;
	int pdir = dirfd;
	_cleanup_close_ int owndir = -1;
	if (base != name) {
		dir = strndup(name, (size_t)(base - name));
		if (!dir)
			return brig_err_set(e, -ENOMEM, "out of memory");
		owndir = BRIG_RETRY(openat(dirfd, dir, O_PATH | O_DIRECTORY | O_CLOEXEC));
		if (owndir < 0)
			return brig_err_sys(e, errno, "opening directory %s", dir);
		pdir = owndir;
	}
	_cleanup_close_ int fd = create_temp(pdir, base, mode, tmp);
	if (fd < 0)
		return brig_err_sys(e, -fd, "creating temporary file for %s", name);
	int r = brig_write_all(fd, data, len);
	if (r < 0) {
		(void)unlinkat(pdir, tmp, 0);
		return brig_err_sys(e, -r, "writing %s", name);
	}
	if (fchmod(fd, mode) < 0 || (durable && BRIG_RETRY(fsync(fd)) < 0)) {
		r = errno;
		(void)unlinkat(pdir, tmp, 0);
		return brig_err_sys(e, r, "syncing %s", name);
	}
	if (renameat(pdir, tmp, pdir, base) < 0) {
		r = errno;
		(void)unlinkat(pdir, tmp, 0);
		return brig_err_sys(e, r, "renaming into place %s", name);
	}
	if (!durable)
		return 0;
	/* dirfd may be AT_FDCWD or an O_PATH fd (as brig_mkdir_in_root
	 * returns), neither of which fsync accepts. */
	_cleanup_close_ int syncfd = BRIG_RETRY(openat(pdir, ".",
						       O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (syncfd < 0)
		return brig_err_sys(e, errno, "opening directory of %s", name);
	if (BRIG_RETRY(fsync(syncfd)) < 0)
		return brig_err_sys(e, errno, "syncing directory of %s", name);
	return 0;
}

int brig_mkdir_p(int dirfd, const char *path, mode_t mode, struct brig_err *e)
{
	size_t len = strlen(path);
	if (len == 0 || len >= PATH_MAX)
		return brig_err_set(e, -EINVAL, "bad directory path '%s'", path);
	char buf[PATH_MAX];
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;
			*p = '\0';
			if (mkdirat(dirfd, buf, mode) < 0 && errno != EEXIST)
				return brig_err_sys(e, errno, "creating directory %s", buf);
			*p = c;
			if (c == '\0')
				break;
		}
	}
	struct stat st;
	if (fstatat(dirfd, path, &st, 0) < 0)
		return brig_err_sys(e, errno, "checking directory %s", path);
	if (!S_ISDIR(st.st_mode))
		return brig_err_set(e, -ENOTDIR, "%s exists and is not a directory", path);
	return 0;
}

/* Which mount a directory is on, and whether it is the root of one. */
struct mount_ident {
	dev_t dev;
	uint64_t mnt_id; /* 0 when the kernel does not report it */
	bool mount_root;
};

static int mount_ident(int dirfd, struct mount_ident *id)
{
	struct statx stx;
	if (statx(dirfd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW,
		  STATX_TYPE | STATX_INO | STATX_MNT_ID, &stx) < 0)
		return -errno;
	id->dev = makedev(stx.stx_dev_major, stx.stx_dev_minor);
	id->mnt_id = (stx.stx_mask & STATX_MNT_ID) ? stx.stx_mnt_id : 0;
	if (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) {
		id->mount_root = stx.stx_attributes & STATX_ATTR_MOUNT_ROOT;
		return 0;
	}
	/* Kernels before 5.8: a different device than ".." is a mount. */
	struct stat up;
	if (fstatat(dirfd, "..", &up, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	id->mount_root = up.st_dev != id->dev;
	return 0;
}

/* A bind mount of the same filesystem keeps st_dev, so the mount id and the
 * mount-root attribute are what catch it. */
static bool crosses_mount(const struct mount_ident *parent,
			  const struct mount_ident *id)
{
	if (id->mount_root)
		return true;
	if (!parent)
		return false;
	return id->dev != parent->dev ||
	       (id->mnt_id && parent->mnt_id && id->mnt_id != parent->mnt_id);
}

/*
 * Removal state.  Recursion (and with it the stack and the open directory
 * fds) stops at RM_MAX_DEPTH: a directory found that deep is moved up into
 * the top directory (same filesystem, so a plain rename) and removed by a
 * later pass, so a tree of any depth can be removed.
 */
#define RM_MAX_DEPTH 64

struct rm_ctx {
	int top;        /* the directory being removed (after it is opened) */
	unsigned moved; /* directories moved up to top during this pass */
	unsigned seq;
	struct brig_err *e;
};

static int rm_rf_at(struct rm_ctx *c, int at, const char *name,
		    const struct mount_ident *parent, int depth);

static int rm_move_up(struct rm_ctx *c, int at, const char *name)
{
	char tmp[32];
	for (int tries = 0; tries < 4096; tries++) {
		(void)snprintf(tmp, sizeof(tmp), ".brig-rm.%u", c->seq++);
		int r = renameat2(at, name, c->top, tmp, RENAME_NOREPLACE);
		if (r < 0 && errno == EINVAL && faccessat(c->top, tmp, F_OK,
							  AT_SYMLINK_NOFOLLOW) < 0)
			r = renameat(at, name, c->top, tmp); /* no NOREPLACE here */
		if (r == 0) {
			c->moved++;
			return 0;
		}
		if (errno != EEXIST && errno != EINVAL)
			return brig_err_sys(c->e, errno, "moving %s up to remove it", name);
	}
	return brig_err_set(c->e, -EEXIST, "no free name to move %s up to", name);
}

/* Remove every entry of the open directory d (which is on mount id). */
static int rm_rf_children(struct rm_ctx *c, DIR *d, const char *name,
			  const struct mount_ident *id, int depth)
{
	int dfd = dirfd(d);
	for (;;) {
		errno = 0;
		struct dirent *de = readdir(d);
		if (!de) {
			if (errno != 0)
				return brig_err_sys(c->e, errno, "reading directory %s", name);
			return 0;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		int r = rm_rf_at(c, dfd, de->d_name, id, depth + 1);
		if (r < 0)
			return brig_err_wrap(c->e, "removing %s", name);
	}
}

/* Open directory name, refusing a mount point and a symlink swapped in. */
static DIR *rm_open_dir(struct rm_ctx *c, int at, const char *name,
			const struct mount_ident *parent, struct mount_ident *id)
{
	int fd = BRIG_RETRY(openat(at, name,
				   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	if (fd < 0) {
		brig_err_sys(c->e, errno, "opening %s", name);
		return NULL;
	}
	int r = mount_ident(fd, id);
	if (r < 0)
		brig_err_sys(c->e, -r, "examining %s", name);
	else if (crosses_mount(parent, id))
		r = brig_err_set(c->e, -EBUSY, "%s is a mount point; not removing", name);
	DIR *d = r < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (r == 0)
			brig_err_sys(c->e, errno, "opening %s", name);
		(void)close(fd);
	}
	return d;
}

static int rm_rf_dir(struct rm_ctx *c, int at, const char *name,
		     const struct mount_ident *parent, int depth)
{
	struct mount_ident id = { 0 };
	DIR *d = rm_open_dir(c, at, name, parent, &id);
	if (!d)
		return c->e ? c->e->code : -EIO;
	int r;
	if (depth == 0) {
		/* The top: passes until nothing was moved up into it. */
		c->top = dirfd(d);
		do {
			c->moved = 0;
			rewinddir(d);
			r = rm_rf_children(c, d, name, &id, depth);
		} while (r == 0 && c->moved > 0);
		c->top = -1;
	} else {
		r = rm_rf_children(c, d, name, &id, depth);
	}
	(void)closedir(d);
	if (r < 0)
		return r;
	if (unlinkat(at, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return brig_err_sys(c->e, errno, "removing directory %s", name);
	return 0;
}

static int rm_rf_at(struct rm_ctx *c, int at, const char *name,
		    const struct mount_ident *parent, int depth)
{
	struct stat st;
	if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return brig_err_sys(c->e, errno, "examining %s", name);
	}
	if (S_ISDIR(st.st_mode) && depth >= RM_MAX_DEPTH)
		return rm_move_up(c, at, name);
	if (S_ISDIR(st.st_mode))
		return rm_rf_dir(c, at, name, parent, depth);
	if (unlinkat(at, name, 0) < 0 && errno != ENOENT)
		return brig_err_sys(c->e, errno, "removing %s", name);
	return 0;
}

int brig_rm_rf(int dirfd, const char *name, struct brig_err *e)
{
	struct brig_err local = { 0 };
	struct rm_ctx c = { .top = -1, .e = e ? e : &local };
	int r = rm_rf_at(&c, dirfd, name, NULL, 0);
	brig_err_clear(&local);
	return r;
}

void brig_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

size_t brig_strv_len(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

char **brig_strv_dup(char *const *v)
{
	size_t n = brig_strv_len(v);
	char **out = calloc(n + 1, sizeof(char *));
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		out[i] = strdup(v[i]);
		if (!out[i]) {
			brig_strv_free(out);
			return NULL;
		}
	}
	return out;
}

int brig_parse_u64(const char *s, uint64_t *out)
{
	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	uint64_t v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int brig_parse_i64(const char *s, int64_t *out)
{
	bool neg = s && *s == '-';
	uint64_t u;
	int r = brig_parse_u64(neg ? s + 1 : s, &u);
	if (r < 0)
		return r;
	if (neg) {
		if (u > (uint64_t)INT64_MAX + 1)
			return -ERANGE;
		*out = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
	} else {
		if (u > INT64_MAX)
			return -ERANGE;
		*out = (int64_t)u;
	}
	return 0;
}

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

int brig_cloexec_from(int from)
{
	int r;
	if (from < 0)
		return -EINVAL;
	if (syscall(SYS_close_range, (unsigned)from, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return 0;
	/* Older kernels: walk /proc/self/fd. */
	int pfd = BRIG_RETRY(open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (pfd < 0)
		return -errno;
	DIR *d = fdopendir(pfd);
	if (!d) {
		r = -errno;
		(void)close(pfd);
		return r;
	}
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		uint64_t fd;
		if (brig_parse_u64(de->d_name, &fd) < 0 || fd > INT_MAX)
			continue;
		if ((int)fd < from || (int)fd == pfd)
			continue;
		int fl = fcntl((int)fd, F_GETFD);
		if (fl >= 0 && fcntl((int)fd, F_SETFD, fl | FD_CLOEXEC) < 0) {
			r = -errno;
			(void)closedir(d);
			return r;
		}
	}
	(void)closedir(d);
	return 0;
}

int brig_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= size)
		return -ENAMETOOLONG;
	return n;
}

int brig_appendf(char **buf, size_t *len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	char *nb = realloc(*buf, *len + (size_t)n + 1);
	if (!nb)
		return -ENOMEM;
	*buf = nb;
	va_start(ap, fmt);
	(void)vsnprintf(nb + *len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	*len += (size_t)n;
	return 0;
}

/* ---- disk usage ----------------------------------------------------------- */

#define DU_MAX_DEPTH 256 /* open directories at once; deeper ones are not entered */

int brig_du(int at, const char *name, uint64_t *bytes, bool *truncated)
{
	struct stat st;
	DIR *stack[DU_MAX_DEPTH];
	size_t depth = 0;
	*bytes = 0;
	if (truncated)
		*truncated = false;
	if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	*bytes = (uint64_t)st.st_blocks * 512;
	if (!S_ISDIR(st.st_mode))
		return 0;
	dev_t dev = st.st_dev;
	int fd = BRIG_RETRY(openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	if (fd < 0 || !(stack[depth] = fdopendir(fd))) {
		int err = errno;
		if (fd >= 0)
			(void)close(fd);
		return -err;
	}
	depth++;
	while (depth > 0) {
		DIR *d = stack[depth - 1];
		struct dirent *de = readdir(d);
		if (!de) {
			(void)closedir(d);
			depth--;
			continue;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		*bytes += (uint64_t)st.st_blocks * 512;
		if (!S_ISDIR(st.st_mode) || st.st_dev != dev) /* not crossing mounts */
			continue;
		if (depth == DU_MAX_DEPTH) {
			if (truncated)
				*truncated = true;
			continue;
		}
		fd = BRIG_RETRY(openat(dirfd(d), de->d_name,
				       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
		if (fd < 0)
			continue;
		if (!(stack[depth] = fdopendir(fd))) {
			(void)close(fd);
			continue;
		}
		depth++;
	}
	return 0;
}
