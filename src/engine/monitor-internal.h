/* SPDX-License-Identifier: Apache-2.0 */
/* Private to the engine: the monitor of one container (monitor.c). */
#ifndef BRIG_ENG_MONITOR_H
#define BRIG_ENG_MONITOR_H

#include "engine/engine-internal.h"
#include "engine/record-internal.h"

struct eng_logw;
struct eng_attsrv;

struct eng_mon {
	char id[ENG_ID_LEN + 1];
	bool attach; /* foreground: tee output, forward signals, stdin */
	bool lean; /* background: wait as brig-monitor (monitor_handoff.c) */
	bool tty, interactive;
	bool hold; /* a client attaches at once: keep the output for it */
	int dirfd, lockfd; /* the container directory; monitor.lock (held) */
	int rootfs_fd; /* the detached rootfs mount (tty: until create) */
	int userns_fd; /* rootless overlay: the user namespace it was made in */
	int out_r, err_r; /* the container's stdout and stderr pipes (-t: out_r,
			   * the terminal's master, until the relay has it) */
	int pidfd, sigfd;
	pid_t pid; /* the container's init (our child) */
	pid_t relay; /* foreground: the output or terminal relay (fg_relay.c), or -1 */
	int status; /* its exit status, 0-255 */
	int learn_done; /* seccomp=learn: EOF when the learner is done (learn-internal.h) */
	struct eng_logw *log;
	struct eng_attsrv *att; /* background -i/-t: brig attach's socket (attach.c) */
	struct eng_record rec; /* the record as it was at the start */
};
#define ENG_MON_INIT                                                                      \
	{                                                                                 \
		.dirfd = -1, .lockfd = -1, .rootfs_fd = -1, .userns_fd = -1, .out_r = -1, \
		.err_r = -1, .pidfd = -1, .sigfd = -1, .learn_done = -1, .relay = -1,     \
		.rec = {.stop_timeout = -1 }                                              \
	}

/* Take monitor.lock, read the record, make the rootfs mount and open the
 * log; then create and start the container (m->pid), and in the
 * foreground start relaying its output or terminal. */
int eng_mon_begin(struct eng *g, const char *id, struct eng_mon *m, struct brig_err *e);
/* Until the container has exited (m->status). */
int eng_mon_wait(struct eng_mon *m, struct brig_err *e);
void eng_mon_free(struct eng_mon *m);
/* monitor_handoff.c: become brig-monitor until the container exits (returns only on
 * failure, with everything as it was). */
struct eng_restart_state;
int eng_mon_exec_lean(struct eng *g, struct eng_mon *m, const struct eng_restart_state *rs,
		      struct brig_err *e);
/* fg_relay.c: a foreground run, its container just made (with -t:
 * started, its terminal's master in m->out_r) and m->pidfd open: fork the
 * relay that alone reads the container's output, with the signals of
 * `block` blocked (brig forwards them; with -t it passes SIGWINCH on to
 * the relay); brig then holds neither pipe, terminal nor log (a relay that
 * cannot be forked: the output is not read, as one that failed).  eng_fg_relay_wait: once the init has exited, until the relay has
 * shown and logged the rest of the output. */
void eng_fg_relay_start(struct eng_mon *m, const sigset_t *block);
void eng_fg_relay_wait(struct eng_mon *m);
/* An exec -t in the foreground (rt_exec_opts' tty_relay): the same
 * confined relay for the exec's terminal, which also copies brig's stdin
 * to it, watching for keys. */
pid_t eng_exec_tty_relay(int master, pid_t pid, const struct rt_detach_keys *keys);

/* --log-opt max-size / max-file of the record (defaults when absent). */
void eng_log_limits(const struct eng_record *rec, uint64_t *max_size, unsigned *max_files);

/* After the container exited and its runtime state was removed: make it
 * again (a fresh rootfs mount, pipes and runtime container; the log file
 * goes on) and start it (m->pid).  Not for a terminal. */
int eng_mon_recreate(struct eng *g, struct eng_mon *m, struct brig_err *e);

/* Did the kernel OOM-kill a process in the container's cgroup?  Asked after
 * its init exited and before its runtime state is removed. */
bool eng_mon_oom_killed(struct eng *g, const char *id);

#include "engine/restart-internal.h"

/* supervise.c: a run, from its start to its end, and its restarts. */
struct eng_run_state {
	enum eng_status status;
	pid_t pid; /* running only */
	int exit_code;
	const char *error; /* NULL: none */
	int oom; /* State.OOMKilled: 0/1, -1 unchanged */
	int64_t restarts; /* RestartCount, -1 unchanged */
};
/* Write the state into the record; the caller holds the record lock. */
int eng_run_state_write(int dirfd, const char *id, const struct eng_run_state *a,
			struct brig_err *e);
/* The same into rec, the record as read under that lock and not changed on
 * disk since (no read of its 40 kB again); rec is changed as written. */
int eng_run_state_put(int dirfd, struct eng_record *rec, const struct eng_run_state *a,
		      struct brig_err *e);
/* The same under the record lock, warning on failure (the monitor). */
void eng_run_state_record(struct eng *g, const char *id, const struct eng_run_state *a);
void eng_emit_int(struct eng *g, const char *id, const char *action, const char *key, int64_t v);
/* The restart policy of m's record (none, with a warning, on error). */
void eng_run_policy(struct eng *g, struct eng_mon *m, struct eng_restart_state *rs);
/* A run has ended (m->status): record the end and tell; whether the policy
 * wants it run again. */
bool eng_run_ended(struct eng *g, struct eng_mon *m, struct eng_restart_state *rs,
		   const char *error);
/* Wait for the run that was started, then restart it as the policy says. */
void eng_supervise(struct eng *g, struct eng_mon *m);
/* A foreground run that its policy restarts: hand the restarts to a
 * background process. */
void eng_supervise_hand_off(struct eng *g, struct eng_mon *m, struct eng_restart_state *rs);
/* The monitor is done: its lock is let go, and --rm removes the container. */
void eng_supervise_finish(struct eng *g, struct eng_mon *m);
/* setsid, stdio on /dev/null, SIGPIPE and SIGHUP ignored. */
void eng_become_daemon(void);

#endif
