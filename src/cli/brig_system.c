/* SPDX-License-Identifier: Apache-2.0 */
/* brig image prune, brig system check: the store's gc and verification. */
#include "cli/brig_img.h"

#include <stdio.h>
#include <string.h>

#define HELP { "help", 'h', OPT_BOOL, "show this help", NULL, false, NULL, NULL, 0 }

static int print_report(const json_t *report)
{
	_cleanup_free_ char *s = json_dumps(report, JSON_INDENT(2) | JSON_SORT_KEYS);
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

int brig_cmd_prune(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = {
		{ "dry-run", 0, OPT_BOOL, "only report what would go", NULL, false, NULL, NULL, 0 },
		{ "format", 0, OPT_STR, "json: the full report", "FMT", false, NULL, NULL, 0 },
		{ "force", 'f', OPT_BOOL, "accepted: brig never asks", NULL, false, NULL, NULL, 0 },
		HELP, { 0 },
	};
	_cleanup_free_ char **pos = NULL;
	size_t npos = 0;
	int p = brig_parse("image prune", "", o, argc, argv, &pos, &npos, 0, 0);
	int rc = p < 0 ? BRIG_EXIT_FAIL : 0;
	bool json = p > 0 && json_format(o, &rc);
	if (p > 0 && rc == 0) {
		_cleanup_err_ struct brig_err e = { 0 };
		_cleanup_img_store_ struct img_store *s = NULL;
		_cleanup_json_ json_t *rep = NULL;
		if (brig_store_open(g, &s, &e) < 0 ||
		    img_store_gc(s, opts_find(o, "dry-run")->set, &rep, &e) < 0) {
			rc = brig_fail(&e);
		} else if (json) {
			rc = print_report(rep);
		} else {
			size_t n = json_array_size(json_object_get(rep, "removed_blobs"));
			json_int_t bytes = json_integer_value(json_object_get(rep, "reclaimed_bytes"));
			printf("%s blobs: %zu\nTotal reclaimed space: %lld B\n",
			       opts_find(o, "dry-run")->set ? "Would delete" : "Deleted", n,
			       (long long)bytes);
		}
	}
	opts_free(o);
	return rc;
}

int brig_cmd_system_check(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = {
		{ "repair", 0, OPT_BOOL, "drop broken names and corrupt blobs", NULL, false, NULL, NULL, 0 },
		{ "format", 0, OPT_STR, "json: the full report", "FMT", false, NULL, NULL, 0 },
		HELP, { 0 },
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
			printf("%s: %lld blobs, %zu corrupt, %zu broken names, %zu temporary files%s\n",
			       r == 0 ? "consistent" : (repair ? "repaired" : "PROBLEMS"),
			       (long long)json_integer_value(json_object_get(rep, "blobs")),
			       json_array_size(json_object_get(rep, "corrupt_blobs")),
			       json_array_size(json_object_get(rep, "broken_refs")),
			       json_array_size(json_object_get(rep, "temp_files")),
			       r == 0 || repair ? "" : " (run with --repair to fix)");
		/* Problems left unrepaired are a failure for scripts. */
		if (r == 1 && !repair)
			rc = BRIG_EXIT_FAIL;
	}
	opts_free(o);
	return rc;
}
