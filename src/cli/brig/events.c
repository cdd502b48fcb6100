/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig events: what happened to containers (ROOT/events.log, written by
 * the engine; see engine/events.h), as Docker prints it:
 *
 *   2026-11-28T19:48:55.123456789Z container die 4f3c... (exitCode=1, image=bb:1, name=web)
 *
 * Like Docker, without --since and --until only new events are shown, and
 * without --until it keeps following until interrupted.
 */
#include "cli/brig/brig-internal.h"
#include "cli/template.h"
#include "engine/events.h"
#include "engine/logs/logs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum events_fmt { FMT_TEXT, FMT_JSON, FMT_TEMPLATE };

struct events_out {
	enum events_fmt fmt;
	struct tpl *tpl;
};

static int64_t now_ns(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* s with its control characters escaped (names and labels come from
 * images and users), then sep. */
static int print_safe(const char *s, const char *sep)
{
	_cleanup_free_ char *safe = brig_term_escape(s, strlen(s));
	if (!safe)
		return -ENOMEM;
	printf("%s%s", safe, sep);
	return 0;
}

/* "TIME container ACTION ID (k=v, k=v)", attributes sorted by key. */
static int print_text(const json_t *ev)
{
	char when[ENG_LOG_TIME_LEN];
	json_t *actor = json_object_get(ev, "Actor");
	json_t *attrs = json_object_get(actor, "Attributes");
	eng_logs_format_time((int64_t)json_integer_value(json_object_get(ev, "timeNano")), when);
	const char *type = json_string_value(json_object_get(ev, "Type"));
	const char *id = json_string_value(json_object_get(actor, "ID"));
	size_t n = json_object_size(attrs), i = 0;
	_cleanup_free_ const char **keys = calloc(n + 1, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	const char *k;
	json_t *v;
	json_object_foreach(attrs, k, v) if (json_is_string(v) && i < n) keys[i++] = k;
	qsort(keys, i, sizeof(*keys), cmp_str);
	const char *action = json_string_value(json_object_get(ev, "Action"));
	int r = print_safe(when, " ");
	if (r == 0)
		r = print_safe(type ? type : "container", " ");
	if (r == 0)
		r = print_safe(action ? action : "", " ");
	if (r == 0)
		r = print_safe(id ? id : "", "");
	for (size_t j = 0; r == 0 && j < i; j++) {
		fputs(j ? ", " : " (", stdout);
		if ((r = print_safe(keys[j], "=")) == 0)
			r = print_safe(json_string_value(json_object_get(attrs, keys[j])), "");
	}
	printf("%s\n", i ? ")" : "");
	return r;
}

/* The event as Docker's JSON has it: time in seconds and timeNano, scope,
 * and the older status, id and from of container events.  For templates
 * also the names of Docker's Go fields (.Time, .ID, .Status...). */
static json_t *docker_event(const json_t *ev, bool go_names)
{
	json_t *d = json_copy((json_t *)ev), *actor = json_object_get(ev, "Actor");
	json_int_t ns = json_integer_value(json_object_get(ev, "timeNano"));
	const char *type = json_string_value(json_object_get(ev, "Type"));
	json_t *more = json_pack("{s:I,s:s}", "time", (json_int_t)(ns / 1000000000), "scope",
				 "local");
	if (!d || !more || json_object_update_new(d, more) < 0)
		return json_decref(d), NULL;
	if ((!type || strcmp(type, "container") == 0) &&
	    json_object_update_new(
		    d,
		    json_pack("{s:O?,s:O?,s:O?}", "status", json_object_get(ev, "Action"), "id",
			      json_object_get(actor, "ID"), "from",
			      json_object_get(json_object_get(actor, "Attributes"), "image"))) < 0)
		return json_decref(d), NULL;
	static const char *const alias[][2] = { { "Time", "time" },   { "TimeNano", "timeNano" },
						{ "Scope", "scope" }, { "Status", "status" },
						{ "ID", "id" },       { "From", "from" } };
	for (size_t i = 0; go_names && i < BRIG_ARRAY_SIZE(alias); i++) {
		json_t *v = json_object_get(d, alias[i][1]);
		if (v && json_object_set(d, alias[i][0], v) < 0)
			return json_decref(d), NULL;
	}
	return d;
}

static int print_event(const json_t *ev, void *arg)
{
	struct events_out *o = arg;
	int r = 0;
	_cleanup_json_ json_t *d = o->fmt == FMT_TEXT ? NULL : docker_event(ev, o->fmt != FMT_JSON);
	if (o->fmt != FMT_TEXT && !d)
		return -ENOMEM;
	if (o->fmt == FMT_TEXT) {
		r = print_text(ev);
	} else if (o->fmt == FMT_JSON) {
		_cleanup_free_ char *s = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
		_cleanup_free_ char *safe = s ? brig_term_escape_json(s, strlen(s)) : NULL;
		if (!safe)
			return -ENOMEM;
		printf("%s\n", safe);
	} else {
		_cleanup_err_ struct brig_err e = { 0 };
		_cleanup_free_ char *s = NULL;
		if (tpl_render(o->tpl, d, &s, &e) < 0) {
			fprintf(stderr, "brig: events --format: %s\n", brig_err_str(&e));
			return -EINVAL;
		}
		printf("%s\n", s);
	}
	if (r == 0 && fflush(stdout) != 0)
		return -EPIPE;
	return r;
}

static int events_times(struct opt *o, struct eng_events_filter *f, struct brig_err *e)
{
	int64_t now = now_ns();
	const char *since = opts_find(o, "since")->value, *until = opts_find(o, "until")->value;
	int r;
	if (since && (r = eng_logs_parse_time(since, now, &f->since_ns, e)) < 0)
		return brig_err_wrap(e, "--since");
	if (until && (r = eng_logs_parse_time(until, now, &f->until_ns, e)) < 0)
		return brig_err_wrap(e, "--until");
	if (!since && !until)
		f->since_ns = now; /* only what happens from now on */
	if (f->until_ns < 0 || f->since_ns < 0)
		return brig_err_set(e, -ERANGE, "--since/--until: before 1970");
	if (until && f->until_ns == 0)
		f->until_ns = 1; /* the epoch itself: nothing, and no following */
	return 0;
}

static int events_setup(struct opt *o, struct eng_events_filter *f, struct events_out *out,
			struct brig_err *e)
{
	int r = events_times(o, f, e);
	struct opt *fl = opts_find(o, "filter");
	for (size_t i = 0; r == 0 && i < fl->n; i++)
		r = eng_events_filter_add(f, fl->list[i], e);
	const char *format = opts_find(o, "format")->value;
	if (r < 0 || !format)
		return r;
	if (strcmp(format, "json") == 0) {
		out->fmt = FMT_JSON;
		return 0;
	}
	out->fmt = FMT_TEMPLATE;
	return tpl_parse(format, &out->tpl, e);
}

int brig_cmd_events(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = {
		OPT_VALUE("since", 0, "TIME",
			  "show events from this time on (RFC 3339, unix seconds, or 10m)"),
		OPT_VALUE("until", 0, "TIME", "stop at this time (default: keep following)"),
		OPT_MULTI("filter", 'f', "FILTER",
			  "container=ID|NAME, event=ACTION, type=container"),
		OPT_VALUE("format", 0, "FORMAT", "json (one object a line) or a Go template"),
		{ 0 }
	};
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = brig_parse("events", "", o, argc, argv, &pos, &npos, 0, 0);
	if (p <= 0)
		return opts_free(o), p == 0 ? 0 : BRIG_EXIT_FAIL;
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_eng_ struct eng *eng = NULL;
	struct eng_events_filter f = { 0 };
	struct events_out out = { .fmt = FMT_TEXT };
	int r = events_setup(o, &f, &out, &e);
	if (r == 0)
		r = brig_engine_open(g, &eng, &e);
	if (r == 0) {
		r = eng_events_read(eng, &f, f.until_ns == 0, print_event, &out, &e);
		if (r > 0 || r == -EPIPE)
			r = 0;
		else if (r < 0 && !e.code)
			brig_err_set(&e, r, "brig events: %s", strerror(-r));
	}
	tpl_free(out.tpl);
	eng_events_filter_clear(&f);
	opts_free(o);
	return r < 0 ? brig_fail(&e) : 0;
}
