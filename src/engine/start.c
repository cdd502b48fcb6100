/* SPDX-License-Identifier: Apache-2.0 */
/*
 * start: the monitor is forked (twice, so it is nobody's child) for a
 * detached container, or brig itself is the monitor for a foreground one.
 *
 * start holds the record lock from its "is it running?" check until the
 * record says "running" with the init's pid, so two starts never race; the
 * monitor's own exit update waits for that lock, so it always lands after.
 */
#include "engine/monitor-internal.h"
#include "engine/events.h"
#include "engine/learn-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The monitor's life in the background; never returns. */
__attribute__((noreturn)) static void monitor_main(struct eng *g, const char *id, int ready,
						   bool hold)
{
	eng_become_daemon();
	struct eng_mon m = ENG_MON_INIT;
	m.hold = hold;
	struct brig_err e = { 0 };
	char msg[4096];
	if (eng_mon_begin(g, id, &m, &e) < 0) {
		/* The code too: run's 126/127 are told by it. */
		int n = snprintf(msg, sizeof(msg), "E%d:%s", e.code, brig_err_str(&e));
		(void)brig_write_all(ready, msg,
				     (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
		_exit(1);
	}
	int n = snprintf(msg, sizeof(msg), "O%d", (int)m.pid);
	(void)brig_write_all(ready, msg, (size_t)n);
	(void)close(ready);
	m.lean = true;
	eng_supervise(g, &m);
	eng_supervise_finish(g, &m);
	_exit(0);
}
/* Fork the monitor (twice, so it is nobody's child) and wait for it to
 * report the container running.  lockfd: the record lock we hold, which
 * the monitor must not keep. */
static int spawn_monitor(struct eng *g, const char *id, int lockfd, bool hold, pid_t *pid,
			 struct brig_err *e)
{
	int ready[2];
	if (pipe2(ready, O_CLOEXEC) < 0)
		return brig_err_sys(e, errno, "pipe");
	(void)fflush(NULL);
	pid_t child = fork();
	if (child < 0) {
		(void)close(ready[0]);
		(void)close(ready[1]);
		return brig_err_sys(e, errno, "fork");
	}
	if (child == 0) {
		(void)close(ready[0]);
		(void)close(lockfd);
		pid_t grandchild = fork();
		if (grandchild != 0)
			_exit(grandchild < 0 ? 1 : 0);
		monitor_main(g, id, ready[1], hold);
	}
	(void)close(ready[1]);
	(void)BRIG_RETRY(waitpid(child, NULL, 0));
	char msg[4096];
	ssize_t n = brig_read_all(ready[0], msg, sizeof(msg) - 1);
	(void)close(ready[0]);
	if (n <= 0)
		return brig_err_set(e, -EIO, "the container's monitor exited without a word");
	msg[n] = '\0';
	char *colon = msg[0] == 'E' ? strchr(msg, ':') : NULL;
	int64_t code = 0;
	if (colon) {
		*colon = '\0';
		if (brig_parse_i64(msg + 1, &code) < 0 || code >= 0 || code < -4095)
			code = -EIO;
		return brig_err_set(e, (int)code, "%s", colon + 1);
	}
	if (msg[0] == 'E')
		return brig_err_set(e, -EIO, "%s", msg + 1);
	int64_t v;
	if (msg[0] != 'O' || brig_parse_i64(msg + 1, &v) < 0 || v <= 0)
		return brig_err_set(e, -EPROTO, "the container's monitor said \"%s\"", msg);
	*pid = (pid_t)v;
	return 0;
}

int eng_start_error_code(struct brig_err *e)
{
	const char *msg = brig_err_str(e);
	if (strstr(msg, "exec: ") && e->code == -ENOENT)
		return 127;
	if (strstr(msg, "exec: ") && (e->code == -EACCES || e->code == -EPERM))
		return 126;
	return 128;
}

static int start_attached(struct eng *g, const char *id, int dirfd, int *lockfd, struct brig_err *e)
{
	struct eng_mon m = ENG_MON_INIT;
	m.attach = true;
	int r = eng_mon_begin(g, id, &m, e);
	if (r < 0) {
		eng_mon_free(&m);
		int code = eng_start_error_code(e);
		struct eng_run_state a = { .status = ENG_ST_EXITED,
					   .exit_code = code,
					   .error = brig_err_str(e),
					   .oom = -1,
					   .restarts = -1 };
		_cleanup_err_ struct brig_err e2 = { 0 };
		if (eng_run_state_write(dirfd, id, &a, &e2) < 0)
			brig_warn("container %.12s: %s", id, brig_err_str(&e2));
		return r;
	}
	struct eng_run_state a = {
		.status = ENG_ST_RUNNING, .pid = m.pid, .oom = 0, .restarts = 0
	};
	/* m.rec was read under the record lock held since (lockfd). */
	if ((r = eng_run_state_put(dirfd, &m.rec, &a, e)) < 0)
		brig_warn("container %.12s: %s", id, brig_err_str(e));
	(void)eng_event_emit_as(g, id, m.rec.name, m.rec.image_ref, "start", NULL);
	(void)close(*lockfd);
	*lockfd = -1;
	struct eng_restart_state rs;
	eng_run_policy(g, &m, &rs);
	_cleanup_err_ struct brig_err e2 = { 0 };
	const char *error = NULL;
	if ((r = eng_mon_wait(&m, &e2)) < 0) {
		m.status = eng_start_error_code(&e2);
		error = brig_err_str(&e2);
	}
	eng_learn_wait(&m.learn_done); /* seccomp=learn: FILE is written */
	int status = m.status;
	if (eng_run_ended(g, &m, &rs, error))
		eng_supervise_hand_off(g, &m, &rs);
	eng_supervise_finish(g, &m);
	if (r < 0)
		return brig_err_set(e, r, "%s", error);
	return status;
}

int eng_start(struct eng *g, const char *id, enum eng_attach how, struct brig_err *e)
{
	_cleanup_close_ int dirfd = eng_ctr_open(g, id, e);
	if (dirfd < 0)
		return dirfd;
	_cleanup_close_ int lockfd = brig_lock_path(dirfd, ENG_LOCK, BRIG_LOCK_EXCLUSIVE, true, e);
	if (lockfd < 0)
		return lockfd;
	if (eng_monitor_alive(dirfd))
		return brig_err_set(e, -EBUSY, "container %.12s is already running", id);
	int r = eng_orphan_reap(g, id, dirfd, true, e);
	if (r < 0)
		return r;
	r = eng_stop_unmark(dirfd, e); /* started by hand: restarts are wanted again */
	if (r < 0)
		return r;
	if (how == ENG_ATTACH)
		return start_attached(g, id, dirfd, &lockfd, e);
	pid_t pid = 0;
	r = spawn_monitor(g, id, lockfd, how == ENG_DETACH_ATTACH, &pid, e);
	int code = r < 0 ? eng_start_error_code(e) : 0;
	struct eng_run_state a = { .status = r < 0 ? ENG_ST_EXITED : ENG_ST_RUNNING,
				   .pid = pid,
				   .exit_code = code,
				   .error = r < 0 ? brig_err_str(e) : NULL,
				   .oom = 0,
				   .restarts = 0 };
	_cleanup_err_ struct brig_err e2 = { 0 };
	if (eng_run_state_write(dirfd, id, &a, &e2) < 0)
		brig_warn("container %.12s: %s", id, brig_err_str(&e2));
	/* Under the record lock still: the monitor's "die" comes after. */
	if (r == 0)
		(void)eng_event_emit(g, id, "start", NULL);
	return r;
}
