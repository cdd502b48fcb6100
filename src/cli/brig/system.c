/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig image prune, brig system check: the store's gc (engine/store_prune.c)
 * and verification (image/store/check.c), parsed and printed.
 */
#include "cli/brig/brig-internal.h"
#include "engine/engine.h"

#include <stdio.h>
#include <string.h>

/* --format json: the report as one line, in Docker's style (CamelCase
 * keys; image prune also has Docker's SpaceReclaimed). */
static int print_report(const json_t *report)
{
	_cleanup_json_ json_t *j = brig_json_camel(report, 0);
	json_t *bytes = json_object_get(j, "ReclaimedBytes");
	if (!j || (bytes && json_object_set(j, "SpaceReclaimed", bytes) < 0))
		return BRIG_EXIT_FAIL;
	_cleanup_free_ char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	if (!s)
		return BRIG_EXIT_FAIL;
	printf("%s\n", s);
	return 0;
}

static bool json_format(struct opt *o, int *rc)
{
	const char *f = opts_find(o, "format")->value;
	if (f && strcmp(f, "json") != 0) {
		fprintf(stderr, "brig: --format: only json is supported here, not \"%s\"\n", f);
		*rc = BRIG_EXIT_FAIL;
	}
	return f != NULL;
}

static void print_text(const json_t *rep, bool dry_run)
{
	const char *verb = dry_run ? "Would delete" : "Deleted";
	size_t blobs = json_array_size(json_object_get(rep, "removed_blobs"));
	json_int_t bytes = json_integer_value(json_object_get(rep, "reclaimed_bytes"));
	json_int_t lbytes = json_integer_value(json_object_get(rep, "layers_reclaimed_bytes"));
	printf("%s blobs: %zu\n", verb, blobs);
	printf("%s unpacked layers: %zu\n", verb,
	       json_array_size(json_object_get(rep, "removed_layers")));
	printf("%s leftovers of interrupted commands: %zu\n", verb,
	       json_array_size(json_object_get(rep, "removed_leftovers")));
	printf("Total reclaimed space: %lld B (blobs %lld B, unpacked layers and leftovers %lld B)\n",
	       (long long)(bytes + lbytes), (long long)bytes, (long long)lbytes);
}

static int store_prune(const struct brig_global *g, bool dry_run, json_t **rep, struct brig_err *e)
{
	_cleanup_eng_ struct eng *eng = NULL;
	int r = brig_engine_open(g, &eng, e);
	return r < 0 ? r : eng_store_prune(eng, dry_run, rep, e);
}

int brig_cmd_prune(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = {
		OPT_FLAG("dry-run", 0, "only report what would go"),
		OPT_VALUE("format", 0, "FMT", "json: the full report"),
		OPT_FLAG("force", 'f', "accepted: brig never asks"),
		{ 0 },
	};
	_cleanup_free_ char **pos = NULL;
	size_t npos = 0;
	int p = brig_parse("image prune", "", o, argc, argv, &pos, &npos, 0, 0);
	int rc = p < 0 ? BRIG_EXIT_FAIL : 0;
	bool json = p > 0 && json_format(o, &rc);
	if (p > 0 && rc == 0) {
		_cleanup_err_ struct brig_err e = { 0 };
		_cleanup_json_ json_t *rep = NULL;
		bool dry = opts_find(o, "dry-run")->set;
		if (store_prune(g, dry, &rep, &e) < 0)
			rc = brig_fail(&e);
		else if (json)
			rc = print_report(rep);
		else
			print_text(rep, dry);
	}
	opts_free(o);
	return rc;
}

int brig_cmd_system_check(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = {
		OPT_FLAG("repair", 0, "drop broken names and corrupt blobs"),
		OPT_VALUE("format", 0, "FMT", "json: the full report"),
		{ 0 },
	};
	_cleanup_free_ char **pos = NULL;
	size_t npos = 0;
	int p = brig_parse("system check", "", o, argc, argv, &pos, &npos, 0, 0);
	int rc = p < 0 ? BRIG_EXIT_FAIL : 0;
	bool json = p > 0 && json_format(o, &rc);
	if (p > 0 && rc == 0) {
		_cleanup_err_ struct brig_err e = { 0 };
		_cleanup_img_store_ struct img_store *s = NULL;
		_cleanup_json_ json_t *rep = NULL;
		bool repair = opts_find(o, "repair")->set;
		int r = brig_store_open(g, &s, &e);
		if (r == 0)
			r = img_store_check(s, repair, &rep, &e);
		if (r < 0)
			rc = brig_fail(&e);
		else if (json)
			rc = print_report(rep);
		else
			printf("%s: %lld blobs, %zu corrupt, %zu broken names, %zu temporary "
			       "files, %zu unreferenced blobs%s\n",
			       r == 0 ? "consistent" : (repair ? "repaired" : "PROBLEMS"),
			       (long long)json_integer_value(json_object_get(rep, "blobs")),
			       json_array_size(json_object_get(rep, "corrupt_blobs")),
			       json_array_size(json_object_get(rep, "broken_refs")),
			       json_array_size(json_object_get(rep, "temp_files")),
			       json_array_size(json_object_get(rep, "unreferenced_blobs")),
			       r == 0 || repair ? "" : " (run with --repair to fix)");
		/* Problems left unrepaired are a failure for scripts. */
		if (r == 1 && !repair)
			rc = BRIG_EXIT_FAIL;
	}
	opts_free(o);
	return rc;
}
