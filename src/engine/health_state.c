/* SPDX-License-Identifier: Apache-2.0 */
/*
 * State.Health of a container record, Docker's shape:
 *   {"Status": "starting"|"healthy"|"unhealthy", "FailingStreak": N,
 *    "Log": [{"Start", "End", "ExitCode", "Output"}, ...]}  (the last 5)
 * changed only under the record lock: by the monitor when a run starts or
 * ends (supervise.c), and by a check's result (health_run.c).
 */
#include "engine/health-internal.h"
#include "engine/logs/logs.h"

#include <string.h>

/* A start: "starting", no failing streak, the log kept (Docker's). */
static int health_start(json_t *state, struct brig_err *e)
{
	json_t *h = json_object_get(state, "Health");
	json_t *log = json_is_object(h) ? json_object_get(h, "Log") : NULL;
	json_t *nl = json_is_array(log) ? json_incref(log) : json_array();
	json_t *nh = nl
		? json_pack("{s:s,s:i,s:o}", "Status", "starting", "FailingStreak", 0, "Log", nl)
		: NULL;
	if (!nh || json_object_set_new(state, "Health", nh) < 0)
		return brig_err_oom(e);
	return 0;
}

int eng_health_on_state(struct eng_record *rec, enum eng_status status, struct brig_err *e)
{
	json_t *state = json_object_get(rec->doc, "State");
	if (!json_is_object(state))
		return 0;
	json_t *h = json_object_get(state, "Health");
	if (status == ENG_ST_RUNNING) {
		_cleanup_err_ struct brig_err e2 = { 0 };
		struct eng_hc hc;
		int r = eng_health_parse(rec, &hc, &e2);
		eng_hc_clear(&hc);
		if (r == 0 && h)
			(void)json_object_del(state, "Health");
		return r == 1 ? health_start(state, e) : 0;
	}
	/* No check runs any more: unhealthy, as Docker says of a stopped one. */
	if (json_is_object(h) && json_object_set_new(h, "Status", json_string("unhealthy")) < 0)
		return brig_err_oom(e);
	return 0;
}

/* The result as a Log entry. */
static json_t *log_entry(const struct eng_hc_result *res)
{
	return json_pack("{s:s,s:s,s:i,s:s}", "Start", res->start, "End", res->end, "ExitCode",
			 res->exit_code, "Output", res->output ? res->output : "");
}

/* Whether the result's start lies in the start period of this run. */
static bool in_start_period(const struct eng_record *rec, const struct eng_hc *hc,
			    const struct eng_hc_result *res)
{
	_cleanup_err_ struct brig_err e = { 0 };
	int64_t started;
	const char *s = rec->state.started_at;
	if (!s || eng_logs_parse_time(s, 0, &started, &e) < 0)
		return false;
	return res->start_ns - started < hc->start_period;
}

int eng_health_add(struct eng_record *rec, const struct eng_hc *hc, const struct eng_hc_result *res,
		   const char **status, bool *changed, struct brig_err *e)
{
	json_t *state = json_object_get(rec->doc, "State");
	json_t *h = json_object_get(state, "Health");
	*status = "starting";
	if (!json_is_object(state))
		return brig_err_set(e, -EINVAL, "the record has no State");
	if (!json_is_object(h) && health_start(state, e) < 0)
		return -ENOMEM;
	h = json_object_get(state, "Health");
	const char *old = json_string_value(json_object_get(h, "Status"));
	json_int_t streak = json_integer_value(json_object_get(h, "FailingStreak"));
	const char *now = old ? old : "starting";
	if (res->exit_code == 0) {
		streak = 0;
		now = "healthy";
	} else if (strcmp(now, "starting") != 0 || !in_start_period(rec, hc, res)) {
		/* A failure in the start period does not count (Docker's). */
		if (++streak >= hc->retries)
			now = "unhealthy";
	}
	json_t *log = json_object_get(h, "Log");
	if (!json_is_array(log) && json_object_set_new(h, "Log", log = json_array()) < 0)
		return brig_err_oom(e);
	if (json_array_append_new(log, log_entry(res)) < 0)
		return brig_err_oom(e);
	while (json_array_size(log) > ENG_HEALTH_LOG_MAX)
		(void)json_array_remove(log, 0);
	*changed = !old || strcmp(old, now) != 0;
	static const char *const names[] = { "starting", "healthy", "unhealthy" };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(names); i++)
		if (strcmp(now, names[i]) == 0)
			*status = names[i];
	if (json_object_set_new(h, "Status", json_string(now)) < 0 ||
	    json_object_set_new(h, "FailingStreak", json_integer(streak)) < 0)
		return brig_err_oom(e);
	return 0;
}
