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
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		if ((uint64_t)st.st_size > max)
			return brig_err_set(e, -EFBIG,
					    "%s: %lld bytes, larger than the limit of %zu",
					    name, (long long)st.st_size, max);
		cap = (size_t)st.st_size + 1;
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
	_cleanup_close_ int fd = BRIG_RETRY(openat(dirfd, path,
						   O_RDONLY | O_CLOEXEC | O_NOCTTY));
	if (fd < 0)
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

int brig_atomic_write(int dirfd, const char *name, const void *data,
		      size_t len, mode_t mode, struct brig_err *e)
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
		owndir = BRIG_RETRY(openat(dirfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
		if (owndir < 0)
			return brig_err_sys(e, errno, "opening directory %s", dir);
		pdir = owndir;
	}
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	(void)snprintf(tmp, sizeof(tmp), ".%s.%d.%lx.tmp", base, (int)getpid(),
		       (unsigned long)ts.tv_nsec);
	_cleanup_close_ int fd = BRIG_RETRY(openat(pdir, tmp,
						   O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
						   mode));
	if (fd < 0)
		return brig_err_sys(e, errno, "creating temporary file for %s", name);
	int r = brig_write_all(fd, data, len);
	if (r < 0) {
		(void)unlinkat(pdir, tmp, 0);
		return brig_err_sys(e, -r, "writing %s", name);
	}
	if (fchmod(fd, mode) < 0 || BRIG_RETRY(fsync(fd)) < 0) {
		r = errno;
		(void)unlinkat(pdir, tmp, 0);
		return brig_err_sys(e, r, "syncing %s", name);
	}
	if (renameat(pdir, tmp, pdir, base) < 0) {
		r = errno;
		(void)unlinkat(pdir, tmp, 0);
		return brig_err_sys(e, r, "renaming into place %s", name);
	}
	_cleanup_close_ int syncfd = -1;
	if (pdir == AT_FDCWD) {
		syncfd = BRIG_RETRY(open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
		if (syncfd < 0)
			return brig_err_sys(e, errno, "opening directory of %s", name);
	}
	if (BRIG_RETRY(fsync(syncfd >= 0 ? syncfd : pdir)) < 0)
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

static int rm_rf_at(int at, const char *name, dev_t dev, int depth,
		    struct brig_err *e)
{
	if (depth > 256)
		return brig_err_set(e, -ELOOP, "%s: directory tree too deep", name);
	struct stat st;
	if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return brig_err_sys(e, errno, "examining %s", name);
	}
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(at, name, 0) < 0 && errno != ENOENT)
			return brig_err_sys(e, errno, "removing %s", name);
		return 0;
	}
	if (dev != 0 && st.st_dev != dev)
		return brig_err_set(e, -EBUSY, "%s is a mount point; not removing", name);
	int fd = BRIG_RETRY(openat(at, name,
				   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	if (fd < 0)
		return brig_err_sys(e, errno, "opening %s", name);
	DIR *d = fdopendir(fd);
	if (!d) {
		int r = errno;
		(void)close(fd);
		return brig_err_sys(e, r, "opening %s", name);
	}
	int r = 0, dfd = dirfd(d);
	struct dirent *de;
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		r = rm_rf_at(dfd, de->d_name, st.st_dev, depth + 1, e);
		if (r < 0)
			break;
		errno = 0;
	}
	(void)closedir(d);
	if (r < 0)
		return brig_err_wrap(e, "removing %s", name);
	if (unlinkat(at, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return brig_err_sys(e, errno, "removing directory %s", name);
	return 0;
}

int brig_rm_rf(int dirfd, const char *name, struct brig_err *e)
{
	return rm_rf_at(dirfd, name, 0, 0, e);
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
