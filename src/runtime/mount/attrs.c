/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Mount attributes and propagation of a mount given by an fd to its root.
 *
 * mount_setattr(2) (Linux 5.12) changes exactly the attributes named and
 * keeps the rest; on older kernels a MS_BIND|MS_REMOUNT through
 * /proc/self/fd/N does the same after reading the current flags with
 * fstatvfs.  Flags locked by a more privileged mount namespace (a user
 * namespace container inherits the host's nosuid/nodev/noexec/ro locked)
 * cannot be cleared: such a request is retried keeping them, with a warning,
 * as runc does, instead of failing with EPERM.
 *
 * A bind's flags are computed here too (rt_bind_attrs).  In a container
 * with a user namespace, the kernel locks a bind's ro, nosuid, nodev and
 * noexec to its source's when the bind is made in the container's own
 * mount namespace; a source prepared on the host side (idmap.c) is cloned
 * in the host's mount namespace, where nothing is locked, so the same rule
 * is applied here by hand: such a bind never loses a restriction its
 * source mount has, at the top or (recursively) below it.  Once the tree
 * is complete, the init moves into a copy of its mount namespace made
 * through one owned by the host's user namespace (lock.c), so the kernel
 * locks every mount there as it does for runc: submounts to their parents,
 * and each mount's ro, nosuid, nodev, noexec and access-time mode, whether
 * they came from the source or from the config.
 */
#include "runtime/mount/mount-internal.h"

#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>

#ifndef __NR_mount_setattr
#define __NR_mount_setattr 442
#endif
#ifndef ST_NOSYMFOLLOW
#define ST_NOSYMFOLLOW 0x2000
#endif
#ifndef STATX_ATTR_MOUNT_ROOT
#define STATX_ATTR_MOUNT_ROOT 0x00002000
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

bool rt_mount_force_legacy;

/* The kernel's struct mount_attr (version 0). */
struct rt_mount_attr {
	uint64_t attr_set;
	uint64_t attr_clr;
	uint64_t propagation;
	uint64_t userns_fd;
};

#define LOCKABLE_ATTRS \
	(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)
#define BIND_ATTR_MS                                                                     \
	(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NODIRATIME | MS_NOSYMFOLLOW | \
	 MS_NOATIME | MS_RELATIME | MS_STRICTATIME)

const char *rt_fdpath(struct rt_fdpath *p, int fd)
{
	(void)snprintf(p->s, sizeof(p->s), "/proc/self/fd/%d", fd);
	return p->s;
}

bool rt_is_mount_root(int fd)
{
	struct statx sx;
	if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &sx) < 0)
		return false;
	if (!(sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT))
		return true; /* kernel before 5.8: cannot tell, trust the caller */
	return sx.stx_attributes & STATX_ATTR_MOUNT_ROOT;
}

void rt_ms_to_attrs(unsigned long set_ms, unsigned long clr_ms, uint64_t *set, uint64_t *clr)
{
	static const struct {
		unsigned long ms;
		uint64_t attr;
	} map[] = {
		{ MS_RDONLY, MOUNT_ATTR_RDONLY },
		{ MS_NOSUID, MOUNT_ATTR_NOSUID },
		{ MS_NODEV, MOUNT_ATTR_NODEV },
		{ MS_NOEXEC, MOUNT_ATTR_NOEXEC },
		{ MS_NODIRATIME, MOUNT_ATTR_NODIRATIME },
		{ MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW },
	};
	*set = *clr = 0;
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(map); i++) {
		if (set_ms & map[i].ms)
			*set |= map[i].attr;
		else if (clr_ms & map[i].ms)
			*clr |= map[i].attr;
	}
	if (set_ms & MS_NOATIME)
		*set |= MOUNT_ATTR_NOATIME;
	else if (set_ms & MS_STRICTATIME)
		*set |= MOUNT_ATTR_STRICTATIME;
	else if (!(set_ms & MS_RELATIME) && !(clr_ms & MS_NOATIME))
		return; /* access time not mentioned */
	*clr |= MOUNT_ATTR__ATIME; /* relatime is mode 0 */
}

/* Current attributes of the mount fd is on, as MOUNT_ATTR_*. */
static int current_attrs(int fd, uint64_t *out)
{
	struct statvfs sv;
	if (fstatvfs(fd, &sv) < 0)
		return -errno;
	uint64_t a = 0;
	if (sv.f_flag & ST_RDONLY)
		a |= MOUNT_ATTR_RDONLY;
	if (sv.f_flag & ST_NOSUID)
		a |= MOUNT_ATTR_NOSUID;
	if (sv.f_flag & ST_NODEV)
		a |= MOUNT_ATTR_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		a |= MOUNT_ATTR_NOEXEC;
	if (sv.f_flag & ST_NODIRATIME)
		a |= MOUNT_ATTR_NODIRATIME;
	if (sv.f_flag & ST_NOSYMFOLLOW)
		a |= MOUNT_ATTR_NOSYMFOLLOW;
	if (sv.f_flag & ST_NOATIME)
		a |= MOUNT_ATTR_NOATIME;
	else if (!(sv.f_flag & ST_RELATIME))
		a |= MOUNT_ATTR_STRICTATIME;
	*out = a;
	return 0;
}

static unsigned long attrs_to_ms(uint64_t a)
{
	unsigned long ms = 0;
	if (a & MOUNT_ATTR_RDONLY)
		ms |= MS_RDONLY;
	if (a & MOUNT_ATTR_NOSUID)
		ms |= MS_NOSUID;
	if (a & MOUNT_ATTR_NODEV)
		ms |= MS_NODEV;
	if (a & MOUNT_ATTR_NOEXEC)
		ms |= MS_NOEXEC;
	if (a & MOUNT_ATTR_NODIRATIME)
		ms |= MS_NODIRATIME;
	if (a & MOUNT_ATTR_NOSYMFOLLOW)
		ms |= MS_NOSYMFOLLOW;
	switch (a & MOUNT_ATTR__ATIME) {
	case MOUNT_ATTR_NOATIME:
		ms |= MS_NOATIME;
		break;
	case MOUNT_ATTR_STRICTATIME:
		ms |= MS_STRICTATIME;
		break;
	default:
		ms |= MS_RELATIME;
		break;
	}
	return ms;
}

/* mount(2) emulation of mount_setattr for the top mount only. */
static int legacy_setattr(int fd, uint64_t set, uint64_t clr)
{
	uint64_t cur = 0;
	int r = current_attrs(fd, &cur);
	if (r < 0)
		return r;
	uint64_t want = (cur & ~clr) | set;
	if (clr & MOUNT_ATTR__ATIME)
		want = (want & ~(uint64_t)MOUNT_ATTR__ATIME) | (set & MOUNT_ATTR__ATIME);
	struct rt_fdpath p;
	if (mount(NULL, rt_fdpath(&p, fd), NULL, MS_BIND | MS_REMOUNT | attrs_to_ms(want), NULL) <
	    0)
		return -errno;
	return 0;
}

/*
 * Without mount_setattr, a recursive change is one remount per mount of the
 * subtree, found in mountinfo beneath fd's path.  Their mount points are the
 * kernel's canonical paths; each is opened without following a final
 * symlink and must be a mount root.
 */
static int legacy_setattr_tree(int fd, uint64_t set, uint64_t clr)
{
	char top[PATH_MAX];
	int r = brig_fd_path(fd, top, sizeof(top));
	if (r < 0)
		return r;
	r = legacy_setattr(fd, set, clr);
	if (r < 0)
		return r;
	struct rt_mountinfo *mi = NULL;
	size_t n = 0;
	_cleanup_err_ struct brig_err e = { 0 };
	r = rt_mountinfo_read(&mi, &n, &e);
	for (size_t i = 0; r == 0 && i < n; i++) {
		if (strcmp(mi[i].point, top) == 0 || !rt_path_under(mi[i].point, top))
			continue;
		int sub = BRIG_RETRY(open(mi[i].point, O_PATH | O_NOFOLLOW | O_CLOEXEC));
		if (sub < 0)
			continue; /* covered by another mount */
		if (rt_is_mount_root(sub))
			r = legacy_setattr(sub, set, clr);
		(void)close(sub);
	}
	rt_mountinfo_free(mi, n);
	return r;
}

static int raw_setattr(int fd, uint64_t set, uint64_t clr, bool recursive)
{
	if (rt_mount_force_legacy)
		return recursive ? legacy_setattr_tree(fd, set, clr) : legacy_setattr(fd, set, clr);
	struct rt_mount_attr a = { .attr_set = set, .attr_clr = clr };
	unsigned flags = AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0);
	if (syscall(__NR_mount_setattr, fd, "", flags, &a, sizeof(a)) == 0)
		return 0;
	int err = errno;
	if (err == ENOSYS)
		return recursive ? legacy_setattr_tree(fd, set, clr) : legacy_setattr(fd, set, clr);
	return -err;
}

int rt_mount_set_attrs(int fd, uint64_t set, uint64_t clr, bool recursive, const char *what,
		       struct brig_err *e)
{
	if (set == 0 && clr == 0)
		return 0;
	int r = raw_setattr(fd, set, clr, recursive);
	if (r == -EPERM) {
		uint64_t cur = 0;
		if (current_attrs(fd, &cur) < 0)
			cur = 0;
		uint64_t keep = clr & cur & LOCKABLE_ATTRS;
		uint64_t nclr = clr & ~keep, nset = set;
		if ((clr & MOUNT_ATTR__ATIME) &&
		    (cur & MOUNT_ATTR__ATIME) != (set & MOUNT_ATTR__ATIME)) {
			/* The access-time mode may be locked too. */
			nclr &= ~(uint64_t)MOUNT_ATTR__ATIME;
			nset &= ~(uint64_t)MOUNT_ATTR__ATIME;
		}
		if (nclr != clr || nset != set) {
			brig_warn("%s: keeping mount flags locked by the parent namespace", what);
			r = raw_setattr(fd, nset, nclr, recursive);
		}
	}
	if (r < 0)
		return brig_err_sys(e, -r, "%s: changing mount flags", what);
	return 0;
}

int rt_mount_set_prop(int fd, unsigned long prop, const char *what, struct brig_err *e)
{
	if (prop == 0)
		return 0;
	if (!rt_mount_force_legacy) {
		/* Needs no /proc, so it also works after pivot_root. */
		struct rt_mount_attr a = { .propagation = prop & ~(unsigned long)MS_REC };
		unsigned flags = AT_EMPTY_PATH | ((prop & MS_REC) ? AT_RECURSIVE : 0);
		if (syscall(__NR_mount_setattr, fd, "", flags, &a, sizeof(a)) == 0)
			return 0;
		if (errno != ENOSYS)
			return brig_err_sys(e, errno, "%s: changing mount propagation", what);
	}
	struct rt_fdpath p;
	if (mount(NULL, rt_fdpath(&p, fd), NULL, prop, NULL) < 0)
		return brig_err_sys(e, errno, "%s: changing mount propagation", what);
	return 0;
}

void rt_bind_attrs(const struct rt_rootfs_cfg *cfg, const struct rt_mount *m, int tree,
		   struct rt_tree_attrs *a)
{
	rt_ms_to_attrs(m->flags & BIND_ATTR_MS, m->clear & BIND_ATTR_MS, &a->set, &a->clr);
	a->rset = m->rattr_set;
	a->rclr = m->rattr_clr;
	a->prop = m->prop;
	if (!cfg->has_userns)
		return;
	uint64_t src = 0;
	if (current_attrs(tree, &src) < 0)
		src = LOCKABLE_ATTRS; /* unknown: keep every restriction */
	uint64_t kept = (a->clr & src & LOCKABLE_ATTRS) | (a->rclr & LOCKABLE_ATTRS);
	if (kept)
		brig_warn("%s: keeping the ro/nosuid/nodev/noexec of the bind source's "
			  "mounts (user namespace)",
			  m->dest);
	a->clr &= ~(src & LOCKABLE_ATTRS);
	a->rclr &= ~(uint64_t)LOCKABLE_ATTRS;
}
