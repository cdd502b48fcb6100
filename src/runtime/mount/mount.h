/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runtime/mount: the container's filesystem view.
 *
 * Parses the OCI config's root, mounts, linux.devices, linux.maskedPaths,
 * linux.readonlyPaths, linux.rootfsPropagation and linux.mountLabel, and, in
 * the container's new mount namespace, turns them into the container's "/".
 *
 * Every mount target and device path is resolved inside the rootfs with
 * openat2(RESOLVE_IN_ROOT) (or the careful fallback walk), and mounts are
 * placed onto the resolved fd, so a symlink in a hostile rootfs can never
 * redirect a mount onto the host.
 *
 * Propagation: the whole mount tree is made MS_SLAVE|MS_REC before anything
 * is mounted, so nothing the container setup mounts can propagate to the
 * host, while host mount events still reach the container (runc's default).
 * rootfsPropagation, when set, is applied to the new "/" after pivot_root:
 * "shared" then gives the rootfs a new peer group of its own (shared and
 * still a slave of the host), exactly as config-linux.md describes; when
 * unset "/" stays rslave.
 */
#ifndef BRIG_RUNTIME_MOUNT_H
#define BRIG_RUNTIME_MOUNT_H

#include <stdbool.h>
#include <stddef.h>

#include "common/common.h"

struct rt_rootfs_cfg;

/*
 * Parse and validate root, mounts[], linux.rootfsPropagation,
 * linux.maskedPaths, linux.readonlyPaths, linux.mountLabel and
 * linux.devices from the whole config.json object (file names it in
 * errors).  root.path is taken relative to bundle_dir unless absolute and
 * must be an existing directory; it is stored canonicalised.  Relative bind
 * sources are taken relative to bundle_dir.  "tmpcopyup" is ignored with a
 * warning; unknown options are filesystem data.  Errors name the field:
 * "config.json: mounts[2].destination: must be an absolute path".
 */
int rt_rootfs_parse(const json_t *config, const char *file, const char *bundle_dir,
		    struct rt_rootfs_cfg **out, struct brig_err *e);
void rt_rootfs_cfg_free(struct rt_rootfs_cfg *cfg);
static inline void rt_rootfs_cfg_freep(struct rt_rootfs_cfg **c)
{
	rt_rootfs_cfg_free(*c);
}
#define _cleanup_rootfs_cfg_ _cleanup_(rt_rootfs_cfg_freep)

/* The canonical host path of the rootfs. */
const char *rt_rootfs_path(const struct rt_rootfs_cfg *cfg);

struct rt_rootfs_ctx {
	bool userns; /* the container has a new user namespace: device nodes
			      are bind mounts of the host's, sysfs without a new
			      netns is a bind of /sys, locked flags are kept */
	bool new_netns; /* a new network namespace: sysfs can be mounted fresh */
	bool new_cgroupns; /* a new cgroup namespace: cgroup file systems are
			      mounted fresh, otherwise the process's own cgroup
			      directories are bind mounted */
	bool no_pivot; /* --no-pivot: hide host mounts, MS_MOVE + chroot */
	int userns_fd; /* for idmap mounts without their own mappings: a user
			      namespace with the container's mapping, or -1 */
	bool has_console; /* bind console_fd (a pty) onto /dev/console */
	int console_fd;
	/* Called after every mount is in place and before pivot_root (the
	 * createContainer hooks' moment), or NULL. */
	int (*before_pivot)(void *data, struct brig_err *e);
	/* process.cwd: created inside the rootfs (mode 0755) when missing,
	 * before anything is made read-only; or NULL. */
	const char *cwd;
	void *before_pivot_data;
	/* > 0: a detached mount to attach at the rootfs path instead of
	 * binding the rootfs onto itself (brig's overlay).  In a user
	 * namespace the container's root must be able to reach the rootfs
	 * path (every directory on the way searchable). */
	int root_mount_fd;
};

/*
 * In the container's new mount namespace, as the container's uid 0 (after
 * uid/gid maps are written when userns), before the process changes root:
 * make "/" rslave, bind the rootfs onto itself, do every mount in config
 * order with targets resolved inside the rootfs, create the default and
 * configured devices (mknod, or bind mounts of the host nodes in a user
 * namespace), /dev/ptmx and the /dev/fd, stdin, stdout, stderr symlinks,
 * bind the console, remount read-only what asked for it, apply
 * readonlyPaths and maskedPaths, remount the root read-only when
 * root.readonly, then pivot_root (or MS_MOVE + chroot), detach the old root
 * and apply rootfsPropagation.  Afterwards root and cwd are the container's
 * "/".  The host's /proc must be mounted at /proc when this is called.
 */
int rt_rootfs_setup(const struct rt_rootfs_cfg *cfg, const struct rt_rootfs_ctx *ctx,
		    struct brig_err *e);

/*
 * Whether any mount asks for an idmap (options idmap/ridmap, or
 * uidMappings/gidMappings on the mount).
 *
 * Creating an idmapped mount needs CAP_SYS_ADMIN over the source file
 * system's user namespace, which the container's root in a new user
 * namespace does not have.  So the host side (real root, before or outside
 * the container's user namespace) calls rt_rootfs_prepare_idmaps(): it
 * clones each such mount's source as a detached mount and applies the
 * mapping (the mount's own uid/gidMappings, else linux.uidMappings and
 * gidMappings).  The detached mounts are kept in cfg and attached by
 * rt_rootfs_setup(), in a child that inherited them (fork/clone without
 * CLONE_FILES keeps the fd numbers) or after rt_rootfs_set_idmap_fd().
 * Without prepared fds rt_rootfs_setup() idmaps by itself, which works
 * when it still has host privileges (no user namespace) or with
 * ctx.userns_fd for mounts without their own mappings.
 */
bool rt_rootfs_wants_idmap(const struct rt_rootfs_cfg *cfg);
/* For a container in a new user namespace, made by real root: clone every
 * bind mount's source on the host side (as detached mounts, attached by
 * rt_rootfs_setup like the idmapped ones), so the container's root, an
 * unprivileged uid on the host, never has to reach them by path. */
int rt_rootfs_prepare_sources(struct rt_rootfs_cfg *cfg, struct brig_err *e);
int rt_rootfs_prepare_idmaps(struct rt_rootfs_cfg *cfg, struct brig_err *e);
/* Host side, real root, once the init (pid) of a container with a user
 * namespace has finished its mount tree: a copy of its mount namespace
 * in which every mount is locked as the kernel locks mounts handed to a
 * less privileged namespace, owned by the container's user namespace.
 * Returns an fd to it for rt_mntns_enter_locked() (lock.c). */
int rt_mntns_locked_copy(pid_t pid, struct brig_err *e);
/* The init's side: move into that namespace (root and cwd become its "/"). */
int rt_mntns_enter_locked(int nsfd, struct brig_err *e);
/* The prepared detached mounts, to pass them to another process: the first
 * at or after mounts[*idx] is returned and its index stored in *idx; -1
 * when there are no more.  Loop with
 *   for (size_t i = 0; (fd = rt_rootfs_next_idmap_fd(cfg, &i)) >= 0; i++)
 * The fds stay owned by cfg. */
int rt_rootfs_next_idmap_fd(const struct rt_rootfs_cfg *cfg, size_t *idx);
/* Hand a detached idmapped mount (e.g. received over SCM_RIGHTS) to the
 * config for mounts[idx]; the config owns fd afterwards. */
int rt_rootfs_set_idmap_fd(struct rt_rootfs_cfg *cfg, size_t idx, int fd, struct brig_err *e);

/* features.json: "mountOptions" (every option name recognised) and
 * linux "mountExtensions": {"idmap": {"enabled": true}}.  features is the
 * top-level features object; its "linux" object is created if absent. */
void rt_mount_features(json_t *features);

#endif /* BRIG_RUNTIME_MOUNT_H */
