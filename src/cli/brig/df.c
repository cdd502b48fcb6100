/* SPDX-License-Identifier: Apache-2.0 */
/* brig system df: what the store holds, and what could be reclaimed. */
#include "cli/brig/brig-internal.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

struct df {
	size_t images, images_used, ctrs, running, layers;
	uint64_t image_bytes, unused_image_bytes, ctr_bytes, stopped_bytes, layer_bytes;
};

struct df_images {
	struct eng *eng;
	struct df *d;
};

static int count_image(const char *name, const struct brig_image *im, void *arg, struct brig_err *e)
{
	(void)name;
	struct df_images *a = arg;
	char cid[ENG_ID_LEN + 1];
	int used = eng_image_in_use(a->eng, im->id, cid, e);
	if (used < 0)
		return used;
	a->d->images++;
	a->d->image_bytes += im->size;
	if (used == 1)
		a->d->images_used++;
	else
		a->d->unused_image_bytes += im->size;
	return 0;
}

static int count_images(const struct brig_global *g, struct eng *eng, struct df *d,
			struct brig_err *e)
{
	struct df_images a = { eng, d };
	return brig_each_image(g, count_image, &a, e);
}

static int count_containers(struct eng *eng, struct df *d, struct brig_err *e)
{
	_cleanup_json_ json_t *all = NULL;
	int r = eng_list(eng, &all, e);
	size_t i;
	json_t *rec;
	json_array_foreach(r == 0 ? all : NULL, i, rec)
	{
		uint64_t bytes = 0;
		r = eng_ctr_disk_bytes(eng, json_string_value(json_object_get(rec, "Id")), &bytes,
				       e);
		if (r == -ENOENT) { /* removed meanwhile */
			brig_err_clear(e);
			r = 0;
			continue;
		}
		if (r < 0)
			break;
		bool running = json_is_true(
			json_object_get(json_object_get(rec, "State"), "Running"));
		d->ctrs++;
		d->ctr_bytes += bytes;
		if (running)
			d->running++;
		else
			d->stopped_bytes += bytes;
	}
	return r;
}

/* One row as Docker's system df has it (strings), with the byte counts
 * as numbers too (SizeBytes, ReclaimableBytes) for scripts. */
static int add_row(json_t *rows, const char *type, size_t total, size_t active, uint64_t size,
		   uint64_t reclaim)
{
	char tot[32], act[32], sz[32], rc[32], rcp[48];
	(void)snprintf(tot, sizeof(tot), "%zu", total);
	(void)snprintf(act, sizeof(act), "%zu", active);
	brig_human_size(size, sz);
	brig_human_size(reclaim, rc);
	(void)snprintf(rcp, sizeof(rcp), "%s (%d%%)", rc, size ? (int)(reclaim * 100 / size) : 0);
	return json_array_append_new(rows,
				     json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:I}", "Type", type,
					       "TotalCount", tot, "Active", act, "Size", sz,
					       "Reclaimable", rcp, "SizeBytes", (json_int_t)size,
					       "ReclaimableBytes", (json_int_t)reclaim));
}

/* At least the widths the table always had. */
static const struct table_col df_cols[] = {
	{ "TYPE", 19 }, { "TOTAL", 9 }, { "ACTIVE", 9 }, { "SIZE", 11 }, { "RECLAIMABLE", 0 }
};
static const char *const df_keys[] = { "Type", "TotalCount", "Active", "Size", "Reclaimable" };
static const struct brig_listing df_listing = { df_cols, df_keys, BRIG_ARRAY_SIZE(df_cols), 0,
						"Type" };

static int print_df(const struct df *d, const char *format, struct brig_err *e)
{
	_cleanup_json_ json_t *rows = json_array();
	if (!rows ||
	    add_row(rows, "Images", d->images, d->images_used, d->image_bytes,
		    d->unused_image_bytes) < 0 ||
	    add_row(rows, "Containers", d->ctrs, d->running, d->ctr_bytes, d->stopped_bytes) < 0 ||
	    add_row(rows, "Unpacked layers", d->layers, d->layers, d->layer_bytes, 0) < 0)
		return brig_err_set(e, -ENOMEM, "out of memory");
	return brig_print_listing(rows, format, false, &df_listing, e);
}

int brig_cmd_system_df(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = { OPT_VALUE("format", 0, "FORMAT",
				     "table, json (one object a line) or a Go template"),
			   { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = brig_parse("system df", "", o, argc, argv, &pos, &npos, 0, 0);
	const char *fmt = o[0].value; /* in argv */
	opts_free(o);
	if (p <= 0)
		return p == 0 ? 0 : BRIG_EXIT_FAIL;
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_eng_ struct eng *eng = NULL;
	struct df d = { 0 };
	if (brig_engine_open(g, &eng, &e) < 0 || count_images(g, eng, &d, &e) < 0 ||
	    count_containers(eng, &d, &e) < 0 ||
	    eng_layers_usage(eng, &d.layers, &d.layer_bytes, &e) < 0 || print_df(&d, fmt, &e) < 0)
		return brig_fail(&e);
	return 0;
}
