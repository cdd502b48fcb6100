/* SPDX-License-Identifier: Apache-2.0 */
/* Private to the engine: the monitor of one container (monitor.c). */
#ifndef BRIG_ENG_MONITOR_H
#define BRIG_ENG_MONITOR_H

#include "engine/engine-internal.h"
#include "engine/record-internal.h"

struct eng_logw;

struct eng_mon {
	char id[ENG_ID_LEN + 1];
	bool attach; /* foreground: tee output, forward signals, stdin */
	bool lean; /* background: wait as brig-monitor (monitor_handoff.c) */
	bool tty, interactive;
	int dirfd, lockfd; /* the container directory; monitor.lock (held) */
	int rootfs_fd; /* the detached rootfs mount (tty: until create) */
	int out_r, err_r; /* the container's stdout and stderr pipes */
	int pidfd, sigfd, tee_out, tee_err;
	pid_t pid; /* the container's init (our child) */
	int status; /* its exit status, 0-255 */
	int tty_status;
	struct eng_logw *log;
	struct eng_record rec; /* the record as it was at the start */
};
#define ENG_MON_INIT                                                                               \
	{                                                                                          \
		.dirfd = -1, .lockfd = -1, .rootfs_fd = -1, .out_r = -1, .err_r = -1, .pidfd = -1, \
		.sigfd = -1, .tee_out = -1, .tee_err = -1,                                         \
		.rec = {.stop_timeout = -1 }                                                       \
	}

/* Take monitor.lock, read the record, make the rootfs mount and open the
 * log; then, unless this is a foreground terminal, create and start the
 * container (m->pid). */
int eng_mon_begin(struct eng *g, const char *id, struct eng_mon *m, struct brig_err *e);
/* Until the container has exited (m->status); with a terminal, this is
 * where it is created, run and waited for. */
int eng_mon_wait(struct eng *g, struct eng_mon *m, struct brig_err *e);
void eng_mon_free(struct eng_mon *m);
/* monitor_handoff.c: become brig-monitor until the container exits (returns only on
 * failure, with everything as it was). */
struct eng_restart_state;
int eng_mon_exec_lean(struct eng *g, struct eng_mon *m, const struct eng_restart_state *rs,
		      struct brig_err *e);
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

#endif
