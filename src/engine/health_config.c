/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Healthcheck configuration: run's --health-* flags, Config.Healthcheck as
 * a container records it (the image's HEALTHCHECK with each given flag in
 * place of its member, as Docker merges them) and read back, with Docker's
 * defaults, for the runner.
 */
#include "engine/health-internal.h"
#include "engine/logs/logs.h"

#include <stdlib.h>
#include <string.h>

static const char *const dur_flags[] = { "health-interval", "health-timeout", "health-start-period",
					 "health-start-interval" };

int eng_health_opt_set(struct eng_health_opts *o, const char *flag, const char *value,
		       struct brig_err *e)
{
	int64_t *durs[] = { &o->interval, &o->timeout, &o->start_period, &o->start_interval };
	if (strcmp(flag, "health-cmd") == 0) {
		o->cmd = value;
		return 0;
	}
	if (strcmp(flag, "health-retries") == 0) {
		if (brig_parse_i64(value, &o->retries) < 0)
			return brig_err_set(e, -EINVAL, "--health-retries: \"%s\" is not a number",
					    value);
		return o->retries < 0
			? brig_err_set(e, -EINVAL, "--health-retries cannot be negative")
			: 0;
	}
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(dur_flags); i++) {
		if (strcmp(flag, dur_flags[i]) != 0)
			continue;
		const char *v = value[0] == '-' ? value + 1 : value;
		*durs[i] = 0;
		if (strcmp(v, "0") != 0 && eng_parse_duration(v, durs[i]) < 0)
			return brig_err_set(
				e, -EINVAL,
				"--%s: invalid duration \"%s\" (e.g. 30s, 1m30s, 500ms)", flag,
				value);
		if (v != value && *durs[i] > 0)
			return brig_err_set(e, -EINVAL, "--%s cannot be negative", flag);
		if (*durs[i] > 0 && *durs[i] < ENG_HEALTH_MIN_NS)
			return brig_err_set(e, -EINVAL, "--%s cannot be less than 1ms", flag);
		return 0;
	}
	return brig_err_set(e, -EINVAL, "--%s: not a healthcheck flag", flag);
}

int eng_health_opts_check(const struct eng_health_opts *o, struct brig_err *e)
{
	if (o->none &&
	    (o->cmd || o->interval || o->timeout || o->start_period || o->start_interval ||
	     o->retries))
		return brig_err_set(e, -EINVAL,
				    "--no-healthcheck conflicts with --health-* options");
	return 0;
}

/* Test, then each member that is not 0: Docker's omitempty shape. */
static json_t *config_json(char *const *test, const int64_t v[5])
{
	static const char *const keys[] = { "Interval", "Timeout", "StartPeriod", "StartInterval",
					    "Retries" };
	json_t *hc = json_object(), *t = json_array();
	if (!hc || !t || json_object_set_new(hc, "Test", t) < 0) {
		json_decref(hc);
		return NULL;
	}
	for (size_t i = 0; test && test[i]; i++)
		if (json_array_append_new(t, json_string(test[i])) < 0)
			return json_decref(hc), NULL;
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(keys); i++)
		if (v[i] && json_object_set_new(hc, keys[i], json_integer(v[i])) < 0)
			return json_decref(hc), NULL;
	return hc;
}

int eng_health_config(const struct img_healthcheck *img, const struct eng_health_opts *o,
		      json_t **out, struct brig_err *e)
{
	static const struct img_healthcheck nothing = { 0 };
	static char *const none[] = { "NONE", NULL };
	*out = NULL;
	if (!img)
		img = &nothing;
	bool given = o &&
		(o->none || o->cmd || o->interval || o->timeout || o->start_period ||
		 o->start_interval || o->retries);
	if (!img->test && !given)
		return 0;
	char *shell[] = { "CMD-SHELL", o ? (char *)o->cmd : NULL, NULL };
	char *const *test = o && o->none ? none : o && o->cmd ? shell : img->test;
	int64_t v[5] = { img->interval, img->timeout, img->start_period, img->start_interval,
			 img->retries };
	const int64_t mine[5] = { o ? o->interval : 0, o ? o->timeout : 0, o ? o->start_period : 0,
				  o ? o->start_interval : 0, o ? o->retries : 0 };
	for (size_t i = 0; i < 5; i++)
		if (mine[i])
			v[i] = mine[i];
	if (!(*out = config_json(test, v)))
		return brig_err_oom(e);
	return 0;
}

void eng_hc_clear(struct eng_hc *hc)
{
	brig_strv_free(hc->argv);
	*hc = (struct eng_hc){ 0 };
}

/* Test as a command line, or 0 for none.  CMD-SHELL's TEXT goes to the
 * container's Config.Shell (the image's SHELL), else to /bin/sh -c, as
 * Docker's daemon runs it. */
static int test_argv(char **test, char **shell_cfg, const struct bj_loc *at, struct eng_hc *hc,
		     struct brig_err *e)
{
	size_t n = brig_strv_len(test);
	if (n == 0 || strcmp(test[0], "NONE") == 0)
		return 0;
	bool shell = strcmp(test[0], "CMD-SHELL") == 0;
	if ((!shell && strcmp(test[0], "CMD") != 0) || n < 2 || (shell && n != 2))
		return bj_fail(e, at,
			       "expected [\"CMD\", ARG...], [\"CMD-SHELL\", TEXT] or [\"NONE\"]");
	char *sh[ENG_HEALTH_SHELL_MAX + 2] = { "/bin/sh", "-c", test[1], NULL };
	size_t ns = brig_strv_len(shell_cfg);
	if (shell && ns > 0) { /* bj_get_strv kept it to ENG_HEALTH_SHELL_MAX */
		memcpy(sh, shell_cfg, ns * sizeof(*sh));
		sh[ns] = test[1];
		sh[ns + 1] = NULL;
	}
	if (!(hc->argv = brig_strv_dup(shell ? sh : test + 1)))
		return brig_err_oom(e);
	return 1;
}

int eng_health_parse(const struct eng_record *rec, struct eng_hc *hc, struct brig_err *e)
{
	static const char *const keys[] = { "Interval", "Timeout", "StartPeriod", "StartInterval",
					    "Retries" };
	static const int64_t defaults[] = { ENG_HEALTH_INTERVAL_DEFAULT, ENG_HEALTH_TIMEOUT_DEFAULT,
					    0, ENG_HEALTH_START_INTERVAL_DEFAULT,
					    ENG_HEALTH_RETRIES_DEFAULT };
	int64_t *vals[] = { &hc->interval, &hc->timeout, &hc->start_period, &hc->start_interval,
			    &hc->retries };
	*hc = (struct eng_hc){ 0 };
	json_t *cfg = json_object_get(rec->doc, "Config");
	json_t *h = json_object_get(cfg, "Healthcheck");
	if (!json_is_object(h))
		return 0;
	struct bj_loc root, at, t, c;
	bj_root(&root, ENG_RECORD);
	bj_key(&at, &root, "Config.Healthcheck");
	bj_key(&t, &at, "Test");
	bj_key(&c, &root, "Config");
	_cleanup_strv_ char **test = NULL, **shell = NULL;
	int r = bj_get_strv(h, &at, "Test", false, 4096, &test, e);
	if (r >= 0)
		r = bj_get_strv(cfg, &c, "Shell", false, ENG_HEALTH_SHELL_MAX, &shell, e);
	for (size_t i = 0; r >= 0 && i < BRIG_ARRAY_SIZE(keys); i++) {
		*vals[i] = 0;
		r = bj_get_int(h, &at, keys[i], false, 0, INT64_MAX, vals[i], e);
		if (r >= 0 && *vals[i] == 0)
			*vals[i] = defaults[i];
	}
	if (r < 0 || (r = test_argv(test, shell, &t, hc, e)) <= 0) {
		eng_hc_clear(hc);
		return r < 0 ? brig_err_wrap(e, "container %.12s", rec->id) : 0;
	}
	return 1;
}
