/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Saving images as a docker-archive or an oci-archive.
 *
 * docker-archive: <config hex>.json, <layer digest hex>.tar (the layer
 * blob as stored, compressed or not: docker, podman and skopeo all
 * detect that), then manifest.json with one entry per image (the images
 * given twice share one, with both RepoTags).
 * oci-archive: oci-layout, blobs/sha256/<hex> for everything reachable,
 * then index.json with one entry per name given (the manifest or index
 * as stored, so its digest is kept).
 */
#include "image/archive/save-internal.h"

#include <string.h>

struct sv_image {
	struct img_descriptor desc; /* as index.json has it */
	char *name; /* the stored name the user gave, or NULL */
};

static void sv_images_free(struct sv_image *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		img_descriptor_clear(&v[i].desc);
		free(v[i].name);
	}
	free(v);
}

/* Whether ref is the name of the entry found (not an ID or digest). */
static int given_name(const char *ref, const struct img_descriptor *d, char **out,
		      struct brig_err *e)
{
	const char *stored = img_kv_get(&d->annotations, IMG_ANNOTATION_REF_NAME);
	struct img_ref r;
	struct brig_err ignore = { 0 };
	*out = NULL;
	if (!stored || img_ref_parse(ref, &r, &ignore) < 0) {
		brig_err_clear(&ignore);
		return 0;
	}
	_cleanup_free_ char *full = img_ref_string(&r);
	img_ref_clear(&r);
	if (!full)
		return brig_err_oom(e);
	if (strcmp(full, stored) == 0)
		*out = brig_steal_ptr(full);
	return 0;
}

static int resolve_all(struct img_store *s, const char *const *refs, size_t n,
		       struct sv_image **out, struct brig_err *e)
{
	struct sv_image *v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return brig_err_oom(e);
	for (size_t i = 0; i < n; i++) {
		int r = img_store_resolve(s, refs[i], &v[i].desc, e);
		if (r == 0)
			r = given_name(refs[i], &v[i].desc, &v[i].name, e);
		if (r < 0) {
			sv_images_free(v, n);
			return r;
		}
	}
	*out = v;
	return 0;
}

/* ---- docker-archive ---- */

static json_t *find_entry(json_t *entries, const char *config_member)
{
	size_t i;
	json_t *ent;
	json_array_foreach(entries, i,
			   ent) if (strcmp(json_string_value(json_object_get(ent, "Config")),
					   config_member) == 0) return ent;
	return NULL;
}

static int docker_layers(struct arc_writer *w, const struct img_manifest *m, json_t *layers,
			 struct brig_err *e)
{
	for (size_t i = 0; i < m->n_layers; i++) {
		char member[IMG_DIGEST_SIZE + 8];
		snprintf(member, sizeof(member), "%.64s.tar", m->layers[i].digest + 7);
		int r = arc_writer_blob(w, m->layers[i].digest, member, e);
		if (r < 0)
			return r;
		if (json_array_append_new(layers, json_string(member)) < 0)
			return brig_err_oom(e);
	}
	return 0;
}

/* Write one image's config and layers; add or extend its entry. */
static int docker_image(struct arc_writer *w, const struct sv_image *im,
			const struct img_manifest *m, json_t *entries, struct brig_err *e)
{
	char cfg[IMG_DIGEST_SIZE + 8];
	snprintf(cfg, sizeof(cfg), "%.64s.json", m->config.digest + 7);
	json_t *ent = find_entry(entries, cfg);
	int r = 0;
	if (!ent) {
		_cleanup_json_ json_t *layers = json_array();
		if (!layers || (r = arc_writer_blob(w, m->config.digest, cfg, e)) < 0 ||
		    (r = docker_layers(w, m, layers, e)) < 0)
			return r < 0 ? r : brig_err_oom(e);
		ent = json_pack("{s:s, s:[], s:O}", "Config", cfg, "RepoTags", "Layers", layers);
		if (!ent || json_array_append_new(entries, ent) < 0)
			return brig_err_oom(e);
	}
	if (im->name &&
	    json_array_append_new(json_object_get(ent, "RepoTags"), json_string(im->name)) < 0)
		return brig_err_oom(e);
	return 0;
}

static int save_docker(struct arc_writer *w, const struct sv_image *v, size_t n, const char *arch,
		       const char *os, struct brig_err *e)
{
	_cleanup_json_ json_t *entries = json_array();
	if (!entries)
		return brig_err_oom(e);
	for (size_t i = 0; i < n; i++) {
		struct img_descriptor md = { 0 };
		struct img_manifest m = { 0 };
		int r = img_store_select_manifest(w->s, &v[i].desc, arch, os, NULL, &md, e);
		if (r == 0)
			r = img_store_load_manifest(w->s, &md, &m, e);
		if (r == 0)
			r = docker_image(w, &v[i], &m, entries, e);
		img_manifest_clear(&m);
		img_descriptor_clear(&md);
		if (r < 0)
			return r;
	}
	_cleanup_free_ char *text = json_dumps(entries, JSON_COMPACT);
	if (!text)
		return brig_err_oom(e);
	return arc_writer_mem(w, "manifest.json", text, strlen(text), e);
}

/* ---- oci-archive ---- */

static int oci_blob(struct arc_writer *w, const char *digest, struct brig_err *e)
{
	char member[IMG_DIGEST_SIZE + 16];
	snprintf(member, sizeof(member), "blobs/sha256/%.64s", digest + 7);
	return arc_writer_blob(w, digest, member, e);
}

static int oci_tree(struct arc_writer *w, const struct img_descriptor *d, int depth,
		    struct brig_err *e);

static int oci_manifest(struct arc_writer *w, const struct img_descriptor *d, struct brig_err *e)
{
	struct img_manifest m = { 0 };
	int r = img_store_load_manifest(w->s, d, &m, e);
	if (r == 0)
		r = oci_blob(w, m.config.digest, e);
	for (size_t i = 0; r == 0 && i < m.n_layers; i++)
		r = oci_blob(w, m.layers[i].digest, e);
	if (r == 0)
		r = oci_blob(w, d->digest, e);
	img_manifest_clear(&m);
	return r;
}

static int oci_index(struct arc_writer *w, const struct img_descriptor *d, int depth,
		     struct brig_err *e)
{
	struct img_index x = { 0 };
	int r = img_store_load_index(w->s, d, &x, e);
	for (size_t i = 0; r == 0 && i < x.n_manifests; i++)
		r = oci_tree(w, &x.manifests[i], depth + 1, e);
	if (r == 0)
		r = oci_blob(w, d->digest, e);
	img_index_clear(&x);
	return r;
}

static int oci_tree(struct arc_writer *w, const struct img_descriptor *d, int depth,
		    struct brig_err *e)
{
	if (depth > IMG_ARCHIVE_MAX_NESTING)
		return brig_err_set(e, -ELOOP, "%s: indexes nested more than %d deep", d->digest,
				    IMG_ARCHIVE_MAX_NESTING);
	if (d->info.kind == IMG_KIND_MANIFEST)
		return oci_manifest(w, d, e);
	if (d->info.kind == IMG_KIND_INDEX)
		return oci_index(w, d, depth, e);
	return brig_err_set(e, -ENOTSUP,
			    "%s: media type '%s' is not an image manifest or "
			    "index",
			    d->digest, d->media_type ? d->media_type : "");
}

static json_t *oci_entry(const struct sv_image *im)
{
	const struct img_descriptor *d = &im->desc;
	json_t *o = json_pack("{s:s, s:s, s:I}", "mediaType", d->media_type, "digest", d->digest,
			      "size", (json_int_t)d->size);
	if (o && im->name &&
	    json_object_set_new(o, "annotations",
				json_pack("{s:s}", IMG_ANNOTATION_REF_NAME, im->name)) < 0)
		goto fail;
	if (o && d->platform &&
	    json_object_set_new(o, "platform",
				json_pack("{s:s, s:s}", "architecture", d->platform->architecture,
					  "os", d->platform->os)) < 0)
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

static int save_oci(struct arc_writer *w, const struct sv_image *v, size_t n, struct brig_err *e)
{
	static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
	_cleanup_json_ json_t *index = json_pack("{s:i, s:s, s:[]}", "schemaVersion", 2,
						 "mediaType", IMG_MT_OCI_INDEX, "manifests");
	if (!index)
		return brig_err_oom(e);
	int r = arc_writer_mem(w, "oci-layout", layout, strlen(layout), e);
	if (r == 0)
		r = arc_writer_dir(w, "blobs", e);
	if (r == 0)
		r = arc_writer_dir(w, "blobs/sha256", e);
	for (size_t i = 0; r == 0 && i < n; i++) {
		r = oci_tree(w, &v[i].desc, 0, e);
		json_t *ent = r == 0 ? oci_entry(&v[i]) : NULL;
		if (r == 0 &&
		    (!ent || json_array_append_new(json_object_get(index, "manifests"), ent) < 0))
			r = brig_err_oom(e);
	}
	if (r < 0)
		return r;
	_cleanup_free_ char *text = json_dumps(index, JSON_COMPACT);
	if (!text)
		return brig_err_oom(e);
	return arc_writer_mem(w, "index.json", text, strlen(text), e);
}

int img_archive_save(struct img_store *s, const char *const *refs, size_t n_refs,
		     enum img_archive_format f, const char *arch, const char *os, int out_fd,
		     struct brig_err *e)
{
	return img_archive_save_sigs(s, refs, n_refs, f, arch, os, out_fd, NULL, e);
}

int img_archive_save_sigs(struct img_store *s, const char *const *refs, size_t n_refs,
			  enum img_archive_format f, const char *arch, const char *os, int out_fd,
			  const char *sigs, struct brig_err *e)
{
	struct sv_image *v = NULL;
	struct arc_writer w = { 0 };
	if (n_refs == 0)
		return brig_err_set(e, -EINVAL, "no image to save");
	int r = resolve_all(s, refs, n_refs, &v, e);
	if (r == 0)
		r = arc_writer_open(&w, s, out_fd, e);
	if (r == 0)
		r = f == IMG_ARCHIVE_OCI ? save_oci(&w, v, n_refs, e)
					 : save_docker(&w, v, n_refs, arch, os, e);
	if (r == 0 && sigs)
		r = arc_writer_mem(&w, IMG_ARCHIVE_SIGNATURES, sigs, strlen(sigs), e);
	if (r == 0)
		r = arc_writer_close(&w, e);
	arc_writer_free(&w);
	sv_images_free(v, n_refs);
	return r;
}
