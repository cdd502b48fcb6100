/* SPDX-License-Identifier: Apache-2.0 */
/* --ulimit NAME=SOFT[:HARD] -> process.rlimits. */
#include "engine/flags/flags-internal.h"

#include <stdio.h>
#include <string.h>

const struct eng_ulimit_name eng_ulimit_names[ENG_ULIMIT_COUNT] = {
	{ "as", "RLIMIT_AS" },
	{ "core", "RLIMIT_CORE" },
	{ "cpu", "RLIMIT_CPU" },
	{ "data", "RLIMIT_DATA" },
	{ "fsize", "RLIMIT_FSIZE" },
	{ "locks", "RLIMIT_LOCKS" },
	{ "memlock", "RLIMIT_MEMLOCK" },
	{ "msgqueue", "RLIMIT_MSGQUEUE" },
	{ "nice", "RLIMIT_NICE" },
	{ "nofile", "RLIMIT_NOFILE" },
	{ "nproc", "RLIMIT_NPROC" },
	{ "rss", "RLIMIT_RSS" },
	{ "rtprio", "RLIMIT_RTPRIO" },
	{ "rttime", "RLIMIT_RTTIME" },
	{ "sigpending", "RLIMIT_SIGPENDING" },
	{ "stack", "RLIMIT_STACK" },
};

void eng_ulimit_names_text(char buf[ENG_ULIMIT_NAMES_TEXT])
{
	size_t at = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < ENG_ULIMIT_COUNT; i++) {
		int n = snprintf(buf + at, ENG_ULIMIT_NAMES_TEXT - at, "%s%s", i ? ", " : "",
				 eng_ulimit_names[i].name);
		if (n < 0 || (size_t)n >= ENG_ULIMIT_NAMES_TEXT - at)
			return; /* cut: the buffer is sized for the table */
		at += (size_t)n;
	}
}

/* A limit: a non-negative number, or -1 / "unlimited" (stored as -1). */
static int parse_limit(const char *s, int64_t *out, struct brig_err *e)
{
	if (strcmp(s, "unlimited") == 0 || strcmp(s, "-1") == 0) {
		*out = -1;
		return 0;
	}
	if (*s == '+' || brig_parse_i64(s, out) < 0 || *out < 0)
		return brig_err_set(e, -EINVAL,
				    "invalid limit \"%.64s\" (a number, -1 or "
				    "\"unlimited\")",
				    s);
	return 0;
}

/* -1 (unlimited) compares above every number. */
static bool limit_le(int64_t a, int64_t b)
{
	if (b == -1)
		return true;
	return a != -1 && a <= b;
}

static int parse_ulimit(const char *v, struct eng_ulimit *u, struct brig_err *e)
{
	const char *eq = strchr(v, '=');
	if (!eq || eq == v)
		return brig_err_set(e, -EINVAL, "\"%.64s\" is not NAME=SOFT[:HARD]", v);
	size_t n = (size_t)(eq - v);
	u->name = NULL;
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(eng_ulimit_names); i++)
		if (strlen(eng_ulimit_names[i].name) == n &&
		    strncmp(eng_ulimit_names[i].name, v, n) == 0) {
			u->name = eng_ulimit_names[i].name;
			u->oci = eng_ulimit_names[i].oci;
		}
	if (!u->name) {
		char names[ENG_ULIMIT_NAMES_TEXT];
		eng_ulimit_names_text(names);
		return brig_err_set(e, -EINVAL, "unknown ulimit \"%.*s\" (one of %s)",
				    (int)(n > 32 ? 32 : n), v, names);
	}
	_cleanup_free_ char *vals = strdup(eq + 1);
	if (!vals)
		return brig_err_oom(e);
	char *colon = strchr(vals, ':');
	if (colon)
		*colon = '\0';
	int r = parse_limit(vals, &u->soft, e);
	if (r < 0)
		return r;
	u->hard = u->soft;
	if (colon && (r = parse_limit(colon + 1, &u->hard, e)) < 0)
		return r;
	if (!limit_le(u->soft, u->hard))
		return brig_err_set(e, -EINVAL, "%s: soft limit %s is above hard limit %s", u->name,
				    vals, colon + 1);
	return 0;
}

int eng_set_ulimit(struct eng_flags *f, const char *v, struct brig_err *e)
{
	struct eng_ulimit u;
	int r = parse_ulimit(v, &u, e);
	if (r < 0)
		return r;
	for (size_t i = 0; i < f->n_ulimits; i++)
		if (f->ulimits[i].name == u.name) { /* the last one wins */
			f->ulimits[i] = u;
			return 0;
		}
	struct eng_ulimit *nu = realloc(f->ulimits, (f->n_ulimits + 1) * sizeof(*nu));
	if (!nu)
		return brig_err_oom(e);
	f->ulimits = nu;
	f->ulimits[f->n_ulimits++] = u;
	return 0;
}

static json_t *rlimit_json(const struct eng_ulimit *u)
{
	json_int_t soft = u->soft == -1 ? ENG_RLIM_UNLIMITED_JSON : u->soft;
	json_int_t hard = u->hard == -1 ? ENG_RLIM_UNLIMITED_JSON : u->hard;
	return json_pack("{s:s,s:I,s:I}", "type", u->oci, "hard", hard, "soft", soft);
}

int eng_apply_ulimits(const struct eng_flags *f, json_t *oci, struct brig_err *e)
{
	if (f->n_ulimits == 0)
		return 0;
	json_t *proc = eng_json_obj(oci, "process");
	json_t *rl = proc ? eng_json_arr(proc, "rlimits") : NULL;
	if (!rl)
		return brig_err_set(e, -EINVAL, "process.rlimits is not an array");
	for (size_t i = 0; i < f->n_ulimits; i++) {
		const struct eng_ulimit *u = &f->ulimits[i];
		json_t *obj = rlimit_json(u);
		if (!obj)
			return brig_err_oom(e);
		size_t j;
		json_t *old;
		bool replaced = false;
		json_array_foreach(rl, j, old)
		{
			const char *t = json_string_value(json_object_get(old, "type"));
			if (t && strcmp(t, u->oci) == 0) {
				(void)json_array_set(rl, j, obj);
				replaced = true;
				break;
			}
		}
		int r = replaced ? 0 : json_array_append(rl, obj);
		json_decref(obj);
		if (r < 0)
			return brig_err_oom(e);
	}
	return 0;
}

int eng_hc_ulimits(const struct eng_flags *f, json_t *hc)
{
	if (f->n_ulimits == 0)
		return json_object_set_new(hc, "Ulimits", json_null());
	json_t *a = json_array();
	for (size_t i = 0; a && i < f->n_ulimits; i++)
		if (json_array_append_new(a,
					  json_pack("{s:s,s:I,s:I}", "Name", f->ulimits[i].name,
						    "Hard", (json_int_t)f->ulimits[i].hard, "Soft",
						    (json_int_t)f->ulimits[i].soft)) < 0) {
			json_decref(a);
			return -1;
		}
	return json_object_set_new(hc, "Ulimits", a);
}
