/* SPDX-License-Identifier: Apache-2.0 */
/* brig volume create|ls|inspect|rm|prune (engine/volume.h). */
#include "cli/brig/brig-internal.h"
#include "engine/volume.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

/* --label K=V (or K: an empty value) into an object. */
static int parse_labels(const struct opt *o, json_t **out, struct brig_err *e)
{
	_cleanup_json_ json_t *labels = json_object();
	if (!labels)
		return brig_err_set(e, -ENOMEM, "out of memory");
	if (o->n > ENG_VOLUME_LABELS_MAX)
		return brig_err_set(e, -EINVAL, "--label: at most %d labels",
				    ENG_VOLUME_LABELS_MAX);
	for (size_t i = 0; i < o->n; i++) {
		const char *kv = o->list[i], *eq = strchr(kv, '=');
		_cleanup_free_ char *key = eq ? strndup(kv, (size_t)(eq - kv)) : strdup(kv);
		if (!key)
			return brig_err_set(e, -ENOMEM, "out of memory");
		if (!key[0])
			return brig_err_set(e, -EINVAL, "--label \"%.64s\": the key is empty", kv);
		if (json_object_set_new(labels, key, json_string(eq ? eq + 1 : "")) < 0)
			return brig_err_set(e, -EINVAL, "--label \"%.64s\": not UTF-8", kv);
	}
	*out = brig_steal_ptr(labels);
	return 0;
}

static int create_checks(struct opt *o, size_t npos, struct brig_err *e)
{
	const char *driver = opts_find(o, "driver")->value;
	if (driver && strcmp(driver, "local") != 0)
		return brig_err_set(e, -EINVAL, "--driver \"%.64s\": only \"local\" exists",
				    driver);
	if (npos && opts_find(o, "name")->set)
		return brig_err_set(e, -EINVAL, "give the name once: as --name or as NAME");
	return 0;
}

int brig_cmd_volume_create(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = {
		OPT_MULTI("label", 'l', "LABEL", "a label KEY=VALUE"),
		OPT_VALUE("name", 0, "NAME", "the volume's name"),
		OPT_VALUE("driver", 'd', "DRIVER", "the driver: local (the only one)"),
		OPT_MULTI("opt", 'o', "OPT",
			  "size=SIZE: most the volume may hold (store on btrfs with quotas)"),
		{ 0 }
	};
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = brig_parse("volume create", "[NAME]", o, argc, argv, &pos, &npos, 0, 1);
	if (p <= 0)
		return opts_free(o), p == 0 ? 0 : BRIG_EXIT_FAIL;
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_eng_ struct eng *eng = NULL;
	_cleanup_json_ json_t *labels = NULL, *doc = NULL;
	const char *name = npos ? pos[0] : opts_find(o, "name")->value;
	int r = create_checks(o, npos, &e);
	if (r == 0)
		r = parse_labels(opts_find(o, "label"), &labels, &e);
	if (r == 0)
		r = brig_engine_open(g, &eng, &e);
	if (r == 0)
		r = eng_volume_create(eng, name, labels, (char *const *)opts_find(o, "opt")->list,
				      opts_find(o, "opt")->n, &doc, &e);
	if (r == 0)
		printf("%s\n", jstr(doc, "Name"));
	opts_free(o);
	return r < 0 ? brig_fail(&e) : 0;
}

/* ---- ls ------------------------------------------------------------------- */

static int check_filters(const struct opt *filters, struct brig_err *e)
{
	static const char *const keys[] = { "dangling", "label", "name", "driver" };
	for (size_t i = 0; i < filters->n; i++) {
		const char *f = filters->list[i], *eq = strchr(f, '=');
		bool ok = false;
		for (size_t k = 0; eq && eq[1] && k < BRIG_ARRAY_SIZE(keys); k++)
			ok |= strlen(keys[k]) == (size_t)(eq - f) &&
				strncmp(f, keys[k], (size_t)(eq - f)) == 0;
		if (ok && f[0] == 'd' && f[1] == 'a')
			ok = !strcmp(eq + 1, "true") || !strcmp(eq + 1, "false") ||
				!strcmp(eq + 1, "1") || !strcmp(eq + 1, "0");
		if (!ok)
			return brig_err_set(e, -EINVAL,
					    "--filter: \"%s\": use dangling=true|false, "
					    "label=KEY[=VALUE], name=NAME or driver=local",
					    f);
	}
	return 0;
}

static bool label_matches(const json_t *labels, const char *val)
{
	const char *veq = strchr(val, '=');
	size_t klen = veq ? (size_t)(veq - val) : strlen(val);
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)labels, k,
			    v) if (strlen(k) == klen && strncmp(k, val, klen) == 0) return !veq ||
		strcmp(json_string_value(v), veq + 1) == 0;
	return false;
}

/* Every filter must match (Docker ANDs different keys; so do we for all). */
static bool matches(const json_t *vol, const struct opt *filters)
{
	for (size_t i = 0; i < filters->n; i++) {
		const char *f = filters->list[i], *val = strchr(f, '=') + 1;
		if (strncmp(f, "dangling=", 9) == 0) {
			bool want = val[0] == 't' || val[0] == '1';
			if ((json_array_size(json_object_get(vol, "UsedBy")) == 0) != want)
				return false;
		} else if (strncmp(f, "label=", 6) == 0) {
			if (!label_matches(json_object_get(vol, "Labels"), val))
				return false;
		} else if (strncmp(f, "name=", 5) == 0) {
			if (!strstr(jstr(vol, "Name"), val))
				return false;
		} else if (strcmp(jstr(vol, "Driver"), val) != 0) {
			return false; /* driver= */
		}
	}
	return true;
}

static json_t *ls_row(const json_t *vol)
{
	_cleanup_free_ char *text = brig_labels_text(json_object_get(vol, "Labels"));
	char links[32];
	if (!text)
		return NULL;
	(void)snprintf(links, sizeof(links), "%zu",
		       json_array_size(json_object_get(vol, "UsedBy")));
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "Name", jstr(vol, "Name"), "Driver",
			 jstr(vol, "Driver"), "Scope", "local", "Mountpoint",
			 jstr(vol, "Mountpoint"), "CreatedAt", jstr(vol, "CreatedAt"), "Labels",
			 text, "Size", "N/A", "Links", links);
}

static const struct table_col ls_cols[] = { { "DRIVER", 10 }, { "VOLUME NAME", 0 } };
static const char *const ls_keys[] = { "Driver", "Name" };
static const struct brig_listing ls_listing = { ls_cols, ls_keys, BRIG_ARRAY_SIZE(ls_cols), 0,
						"Name" };

static int ls_rows(struct eng *eng, struct opt *o, json_t *rows, struct brig_err *e)
{
	const struct opt *filters = opts_find(o, "filter");
	_cleanup_json_ json_t *all = NULL;
	int r = eng_volume_list(eng, &all, e);
	if (r < 0)
		return r;
	size_t i;
	json_t *vol;
	json_array_foreach(all, i, vol)
	{
		if (!matches(vol, filters))
			continue;
		json_t *row = ls_row(vol);
		if (!row || json_array_append_new(rows, row) < 0)
			return brig_err_set(e, -ENOMEM, "out of memory");
	}
	return 0;
}

int brig_cmd_volume_ls(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = { OPT_FLAG("quiet", 'q', "only the names"),
			   OPT_MULTI("filter", 'f', "FILTER",
				     "dangling=true|false, label=KEY[=VALUE], name=, driver="),
			   OPT_VALUE("format", 0, "FORMAT",
				     "table, json (one object a line) or a Go template"),
			   { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = brig_parse("volume ls", "", o, argc, argv, &pos, &npos, 0, 0);
	if (p <= 0)
		return opts_free(o), p == 0 ? 0 : BRIG_EXIT_FAIL;
	static const struct brig_lister lister = { check_filters, ls_rows, &ls_listing };
	int rc = brig_list(g, o, &lister);
	opts_free(o);
	return rc;
}

/* ---- inspect, rm ------------------------------------------------------------ */

int brig_cmd_volume_inspect(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = { OPT_VALUE("format", 'f', "FORMAT",
				     "json, or a Go template applied to each volume"),
			   { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = brig_parse("volume inspect", "VOLUME...", o, argc, argv, &pos, &npos, 1, SIZE_MAX);
	if (p <= 0)
		return opts_free(o), p == 0 ? 0 : BRIG_EXIT_FAIL;
	int rc = brig_inspect_each(g, pos, npos, opts_find(o, "format")->value, eng_volume_inspect);
	opts_free(o);
	return rc;
}

int brig_cmd_volume_rm(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = { OPT_FLAG("force", 'f', "no error for a volume that does not exist"),
			   { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = brig_parse("volume rm", "VOLUME...", o, argc, argv, &pos, &npos, 1, SIZE_MAX);
	bool force = o[0].set;
	opts_free(o);
	if (p <= 0)
		return p == 0 ? 0 : BRIG_EXIT_FAIL;
	return brig_remove_each(g, pos, npos, force, eng_volume_remove);
}

/* ---- prune ---------------------------------------------------------------- */

static int prune_filters(const struct opt *f, char ***out, struct brig_err *e)
{
	_cleanup_strv_ char **v = calloc(f->n + 1, sizeof(char *));
	if (!v)
		return brig_err_set(e, -ENOMEM, "out of memory");
	for (size_t i = 0; i < f->n; i++) {
		if (strncmp(f->list[i], "label=", 6) != 0 || !f->list[i][6])
			return brig_err_set(e, -EINVAL, "--filter: \"%s\": use label=KEY[=VALUE]",
					    f->list[i]);
		if (!(v[i] = strdup(f->list[i] + 6)))
			return brig_err_set(e, -ENOMEM, "out of memory");
	}
	*out = brig_steal_ptr(v);
	return 0;
}

static void prune_print(const json_t *removed)
{
	uint64_t total = 0;
	size_t i;
	json_t *v;
	char human[32];
	if (json_array_size(removed))
		printf("Deleted Volumes:\n");
	json_array_foreach(removed, i, v)
	{
		printf("%s\n", jstr(v, "Name"));
		total += (uint64_t)json_integer_value(json_object_get(v, "Size"));
	}
	if (json_array_size(removed))
		printf("\n");
	brig_human_size(total, human);
	printf("Total reclaimed space: %s\n", human);
}

int brig_cmd_volume_prune(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = { OPT_FLAG("all", 'a', "named volumes too, not only anonymous ones"),
			   OPT_FLAG("force", 'f', "do not ask for confirmation (--all asks)"),
			   OPT_MULTI("filter", 0, "FILTER", "label=KEY[=VALUE]"),
			   { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = brig_parse("volume prune", "", o, argc, argv, &pos, &npos, 0, 0);
	if (p <= 0)
		return opts_free(o), p == 0 ? 0 : BRIG_EXIT_FAIL;
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_eng_ struct eng *eng = NULL;
	_cleanup_strv_ char **labels = NULL;
	_cleanup_json_ json_t *removed = NULL;
	bool all = opts_find(o, "all")->set;
	int r = prune_filters(opts_find(o, "filter"), &labels, &e), ok = 1;
	/* named volumes hold data someone named: ask first, as Docker does */
	if (r == 0 && all)
		ok = brig_confirm("volume prune",
				  "This will remove all local volumes not used by at least one "
				  "container.",
				  opts_find(o, "force")->set);
	if (r == 0 && ok <= 0) {
		opts_free(o);
		return ok < 0 ? 1 : 0;
	}
	if (r == 0)
		r = brig_engine_open(g, &eng, &e);
	if (r == 0)
		r = eng_volume_prune(eng, all, labels, &removed, &e);
	if (r == 0)
		prune_print(removed);
	opts_free(o);
	return r < 0 ? brig_fail(&e) : 0;
}
