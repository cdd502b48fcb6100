/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oci-archive: a tar of an OCI image layout.  oci-layout must say version
 * 1.0.0; index.json is parsed strictly and every entry (a manifest, or an
 * index with everything beneath it) is checked and its layers unpacked.
 * The manifests are the archive's own blobs, kept byte for byte, so an
 * image keeps its digest across a save and a load.  An entry's name is its
 * io.containerd.image.name annotation (the newer Docker layout) or else its
 * org.opencontainers.image.ref.name; a bare tag there ("latest") is given
 * the repository the caller chose.
 */
#include "image/archive/archive-internal.h"

#include <string.h>

#define ANNOTATION_CONTAINERD_NAME "io.containerd.image.name"

static int check_layout(const struct arc_meta *meta, struct brig_err *e)
{
	if (!meta->oci_layout)
		return brig_err_set(e, -EINVAL,
				    "index.json without oci-layout: not an OCI "
				    "image layout");
	_cleanup_json_ json_t *doc = NULL;
	const char *version = NULL;
	struct bj_loc at;
	bj_root(&at, "oci-layout");
	int r = bj_parse(meta->oci_layout, meta->oci_layout_len, "oci-layout", &doc, e);
	if (r < 0 || (r = bj_expect(doc, &at, JSON_OBJECT, e)) < 0 ||
	    (r = bj_get_str(doc, &at, "imageLayoutVersion", true, &version, e)) < 0)
		return r;
	if (strcmp(version, "1.0.0") != 0) {
		struct bj_loc v;
		bj_key(&v, &at, "imageLayoutVersion");
		return bj_fail(e, &v, "version '%s' is not supported (1.0.0 is)", version);
	}
	return 0;
}

/* The name an index.json entry gives (NULL: none). */
static int entry_name(const struct img_descriptor *d, size_t i, const char *bare_repo, char **out,
		      struct brig_err *e)
{
	const char *raw = img_kv_get(&d->annotations, ANNOTATION_CONTAINERD_NAME);
	if (!raw)
		raw = img_kv_get(&d->annotations, IMG_ANNOTATION_REF_NAME);
	*out = NULL;
	if (!raw)
		return 0;
	int r = arc_image_name(raw, bare_repo, out, e);
	if (r < 0)
		return brig_err_wrap(e, "index.json: manifests[%zu].annotations", i);
	return 0;
}

static int find_image(const struct arc_images *im, const char *digest)
{
	for (size_t k = 0; k < im->n; k++)
		if (strcmp(im->v[k].desc.digest, digest) == 0)
			return (int)k;
	return -1;
}

static int load_entry(struct img_store *s, const struct arc_members *set,
		      const struct img_descriptor *d, size_t i, const struct img_load_opts *o,
		      struct arc_images *out, struct brig_err *e)
{
	_cleanup_free_ char *name = NULL;
	int r = entry_name(d, i, o->bare_tag_repo, &name, e);
	if (r < 0)
		return r;
	int k = find_image(out, d->digest);
	if (k >= 0)
		return name ? arc_images_add_name(out, (size_t)k, name, e) : 0;
	char id[IMG_DIGEST_SIZE];
	if ((r = arc_verify_tree(s, set, d, o, 0, id, e)) < 0)
		return r;
	char **names = NULL;
	if (name) {
		names = calloc(2, sizeof(char *));
		if (!names)
			return brig_err_oom(e);
		names[0] = brig_steal_ptr(name);
	}
	return arc_images_add(out, d, id, names, e);
}

int arc_load_oci(struct img_store *s, const struct arc_members *set, const struct arc_meta *meta,
		 const struct img_load_opts *o, struct arc_images *out, struct brig_err *e)
{
	struct img_index x = { 0 };
	int r = check_layout(meta, e);
	if (r == 0)
		r = img_index_parse(meta->index_json, meta->index_len, "index.json", NULL, &x, e);
	if (r == 0 && x.n_manifests == 0)
		r = brig_err_set(e, -EINVAL, "index.json: no images");
	for (size_t i = 0; r == 0 && i < x.n_manifests; i++)
		r = load_entry(s, set, &x.manifests[i], i, o, out, e);
	img_index_clear(&x);
	return r;
}
