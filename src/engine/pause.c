/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pause and unpause: the runtime's cgroup freezer (runtime/cgroup).  Paused
 * is not recorded: it is read from the freezer whenever the state is shown,
 * so a container thawed behind brig's back is shown as it is.
 */
#include "engine/record-internal.h"
#include "engine/events.h"

#include <string.h>

int eng_paused(struct eng *g, const char *id)
{
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_json_ json_t *st = NULL;
	if (rt_state(&g->rt, id, &st, &e) < 0)
		return e.code;
	const char *s = json_string_value(json_object_get(st, "status"));
	return s && strcmp(s, "paused") == 0;
}

int eng_pause(struct eng *g, const char *id, bool pause, struct brig_err *e)
{
	if (!eng_running(g, id))
		return brig_err_set(e, -ESRCH, "container %.12s is not running", id);
	int p = eng_paused(g, id);
	if (p == (int)pause)
		return brig_err_set(e, -EINVAL, "container %.12s is %s", id,
				    pause ? "already paused" : "not paused");
	int r = rt_pause(&g->rt, id, pause, e);
	if (r < 0)
		return brig_err_wrap(e, "%s %.12s", pause ? "pausing" : "unpausing", id);
	(void)eng_event_emit(g, id, pause ? "pause" : "unpause", NULL);
	return 0;
}

int eng_freeze_hold(struct eng *g, const char *id, struct brig_err *e)
{
	_cleanup_close_ int dirfd = eng_ctr_open(g, id, e);
	if (dirfd < 0)
		return dirfd;
	int fd = brig_lock_path(dirfd, ".freeze.lock", BRIG_LOCK_EXCLUSIVE, false, e);
	if (fd == -EWOULDBLOCK) {
		brig_err_clear(e);
		brig_warn("%.12s is frozen by another brig command (commit or forensics): waiting",
			  id);
		fd = brig_lock_path(dirfd, ".freeze.lock", BRIG_LOCK_EXCLUSIVE, true, e);
	}
	return fd < 0 ? brig_err_wrap(e, "container %.12s's freeze lock", id) : fd;
}

void eng_thaw_after_signal(struct eng *g, const char *id)
{
	if (eng_paused(g, id) != 1)
		return;
	_cleanup_err_ struct brig_err e = { 0 };
	if (rt_pause(&g->rt, id, false, &e) < 0)
		brig_warn("thawing %.12s after the signal: %s", id, brig_err_str(&e));
}
