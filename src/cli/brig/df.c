/* SPDX-License-Identifier: Apache-2.0 */
/* brig system df: what the store holds, and what could be reclaimed. */
#include "cli/brig/brig-internal.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* Disk usage of a tree (not following links, not crossing mounts); the
 * walk is iterative and bounded (brig_du): a container's upper directory
 * may be as deep as it likes. */
static uint64_t du(const char *path)
{
	uint64_t bytes = 0;
	(void)brig_du(AT_FDCWD, path, &bytes, NULL);
	return bytes;
}

/* A container with a storage bound keeps its upper and work directories in
 * a btrfs subvolume (the parent of GraphDriver.Data.UpperDir, ".../rw"),
 * a device of its own that du does not enter: count it too. */
static uint64_t bounded_rw_bytes(const json_t *rec)
{
	const char *upper = json_string_value(json_object_get(
		json_object_get(json_object_get(rec, "GraphDriver"), "Data"), "UpperDir"));
	size_t n = upper ? strlen(upper) : 0;
	if (n < sizeof("/rw/upper") || strcmp(upper + n - strlen("/rw/upper"), "/rw/upper") != 0)
		return 0;
	char rw[PATH_MAX];
	if (brig_snprintf(rw, sizeof(rw), "%.*s", (int)(n - strlen("/upper")), upper) < 0)
		return 0;
	return du(rw);
}

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
	if (r < 0)
		return r;
	size_t i;
	json_t *rec;
	json_array_foreach(all, i, rec)
	{
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/containers/%s", eng_root(eng),
			 json_string_value(json_object_get(rec, "Id")));
		uint64_t bytes = du(path) + bounded_rw_bytes(rec);
		bool running = json_is_true(
			json_object_get(json_object_get(rec, "State"), "Running"));
		d->ctrs++;
		d->ctr_bytes += bytes;
		if (running)
			d->running++;
		else
			d->stopped_bytes += bytes;
	}
	return 0;
}

static void count_layers(struct eng *eng, struct df *d)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/layers", eng_root(eng));
	d->layer_bytes = du(path);
	DIR *dir = opendir(path);
	struct dirent *de;
	while (dir && (de = readdir(dir)))
		d->layers += strlen(de->d_name) == 64;
	if (dir)
		closedir(dir);
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
	    count_containers(eng, &d, &e) < 0)
		return brig_fail(&e);
	count_layers(eng, &d);
	if (print_df(&d, fmt, &e) < 0)
		return brig_fail(&e);
	return 0;
}
