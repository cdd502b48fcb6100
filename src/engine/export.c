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

struct export_job {
	int root, out_fd;
	const struct img_pack_ids *ids;
};

static int export_pack(void *arg, struct brig_err *e)
{
	const struct export_job *j = arg;
	char digest[IMG_DIGEST_LEN], diff_id[IMG_DIGEST_LEN];
	return img_layer_pack_ids(j->root, j->out_fd, IMG_COMP_NONE, IMG_PACK_ONE_MOUNT, j->ids,
				  digest, diff_id, e);
}

int eng_export(struct eng *g, const char *id, int out_fd, struct brig_err *e)
{
	struct eng_ctr_root root;
	int r = eng_ctr_root_open(g, id, &root, e);
	if (r == 0) {
		/* Rootless: packed in the container's mapping (userns_run.c),
		 * where the owners read as the container's already. */
		const struct eng_userns *u = &root.rec.userns;
		struct img_pack_ids ids = { u->uid, u->gid, u->size };
		struct export_job j = { root.fd, out_fd, u->enabled && !u->own_root ? &ids : NULL };
		r = eng_userns_run(u, export_pack, &j, NULL, 0, e);
		if (r < 0)
			brig_err_wrap(e, "exporting %.12s", id);
	}
	eng_ctr_root_close(&root);
	return r;
}
