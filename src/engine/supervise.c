/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Supervision: a run of a container from the start its monitor made to its
 * end, written into the record; then the restart policy (restart.c) asked,
 * and the container made and started again after its back-off for as long
 * as the policy wants.  Runs in the monitor: a background process (start.c),
 * brig itself for a foreground run, or brig again as `__monitor-resume`
 * after brig-monitor saw the exit (monitor_handoff.c).
 */
#include "engine/monitor-internal.h"
#include "engine/attach-internal.h"
#include "engine/health-internal.h"
#include "engine/netcfg/net-internal.h"
#include "engine/events.h"
#include "engine/logs/logs.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int run_state_set(struct eng_record *rec, void *arg, struct brig_err *e)
{
	const struct eng_run_state *a = arg;
	int r = eng_record_set_state(rec, a->status, a->pid, a->exit_code, a->error, e);
	if (r < 0 || (r = eng_health_on_state(rec, a->status, e)) < 0)
		return r;
	if (a->oom >= 0)
		rec->state.oom_killed = a->oom;
	if (a->restarts >= 0)
		rec->restart_count = a->restarts;
	return 0;
}

int eng_run_state_put(int dirfd, struct eng_record *rec, const struct eng_run_state *a,
		      struct brig_err *e)
{
	int r = run_state_set(rec, (void *)a, e);
	return r < 0 ? r : eng_record_write(dirfd, rec, e);
}

int eng_run_state_write(int dirfd, const char *id, const struct eng_run_state *a,
			struct brig_err *e)
{
	_cleanup_record_ struct eng_record rec;
	int r = eng_record_load(dirfd, id, &rec, e);
	return r < 0 ? r : eng_run_state_put(dirfd, &rec, a, e);
}

/* The monitor's record updates (under the record lock). */
void eng_run_state_record(struct eng *g, const char *id, const struct eng_run_state *a)
{
	_cleanup_err_ struct brig_err e = { 0 };
	if (eng_record_update(g, id, run_state_set, (void *)a, &e) < 0)
		brig_warn("container %.12s: recording its state: %s", id, brig_err_str(&e));
}

/* run_state_set, keeping the record's name and image for the events that
 * follow (read under the record lock: a rename meanwhile is seen). */
struct ended_update {
	const struct eng_run_state *a;
	char *name, *image;
};

static int ended_set(struct eng_record *rec, void *arg, struct brig_err *e)
{
	struct ended_update *u = arg;
	int r = run_state_set(rec, (void *)u->a, e);
	if (r == 0 &&
	    ((rec->name && !(u->name = strdup(rec->name))) ||
	     (rec->image_ref && !(u->image = strdup(rec->image_ref)))))
		r = brig_err_oom(e);
	return r;
}

void eng_emit_int(struct eng *g, const char *id, const char *action, const char *key, int64_t v)
{
	_cleanup_json_ json_t *attrs = json_pack("{s:I}", key, (json_int_t)v);
	(void)eng_event_emit(g, id, action, attrs);
}

static void remove_runtime(struct eng *g, const char *id)
{
	_cleanup_err_ struct brig_err e = { 0 };
	if (rt_delete(&g->rt, id, true, &e) < 0 && e.code != -ENOENT)
		brig_warn("container %.12s: removing runtime state: %s", id, brig_err_str(&e));
	eng_netns_release(g, id); /* and with it pasta */
	(void)rmdir(g->rt_root); /* when it was the last one running */
}

/* A run has ended (m->status): ask about an OOM kill while the cgroup is
 * still there, remove the runtime state, record the end and tell.  Returns
 * whether the restart policy wants it run again. */
bool eng_run_ended(struct eng *g, struct eng_mon *m, struct eng_restart_state *rs,
		   const char *error)
{
	bool oom = eng_mon_oom_killed(g, m->id);
	remove_runtime(g, m->id);
	/* brig update may have changed it; never for --rm (update refuses
	 * a restart policy for it) */
	if (!m->rec.auto_remove)
		eng_restart_reload(m->dirfd, m->id, rs);
	bool again = !error && !m->tty &&
		eng_restart_wanted(rs, m->status, eng_stop_marked(m->dirfd));
	struct eng_run_state a = { .status = again ? ENG_ST_RESTARTING : ENG_ST_EXITED,
				   .exit_code = m->status,
				   .error = error,
				   .oom = oom,
				   .restarts = -1 };
	struct ended_update u = { .a = &a };
	_cleanup_err_ struct brig_err e = { 0 };
	if (eng_record_update(g, m->id, ended_set, &u, &e) < 0)
		brig_warn("container %.12s: recording its state: %s", m->id, brig_err_str(&e));
	if (oom)
		(void)eng_event_emit_as(g, m->id, u.name, u.image, "oom", NULL);
	_cleanup_json_ json_t *attrs = json_pack("{s:I}", "exitCode", (json_int_t)m->status);
	(void)eng_event_emit_as(g, m->id, u.name, u.image, "die", attrs);
	free(u.name);
	free(u.image);
	return again;
}

/* Wait for the run to end: in the background as brig-monitor (the pid
 * and fds live on; brig comes back as `__monitor-resume`), else here. */
static int wait_run(struct eng *g, struct eng_mon *m, const struct eng_restart_state *rs,
		    struct brig_err *e)
{
	if (m->lean) { /* attach's socket too: brig-monitor's relay serves it */
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
	return eng_mon_wait(m, e);
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
		struct eng_run_state a = { .status = ENG_ST_EXITED,
					   .exit_code = 128,
					   .error = brig_err_str(&e),
					   .oom = -1,
					   .restarts = rs->count };
		eng_run_state_record(g, m->id, &a);
		eng_emit_int(g, m->id, "die", "exitCode", 128);
		return r;
	}
	rs->started_ms = eng_mono_ms();
	struct eng_run_state a = {
		.status = ENG_ST_RUNNING, .pid = m->pid, .oom = 0, .restarts = rs->count
	};
	eng_run_state_record(g, m->id, &a);
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
		if (!eng_run_ended(g, m, rs, error))
			return;
	}
	/* Stopped while waiting: it stays down. */
	struct eng_run_state a = {
		.status = ENG_ST_EXITED, .exit_code = m->status, .oom = -1, .restarts = -1
	};
	eng_run_state_record(g, m->id, &a);
}

/* The monitor is done.  --rm removes the container while the monitor lock
 * is still held, so whoever waits on the lock (run -it, rm -f, wait) finds
 * it gone, and the exit code noted in the lock. */
void eng_supervise_finish(struct eng *g, struct eng_mon *m)
{
	bool rm = m->rec.auto_remove;
	_cleanup_close_ int lockfd = m->lockfd;
	m->lockfd = -1;
	if (rm)
		eng_monitor_note_exit(lockfd, m->status);
	eng_mon_free(m);
	_cleanup_err_ struct brig_err e = { 0 };
	if (rm && eng_destroy(g, m->id, &e) < 0)
		brig_warn("container %.12s: --rm: %s", m->id, brig_err_str(&e));
}

void eng_run_policy(struct eng *g, struct eng_mon *m, struct eng_restart_state *rs)
{
	_cleanup_err_ struct brig_err e = { 0 };
	if (eng_restart_init(g, &m->rec, rs, &e) < 0) {
		brig_warn("container %.12s: not restarted: %s", m->id, brig_err_str(&e));
		rs->policy = ENG_RESTART_NO;
	}
}

/* Wait for the run that was started, then restart it as the policy says. */
void eng_supervise(struct eng *g, struct eng_mon *m)
{
	struct eng_restart_state rs;
	eng_run_policy(g, m, &rs);
	_cleanup_err_ struct brig_err e = { 0 };
	const char *error = NULL;
	if (wait_run(g, m, &rs, &e) < 0)
		error = brig_err_str(&e);
	if (eng_run_ended(g, m, &rs, error))
		restart_loop(g, m, &rs);
}

/* A restarted run of a container with -i or -t gets a new attach server
 * (its clients were told the end and let go, as in brig).  False: it is
 * not restarted (the record says why). */
static bool resume_attach(struct eng *g, struct eng_mon *m)
{
	_cleanup_err_ struct brig_err e = { 0 };
	if (!m->rec.tty && !m->rec.open_stdin)
		return true;
	if (eng_attach_new(m->dirfd, m->rec.tty, m->rec.open_stdin, false, &m->att, &e) == 0)
		return true;
	brig_warn("container %.12s: not restarted: %s", m->id, brig_err_str(&e));
	struct eng_run_state a = {
		.status = ENG_ST_EXITED, .exit_code = m->status, .oom = -1, .restarts = -1
	};
	eng_run_state_record(g, m->id, &a);
	return false;
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
	/* The attach server of the run that ended went with brig-monitor. */
	(void)unlinkat(m.dirfd, ENG_ATTACH_SOCK, 0);
	struct eng_restart_state rs;
	eng_run_policy(g, &m, &rs);
	rs.count = st->restarts;
	rs.backoff_ms = st->backoff_ms;
	rs.started_ms = st->started_ms;
	if (eng_run_ended(g, &m, &rs, NULL) && resume_attach(g, &m))
		restart_loop(g, &m, &rs);
	eng_supervise_finish(g, &m);
	return 0;
}

void eng_become_daemon(void)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (setsid() < 0 || null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
		_exit(1);
	(void)close(null);
	(void)signal(SIGPIPE, SIG_IGN);
	(void)signal(SIGHUP, SIG_IGN);
}

/* A foreground run that its policy restarts: the waiting and restarting
 * go on in a background monitor, which inherits the monitor lock (the OFD
 * lock stays held as long as one of its fds is open). */
void eng_supervise_hand_off(struct eng *g, struct eng_mon *m, struct eng_restart_state *rs)
{
	(void)fflush(NULL);
	pid_t child = fork();
	if (child < 0) {
		brig_warn("container %.12s: not restarted: fork: %s", m->id, strerror(errno));
		struct eng_run_state a = {
			.status = ENG_ST_EXITED, .exit_code = m->status, .oom = -1, .restarts = -1
		};
		eng_run_state_record(g, m->id, &a);
		return;
	}
	if (child > 0)
		return;
	eng_become_daemon();
	sigset_t all;
	sigfillset(&all);
	(void)sigprocmask(SIG_UNBLOCK, &all, NULL);
	if (m->sigfd >= 0) {
		(void)close(m->sigfd);
		m->sigfd = -1;
	}
	m->attach = m->interactive = false;
	m->lean = true;
	restart_loop(g, m, rs);
	eng_supervise_finish(g, m);
	_exit(0);
}
