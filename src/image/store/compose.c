/* SPDX-License-Identifier: Apache-2.0 */
/*
 * New images made on this host (brig import, brig commit): a layer blob
 * streamed in from a file descriptor, a config document stored as it is
 * serialised, and an OCI manifest listing the layers.  The layers are
 * listed with OCI media types whatever family they came in (a Docker gzip
 * layer is the same bytes as an OCI gzip layer), so the new manifest is
 * one consistent OCI document.
 */
#include "image/store/store-internal.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define COPY_BLOCK (1 << 20)

const char *img_layer_oci_type(enum img_compression comp)
{
	return comp == IMG_COMP_GZIP    ? IMG_MT_OCI_LAYER_GZIP
		: comp == IMG_COMP_ZSTD ? IMG_MT_OCI_LAYER_ZSTD
					: IMG_MT_OCI_LAYER;
}

int img_blob_put_fd(struct img_store *s, int fd, const char *expected, char digest[IMG_DIGEST_SIZE],
		    uint64_t *size, struct brig_err *e)
{
	_cleanup_img_blob_writer_ struct img_blob_writer *w = NULL;
	int r = img_blob_writer_open(s, expected, UINT64_MAX, &w, e);
	_cleanup_free_ char *buf = r == 0 ? malloc(COPY_BLOCK) : NULL;
	if (r == 0 && !buf)
		r = brig_err_oom(e);
	for (ssize_t n = 1; r == 0 && n > 0;) {
		n = BRIG_RETRY(read(fd, buf, COPY_BLOCK));
		if (n < 0)
			r = brig_err_sys(e, errno, "reading a layer");
		else if (n > 0)
			r = img_blob_write(w, buf, (size_t)n, e);
	}
	return r < 0 ? r : img_blob_commit(w, digest, size, e);
}

int img_blob_put_json(struct img_store *s, const json_t *doc, char digest[IMG_DIGEST_SIZE],
		      uint64_t *size, struct brig_err *e)
{
	_cleanup_free_ char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	if (!text)
		return brig_err_oom(e);
	*size = strlen(text);
	return img_blob_put(s, text, *size, digest, e);
}

static json_t *layer_json(const struct img_descriptor *d)
{
	const char *type = d->info.kind == IMG_KIND_LAYER && !d->info.docker
		? d->media_type
		: img_layer_oci_type(d->info.comp);
	return json_pack("{s:s, s:s, s:I}", "mediaType", type, "digest", d->digest, "size",
			 (json_int_t)d->size);
}

int img_store_put_image(struct img_store *s, const json_t *config,
			const struct img_descriptor *layers, size_t n,
			char image_id[IMG_DIGEST_SIZE], struct img_descriptor *manifest,
			struct brig_err *e)
{
	uint64_t csize;
	int r = img_blob_put_json(s, config, image_id, &csize, e);
	_cleanup_json_ json_t *list = json_array();
	for (size_t i = 0; r == 0 && i < n; i++)
		if (!list || json_array_append_new(list, layer_json(&layers[i])) < 0)
			r = brig_err_oom(e);
	if (r < 0)
		return r;
	_cleanup_json_ json_t *m = json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:O}", "schemaVersion",
					     2, "mediaType", IMG_MT_OCI_MANIFEST, "config",
					     "mediaType", IMG_MT_OCI_CONFIG, "digest", image_id,
					     "size", (json_int_t)csize, "layers", list);
	*manifest = (struct img_descriptor){ .media_type = strdup(IMG_MT_OCI_MANIFEST) };
	if (!manifest->media_type)
		return brig_err_oom(e);
	return img_blob_put_json(s, m, manifest->digest, &manifest->size, e);
}
