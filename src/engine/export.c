/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig export: a container's filesystem, flattened (its layers and its
 * changes, whiteouts applied by overlayfs itself), as a tar written by the
 * layer packer: every entry opened inside the root with the safe resolver,
 * no symlink followed, owners as the container sees them, and what is
 * mounted over the root (/proc, /sys, /dev, volumes) left out as Docker
 * leaves it out.
 */
#include "engine/record-internal.h"

#include "image/layer/layer.h"

int eng_export(struct eng *g, const char *id, int out_fd, struct brig_err *e)
{
	struct eng_ctr_root root;
	int r = eng_ctr_root_open(g, id, &root, e);
	if (r == 0) {
		const struct eng_userns *u = &root.rec.userns;
		struct img_pack_ids ids = { u->uid, u->gid, u->size };
		char digest[IMG_DIGEST_LEN], diff_id[IMG_DIGEST_LEN];
		r = img_layer_pack_ids(root.fd, out_fd, IMG_COMP_NONE, IMG_PACK_ONE_MOUNT,
				       u->enabled ? &ids : NULL, digest, diff_id, e);
		if (r < 0)
			brig_err_wrap(e, "exporting %.12s", id);
	}
	eng_ctr_root_close(&root);
	return r;
}
