/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the engine: healthchecks (docs/health.md).
 *
 *   health_config.c  the flags, Config.Healthcheck (the image's changed by
 *                    them, at create) and its reading back from a record
 *   health_state.c   State.Health in the record: reset at a start, a result
 *                    added (failing streak, status, the last 5 results),
 *                    "unhealthy" when the run ends; health_status events
 *   health_run.c     one check (an exec with a timeout), the runner's loop,
 *                    `healthcheck run`
 *   health_spawn.c   the runner: a process of its own per run, forked by
 *                    the monitor when the runtime made the container
 */
#ifndef BRIG_ENGINE_HEALTH_INTERNAL_H
#define BRIG_ENGINE_HEALTH_INTERNAL_H

#include "engine/record-internal.h"
#include "image/store/store.h"

#define ENG_HEALTH_INTERVAL_DEFAULT (30 * 1000000000LL)
#define ENG_HEALTH_TIMEOUT_DEFAULT (30 * 1000000000LL)
#define ENG_HEALTH_START_INTERVAL_DEFAULT (5 * 1000000000LL)
#define ENG_HEALTH_RETRIES_DEFAULT 3
#define ENG_HEALTH_MIN_NS 1000000LL /* 1 ms, Docker's minimum */
#define ENG_HEALTH_SHELL_MAX 64 /* words of Config.Shell taken for CMD-SHELL */
#define ENG_HEALTH_LOG_MAX 5 /* results kept in State.Health.Log */
#define ENG_HEALTH_OUTPUT_MAX 4096 /* bytes of a check's output kept */

/* A container's healthcheck, defaults applied. */
struct eng_hc {
	char **argv; /* ["CMD", args...] -> args; ["CMD-SHELL", s] -> /bin/sh -c s */
	int64_t interval, timeout, start_period, start_interval; /* ns */
	int64_t retries;
};
void eng_hc_clear(struct eng_hc *hc);

/* Config.Healthcheck of a new container: the image's, changed by o (either
 * may be NULL); *out NULL when there is neither. */
int eng_health_config(const struct img_healthcheck *img, const struct eng_health_opts *o,
		      json_t **out, struct brig_err *e);
/* The record's Config.Healthcheck: 1 with hc filled, 0 when it has none
 * (absent, no Test, or NONE). */
int eng_health_parse(const struct eng_record *rec, struct eng_hc *hc, struct brig_err *e);

/* One check's result. */
struct eng_hc_result {
	char start[64], end[64]; /* RFC 3339 */
	int64_t start_ns; /* the start, ns since the epoch */
	int exit_code; /* -1: it could not be run, or timed out */
	char *output; /* at most ENG_HEALTH_OUTPUT_MAX bytes, valid UTF-8 */
};

/* The run's state changed (supervise.c, under the record lock): a start
 * makes State.Health "starting" with no failing streak; an end makes it
 * "unhealthy" (Docker's: no check runs any more). */
int eng_health_on_state(struct eng_record *rec, enum eng_status status, struct brig_err *e);
/* Add a result (under the record lock): the failing streak and the status
 * as Docker counts them, the log trimmed to ENG_HEALTH_LOG_MAX.  *status
 * is the new status, *changed whether it changed. */
int eng_health_add(struct eng_record *rec, const struct eng_hc *hc, const struct eng_hc_result *res,
		   const char **status, bool *changed, struct brig_err *e);

/* health_spawn.c: the monitor's hook when the runtime made a run of rec
 * (its init is pid): start its runner if it has a healthcheck.  Failures
 * are warnings; a container without a healthcheck costs nothing. */
void eng_health_spawn(struct eng *g, const struct eng_record *rec, pid_t pid);

#endif
