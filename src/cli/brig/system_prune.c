/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig system prune: stopped containers, with --volumes the unused
 * anonymous volumes, the dangling images (-a: every image no container was
 * made from), then the store's gc (image prune): unreferenced blobs and
 * unpacked layers.  Filters (until=, label=) apply to containers and
 * images, label= to volumes too.
 */
#include "cli/brig/brig-internal.h"
#include "engine/volume.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* "untagged: busybox:latest" and "deleted: sha256:..." as Docker prints them. */
static int image_lines(const json_t *removed, json_t **out, struct brig_err *e)
{
	_cleanup_json_ json_t *lines = json_array();
	size_t i;
	json_t *v;
	json_array_foreach(lines ? removed : NULL, i, v)
	{
		const char *name = json_string_value(json_object_get(v, "Untagged"));
		_cleanup_free_ char *f = name ? brig_familiar(name) : NULL;
		_cleanup_free_ char *line = NULL;
		if (asprintf(&line, "%s: %s", name ? "untagged" : "deleted",
			     name ? (f ? f : name)
				  : json_string_value(json_object_get(v, "Deleted"))) < 0 ||
		    json_array_append_new(lines, json_string(line)) < 0)
			return brig_err_oom(e);
	}
	if (!lines)
		return brig_err_oom(e);
	*out = brig_steal_ptr(lines);
	return 0;
}

static int system_prune(struct eng *eng, const struct brig_prune_req *q, bool all, bool volumes,
			struct brig_err *e)
{
	_cleanup_json_ json_t *ctrs = NULL, *vols = NULL, *imgs = NULL, *lines = NULL, *rep = NULL;
	struct eng_image_prune ip = { all, q->until_ns, q->labels };
	int r = eng_container_prune(eng, q->until_ns, q->labels, &ctrs, e);
	if (r == 0 && volumes)
		r = eng_volume_prune(eng, false, q->labels, &vols, e);
	if (r == 0 && (r = eng_image_prune(eng, &ip, &imgs, e)) == 0)
		r = image_lines(imgs, &lines, e);
	if (r == 0)
		r = eng_store_prune(eng, false, &rep, e);
	print_lines("Deleted Containers", ctrs, "Id");
	print_lines("Deleted Volumes", vols, "Name");
	print_lines("Deleted Images", lines, NULL);
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
	struct brig_prune_req q = { .force = opts_find(o, "force")->set };
	bool all = opts_find(o, "all")->set, volumes = opts_find(o, "volumes")->set;
	int r = brig_prune_filters(opts_find(o, "filter"), &q, &e);
	int ok = r == 0 ? brig_confirm("system prune", warning(all, volumes), q.force) : 0;
	if (ok > 0 && (r = brig_engine_open(g, &eng, &e)) == 0)
		r = system_prune(eng, &q, all, volumes, &e);
	brig_prune_req_clear(&q);
	opts_free(o);
	return r < 0 ? brig_fail(&e) : ok < 0 ? 1 : 0;
}
