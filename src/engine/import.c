/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig import: a root filesystem tarball becomes a one-layer OCI image.
 * The tarball is stored as it came (hashed while written), unpacked into
 * the layer cache by the safe unpacker (which also gives its diff_id and
 * compression), and described by a new config and manifest, then named.
 */
#include "engine/engine-internal.h"

#include <string.h>

static json_t *build_config(const char *diff_id, const char *created, const json_t *cfg)
{
	return json_pack("{s:s, s:s, s:s, s:O, s:{s:s, s:[s]}, s:[{s:s, s:s}]}", "created", created,
			 "architecture", eng_host_arch(), "os", "linux", "config", cfg, "rootfs",
			 "type", "layers", "diff_ids", diff_id, "history", "created", created,
			 "created_by", "brig import");
}

int eng_import(struct eng *g, int fd, const char *name, const json_t *cfg,
	       char image_id[IMG_DIGEST_SIZE], struct brig_err *e)
{
	struct img_store *s = NULL;
	struct img_descriptor l = { 0 }, m = { 0 };
	char diff_id[IMG_DIGEST_SIZE], created[64];
	int comp = 0;
	int r = eng_ref_check_tagged(name, "an imported", e);
	if (r < 0 || (r = eng_store(g, &s, e)) < 0 || (r = img_store_lease(s, e)) < 0 ||
	    (r = img_blob_put_fd(s, fd, NULL, l.digest, &l.size, e)) < 0)
		return r;
	_cleanup_close_ int blob_fd = -1;
	if ((r = img_blob_open(s, l.digest, false, &blob_fd, e)) < 0 ||
	    (r = eng_layer_unpack_to(g->root, blob_fd, l.digest, diff_id, &comp, e)) < 0)
		return r;
	l.info.comp = (enum img_compression)comp;
	eng_now(created);
	_cleanup_json_ json_t *config = build_config(diff_id, created, cfg);
	if (!config)
		return brig_err_oom(e);
	if ((r = img_store_put_image(s, config, &l, 1, image_id, &m, e)) == 0)
		r = img_store_tag(s, &m, name, e);
	img_descriptor_clear(&m);
	return r;
}
