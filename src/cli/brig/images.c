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
	struct brig_images_filter filter;
};

/* The row docker images shows for one index.json entry, as JSON. */
static json_t *image_row(const char *name, const struct brig_image *im, const struct list_opts *lo,
			 struct brig_err *e)
{
	_cleanup_free_ char *repo = NULL, *tag = NULL;
	if (brig_split_name(name, &repo, &tag, e) < 0)
		return NULL;
	char size[32], since[64], created[64], id[IMG_DIGEST_SIZE];
	brig_human_size(im->size, size);
	brig_human_since(im->config.created, since);
	brig_docker_time(im->config.created, created);
	snprintf(id, sizeof(id), "%s", lo->no_trunc ? im->id : im->id + 7);
	if (!lo->no_trunc)
		id[12] = 0;
	/* Docker's fields (docs/output.md); brig does not count sharing.  An
	 * unnamed image has no repository digest (RepoDigests is empty). */
	json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
				"Repository", repo, "Tag", tag, "Digest",
				name ? im->manifest_digest : "<none>", "ID", id, "CreatedAt",
				created, "CreatedSince", since, "Size", size, "VirtualSize", size,
				"Containers", "N/A", "SharedSize", "N/A", "UniqueSize", "N/A");
	if (!row)
		brig_err_set(e, -ENOMEM, "out of memory");
	return row;
}

struct collect {
	const struct list_opts *lo;
	json_t *rows;
};

static int add_row(const char *name, const struct brig_image *im, void *arg, struct brig_err *e)
{
	struct collect *c = arg;
	if (!brig_images_filter_match(name, im, &c->lo->filter))
		return 0;
	json_t *row = image_row(name, im, c->lo, e);
	if (!row)
		return -ENOMEM;
	if (json_array_append_new(c->rows, row) < 0)
		return brig_err_set(e, -ENOMEM, "out of memory");
	return 0;
}

/* Every named (or unnamed) image in the store as rows. */
static int collect_rows(const struct brig_global *g, const struct list_opts *lo, json_t *rows,
			struct brig_err *e)
{
	struct collect c = { lo, rows };
	return brig_each_image(g, add_row, &c, e);
}

static const char *row_str(const json_t *row, const char *key)
{
	return json_string_value(json_object_get(row, key));
}

/* The table's columns, with DIGEST when asked for; JSON with its keys
 * sorted, as Docker's (a Go map). */
static const struct brig_listing *table_of(bool digests)
{
	static const struct table_col cols[] = { { "REPOSITORY", 0 }, { "TAG", 0 },
						 { "DIGEST", 0 },     { "IMAGE ID", 0 },
						 { "CREATED", 0 },    { "SIZE", 0 } };
	static const char *const keys[] = { "Repository", "Tag",          "Digest",
					    "ID",         "CreatedSince", "Size" };
	static const struct table_col cols_nd[] = { { "REPOSITORY", 0 },
						    { "TAG", 0 },
						    { "IMAGE ID", 0 },
						    { "CREATED", 0 },
						    { "SIZE", 0 } };
	static const char *const keys_nd[] = { "Repository", "Tag", "ID", "CreatedSince", "Size" };
	static const struct brig_listing all = { cols, keys, BRIG_ARRAY_SIZE(cols), JSON_SORT_KEYS,
						 "ID" },
					 no_digest = { cols_nd, keys_nd, BRIG_ARRAY_SIZE(cols_nd),
						       JSON_SORT_KEYS, "ID" };
	return digests ? &all : &no_digest;
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

/* -q, or a listing (--format json: one object a line, as Docker's). */
static int print_rows(const json_t *rows, const struct list_opts *lo, struct brig_err *e)
{
	if (lo->quiet) {
		print_quiet(rows);
		return 0;
	}
	return brig_print_listing(rows, lo->format, false, table_of(lo->digests), e);
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
		OPT_MULTI("filter", 'f', "FILTER",
			  "dangling=true|false, reference=PATTERN, label=KEY[=VALUE], "
			  "before=IMAGE, since=IMAGE (reference values: any; the rest: all)"),
		{ 0 },
	};
	_cleanup_free_ char **pos = NULL;
	size_t npos = 0;
	int p = brig_parse("images", "[REPOSITORY[:TAG]]", o, argc, argv, &pos, &npos, 0, 1);
	if (p <= 0)
		return opts_free(o), p < 0 ? BRIG_EXIT_FAIL : 0;
	struct list_opts lo = { opts_find(o, "quiet")->set,
				opts_find(o, "digests")->set,
				opts_find(o, "no-trunc")->set,
				opts_find(o, "format")->value,
				{ opts_find(o, "filter"), npos ? pos[0] : NULL, NULL } };
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_json_ json_t *rows = json_array();
	struct tpl *check = NULL;
	/* a bad template fails before anything is printed */
	bool tpl = lo.format && strcmp(lo.format, "table") && strcmp(lo.format, "json");
	int r = rows ? 0 : brig_err_set(&e, -ENOMEM, "out of memory");
	if (r == 0 && tpl && !lo.quiet && (r = tpl_parse(lo.format, &check, &e)) == 0)
		tpl_free(check);
	if (r == 0 && (r = brig_images_filter_check(lo.filter.filters, &e)) == 0)
		r = brig_images_filter_resolve(g, &lo.filter, &e);
	if (r == 0)
		r = collect_rows(g, &lo, rows, &e);
	json_decref(lo.filter.created);
	if (r == 0)
		r = print_rows(rows, &lo, &e);
	opts_free(o);
	if (r < 0) {
		brig_err_wrap(&e, "images");
		return brig_fail(&e);
	}
	return 0;
}
