/* SPDX-License-Identifier: Apache-2.0 */
/* What the listing commands (ps, images, volume ls, stats) share: the rows
 * as a table, as JSON lines or through a Go template, "table {{...}}"
 * templates with a header and Docker's column alignment (docs/output.md). */
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

/* A --format as Docker reads it: "\t" and "\n" written as two characters
 * are a tab and a newline; "table " before a template asks for a header
 * and aligned columns. */
static char *preformat(const char *format, bool *table)
{
	*table = strncmp(format, "table ", 6) == 0;
	const char *f = format + (*table ? 6 : 0);
	f += strspn(f, " ");
	char *out = strdup(f), *o = out;
	if (!out)
		return NULL;
	for (const char *c = f; *c; c++) {
		if (c[0] == '\\' && (c[1] == 't' || c[1] == 'n')) {
			*o++ = c[1] == 't' ? '\t' : '\n';
			c++;
		} else {
			*o++ = *c;
		}
	}
	while (o > out && o[-1] == ' ')
		o--;
	*o = '\0';
	return out;
}

/* The header Docker shows for a field: the table's own column head, or
 * the field's words in capitals ("CreatedAt" -> "CREATED AT"). */
static json_t *header_of(const struct brig_listing *l, const char *field)
{
	for (size_t k = 0; k < l->ncols; k++)
		if (strcmp(l->keys[k], field) == 0)
			return json_string(l->cols[k].head);
	char buf[128];
	size_t o = 0;
	for (const char *c = field; *c && o + 2 < sizeof(buf); c++) {
		if (c > field && c[0] >= 'A' && c[0] <= 'Z' && c[-1] >= 'a' && c[-1] <= 'z')
			buf[o++] = ' ';
		buf[o++] = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
	}
	buf[o] = '\0';
	return json_string(buf);
}

/* The value the header line is rendered over: each field of the rows (and
 * of the table) mapped to its header. */
static json_t *header_row(const json_t *rows, const struct brig_listing *l)
{
	json_t *h = json_object(), *row;
	size_t i;
	const char *k;
	json_t *v;
	for (size_t c = 0; h && c < l->ncols; c++)
		if (json_object_set_new(h, l->keys[c], header_of(l, l->keys[c])) < 0)
			return json_decref(h), NULL;
	json_array_foreach(h ? rows : NULL, i, row)
	{
		json_object_foreach(row, k, v)
		{
			if (!json_object_get(h, k) &&
			    json_object_set_new(h, k, header_of(l, k)) < 0)
				return json_decref(h), NULL;
		}
	}
	return h;
}

/* Render t for each row (and first the header, for a table), all or nothing. */
static int render_rows(const struct tpl *t, const json_t *rows, const struct brig_listing *l,
		       bool table, char **out, struct brig_err *e)
{
	char *text = NULL, *line = NULL;
	size_t len = 0, i;
	json_t *row;
	int r = 0;
	if (table) {
		_cleanup_err_ struct brig_err he = { 0 };
		_cleanup_json_ json_t *h = header_row(rows, l);
		/* a header that does not render (a function of a row's data) is blank */
		if (h && tpl_render(t, h, &line, &he) == 0)
			r = brig_appendf(&text, &len, "%s\n", line);
		free(line);
		line = NULL;
	}
	json_array_foreach(r == 0 ? rows : NULL, i, row)
	{
		if ((r = tpl_render(t, row, &line, e)) < 0)
			break;
		r = brig_appendf(&text, &len, "%s\n", line);
		free(line);
		line = NULL;
		if (r < 0)
			break;
	}
	if (r < 0 && !e->code)
		brig_err_set(e, r, "out of memory");
	if (r < 0)
		free(text);
	else
		*out = text ? text : strdup("");
	return r < 0 ? r : *out ? 0 : brig_err_set(e, -ENOMEM, "out of memory");
}

static int print_formatted(const json_t *rows, const char *format, const struct brig_listing *l,
			   struct brig_err *e)
{
	bool table;
	_cleanup_free_ char *text = preformat(format, &table), *out = NULL;
	struct tpl *t = NULL;
	if (!text)
		return brig_err_set(e, -ENOMEM, "out of memory");
	int r = tpl_parse(text, &t, e);
	if (r == 0)
		r = render_rows(t, rows, l, table, &out, e);
	tpl_free(t);
	if (r < 0)
		return r;
	if (table)
		return table_print_tabbed(out, stdout) < 0
			? brig_err_set(e, -ENOMEM, "out of memory")
			: 0;
	fputs(out, stdout);
	return 0;
}

int brig_print_json_lines(const json_t *rows, size_t flags, struct brig_err *e)
{
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row)
	{
		_cleanup_free_ char *s = json_dumps(row, JSON_COMPACT | flags);
		/* the same JSON, with DEL and C1 as \u escapes */
		_cleanup_free_ char *safe = s ? brig_term_escape_json(s, strlen(s)) : NULL;
		if (!safe)
			return brig_err_set(e, -ENOMEM, "out of memory");
		printf("%s\n", safe);
	}
	return 0;
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
	if (strcmp(format, "json") == 0) /* keys sorted: Docker's rows are Go maps */
		return brig_print_json_lines(rows, l->json_flags | JSON_SORT_KEYS, e);
	return print_formatted(rows, format, l, e);
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

/* "removed_blobs" -> "RemovedBlobs", "diffId" -> "DiffId" (docs/output.md). */
static json_t *camel_key(const char *k)
{
	char buf[128];
	size_t o = 0;
	bool up = true;
	for (const char *c = k; *c && o + 1 < sizeof(buf); c++) {
		if (*c == '_') {
			up = true;
			continue;
		}
		buf[o++] = (char)(up && *c >= 'a' && *c <= 'z' ? *c - 32 : *c);
		up = false;
	}
	buf[o] = '\0';
	return json_string(buf);
}

json_t *brig_json_camel(const json_t *v, int depth)
{
	size_t i;
	const char *k;
	json_t *m, *out;
	if (depth > 64)
		return NULL;
	if (json_is_array(v)) {
		out = json_array();
		json_array_foreach(out ? v : NULL, i, m)
		{
			if (json_array_append_new(out, brig_json_camel(m, depth + 1)) < 0)
				return json_decref(out), NULL;
		}
		return out;
	}
	if (!json_is_object(v))
		return json_incref((json_t *)v);
	out = json_object();
	json_object_foreach(out ? (json_t *)v : NULL, k, m)
	{
		_cleanup_json_ json_t *key = camel_key(k);
		if (!key ||
		    json_object_set_new(out, json_string_value(key),
					brig_json_camel(m, depth + 1)) < 0)
			return json_decref(out), NULL;
	}
	return out;
}
