/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Changing root.
 *
 * pivot_root: with the rootfs as cwd, pivot_root(".", ".") stacks the old
 * root on top of the new one; from an fd kept on the old root it is made
 * rslave (so that detaching it cannot propagate anywhere) and lazily
 * unmounted, which leaves the new root visible at "/".
 *
 * --no-pivot (for ramfs roots, where pivot_root is impossible): every host
 * mount that is neither the rootfs, beneath it, nor one of its ancestors is
 * detached (or, when locked to its parent in a user namespace, covered by
 * an empty read-only tmpfs), then the rootfs is MS_MOVEd onto "/" and the
 * process chroots into it.
 */
#include "runtime/mount/mount-internal.h"

#include <string.h>
#include <sys/syscall.h>

static int do_pivot(int rootfd, struct brig_err *e)
{
	_cleanup_close_ int oldroot = BRIG_RETRY(open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
	if (oldroot < 0)
		return brig_err_sys(e, errno, "opening the old root");
	if (fchdir(rootfd) < 0)
		return brig_err_sys(e, errno, "entering the rootfs");
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return brig_err_sys(e, errno, "pivot_root");
	if (fchdir(oldroot) < 0)
		return brig_err_sys(e, errno, "entering the old root");
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return brig_err_sys(e, errno, "making the old root rslave");
	if (umount2(".", MNT_DETACH) < 0)
		return brig_err_sys(e, errno, "detaching the old root");
	if (chdir("/") < 0)
		return brig_err_sys(e, errno, "chdir /");
	return 0;
}

static void hide_one(const char *point)
{
	if (umount2(point, MNT_DETACH) == 0)
		return;
	if (errno == ENOENT)
		return; /* went away with a detached parent */
	/* Locked to its parent: cover it instead. */
	if (mount("tmpfs", point, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "mode=0000") < 0)
		brig_debug("cannot hide host mount %s: %s", point, strerror(errno));
}

static int hide_host_mounts(const char *rootfs, struct brig_err *e)
{
	struct rt_mountinfo *mi = NULL;
	size_t n = 0;
	int r = rt_mountinfo_read(&mi, &n, e);
	if (r < 0)
		return r;
	/* Children are listed after their parents: go backwards. */
	for (size_t i = n; i-- > 0;) {
		const char *p = mi[i].point;
		if (p[0] != '/' || rt_path_under(p, rootfs) || rt_path_under(rootfs, p))
			continue;
		hide_one(p);
	}
	rt_mountinfo_free(mi, n);
	return 0;
}

static int do_move_root(const char *rootfs, int rootfd, struct brig_err *e)
{
	int r = hide_host_mounts(rootfs, e);
	if (r < 0)
		return r;
	if (fchdir(rootfd) < 0)
		return brig_err_sys(e, errno, "entering the rootfs");
	if (mount(rootfs, "/", NULL, MS_MOVE, NULL) < 0)
		return brig_err_sys(e, errno, "moving the rootfs onto /");
	if (chroot(".") < 0)
		return brig_err_sys(e, errno, "chroot");
	if (chdir("/") < 0)
		return brig_err_sys(e, errno, "chdir /");
	return 0;
}

int rt_pivot(const struct rt_rootfs_cfg *cfg, int rootfd, bool no_pivot, struct brig_err *e)
{
	if (no_pivot)
		return do_move_root(cfg->rootfs, rootfd, e);
	return do_pivot(rootfd, e);
}
