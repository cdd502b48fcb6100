/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Layers made on this host (brig build, brig commit): a directory or a
 * container's changes (its overlay upper directory, owners mapped back
 * through its user namespace) packed by the layer packer, with mtimes
 * clamped when asked, into an unnamed file of the store's filesystem, then
 * stored (checked against its digest) and unpacked into the layer cache
 * so that containers of the new image need no unpacking.
 */
#include "engine/record-internal.h"

#include "image/layer/layer.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int eng_layer_store_fd(struct eng *g, int fd, struct eng_layer_out *l, struct brig_err *e)
{
	struct img_store *s = NULL;
	char digest[IMG_DIGEST_SIZE], diff_id[72];
	int r = eng_store(g, &s, e);
	if (r == 0)
		r = img_blob_put_fd(s, fd, l->digest, digest, &l->size, e);
	if (r < 0)
		return r;
	_cleanup_close_ int blob = -1;
	_cleanup_close_ int layers = eng_layers_open(g->root, e);
	struct stat sb;
	int comp = 0;
	if (layers < 0)
		return layers;
	if (brig_digest_valid(l->diff_id) &&
	    fstatat(layers, l->diff_id + 7, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(sb.st_mode))
		return 0; /* unpacked already (the same diff_id: the same tree) */
	if ((r = img_blob_open(s, l->digest, false, &blob, e)) < 0 ||
	    (r = eng_layer_unpack_to(g->root, blob, l->digest, diff_id, &comp, e)) < 0)
		return r;
	if (strcmp(diff_id, l->diff_id) != 0)
		return brig_err_set(e, -EBADMSG, "layer %s unpacked as %s, packed as %s", l->digest,
				    diff_id, l->diff_id);
	return 0;
}

int eng_layer_make(struct eng *g, const char *ctr_id, int dirfd, int64_t mtime_max,
		   const struct img_pack_setid *setid, struct eng_layer_out *l, struct brig_err *e)
{
	_cleanup_close_ int tmp = BRIG_RETRY(
		openat(g->rootfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
	if (tmp < 0)
		return brig_err_sys(e, errno, "making a temporary file in %s", g->root);
	struct img_pack_ids ids = { 0 };
	const struct img_pack_ids *idp = NULL;
	_cleanup_close_ int upper = -1;
	unsigned flags = 0;
	if (ctr_id) {
		_cleanup_record_ struct eng_record rec;
		int r = eng_record_current(g, ctr_id, &rec, e);
		if (r < 0 || (upper = eng_ctr_upper_open(g, &rec, e)) < 0)
			return r < 0 ? r : upper;
		ids = (struct img_pack_ids){ rec.userns.uid, rec.userns.gid, rec.userns.size };
		idp = rec.userns.enabled ? &ids : NULL;
		dirfd = upper;
		flags = IMG_PACK_OVERLAY_UPPER;
	}
	int r = img_layer_pack_clamped(dirfd, tmp, IMG_COMP_GZIP, flags, idp, mtime_max, setid,
				       l->digest, l->diff_id, e);
	if (r < 0)
		return brig_err_wrap(e, "packing a layer");
	if (lseek(tmp, 0, SEEK_SET) < 0)
		return brig_err_sys(e, errno, "rewinding the packed layer");
	return eng_layer_store_fd(g, tmp, l, e);
}
