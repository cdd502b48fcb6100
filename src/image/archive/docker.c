/* SPDX-License-Identifier: Apache-2.0 */
/*
 * docker-archive: manifest.json is an array of {Config, RepoTags, Layers}
 * whose strings name members of the archive.  A docker-archive has no
 * image manifest, so one is built, deterministically, from what the entry
 * names: an OCI manifest (compact JSON, members in a fixed order) whose
 * config is the Config member's blob and whose layers are the Layers
 * members' blobs, each with the media type its first bytes give.  The same
 * archive therefore always loads as the same manifest digest.
 */
#include "image/archive/archive-internal.h"

#include <string.h>

#define MANIFEST_JSON "manifest.json"

static const char *layer_type(enum img_compression c)
{
	return c == IMG_COMP_GZIP    ? IMG_MT_OCI_LAYER_GZIP
		: c == IMG_COMP_ZSTD ? IMG_MT_OCI_LAYER_ZSTD
				     : IMG_MT_OCI_LAYER;
}

static json_t *descriptor_json(const char *media_type, const struct arc_member *m)
{
	return json_pack("{s:s, s:s, s:I}", "mediaType", media_type, "digest", m->digest, "size",
			 (json_int_t)m->size);
}

/* Append the layers named by arr (at) to the manifest's "layers". */
static int add_layers(struct img_store *s, const struct arc_members *set, const json_t *arr,
		      const struct bj_loc *at, json_t *layers, struct brig_err *e)
{
	if (json_array_size(arr) > IMG_MAX_LAYERS)
		return bj_fail(e, at, "more than %d layers", IMG_MAX_LAYERS);
	for (size_t i = 0; i < json_array_size(arr); i++) {
		struct bj_loc el;
		const struct arc_member *m;
		enum img_compression comp;
		bj_idx(&el, at, i);
		json_t *v = json_array_get(arr, i);
		int r = bj_expect(v, &el, JSON_STRING, e);
		if (r < 0 || (r = arc_members_resolve(set, json_string_value(v), &el, &m, e)) < 0 ||
		    (r = arc_blob_compression(s, m->digest, &comp, e)) < 0)
			return r;
		if (json_array_append_new(layers, descriptor_json(layer_type(comp), m)) < 0)
			return brig_err_oom(e);
	}
	return 0;
}

/* The config must be a valid image config (parsed strictly here, so the
 * error names the archive's member). */
static int check_config(struct img_store *s, const struct arc_member *m, const char *path,
			struct brig_err *e)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	if (m->size > IMG_CONFIG_MAX)
		return brig_err_set(e, -EFBIG,
				    "config '%s': %llu bytes, larger than the "
				    "limit of %zu",
				    path, (unsigned long long)m->size, IMG_CONFIG_MAX);
	int r = img_blob_read(s, m->digest, IMG_CONFIG_MAX, &buf, &len, e);
	if (r < 0)
		return r;
	_cleanup_free_ char *name = NULL;
	if (asprintf(&name, "config '%s'", path) < 0)
		return brig_err_oom(e);
	struct img_config c = { 0 };
	r = img_config_parse(buf, len, name, &c, e);
	img_config_clear(&c);
	return r;
}

/* Build and store the OCI manifest for one manifest.json entry. */
static int build_manifest(struct img_store *s, const struct arc_members *set, const json_t *ent,
			  const struct bj_loc *at, struct img_descriptor *out, struct brig_err *e)
{
	const char *cfg_path = NULL;
	json_t *layer_arr = NULL;
	const struct arc_member *cfg;
	struct bj_loc cat, lat;
	bj_key(&cat, at, "Config");
	bj_key(&lat, at, "Layers");
	int r = bj_get_str(ent, at, "Config", true, &cfg_path, e);
	if (r < 0 || (r = bj_get_arr(ent, at, "Layers", true, &layer_arr, e)) < 0 ||
	    (r = arc_members_resolve(set, cfg_path, &cat, &cfg, e)) < 0 ||
	    (r = check_config(s, cfg, cfg_path, e)) < 0)
		return r;
	_cleanup_json_ json_t *layers = json_array();
	_cleanup_json_ json_t *doc = json_pack("{s:i, s:s, s:o}", "schemaVersion", 2, "mediaType",
					       IMG_MT_OCI_MANIFEST, "config",
					       descriptor_json(IMG_MT_OCI_CONFIG, cfg));
	if (!layers || !doc)
		return brig_err_oom(e);
	if ((r = add_layers(s, set, layer_arr, &lat, layers, e)) < 0)
		return r;
	if (json_object_set(doc, "layers", layers) < 0)
		return brig_err_oom(e);
	_cleanup_free_ char *text = json_dumps(doc, JSON_COMPACT);
	if (!text)
		return brig_err_oom(e);
	out->size = strlen(text);
	out->media_type = strdup(IMG_MT_OCI_MANIFEST);
	if (!out->media_type)
		return brig_err_oom(e);
	(void)img_media_type_info(out->media_type, &out->info);
	return img_blob_put(s, text, out->size, out->digest, e);
}

/* RepoTags (absent or null: none), each parsed into a stored name. */
static int repo_tags(const json_t *ent, const struct bj_loc *at, char ***out, struct brig_err *e)
{
	_cleanup_strv_ char **tags = NULL;
	json_t *v = json_object_get(ent, "RepoTags");
	if (!v || json_is_null(v))
		return 0;
	int r = bj_get_strv(ent, at, "RepoTags", true, IMG_ARCHIVE_MAX_TAGS, &tags, e);
	if (r < 0)
		return r;
	size_t n = brig_strv_len(tags);
	_cleanup_strv_ char **names = calloc(n + 1, sizeof(char *));
	if (!names)
		return brig_err_oom(e);
	for (size_t i = 0; i < n; i++) {
		struct bj_loc el, tat;
		bj_key(&tat, at, "RepoTags");
		bj_idx(&el, &tat, i);
		struct brig_err inner = { 0 };
		if (arc_image_name(tags[i], NULL, &names[i], &inner) < 0) {
			r = bj_fail(e, &el, "%s", brig_err_str(&inner));
			brig_err_clear(&inner);
			return r;
		}
	}
	*out = n ? brig_steal_ptr(names) : NULL;
	return 0;
}

static const char *const entry_keys[] = { "Config", "RepoTags",     "Layers",
					  "Parent", "LayerSources", NULL };

static int load_entry(struct img_store *s, const struct arc_members *set, const json_t *ent,
		      const struct bj_loc *at, const struct img_load_opts *o,
		      struct arc_images *out, struct brig_err *e)
{
	_cleanup_strv_ char **names = NULL;
	struct img_descriptor d = { 0 };
	char id[IMG_DIGEST_SIZE];
	int r = bj_expect(ent, at, JSON_OBJECT, e);
	if (r == 0)
		r = bj_only_keys(ent, at, entry_keys, e);
	if (r == 0)
		r = repo_tags(ent, at, &names, e);
	if (r == 0)
		r = build_manifest(s, set, ent, at, &d, e);
	if (r == 0)
		r = arc_verify_manifest(s, set, &d, o, id, e);
	if (r == 0)
		r = arc_images_add(out, &d, id, brig_steal_ptr(names), e);
	img_descriptor_clear(&d);
	return r;
}

int arc_load_docker(struct img_store *s, const struct arc_members *set, const struct arc_meta *meta,
		    const struct img_load_opts *o, struct arc_images *out, struct brig_err *e)
{
	_cleanup_json_ json_t *doc = NULL;
	struct bj_loc at;
	bj_root(&at, MANIFEST_JSON);
	int r = bj_parse(meta->manifest_json, meta->manifest_len, MANIFEST_JSON, &doc, e);
	if (r < 0 || (r = bj_expect(doc, &at, JSON_ARRAY, e)) < 0)
		return r;
	if (json_array_size(doc) == 0)
		return bj_fail(e, &at, "no images");
	if (json_array_size(doc) > IMG_ARCHIVE_MAX_IMAGES)
		return bj_fail(e, &at, "more than %llu images",
			       (unsigned long long)IMG_ARCHIVE_MAX_IMAGES);
	for (size_t i = 0; i < json_array_size(doc); i++) {
		struct bj_loc el;
		bj_idx(&el, &at, i);
		r = load_entry(s, set, json_array_get(doc, i), &el, o, out, e);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The newer Docker layout: an OCI layout with a manifest.json beside it.
 * Its RepoTags name the images whose config the entry's Config is. */
int arc_docker_names(struct img_store *s, const struct arc_members *set,
		     const struct arc_meta *meta, struct arc_images *im, struct brig_err *e)
{
	(void)s;
	_cleanup_json_ json_t *doc = NULL;
	struct bj_loc at;
	bj_root(&at, MANIFEST_JSON);
	int r = bj_parse(meta->manifest_json, meta->manifest_len, MANIFEST_JSON, &doc, e);
	if (r < 0 || (r = bj_expect(doc, &at, JSON_ARRAY, e)) < 0)
		return r;
	for (size_t i = 0; i < json_array_size(doc) && i < IMG_ARCHIVE_MAX_IMAGES; i++) {
		struct bj_loc el, cat;
		json_t *ent = json_array_get(doc, i);
		const char *cfg_path;
		const struct arc_member *cfg;
		_cleanup_strv_ char **names = NULL;
		bj_idx(&el, &at, i);
		bj_key(&cat, &el, "Config");
		if ((r = bj_expect(ent, &el, JSON_OBJECT, e)) < 0 ||
		    (r = bj_get_str(ent, &el, "Config", true, &cfg_path, e)) < 0 ||
		    (r = arc_members_resolve(set, cfg_path, &cat, &cfg, e)) < 0 ||
		    (r = repo_tags(ent, &el, &names, e)) < 0)
			return r;
		for (size_t k = 0; k < im->n; k++)
			for (size_t j = 0;
			     names && names[j] && strcmp(im->v[k].id, cfg->digest) == 0; j++)
				if ((r = arc_images_add_name(im, k, names[j], e)) < 0)
					return r;
	}
	return 0;
}
