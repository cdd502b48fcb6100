/* SPDX-License-Identifier: Apache-2.0 */
/* The restart policy of a container: parsed from the record, asked after
 * each exit, and the back-off waited out before a restart (restart.c). */
#ifndef BRIG_ENGINE_RESTART_INTERNAL_H
#define BRIG_ENGINE_RESTART_INTERNAL_H

#include "engine/engine-internal.h"

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
int eng_restart_init(struct eng *g, const struct eng_record *rec, struct eng_restart_state *rs,
		     struct brig_err *e);
/* Whether a run that ended with status is to be restarted (the back-off is
 * brought up to date as a side effect: reset after a long run). */
bool eng_restart_wanted(struct eng_restart_state *rs, int status, bool stop_requested);
/* The policy as the record has it now (`brig update --restart` changes it
 * while the container runs); rs is kept when the record cannot be read. */
void eng_restart_reload(int dirfd, const char *id, struct eng_restart_state *rs);
/* Wait out the back-off, or until a stop is requested (returns false). */
bool eng_restart_backoff(struct eng_restart_state *rs, int dirfd);
/* Stop marker helpers. */
int eng_stop_mark(int dirfd, struct brig_err *e);
bool eng_stop_marked(int dirfd);
int eng_stop_unmark(int dirfd, struct brig_err *e);
int64_t eng_mono_ms(void);

#endif
