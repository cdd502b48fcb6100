/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runtime: an OCI bundle (config.json + rootfs) becomes a confined process.
 *
 * This is the public face of the module, used by brig-runtime (runc's
 * command line) and by the engine.  Every call takes the state root (runc's
 * --root) and a container id; container state lives in ROOT/ID/.
 */
#ifndef BRIG_RUNTIME_H
#define BRIG_RUNTIME_H

#include "common/common.h"

#include <sys/types.h>

/* Process-wide options (runc's global flags). */
struct rt_global {
	const char *root; /* state root; default /run/brig-runtime */
	bool systemd_cgroup; /* --systemd-cgroup */
	/* Where compiled seccomp filters are cached (NULL: ROOT/.seccomp-cache);
	 * the cache is keyed by content, so several roots may share one. */
	const char *seccomp_cache;
};

struct rt_create_opts {
	const char *id;
	const char *bundle;
	const char *pid_file;
	const char *console_socket;
	bool no_pivot;
	bool no_new_keyring;
	unsigned preserve_fds;
	/* run: wait for the container and return its exit status. */
	bool foreground;
	/* run: start right after create. */
	bool start;
	/* run: keep the (stopped) container after it exits. */
	bool keep;
	/* run with a terminal and no console_socket: instead of relaying the
	 * pty and waiting, return 0 once the container has started, its pty
	 * master (O_CLOEXEC) in *master_out; the caller relays it, waits for
	 * the init (pid_out) and deletes the container.  NULL: relay here. */
	int *master_out;
	/* The engine: the config in memory instead of BUNDLE/config.json
	 * (bundle is still where relative paths start), and the name it goes
	 * by in messages. */
	const json_t *config;
	const char *config_name;
	/* > 0: a detached mount (fsmount, open_tree) to become the container's
	 * root in place of a bind mount of root.path; it is attached at
	 * root.path inside the container's mount namespace only.  Owned by the
	 * caller. */
	int rootfs_mount_fd;
	/* Where to store the container init's pid (a child of the caller
	 * until it is waited for), or NULL. */
	pid_t *pid_out;
	/* fds of the caller that the init closes first thing (until it execs
	 * it is a copy of the caller): the engine's monitor lock, which must
	 * not stay held by a container whose monitor has died. */
	const int *close_in_child;
	size_t n_close_in_child;
	/* Called once the container exists (its init waits in its new
	 * namespaces to be started) and before it is started, with the init's
	 * pid: the engine plugs in the container's network (a bridge's veth,
	 * pasta).  An error removes the container and is rt_create's. */
	int (*created)(void *arg, pid_t pid, struct brig_err *e);
	void *created_arg;
};

/* A terminal's detach keys (Docker's ctrl-p,ctrl-q as bytes). */
#define RT_DETACH_KEYS_MAX 8
struct rt_detach_keys {
	unsigned char seq[RT_DETACH_KEYS_MAX];
	size_t n;
};

struct rt_exec_opts {
	const char *id;
	const char *process_file; /* --process: a process.json */
	char **args; /* otherwise: ARGS... */
	char **env; /* --env K=V (added) */
	const char *cwd;
	const char *user; /* uid[:gid] */
	char **caps; /* --cap (added) */
	char **additional_gids;
	bool tty;
	bool detach;
	bool no_new_privs;
	bool no_new_privs_set;
	const char *console_socket;
	const char *pid_file;
	pid_t *pid_out; /* with detach: the process's pid (our child) */
	const struct rt_detach_keys *detach_keys; /* with tty: keys ending the relay */
	unsigned preserve_fds;
	const char *apparmor;
	const char *process_label;
	/* Foreground with tty and no console_socket: called with the pty's
	 * master and the process's pid once it runs, forks the relay
	 * that alone holds the master (the caller closes its copy) and
	 * returns its pid (-1: it could not).  It copies stdin to the master
	 * (watching for keys, rt_tty_input; exit RT_RELAY_DETACHED when
	 * typed) and the master to stdout, and sets the pty's size on
	 * SIGWINCH.  NULL: the runtime relays the pty itself. */
	pid_t (*tty_relay)(int master, pid_t pid, const struct rt_detach_keys *keys);
};
#define RT_RELAY_DETACHED 4

/* One read of stdin to a terminal's master, watching for keys (held back
 * until the sequence breaks): false at stdin's end, on an error, or once
 * the keys were typed (then *detached).  *matched: 0 at first. */
bool rt_tty_input(int master, const struct rt_detach_keys *keys, size_t *matched, bool *detached);

/* Validate the name of a container: [A-Za-z0-9][A-Za-z0-9_+.-]*, < 1024. */
bool rt_id_valid(const char *id);

/* Parse and validate a bundle's config.json without doing anything. */
int rt_validate_bundle(const char *bundle, struct brig_err *e);

/* create / run.  With opts->foreground, returns the container's exit status
 * (0-255, 128+signal) on success. */
int rt_create(const struct rt_global *g, const struct rt_create_opts *opts, struct brig_err *e);
int rt_start(const struct rt_global *g, const char *id, struct brig_err *e);
/* The state document (runtime-spec "state" plus runc's extra fields). */
int rt_state(const struct rt_global *g, const char *id, json_t **out, struct brig_err *e);
/* Array of states of every container under the root. */
int rt_list(const struct rt_global *g, json_t **out, struct brig_err *e);
int rt_kill(const struct rt_global *g, const char *id, int sig, bool all, struct brig_err *e);
int rt_delete(const struct rt_global *g, const char *id, bool force, struct brig_err *e);
/* Returns the exit status of the process (foreground) or 0 (detach), or
 * RT_EXEC_DETACHED when the detach keys ended a terminal's relay (the
 * process was left; it gets SIGHUP when its terminal's master closes). */
#define RT_EXEC_DETACHED 256
int rt_exec(const struct rt_global *g, const struct rt_exec_opts *o, struct brig_err *e);
int rt_ps(const struct rt_global *g, const char *id, pid_t **pids, size_t *n, struct brig_err *e);
int rt_pause(const struct rt_global *g, const char *id, bool pause, struct brig_err *e);
/* Receive the pty master a container sends over its console socket (one
 * connection of --console-socket's listener), as an O_CLOEXEC fd. */
int rt_recv_pty(int sock, int *master, struct brig_err *e);
/* Apply a linux.resources object (file: where it came from, for errors). */
int rt_update(const struct rt_global *g, const char *id, const json_t *resources, const char *file,
	      struct brig_err *e);
int rt_events_stats(const struct rt_global *g, const char *id, json_t **out, struct brig_err *e);

/*
 * The seccomp learning agent (docs/seccomp-learn.md): accept the listener
 * fds the runtime hands to a listenerPath socket (listen_fd, listening),
 * record every notified syscall and let it continue, until every listener
 * has hung up.  ctl_fd (owned, closed): when it closes before any listener
 * came, the container never started (-ECANCELED).  *out: {"architectures":
 * [SCMP_ARCH_*], "syscalls": {NAME: null | [argument values]}, "events": N};
 * the values are those of the argument brig's default profile restricts
 * (clone, unshare, socket, socketpair, personality, ioctl), null when there
 * were too many to keep.
 */
int rt_learn_agent(int listen_fd, int ctl_fd, json_t **out, struct brig_err *e);

/* `spec --runc-compatible [--rootless]`: runc's shape (no user namespace
 * unless rootless, a short seccomp deny-list, no memory limit) with brig's
 * capability set, rlimits, pids limit and tmpfs mounts. */
json_t *rt_default_spec(bool rootless);

/* The annotation brig-runtime reads for mount flags of the rootfs bind
 * ("nosuid,nodev"; runc ignores it). */
#define RT_ANN_ROOTFS_OPTIONS "org.brig.runtime.rootfs-options"

/* The annotation of `--security-opt landlock=RULES`: a Landlock ruleset
 * brig-runtime applies inside the container (docs/landlock.md); runtimes
 * that do not know it ignore it. */
#define RT_ANN_LANDLOCK "run.brig.landlock"

/* `spec`'s default user namespace range (host ids, for uid and gid): above
 * the subordinate ids scripts/setup.sh gives the user brig (1073741824 +
 * 1073741824), so containers of `brig run` never share it. */
#define RT_SPEC_USERNS_HOST 3221225472U
#define RT_SPEC_USERNS_SIZE 65536U
/* `spec`'s default memory limit (memory+swap too: no swap), brig run's. */
#define RT_SPEC_MEMORY (1LL << 30)

struct rt_hardened_opts {
	bool rootless; /* map the caller's own ids instead of the range */
	uint32_t userns_host, userns_size; /* container 0.. -> host range */
	/* linux.seccomp as JSON text: brig's allow-list profile, converted
	 * at build time (see src/cli/runtime/meson.build). */
	const char *seccomp;
};

/* `spec`: rt_default_spec plus a user namespace, the allow-list seccomp
 * profile, a memory limit and a nosuid,nodev rootfs.  NULL with e filled. */
json_t *rt_hardened_spec(const struct rt_hardened_opts *o, struct brig_err *e);
/* The runtime-spec features document. */
json_t *rt_features(void);

/* A user namespace mapping container ids 0..size-1 to host_uid.. and
 * host_gid.. (an fd of it, O_CLOEXEC), for idmapped mounts
 * (mount_setattr MOUNT_ATTR_IDMAP). */
int rt_userns_open(uint32_t host_uid, uint32_t host_gid, uint32_t size, struct brig_err *e);
/* A new user namespace (an fd of it, O_CLOEXEC): a helper process enters
 * it, map(pid, arg) writes the helper's maps, and the helper ends once the
 * fd is open (runtime/mount/idmap.c). */
int rt_userns_make(int (*map)(pid_t pid, void *arg, struct brig_err *e), void *arg,
		   struct brig_err *e);
/* A new network namespace owned by the user namespace usfd (an fd of it,
 * O_CLOEXEC), made by such a helper: what a caller without privileges can
 * name to the runtime and to pasta, where the container's own, made by its
 * init before it is dumpable, cannot be opened (runtime/mount/idmap.c). */
int rt_netns_make(int usfd, struct brig_err *e);
/* Write pid's uid_map (gid_map with gid) with the setuid newuidmap
 * (newgidmap), as a caller other than root must: n triples of container
 * id, host id, size. */
int rt_newidmap(pid_t pid, bool gid, const uint32_t (*m)[3], size_t n, struct brig_err *e);

/*
 * CVE-2019-5736 protection: make sure this process runs from a sealed,
 * unwritable memfd copy of its own binary, re-executing itself if needed.
 * Call first thing in main() of any program that enters containers.
 */
int rt_ensure_sealed_self(char **argv, char **envp, struct brig_err *e);

/*
 * Start-up clock readings (bench/start-profile.sh): rt_trace_init() reads
 * BRIG_TRACE_FD; rt_trace(PHASE) then writes "PHASE SECONDS PID" to that
 * fd when PHASE ends.  Off (the default) it costs one comparison.
 */
extern int rt_trace_fd;
void rt_trace_init(void);
void rt_trace_emit(const char *phase);
static inline void rt_trace(const char *phase)
{
	if (rt_trace_fd >= 0)
		rt_trace_emit(phase);
}

#endif /* BRIG_RUNTIME_H */
