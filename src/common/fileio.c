/* SPDX-License-Identifier: Apache-2.0 */
/* fd and file helpers: full reads and writes, size-limited reads, atomic
 * replacement, mkdir -p, close-on-exec sweeps. */
#include "common/common.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

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

int brig_read_fd(int fd, const char *name, size_t max, char **out, size_t *len, struct brig_err *e)
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
					    "%s: %lld bytes, larger than the limit of %zu", name,
					    (long long)left, max);
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
						    "%s: larger than the limit of %zu bytes", name,
						    max);
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
			return brig_err_set(e, -EFBIG, "%s: larger than the limit of %zu bytes",
					    name, max);
	}
	buf[used] = '\0';
	*out = brig_steal_ptr(buf);
	if (len)
		*len = used;
	return 0;
}

int brig_read_file(int dirfd, const char *path, size_t max, char **out, size_t *len,
		   struct brig_err *e)
{
	/* O_NONBLOCK so that a FIFO without a writer (or a device) cannot
	 * hang the open; reads are blocking again below. */
	_cleanup_close_ int fd = BRIG_RETRY(
		openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
	if (fd < 0)
		return brig_err_sys(e, errno, "opening %s", path);
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
		return brig_err_sys(e, errno, "opening %s", path);
	return brig_read_fd(fd, path, max, out, len, e);
}

int brig_write_file(int dirfd, const char *path, const char *data, struct brig_err *e)
{
	_cleanup_close_ int fd = BRIG_RETRY(openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_NOCTTY));
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
		int fd = BRIG_RETRY(openat(
			dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode));
		if (fd >= 0 || errno != EEXIST)
			return fd >= 0 ? fd : -errno;
	}
	return -EEXIST;
}

int brig_atomic_write(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
		      struct brig_err *e)
{
	return brig_atomic_replace(dirfd, name, data, len, mode, true, e);
}

int brig_atomic_replace(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
			bool durable, struct brig_err *e)
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
	_cleanup_close_ int syncfd = BRIG_RETRY(
		openat(pdir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
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
	for (char *p = buf + 1;; p++) {
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

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

int brig_close_all_but(int *keep, size_t n)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
			int t = keep[j];
			keep[j] = keep[j - 1];
			keep[j - 1] = t;
		}
	unsigned lo = 3;
	for (size_t i = 0; i <= n; i++) {
		unsigned hi = i < n ? (unsigned)keep[i] : ~0U;
		if (i < n && (keep[i] < 3 || (unsigned)keep[i] < lo))
			continue;
		if (hi > lo && syscall(SYS_close_range, lo, hi - 1, 0) < 0)
			return -errno;
		lo = hi + 1;
	}
	return 0;
}

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

int brig_file_trusted(int fd, const char *path, struct brig_err *e)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return brig_err_sys(e, errno, "%s: stat", path);
	if (!S_ISREG(st.st_mode))
		return brig_err_set(e, -EINVAL, "%s: not a regular file", path);
	if (st.st_uid != 0 && st.st_uid != geteuid())
		return brig_err_set(e, -EPERM,
				    "%s: owned by uid %u, not by root or the user "
				    "running brig",
				    path, (unsigned)st.st_uid);
	if (st.st_mode & S_IWOTH)
		return brig_err_set(e, -EPERM, "%s: writable by every user (mode %04o)", path,
				    (unsigned)(st.st_mode & 07777));
	return 0;
}

const char *brig_helper_exe(const char *installed, const char *built)
{
	return access(installed, X_OK) == 0 ? installed : built;
}
