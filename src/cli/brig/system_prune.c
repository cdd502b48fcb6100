/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig system prune: stopped containers, with --volumes the unused
 * anonymous volumes, the dangling images (-a: every image no container was
 * made from), then the store's gc (image prune): unreferenced blobs and
 * unpacked layers.  Filters (until=, label=) apply to containers and
 * images, label= to volumes too.
 */
#include "cli/brig/brig-internal.h"
#include "engine/logs/logs.h"
#include "engine/volume.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sys_prune {
	struct eng *eng;
	struct img_store *s;
	bool all;
	int64_t until_ns;
	char *const *labels;
	json_t *deleted; /* the lines of "Deleted Images:" */
};

/* Does image im qualify: old enough, labelled as asked, no container's? */
static int image_prunable(struct sys_prune *p, const struct brig_image *im, struct brig_err *e)
{
	for (size_t i = 0; p->labels && p->labels[i]; i++) {
		const char *l = p->labels[i], *eq = strchr(l, '=');
		_cleanup_free_ char *k = eq ? strndup(l, (size_t)(eq - l)) : strdup(l);
		const char *have = k ? img_kv_get(&im->config.labels, k) : NULL;
		if (!have || (eq && strcmp(have, eq + 1) != 0))
			return 0;
	}
	_cleanup_err_ struct brig_err e2 = { 0 };
	int64_t created = 0;
	if (p->until_ns &&
	    (!im->config.created || eng_logs_parse_time(im->config.created, 0, &created, &e2) < 0 ||
	     created >= p->until_ns))
		return 0;
	char cid[ENG_ID_LEN + 1];
	int r = eng_image_in_use(p->eng, im->id, cid, e);
	return r < 0 ? r : !r;
}

static int note(json_t *lines, const char *fmt, const char *what, struct brig_err *e)
{
	char buf[512];
	snprintf(buf, sizeof(buf), fmt, what);
	return json_array_append_new(lines, json_string(buf)) < 0 ? brig_err_oom(e) : 0;
}

/* One index.json entry: an unnamed one goes; a name goes with -a. */
static int prune_entry(struct sys_prune *p, const struct img_list_entry *ent, struct brig_err *e)
{
	if (ent->name && !p->all)
		return 0;
	struct brig_image im;
	int r = brig_image_load(p->s, &ent->desc, &im, e);
	if (r < 0)
		return r;
	if ((r = image_prunable(p, &im, e)) <= 0)
		goto out;
	if (ent->name) {
		_cleanup_free_ char *f = brig_familiar(ent->name);
		if ((r = img_store_untag(p->s, ent->name, e)) == 0)
			r = note(p->deleted, "untagged: %s", f ? f : ent->name, e);
	} else if ((r = img_store_remove(p->s, ent->desc.digest, e)) == 0) {
		r = note(p->deleted, "deleted: %s", im.id, e);
	} else if (r == -ENOENT) {
		brig_err_clear(e); /* a name of the same image keeps it */
		r = 0;
	}
out:
	brig_image_clear(&im);
	return r;
}

static int prune_images(struct sys_prune *p, struct brig_err *e)
{
	struct img_list_entry *v = NULL;
	size_t n = 0;
	int r = img_store_list(p->s, &v, &n, e);
	for (size_t i = 0; r == 0 && i < n; i++)
		r = prune_entry(p, &v[i], e);
	img_store_list_free(v, n);
	return r;
}

static void print_lines(const char *head, const json_t *lines, const char *key)
{
	size_t i;
	json_t *v;
	if (json_array_size(lines))
		printf("%s:\n", head);
	json_array_foreach(lines, i, v) printf(
		"%s\n", key ? json_string_value(json_object_get(v, key)) : json_string_value(v));
	if (json_array_size(lines))
		printf("\n");
}

/* The bytes the parts report. */
static uint64_t sum_sizes(const json_t *items, const char *key)
{
	uint64_t n = 0;
	size_t i;
	json_t *v;
	json_array_foreach(items, i, v) n += (uint64_t)json_integer_value(json_object_get(v, key));
	return n;
}

static int system_prune(const struct brig_global *g, struct sys_prune *p, bool volumes,
			struct brig_err *e)
{
	_cleanup_json_ json_t *ctrs = NULL, *vols = NULL, *rep = NULL;
	int r = eng_container_prune(p->eng, p->until_ns, p->labels, &ctrs, e);
	if (r == 0 && volumes)
		r = eng_volume_prune(p->eng, false, p->labels, &vols, e);
	if (r == 0 && (r = brig_store_open(g, &p->s, e)) == 0)
		r = prune_images(p, e);
	img_store_close(p->s);
	p->s = NULL;
	if (r == 0)
		r = brig_store_prune(g, false, &rep, e);
	print_lines("Deleted Containers", ctrs, "Id");
	print_lines("Deleted Volumes", vols, "Name");
	print_lines("Deleted Images", p->deleted, NULL);
	if (r < 0)
		return r;
	brig_print_reclaimed(
		sum_sizes(ctrs, "Size") + sum_sizes(vols, "Size") +
		(uint64_t)json_integer_value(json_object_get(rep, "reclaimed_bytes")) +
		(uint64_t)json_integer_value(json_object_get(rep, "layers_reclaimed_bytes")));
	return 0;
}

static const char *warning(bool all, bool volumes)
{
	static char buf[512];
	snprintf(buf, sizeof(buf),
		 "This will remove:\n  - all stopped containers\n%s  - %s\n"
		 "  - all blobs and unpacked layers no image or container needs",
		 volumes ? "  - all anonymous volumes not used by at least one container\n" : "",
		 all ? "all images without at least one container made from them"
		     : "all dangling images");
	return buf;
}

int brig_cmd_system_prune(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = {
		OPT_FLAG("all", 'a',
			 "every image no container was made from, not only dangling ones"),
		OPT_FLAG("force", 'f', "do not ask for confirmation"),
		OPT_FLAG("volumes", 0, "unused anonymous volumes too"),
		OPT_MULTI("filter", 0, "FILTER",
			  "until=DURATION|TIME (made before), label=KEY[=VALUE]"),
		{ 0 }
	};
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = brig_parse("system prune", "", o, argc, argv, &pos, &npos, 0, 0);
	if (p <= 0)
		return opts_free(o), p == 0 ? 0 : BRIG_EXIT_FAIL;
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_eng_ struct eng *eng = NULL;
	_cleanup_json_ json_t *deleted = json_array();
	struct brig_prune_req q = { .force = opts_find(o, "force")->set };
	bool all = opts_find(o, "all")->set, volumes = opts_find(o, "volumes")->set;
	int r = deleted ? brig_prune_filters(opts_find(o, "filter"), &q, &e) : brig_err_oom(&e);
	int ok = r == 0 ? brig_confirm("system prune", warning(all, volumes), q.force) : 0;
	if (ok > 0 && (r = brig_engine_open(g, &eng, &e)) == 0) {
		struct sys_prune sp = { eng, NULL, all, q.until_ns, q.labels, deleted };
		r = system_prune(g, &sp, volumes, &e);
	}
	brig_prune_req_clear(&q);
	opts_free(o);
	return r < 0 ? brig_fail(&e) : ok < 0 ? 1 : 0;
}
