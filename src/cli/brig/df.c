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

static int add_row(struct table *t, const char *type, size_t total, size_t active, uint64_t size,
		   uint64_t reclaim)
{
	char tot[32], act[32], sz[32], rc[32];
	(void)snprintf(tot, sizeof(tot), "%zu", total);
	(void)snprintf(act, sizeof(act), "%zu", active);
	brig_human_size(size, sz);
	brig_human_size(reclaim, rc);
	return table_add(t, (const char *const[]){ type, tot, act, sz, rc });
}

/* At least the widths the table always had. */
static const struct table_col df_cols[] = {
	{ "TYPE", 19 }, { "TOTAL", 9 }, { "ACTIVE", 9 }, { "SIZE", 11 }, { "RECLAIMABLE", 0 }
};

static int print_table(const struct df *d, struct brig_err *e)
{
	_cleanup_table_ struct table *t = table_new(df_cols, BRIG_ARRAY_SIZE(df_cols));
	if (!t ||
	    add_row(t, "Images", d->images, d->images_used, d->image_bytes, d->unused_image_bytes) <
		    0 ||
	    add_row(t, "Containers", d->ctrs, d->running, d->ctr_bytes, d->stopped_bytes) < 0 ||
	    add_row(t, "Unpacked layers", d->layers, d->layers, d->layer_bytes, 0) < 0)
		return brig_err_set(e, -ENOMEM, "out of memory");
	table_print(t, stdout);
	return 0;
}

int brig_cmd_system_df(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = { OPT_VALUE("format", 0, "FMT", "json"), { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = brig_parse("system df", "", o, argc, argv, &pos, &npos, 0, 0);
	const char *fmt = o[0].value;
	bool json = fmt && strcmp(fmt, "json") == 0;
	opts_free(o);
	if (p <= 0)
		return p == 0 ? 0 : BRIG_EXIT_FAIL;
	_cleanup_err_ struct brig_err e = { 0 };
	if (fmt && !json) {
		brig_err_set(&e, -EINVAL, "--format: only json is supported, not \"%s\"", fmt);
		return brig_fail(&e);
	}
	_cleanup_eng_ struct eng *eng = NULL;
	struct df d = { 0 };
	if (brig_engine_open(g, &eng, &e) < 0 || count_images(g, eng, &d, &e) < 0 ||
	    count_containers(eng, &d, &e) < 0)
		return brig_fail(&e);
	count_layers(eng, &d);
	if (json) {
		_cleanup_json_ json_t *j = json_pack(
			"{s:{s:I,s:I,s:I,s:I},s:{s:I,s:I,s:I,s:I},s:{s:I,s:I}}", "Images", "Total",
			(json_int_t)d.images, "Active", (json_int_t)d.images_used, "Size",
			(json_int_t)d.image_bytes, "Reclaimable", (json_int_t)d.unused_image_bytes,
			"Containers", "Total", (json_int_t)d.ctrs, "Active", (json_int_t)d.running,
			"Size", (json_int_t)d.ctr_bytes, "Reclaimable", (json_int_t)d.stopped_bytes,
			"Layers", "Total", (json_int_t)d.layers, "Size", (json_int_t)d.layer_bytes);
		_cleanup_free_ char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
		if (!s)
			return brig_err_set(&e, -ENOMEM, "out of memory"), brig_fail(&e);
		printf("%s\n", s);
		return 0;
	}
	if (print_table(&d, &e) < 0)
		return brig_fail(&e);
	return 0;
}
