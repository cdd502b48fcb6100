/* SPDX-License-Identifier: Apache-2.0 */
/* Reading and writing cgroup control files; errors name file and value. */
#include <inttypes.h>
#include "runtime/cgroup/cgroup-internal.h"

#include <fcntl.h>
#include <string.h>
#include <time.h>

int rt_cg_dir_open(struct rt_cg_dir *d, const char *path, struct brig_err *e)
{
	d->path = path;
	d->fd = BRIG_RETRY(open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (d->fd < 0)
		return brig_err_sys(e, errno, "opening cgroup %s", path);
	return 0;
}

void rt_cg_dir_close(struct rt_cg_dir *d)
{
	if (d->fd >= 0)
		(void)close(d->fd);
	d->fd = -1;
}

int rt_cg_open_w(const struct rt_cg_dir *d, const char *file, struct brig_err *e)
{
	int fd = BRIG_RETRY(openat(d->fd, file, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW));
	return fd < 0 ? brig_err_sys(e, errno, "opening %s/%s", d->path, file) : fd;
}

int rt_cg_write(const struct rt_cg_dir *d, const char *file, const char *val, struct brig_err *e)
{
	_cleanup_close_ int fd = rt_cg_open_w(d, file, e);
	return fd < 0 ? fd : rt_cg_write_fd(fd, d, file, val, e);
}

int rt_cg_write_fd(int fd, const struct rt_cg_dir *d, const char *file, const char *val,
		   struct brig_err *e)
{
	size_t len = strlen(val);
	ssize_t n = BRIG_RETRY(write(fd, val, len));
	if (n < 0)
		return brig_err_sys(e, errno, "writing '%s' to %s/%s", val, d->path, file);
	if ((size_t)n != len)
		return brig_err_set(e, -EIO, "short write of '%s' to %s/%s", val, d->path, file);
	return 0;
}

int rt_cg_writef(const struct rt_cg_dir *d, const char *file, struct brig_err *e, const char *fmt,
		 ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return brig_err_set(e, -ENAMETOOLONG, "value for %s/%s too long", d->path, file);
	return rt_cg_write(d, file, buf, e);
}

int rt_cg_read(const struct rt_cg_dir *d, const char *file, char **out, struct brig_err *e)
{
	_cleanup_close_ int fd = BRIG_RETRY(
		openat(d->fd, file, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW));
	if (fd < 0)
		return brig_err_sys(e, errno, "opening %s/%s", d->path, file);
	char name[512];
	(void)snprintf(name, sizeof(name), "%s/%s", d->path, file);
	return brig_read_fd(fd, name, RT_CG_FILE_MAX, out, NULL, e);
}

static void trim(char *s)
{
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
}

int rt_cg_read_u64(const struct rt_cg_dir *d, const char *file, uint64_t *out, bool *max,
		   struct brig_err *e)
{
	_cleanup_free_ char *s = NULL;
	int r = rt_cg_read(d, file, &s, e);
	if (r < 0)
		return r;
	trim(s);
	if (max)
		*max = false;
	if (max && strcmp(s, "max") == 0) {
		*max = true;
		*out = 0;
		return 0;
	}
	if (brig_parse_u64(s, out) < 0)
		return brig_err_set(e, -EINVAL, "%s/%s: not a number: '%.40s'", d->path, file, s);
	return 0;
}

int rt_cg_read_keyed(const struct rt_cg_dir *d, const char *file, const char *key, uint64_t *out,
		     struct brig_err *e)
{
	_cleanup_free_ char *s = NULL;
	int r = rt_cg_read(d, file, &s, e);
	if (r < 0)
		return r;
	size_t kl = strlen(key);
	char *save = NULL;
	for (char *line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, key, kl) != 0 || line[kl] != ' ')
			continue;
		if (brig_parse_u64(line + kl + 1, out) < 0)
			return brig_err_set(e, -EINVAL, "%s/%s: bad value for %s", d->path, file,
					    key);
		return 0;
	}
	return 1;
}

bool rt_cg_has(const struct rt_cg_dir *d, const char *file)
{
	return faccessat(d->fd, file, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

bool rt_cg_word_in(const char *list, const char *word)
{
	size_t wl = strlen(word);
	const char *p = list;
	while (*p) {
		p += strspn(p, " \t\n");
		size_t len = strcspn(p, " \t\n");
		if (len == wl && memcmp(p, word, wl) == 0)
			return true;
		p += len;
	}
	return false;
}

void rt_cg_backoff(unsigned n)
{
	long ms = n < 4 ? 1L << n : 16;
	struct timespec ts = { .tv_sec = 0, .tv_nsec = ms * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* cpuset.cpus and cpuset.mems have the same names in v1 and v2. */
int rt_cg_write_cpuset(const struct rt_cg_dir *d, const struct rt_cgroup_resources *r,
		       struct brig_err *e)
{
	int ret;
	if (r->cpu.cpus && (ret = rt_cg_write(d, "cpuset.cpus", r->cpu.cpus, e)) < 0)
		return ret;
	if (r->cpu.mems && (ret = rt_cg_write(d, "cpuset.mems", r->cpu.mems, e)) < 0)
		return ret;
	return 0;
}

/* hugetlb.<size>.<limit> (and .<rsvd> where the kernel has it): v1 calls
 * them limit_in_bytes / rsvd.limit_in_bytes, v2 max / rsvd.max. */
int rt_cg_write_hugetlb(const struct rt_cg_dir *d, const struct rt_cgroup_resources *r,
			const char *limit, const char *rsvd, struct brig_err *e)
{
	for (size_t i = 0; i < r->n_huge; i++) {
		char f[128], rf[128], b[24];
		(void)snprintf(f, sizeof(f), "hugetlb.%s.%s", r->huge[i].size, limit);
		(void)snprintf(rf, sizeof(rf), "hugetlb.%s.%s", r->huge[i].size, rsvd);
		if (!rt_cg_has(d, f))
			return brig_err_set(e, -ENOTSUP,
					    "linux.resources.hugepageLimits[%zu]: "
					    "page size %s is not supported here (no %s/%s)",
					    i, r->huge[i].size, d->path, f);
		(void)snprintf(b, sizeof(b), "%" PRId64, (int64_t)r->huge[i].limit);
		int ret = rt_cg_write(d, f, b, e);
		if (ret >= 0 && rt_cg_has(d, rf))
			ret = rt_cg_write(d, rf, b, e);
		if (ret < 0)
			return ret;
	}
	return 0;
}
