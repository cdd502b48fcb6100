/* SPDX-License-Identifier: Apache-2.0 */
/* Image manifests and image indexes (OCI and Docker v2 schema 2). */
#include "image/store/store-internal.h"

#include <string.h>

#define MAX_ANNOTATIONS 1024

/*
 * Settle a document's media type: the referring descriptor's (when given)
 * must be of kind, the document's own "mediaType" (when present) must agree
 * with it, and OCI documents may leave it out.  *out gets a copy.
 */
static int doc_media_type(const json_t *doc, const struct bj_loc *at, const char *given,
			  enum img_media_kind kind, char **out, bool *docker, struct brig_err *e)
{
	_cleanup_free_ char *inner = NULL;
	int r = sj_opt_str(doc, at, "mediaType", &inner, e);
	if (r < 0)
		return r;
	struct bj_loc sub = *at;
	if (inner)
		bj_key(&sub, at, "mediaType");
	if (given && inner && strcmp(given, inner) != 0)
		return bj_fail(e, &sub, "'%s' does not match the descriptor's '%s'", inner, given);
	const char *mt = given ? given : inner ? inner : NULL;
	if (!mt)
		mt = kind == IMG_KIND_INDEX ? IMG_MT_OCI_INDEX : IMG_MT_OCI_MANIFEST;
	struct img_media_info info;
	if (img_media_type_info(mt, &info) < 0) {
		(void)bj_fail(e, &sub, "unsupported media type '%s' (expected %s)", mt,
			      img_media_kind_name(kind));
		if (e)
			e->code = -ENOTSUP;
		return -ENOTSUP;
	}
	if (info.kind != kind)
		return bj_fail(e, &sub, "media type '%s' is %s, expected %s", mt,
			       img_media_kind_name(info.kind), img_media_kind_name(kind));
	if (info.docker && !inner)
		return bj_fail(e, at, "mediaType: missing (Docker documents carry it)");
	*out = strdup(mt);
	if (!*out)
		return brig_err_oom(e);
	*docker = info.docker;
	return 0;
}

static int opt_annotations(const json_t *doc, const struct bj_loc *at, struct img_kvlist *out,
			   struct brig_err *e)
{
	json_t *ann = NULL;
	int r = sj_opt(doc, at, "annotations", JSON_OBJECT, &ann, e);
	if (r != 0)
		return r < 0 ? r : 0;
	struct bj_loc sub;
	bj_key(&sub, at, "annotations");
	return sj_kvlist(ann, &sub, MAX_ANNOTATIONS, out, e);
}

static int manifest_layers(const json_t *doc, const struct bj_loc *at, struct img_manifest *m,
			   struct brig_err *e)
{
	json_t *arr = NULL;
	int r = bj_get_arr(doc, at, "layers", true, &arr, e);
	if (r < 0)
		return r;
	struct bj_loc sub;
	bj_key(&sub, at, "layers");
	r = img_descriptor_array(arr, &sub, IMG_MAX_LAYERS, &m->layers, &m->n_layers, e);
	if (r < 0)
		return r;
	for (size_t i = 0; i < m->n_layers; i++) {
		struct bj_loc el;
		bj_idx(&el, &sub, i);
		r = img_descriptor_want(&m->layers[i], &el, IMG_KIND_LAYER, e);
		if (r < 0)
			return r;
	}
	return 0;
}

static int manifest_subject(const json_t *doc, const struct bj_loc *at, struct img_manifest *m,
			    struct brig_err *e)
{
	json_t *v = NULL;
	int r = sj_opt(doc, at, "subject", JSON_OBJECT, &v, e);
	if (r != 0)
		return r < 0 ? r : 0;
	struct bj_loc sub;
	bj_key(&sub, at, "subject");
	m->subject = calloc(1, sizeof(*m->subject));
	if (!m->subject)
		return brig_err_oom(e);
	return img_descriptor_parse(v, &sub, m->subject, e);
}

static int manifest_from_json(const json_t *doc, const struct bj_loc *at, const char *media_type,
			      struct img_manifest *m, struct brig_err *e)
{
	int r = bj_expect(doc, at, JSON_OBJECT, e);
	if (r < 0)
		return r;
	if ((r = sj_schema2(doc, at, e)) < 0 ||
	    (r = doc_media_type(doc, at, media_type, IMG_KIND_MANIFEST, &m->media_type, &m->docker,
				e)) < 0)
		return r;
	json_t *cfg = NULL;
	r = bj_get_obj(doc, at, "config", true, &cfg, e);
	if (r < 0)
		return r;
	struct bj_loc cat;
	bj_key(&cat, at, "config");
	if ((r = img_descriptor_parse(cfg, &cat, &m->config, e)) < 0 ||
	    (r = img_descriptor_want(&m->config, &cat, IMG_KIND_CONFIG, e)) < 0 ||
	    (r = manifest_layers(doc, at, m, e)) < 0 ||
	    (r = opt_annotations(doc, at, &m->annotations, e)) < 0 ||
	    (r = sj_opt_str(doc, at, "artifactType", &m->artifact_type, e)) < 0 ||
	    (r = manifest_subject(doc, at, m, e)) < 0)
		return r;
	return 0;
}

int img_manifest_parse(const char *buf, size_t len, const char *name, const char *media_type,
		       struct img_manifest *out, struct brig_err *e)
{
	*out = (struct img_manifest){ 0 };
	if (len > IMG_MANIFEST_MAX)
		return brig_err_set(e, -EFBIG, "%s: %zu bytes, larger than the limit of %zu", name,
				    len, IMG_MANIFEST_MAX);
	_cleanup_json_ json_t *doc = NULL;
	int r = bj_parse(buf, len, name, &doc, e);
	if (r < 0)
		return r;
	struct bj_loc at;
	bj_root(&at, name);
	r = manifest_from_json(doc, &at, media_type, out, e);
	if (r < 0)
		img_manifest_clear(out);
	return r;
}

void img_manifest_clear(struct img_manifest *m)
{
	free(m->media_type);
	img_descriptor_clear(&m->config);
	img_descriptor_array_free(m->layers, m->n_layers);
	img_kvlist_clear(&m->annotations);
	free(m->artifact_type);
	if (m->subject) {
		img_descriptor_clear(m->subject);
		free(m->subject);
	}
	*m = (struct img_manifest){ 0 };
}

static int index_entries(const json_t *doc, const struct bj_loc *at, bool strict,
			 struct img_index *x, struct brig_err *e)
{
	json_t *arr = NULL;
	int r = bj_get_arr(doc, at, "manifests", true, &arr, e);
	if (r < 0)
		return r;
	struct bj_loc sub;
	bj_key(&sub, at, "manifests");
	r = img_descriptor_array(arr, &sub, IMG_MAX_INDEX_ENTRIES, &x->manifests, &x->n_manifests,
				 e);
	if (r < 0)
		return r;
	for (size_t i = 0; i < x->n_manifests; i++) {
		struct img_descriptor *d = &x->manifests[i];
		if (d->info.kind == IMG_KIND_INDEX || (!strict && d->info.kind == IMG_KIND_UNKNOWN))
			continue;
		struct bj_loc el;
		bj_idx(&el, &sub, i);
		r = img_descriptor_want(d, &el, IMG_KIND_MANIFEST, e);
		if (r < 0)
			return r;
	}
	return 0;
}

int img_index_from_json(const json_t *doc, const char *name, const char *media_type, bool strict,
			struct img_index *out, struct brig_err *e)
{
	*out = (struct img_index){ 0 };
	struct bj_loc at;
	bj_root(&at, name);
	int r = bj_expect(doc, &at, JSON_OBJECT, e);
	if (r < 0)
		return r;
	if ((r = sj_schema2(doc, &at, e)) < 0 ||
	    (r = doc_media_type(doc, &at, media_type, IMG_KIND_INDEX, &out->media_type,
				&out->docker, e)) < 0 ||
	    (r = index_entries(doc, &at, strict, out, e)) < 0 ||
	    (r = opt_annotations(doc, &at, &out->annotations, e)) < 0) {
		img_index_clear(out);
		return r;
	}
	return 0;
}

int img_index_parse(const char *buf, size_t len, const char *name, const char *media_type,
		    struct img_index *out, struct brig_err *e)
{
	*out = (struct img_index){ 0 };
	if (len > IMG_INDEX_MAX)
		return brig_err_set(e, -EFBIG, "%s: %zu bytes, larger than the limit of %zu", name,
				    len, IMG_INDEX_MAX);
	_cleanup_json_ json_t *doc = NULL;
	int r = bj_parse(buf, len, name, &doc, e);
	if (r < 0)
		return r;
	return img_index_from_json(doc, name, media_type, true, out, e);
}

void img_index_clear(struct img_index *x)
{
	free(x->media_type);
	img_descriptor_array_free(x->manifests, x->n_manifests);
	img_kvlist_clear(&x->annotations);
	*x = (struct img_index){ 0 };
}
