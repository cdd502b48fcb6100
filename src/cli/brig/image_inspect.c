/* SPDX-License-Identifier: Apache-2.0 */
/* brig image inspect. */
#include "cli/brig/brig-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The later of *last and the entry's tag time (RFC 3339 in UTC with
 * nanoseconds: the strings sort as the times). */
static void later_tag(const struct img_descriptor *d, char last[64])
{
	const char *t = img_kv_get(&d->annotations, IMG_ANNOTATION_TAG_TIME);
	if (t && strlen(t) < 64 && strcmp(t, last) > 0)
		memcpy(last, t, strlen(t) + 1);
}

/* RepoTags and RepoDigests: the names of every entry with digest; the
 * latest time one was given into last (Docker's zero time when none was
 * recorded). */
static int repo_names(struct img_store *s, const char *digest, json_t *tags, json_t *digests,
		      char last[64], struct brig_err *e)
{
	(void)snprintf(last, 64, "0001-01-01T00:00:00Z");
	struct img_list_entry *v = NULL;
	size_t n = 0;
	int r = img_store_list(s, &v, &n, e);
	for (size_t i = 0; r == 0 && i < n; i++) {
		if (!v[i].name || strcmp(v[i].desc.digest, digest) != 0)
			continue;
		_cleanup_free_ char *repo = NULL, *tag = NULL, *f = brig_familiar(v[i].name);
		_cleanup_free_ char *rd = NULL;
		if ((r = brig_split_name(v[i].name, &repo, &tag, e)) < 0)
			break;
		if (!f || asprintf(&rd, "%s@%s", repo, digest) < 0) {
			rd = NULL;
			r = brig_err_set(e, -ENOMEM, "out of memory");
			break;
		}
		json_array_append_new(tags, json_string(f));
		json_array_append_new(digests, json_string(rd));
		later_tag(&v[i].desc, last);
	}
	img_store_list_free(v, n);
	return r;
}

/* {"Source": {"Registry", "Repository", "Tag", "Digest", "Time"[,
 * "Mirror"]}} for a pulled image (from its index.json entry), else null. */
static json_t *brig_json(const struct img_descriptor *d)
{
	static const char *const keys[][2] = {
		{ ENG_SOURCE_REGISTRY, "Registry" }, { ENG_SOURCE_REPOSITORY, "Repository" },
		{ ENG_SOURCE_TAG, "Tag" },           { ENG_SOURCE_DIGEST, "Digest" },
		{ ENG_SOURCE_TIME, "Time" },
	};
	const char *reg = img_kv_get(&d->annotations, ENG_SOURCE_REGISTRY);
	json_t *src = reg ? json_object() : NULL;
	for (size_t i = 0; src && i < BRIG_ARRAY_SIZE(keys); i++) {
		const char *v = img_kv_get(&d->annotations, keys[i][0]);
		json_object_set_new(src, keys[i][1], json_string(v ? v : ""));
	}
	/* A mirror (or registries.conf location) it was fetched from. */
	const char *mirror = img_kv_get(&d->annotations, ENG_SOURCE_MIRROR);
	if (src && mirror)
		json_object_set_new(src, "Mirror", json_string(mirror));
	return src ? json_pack("{s:o}", "Source", src) : json_null();
}

static json_t *rootfs_json(const struct img_config *c)
{
	json_t *layers = json_array();
	for (size_t i = 0; layers && i < c->n_diff_ids; i++)
		json_array_append_new(layers, json_string(c->diff_ids[i]));
	return json_pack("{s:s, s:o*}", "Type", "layers", "Layers", layers);
}

/* Docker's keys of an image that brig's config does not hold: GraphDriver
 * (the unpacked layers), Metadata.LastTagTime and Parent ("": brig images
 * have no parent image, as Docker's pulled ones). */
static int docker_keys(struct eng *eng, const struct brig_image *im, const char *last, json_t *o,
		       struct brig_err *e)
{
	json_t *gd = eng_image_graph_driver(eng, im->config.diff_ids, im->config.n_diff_ids);
	if (!gd || json_object_set_new(o, "GraphDriver", gd) < 0 ||
	    json_object_set_new(o, "Metadata", json_pack("{s:s}", "LastTagTime", last)) < 0 ||
	    json_object_set_new(o, "Parent", json_string("")) < 0)
		return brig_err_set(e, -ENOMEM, "out of memory");
	return 0;
}

int brig_image_inspect_json(struct eng *eng, struct img_store *s, const char *what, json_t *out,
			    struct brig_err *e)
{
	struct img_descriptor d = { 0 };
	struct brig_image im = { 0 };
	char last[64];
	int r = img_store_resolve(s, what, &d, e);
	if (r == 0)
		r = brig_image_load(s, &d, &im, e);
	json_t *tags = json_array(), *digests = json_array();
	if (r == 0 && (!tags || !digests))
		r = brig_err_set(e, -ENOMEM, "out of memory");
	if (r == 0)
		r = repo_names(s, d.digest, tags, digests, last, e);
	json_t *cfg = r == 0 ? json_object_get(im.raw, "config") : NULL;
	/* Author and Comment as Docker's: the config's (commit -a, -m), or "". */
	const char *comment = r == 0 ? json_string_value(json_object_get(im.raw, "comment")) : NULL;
	json_t *o = r < 0
		? NULL
		: json_pack("{s:s, s:O, s:O, s:s, s:s, s:s, s:s, s:s, s:O, s:o, s:I, s:o}", "Id",
			    im.id, "RepoTags", tags, "RepoDigests", digests, "Comment",
			    comment ? comment : "", "Created",
			    im.config.created ? im.config.created : "", "Author",
			    im.config.author ? im.config.author : "", "Architecture",
			    im.config.architecture ? im.config.architecture : "", "Os",
			    im.config.os ? im.config.os : "", "Config", cfg ? cfg : json_null(),
			    "RootFS", rootfs_json(&im.config), "Size", (json_int_t)im.size, "Brig",
			    brig_json(&d));
	if (r == 0 && !o)
		r = brig_err_set(e, -ENOMEM, "out of memory");
	if (r == 0 && (r = docker_keys(eng, &im, last, o, e)) < 0)
		json_decref(o);
	if (r == 0 && json_array_append_new(out, o) < 0)
		r = brig_err_set(e, -ENOMEM, "out of memory");
	json_decref(tags);
	json_decref(digests);
	brig_image_clear(&im);
	img_descriptor_clear(&d);
	return r;
}

/* --format json is the indented array too, as Docker's. */
int brig_print_inspect(const json_t *arr, const char *format, struct brig_err *e)
{
	if (format && strcmp(format, "json") != 0) /* json: the array, as without */
		return brig_print_template(format, arr, e);
	_cleanup_free_ char *s = json_dumps(arr, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
	if (!s)
		return brig_err_set(e, -ENOMEM, "out of memory");
	printf("%s\n", s);
	return 0;
}

int brig_cmd_inspect(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = {
		OPT_VALUE("format", 'f', "FORMAT", "json, or a Go template applied to each image"),
		{ 0 },
	};
	_cleanup_free_ char **pos = NULL;
	size_t npos = 0;
	int p = brig_parse("image inspect", "IMAGE...", o, argc, argv, &pos, &npos, 1, SIZE_MAX);
	if (p <= 0)
		return p < 0 ? BRIG_EXIT_FAIL : 0;
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_eng_ struct eng *eng = NULL;
	_cleanup_img_store_ struct img_store *s = NULL;
	_cleanup_json_ json_t *arr = json_array();
	if (!arr)
		return brig_err_set(&e, -ENOMEM, "out of memory"), brig_fail(&e);
	if (brig_engine_open(g, &eng, &e) < 0 || eng_store_open(eng_root(eng), &s, &e) < 0)
		return brig_fail(&e);
	int rc = 0;
	for (size_t i = 0; i < npos; i++) {
		if (brig_image_inspect_json(eng, s, pos[i], arr, &e) < 0) {
			brig_err_wrap(&e, "inspect");
			rc = brig_fail(&e);
		}
		brig_err_clear(&e);
	}
	if (rc && json_array_size(arr) == 0)
		return rc;
	if (brig_print_inspect(arr, o[0].value, &e) < 0)
		return brig_fail(&e);
	return rc;
}
