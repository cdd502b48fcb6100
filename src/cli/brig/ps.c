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

/* " (healthy)", " (health: starting)" of a running container with a
 * healthcheck, as Docker's. */
static const char *health_text(const json_t *st, char buf[64])
{
	const char *h = jstr(json_object_get(st, "Health"), "Status");
	if (!h[0])
		return "";
	snprintf(buf, 64, strcmp(h, "starting") == 0 ? " (health: %.32s)" : " (%.32s)", h);
	return buf;
}

/* "Up 3 minutes", "Exited (0) 2 seconds ago", "Created". */
static void status_text(const json_t *st, char buf[128])
{
	const char *status = jstr(st, "Status");
	char d[64], h[64];
	if (strcmp(status, "running") == 0 || strcmp(status, "paused") == 0) {
		brig_human_elapsed(jstr(st, "StartedAt"), d);
		snprintf(buf, 128, "Up %.60s%.50s", d,
			 status[0] == 'p' ? " (Paused)" : health_text(st, h));
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

/* s in double quotes, its quotes and backslashes escaped, as Docker shows
 * a command; s is freed. */
static char *quoted(char *s)
{
	char *q = NULL;
	size_t len = 0;
	int r = brig_appendf(&q, &len, "\"");
	for (const char *p = s; r >= 0 && *p; p++)
		r = brig_appendf(&q, &len, "%s%c", *p == '"' || *p == '\\' ? "\\" : "", *p);
	if (r >= 0)
		r = brig_appendf(&q, &len, "\"");
	free(s);
	if (r < 0) {
		free(q);
		return NULL;
	}
	return q;
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
	return quoted(s);
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
	char status[128], since[64], created[64], id[ENG_ID_LEN + 1];
	status_text(st, status);
	brig_human_since(jstr(rec, "Created"), since);
	brig_docker_time(jstr(rec, "Created"), created);
	snprintf(id, sizeof(id), "%s", jstr(rec, "Id"));
	if (!no_trunc)
		id[12] = '\0';
	_cleanup_free_ char *cmd = command_text(rec, no_trunc);
	_cleanup_free_ char *labels = brig_labels_text(json_object_get(cfg, "Labels"));
	const char *name = jstr(rec, "Name");
	json_t *row = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "ID", id, "Image",
				jstr(cfg, "Image"), "Command", cmd ? cmd : "", "CreatedAt", created,
				"RunningFor", since, "Status", status, "State", jstr(st, "Status"),
				"Names", name[0] == '/' ? name + 1 : name, "Labels",
				labels ? labels : "", "Ports", "");
	if (row && ps_more(rec, no_trunc, row) < 0)
		json_decref(row), row = NULL;
	return row;
}

static const struct table_col ps_cols[] = {
	{ "CONTAINER ID", 0 }, { "IMAGE", 0 }, { "COMMAND", 0 }, { "CREATED", 0 },
	{ "STATUS", 0 },       { "PORTS", 0 }, { "NAMES", 0 },
};
static const char *const ps_keys[] = { "ID",     "Image", "Command", "RunningFor",
				       "Status", "Ports", "Names" };
static const struct table_col ps_cols_size[] = {
	{ "CONTAINER ID", 0 }, { "IMAGE", 0 }, { "COMMAND", 0 }, { "CREATED", 0 },
	{ "STATUS", 0 },       { "PORTS", 0 }, { "NAMES", 0 },   { "SIZE", 0 },
};
static const char *const ps_keys_size[] = { "ID",     "Image", "Command", "RunningFor",
					    "Status", "Ports", "Names",   "Size" };
static const struct brig_listing ps_listing = { ps_cols, ps_keys, BRIG_ARRAY_SIZE(ps_cols), 0,
						"ID" },
				 ps_listing_size = { ps_cols_size, ps_keys_size,
						     BRIG_ARRAY_SIZE(ps_cols_size), 0, "ID" };

/* -s: "2B (virtual 1.24MB)", Docker's SIZE. */
static int add_size(struct eng *eng, const json_t *rec, json_t *row, struct brig_err *e)
{
	uint64_t rw = 0, rootfs = 0;
	int r = eng_ctr_size(eng, jstr(rec, "Id"), &rw, &rootfs, e);
	if (r < 0)
		return r;
	char a[32], b[32], text[96];
	brig_human_size(rw, a);
	brig_human_size(rootfs, b);
	snprintf(text, sizeof(text), "%s (virtual %s)", a, b);
	return json_object_set_new(row, "Size", json_string(text)) < 0 ? brig_err_oom(e) : 0;
}

struct ps_req {
	bool every, no_trunc, size;
	int64_t last; /* -n, -l: the newest N (-1: all) */
	const struct opt *filters;
	struct brig_ps_filter pf;
};

/* Shown without -a: running, or asked for by -n or a status= filter. */
static bool shown(const struct ps_req *q, const json_t *rec)
{
	if (q->every || q->last >= 0 ||
	    json_is_true(json_object_get(json_object_get(rec, "State"), "Running")))
		return true;
	for (size_t i = 0; i < q->filters->n; i++)
		if (strncmp(q->filters->list[i], "status=", 7) == 0)
			return true;
	return false;
}

static int ps_collect(struct eng *eng, struct ps_req *q, json_t *rows, struct brig_err *e)
{
	_cleanup_json_ json_t *all = NULL;
	int r = eng_list(eng, &all, e);
	if (r < 0)
		return r;
	size_t i;
	json_t *rec;
	for (i = json_array_size(all); i-- > 0;) { /* newest first */
		rec = json_array_get(all, i);
		if (q->last >= 0 && json_array_size(rows) >= (size_t)q->last)
			break;
		if (!shown(q, rec) || !brig_ps_filter_match(rec, q->filters, &q->pf))
			continue;
		json_t *row = ps_row(rec, q->no_trunc);
		if (!row || json_array_append_new(rows, row) < 0)
			return brig_err_set(e, -ENOMEM, "out of memory");
		if (q->size && (r = add_size(eng, rec, row, e)) < 0)
			return r;
	}
	return 0;
}

static int ps_last(struct opt *o, int64_t *last, struct brig_err *e)
{
	const char *n = opts_find(o, "last")->value;
	*last = opts_find(o, "latest")->set ? 1 : -1;
	if (n && (brig_parse_i64(n, last) < 0 || *last < -1))
		return brig_err_set(e, -EINVAL, "--last: \"%s\" is not a number", n);
	return 0;
}

static int ps_rows(struct eng *eng, struct opt *o, json_t *rows, struct brig_err *e)
{
	struct ps_req q = { opts_find(o, "all")->set,  opts_find(o, "no-trunc")->set,
			    opts_find(o, "size")->set, -1,
			    opts_find(o, "filter"),    { 0 } };
	int r = ps_last(o, &q.last, e);
	if (r == 0)
		r = brig_ps_filter_resolve(eng, q.filters, &q.pf, e);
	if (r == 0)
		r = ps_collect(eng, &q, rows, e);
	brig_ps_filter_clear(&q.pf);
	return r;
}

int brig_cmd_ps(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = { OPT_FLAG("all", 'a', "show every container (default: the running ones)"),
			   OPT_FLAG("quiet", 'q', "only the ids"),
			   OPT_FLAG("no-trunc", 0, "full ids and commands"),
			   OPT_TYPED("last", 'n', "N",
				     "the N newest containers, in any state (default -1: all)",
				     OPT_T_INT),
			   OPT_FLAG("latest", 'l', "the newest container, in any state"),
			   OPT_FLAG("size", 's', "the size of each container's changes (SIZE)"),
			   OPT_MULTI("filter", 'f', "FILTER",
				     "ancestor=IMAGE, before=CONTAINER, since=CONTAINER, "
				     "exited=CODE, health=STATE, id=PREFIX, label=KEY[=VALUE], "
				     "name=REGEX, status=STATUS (one key's values: any; "
				     "different keys: all)"),
			   OPT_VALUE("format", 0, "FORMAT",
				     "table, json (one object a line) or a Go template"),
			   { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = brig_parse("ps", "", o, argc, argv, &pos, &npos, 0, 0);
	if (p <= 0)
		return opts_free(o), p == 0 ? 0 : BRIG_EXIT_FAIL;
	static const struct brig_lister lister = { brig_ps_filter_check, ps_rows, &ps_listing },
					lister_size = { brig_ps_filter_check, ps_rows,
							&ps_listing_size };
	int rc = brig_list(g, o, opts_find(o, "size")->set ? &lister_size : &lister);
	opts_free(o);
	return rc;
}
