/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig image history (brig history): the config's "history" matched with
 * the manifest's layers, newest first, in Docker's columns.  Everything
 * shown comes from the image and is escaped for the terminal by the table
 * and template printers (and ASCII-only JSON).  See docs/registry.md.
 */
#include "cli/brig/brig-internal.h"
#include "cli/template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Docker truncates CREATED BY to this many characters, "…" included. */
#define CREATED_BY_WIDTH 45

/* s with tabs as spaces and, when trunc, cut to CREATED_BY_WIDTH
 * characters (UTF-8 sequences kept whole) ending in "…". */
static char *created_by(const char *s, bool trunc)
{
	size_t n = strlen(s), chars = 0, cut = n;
	for (size_t i = 0; i < n; i++) {
		if (((unsigned char)s[i] & 0xC0) == 0x80)
			continue;
		if (chars == CREATED_BY_WIDTH - 1 && cut == n)
			cut = i;
		chars++;
	}
	bool ell = trunc && chars > CREATED_BY_WIDTH;
	char *out = malloc((ell ? cut : n) + sizeof("…"));
	if (!out)
		return NULL;
	static const char ellipsis[] = "…";
	size_t keep = ell ? cut : n;
	memcpy(out, s, keep);
	if (ell)
		memcpy(out + keep, ellipsis, sizeof(ellipsis)); /* its NUL too */
	else
		out[keep] = '\0';
	for (char *p = out; *p; p++)
		if (*p == '\t')
			*p = ' ';
	return out;
}

/* One row (Docker's --format json members). */
static json_t *row(const char *id, const struct img_history *h, uint64_t size, bool trunc)
{
	char since[64], sz[32];
	const char *created = h && h->created ? h->created : "";
	brig_human_since(h ? h->created : NULL, since);
	brig_human_size(size, sz);
	_cleanup_free_ char *by = created_by(h && h->created_by ? h->created_by : "", trunc);
	if (!by)
		return NULL;
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "ID", id, "CreatedAt", created,
			 "CreatedSince", since, "CreatedBy", by, "Size", sz, "Comment",
			 h && h->comment ? h->comment : "");
}

/* The rows oldest first: each history entry, the next layer's size for an
 * entry that made one (0 for empty_layer), then a bare row for each layer
 * no entry accounts for. */
static int rows_of(const struct brig_image *im, bool trunc, json_t *rows, struct brig_err *e)
{
	size_t li = 0;
	const struct img_config *c = &im->config;
	for (size_t i = 0; i < c->n_history; i++) {
		const struct img_history *h = &c->history[i];
		uint64_t size = 0;
		if (!h->empty_layer && li < im->n_layers)
			size = im->layer_sizes[li];
		if (!h->empty_layer)
			li++;
		if (json_array_append_new(rows, row("<missing>", h, size, trunc)) < 0)
			return brig_err_oom(e);
	}
	for (; li < im->n_layers; li++)
		if (json_array_append_new(rows,
					  row("<missing>", NULL, im->layer_sizes[li], trunc)) < 0)
			return brig_err_oom(e);
	return 0;
}

/* Newest first; the newest row named by the image's ID. */
static int history_rows(const struct brig_image *im, bool trunc, json_t *out, struct brig_err *e)
{
	_cleanup_json_ json_t *rows = json_array();
	if (!rows)
		return brig_err_oom(e);
	int r = rows_of(im, trunc, rows, e);
	if (r < 0)
		return r;
	for (size_t i = json_array_size(rows); i > 0; i--)
		if (json_array_append(out, json_array_get(rows, i - 1)) < 0)
			return brig_err_oom(e);
	char id[IMG_DIGEST_SIZE];
	snprintf(id, sizeof(id), "%s", trunc ? im->id + 7 : im->id);
	if (trunc)
		id[12] = 0;
	json_t *top = json_array_get(out, 0);
	if (top && json_object_set_new(top, "ID", json_string(id)) < 0)
		return brig_err_oom(e);
	return 0;
}

static const struct brig_listing *history_listing(void)
{
	static const struct table_col cols[] = { { "IMAGE", 0 },
						 { "CREATED", 0 },
						 { "CREATED BY", 0 },
						 { "SIZE", 0 },
						 { "COMMENT", 0 } };
	static const char *const keys[] = { "ID", "CreatedSince", "CreatedBy", "Size", "Comment" };
	static const struct brig_listing l = { cols, keys, BRIG_ARRAY_SIZE(cols), JSON_ENSURE_ASCII,
					       "ID" };
	return &l;
}

static int show(const struct brig_global *g, const char *what, struct opt *o, struct brig_err *e)
{
	_cleanup_img_store_ struct img_store *s = NULL;
	_cleanup_json_ json_t *rows = json_array();
	struct img_descriptor d = { 0 };
	struct brig_image im = { 0 };
	const char *format = opts_find(o, "format")->value;
	struct tpl *check = NULL;
	int r = rows ? 0 : brig_err_oom(e);
	/* a bad template fails before anything is looked up */
	if (r == 0 && format && strcmp(format, "table") && strcmp(format, "json") &&
	    (r = tpl_parse(format, &check, e)) == 0)
		tpl_free(check);
	if (r == 0)
		r = brig_store_open(g, &s, e);
	if (r == 0)
		r = img_store_resolve(s, what, &d, e);
	if (r == 0)
		r = brig_image_load(s, &d, &im, e);
	if (r == 0)
		r = history_rows(&im, !opts_find(o, "no-trunc")->set, rows, e);
	if (r == 0)
		r = brig_print_listing(rows, format, opts_find(o, "quiet")->set, history_listing(),
				       e);
	brig_image_clear(&im);
	img_descriptor_clear(&d);
	return r;
}

int brig_cmd_history(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = {
		OPT_FLAG("no-trunc", 0, "do not truncate IDs and CREATED BY"),
		OPT_FLAG("quiet", 'q', "only show image IDs (<missing> for the layers below)"),
		OPT_VALUE("format", 0, "FORMAT",
			  "table, json (one object a line) or a Go template"),
		{ 0 },
	};
	_cleanup_free_ char **pos = NULL;
	size_t npos = 0;
	int p = brig_parse("image history", "IMAGE", o, argc, argv, &pos, &npos, 1, 1);
	if (p <= 0) {
		opts_free(o);
		return p < 0 ? BRIG_EXIT_FAIL : 0;
	}
	_cleanup_err_ struct brig_err e = { 0 };
	int rc = 0;
	if (show(g, pos[0], o, &e) < 0) {
		brig_err_wrap(&e, "history %s", pos[0]);
		rc = brig_fail(&e);
	}
	opts_free(o);
	return rc;
}
