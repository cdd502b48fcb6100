/* SPDX-License-Identifier: Apache-2.0 */
/* brig ps, brig inspect, brig container inspect. */
#include "cli/brig/brig-internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

/* "Up 3 minutes", "Exited (0) 2 seconds ago", "Created". */
static void status_text(const json_t *st, char buf[128])
{
	const char *status = jstr(st, "Status");
	char d[64];
	if (strcmp(status, "running") == 0) {
		brig_human_elapsed(jstr(st, "StartedAt"), d);
		snprintf(buf, 128, "Up %s", d);
	} else if (strcmp(status, "exited") == 0 || strcmp(status, "restarting") == 0) {
		const char *fin = jstr(st, "FinishedAt");
		brig_human_since(fin, d);
		snprintf(buf, 128, "%s (%lld)%s%s", status[0] == 'r' ? "Restarting" : "Exited",
			 (long long)json_integer_value(json_object_get(st, "ExitCode")),
			 strncmp(fin, "0001-", 5) == 0 ? "" : " ",
			 strncmp(fin, "0001-", 5) == 0 ? "" : d);
	} else {
		snprintf(buf, 128, "%c%s", status[0] ? status[0] - 32 : '?',
			 status[0] ? status + 1 : "");
	}
}

static char *command_text(const json_t *rec, bool no_trunc)
{
	char *s = NULL;
	size_t len = 0, i;
	json_t *a;
	if (brig_appendf(&s, &len, "%s", jstr(rec, "Path")) < 0)
		return NULL;
	json_array_foreach(json_object_get(rec, "Args"), i, a)
	{
		const char *v = json_string_value(a);
		if (brig_appendf(&s, &len, " %s", v ? v : "") < 0) {
			free(s);
			return NULL;
		}
	}
	if (!no_trunc && len > 20) {
		len = 19;
		s[len] = '\0';
		if (brig_appendf(&s, &len, "\xe2\x80\xa6") < 0) { /* an ellipsis, as Docker */
			free(s);
			return NULL;
		}
	}
	return s;
}

/* The rest of Docker's ps fields (docs/output.md): the mounts by volume
 * name or source, how many are volumes, the network, the size (not
 * measured: "0B" as Docker's without --size). */
static int ps_more(const json_t *rec, bool no_trunc, json_t *row)
{
	_cleanup_free_ char *mounts = NULL;
	size_t len = 0, i, vols = 0;
	json_t *m;
	json_array_foreach(json_object_get(rec, "Mounts"), i, m)
	{
		const char *name = jstr(m, json_object_get(m, "Name") ? "Name" : "Source");
		vols += strcmp(jstr(m, "Type"), "volume") == 0;
		int n = !no_trunc && strlen(name) > 15 ? 14 : (int)strlen(name);
		if (brig_appendf(&mounts, &len, "%s%.*s%s", i ? "," : "", n, name,
				 n < (int)strlen(name) ? "\xe2\x80\xa6" : "") < 0)
			return -ENOMEM;
	}
	char nvols[24];
	snprintf(nvols, sizeof(nvols), "%zu", vols);
	const char *net = jstr(json_object_get(rec, "HostConfig"), "NetworkMode");
	return json_object_update_new(row,
				      json_pack("{s:s,s:s,s:s,s:s}", "Mounts", mounts ? mounts : "",
						"LocalVolumes", nvols, "Networks", net, "Size",
						"0B"));
}

static json_t *ps_row(const json_t *rec, bool no_trunc)
{
	const json_t *cfg = json_object_get(rec, "Config"), *st = json_object_get(rec, "State");
	char status[128], since[64], id[ENG_ID_LEN + 1];
	status_text(st, status);
	brig_human_since(jstr(rec, "Created"), since);
	snprintf(id, sizeof(id), "%s", jstr(rec, "Id"));
	if (!no_trunc)
		id[12] = '\0';
	_cleanup_free_ char *cmd = command_text(rec, no_trunc);
	_cleanup_free_ char *labels = brig_labels_text(json_object_get(cfg, "Labels"));
	const char *name = jstr(rec, "Name");
	json_t *row = json_pack(
		"{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "ID", id, "Image", jstr(cfg, "Image"),
		"Command", cmd ? cmd : "", "CreatedAt", jstr(rec, "Created"), "RunningFor", since,
		"Status", status, "State", jstr(st, "Status"), "Names",
		name[0] == '/' ? name + 1 : name, "Labels", labels ? labels : "", "Ports", "");
	if (row && ps_more(rec, no_trunc, row) < 0)
		json_decref(row), row = NULL;
	return row;
}

/* --filter label=K[=V] | name=N | id=PREFIX | status=S */
static bool matches(const json_t *rec, const struct opt *filters)
{
	for (size_t i = 0; i < filters->n; i++) {
		const char *f = filters->list[i];
		const char *eq = strchr(f, '=');
		const char *val = eq + 1;
		size_t klen = (size_t)(eq - f);
		if (strncmp(f, "label", klen) == 0) {
			const json_t *labels = json_object_get(json_object_get(rec, "Config"),
							       "Labels");
			const char *veq = strchr(val, '=');
			_cleanup_free_ char *key = veq ? strndup(val, (size_t)(veq - val))
						       : strdup(val);
			const json_t *have = key ? json_object_get(labels, key) : NULL;
			if (!have || (veq && strcmp(json_string_value(have), veq + 1) != 0))
				return false;
		} else if (strncmp(f, "name", klen) == 0) {
			if (!strstr(jstr(rec, "Name"), val))
				return false;
		} else if (strncmp(f, "id", klen) == 0) {
			if (strncmp(jstr(rec, "Id"), val, strlen(val)) != 0)
				return false;
		} else if (strcmp(jstr(json_object_get(rec, "State"), "Status"), val) != 0) {
			return false; /* status= */
		}
	}
	return true;
}

static int check_filters(const struct opt *filters, struct brig_err *e)
{
	static const char *const keys[] = { "label", "name", "id", "status" };
	for (size_t i = 0; i < filters->n; i++) {
		const char *f = filters->list[i], *eq = strchr(f, '=');
		bool ok = false;
		for (size_t k = 0; eq && eq[1] && k < BRIG_ARRAY_SIZE(keys); k++)
			ok |= strlen(keys[k]) == (size_t)(eq - f) &&
				strncmp(f, keys[k], (size_t)(eq - f)) == 0;
		if (!ok)
			return brig_err_set(e, -EINVAL,
					    "--filter: \"%s\": use label=KEY[=VALUE], "
					    "name=NAME, id=PREFIX or status=STATUS",
					    f);
	}
	return 0;
}

static const struct table_col ps_cols[] = {
	{ "CONTAINER ID", 0 }, { "IMAGE", 0 }, { "COMMAND", 0 }, { "CREATED", 0 },
	{ "STATUS", 0 },       { "PORTS", 0 }, { "NAMES", 0 },
};
static const char *const ps_keys[] = { "ID",     "Image", "Command", "RunningFor",
				       "Status", "Ports", "Names" };
static const struct brig_listing ps_listing = { ps_cols, ps_keys, BRIG_ARRAY_SIZE(ps_cols), 0,
						"ID" };

static int ps_rows(struct eng *eng, struct opt *o, json_t *rows, struct brig_err *e)
{
	_cleanup_json_ json_t *all = NULL;
	int r = eng_list(eng, &all, e);
	if (r < 0)
		return r;
	bool every = opts_find(o, "all")->set, no_trunc = opts_find(o, "no-trunc")->set;
	size_t i;
	json_t *rec;
	for (i = json_array_size(all); i-- > 0;) { /* newest first */
		rec = json_array_get(all, i);
		if (!every &&
		    !json_is_true(json_object_get(json_object_get(rec, "State"), "Running")))
			continue;
		if (!matches(rec, opts_find(o, "filter")))
			continue;
		json_t *row = ps_row(rec, no_trunc);
		if (!row || json_array_append_new(rows, row) < 0)
			return brig_err_set(e, -ENOMEM, "out of memory");
	}
	return 0;
}

int brig_cmd_ps(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = { OPT_FLAG("all", 'a', "show every container (default: the running ones)"),
			   OPT_FLAG("quiet", 'q', "only the ids"),
			   OPT_FLAG("no-trunc", 0, "full ids and commands"),
			   OPT_MULTI("filter", 'f', "FILTER",
				     "label=KEY[=VALUE], name=, id=, status="),
			   OPT_VALUE("format", 0, "FORMAT",
				     "table, json (one object a line) or a Go template"),
			   { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = brig_parse("ps", "", o, argc, argv, &pos, &npos, 0, 0);
	if (p <= 0)
		return opts_free(o), p == 0 ? 0 : BRIG_EXIT_FAIL;
	static const struct brig_lister lister = { check_filters, ps_rows, &ps_listing };
	int rc = brig_list(g, o, &lister);
	opts_free(o);
	return rc;
}
