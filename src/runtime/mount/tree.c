/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Detached mounts: every mount the container setup makes is first a
 * detached tree (open_tree(OPEN_TREE_CLONE) of a bind source, or
 * fsopen/fsmount of a fresh file system), gets its attributes while nobody
 * else can see it, and is then attached onto an fd of the resolved target
 * with move_mount.  The fd that made the mount is the only handle ever used
 * on it afterwards (deferred read-only, propagation): a mount is never
 * looked up again by path, which a neighbour sharing a directory on the way
 * could redirect with a rename.
 *
 * Without mount_setattr (before Linux 5.12, or the legacy test hook) the
 * attributes are applied right after attaching, through the same fd.
 */
#include "runtime/mount/mount-internal.h"

#include <string.h>
#include <sys/syscall.h>

#ifndef __NR_open_tree
#define __NR_open_tree 428
#endif
#ifndef __NR_move_mount
#define __NR_move_mount 429
#endif
#ifndef __NR_fsopen
#define __NR_fsopen 430
#define __NR_fsconfig 431
#define __NR_fsmount 432
#endif
#ifndef __NR_mount_setattr
#define __NR_mount_setattr 442
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#ifndef FSOPEN_CLOEXEC
#define FSOPEN_CLOEXEC 0x00000001
#endif
#ifndef FSMOUNT_CLOEXEC
#define FSMOUNT_CLOEXEC 0x00000001
#endif
#ifndef FSCONFIG_SET_FLAG
#define FSCONFIG_SET_FLAG 0
#define FSCONFIG_SET_STRING 1
#define FSCONFIG_CMD_CREATE 6
#endif

int rt_tree_clone(int dirfd, const char *path, bool rec, struct brig_err *e)
{
	unsigned fl = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (rec ? AT_RECURSIVE : 0) |
		(*path ? 0 : AT_EMPTY_PATH);
	int fd = (int)syscall(__NR_open_tree, dirfd, path, fl);
	if (fd < 0 && errno == ENOSYS)
		return brig_err_set(e, -ENOSYS, "bind mounts need open_tree (Linux 5.2)");
	if (fd < 0)
		return brig_err_sys(e, errno, "cloning the mount of %s",
				    *path ? path : "the target");
	return fd;
}

int rt_tree_attach(int tree, int target, const char *what, struct brig_err *e)
{
	if (syscall(__NR_move_mount, tree, "", target, "",
		    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return brig_err_sys(e, errno, "%s: attaching the mount", what);
	return 0;
}

/* Whether mount_setattr works here (then it also works on detached mounts). */
static bool setattr_works(void)
{
	static int known; /* 0 unknown, 1 yes, -1 no */
	if (rt_mount_force_legacy)
		return false;
	if (known == 0) {
		uint64_t a[4] = { 0 };
		long r = syscall(__NR_mount_setattr, -1, "", AT_EMPTY_PATH, a, sizeof(a));
		known = r < 0 && errno == ENOSYS ? -1 : 1;
	}
	return known > 0;
}

static int set_all(int tree, const struct rt_tree_attrs *a, const char *what, struct brig_err *e)
{
	int r = rt_mount_set_attrs(tree, a->set, a->clr, false, what, e);
	if (r == 0)
		r = rt_mount_set_attrs(tree, a->rset, a->rclr, true, what, e);
	return r;
}

int rt_tree_set_detached(int tree, const struct rt_tree_attrs *a, const char *what,
			 struct brig_err *e)
{
	if (!setattr_works())
		return 0;
	int r = set_all(tree, a, what, e);
	return r < 0 ? r : 1;
}

int rt_tree_place(int tree, int target, const struct rt_tree_attrs *a, const char *what,
		  struct brig_err *e)
{
	bool before = setattr_works();
	int r = before ? set_all(tree, a, what, e) : 0;
	if (r == 0)
		r = rt_tree_attach(tree, target, what, e);
	if (r == 0 && !before)
		r = set_all(tree, a, what, e);
	if (r == 0)
		r = rt_mount_set_prop(tree, a->prop, what, e);
	return r;
}

/* MS_* super block flags that fsconfig takes as named flags (MS_SILENT only
 * quiets mount(2)'s kernel log and has no fsconfig name). */
static int set_sb_flags(int fsfd, unsigned long flags)
{
	static const struct {
		unsigned long ms;
		const char *name;
	} sb[] = {
		{ MS_RDONLY, "ro" },
		{ MS_SYNCHRONOUS, "sync" },
		{ MS_DIRSYNC, "dirsync" },
		{ MS_LAZYTIME, "lazytime" },
	};
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(sb); i++) {
		if ((flags & sb[i].ms) &&
		    syscall(__NR_fsconfig, fsfd, FSCONFIG_SET_FLAG, sb[i].name, NULL, 0) < 0)
			return -errno;
	}
	return 0;
}

/* One "key" or "key=value" option (a value may be in double quotes). */
static int set_option(int fsfd, char *opt, struct brig_err *e)
{
	char *eq = strchr(opt, '=');
	long r;
	if (!eq) {
		r = syscall(__NR_fsconfig, fsfd, FSCONFIG_SET_FLAG, opt, NULL, 0);
	} else {
		*eq = '\0';
		char *v = eq + 1;
		size_t n = strlen(v);
		if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
			v[n - 1] = '\0';
			v++;
		}
		r = syscall(__NR_fsconfig, fsfd, FSCONFIG_SET_STRING, opt, v, 0);
	}
	if (r < 0)
		return brig_err_sys(e, errno, "option %s", opt);
	return 0;
}

/* data split at commas outside double quotes, each given to fsconfig. */
static int set_options(int fsfd, const char *data, struct brig_err *e)
{
	if (!data || !*data)
		return 0;
	_cleanup_free_ char *buf = strdup(data);
	if (!buf)
		return brig_err_set(e, -ENOMEM, "out of memory");
	char *start = buf;
	bool quoted = false;
	for (char *p = buf;; p++) {
		if (*p == '"')
			quoted = !quoted;
		if (*p != '\0' && (*p != ',' || quoted))
			continue;
		bool end = *p == '\0';
		*p = '\0';
		if (*start) {
			int r = set_option(fsfd, start, e);
			if (r < 0)
				return r;
		}
		if (end)
			return 0;
		start = p + 1;
	}
}

int rt_tree_new_fs(const char *source, const char *type, unsigned long flags, const char *data,
		   struct brig_err *e)
{
	_cleanup_close_ int fsfd = (int)syscall(__NR_fsopen, type, FSOPEN_CLOEXEC);
	if (fsfd < 0 && errno == ENOSYS)
		return brig_err_set(e, -ENOSYS, "mounting %s needs fsopen (Linux 5.2)", type);
	if (fsfd < 0)
		return brig_err_sys(e, errno, "mounting %s (type %s)", source, type);
	int r = 0;
	if (source && syscall(__NR_fsconfig, fsfd, FSCONFIG_SET_STRING, "source", source, 0) < 0)
		r = brig_err_sys(e, errno, "mounting %s (type %s): source", source, type);
	if (r == 0 && (r = set_sb_flags(fsfd, flags)) < 0)
		r = brig_err_sys(e, -r, "mounting %s (type %s)", source, type);
	if (r == 0)
		r = set_options(fsfd, data, e);
	if (r == 0 && syscall(__NR_fsconfig, fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		r = brig_err_sys(e, errno, "mounting %s (type %s)", source, type);
	if (r < 0)
		return r;
	uint64_t set = 0, clr = 0;
	rt_ms_to_attrs(flags, 0, &set, &clr);
	int fd = (int)syscall(__NR_fsmount, fsfd, FSMOUNT_CLOEXEC, (unsigned)set);
	if (fd < 0)
		return brig_err_sys(e, errno, "mounting %s (type %s)", source, type);
	return fd;
}
