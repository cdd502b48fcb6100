/* SPDX-License-Identifier: Apache-2.0 */
/* Private to the engine: the monitor of one container (monitor.c). */
#ifndef BRIG_ENG_MONITOR_H
#define BRIG_ENG_MONITOR_H

#include "engine/engine-internal.h"

struct eng_logw;

struct eng_mon {
	char id[ENG_ID_LEN + 1];
	bool attach; /* foreground: tee output, forward signals, stdin */
	bool lean; /* background: wait as brig-monitor (lean.c) */
	bool tty, interactive;
	int dirfd, lockfd; /* the container directory; monitor.lock (held) */
	int rootfs_fd; /* the detached rootfs mount (tty: until create) */
	int out_r, err_r; /* the container's stdout and stderr pipes */
	int pidfd, sigfd, tee_out, tee_err;
	pid_t pid; /* the container's init (our child) */
	int status; /* its exit status, 0-255 */
	int tty_status;
	struct eng_logw *log;
	json_t *rec; /* the record as it was at the start */
};
#define ENG_MON_INIT                                                                               \
	{                                                                                          \
		.dirfd = -1, .lockfd = -1, .rootfs_fd = -1, .out_r = -1, .err_r = -1, .pidfd = -1, \
		.sigfd = -1, .tee_out = -1, .tee_err = -1                                          \
	}

/* Take monitor.lock, read the record, make the rootfs mount and open the
 * log; then, unless this is a foreground terminal, create and start the
 * container (m->pid). */
int eng_mon_begin(struct eng *g, const char *id, struct eng_mon *m, struct brig_err *e);
/* Until the container has exited (m->status); with a terminal, this is
 * where it is created, run and waited for. */
int eng_mon_wait(struct eng *g, struct eng_mon *m, struct brig_err *e);
void eng_mon_free(struct eng_mon *m);
/* lean.c: become brig-monitor until the container exits (returns only on
 * failure, with everything as it was). */
struct eng_restart_state;
int eng_mon_exec_lean(struct eng *g, struct eng_mon *m, const struct eng_restart_state *rs,
		      struct brig_err *e);
/* --log-opt max-size / max-file of the record (defaults when absent). */
void eng_log_limits(const json_t *rec, uint64_t *max_size, unsigned *max_files);

/* After the container exited and its runtime state was removed: make it
 * again (a fresh rootfs mount, pipes and runtime container; the log file
 * goes on) and start it (m->pid).  Not for a terminal. */
int eng_mon_recreate(struct eng *g, struct eng_mon *m, struct brig_err *e);

/* Did the kernel OOM-kill a process in the container's cgroup?  Asked after
 * its init exited and before its runtime state is removed. */
bool eng_mon_oom_killed(struct eng *g, const char *id);

/*
 * Restart policies (HostConfig.RestartPolicy).  The back-off before a
 * restart starts at ENG_RESTART_BACKOFF_MIN_MS, doubles with each restart up
 * to ENG_RESTART_BACKOFF_MAX_MS, and is reset once the container has stayed
 * up for ENG_RESTART_RESET_MS.  Every policy is bounded by a ceiling of
 * restarts (eng_restart_ceiling()).
 */
#define ENG_RESTART_CEILING_DEFAULT 1000
#define ENG_RESTART_BACKOFF_MIN_MS 100L
#define ENG_RESTART_BACKOFF_MAX_MS 60000L
#define ENG_RESTART_RESET_MS 10000L
/* "stop-requested": made by stop, kill and rm -f, removed by start; a
 * container whose directory has it is never restarted. */
#define ENG_STOP_MARKER "stop-requested"

struct eng_restart_state {
	enum eng_restart policy;
	int64_t max_retries; /* on-failure:N (0: up to the ceiling) */
	int64_t ceiling; /* restarts at most, whatever the policy */
	int64_t count; /* restarts made (RestartCount) */
	long backoff_ms; /* the wait before the next restart */
	int64_t backoff_max_ms; /* its cap (engine config restart-backoff-max) */
	int64_t started_ms; /* CLOCK_MONOTONIC when the current run began */
};

/* The ceiling of restarts: the engine config's restart-ceiling. */
int64_t eng_restart_ceiling(const struct eng *g);
/* From the record (HostConfig.RestartPolicy; count 0: a monitor's life
 * begins with a start by hand, which resets RestartCount as Docker's). */
int eng_restart_init(struct eng *g, const json_t *rec, struct eng_restart_state *rs,
		     struct brig_err *e);
/* Whether a run that ended with status is to be restarted (the back-off is
 * brought up to date as a side effect: reset after a long run). */
bool eng_restart_wanted(struct eng_restart_state *rs, int status, bool stop_requested);
/* Wait out the back-off, or until a stop is requested (returns false). */
bool eng_restart_backoff(struct eng_restart_state *rs, int dirfd);
/* Stop marker helpers. */
int eng_stop_mark(int dirfd, struct brig_err *e);
bool eng_stop_marked(int dirfd);
int eng_stop_unmark(int dirfd, struct brig_err *e);
int64_t eng_mono_ms(void);

#endif
