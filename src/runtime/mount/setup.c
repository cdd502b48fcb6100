/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rt_rootfs_setup: the whole sequence, in the container's new mount
 * namespace, before the process changes root.
 *
 *   1. "/" becomes MS_SLAVE|MS_REC: nothing mounted below can reach the host.
 *   2. The rootfs is bind mounted onto itself (pivot_root needs a mount).
 *   3. mounts[] in order, targets resolved inside the rootfs.
 *   4. Devices, /dev links, console; deferred read-only remounts.
 *   5. readonlyPaths, maskedPaths, root.readonly.
 *   6. pivot_root (or MS_MOVE + chroot) and rootfsPropagation on "/".
 *
 * Everything up to 5 uses the host's /proc for /proc/self/fd/N mount targets,
 * so it happens before the root changes; nothing in 5 creates files, so the
 * read-only root can come last.  The fd of every mount made in 3 is kept
 * until the end (deferred read-only, propagation after pivot_root): no
 * mount is looked up by path once made.
 */
#include "runtime/mount/mount-internal.h"
#include "brig-mutant.h"
#include "runtime/runtime.h"

#include <sys/syscall.h>
#ifndef __NR_move_mount
#define __NR_move_mount 429
#endif

#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <linux/magic.h>

#ifndef SELINUX_MAGIC
#define SELINUX_MAGIC 0xf97cff8c
#endif

static bool selinux_enabled(void)
{
	struct statfs sf;
	if (statfs("/sys/fs/selinux", &sf) < 0 ||
	    (unsigned long)sf.f_type != (unsigned long)SELINUX_MAGIC)
		return false;
	return access("/sys/fs/selinux/enforce", F_OK) == 0;
}

static int check_host_proc(struct brig_err *e)
{
	struct statfs sf;
	if (statfs("/proc/self/fd", &sf) < 0)
		return brig_err_sys(e, errno,
				    "/proc/self/fd (the host's /proc is needed "
				    "to mount onto resolved targets)");
	if ((unsigned long)sf.f_type != (unsigned long)PROC_SUPER_MAGIC)
		return brig_err_set(e, -EINVAL, "/proc is not procfs");
	return 0;
}

/* The host's /dev/null, checked, for masking files. */
static int open_host_null(struct brig_err *e)
{
	int fd = BRIG_RETRY(open("/dev/null", O_PATH | O_CLOEXEC));
	if (fd < 0)
		return brig_err_sys(e, errno, "/dev/null");
	struct stat sb;
	if (fstat(fd, &sb) < 0 || !S_ISCHR(sb.st_mode) || sb.st_rdev != makedev(1, 3)) {
		(void)close(fd);
		return brig_err_set(e, -EINVAL, "the host's /dev/null is not the null device");
	}
	return fd;
}

/* Attach the engine's detached rootfs mount (an overlay) at cfg->rootfs;
 * returns the new mount's root. */
static int attach_root(const struct rt_rootfs_cfg *cfg, const struct rt_rootfs_ctx *ctx,
		       struct brig_err *e)
{
	if (syscall(__NR_move_mount, ctx->root_mount_fd, "", AT_FDCWD, cfg->rootfs,
		    MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return brig_err_sys(e, errno, "attaching the rootfs mount at %s", cfg->rootfs);
	int fd = fcntl(ctx->root_mount_fd, F_DUPFD_CLOEXEC, 3);
	return fd < 0 ? brig_err_sys(e, errno, "dup of the rootfs mount") : fd;
}

static int prepare_root(const struct rt_rootfs_cfg *cfg, const struct rt_rootfs_ctx *ctx,
			struct brig_err *e)
{
	if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return brig_err_sys(e, errno, "making / rslave");
	int fd;
	if (ctx->root_mount_fd > 0) {
		fd = attach_root(cfg, ctx, e);
		if (fd < 0)
			return fd;
		goto check;
	}
	if (mount(cfg->rootfs, cfg->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0) {
		int err = errno;
		return brig_err_sys(
			e, err, "bind mounting the rootfs %s%s", cfg->rootfs,
			err == EACCES && cfg->has_userns
				? " (in a user namespace the container's root must be "
				  "able to search every directory on the way: chmod o+x)"
				: "");
	}
	fd = BRIG_RETRY(open(cfg->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC));
	if (fd < 0)
		return brig_err_sys(e, errno, "opening the rootfs %s", cfg->rootfs);
check:
	if (!rt_is_mount_root(fd)) {
		(void)close(fd);
		return brig_err_set(e, -EXDEV, "the rootfs %s is not a mount after binding it",
				    cfg->rootfs);
	}
	if (cfg->root_attrs) {
		int r = rt_mount_set_attrs(fd, cfg->root_attrs, 0, true, "rootfs", e);
		if (r < 0) {
			(void)close(fd);
			return brig_err_wrap(e, "annotations." RT_ANN_ROOTFS_OPTIONS);
		}
	}
	return fd;
}

static bool dev_is_bind(const struct rt_rootfs_cfg *cfg)
{
	for (size_t i = 0; i < cfg->n_mounts; i++)
		if (strcmp(cfg->mounts[i].dest, "/dev") == 0 && (cfg->mounts[i].flags & MS_BIND))
			return true;
	return false;
}

static int readonly_path(struct rt_setup_state *st, const char *path, struct brig_err *e)
{
	_cleanup_err_ struct brig_err tmp = { 0 };
	_cleanup_close_ int fd = brig_open_in_root(st->rootfd, path, O_PATH, 0, 0, &tmp);
	if (fd == -ENOENT || fd == -ENOTDIR)
		return 0;
	if (fd < 0)
		return brig_err_sys(e, -fd, "resolving %s", path);
	_cleanup_close_ int tree = rt_tree_clone(fd, "", true, e);
	if (tree < 0)
		return tree;
	struct rt_tree_attrs a = { .rset = MOUNT_ATTR_RDONLY };
	return rt_tree_place(tree, fd, &a, path, e);
}

static int mask_path(struct rt_setup_state *st, const char *path, int null_fd, struct brig_err *e)
{
#ifdef BRIG_MUTANT_NO_MASKED_PATHS
	(void)st, (void)path, (void)null_fd, (void)e;
	return 0; /* mutant build (make mutants): nothing masked */
#endif
	_cleanup_err_ struct brig_err tmp = { 0 };
	_cleanup_close_ int fd = brig_open_in_root(st->rootfd, path, O_PATH, 0, 0, &tmp);
	if (fd == -ENOENT || fd == -ENOTDIR)
		return 0;
	if (fd < 0)
		return brig_err_sys(e, -fd, "resolving %s", path);
	struct stat sb;
	if (fstat(fd, &sb) < 0)
		return brig_err_sys(e, errno, "%s", path);
	if (!S_ISDIR(sb.st_mode)) {
		struct rt_fdpath p;
		return rt_mount_bind_at(rt_fdpath(&p, null_fd), fd, false, e);
	}
	_cleanup_free_ char *data = rt_mount_label_data("mode=0555",
							st->selinux ? st->cfg->mount_label : NULL);
	if (!data)
		return brig_err_set(e, -ENOMEM, "out of memory");
	int mnt = rt_mount_fs_at(fd, "tmpfs", "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
				 data, e);
	if (mnt < 0)
		return mnt;
	(void)close(mnt);
	return 0;
}

static int protect_paths(struct rt_setup_state *st, struct brig_err *e)
{
	const struct rt_rootfs_cfg *cfg = st->cfg;
	for (size_t i = 0; cfg->ro_paths && cfg->ro_paths[i]; i++) {
		int r = readonly_path(st, cfg->ro_paths[i], e);
		if (r < 0)
			return brig_err_wrap(e, "linux.readonlyPaths[%zu]", i);
	}
	if (!cfg->masked || !cfg->masked[0])
		return 0;
	_cleanup_close_ int null_fd = open_host_null(e);
	if (null_fd < 0)
		return null_fd;
	for (size_t i = 0; cfg->masked[i]; i++) {
		int r = mask_path(st, cfg->masked[i], null_fd, e);
		if (r < 0)
			return brig_err_wrap(e, "linux.maskedPaths[%zu]", i);
	}
	return 0;
}

/* Steps 3 to 5. */
static int populate(struct rt_setup_state *st, struct brig_err *e)
{
	for (size_t i = 0; i < st->cfg->n_mounts; i++) {
		int r = rt_mount_one(st, i, e);
		if (r < 0)
			return r;
	}
	int r = rt_devices_setup(st, e);
	if (r == 0)
		r = rt_console_setup(st, e);
	if (r == 0 && st->ctx->cwd) {
		int fd = brig_mkdir_in_root(st->rootfd, st->ctx->cwd, 0755, 0, e);
		if (fd < 0)
			return brig_err_wrap(e, "process.cwd");
		(void)close(fd);
	}
	if (r == 0)
		r = rt_mount_deferred_ro(st, e);
	if (r == 0)
		r = protect_paths(st, e);
	if (r == 0 && st->cfg->readonly)
		r = rt_mount_set_attrs(st->rootfd, MOUNT_ATTR_RDONLY, 0, false, "rootfs", e);
	return r;
}

/*
 * After a recursive rootfsPropagation on "/", the mounts that asked for a
 * propagation of their own get it back: the more specific request wins.
 */
static int reapply_props(const struct rt_setup_state *st, struct brig_err *e)
{
	const struct rt_rootfs_cfg *cfg = st->cfg;
	if (!(cfg->root_prop & MS_REC))
		return 0;
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const struct rt_mount *m = &cfg->mounts[i];
		if (!m->prop || st->mnt_fds[i] < 0)
			continue;
		int r = rt_mount_set_prop(st->mnt_fds[i], m->prop, m->dest, e);
		if (r < 0)
			return brig_err_wrap(e, "mounts[%zu]", i);
	}
	return 0;
}

/* The fds of the mounts made, one per mounts[] entry (-1: none). */
struct mnt_fds {
	int *v;
	size_t n;
};

static void mnt_fds_freep(struct mnt_fds *f)
{
	for (size_t i = 0; f->v && i < f->n; i++)
		if (f->v[i] >= 0)
			(void)close(f->v[i]);
	free(f->v);
}

int rt_rootfs_setup(const struct rt_rootfs_cfg *cfg, const struct rt_rootfs_ctx *ctx,
		    struct brig_err *e)
{
	int r = check_host_proc(e);
	if (r < 0)
		return r;
	_cleanup_free_ bool *deferred = calloc(cfg->n_mounts + 1, sizeof(bool));
	_cleanup_(mnt_fds_freep) struct mnt_fds fds = { calloc(cfg->n_mounts + 1, sizeof(int)),
							cfg->n_mounts };
	if (!deferred || !fds.v)
		return brig_err_set(e, -ENOMEM, "out of memory");
	for (size_t i = 0; i < cfg->n_mounts; i++)
		fds.v[i] = -1;
	_cleanup_close_ int rootfd = prepare_root(cfg, ctx, e);
	if (rootfd < 0)
		return rootfd;
	struct rt_setup_state st = {
		.cfg = cfg,
		.ctx = ctx,
		.rootfd = rootfd,
		.dev_bound = dev_is_bind(cfg),
		.selinux = cfg->mount_label && selinux_enabled(),
		.mnt_fds = fds.v,
		.deferred_ro = deferred,
	};
	r = populate(&st, e);
	if (r == 0 && ctx->before_pivot)
		r = ctx->before_pivot(ctx->before_pivot_data, e);
	if (r == 0)
		r = rt_pivot(cfg, rootfd, ctx->no_pivot, e);
	if (r == 0 && cfg->root_prop && mount(NULL, "/", NULL, cfg->root_prop, NULL) < 0)
		r = brig_err_sys(e, errno, "applying rootfsPropagation to /");
	if (r == 0)
		r = reapply_props(&st, e);
	if (r < 0)
		brig_err_wrap(e, "preparing the container's root file system");
	return r;
}
