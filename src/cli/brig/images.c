/* SPDX-License-Identifier: Apache-2.0 */
/* brig images, brig image inspect. */
#include "cli/brig/brig-internal.h"
#include "cli/template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct list_opts {
	bool quiet, digests, no_trunc;
	const char *format; /* NULL / "table": the table; "json"; a template */
};

/* The row docker images shows for one index.json entry, as JSON. */
static json_t *image_row(const char *name, const struct brig_image *im, const struct list_opts *lo,
			 struct brig_err *e)
{
	_cleanup_free_ char *repo = NULL, *tag = NULL;
	if (brig_split_name(name, &repo, &tag, e) < 0)
		return NULL;
	char size[32], since[64], id[IMG_DIGEST_SIZE];
	brig_human_size(im->size, size);
	brig_human_since(im->config.created, since);
	snprintf(id, sizeof(id), "%s", lo->no_trunc ? im->id : im->id + 7);
	if (!lo->no_trunc)
		id[12] = 0;
	json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Repository", repo, "Tag",
				tag, "Digest", im->manifest_digest, "ID", id, "CreatedAt",
				im->config.created ? im->config.created : "", "CreatedSince", since,
				"Size", size);
	if (!row)
		brig_err_set(e, -ENOMEM, "out of memory");
	return row;
}

/* Every named (or unnamed) image in the store as rows. */
static int collect_rows(const struct brig_global *g, const struct list_opts *lo, json_t *rows,
			struct brig_err *e)
{
	_cleanup_img_store_ struct img_store *s = NULL;
	struct img_list_entry *v = NULL;
	size_t n = 0;
	int r = brig_store_open(g, &s, e);
	if (r < 0 || (r = img_store_list(s, &v, &n, e)) < 0)
		return r;
	for (size_t i = 0; r == 0 && i < n; i++) {
		struct brig_image im;
		if ((r = brig_image_load(s, &v[i].desc, &im, e)) < 0)
			break;
		json_t *row = image_row(v[i].name, &im, lo, e);
		brig_image_clear(&im);
		if (!row || json_array_append_new(rows, row) < 0)
			r = row ? brig_err_set(e, -ENOMEM, "out of memory") : -ENOMEM;
	}
	img_store_list_free(v, n);
	return r;
}

static const char *row_str(const json_t *row, const char *key)
{
	return json_string_value(json_object_get(row, key));
}

static void print_table(const json_t *rows, bool digests)
{
	const char *keys[] = { "Repository", "Tag", "Digest", "ID", "CreatedSince", "Size" };
	const char *heads[] = { "REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE" };
	size_t w[6], i;
	json_t *row;
	for (size_t k = 0; k < 6; k++)
		w[k] = strlen(heads[k]);
	json_array_foreach(rows, i, row) for (size_t k = 0; k < 6;
					      k++) if (strlen(row_str(row, keys[k])) > w[k])
		w[k] = strlen(row_str(row, keys[k]));
	for (size_t r = 0; r <= json_array_size(rows); r++) {
		row = r ? json_array_get(rows, r - 1) : NULL;
		for (size_t k = 0; k < 6; k++) {
			if (k == 2 && !digests)
				continue;
			const char *t = row ? row_str(row, keys[k]) : heads[k];
			if (k == 5)
				printf("%s\n", t);
			else
				printf("%-*s   ", (int)w[k], t);
		}
	}
}

static void print_quiet(const json_t *rows)
{
	size_t i, j;
	json_t *row;
	json_array_foreach(rows, i, row)
	{
		bool seen = false;
		for (j = 0; j < i && !seen; j++)
			seen = strcmp(row_str(json_array_get(rows, j), "ID"), row_str(row, "ID")) ==
				0;
		if (!seen)
			printf("%s\n", row_str(row, "ID"));
	}
}

/* Escape the control characters of every string in v, in place. */
static int term_safe_in_place(json_t *v, int depth)
{
	if (depth > 32)
		return -ELOOP;
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		size_t n = json_string_length(v);
		if (brig_term_safe(s, n))
			return 0;
		_cleanup_free_ char *safe = brig_term_escape(s, n);
		return safe && json_string_set(v, safe) == 0 ? 0 : -ENOMEM;
	}
	size_t i;
	const char *k;
	json_t *m;
	int r = 0;
	if (json_is_array(v))
		json_array_foreach(v, i, m) if (r == 0) r = term_safe_in_place(m, depth + 1);
	if (json_is_object(v))
		json_object_foreach(v, k, m) if (r == 0) r = term_safe_in_place(m, depth + 1);
	return r;
}

json_t *brig_term_rows(const json_t *rows)
{
	json_t *c = json_deep_copy(rows);
	if (c && term_safe_in_place(c, 0) < 0) {
		json_decref(c);
		return NULL;
	}
	return c;
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

static int print_rows(const json_t *rows, const struct list_opts *lo, struct brig_err *e)
{
	if (lo->quiet)
		print_quiet(rows);
	else if (!lo->format || strcmp(lo->format, "table") == 0) {
		_cleanup_json_ json_t *safe = brig_term_rows(rows);
		if (!safe)
			return brig_err_set(e, -ENOMEM, "out of memory");
		print_table(safe, lo->digests);
	} else if (strcmp(lo->format, "json") == 0) {
		_cleanup_free_ char *s = json_dumps(rows, JSON_COMPACT);
		if (!s)
			return brig_err_set(e, -ENOMEM, "out of memory");
		printf("%s\n", s);
	} else
		return brig_print_template(lo->format, rows, e);
	return 0;
}

int brig_cmd_images(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = {
		OPT_FLAG("all", 'a',
			 "every image (brig keeps no intermediate images: the same list)"),
		OPT_FLAG("quiet", 'q', "only show image IDs"),
		OPT_FLAG("digests", 0, "show digests"),
		OPT_FLAG("no-trunc", 0, "do not truncate output"),
		OPT_VALUE("format", 0, "FORMAT", "table, json or a Go template"),
		{ 0 },
	};
	_cleanup_free_ char **pos = NULL;
	size_t npos = 0;
	int p = brig_parse("images", "", o, argc, argv, &pos, &npos, 0, 0);
	if (p <= 0)
		return p < 0 ? BRIG_EXIT_FAIL : 0;
	struct list_opts lo = { opts_find(o, "quiet")->set, opts_find(o, "digests")->set,
				opts_find(o, "no-trunc")->set, opts_find(o, "format")->value };
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_json_ json_t *rows = json_array();
	struct tpl *check = NULL;
	/* a bad template fails before anything is printed */
	bool tpl = lo.format && strcmp(lo.format, "table") && strcmp(lo.format, "json");
	int r = rows ? 0 : brig_err_set(&e, -ENOMEM, "out of memory");
	if (r == 0 && tpl && !lo.quiet && (r = tpl_parse(lo.format, &check, &e)) == 0)
		tpl_free(check);
	if (r == 0)
		r = collect_rows(g, &lo, rows, &e);
	if (r == 0)
		r = print_rows(rows, &lo, &e);
	if (r < 0) {
		brig_err_wrap(&e, "images");
		return brig_fail(&e);
	}
	return 0;
}
