/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Restart policies (HostConfig.RestartPolicy): --restart parsed, the
 * policy read back from a record, the decision after each exit, and the
 * back-off before a restart, cut short by a stop request (the
 * "stop-requested" marker that stop, kill and rm -f leave).  The monitor
 * (monitor.c, supervise.c) asks; this file decides.
 */
#include "engine/restart-internal.h"
#include "engine/record-internal.h"
#include "engine/config/engine-config.h"

#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

int eng_restart_parse(const char *s, enum eng_restart *policy, int64_t *max_retries,
		      struct brig_err *e)
{
	*max_retries = 0;
	if (!s || strcmp(s, "no") == 0) {
		*policy = ENG_RESTART_NO;
	} else if (strcmp(s, "always") == 0) {
		*policy = ENG_RESTART_ALWAYS;
	} else if (strcmp(s, "unless-stopped") == 0) {
		*policy = ENG_RESTART_UNLESS_STOPPED;
	} else if (strncmp(s, "on-failure", 10) == 0 && (!s[10] || s[10] == ':')) {
		*policy = ENG_RESTART_ON_FAILURE;
		if (s[10] &&
		    (brig_parse_i64(s + 11, max_retries) < 0 || *max_retries < 0 ||
		     *max_retries > 1000000))
			return brig_err_set(e, -EINVAL,
					    "--restart: \"%s\": the count must be a "
					    "number (0 for no limit)",
					    s);
	} else {
		return brig_err_set(e, -EINVAL,
				    "--restart: \"%s\": use no, on-failure[:N], always "
				    "or unless-stopped",
				    s);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* restart policies                                                     */
/* ------------------------------------------------------------------ */

int64_t eng_mono_ms(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t eng_restart_ceiling(const struct eng *g)
{
	return g->cfg ? g->cfg->restart_ceiling : ENG_RESTART_CEILING_DEFAULT;
}

/* The back-off's cap: the engine config's restart-backoff-max. */
static int64_t backoff_max(const struct eng_restart_state *rs)
{
	return rs->backoff_max_ms > 0 ? rs->backoff_max_ms : ENG_RESTART_BACKOFF_MAX_MS;
}

int eng_restart_init(struct eng *g, const struct eng_record *rec, struct eng_restart_state *rs,
		     struct brig_err *e)
{
	(void)e; /* the policy was checked when the record was read */
	*rs = (struct eng_restart_state){ .policy = rec->restart,
					  .max_retries = rec->restart_max,
					  .ceiling = eng_restart_ceiling(g),
					  .backoff_ms = ENG_RESTART_BACKOFF_MIN_MS,
					  .backoff_max_ms = g->cfg ? g->cfg->restart_backoff_max_ms
								   : 0,
					  .started_ms = eng_mono_ms() };
	if (rec->auto_remove)
		rs->policy = ENG_RESTART_NO; /* --rm: removed at its first exit */
	return 0;
}

void eng_restart_reload(int dirfd, const char *id, struct eng_restart_state *rs)
{
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_record_ struct eng_record rec;
	if (eng_record_load(dirfd, id, &rec, &e) < 0) {
		brig_warn("container %.12s: reading its restart policy: %s", id, brig_err_str(&e));
		return;
	}
	if (rec.auto_remove)
		return;
	rs->policy = rec.restart;
	rs->max_retries = rec.restart_max;
}

bool eng_restart_wanted(struct eng_restart_state *rs, int status, bool stop_requested)
{
	if (eng_mono_ms() - rs->started_ms >= ENG_RESTART_RESET_MS)
		rs->backoff_ms = ENG_RESTART_BACKOFF_MIN_MS;
	if (stop_requested || rs->count >= rs->ceiling)
		return false;
	switch (rs->policy) {
	case ENG_RESTART_ON_FAILURE:
		return status != 0 && (rs->max_retries == 0 || rs->count < rs->max_retries);
	case ENG_RESTART_ALWAYS:
	case ENG_RESTART_UNLESS_STOPPED:
		return true;
	case ENG_RESTART_NO:
	default:
		return false;
	}
}

int eng_stop_mark(int dirfd, struct brig_err *e)
{
	int fd = BRIG_RETRY(
		openat(dirfd, ENG_STOP_MARKER, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
	if (fd < 0)
		return brig_err_sys(e, errno, "creating %s", ENG_STOP_MARKER);
	(void)close(fd);
	return 0;
}

bool eng_stop_marked(int dirfd)
{
	return faccessat(dirfd, ENG_STOP_MARKER, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

int eng_stop_unmark(int dirfd, struct brig_err *e)
{
	if (unlinkat(dirfd, ENG_STOP_MARKER, 0) < 0 && errno != ENOENT)
		return brig_err_sys(e, errno, "removing %s", ENG_STOP_MARKER);
	return 0;
}

/* Watch the container directory for the stop marker (-1 when inotify is
 * not available: the wait then polls every 100 ms). */
static int watch_marker(int dirfd)
{
	char path[64];
	int ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (ifd < 0)
		return -1;
	(void)snprintf(path, sizeof(path), "/proc/self/fd/%d", dirfd);
	if (inotify_add_watch(ifd, path, IN_CREATE | IN_MOVED_TO | IN_ATTRIB) < 0) {
		(void)close(ifd);
		return -1;
	}
	return ifd;
}

bool eng_restart_backoff(struct eng_restart_state *rs, int dirfd)
{
	_cleanup_close_ int ifd = watch_marker(dirfd);
	int64_t end = eng_mono_ms() + rs->backoff_ms;
	rs->backoff_ms = rs->backoff_ms * 2 > backoff_max(rs) ? backoff_max(rs)
							      : rs->backoff_ms * 2;
	for (;;) {
		if (eng_stop_marked(dirfd))
			return false;
		int64_t left = end - eng_mono_ms();
		if (left <= 0)
			return true;
		struct pollfd p = { .fd = ifd, .events = POLLIN };
		int n = poll(&p, 1, ifd < 0 && left > 100 ? 100 : (int)left);
		if (n < 0 && errno != EINTR)
			return true;
		char drain[4096];
		if (n > 0 && read(ifd, drain, sizeof(drain)) < 0 && errno != EAGAIN)
			brig_debug("reading inotify events: %s", strerror(errno));
	}
}
