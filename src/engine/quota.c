/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bounds on a container's writable root and on volumes: btrfs subvolumes
 * with a qgroup limit (quota-internal.h says why and how they are laid out).
 */
#include "engine/quota-internal.h"
#include "engine/config/engine-config.h"

#include <fcntl.h>
#include <linux/btrfs.h>
#include <linux/btrfs_tree.h>
#include <linux/magic.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#ifndef XFS_SUPER_MAGIC
#define XFS_SUPER_MAGIC 0x58465342
#endif

/* The file system's name for the refusal. */
static const char *fs_name(long type)
{
	static const struct {
		long type;
		const char *name;
	} map[] = {
		{ EXT4_SUPER_MAGIC, "ext4" },   { XFS_SUPER_MAGIC, "xfs" },
		{ TMPFS_MAGIC, "tmpfs" },       { OVERLAYFS_SUPER_MAGIC, "overlayfs" },
		{ NFS_SUPER_MAGIC, "nfs" },     { BTRFS_SUPER_MAGIC, "btrfs" },
		{ SQUASHFS_MAGIC, "squashfs" },
	};
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(map); i++)
		if (map[i].type == type)
			return map[i].name;
	return "a file system without subvolume quotas";
}

int eng_quota_parse_opts(char *const *opts, size_t n, const char *flag, int64_t *bytes,
			 struct brig_err *e)
{
	*bytes = 0;
	for (size_t i = 0; i < n; i++) {
		const char *kv = opts[i];
		if (strncasecmp(kv, "size=", 5) != 0)
			return brig_err_set(e, -EINVAL,
					    "%s %.64s: unknown option (size=SIZE is the one known)",
					    flag, kv);
		int r = brig_parse_size(kv + 5, bytes, e);
		if (r < 0)
			return brig_err_wrap(e, "%s %.64s", flag, kv);
		if (*bytes < ENG_QUOTA_MIN)
			return brig_err_set(e, -EINVAL, "%s %.64s: the smallest bound is 1m", flag,
					    kv);
	}
	return 0;
}

static int refuse(struct eng *g, const char *flag, const char *what, struct brig_err *e)
{
	return brig_err_set(e, -EOPNOTSUPP,
			    "%s needs the store on btrfs with quotas enabled "
			    "(btrfs quota enable); %s is %s",
			    flag, g->root, what);
}

/* Limit the subvolume open at fd to bytes referenced. */
static int set_limit(struct eng *g, int fd, int64_t bytes, const char *flag, struct brig_err *e)
{
	struct btrfs_ioctl_qgroup_limit_args la = { 0 };
	la.qgroupid = 0; /* the subvolume fd is in */
	la.lim.flags = BTRFS_QGROUP_LIMIT_MAX_RFER;
	la.lim.max_rfer = (uint64_t)bytes;
	if (BRIG_RETRY(ioctl(fd, BTRFS_IOC_QGROUP_LIMIT, &la)) == 0)
		return 0;
	if (errno == ENOTCONN || errno == ENOENT)
		return refuse(g, flag, "btrfs with quotas off", e);
	return brig_err_sys(e, errno, "%s: limiting a subvolume of %s", flag, g->root);
}

int eng_quota_mkdir(struct eng *g, int parentfd, const char *name, mode_t mode, int64_t bytes,
		    const char *flag, struct brig_err *e)
{
	struct statfs sf;
	if (fstatfs(parentfd, &sf) < 0)
		return brig_err_sys(e, errno, "statfs %s", g->root);
	if (sf.f_type != BTRFS_SUPER_MAGIC)
		return refuse(g, flag, fs_name(sf.f_type), e);
	struct btrfs_ioctl_vol_args va = { .fd = 0 };
	if (brig_snprintf(va.name, sizeof(va.name), "%s", name) < 0)
		return brig_err_set(e, -ENAMETOOLONG, "subvolume name too long");
	if (BRIG_RETRY(ioctl(parentfd, BTRFS_IOC_SUBVOL_CREATE, &va)) < 0)
		return brig_err_sys(e, errno, "%s: creating a btrfs subvolume in %s", flag,
				    g->root);
	_cleanup_close_ int fd = BRIG_RETRY(
		openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	int r = 0;
	if (fd < 0)
		r = brig_err_sys(e, errno, "opening the subvolume %s", name);
	else if (fchmod(fd, mode) < 0)
		r = brig_err_sys(e, errno, "chmod of the subvolume %s", name);
	else
		r = set_limit(g, fd, bytes, flag, e);
	if (r < 0 && unlinkat(parentfd, name, AT_REMOVEDIR) < 0)
		brig_warn("removing the subvolume %s: %s", name, strerror(errno));
	return r;
}

const char *eng_quota_rw_prefix(int ctrfd)
{
	struct stat st;
	return fstatat(ctrfd, ENG_QUOTA_RW, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)
		? ENG_QUOTA_RW "/"
		: "";
}

int eng_quota_container_prepare(struct eng *g, const struct eng_create_opts *o, int ctrfd,
				int64_t *bytes, struct brig_err *e)
{
	const char *what = "--storage-opt size";
	int r = eng_quota_parse_opts(o->storage_opts, o->n_storage_opts, "--storage-opt", bytes, e);
	if (r < 0)
		return r;
	if (!*bytes &&
	    (o->rootfs == ENG_ROOTFS_READ_WRITE ||
	     (o->rootfs == ENG_ROOTFS_CONFIG && !g->cfg->read_only_rootfs))) {
		*bytes = g->cfg->storage_size;
		what = "the engine config's default-storage-size";
	}
	if (!*bytes)
		return 0;
	return eng_quota_mkdir(g, ctrfd, ENG_QUOTA_RW, 0711, *bytes, what, e);
}

json_t *eng_quota_opts_json(int64_t bytes)
{
	char buf[32];
	if (!bytes)
		return json_object();
	eng_config_format_size(bytes, buf, sizeof(buf));
	return json_pack("{s:s}", "size", buf);
}

/* Is name in dirfd the root of a btrfs subvolume (inode 256 of its own
 * tree)?  *id gets the subvolume's id. */
static bool subvolume_at(int dirfd, const char *name, uint64_t *id)
{
	_cleanup_close_ int fd = BRIG_RETRY(
		openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	struct statfs sf;
	struct stat st;
	if (fd < 0 || fstatfs(fd, &sf) < 0 || sf.f_type != BTRFS_SUPER_MAGIC ||
	    fstat(fd, &st) < 0 || st.st_ino != BTRFS_FIRST_FREE_OBJECTID)
		return false;
	struct btrfs_ioctl_ino_lookup_args a = { .treeid = 0,
						 .objectid = BTRFS_FIRST_FREE_OBJECTID };
	if (BRIG_RETRY(ioctl(fd, BTRFS_IOC_INO_LOOKUP, &a)) < 0)
		return false;
	*id = a.treeid;
	return true;
}

/* Destroy the subvolume name in dirfd with what it holds, and its qgroup
 * (the limit).  The qgroup may outlive it until btrfs has dropped the
 * subvolume's tree: ids are never reused, so such a leftover collides
 * with nothing (`btrfs qgroup clear-stale` removes it). */
static int destroy_subvolume(int dirfd, const char *name, uint64_t id, struct brig_err *e)
{
	struct btrfs_ioctl_vol_args va = { .fd = 0 };
	(void)brig_snprintf(va.name, sizeof(va.name), "%s", name);
	if (BRIG_RETRY(ioctl(dirfd, BTRFS_IOC_SNAP_DESTROY, &va)) < 0)
		return brig_err_sys(e, errno, "removing the subvolume %s", name);
	struct btrfs_ioctl_qgroup_create_args qa = { .create = 0, .qgroupid = id };
	if (BRIG_RETRY(ioctl(dirfd, BTRFS_IOC_QGROUP_CREATE, &qa)) < 0)
		brig_debug("qgroup 0/%llu of %s stays until btrfs drops it: %s",
			   (unsigned long long)id, name, strerror(errno));
	return 0;
}

int eng_quota_rm_rf(int parentfd, const char *name, struct brig_err *e)
{
	static const char *const bounded[] = { ENG_QUOTA_RW, ENG_QUOTA_VOLUME_DATA };
	_cleanup_close_ int fd = BRIG_RETRY(
		openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	for (size_t i = 0; fd >= 0 && i < BRIG_ARRAY_SIZE(bounded); i++) {
		uint64_t id;
		int r = subvolume_at(fd, bounded[i], &id) ? destroy_subvolume(fd, bounded[i], id, e)
							  : 0;
		if (r < 0)
			return brig_err_wrap(e, "removing %s", name);
	}
	return brig_rm_rf(parentfd, name, e);
}

/* The store's file system, and whether btrfs quotas are on there (its
 * /sys/fs/btrfs/FSID/qgroups exists): `brig info`. */
const char *eng_quota_store_fs(struct eng *g, bool *quotas)
{
	struct statfs sf;
	*quotas = false;
	if (fstatfs(g->rootfd, &sf) < 0)
		return "unknown";
	if (sf.f_type != BTRFS_SUPER_MAGIC)
		return fs_name(sf.f_type);
	struct btrfs_ioctl_fs_info_args fi = { 0 };
	if (BRIG_RETRY(ioctl(g->rootfd, BTRFS_IOC_FS_INFO, &fi)) == 0) {
		char path[96];
		const unsigned char *u = fi.fsid;
		(void)snprintf(path, sizeof(path),
			       "/sys/fs/btrfs/%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
			       "%02x%02x%02x%02x%02x%02x/qgroups",
			       u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10],
			       u[11], u[12], u[13], u[14], u[15]);
		*quotas = access(path, F_OK) == 0;
	}
	return "btrfs";
}
