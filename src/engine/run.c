/* SPDX-License-Identifier: Apache-2.0 */
/*
 * start, stop, kill, wait.
 *
 * start holds the record lock from its "is it running?" check until the
 * record says "running" with the init's pid, so two starts never race; the
 * monitor's own exit update waits for that lock, so it always lands after.
 */
#include "engine/engine-internal.h"
#include "engine/monitor-internal.h"
#include "engine/record-internal.h"
#include "engine/events.h"
#include "engine/logs/logs.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct state_arg {
	const char *status; /* running, restarting or exited */
	pid_t pid;
	int exit_code;
	const char *error;
	int oom; /* State.OOMKilled: 0/1, -1 unchanged */
	int64_t restarts; /* RestartCount, -1 unchanged */
};

static int set_state(struct eng_record *rec, void *arg, struct brig_err *e)
{
	const struct state_arg *a = arg;
	enum eng_status st = strcmp(a->status, "running") == 0 ? ENG_ST_RUNNING
		: strcmp(a->status, "restarting") == 0         ? ENG_ST_RESTARTING
							       : ENG_ST_EXITED;
	int r = eng_record_set_state(rec, st, a->pid, a->exit_code, a->error, e);
	if (r < 0)
		return r;
	if (a->oom >= 0)
		rec->state.oom_killed = a->oom;
	if (a->restarts >= 0)
		rec->restart_count = a->restarts;
	return 0;
}

static int write_state(int dirfd, const char *id, const struct state_arg *a, struct brig_err *e)
{
	_cleanup_record_ struct eng_record rec;
	int r = eng_record_load(dirfd, id, &rec, e);
	if (r == 0 && (r = set_state(&rec, (void *)a, e)) == 0)
		r = eng_record_write(dirfd, &rec, e);
	return r;
}

/* The monitor's record updates (under the record lock). */
static void record(struct eng *g, const char *id, const struct state_arg *a)
{
	_cleanup_err_ struct brig_err e = { 0 };
	if (eng_record_update(g, id, set_state, (void *)a, &e) < 0)
		brig_warn("container %.12s: recording its state: %s", id, brig_err_str(&e));
}

static void emit_int(struct eng *g, const char *id, const char *action, const char *key, int64_t v)
{
	_cleanup_json_ json_t *attrs = json_pack("{s:I}", key, (json_int_t)v);
	(void)eng_event_emit(g, id, action, attrs);
}

static void remove_runtime(struct eng *g, const char *id)
{
	_cleanup_err_ struct brig_err e = { 0 };
	if (rt_delete(&g->rt, id, true, &e) < 0 && e.code != -ENOENT)
		brig_warn("container %.12s: removing runtime state: %s", id, brig_err_str(&e));
	(void)rmdir(g->rt_root); /* when it was the last one running */
}

/* A run has ended (m->status): ask about an OOM kill while the cgroup is
 * still there, remove the runtime state, record the end and tell.  Returns
 * whether the restart policy wants it run again. */
static bool run_ended(struct eng *g, struct eng_mon *m, struct eng_restart_state *rs,
		      const char *error)
{
	bool oom = eng_mon_oom_killed(g, m->id);
	remove_runtime(g, m->id);
	bool again = !error && !m->tty &&
		eng_restart_wanted(rs, m->status, eng_stop_marked(m->dirfd));
	struct state_arg a = { .status = again ? "restarting" : "exited",
			       .exit_code = m->status,
			       .error = error,
			       .oom = oom,
			       .restarts = -1 };
	record(g, m->id, &a);
	if (oom)
		(void)eng_event_emit(g, m->id, "oom", NULL);
	emit_int(g, m->id, "die", "exitCode", m->status);
	return again;
}

/* Wait for the run to end: in the background as brig-monitor (the pid
 * and fds live on; brig comes back as `__monitor-resume`), else here. */
static int wait_run(struct eng *g, struct eng_mon *m, const struct eng_restart_state *rs,
		    struct brig_err *e)
{
	if (m->lean) {
		_cleanup_err_ struct brig_err e2 = { 0 };
		(void)eng_mon_exec_lean(g, m, rs, &e2);
		brig_debug("container %.12s: waiting in brig: %s", m->id, brig_err_str(&e2));
		uint64_t size;
		unsigned files;
		eng_log_limits(&m->rec, &size, &files);
		brig_err_clear(&e2);
		if (!m->log && eng_logw_open(m->dirfd, ENG_LOG, size, files, &m->log, &e2) < 0)
			brig_warn("container %.12s: logging: %s", m->id, brig_err_str(&e2));
	}
	return eng_mon_wait(g, m, e);
}

/* Make and start the container again after its back-off. */
static int restart_once(struct eng *g, struct eng_mon *m, struct eng_restart_state *rs)
{
	_cleanup_err_ struct brig_err e = { 0 };
	rs->count++;
	int r = eng_mon_recreate(g, m, &e);
	if (r < 0) {
		brig_warn("container %.12s: restarting: %s", m->id, brig_err_str(&e));
		remove_runtime(g, m->id);
		struct state_arg a = { .status = "exited",
				       .exit_code = 128,
				       .error = brig_err_str(&e),
				       .oom = -1,
				       .restarts = rs->count };
		record(g, m->id, &a);
		emit_int(g, m->id, "die", "exitCode", 128);
		return r;
	}
	rs->started_ms = eng_mono_ms();
	struct state_arg a = {
		.status = "running", .pid = m->pid, .oom = 0, .restarts = rs->count
	};
	record(g, m->id, &a);
	(void)eng_event_emit(g, m->id, "restart", NULL);
	(void)eng_event_emit(g, m->id, "start", NULL);
	/* A stop that came while it was being made found nothing to signal. */
	brig_err_clear(&e);
	if (eng_stop_marked(m->dirfd) && rt_kill(&g->rt, m->id, SIGKILL, true, &e) < 0)
		brig_debug("container %.12s: %s", m->id, brig_err_str(&e));
	return 0;
}

/* Back off, restart, wait, as long as the policy wants it. */
static void restart_loop(struct eng *g, struct eng_mon *m, struct eng_restart_state *rs)
{
	while (eng_restart_backoff(rs, m->dirfd)) {
		if (restart_once(g, m, rs) < 0)
			return;
		_cleanup_err_ struct brig_err e = { 0 };
		const char *error = NULL;
		if (wait_run(g, m, rs, &e) < 0)
			error = brig_err_str(&e);
		if (!run_ended(g, m, rs, error))
			return;
	}
	/* Stopped while waiting: it stays down. */
	struct state_arg a = {
		.status = "exited", .exit_code = m->status, .oom = -1, .restarts = -1
	};
	record(g, m->id, &a);
}

/* The monitor is done: the monitor lock is let go, and --rm removes it. */
static void finish(struct eng *g, struct eng_mon *m)
{
	bool rm = m->rec.auto_remove;
	eng_mon_free(m);
	_cleanup_err_ struct brig_err e = { 0 };
	if (!rm)
		return;
	if (eng_destroy(g, m->id, &e) < 0)
		brig_warn("container %.12s: --rm: %s", m->id, brig_err_str(&e));
}

static void policy_of(struct eng *g, struct eng_mon *m, struct eng_restart_state *rs)
{
	_cleanup_err_ struct brig_err e = { 0 };
	if (eng_restart_init(g, &m->rec, rs, &e) < 0) {
		brig_warn("container %.12s: not restarted: %s", m->id, brig_err_str(&e));
		rs->policy = ENG_RESTART_NO;
	}
}

/* Wait for the run that was started, then restart it as the policy says. */
static void supervise(struct eng *g, struct eng_mon *m)
{
	struct eng_restart_state rs;
	policy_of(g, m, &rs);
	_cleanup_err_ struct brig_err e = { 0 };
	const char *error = NULL;
	if (wait_run(g, m, &rs, &e) < 0)
		error = brig_err_str(&e);
	if (run_ended(g, m, &rs, error))
		restart_loop(g, m, &rs);
}

int eng_monitor_resume(struct eng *g, const char *id, int lockfd, int status,
		       const struct eng_resume *st, struct brig_err *e)
{
	struct eng_mon m = ENG_MON_INIT;
	m.lean = true;
	m.lockfd = lockfd;
	m.status = status;
	int fl = fcntl(lockfd, F_GETFD);
	if (fl < 0 || fcntl(lockfd, F_SETFD, fl | FD_CLOEXEC) < 0)
		return brig_err_sys(e, errno, "--lock-fd %d", lockfd);
	int r;
	if ((m.dirfd = r = eng_ctr_open(g, id, e)) < 0 ||
	    (r = eng_record_load(m.dirfd, id, &m.rec, e)) < 0) {
		eng_mon_free(&m);
		return r;
	}
	memcpy(m.id, id, ENG_ID_LEN + 1);
	struct eng_restart_state rs;
	policy_of(g, &m, &rs);
	rs.count = st->restarts;
	rs.backoff_ms = st->backoff_ms;
	rs.started_ms = st->started_ms;
	if (run_ended(g, &m, &rs, NULL))
		restart_loop(g, &m, &rs);
	finish(g, &m);
	return 0;
}

static void become_daemon(void)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (setsid() < 0 || null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
		_exit(1);
	(void)close(null);
	(void)signal(SIGPIPE, SIG_IGN);
	(void)signal(SIGHUP, SIG_IGN);
}

/* The monitor's life in the background; never returns. */
__attribute__((noreturn)) static void monitor_main(struct eng *g, const char *id, int ready)
{
	become_daemon();
	struct eng_mon m = ENG_MON_INIT;
	struct brig_err e = { 0 };
	char msg[4096];
	if (eng_mon_begin(g, id, &m, &e) < 0) {
		int n = snprintf(msg, sizeof(msg), "E%s", brig_err_str(&e));
		(void)brig_write_all(ready, msg,
				     (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
		_exit(1);
	}
	int n = snprintf(msg, sizeof(msg), "O%d", (int)m.pid);
	(void)brig_write_all(ready, msg, (size_t)n);
	(void)close(ready);
	m.lean = true;
	supervise(g, &m);
	finish(g, &m);
	_exit(0);
}
/* Fork the monitor (twice, so it is nobody's child) and wait for it to
 * report the container running.  lockfd: the record lock we hold, which
 * the monitor must not keep. */
static int spawn_monitor(struct eng *g, const char *id, int lockfd, pid_t *pid, struct brig_err *e)
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
		monitor_main(g, id, ready[1]);
	}
	(void)close(ready[1]);
	(void)BRIG_RETRY(waitpid(child, NULL, 0));
	char msg[4096];
	ssize_t n = brig_read_all(ready[0], msg, sizeof(msg) - 1);
	(void)close(ready[0]);
	if (n <= 0)
		return brig_err_set(e, -EIO, "the container's monitor exited without a word");
	msg[n] = '\0';
	if (msg[0] == 'E')
		return brig_err_set(e, -EIO, "%s", msg + 1);
	int64_t v;
	if (msg[0] != 'O' || brig_parse_i64(msg + 1, &v) < 0 || v <= 0)
		return brig_err_set(e, -EPROTO, "the container's monitor said \"%s\"", msg);
	*pid = (pid_t)v;
	return 0;
}

/* A foreground run that its policy restarts: the waiting and restarting
 * go on in a background monitor, which inherits the monitor lock (the OFD
 * lock stays held as long as one of its fds is open). */
static void hand_off(struct eng *g, struct eng_mon *m, struct eng_restart_state *rs)
{
	(void)fflush(NULL);
	pid_t child = fork();
	if (child < 0) {
		brig_warn("container %.12s: not restarted: fork: %s", m->id, strerror(errno));
		struct state_arg a = {
			.status = "exited", .exit_code = m->status, .oom = -1, .restarts = -1
		};
		record(g, m->id, &a);
		return;
	}
	if (child > 0)
		return;
	become_daemon();
	sigset_t all;
	sigfillset(&all);
	(void)sigprocmask(SIG_UNBLOCK, &all, NULL);
	int *fds[] = { &m->sigfd, &m->tee_out, &m->tee_err };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(fds); i++)
		if (*fds[i] >= 0) {
			(void)close(*fds[i]);
			*fds[i] = -1;
		}
	m->attach = m->interactive = false;
	m->lean = true;
	restart_loop(g, m, rs);
	finish(g, m);
	_exit(0);
}

static int start_attached(struct eng *g, const char *id, int dirfd, int *lockfd, struct brig_err *e)
{
	struct eng_mon m = ENG_MON_INIT;
	m.attach = true;
	int r = eng_mon_begin(g, id, &m, e);
	if (r < 0) {
		eng_mon_free(&m);
		return r;
	}
	struct state_arg a = { .status = "running", .pid = m.pid, .oom = 0, .restarts = 0 };
	if ((r = write_state(dirfd, id, &a, e)) < 0)
		brig_warn("container %.12s: %s", id, brig_err_str(e));
	(void)eng_event_emit(g, id, "start", NULL);
	(void)close(*lockfd);
	*lockfd = -1;
	struct eng_restart_state rs;
	policy_of(g, &m, &rs);
	_cleanup_err_ struct brig_err e2 = { 0 };
	const char *error = NULL;
	if ((r = eng_mon_wait(g, &m, &e2)) < 0)
		error = brig_err_str(&e2);
	int status = m.status;
	if (run_ended(g, &m, &rs, error))
		hand_off(g, &m, &rs);
	finish(g, &m);
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
	int r = eng_stop_unmark(dirfd, e); /* started by hand: restarts are wanted again */
	if (r < 0)
		return r;
	if (how == ENG_ATTACH)
		return start_attached(g, id, dirfd, &lockfd, e);
	pid_t pid = 0;
	r = spawn_monitor(g, id, lockfd, &pid, e);
	struct state_arg a = { .status = r < 0 ? "exited" : "running",
			       .pid = pid,
			       .exit_code = r < 0 ? 128 : 0,
			       .error = r < 0 ? brig_err_str(e) : NULL,
			       .oom = 0,
			       .restarts = 0 };
	_cleanup_err_ struct brig_err e2 = { 0 };
	if (write_state(dirfd, id, &a, &e2) < 0)
		brig_warn("container %.12s: %s", id, brig_err_str(&e2));
	/* Under the record lock still: the monitor's "die" comes after. */
	if (r == 0)
		(void)eng_event_emit(g, id, "start", NULL);
	return r;
}

/* Is the container waiting for a restart (no runtime state to signal)? */
static bool restarting(int dirfd, const char *id)
{
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_record_ struct eng_record rec;
	if (eng_record_load(dirfd, id, &rec, &e) < 0)
		return false;
	return rec.state.status == ENG_ST_RESTARTING;
}

/* Stop, kill and rm -f are never undone by the restart policy: the marker
 * goes down before the signal, and the monitor looks for it before it
 * restarts (and wakes from its back-off when it appears). */
int eng_kill(struct eng *g, const char *id, int sig, struct brig_err *e)
{
	_cleanup_close_ int dirfd = eng_ctr_open(g, id, e);
	if (dirfd < 0)
		return dirfd;
	if (!eng_monitor_alive(dirfd))
		return brig_err_set(e, -ESRCH, "container %.12s is not running", id);
	int r = eng_stop_mark(dirfd, e);
	if (r < 0)
		return brig_err_wrap(e, "container %.12s", id);
	emit_int(g, id, "kill", "signal", sig);
	r = rt_kill(&g->rt, id, sig, false, e);
	if ((r == -ENOENT || r == -ESRCH) && restarting(dirfd, id)) {
		brig_err_clear(e);
		return 0; /* the monitor ends its wait */
	}
	if (r == -ENOENT)
		return brig_err_set(e, -ESRCH, "container %.12s is not running", id);
	return r;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Poll until the monitor is gone or ms have passed; 1 when gone. */
static int gone_within(struct eng *g, const char *id, long ms)
{
	for (long t = 0;; t += 20) {
		if (!eng_running(g, id))
			return 1;
		if (t >= ms)
			return 0;
		sleep_ms(20);
	}
}

int eng_stop(struct eng *g, const char *id, int timeout, struct brig_err *e)
{
	_cleanup_close_ int dirfd = eng_ctr_open(g, id, e);
	if (dirfd < 0)
		return dirfd;
	_cleanup_record_ struct eng_record rec;
	int r = eng_record_load(dirfd, id, &rec, e);
	if (r < 0)
		return r;
	if (!eng_monitor_alive(dirfd))
		return 0;
	if ((r = eng_stop_mark(dirfd, e)) < 0)
		return brig_err_wrap(e, "container %.12s", id);
	int sig = rec.stop_signal ? brig_parse_signal(rec.stop_signal) : SIGTERM;
	if (sig <= 0)
		sig = SIGTERM;
	if (timeout < 0)
		timeout = rec.stop_timeout >= 0 ? rec.stop_timeout : ENG_DEFAULT_STOP_TIMEOUT;
	_cleanup_err_ struct brig_err e2 = { 0 };
	emit_int(g, id, "kill", "signal", sig);
	if (rt_kill(&g->rt, id, sig, false, &e2) < 0)
		brig_debug("stop %.12s: %s", id, brig_err_str(&e2));
	if (!gone_within(g, id, (long)timeout * 1000)) {
		brig_err_clear(&e2);
		emit_int(g, id, "kill", "signal", SIGKILL);
		if (rt_kill(&g->rt, id, SIGKILL, true, &e2) < 0)
			brig_debug("stop %.12s: %s", id, brig_err_str(&e2));
		if (eng_wait(g, id, e) < 0)
			return e->code;
	}
	(void)eng_event_emit(g, id, "stop", NULL);
	return 0;
}

int eng_wait(struct eng *g, const char *id, struct brig_err *e)
{
	_cleanup_close_ int dirfd = eng_ctr_open(g, id, e);
	if (dirfd < 0)
		return dirfd;
	int r = eng_monitor_wait(dirfd, e);
	if (r < 0)
		return r;
	_cleanup_record_ struct eng_record rec;
	if ((r = eng_record_load(dirfd, id, &rec, e)) < 0) {
		/* Removed by --rm once it ended: the exit is gone with it. */
		return r;
	}
	return rec.state.exit_code;
}
