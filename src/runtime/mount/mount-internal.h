/* SPDX-License-Identifier: Apache-2.0 */
/* runtime/mount internals shared by its source files (and its unit tests). */
#ifndef BRIG_RUNTIME_MOUNT_INTERNAL_H
#define BRIG_RUNTIME_MOUNT_INTERNAL_H

#include "runtime/mount/mount.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/types.h>

/* ---- new mount API constants, for C libraries without them ---- */
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#define MOUNT_ATTR_NOSUID 0x00000002
#define MOUNT_ATTR_NODEV 0x00000004
#define MOUNT_ATTR_NOEXEC 0x00000008
#define MOUNT_ATTR__ATIME 0x00000070
#define MOUNT_ATTR_RELATIME 0x00000000
#define MOUNT_ATTR_NOATIME 0x00000010
#define MOUNT_ATTR_STRICTATIME 0x00000020
#define MOUNT_ATTR_NODIRATIME 0x00000080
#endif
#ifndef MOUNT_ATTR_IDMAP
#define MOUNT_ATTR_IDMAP 0x00100000
#endif
#ifndef MOUNT_ATTR_NOSYMFOLLOW
#define MOUNT_ATTR_NOSYMFOLLOW 0x00200000
#endif
#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#define MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#endif

/* An entry of uidMappings / gidMappings. */
struct rt_idmap {
	uint32_t container_id;
	uint32_t host_id;
	uint32_t size;
};

struct rt_idmaps {
	struct rt_idmap *v;
	size_t n;
};

struct rt_mount {
	char *dest; /* normalised absolute path inside the container */
	char *source; /* NULL when absent; binds: absolute host path */
	char *type; /* NULL when absent */
	char *data; /* filesystem options joined with ',', or NULL */
	unsigned long flags; /* MS_* to set, including MS_BIND/MS_REC/MS_REMOUNT */
	unsigned long clear; /* MS_* explicitly cleared (rw, suid, dev, exec...) */
	unsigned long prop; /* MS_SHARED/SLAVE/PRIVATE/UNBINDABLE [|MS_REC] or 0 */
	uint64_t rattr_set; /* recursive MOUNT_ATTR_* (rro, rnosuid...) */
	uint64_t rattr_clr;
	bool idmap; /* idmap / ridmap / mappings given */
	bool idmap_rec; /* ridmap */
	struct rt_idmaps uids, gids; /* the mount's own mappings (may be empty) */
	int idmap_fd; /* prepared detached (idmapped, or a plain clone of the
				  bind source for a user namespace), or -1 */
	bool attrs_done; /* idmap_fd already has the mount's attributes */
};

struct rt_device {
	char type; /* 'c', 'b', 'u' or 'p' */
	char *path; /* normalised absolute path inside the container */
	unsigned major, minor;
	mode_t mode; /* permission bits */
	uid_t uid;
	gid_t gid;
};

struct rt_rootfs_cfg {
	char *rootfs; /* canonical absolute host path */
	bool readonly;
	struct rt_mount *mounts;
	size_t n_mounts;
	unsigned long root_prop; /* MS_* propagation for "/" after pivot, or 0 */
	char **masked; /* normalised paths (NULL-terminated) */
	char **ro_paths;
	char *mount_label;
	struct rt_device *devices;
	size_t n_devices;
	struct rt_idmaps uids, gids; /* linux.uidMappings / gidMappings */
	bool has_userns; /* a "user" entry in linux.namespaces */
	uint64_t root_attrs; /* MOUNT_ATTR_* for the rootfs (RT_ANN_ROOTFS_OPTIONS) */
};

/* ---- parse.c ---- */
/* Whether path equals prefix or lies beneath it (both cleaned). */
bool rt_path_under(const char *path, const char *prefix);

/* ---- options.c ---- */
/* mounts[i].options into m (flags, clear, prop, rattr_*, idmap, data). */
int rt_parse_mount_options(const json_t *jm, const struct bj_loc *at, struct rt_mount *m,
			   struct brig_err *e);
/* The RT_ANN_ROOTFS_OPTIONS annotation of config into *attrs (MOUNT_ATTR_*;
 * 0 without it). */
int rt_parse_root_options(const json_t *config, const struct bj_loc *at, uint64_t *attrs,
			  struct brig_err *e);
/* "shared", "rslave", ... to MS_* (with MS_REC for the r-forms). */
int rt_parse_propagation(const char *s, unsigned long *out);

/* ---- mount.c: mounting onto fds ---- */
/* Test hook: take the mount(2) remount path instead of mount_setattr. */
extern bool rt_mount_force_legacy;

/* "/proc/self/fd/N" for fd. */
struct rt_fdpath {
	char s[40];
};
const char *rt_fdpath(struct rt_fdpath *p, int fd);

/*
 * Change mount attributes of the mount whose root fd refers to: set / clr are
 * MOUNT_ATTR_* bits; recursive applies to the whole subtree.  Flags the
 * caller does not mention are preserved.  Where clearing a flag is refused
 * (a flag locked by a more privileged mount namespace), the locked flags are
 * kept and a warning is logged.  what names the mount in errors.
 */
int rt_mount_set_attrs(int fd, uint64_t set, uint64_t clr, bool recursive, const char *what,
		       struct brig_err *e);
/* Make the mount at fd's root shared/slave/private/unbindable (flags as
 * MS_* with optional MS_REC). */
int rt_mount_set_prop(int fd, unsigned long prop, const char *what, struct brig_err *e);
/* MS_* flags to MOUNT_ATTR_* (set and clear sets). */
void rt_ms_to_attrs(unsigned long set_ms, unsigned long clr_ms, uint64_t *set, uint64_t *clr);
/* Whether fd refers to the root of a mount (i.e. a mount point). */
bool rt_is_mount_root(int fd);

/* Resolve (creating as needed) the target of m inside rootfd; returns an
 * O_PATH fd. as_dir: the target is a directory (else a file).  A dangling
 * symlink at dest is followed inside the root and its target created
 * (real_dir: never; the last component must be a real directory). */
int rt_mount_target(int rootfd, const char *dest, bool as_dir, bool real_dir, struct brig_err *e);

struct rt_setup_state {
	const struct rt_rootfs_cfg *cfg;
	const struct rt_rootfs_ctx *ctx;
	int rootfd; /* O_PATH fd of the rootfs bind mount */
	bool dev_bound; /* /dev is a bind mount: no device setup */
	bool selinux; /* apply mount_label with context= */
	int *mnt_fds; /* per mounts[] entry: the fd of the mount it made
				  (for deferred ro and propagation), or -1 */
	bool *deferred_ro; /* per mounts[] entry: ro applied after devices */
};

/* Do mounts[i]. */
int rt_mount_one(struct rt_setup_state *st, size_t i, struct brig_err *e);
/* Apply the ro of the mounts deferred by rt_mount_one. */
int rt_mount_deferred_ro(struct rt_setup_state *st, struct brig_err *e);
/* A fresh file system attached onto fd; returns the new mount's fd. */
int rt_mount_fs_at(int fd, const char *source, const char *type, unsigned long flags,
		   const char *data, struct brig_err *e);
/* Bind a host path (or "/proc/self/fd/N") onto fd; rec for MS_REC.  For
 * mounts that need no attributes (device nodes, the console, masks). */
int rt_mount_bind_at(const char *source, int fd, bool rec, struct brig_err *e);
/* "data,context=\"label\"" when a label applies; NULL/"" otherwise. */
char *rt_mount_label_data(const char *data, const char *label);

/* ---- tree.c: detached mounts ---- */
/* Attributes for a mount being placed: set/clr on its root, rset/rclr on
 * every mount of the tree (MOUNT_ATTR_*), then propagation (MS_*). */
struct rt_tree_attrs {
	uint64_t set, clr, rset, rclr;
	unsigned long prop;
};
/* open_tree(OPEN_TREE_CLONE) of dirfd/path ("" for dirfd itself), with its
 * submounts when rec.  Returns the detached mount's fd. */
int rt_tree_clone(int dirfd, const char *path, bool rec, struct brig_err *e);
/* A fresh file system as a detached mount (fsopen, fsconfig with the
 * options in data, fsmount with the MS_* attributes in flags). */
int rt_tree_new_fs(const char *source, const char *type, unsigned long flags, const char *data,
		   struct brig_err *e);
/* move_mount of the detached tree onto target (an O_PATH fd). */
int rt_tree_attach(int tree, int target, const char *what, struct brig_err *e);
/* The attributes of a (not propagation) on the detached tree: 1 when
 * done, 0 when this kernel can only change an attached mount. */
int rt_tree_set_detached(int tree, const struct rt_tree_attrs *a, const char *what,
			 struct brig_err *e);
/* Attributes of a (attributes set while still detached when the kernel
 * allows), attach onto target, propagation.  tree stays the mount's fd. */
int rt_tree_place(int tree, int target, const struct rt_tree_attrs *a, const char *what,
		  struct brig_err *e);

/* The attributes of bind m (its options), cloned as tree: in a user
 * namespace (cfg->has_userns) never clearing a ro/nosuid/nodev/noexec that
 * the source mount has, nor any of them below the top. */
void rt_bind_attrs(const struct rt_rootfs_cfg *cfg, const struct rt_mount *m, int tree,
		   struct rt_tree_attrs *a);

/* ---- cgroupfs.c ---- */
int rt_mount_cgroup(struct rt_setup_state *st, const struct rt_mount *m, struct brig_err *e);

/* ---- devices.c ---- */
int rt_devices_setup(struct rt_setup_state *st, struct brig_err *e);
int rt_console_setup(struct rt_setup_state *st, struct brig_err *e);

/* ---- idmap.c ---- */
/* A user namespace with the given mappings (needs host privileges):
 * returns an fd of /proc/PID/ns/user of a helper child that is gone by the
 * time this returns. */
int rt_userns_from_maps(const struct rt_idmaps *uids, const struct rt_idmaps *gids,
			struct brig_err *e);
/* Clone the source of m as a detached mount and apply its idmapping with
 * userns_fd (or, when -1, a user namespace built from its mappings / the
 * container's).  Returns the detached mount's fd. */
int rt_idmap_clone(const struct rt_rootfs_cfg *cfg, const struct rt_mount *m, int userns_fd,
		   struct brig_err *e);

/* ---- mountinfo.c ---- */
struct rt_mountinfo {
	int id, parent;
	char *root; /* root of the mount within its file system */
	char *point; /* mount point (unescaped) */
	char *opts; /* per-mount options */
	char *fstype;
	char *source;
	char *super; /* super block options */
};
/* Parse /proc/self/mountinfo; *out is an array of *n entries. */
int rt_mountinfo_read(struct rt_mountinfo **out, size_t *n, struct brig_err *e);
void rt_mountinfo_free(struct rt_mountinfo *v, size_t n);

/* ---- pivot.c ---- */
int rt_pivot(const struct rt_rootfs_cfg *cfg, int rootfd, bool no_pivot, struct brig_err *e);

#endif /* BRIG_RUNTIME_MOUNT_INTERNAL_H */
