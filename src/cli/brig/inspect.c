/* SPDX-License-Identifier: Apache-2.0 */
/* brig inspect and brig container inspect: containers (then images) in detail. */
#include "cli/brig/brig-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum inspect_type { INSPECT_ANY, INSPECT_CONTAINER, INSPECT_IMAGE };

static int inspect_one(struct eng *eng, enum inspect_type type, const char *what, json_t *arr,
		       struct brig_err *e)
{
	if (type != INSPECT_IMAGE) {
		char id[ENG_ID_LEN + 1];
		_cleanup_err_ struct brig_err e2 = { 0 };
		int r = eng_find(eng, what, id, &e2);
		json_t *rec = NULL;
		if (r == 0 && (r = eng_inspect(eng, id, &rec, e)) == 0)
			return json_array_append_new(arr, rec) < 0 ? -ENOMEM : 0;
		if (r != -ENOENT || type == INSPECT_CONTAINER)
			return r == -ENOENT || r == -ENOTUNIQ
				? brig_err_set(e, r, "%s", brig_err_str(&e2))
				: r;
	}
	_cleanup_img_store_ struct img_store *s = NULL;
	int r = eng_store_open(eng_root(eng), &s, e);
	if (r == 0 && (r = brig_image_inspect_json(eng, s, what, arr, e)) == -ENOENT)
		return brig_err_set(e, -ENOENT, "no such object: %s", what);
	return r;
}

/* --type volume|network: that group's inspect, with the same names and
 * --format (Docker's inspect takes every kind of object). */
static int inspect_other(const struct brig_global *g, const char *t, const char *fmt, char **pos,
			 size_t npos)
{
	_cleanup_free_ char **argv = calloc(npos + 4, sizeof(*argv));
	if (!argv) {
		fprintf(stderr, "brig: out of memory\n");
		return BRIG_EXIT_FAIL;
	}
	int n = 0;
	if (fmt) {
		argv[n++] = "--format";
		argv[n++] = (char *)fmt;
	}
	argv[n++] = "--";
	for (size_t i = 0; i < npos; i++)
		argv[n++] = pos[i];
	return t[0] == 'v' ? brig_cmd_volume_inspect(g, n, argv)
			   : brig_cmd_network_inspect(g, n, argv);
}

static int inspect_main(const struct brig_global *g, const char *name, enum inspect_type type,
			int argc, char **argv)
{
	struct opt o[] = { OPT_VALUE("format", 'f', "FORMAT",
				     "json, or a Go template applied to each object"),
			   OPT_VALUE("type", 0, "TYPE",
				     "container, image, volume or network (default: container or "
				     "image)"),
			   { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = brig_parse(name, "NAME|ID...", o, argc, argv, &pos, &npos, 1, SIZE_MAX);
	if (p <= 0)
		return opts_free(o), p == 0 ? 0 : BRIG_EXIT_FAIL;
	_cleanup_err_ struct brig_err e = { 0 };
	const char *t = opts_find(o, "type")->value;
	if (t && (strcmp(t, "volume") == 0 || strcmp(t, "network") == 0)) {
		int rc = inspect_other(g, t, opts_find(o, "format")->value, pos, npos);
		opts_free(o);
		return rc;
	}
	if (t && strcmp(t, "container") != 0 && strcmp(t, "image") != 0) {
		opts_free(o);
		brig_err_set(&e, -EINVAL, "--type: \"%s\": use container, image, volume or network",
			     t);
		return brig_fail(&e);
	}
	if (t)
		type = t[0] == 'c' ? INSPECT_CONTAINER : INSPECT_IMAGE;
	_cleanup_eng_ struct eng *eng = NULL;
	_cleanup_json_ json_t *arr = json_array();
	int rc = 0;
	if (brig_engine_open(g, &eng, &e) < 0) {
		opts_free(o);
		return brig_fail(&e);
	}
	for (size_t i = 0; i < npos; i++) {
		if (inspect_one(eng, type, pos[i], arr, &e) < 0)
			rc = brig_fail(&e);
		brig_err_clear(&e);
	}
	if (!(rc && json_array_size(arr) == 0) &&
	    brig_print_inspect(arr, opts_find(o, "format")->value, &e) < 0)
		rc = brig_fail(&e);
	opts_free(o);
	return rc;
}

int brig_cmd_inspect_any(const struct brig_global *g, int argc, char **argv)
{
	return inspect_main(g, "inspect", INSPECT_ANY, argc, argv);
}

int brig_cmd_container_inspect(const struct brig_global *g, int argc, char **argv)
{
	return inspect_main(g, "container inspect", INSPECT_CONTAINER, argc, argv);
}
