/* SPDX-License-Identifier: Apache-2.0 */
/* The diff_ids every image of the store needs (for pruning unpacked
 * layers): from each index.json entry, through indexes, to each config. */
#include "image/store/store-internal.h"

#include <string.h>

#define DIFF_IDS_MAX_DEPTH 8

static int add_tree(struct img_store *s, const struct img_descriptor *d, json_t *out, int depth,
		    struct brig_err *e);

static int add_config(struct img_store *s, const struct img_descriptor *md, json_t *out,
		      struct brig_err *e)
{
	struct img_manifest m;
	struct img_config c;
	int r = img_store_load_manifest(s, md, &m, e);
	if (r < 0)
		return r;
	r = img_store_load_config(s, &m.config, &c, e);
	img_manifest_clear(&m);
	if (r < 0)
		return r;
	for (size_t i = 0; r == 0 && i < c.n_diff_ids; i++)
		if (json_object_set_new(out, c.diff_ids[i], json_true()) < 0)
			r = brig_err_oom(e);
	img_config_clear(&c);
	return r;
}

/* A child of an index that is not in the store (a platform never pulled)
 * needs nothing; anything else unreadable stops the walk, so that nothing
 * an image may need is judged unneeded. */
static int add_child(struct img_store *s, const struct img_descriptor *d, json_t *out, int depth,
		     struct brig_err *e)
{
	struct brig_err inner = { 0 };
	int r = img_blob_exists(s, d->digest, &inner);
	brig_err_clear(&inner);
	if (r == 0)
		return 0;
	return add_tree(s, d, out, depth, e);
}

static int add_tree(struct img_store *s, const struct img_descriptor *d, json_t *out, int depth,
		    struct brig_err *e)
{
	if (depth > DIFF_IDS_MAX_DEPTH)
		return brig_err_set(e, -ELOOP, "%s: %s: indexes nested more than %d deep", s->root,
				    d->digest, DIFF_IDS_MAX_DEPTH);
	if (d->info.kind == IMG_KIND_MANIFEST)
		return add_config(s, d, out, e);
	if (d->info.kind != IMG_KIND_INDEX)
		return 0; /* not an image: it needs no layer */
	struct img_index x;
	int r = img_store_load_index(s, d, &x, e);
	for (size_t i = 0; r == 0 && i < x.n_manifests; i++)
		r = add_child(s, &x.manifests[i], out, depth + 1, e);
	img_index_clear(&x);
	return r;
}

int img_store_diff_ids(struct img_store *s, json_t **out, struct brig_err *e)
{
	_cleanup_json_ json_t *set = json_object();
	struct img_index idx;
	if (!set)
		return brig_err_oom(e);
	int r = img_index_json_load(s, NULL, &idx, e);
	if (r < 0)
		return r;
	for (size_t i = 0; r == 0 && i < idx.n_manifests; i++)
		r = add_tree(s, &idx.manifests[i], set, 0, e);
	img_index_clear(&idx);
	if (r < 0)
		return brig_err_wrap(e, "finding the layers the images need");
	*out = brig_steal_ptr(set);
	return 0;
}
