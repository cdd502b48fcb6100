/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stop, kill, wait.  Stop, kill and rm -f are never undone by the restart
 * policy: the stop marker (restart.c) goes down before the signal.
 */
#include "engine/monitor-internal.h"
#include "engine/events.h"

#include <signal.h>
#include <time.h>

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
	int r = eng_orphan_reap(g, id, dirfd, false, e);
	if (r < 0 || r == ENG_ORPHAN_ENDED) /* an orphan is killed whatever the signal */
		return r < 0 ? r : 0;
	if (r == ENG_ORPHAN_NONE)
		return brig_err_set(e, -ESRCH, "container %.12s is not running", id);
	r = eng_stop_mark(dirfd, e);
	if (r < 0)
		return brig_err_wrap(e, "container %.12s", id);
	eng_emit_int(g, id, "kill", "signal", sig);
	r = rt_kill(&g->rt, id, sig, false, e);
	if (r == 0)
		eng_thaw_after_signal(g, id); /* a paused container gets it too */
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
	return eng_stop_signal(g, id, timeout, 0, e);
}

int eng_stop_signal(struct eng *g, const char *id, int timeout, int signal, struct brig_err *e)
{
	_cleanup_close_ int dirfd = eng_ctr_open(g, id, e);
	if (dirfd < 0)
		return dirfd;
	_cleanup_record_ struct eng_record rec;
	int r = eng_record_load(dirfd, id, &rec, e);
	if (r < 0)
		return r;
	if ((r = eng_orphan_reap(g, id, dirfd, false, e)) != ENG_ORPHAN_MONITORED)
		return r < 0 ? r : 0; /* not running, or its monitor was killed since */
	if ((r = eng_stop_mark(dirfd, e)) < 0)
		return brig_err_wrap(e, "container %.12s", id);
	int sig = signal > 0      ? signal
		: rec.stop_signal ? brig_parse_signal(rec.stop_signal)
				  : SIGTERM;
	if (sig <= 0)
		sig = SIGTERM;
	if (timeout == -1)
		timeout = rec.stop_timeout != -1 ? rec.stop_timeout : ENG_DEFAULT_STOP_TIMEOUT;
	_cleanup_err_ struct brig_err e2 = { 0 };
	eng_emit_int(g, id, "kill", "signal", sig);
	if (rt_kill(&g->rt, id, sig, false, &e2) < 0)
		brig_debug("stop %.12s: %s", id, brig_err_str(&e2));
	eng_thaw_after_signal(g, id); /* a paused container gets it too */
	if (timeout == ENG_STOP_FOREVER) {
		/* no SIGKILL: until the monitor has recorded the end */
		if (eng_wait(g, id, e) < 0)
			return e->code;
	} else if (!gone_within(g, id, (long)timeout * 1000)) {
		brig_err_clear(&e2);
		eng_emit_int(g, id, "kill", "signal", SIGKILL);
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
	int noted;
	int r = eng_monitor_wait(dirfd, &noted, e);
	if (r < 0)
		return r;
	if (noted >= 0 && faccessat(dirfd, ENG_RECORD, F_OK, 0) < 0)
		return noted; /* removed by --rm once it ended: its monitor noted the exit */
	if ((r = eng_orphan_reap(g, id, dirfd, false, e)) < 0)
		return r;
	_cleanup_record_ struct eng_record rec;
	if ((r = eng_record_load(dirfd, id, &rec, e)) < 0)
		return r;
	return rec.state.exit_code;
}
