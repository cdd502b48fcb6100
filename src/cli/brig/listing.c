/* SPDX-License-Identifier: Apache-2.0 */
/* What the listing commands (ps, images, volume ls, stats) share: the rows
 * as a table, as JSON lines or through a Go template. */
#include "cli/brig/brig-internal.h"
#include "cli/template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int brig_print_table(const json_t *rows, const struct brig_listing *l, struct brig_err *e)
{
	_cleanup_table_ struct table *t = table_new(l->cols, l->ncols);
	_cleanup_free_ const char **cells = calloc(l->ncols, sizeof(*cells));
	size_t i;
	json_t *row;
	if (!t || !cells)
		return brig_err_set(e, -ENOMEM, "out of memory");
	json_array_foreach(rows, i, row)
	{
		for (size_t k = 0; k < l->ncols; k++)
			cells[k] = json_string_value(json_object_get(row, l->keys[k]));
		if (table_add(t, cells) < 0)
			return brig_err_set(e, -ENOMEM, "out of memory");
	}
	table_print(t, stdout);
	return 0;
}

/* Render text for each value of arr, one line each; nothing is printed
 * unless every value renders. */
int brig_print_template(const char *text, const json_t *arr, struct brig_err *e)
{
	struct tpl *t = NULL;
	int r = tpl_parse(text, &t, e);
	size_t i;
	json_t *v;
	_cleanup_json_ json_t *lines = json_array();
	if (r == 0 && !lines)
		r = brig_err_set(e, -ENOMEM, "out of memory");
	json_array_foreach(arr, i, v)
	{
		char *out = NULL;
		if (r == 0 && (r = tpl_render(t, v, &out, e)) == 0 &&
		    json_array_append_new(lines, json_string(out)) < 0)
			r = brig_err_set(e, -ENOMEM, "out of memory");
		free(out);
	}
	tpl_free(t);
	json_array_foreach(r == 0 ? lines : NULL, i, v) printf("%s\n", json_string_value(v));
	return r;
}

int brig_print_listing(const json_t *rows, const char *format, bool quiet,
		       const struct brig_listing *l, struct brig_err *e)
{
	size_t i;
	json_t *row;
	if (quiet) {
		json_array_foreach(rows, i, row)
			printf("%s\n", json_string_value(json_object_get(row, l->quiet_key)));
		return 0;
	}
	if (!format || strcmp(format, "table") == 0)
		return brig_print_table(rows, l, e);
	if (strcmp(format, "json") != 0)
		return brig_print_template(format, rows, e);
	json_array_foreach(rows, i, row)
	{
		_cleanup_free_ char *s = json_dumps(row, JSON_COMPACT | l->json_flags);
		if (!s)
			return brig_err_set(e, -ENOMEM, "out of memory");
		printf("%s\n", s);
	}
	return 0;
}

int brig_list(const struct brig_global *g, struct opt *o, const struct brig_lister *l)
{
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_eng_ struct eng *eng = NULL;
	_cleanup_json_ json_t *rows = json_array();
	int r = rows ? l->check(opts_find(o, "filter"), &e)
		     : brig_err_set(&e, -ENOMEM, "out of memory");
	if (r == 0)
		r = brig_engine_open(g, &eng, &e);
	if (r == 0)
		r = l->rows(eng, o, rows, &e);
	if (r == 0)
		r = brig_print_listing(rows, opts_find(o, "format")->value,
				       opts_find(o, "quiet")->set, l->listing, &e);
	return r < 0 ? brig_fail(&e) : 0;
}
