/* SPDX-License-Identifier: Apache-2.0 */
/* Private to the engine. */
#ifndef BRIG_ENG_INT_H
#define BRIG_ENG_INT_H

#include "engine/engine.h"
#include "image/store/store.h"
#include "runtime/runtime.h"

#define ENG_RECORD "container.json"
#define ENG_RECORD_MAX ((size_t)8 << 20)
#define ENG_LOCK "lock"
#define ENG_MONITOR_LOCK "monitor.lock"
#define ENG_LOG "ctr.log"
#define ENG_DEFAULT_STOP_TIMEOUT 10

struct eng_userns;
struct eng_config;

struct eng {
	char *root; /* the store root */
	char *driver; /* "overlay", "copy" or NULL */
	int rootfd; /* ROOT */
	int ctrsfd; /* ROOT/containers */
	int namesfd; /* ROOT/names */
	char *rt_root; /* the runtime's state root */
	char *mnt_root; /* where container roots are attached: /run/brig/mnt */
	struct rt_global rt;
	struct img_store *store; /* opened on first use */
	struct eng_config *cfg; /* the engine config (defaults when no file) */
};

/* An image as a container needs it. */
struct eng_image {
	char manifest_digest[IMG_DIGEST_SIZE];
	char id[IMG_DIGEST_SIZE]; /* config digest */
	struct img_config config;
	char (*layer_digests)[IMG_DIGEST_SIZE]; /* blobs, base first */
	size_t n_layers;
	char *name; /* the reference given, normalised, or NULL */
};
void eng_image_clear(struct eng_image *im);
int eng_store(struct eng *g, struct img_store **out, struct brig_err *e);
/* eng_registry_client (pull.c) is declared in engine.h. */

/* engine.c: the handle; a container's directory (O_CLOEXEC fd) */
int eng_ctr_open(struct eng *g, const char *id, struct brig_err *e);
bool eng_id_valid(const char *id); /* 64 lowercase hex digits */
#define eng_now(buf) brig_now(buf) /* RFC 3339, UTC, nanoseconds */
/* brig info's parts: the default seccomp profile's path (security.c),
 * the user namespaces (userns.c), the store's file system (quota.c). */
const char *eng_seccomp_default_profile(void);
json_t *eng_userns_info(struct eng *g);
const char *eng_quota_store_fs(struct eng *g, bool *quotas);
/* Every "K" or "K=V" of filters (NULL-terminated, may be NULL) among
 * labels (an object of strings): the prune filters (volume_prune.c). */
bool eng_labels_match(const json_t *labels, char *const *filters);
/* record.c (record-internal.h): a container's record. */
/* monitor_lock.c: the monitor's lock: taken (waiting) by the monitor, for its life; tested
 * without taking it; waited for (a read lock, dropped at once). */
int eng_monitor_lock(int dirfd, struct brig_err *e);
int eng_monitor_alive(int dirfd);
/* exit_code (may be NULL): what the monitor noted before --rm removed the
 * container (eng_monitor_note_exit), else -1. */
int eng_monitor_wait(int dirfd, int *exit_code, struct brig_err *e);
/* A --rm container's exit code, for its waiters, written into the monitor
 * lock (lockfd) before the container is removed under that lock. */
void eng_monitor_note_exit(int lockfd, int status);
/* list.c: bring the state up to date from the monitor lock (a dead
 * monitor = not running). */
struct eng_record;
void eng_state_refresh(struct eng_record *rec, int dirfd);

/* orphan.c: when monitor.lock is free but processes of the container
 * live (its monitor was killed), kill every process in its cgroup, remove
 * its runtime state, record the end (ExitCode 137) and say so on stderr.
 * locked: the caller holds the record lock.  Returns what it found, or a
 * negative errno when processes of it may live on. */
enum eng_orphan {
	ENG_ORPHAN_MONITORED, /* a monitor holds monitor.lock: nothing done */
	ENG_ORPHAN_NONE, /* no monitor and nothing of it left to end */
	ENG_ORPHAN_ENDED, /* no monitor: it recorded the end (killing what was left) */
};
int eng_orphan_reap(struct eng *g, const char *id, int dirfd, bool locked, struct brig_err *e);

/* names.c */
int eng_name_generate(struct eng *g, char *buf, size_t size);
/* Under ROOT/names.lock: */
int eng_names_lock(struct eng *g, struct brig_err *e);
/* ref is NAME[:TAG], without a digest, as a name for a new image ("an
 * imported", "a committed" image) must be. */
int eng_ref_check_tagged(const char *ref, const char *what, struct brig_err *e);
int eng_name_claim(struct eng *g, const char *name, const char *id, struct brig_err *e);
void eng_name_release(struct eng *g, const char *name, const char *id);
int eng_name_lookup(struct eng *g, const char *name, char id[ENG_ID_LEN + 1]);

/* specbuild.c: the OCI config for a container. */
/* ctrfd: the directory being made; ctrdir: the path it will have. */
int eng_spec_build(struct eng *g, const struct eng_create_opts *o, const struct eng_image *im,
		   const json_t *layers, const char *id, int ctrfd, const char *ctrdir,
		   const struct eng_userns *u, json_t **spec, json_t **config, json_t **security,
		   json_t **volumes, struct brig_err *e);

/* security.c: linux.seccomp from a Docker-format profile (NULL: brig's
 * default; "unconfined": none); *info says which, with its digest. */
int eng_seccomp_apply(json_t *spec, const char *profile, json_t **info, struct brig_err *e);
/* Every effective security setting of a container, from its final OCI
 * config (for `brig inspect`: Brig.Effective). */
json_t *eng_effective(const json_t *spec, const json_t *security, const json_t *userns);
/* --init: brig-init bound at /dev/init and put before the command. */
int eng_init_apply(json_t *spec, struct brig_err *e);

/* rootfs.c */
/* The image of index entry d, for this host's platform. */
int eng_image_load(struct img_store *s, const struct img_descriptor *d, struct eng_image *out,
		   struct brig_err *e);
int eng_image_resolve(struct eng *g, const char *what, struct eng_image *out, struct brig_err *e);
/* Make sure every layer is unpacked in ROOT/layers. */
int eng_layers_ensure(struct eng *g, const struct eng_image *im, struct brig_err *e);
/* The rootfs: prepare its directories (create time), then make the
 * detached mount that becomes "/" (start time). */
int eng_rootfs_prepare(struct eng *g, int ctrfd, const json_t *layers, const char *driver,
		       struct brig_err *e);
/* The upper directory belongs to the container's root. */
int eng_rootfs_chown(int ctrfd, const char *driver, const struct eng_userns *u, struct brig_err *e);
/* With a user namespace (read from ctrfd's record, none while the
 * container is being made) the layers are mounted idmapped. */
int eng_rootfs_mount(struct eng *g, int ctrfd, const json_t *layers, const char *driver,
		     struct brig_err *e);
/* The same from its record rec, read by the caller under the container's
 * lock (not read again); rootless with an overlay, *usfd_out the user
 * namespace (the container's mapping) it was made in. */
int eng_rootfs_mount_ns(struct eng *g, int ctrfd, const struct eng_record *rec, int *usfd_out,
			struct brig_err *e);
/* The directory a container's root is attached at (inside its own mount
 * namespace only): MNT_ROOT/<id>, searchable by every container root. */
int eng_mountpoint(struct eng *g, const char *id, char *buf, size_t size);
/* Is ROOT/layers/<hex of diff_id> unpacked (layers.c)? */
bool eng_layer_present(struct eng *g, const char *diff_id);
/* Overlay works here? ("overlay" or "copy"). */
const char *eng_rootfs_driver(struct eng *g);
bool eng_rootfs_driver_fixed(struct eng *g);
/* Read a file of the image (e.g. /etc/passwd) through its layers, top
 * first, each through the safe resolver; -ENOENT when no layer has it (or
 * one whites it out).  upperfd >= 0: a container's changes
 * (eng_ctr_changes_open), looked at before the layers. */
int eng_image_read_file(struct eng *g, const json_t *layers, int upperfd, const char *path,
			size_t max, char **buf, size_t *len, struct brig_err *e);
struct eng_record;
/* An O_PATH fd to the directory of a container's changes: its overlay's
 * upper directory, or (*whole: the copy driver) its whole root. */
int eng_ctr_changes_open(struct eng *g, const struct eng_record *rec, bool *whole,
			 struct brig_err *e);
/* The overlay upper directory alone (diff, commit): -ENOTSUP, saying so,
 * for a container of the copy driver, whose changes are not kept apart. */
int eng_ctr_upper_open(struct eng *g, const struct eng_record *rec, struct brig_err *e);

/* userns.c: a container's own range of subordinate ids. */
#define ENG_USERNS_SIZE 65536
struct eng_userns {
	bool enabled;
	uint32_t uid, gid, size; /* host ids of container id 0, and how many */
	long slot; /* ROOT/userns/<slot>, or -1 */
	/* Rootless: container id 0 is the calling user's own uid and gid
	 * (root_uid, root_gid); ids 1..size-1 are uid+1.. as above.  With
	 * keep_id (--userns=keep-id) the caller's ids are mapped at the same
	 * ids inside instead, every other container id c at uid + c. */
	bool own_root, keep_id;
	uint32_t root_uid, root_gid;
};
/* The host id of container id cid (a gid with gid). */
uint32_t eng_userns_to_host(const struct eng_userns *u, uint32_t cid, bool gid);
/* The container id of host id host: false when the mapping has none. */
bool eng_userns_from_host(const struct eng_userns *u, uint32_t host, bool gid, uint32_t *cid);
/* The mapping as {container id, host id, size} extents (at most 3). */
#define ENG_USERNS_EXTENTS 3
size_t eng_userns_extents(const struct eng_userns *u, bool gid, uint32_t m[ENG_USERNS_EXTENTS][3]);
/* keepid.c, --userns=keep-id: the caller's passwd and group entries in
 * the container's own layer when its image has none; the fd (O_PATH) of
 * that layer, for eng_user_resolve, and in *user "UID:GID". */
int eng_keepid_files(struct eng *g, const struct eng_create_opts *o, const json_t *layers,
		     int ctrfd, const char *cwd, char user[32], struct brig_err *e);
/* brig runs as a user other than root (rootless brig: docs/rootless.md). */
bool eng_rootless(void);
/* rootless.c: may a rootless brig make cgroups (a delegated v2 subtree)?
 * Which limits are in force; rootless without one, the spec's resources
 * become what rlimits can do, and a warning says what is not enforced. */
bool eng_rootless_cgroup_delegated(void);
int eng_limits(json_t *spec, json_t **limits, struct brig_err *e);
/* rootfs.c: the container's overlay as a detached mount (layers idmapped
 * with usfd >= 0); rootfs_userns.c: the same made rootless, in a child with
 * a user namespace of its own (overlayfs mounts there since Linux 5.11). */
int eng_rootfs_overlay(struct eng *g, int ctrfd, const json_t *layers, int usfd,
		       struct brig_err *e);
int eng_rootfs_overlay_userns(struct eng *g, int ctrfd, const json_t *layers, int usfd,
			      struct brig_err *e);
/* userns_run.c, rootless: a user namespace with the container's mapping
 * (its root the caller, 1..size-1 the slot's), made with newuidmap and
 * newgidmap, as an fd; fn run in a child that joined one, where it may
 * read and write every file of the container's ids and sees them as the
 * container does (without own_root: fn here).  What fn leaves in ret
 * (ret_len bytes, at most 512) comes back. */
int eng_userns_open(const struct eng_userns *u, struct brig_err *e);
/* The spec joins the user namespace usfd (inherited by the runtime's
 * child: /proc/self/fd/N) in place of making one with its mappings. */
int eng_userns_spec_join(json_t *spec, int usfd, struct brig_err *e);
int eng_userns_run(const struct eng_userns *u, int (*fn)(void *arg, struct brig_err *e), void *arg,
		   void *ret, size_t ret_len, struct brig_err *e);
/* info_host.c: OverlayInUserns, IdmappedMounts, LandlockABI, LSMs into
 * the features object of brig info. */
int eng_info_host_features(json_t *features, struct brig_err *e);
int eng_userns_alloc(struct eng *g, const char *id, struct eng_userns *u, struct brig_err *e);
/* --userns mode (checked by eng_create_check; NULL: the engine config's):
 * a slot for container id, or none. */
int eng_userns_choose(struct eng *g, const char *mode, const char *id, struct eng_userns *u,
		      struct brig_err *e);
void eng_userns_release(struct eng *g, const char *id, const struct eng_userns *u);
json_t *eng_userns_json(const struct eng_userns *u);
/* userns_reg.c: the host-wide registry of slots (every store on the host),
 * open = locked; close writes nothing. */
struct eng_userns_reg {
	int dirfd, lockfd;
	json_t *doc;
};
int eng_userns_reg_open(struct eng *g, struct eng_userns_reg *reg, struct brig_err *e);
void eng_userns_reg_close(struct eng_userns_reg *reg);
/* Whether slot belongs to a container that still exists (in any store). */
bool eng_userns_reg_taken(const struct eng_userns_reg *reg, uint64_t slot);
/* Give slot to the container id of the store root (stale entries go). */
int eng_userns_reg_claim(struct eng_userns_reg *reg, uint64_t slot, const char *root,
			 const char *id, struct brig_err *e);
/* The user namespace and its mappings in the OCI config. */
int eng_userns_spec(json_t *spec, const struct eng_userns *u, struct brig_err *e);

/* binds.c: host bind sources, resolved once at create and reopened,
 * checked, at every start (docs/volumes.md, "Bind sources"). */
struct eng_flags;
/* Resolve each user bind of f in spec, write the resolved path into spec
 * and return their identities (the record's Brig.Binds) in *out. */
int eng_binds_pin(const struct eng_flags *f, json_t *spec, const struct eng_userns *u, json_t **out,
		  struct brig_err *e);
struct eng_binds {
	json_t *spec; /* a copy of Brig.Spec whose pinned binds name fds[] */
	int *fds;
	size_t n;
};
/* Open every pinned source of rec without following symlinks; refuse one
 * that is not the file recorded.  Close with eng_binds_close. */
int eng_binds_open(const struct eng_record *rec, struct eng_binds *b, struct brig_err *e);
void eng_binds_close(struct eng_binds *b);

/* pause.c: 1 when the container's cgroup is frozen, 0 when not, a
 * negative errno when that cannot be read (no runtime state). */
int eng_paused(struct eng *g, const char *id);
/* Hold the container's freeze lock (exclusive, waited for, with a notice
 * when another command holds it): the commands that freeze a container and
 * thaw it again (commit --pause, forensics) take it first, so one cannot
 * thaw a container while another still collects from it frozen.  Returns
 * the lock's fd (closing it releases the lock). */
int eng_freeze_hold(struct eng *g, const char *id, struct brig_err *e);
/* After a signal: thaw a paused container so that it sees it. */
void eng_thaw_after_signal(struct eng *g, const char *id);

/* diff.c: the unpacked layers of a container (Brig.Layers, base first) as
 * O_PATH directory fds. */
struct eng_layer_fds {
	int *fds;
	size_t n;
};
int eng_layer_fds_open(struct eng *g, const json_t *layers, struct eng_layer_fds *l,
		       struct brig_err *e);
void eng_layer_fds_close(struct eng_layer_fds *l);

/* lifecycle.c: remove without asking whether it runs (the monitor's
 * --rm, after it released its lock). */
int eng_destroy(struct eng *g, const char *id, struct brig_err *e);
/* The same, removing its anonymous volumes too when asked (rm -v); --rm
 * always does. */
int eng_destroy_ex(struct eng *g, const char *id, bool volumes, struct brig_err *e);
/* Remove id's mount point (NULL: none) and those of containers gone. */
void eng_mountpoints_sweep(struct eng *g, const char *id);

#endif
