/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Checking a loaded image before it is named: its manifest (or index) and
 * config parse strictly, every layer blob is present with the size its
 * descriptor gives, there is one diff_id per layer, and each layer is
 * unpacked (by the caller's function, which checks the diff_id).
 */
#include "image/archive/archive-internal.h"

#include <fcntl.h>
#include <string.h>

static int check_layer_blob(struct img_store *s, const struct arc_members *set,
			    const struct img_descriptor *l, size_t i, struct brig_err *e)
{
	uint64_t size = 0;
	if (!arc_members_has_digest(set, l->digest))
		return brig_err_set(e, -ENOENT,
				    "layers[%zu]: blob %s is missing from the "
				    "archive",
				    i, l->digest);
	int r = img_blob_stat(s, l->digest, &size, e);
	if (r < 0)
		return r;
	if (size != l->size)
		return brig_err_set(e, -EBADMSG,
				    "layers[%zu]: blob %s has %llu bytes, its "
				    "descriptor says %llu",
				    i, l->digest, (unsigned long long)size,
				    (unsigned long long)l->size);
	return 0;
}

/* The blob a descriptor names must have come with the archive (a blob
 * the store happens to have already is not enough). */
static int need_blob(const struct arc_members *set, const struct img_descriptor *d,
		     const char *what, struct brig_err *e)
{
	if (!arc_members_has_digest(set, d->digest))
		return brig_err_set(e, -ENOENT, "%s %s is missing from the archive", what,
				    d->digest);
	return 0;
}

static int verify_layers(struct img_store *s, const struct arc_members *set,
			 const struct img_manifest *m, const struct img_config *c,
			 const struct img_load_opts *o, struct brig_err *e)
{
	if (m->n_layers != c->n_diff_ids)
		return brig_err_set(e, -EINVAL,
				    "config %s: rootfs.diff_ids has %zu entries "
				    "for %zu layers",
				    m->config.digest, c->n_diff_ids, m->n_layers);
	for (size_t i = 0; i < m->n_layers; i++) {
		int r = check_layer_blob(s, set, &m->layers[i], i, e);
		if (r == 0 && o->unpack_layer)
			r = o->unpack_layer(o->ctx, s, &m->layers[i], c->diff_ids[i], e);
		if (r < 0)
			return r;
	}
	return 0;
}

int arc_verify_manifest(struct img_store *s, const struct arc_members *set,
			const struct img_descriptor *d, const struct img_load_opts *o,
			char id[IMG_DIGEST_SIZE], struct brig_err *e)
{
	struct img_manifest m = { 0 };
	struct img_config c = { 0 };
	int r = img_store_load_manifest(s, d, &m, e);
	if (r == 0)
		r = need_blob(set, &m.config, "config", e);
	if (r == 0)
		r = img_store_load_config(s, &m.config, &c, e);
	if (r == 0)
		r = verify_layers(s, set, &m, &c, o, e);
	if (r == 0)
		memcpy(id, m.config.digest, IMG_DIGEST_SIZE);
	img_config_clear(&c);
	img_manifest_clear(&m);
	if (r < 0)
		brig_err_wrap(e, "image %s", d->digest);
	return r;
}

static int verify_index(struct img_store *s, const struct arc_members *set,
			const struct img_descriptor *d, const struct img_load_opts *o, int depth,
			struct brig_err *e)
{
	struct img_index x = { 0 };
	int r = img_store_load_index(s, d, &x, e);
	for (size_t i = 0; r == 0 && i < x.n_manifests; i++) {
		char child[IMG_DIGEST_SIZE];
		r = arc_verify_tree(s, set, &x.manifests[i], o, depth + 1, child, e);
	}
	img_index_clear(&x);
	return r;
}

int arc_verify_tree(struct img_store *s, const struct arc_members *set,
		    const struct img_descriptor *d, const struct img_load_opts *o, int depth,
		    char id[IMG_DIGEST_SIZE], struct brig_err *e)
{
	if (depth > IMG_ARCHIVE_MAX_NESTING)
		return brig_err_set(e, -ELOOP, "%s: indexes nested more than %d deep", d->digest,
				    IMG_ARCHIVE_MAX_NESTING);
	if (d->info.kind != IMG_KIND_MANIFEST && d->info.kind != IMG_KIND_INDEX)
		return brig_err_set(e, -ENOTSUP,
				    "%s: media type '%s' is not an image manifest "
				    "or index",
				    d->digest, d->media_type ? d->media_type : "");
	int r = need_blob(set, d, img_media_kind_name(d->info.kind), e);
	if (r < 0)
		return r;
	if (d->info.kind == IMG_KIND_MANIFEST)
		return arc_verify_manifest(s, set, d, o, id, e);
	r = verify_index(s, set, d, o, depth, e);
	if (r < 0)
		return brig_err_wrap(e, "index %s", d->digest);
	memcpy(id, d->digest, IMG_DIGEST_SIZE);
	return 0;
}

int arc_blob_compression(struct img_store *s, const char *digest, enum img_compression *out,
			 struct brig_err *e)
{
	_cleanup_close_ int fd = -1;
	int r = img_blob_open(s, digest, false, &fd, e);
	if (r < 0)
		return r;
	unsigned char magic[4] = { 0 };
	ssize_t n = brig_read_all(fd, magic, sizeof(magic));
	if (n < 0)
		return brig_err_sys(e, (int)-n, "reading blob %s", digest);
	if (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b)
		*out = IMG_COMP_GZIP;
	else if (n == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f &&
		 magic[3] == 0xfd)
		*out = IMG_COMP_ZSTD;
	else
		*out = IMG_COMP_NONE;
	return 0;
}
