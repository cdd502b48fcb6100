/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Orphans: a container whose monitor is gone while processes of it live.
 *
 * "Running" means "a monitor holds monitor.lock" (monitor_lock.c).  A monitor killed
 * with SIGKILL lets the lock go without recording the end, but the
 * container's init goes on (reparented), in its cgroup, with its runtime
 * state still in place: nobody would record its exit, apply its restart
 * policy or remove its runtime state.  brig has no daemon to take it over,
 * so the first brig command that notices one ends it: it kills every
 * process in the container's cgroup (the runtime freezes the cgroup, or
 * uses cgroup.kill, so no pid can be reused meanwhile; the init is signalled
 * through a pidfd), waits for them to be gone, removes the runtime state
 * (and with it the cgroup), records the end (exit code 137, and a State.Error
 * saying why) and says so in one line on stderr.  This runs under the
 * record lock, with the monitor lock checked again under it: `start` holds
 * the record lock until its monitor holds monitor.lock, so a monitor being
 * started is never taken for a dead one.
 */
#include "engine/engine-internal.h"
#include "engine/netcfg/net-internal.h"
#include "engine/events.h"
#include "engine/record-internal.h"

#include <string.h>

#define ORPHAN_EXIT 137 /* 128 + SIGKILL */

/* How many processes of id live: in its cgroup, or its init (0: none,
 * -ENOENT: no runtime state at all). */
static int count_live(struct eng *g, const char *id, size_t *n, struct brig_err *e)
{
	_cleanup_json_ json_t *st = NULL;
	int r = rt_state(&g->rt, id, &st, e);
	if (r < 0)
		return r;
	const char *status = json_string_value(json_object_get(st, "status"));
	bool init_alive = status && strcmp(status, "stopped") != 0;
	_cleanup_free_ pid_t *pids = NULL;
	*n = 0;
	if ((r = rt_ps(&g->rt, id, &pids, n, e)) < 0)
		return r;
	if (*n == 0 && init_alive)
		*n = 1;
	return 0;
}

/* Record the end; with nothing killed (n == 0) only over a record that
 * still claims to run (a monitor that failed to remove the runtime state
 * has recorded the real exit).  1: recorded. */
static int record_end(int dirfd, const char *id, size_t n, struct brig_err *e)
{
	_cleanup_record_ struct eng_record rec;
	int r = eng_record_load(dirfd, id, &rec, e);
	if (r < 0)
		return r;
	enum eng_status status = rec.state.status;
	if (n == 0 && status != ENG_ST_RUNNING && status != ENG_ST_RESTARTING)
		return 0;
	int code = n ? ORPHAN_EXIT : 255;
	const char *why = n ? "its monitor was killed; brig killed the processes it left"
			    : "the container's monitor exited without recording its end";
	if ((r = eng_record_set_state(&rec, ENG_ST_EXITED, 0, code, why, e)) < 0 ||
	    (r = eng_record_write(dirfd, &rec, e)) < 0)
		return r;
	return 1;
}

/* Under the record lock, the monitor lock free: end what is left. */
static int reap_locked(struct eng *g, const char *id, int dirfd, struct brig_err *e)
{
	size_t n = 0;
	int r = count_live(g, id, &n, e);
	if (r == -ENOENT) {
		brig_err_clear(e);
		return ENG_ORPHAN_NONE; /* the monitor removed the runtime state */
	}
	if (r < 0)
		return brig_err_wrap(e, "container %.12s has no monitor", id);
	/* rt_delete --force: kills the cgroup's processes and the init, waits
	 * for the init, removes the cgroup (waiting for it to empty). */
	if ((r = rt_delete(&g->rt, id, true, e)) < 0)
		return brig_err_wrap(
			e, "container %.12s has no monitor; killing what is left of it", id);
	eng_netns_release(g, id); /* pasta goes with the namespace's file */
	(void)rmdir(g->rt_root); /* when it was the last one running */
	if ((r = record_end(dirfd, id, n, e)) < 0)
		return brig_err_wrap(e, "container %.12s", id);
	if (r == 0)
		return ENG_ORPHAN_NONE;
	if (n) {
		_cleanup_json_ json_t *attrs = json_pack("{s:i}", "exitCode", ORPHAN_EXIT);
		(void)eng_event_emit(g, id, "die", attrs);
		brig_warn("container %.12s: its monitor was gone; killed the %zu process%s it left",
			  id, n, n == 1 ? "" : "es");
	}
	return ENG_ORPHAN_ENDED;
}

int eng_orphan_reap(struct eng *g, const char *id, int dirfd, bool locked, struct brig_err *e)
{
	if (eng_monitor_alive(dirfd))
		return ENG_ORPHAN_MONITORED;
	size_t n = 0;
	int r = count_live(g, id, &n, e);
	brig_err_clear(e); /* counted again under the lock */
	if (r == -ENOENT)
		return ENG_ORPHAN_NONE; /* the common case: an exited container */
	_cleanup_close_ int lock = -1;
	if (!locked && (lock = brig_lock_path(dirfd, ENG_LOCK, BRIG_LOCK_EXCLUSIVE, true, e)) < 0)
		return lock;
	if (eng_monitor_alive(dirfd))
		return ENG_ORPHAN_MONITORED; /* a start got there first */
	return reap_locked(g, id, dirfd, e);
}
