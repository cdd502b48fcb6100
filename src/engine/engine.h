/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine: containers made from images, without a daemon.
 *
 *   ROOT/containers/<id>/         one container (id: 64 hex digits)
 *       container.json            the engine's record (see record.c), replaced
 *                                 atomically and durably under "lock"
 *       lock                      flock: exclusive to change the record
 *       upper/ work/              the overlay's upper and work directories
 *       rw/upper/ rw/work/        the same, bounded (--storage-opt size=):
 *                                 rw/ is a btrfs subvolume (quota.c)
 *       merged/                   where the rootfs is attached (inside the
 *                                 container's mount namespace only)
 *       rootfs/                   the copied rootfs when overlay is not used
 *       hosts, hostname           files bound into the container
 *       ctr.log                   the container's output (JSON lines)
 *   ROOT/names/<name>             a symlink to the id that holds the name
 *   ROOT/names.lock               flock held while names and containers
 *                                 are created, renamed or removed
 *   /run/brig/<hash of ROOT>/     the runtime's state (one boot)
 *
 * The runtime library (runtime.h) runs the container; a monitor process
 * (or, for a foreground run, the brig process itself) holds the container's
 * init as its child, copies its output to the log and records its exit.
 */
#ifndef BRIG_ENGINE_H
#define BRIG_ENGINE_H

#include "common/common.h"

#include <stdbool.h>
#include <stdint.h>

struct img_store; /* image/store/store.h */
#include <sys/types.h>

#define ENG_ID_LEN 64
#define ENG_NAME_MAX 128

struct eng;
struct eng_flags;
struct eng_netcfg;

/* Open the engine over the store root (created when missing).  driver:
 * "overlay", "copy" or NULL (overlay, falling back to a copy). */
int eng_open(const char *root, const char *driver, struct eng **out, struct brig_err *e);
void eng_close(struct eng *g);
/* Use the engine config file path (brig --config) instead of the default
 * /etc/brig/brig.conf, which eng_open reads when it exists. */
int eng_use_config(struct eng *g, const char *path, struct brig_err *e);
static inline void eng_closep(struct eng **g)
{
	eng_close(*g);
}
#define _cleanup_eng_ _cleanup_(eng_closep)
const char *eng_root(const struct eng *g);

/* Content trust for one command (provenance.c; docs/trust-check.md). */
struct eng_trust_opts {
	const char *policy; /* --signature-policy FILE; NULL: the system's */
	bool disabled; /* --disable-content-trust or BRIG_CONTENT_TRUST=0 */
	bool allow_downgrade; /* pull: take a digest signed earlier than the last */
	/* BRIG_CONTENT_TRUST=1: Docker's content trust, every tag through
	 * Notary (notary_server: BRIG_CONTENT_TRUST_SERVER, or NULL: Docker's
	 * choice per registry); docs/trust-notary.md */
	bool notary;
	const char *notary_server;
	const char *registries_d; /* pull --registries-d; NULL: the default */
};

/* What `brig create` / `brig run` were asked for. */
struct eng_create_opts {
	const char *image; /* reference, id or digest */
	const char *name; /* NULL: a generated one */
	char **cmd; /* NULL: the image's Cmd */
	size_t n_cmd;
	const char *entrypoint; /* NULL: the image's; "" clears it */
	char **env; /* K=V or K (taken from the environment) */
	size_t n_env;
	char **labels; /* K=V */
	size_t n_labels;
	const char *workdir;
	const char *user;
	const char *hostname;
	bool tty, interactive;
	/* with tty: the terminal's size at start (process.consoleSize), so the
	 * process sees it before an attached client's first resize; 0: unknown */
	unsigned short console_rows, console_cols;
	bool auto_remove; /* --rm */
	/* --read-only / --read-write: given, they win over the engine
	 * config's "read-only-rootfs" (read-only by default), as Docker's CLI
	 * flags win over the daemon's defaults */
	enum eng_rootfs { ENG_ROOTFS_CONFIG, ENG_ROOTFS_READ_ONLY, ENG_ROOTFS_READ_WRITE } rootfs;
	const char *stop_signal;
	int stop_timeout; /* -1: default (10 s); ENG_STOP_FOREVER: never SIGKILL */
	/* Docker's resource and security flags (engine/flags/flags.h), or
	 * NULL: applied over brig's defaults. */
	const struct eng_flags *flags;
	/* --restart no|on-failure[:N]|always|unless-stopped (NULL: no) */
	const char *restart;
	/* --log-opt max-size=SIZE, max-file=N */
	char **log_opts;
	size_t n_log_opts;
	/* --init: brig-init as PID 1 */
	bool init;
	/* --userns auto (NULL: the default, a range of its own) or host */
	const char *userns;
	/* --storage-opt size=SIZE: bound the writable root (a btrfs store
	 * with quotas; refused elsewhere) */
	char **storage_opts;
	size_t n_storage_opts;
	/* --network, --add-host, --dns*, -p... (engine/netcfg/netcfg.h), or
	 * NULL: --network none */
	const struct eng_netcfg *net;
	/* content trust: the image's stored signatures checked against the
	 * policy as it stands (NULL: the system's policy) */
	const struct eng_trust_opts *trust;
	/* --health-*, --no-healthcheck (NULL: the image's HEALTHCHECK) */
	const struct eng_health_opts *health;
};

/* The parsed --restart policy. */
enum eng_restart {
	ENG_RESTART_NO,
	ENG_RESTART_ON_FAILURE,
	ENG_RESTART_ALWAYS,
	ENG_RESTART_UNLESS_STOPPED
};
int eng_restart_parse(const char *s, enum eng_restart *policy, int64_t *max_retries,
		      struct brig_err *e);

/* What of o can be refused before the image is looked at (or pulled):
 * --userns.  eng_create checks it again. */
int eng_create_check(struct eng *g, const struct eng_create_opts *o, struct brig_err *e);
/* Make a container (record, rootfs directories); it is not started.
 * id receives the new id. */
int eng_create(struct eng *g, const struct eng_create_opts *o, char id[ENG_ID_LEN + 1],
	       struct brig_err *e);

/* brig update: resource flags (run's names and syntax, those
 * eng_update_flag_known accepts) and/or a restart policy. */
struct eng_update_opts {
	const char *const *names; /* "memory", "cpus", "pids-limit", ... */
	const char *const *values;
	size_t n;
	const char *restart; /* NULL: unchanged */
};
bool eng_update_flag_known(const char *flag);
/* Checked like run's flags; applied to a running container's cgroup first,
 * then recorded (a stopped one gets them at its next start). */
int eng_update(struct eng *g, const char *id, const struct eng_update_opts *o, struct brig_err *e);

/* Resolve an id, a unique id prefix or a name. -ENOENT, -ENOTUNIQ. */
int eng_find(struct eng *g, const char *what, char id[ENG_ID_LEN + 1], struct brig_err *e);

/* The record of a container, as stored, with "State" brought up to date
 * (a container whose monitor died is shown as exited).  Caller frees. */
int eng_inspect(struct eng *g, const char *id, json_t **out, struct brig_err *e);

/* Every container's record (as eng_inspect), oldest first. */
int eng_list(struct eng *g, json_t **out, struct brig_err *e);

enum eng_attach {
	ENG_DETACH, /* a monitor process in the background */
	ENG_ATTACH, /* this process is the monitor: output tee'd to ours */
	/* in the background for a client that attaches at once (run -it,
	 * start -ai): its output is kept for it until it comes, and the end
	 * of the run waits for it (ENG_ATTACH_WAIT_MS at most) */
	ENG_DETACH_ATTACH,
};

/* Start a created or exited container.  With ENG_DETACH, returns once the
 * container runs (0) or failed to start (the error).  With ENG_ATTACH,
 * waits and returns the container's exit status (0-255). */
int eng_start(struct eng *g, const char *id, enum eng_attach how, struct brig_err *e);
/* The exit code Docker records for a start that failed with e: 127 when
 * the command was not found, 126 when it could not be run, else 128. */
int eng_start_error_code(struct brig_err *e);

/* attach: the socket of a container started in the background with -i or
 * -t (docs/attach.md).  Frames both ways: a type byte, a 16-bit big-endian
 * length, at most ENG_ATT_FRAME_MAX bytes. */
enum {
	ENG_ATT_STDIN = 'i', /* to the container */
	ENG_ATT_RESIZE = 'w', /* rows, cols: 16 bits each, big-endian */
	ENG_ATT_SIGNAL = 's', /* one byte: the signal (--sig-proxy) */
	ENG_ATT_STDOUT = 'o', /* from the container */
	ENG_ATT_STDERR = 'e',
	ENG_ATT_EXIT = 'x', /* one byte: the run's exit status; then EOF */
};
#define ENG_ATT_FRAME_MAX 4096
/* Connect to the container's attach socket: the fd (O_CLOEXEC), and
 * whether the container has a terminal.  -ENOTCONN when it is running but
 * has none (not started in the background with -i or -t); -ESRCH when it
 * is not running. */
int eng_attach_connect(struct eng *g, const char *id, bool *tty, struct brig_err *e);
int eng_att_send(int fd, int type, const void *buf, size_t len);
/* The engine config's "detach-keys", or NULL. */
const char *eng_detach_keys(const struct eng *g);
/* One frame into buf (cap >= ENG_ATT_FRAME_MAX): its type, or 0 at EOF,
 * or -errno. */
int eng_att_recv(int fd, void *buf, size_t *len);

/* A stop timeout without an end: after the stop signal, wait as long as
 * the container runs and never send SIGKILL (Docker's `stop -t -1` and
 * `--stop-timeout -1`; the record's Config.StopTimeout is then -1). */
#define ENG_STOP_FOREVER (-2)
/* Stop: the stop signal, then SIGKILL after timeout seconds (-1: the
 * container's own; ENG_STOP_FOREVER: no SIGKILL, wait until it ends). */
int eng_stop(struct eng *g, const char *id, int timeout, struct brig_err *e);
/* The same with signal instead of the container's stop signal (<= 0: its
 * own): `stop -s`. */
int eng_stop_signal(struct eng *g, const char *id, int timeout, int signal, struct brig_err *e);
int eng_kill(struct eng *g, const char *id, int sig, struct brig_err *e);
/* Freeze (pause) or thaw (unpause) a running container's processes with
 * the cgroup freezer (pause.c). */
int eng_pause(struct eng *g, const char *id, bool pause, struct brig_err *e);
/* What the container changed in its image (brig diff): an array of
 * {"Path": "/...", "Kind": 0 changed | 1 added | 2 deleted}, sorted by
 * path, read from its overlay upper directory (diff.c). */
int eng_diff(struct eng *g, const char *id, json_t **out, struct brig_err *e);
/* brig commit (commit.c): the container's changes as a new image. */
struct eng_commit_opts {
	bool pause; /* freeze it while its changes are packed */
	const char *comment, *author; /* -m, -a (NULL: none) */
	const char *ref; /* NAME[:TAG], or NULL: an unnamed image */
	/* Changes the image config's "config" object (the -c instructions);
	 * NULL: none. */
	int (*edit)(json_t *config, void *arg, struct brig_err *e);
	void *arg;
};
/* image_id receives the new image's id (its config digest, "sha256:..."). */
int eng_commit(struct eng *g, const char *id, const struct eng_commit_opts *o, char image_id[72],
	       struct brig_err *e);

/* A layer made on this host (build_layer.c): packed from the directory
 * dirfd, or with ctr_id from that container's changes (owners as it sees
 * them), every mtime at or after mtime_max written as mtime_max; stored and
 * unpacked into the layer cache.  eng_layer_store_fd: the packed layer
 * read from fd, whose digest and diff_id l gives, stored and unpacked. */
struct eng_layer_out {
	char digest[72], diff_id[72];
	uint64_t size;
};
struct img_pack_setid;
/* setid non-NULL: files written without their setuid and setgid bits,
 * each one told (image/layer/layer.h). */
int eng_layer_make(struct eng *g, const char *ctr_id, int dirfd, int64_t mtime_max,
		   const struct img_pack_setid *setid, struct eng_layer_out *l, struct brig_err *e);
int eng_layer_store_fd(struct eng *g, int fd, struct eng_layer_out *l, struct brig_err *e);

/* import: the tarball read from fd (plain, gzip or zstd) becomes a
 * one-layer image named name (NAME[:TAG]) whose config's "config" object is
 * cfg; image_id receives its id. */
int eng_import(struct eng *g, int fd, const char *name, const json_t *cfg, char image_id[72],
	       struct brig_err *e);

/* load: the docker-archive or oci-archive read from fd into the store, its
 * layers unpacked into the layer cache (strict: a layer with device nodes
 * is refused rather than loaded without them); an image known only by a
 * tag is named bare_repo:TAG (NULL: refused).  res says what was loaded. */
struct img_load_result;
struct eng_trust_opts;
/* Content trust (trust: NULL the system's policy; path: the archive,
 * NULL for stdin): every image is judged for the archive's transport and
 * path with the signatures the archive carries for it before any is
 * named (provenance_load.c). */
int eng_load(struct eng *g, int fd, const char *bare_repo, bool strict,
	     const struct eng_trust_opts *trust, const char *path, struct img_load_result *res,
	     struct brig_err *e);
/* brig audit: run's content trust check again, now (provenance_run.c):
 * the signatures stored with the image of manifest_digest judged against
 * the system's policy as it stands, content trust on, no network.  0 and
 * *out what Brig.Provenance would say (Verified, Signers, ...); -EACCES
 * and the refusal in e; -ENOENT (e untouched) when the store keeps no
 * signatures for that image. */
int eng_prov_recheck(struct eng *g, const char *manifest_digest, json_t **out, struct brig_err *e);
/* brig save: the signatures kept with the images refs names, as the
 * archive's signatures member (*out NULL when none has any). */
int eng_prov_save_sigs(const char *root, struct img_store *s, const char *const *refs, size_t n,
		       char **out, struct brig_err *e);
/* brig export (export.c): the container's flattened filesystem as a tar
 * written to out_fd. */
int eng_export(struct eng *g, const char *id, int out_fd, struct brig_err *e);
/* brig cp (cp.c): copy between a container's filesystem and the host. */
struct eng_cp_opts {
	bool to_container; /* host_path -> ctr_path, else ctr_path -> host_path */
	const char *ctr_path, *host_path;
	bool follow; /* -L: follow the source if it is a symlink */
	bool archive; /* -a: keep owners (else: the container's root, or ours) */
	int tar_fd; /* >= 0: the host side is a tar stream ("-") read or written
		       here instead of host_path; otherwise -1 */
};
int eng_cp(struct eng *g, const char *id, const struct eng_cp_opts *o, struct brig_err *e);
/* brig forensics (forensics.c; docs/incident.md): freeze the container,
 * read its evidence from the host (nothing runs inside it) into
 * o->output, list every file with its sha256 in MANIFEST.sha256, then
 * thaw it or, with o->kill, kill it.  o->output is a directory that must
 * not exist or be empty, or FILE.tar (which must not exist).  What cannot
 * be read (the container ended meanwhile) is listed in MISSING and in the
 * summary, not an error.  *summary: {Id, Name, Output, Tar, Frozen,
 * Killed, Files, Manifest, ManifestSha256, [TarSha256], Missing: [{Path,
 * Reason}], Processes: [{Pid, Cmdline, Fds: [{Fd, Target, Socket}]}]}. */
struct eng_forensics_opts {
	const char *output;
	bool kill;
	/* A progress line; it holds container-made text (escape it before a
	 * terminal sees it).  May be NULL. */
	void (*progress)(void *ctx, const char *line);
	void *ctx;
};
int eng_forensics(struct eng *g, const char *id, const struct eng_forensics_opts *o,
		  json_t **summary, struct brig_err *e);
/* Wait until it is not running; returns its exit code. */
int eng_wait(struct eng *g, const char *id, struct brig_err *e);
/* Remove; force: stop (kill) it first when running; volumes: its anonymous
 * volumes too (rm -v). */
int eng_remove(struct eng *g, const char *id, bool force, bool volumes, struct brig_err *e);
int eng_rename(struct eng *g, const char *id, const char *new_name, struct brig_err *e);

struct eng_exec_opts {
	char **args;
	char **env;
	size_t n_env;
	const char *user;
	const char *workdir;
	bool tty, interactive, detach;
	pid_t *pid; /* with detach: the process (our child, for us to wait for) */
	/* with tty: the detach keys (bytes) that end our side of the relay */
	const unsigned char *detach_keys;
	size_t n_detach_keys;
};
/* Run a process in a running container; returns its exit status, or
 * ENG_EXEC_DETACHED when the detach keys ended the relay. */
#define ENG_EXEC_DETACHED 256
int eng_exec(struct eng *g, const char *id, const struct eng_exec_opts *o, struct brig_err *e);
/* Healthchecks (engine/health*.c, docs/health.md).  The flags of run and
 * create: durations in ns and retries, 0 when not given (the image's, else
 * Docker's defaults). */
struct eng_health_opts {
	const char *cmd; /* --health-cmd (CMD-SHELL); NULL: the image's */
	int64_t interval, timeout, start_period, start_interval, retries;
	bool none; /* --no-healthcheck */
};
/* One flag ("health-interval", ...) checked into o. */
int eng_health_opt_set(struct eng_health_opts *o, const char *flag, const char *value,
		       struct brig_err *e);
/* Cross-flag checks (--no-healthcheck with --health-*). */
int eng_health_opts_check(const struct eng_health_opts *o, struct brig_err *e);
/* Run the healthcheck of a running container once, now, and record the
 * result as the runner would (podman's `healthcheck run`); *status is
 * "healthy", "starting" or "unhealthy".  -ENOENT when it has none, -ESRCH
 * when it does not run, -EBUSY when it is paused. */
int eng_health_run_once(struct eng *g, const char *id, const char **status, struct brig_err *e);
/* The runner of one run (brig __health-run): checks at the interval for
 * as long as the init whose pidfd is given lives. */
int eng_health_runner(struct eng *g, const char *id, int pidfd, struct brig_err *e);
/* The processes of a running container: pids. */
int eng_top(struct eng *g, const char *id, pid_t **pids, size_t *n, struct brig_err *e);

/* The bytes of a container's changes (its overlay's upper directory, or
 * the whole copied root) and of its whole root (changes and image
 * layers): `ps -s`. */
int eng_ctr_size(struct eng *g, const char *id, uint64_t *rw, uint64_t *rootfs, struct brig_err *e);
/* system df: the bytes container id keeps on disk (its directory: changes,
 * logs, records, and a bounded root's subvolume). */
int eng_ctr_disk_bytes(struct eng *g, const char *id, uint64_t *bytes, struct brig_err *e);
/* system df: the layer cache's unpacked layers and their bytes. */
int eng_layers_usage(struct eng *g, size_t *n, uint64_t *bytes, struct brig_err *e);

/* system prune's images: the unnamed ones (all: every image) that no
 * container was made from, made before until_ns (0: any time), whose config
 * labels match every "K" or "K=V" of labels (NULL-terminated, may be NULL).
 * A name is untagged, an unnamed entry removed; *removed gets
 * [{"Untagged": NAME} | {"Deleted": IMAGE_ID}]. */
struct eng_image_prune {
	bool all;
	int64_t until_ns;
	char *const *labels;
};
int eng_image_prune(struct eng *g, const struct eng_image_prune *o, json_t **removed,
		    struct brig_err *e);

/* image prune's gc (dry_run: only report): the image store's blob gc,
 * then the unpacked layers no image and no container needs and what killed
 * commands left (ROOT/layers/.tmp-*, ROOT/containers/.tmp-* and .rm-*).
 * *rep: the store's gc report plus removed_layers [{diffId, size}],
 * removed_leftovers [{path, size}] and layers_reclaimed_bytes. */
int eng_store_prune(struct eng *g, bool dry_run, json_t **rep, struct brig_err *e);

/* container prune: remove every container that is created or exited (not
 * running, restarting or paused), made before until_ns (0: any time), whose
 * labels match every "K" or "K=V" of label_filters (NULL-terminated, may be
 * NULL).  *removed gets [{Id, Size}] (Size: the bytes of its changes).  A
 * container that starts meanwhile is kept. */
int eng_container_prune(struct eng *g, int64_t until_ns, char *const *label_filters,
			json_t **removed, struct brig_err *e);

/* brig info: Docker's fields (Containers, ContainersRunning, Images,
 * Driver, KernelVersion, OperatingSystem, NCPU, MemTotal, CgroupVersion,
 * SecurityOptions, ...) and "Brig": rootless, the store and runtime paths,
 * cgroup layout and controllers, user namespaces, the seccomp profile and
 * its digest, content trust, the kernel features found. */
int eng_info(struct eng *g, json_t **out, struct brig_err *e);

/* USER's lookup for another module (build's COPY --chown): name|uid[:group|
 * gid] resolved against /etc/passwd and /etc/group of the image whose
 * layers (an array of {"diffId": ...}, bottom first, unpacked in the layer
 * cache) are given, read through the safe resolver.  A name must be
 * listed; a name without a group takes its passwd entry's group. */
int eng_image_user_ids(struct eng *g, const json_t *layers, const char *spec, uint32_t *uid,
		       uint32_t *gid, struct brig_err *e);

/* The users of a container's processes as it sees them (`top`): each host
 * uid mapped back through its user namespace into ctr_uids[i], and its
 * name in the container's /etc/passwd (image layers and changes) into
 * names[i] (malloc'ed; the number when unnamed, the host uid when outside
 * the mapping). */
int eng_ctr_users(struct eng *g, const char *id, const uint32_t *host_uids, size_t n,
		  uint32_t *ctr_uids, char **names, struct brig_err *e);

/* ROOT's directory of build mounts (RUN --mount=type=cache|bind): a bind
 * from beneath it is mounted idmapped in a user namespace, as a volume is. */
#define ENG_BUILD_MOUNTS "build-mounts"

/* The host ids of a container's uid:gid, through its user namespace
 * (the same ids without one); -ERANGE when outside its range. */
int eng_ctr_host_ids(struct eng *g, const char *id, uint32_t uid, uint32_t gid, uint32_t *host_uid,
		     uint32_t *host_gid, struct brig_err *e);

/* For `brig __monitor-resume` only: brig again after brig-monitor saw the
 * container exit with status; lockfd is the monitor lock it kept.  Records
 * the end, restarts as the policy says, finishes. */
struct eng_resume {
	int64_t restarts, started_ms;
	long backoff_ms;
};
int eng_monitor_resume(struct eng *g, const char *id, int lockfd, int status,
		       const struct eng_resume *st, struct brig_err *e);

/* Is the container running now? */
bool eng_running(struct eng *g, const char *id);
/* An open directory fd of the container (for its log), O_CLOEXEC. */
int eng_ctr_dirfd(struct eng *g, const char *id, struct brig_err *e);
/* Until the monitor of the container whose directory is dirfd is done: a
 * --rm container is removed by then. */
int eng_wait_monitor(int dirfd, struct brig_err *e);

/* 1 when a container uses the image whose config digest is image_id. */
int eng_image_in_use(struct eng *g, const char *image_id, char id[ENG_ID_LEN + 1],
		     struct brig_err *e);

/*
 * Unpack the layer read from in_fd into ROOT/layers/<diff_id hex>: into a
 * fresh ROOT/layers/.tmp-XXXXXX first, renamed into place (an existing
 * layer directory is kept).  The bytes read must hash to digest.  Fills
 * diff_id and comp (0 none, 1 gzip, 2 zstd).  Nothing is left behind on
 * failure.
 */
int eng_layer_unpack_to(const char *root, int in_fd, const char *digest, char diff_id[72],
			int *comp, struct brig_err *e);

/* Open the image store of the engine root ROOT (created when missing); the
 * caller closes it.  Where images live beneath the root is the engine's
 * business alone. */
int eng_store_open(const char *root, struct img_store **out, struct brig_err *e);

/* The layer cache of the engine root ROOT (made when missing): an O_CLOEXEC
 * directory fd, or a negative errno. */
int eng_layers_open(const char *root, struct brig_err *e);

/* `image inspect`'s GraphDriver of an image with these rootfs.diff_ids:
 * {"Name": the storage driver, "Data": {"UpperDir", "LowerDir"} or null};
 * NULL when out of memory (layers.c). */
json_t *eng_image_graph_driver(struct eng *g, char *const *diff_ids, size_t n);

/* The OCI name of this machine's architecture ("amd64"). */
const char *eng_host_arch(void);

/* ---- pull (pull.c; docs/registry.md) ---- */

/* The annotations on a pulled image's index.json entry saying where it
 * came from (brig image inspect shows them as Brig.Source). */
#define ENG_SOURCE_PREFIX "io.brig.source." /* IMG_ANNOTATION_SOURCE_PREFIX */
#define ENG_SOURCE_REGISTRY ENG_SOURCE_PREFIX "registry"
#define ENG_SOURCE_REPOSITORY ENG_SOURCE_PREFIX "repository"
#define ENG_SOURCE_TAG ENG_SOURCE_PREFIX "tag"
#define ENG_SOURCE_DIGEST ENG_SOURCE_PREFIX "digest"
#define ENG_SOURCE_TIME ENG_SOURCE_PREFIX "time"
/* "HOST/REPOSITORY" the image was fetched from when that is not its name
 * (a mirror, or a registries.conf location); absent otherwise. */
#define ENG_SOURCE_MIRROR ENG_SOURCE_PREFIX "mirror"

/* A layer's progress (eng_pull_opts.layer_progress). */
#define ENG_PULL_WAITING "Waiting"
#define ENG_PULL_DOWNLOADING "Downloading"
#define ENG_PULL_COMPLETE "Pull complete"
#define ENG_PULL_EXISTS "Already exists"
struct eng_pull_progress {
	size_t index, count; /* layer index (0-based) of count */
	const char *digest; /* the layer's (checked: sha256:<hex>) */
	uint64_t done, total; /* bytes */
	const char *status; /* one of ENG_PULL_* */
};

struct eng_pull_opts {
	const char *ref; /* NAME[:TAG|@DIGEST] */
	const char *platform; /* "os/arch[/variant]"; NULL: linux and the host's */
	bool tls_verify; /* false: TLS certificates are not checked */
	const char *authfile; /* auth.json with Basic credentials, or NULL:
				 reg_credentials_find's lookup order */
	const char *config; /* the engine config (brig --config), or NULL */
	/* Called once per layer with its digest and "Pull complete" or
	 * "Already exists" (may be NULL). */
	void (*progress)(void *ctx, const char *digest, const char *what);
	/* Called for every layer: first "Waiting" for each (in order, before
	 * any download), "Downloading" with the byte count at most every
	 * 100 ms while it downloads, then "Pull complete" or "Already
	 * exists" (may be NULL).  Layers download in parallel, but neither
	 * callback is ever called twice at once. */
	void (*layer_progress)(void *ctx, const struct eng_pull_progress *lp);
	void *ctx;
	/* content trust (NULL: the system's policy, on) */
	const struct eng_trust_opts *trust;
};

struct eng_pull_result {
	char *name; /* "REGISTRY/REPOSITORY@DIGEST": the digest pulled (an index's
		       when the reference named one) */
	char manifest[72]; /* the image's manifest, as stored and named */
};
void eng_pull_result_clear(struct eng_pull_result *r);

/*
 * Pull ref into the store of ROOT: verified manifest(s), config and layers
 * (blobs already present are not fetched), layers unpacked, then the name
 * (NAME:TAG, or NAME@DIGEST for a pull by digest) given to the image's
 * manifest with the source annotations.  Nothing is named on failure;
 * blobs verified before the failure stay, unreferenced (gc removes them).
 */
int eng_pull(const char *root, const struct eng_pull_opts *o, struct eng_pull_result *out,
	     struct brig_err *e);

/* The name brig pull resolves ref to before parsing it: a short name with
 * an alias in registries.conf (engine config config, NULL: the default)
 * becomes the alias's value (with ref's tag or digest); any other ref is
 * returned as it is.  *out is malloc'ed. */
int eng_pull_name(const char *config, const char *ref, char **out, struct brig_err *e);

/* The tags of o->ref's repository in its registry (the registry's order;
 * o->ref's own tag is ignored), for pull --all-tags: NULL-terminated,
 * brig_strv_free.  Only ref, tls_verify, authfile and config are used. */
int eng_pull_tags(const struct eng_pull_opts *o, char ***tags, size_t *n, struct brig_err *e);

/* A registry client for domain with the engine config's settings (config:
 * brig --config, or NULL), registries.conf's (a blocked registry refused,
 * an insecure one allowed plain http) and the credentials
 * reg_credentials_find finds (authfile first) (pull.c).  Also
 * for brig trust sign and verify (h-sigstore). */
struct reg_client;
int eng_registry_client(const char *config, const char *authfile, const char *domain,
			bool tls_verify, struct reg_client **out, struct brig_err *e);

/* brig login / logout (login.c; docs/registry.md, "Credentials"). */
struct eng_login_opts {
	const char *registry; /* as the user wrote it ("https://HOST/..." accepted) */
	const char *user, *password;
	bool tls_verify;
	const char *authfile; /* store there; NULL: a Docker credential helper
				 when Docker's config names one, else
				 reg_authfile_default() */
	const char *config; /* the engine config, or NULL */
};
/* Check the credentials against the registry (GET /v2/, its 401 answered
 * with them: Basic, or a token fetched with them), then store them.
 * *host: the registry as stored (malloc'ed). */
int eng_login(const struct eng_login_opts *o, char **host, struct brig_err *e);
/* Remove the stored credentials of registry (all: of every registry in
 * the auth.json); -ENOENT when there were none. */
int eng_logout(const char *registry, const char *authfile, bool all, char **host,
	       struct brig_err *e);
/* The user name stored for registry (-ENOENT when none). */
int eng_login_user(const char *registry, const char *authfile, char **user, struct brig_err *e);

/* ---- push (push.c; docs/registry.md) ---- */

struct eng_push_result;

struct eng_push_opts {
	/* NAME[:TAG] of an image in the store, NAME@DIGEST (that manifest or
	 * index, pushed by digest: no tag is made) or, with all_tags, NAME */
	const char *ref;
	bool all_tags; /* every NAME:TAG of the store, in tag order */
	/* Called after each image pushed (may be NULL); *out is the last. */
	void (*pushed)(void *ctx, const struct eng_push_result *r);
	bool tls_verify; /* false: TLS certificates are not checked */
	const char *authfile; /* auth.json with Basic credentials, or NULL */
	const char *config; /* the engine config (brig --config), or NULL */
	uint64_t chunk; /* blobs over this go in PATCH chunks; 0: 256 MiB */
	/* Called once per blob with its digest and "Pushed", "Layer already
	 * exists" or "Mounted from REPO" (may be NULL). */
	void (*progress)(void *ctx, const char *digest, const char *what);
	void *ctx;
};

struct eng_push_result {
	char *tag; /* the tag pushed; NULL for a push by digest */
	char digest[72]; /* the manifest's (or index's) digest */
	uint64_t size; /* its size in bytes */
};
void eng_push_result_clear(struct eng_push_result *r);

/*
 * Push the image ref names in the store of ROOT to the registry and
 * repository ref names: every blob the registry lacks (mounted from the
 * repository the image was pulled from when that is on the same
 * registry), then the manifest by tag, byte for byte as stored (so its
 * digest is the same); for a multi-platform index, each manifest by
 * digest, then the index by tag.
 */
int eng_push(const char *root, const struct eng_push_opts *o, struct eng_push_result *out,
	     struct brig_err *e);

/* brig's default seccomp profile: $BRIG_SECCOMP_PROFILE, the installed
 * file, or (uninstalled) the build tree's (security.c). */
const char *eng_seccomp_default_profile(void);

/* Valid container name: [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most ENG_NAME_MAX. */
bool eng_name_valid(const char *name);

#endif /* BRIG_ENGINE_H */
