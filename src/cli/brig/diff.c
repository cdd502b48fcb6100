/* SPDX-License-Identifier: Apache-2.0 */
/* brig diff: what a container changed in its image (A, C, D lines). */
#include "cli/brig/brig-internal.h"

#include <stdio.h>
#include <string.h>

/* A path for JSON: as it is when it is UTF-8, else its escaped form. */
static json_t *json_path(const char *path)
{
	json_t *s = json_string(path);
	if (s)
		return s;
	_cleanup_free_ char *safe = brig_term_escape(path, strlen(path));
	return safe ? json_string(safe) : NULL;
}

static int print_json(const json_t *changes, struct brig_err *e)
{
	_cleanup_json_ json_t *out = json_array();
	size_t i;
	json_t *c;
	json_array_foreach(changes, i, c)
	{
		json_t *p = json_path(json_string_value(json_object_get(c, "Path")));
		if (!out || !p ||
		    json_array_append_new(out,
					  json_pack("{s:o, s:O}", "Path", p, "Kind",
						    json_object_get(c, "Kind"))) < 0)
			return brig_err_oom(e);
	}
	_cleanup_free_ char *text = out ? json_dumps(out, JSON_COMPACT) : NULL;
	_cleanup_free_ char *safe = text ? brig_term_escape_json(text, strlen(text)) : NULL;
	if (!safe)
		return brig_err_oom(e);
	printf("%s\n", safe);
	return 0;
}

static int print_lines(const json_t *changes, struct brig_err *e)
{
	static const char kinds[] = { 'C', 'A', 'D' };
	size_t i;
	json_t *c;
	json_array_foreach(changes, i, c)
	{
		const char *path = json_string_value(json_object_get(c, "Path"));
		json_int_t k = json_integer_value(json_object_get(c, "Kind"));
		_cleanup_free_ char *safe = path ? brig_term_escape(path, strlen(path)) : NULL;
		if (!safe || k < 0 || k > 2)
			return brig_err_oom(e);
		printf("%c %s\n", kinds[k], safe);
	}
	return 0;
}

static int diff_one(struct eng *eng, const char *id, const char *what, void *arg,
		    struct brig_err *e)
{
	(void)what;
	_cleanup_json_ json_t *changes = NULL;
	int r = eng_diff(eng, id, &changes, e);
	if (r < 0)
		return r;
	return *(bool *)arg ? print_json(changes, e) : print_lines(changes, e);
}

int brig_cmd_diff(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = { OPT_VALUE("format", 0, "FORMAT",
				     "\"json\": a JSON array of {Path, Kind} (Kind 0 changed, "
				     "1 added, 2 deleted)"),
			   { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = brig_parse("diff", "CONTAINER", o, argc, argv, &pos, &npos, 1, 1);
	bool json = o[0].value && strcmp(o[0].value, "json") == 0;
	if (p > 0 && o[0].value && !json) {
		fprintf(stderr, "brig: --format: \"%s\" is not \"json\"\n", o[0].value);
		p = -1;
	}
	opts_free(o);
	if (p <= 0)
		return p == 0 ? 0 : BRIG_EXIT_FAIL;
	return brig_for_each_container(g, pos, 1, diff_one, &json);
}
