/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig ps --filter, with Docker's rules: the values of one key are
 * alternatives (any may match), different keys must all match; label is
 * the exception, every label= given must match, as are before= and since=.
 */
#include "cli/brig/brig-internal.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const ps_filter_keys[] = { "ancestor", "before", "exited", "health", "id",
					      "label",    "name",   "since",  "status" };
static const char *const ps_statuses[] = { "created", "restarting", "running", "removing",
					   "paused",  "exited",     "dead" };
static const char *const ps_healths[] = { "starting", "healthy", "unhealthy", "none" };

static const char *jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static bool one_of(const char *v, const char *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v, set[i]) == 0)
			return true;
	return false;
}

/* The key of "key=value" (copied into buf; "" when it has no '='). */
static const char *filter_key(const char *f, char buf[16])
{
	const char *eq = strchr(f, '=');
	size_t n = eq ? (size_t)(eq - f) : 0;
	(void)snprintf(buf, 16, "%.*s", n < 16 ? (int)n : 0, f);
	return buf;
}

static int check_value(const char *key, const char *val, const char *f, struct brig_err *e)
{
	int64_t code;
	if (strcmp(key, "status") == 0 && !one_of(val, ps_statuses, BRIG_ARRAY_SIZE(ps_statuses)))
		return brig_err_set(e, -EINVAL,
				    "--filter: invalid status \"%s\": use created, restarting, "
				    "running, removing, paused, exited or dead",
				    val);
	if (strcmp(key, "health") == 0 && !one_of(val, ps_healths, BRIG_ARRAY_SIZE(ps_healths)))
		return brig_err_set(e, -EINVAL,
				    "--filter: invalid health \"%s\": use starting, healthy, "
				    "unhealthy or none",
				    val);
	if (strcmp(key, "exited") == 0 && (brig_parse_i64(val, &code) < 0 || code < 0))
		return brig_err_set(e, -EINVAL, "--filter: \"%s\": exited= takes an exit code", f);
	if (strcmp(key, "name") == 0) {
		regex_t re;
		if (regcomp(&re, val, REG_EXTENDED | REG_NOSUB) != 0)
			return brig_err_set(e, -EINVAL,
					    "--filter: \"%s\": not a regular expression", f);
		regfree(&re);
	}
	return 0;
}

int brig_ps_filter_check(const struct opt *filters, struct brig_err *e)
{
	for (size_t i = 0; i < filters->n; i++) {
		const char *f = filters->list[i], *eq = strchr(f, '=');
		char kb[16];
		const char *key = filter_key(f, kb);
		if (!eq || !eq[1] || !one_of(key, ps_filter_keys, BRIG_ARRAY_SIZE(ps_filter_keys)))
			return brig_err_set(
				e, -EINVAL,
				"--filter: \"%s\": use ancestor=IMAGE, before=CONTAINER, "
				"exited=CODE, health=STATE, id=PREFIX, label=KEY[=VALUE], "
				"name=REGEX, since=CONTAINER or status=STATUS",
				f);
		int r = check_value(key, eq + 1, f, e);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool label_matches(const json_t *rec, const char *val)
{
	const json_t *labels = json_object_get(json_object_get(rec, "Config"), "Labels");
	const char *veq = strchr(val, '=');
	_cleanup_free_ char *key = veq ? strndup(val, (size_t)(veq - val)) : strdup(val);
	const char *have = key ? json_string_value(json_object_get(labels, key)) : NULL;
	return have && (!veq || strcmp(have, veq + 1) == 0);
}

static bool name_matches(const json_t *rec, const char *val)
{
	const char *name = jstr(rec, "Name");
	regex_t re;
	if (regcomp(&re, val, REG_EXTENDED | REG_NOSUB) != 0)
		return false; /* checked before */
	bool m = regexec(&re, name[0] == '/' ? name + 1 : name, 0, NULL, 0) == 0;
	regfree(&re);
	return m;
}

static bool exited_matches(const json_t *rec, const char *val)
{
	const json_t *st = json_object_get(rec, "State");
	int64_t code = -1;
	(void)brig_parse_i64(val, &code);
	return strcmp(jstr(st, "Status"), "exited") == 0 &&
		json_integer_value(json_object_get(st, "ExitCode")) == code;
}

static bool health_matches(const json_t *rec, const char *val)
{
	const json_t *h = json_object_get(json_object_get(rec, "State"), "Health");
	const char *s = jstr(h, "Status");
	return strcmp(s[0] ? s : "none", val) == 0;
}

/* ancestor=: the image's config id, resolved in the store (resolved). */
static bool ancestor_matches(const json_t *rec, const char *val, const json_t *resolved)
{
	const char *want = json_string_value(json_object_get(resolved, val));
	return want && strcmp(jstr(rec, "Image"), want) == 0;
}

/* before= and since=: the named container's creation time (resolved). */
static bool order_matches(const json_t *rec, const char *key, const char *val,
			  const json_t *resolved)
{
	const char *t = json_string_value(json_object_get(resolved, val));
	int c = strcmp(jstr(rec, "Created"), t ? t : "");
	return t && (key[0] == 'b' ? c < 0 : c > 0);
}

static bool one_matches(const json_t *rec, const char *key, const char *val,
			const struct brig_ps_filter *pf)
{
	if (strcmp(key, "label") == 0)
		return label_matches(rec, val);
	if (strcmp(key, "name") == 0)
		return name_matches(rec, val);
	if (strcmp(key, "id") == 0)
		return strncmp(jstr(rec, "Id"), val, strlen(val)) == 0;
	if (strcmp(key, "status") == 0)
		return strcmp(jstr(json_object_get(rec, "State"), "Status"), val) == 0;
	if (strcmp(key, "exited") == 0)
		return exited_matches(rec, val);
	if (strcmp(key, "health") == 0)
		return health_matches(rec, val);
	if (strcmp(key, "ancestor") == 0)
		return ancestor_matches(rec, val, pf->images);
	return order_matches(rec, key, val, pf->containers);
}

static bool all_of(const char *key)
{
	return strcmp(key, "label") == 0 || strcmp(key, "before") == 0 || strcmp(key, "since") == 0;
}

bool brig_ps_filter_match(const json_t *rec, const struct opt *filters,
			  const struct brig_ps_filter *pf)
{
	for (size_t k = 0; k < BRIG_ARRAY_SIZE(ps_filter_keys); k++) {
		const char *key = ps_filter_keys[k];
		bool given = false, any = false, every = true;
		for (size_t i = 0; i < filters->n; i++) {
			char kb[16];
			if (strcmp(filter_key(filters->list[i], kb), key) != 0)
				continue;
			bool m = one_matches(rec, key, strchr(filters->list[i], '=') + 1, pf);
			given = true;
			any |= m;
			every &= m;
		}
		if (given && !(all_of(key) ? every : any))
			return false;
	}
	return true;
}

/* The config id of an image named by ancestor=. */
static int resolve_image(struct eng *eng, const char *what, json_t *out, struct brig_err *e)
{
	_cleanup_img_store_ struct img_store *s = NULL;
	struct img_descriptor d = { 0 };
	struct brig_image im;
	int r = eng_store_open(eng_root(eng), &s, e);
	if (r < 0 || (r = img_store_resolve(s, what, &d, e)) < 0)
		return r;
	r = brig_image_load(s, &d, &im, e);
	img_descriptor_clear(&d);
	if (r < 0)
		return r;
	r = json_object_set_new(out, what, json_string(im.id)) < 0 ? brig_err_oom(e) : 0;
	brig_image_clear(&im);
	return r;
}

/* The creation time of a container named by before= or since=. */
static int resolve_container(struct eng *eng, const char *what, json_t *out, struct brig_err *e)
{
	char id[ENG_ID_LEN + 1];
	_cleanup_json_ json_t *rec = NULL;
	int r = eng_find(eng, what, id, e);
	if (r < 0 || (r = eng_inspect(eng, id, &rec, e)) < 0)
		return r;
	return json_object_set_new(out, what, json_string(jstr(rec, "Created"))) < 0
		? brig_err_oom(e)
		: 0;
}

int brig_ps_filter_resolve(struct eng *eng, const struct opt *filters, struct brig_ps_filter *pf,
			   struct brig_err *e)
{
	pf->images = json_object();
	pf->containers = json_object();
	if (!pf->images || !pf->containers)
		return brig_err_oom(e);
	for (size_t i = 0; i < filters->n; i++) {
		const char *f = filters->list[i], *val = strchr(f, '=') + 1;
		int r = 0;
		if (strncmp(f, "ancestor=", 9) == 0)
			r = resolve_image(eng, val, pf->images, e);
		else if (strncmp(f, "before=", 7) == 0 || strncmp(f, "since=", 6) == 0)
			r = resolve_container(eng, val, pf->containers, e);
		if (r < 0)
			return brig_err_wrap(e, "--filter %s", f);
	}
	return 0;
}

void brig_ps_filter_clear(struct brig_ps_filter *pf)
{
	json_decref(pf->images);
	json_decref(pf->containers);
	*pf = (struct brig_ps_filter){ 0 };
}
