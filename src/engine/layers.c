/* SPDX-License-Identifier: Apache-2.0 */
/* The layer cache: unpacking a layer blob into ROOT/layers/<diff_id hex>,
 * once per diff_id. */
#include "engine/eng_int.h"
#include "image/layer/layer.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Move the unpacked tmp (a name in layers_fd) to its diff_id name; an
 * existing layer directory wins and tmp is removed. */
static int publish(int layers_fd, const char *tmp, const char *diff_id,
		   struct brig_err *e)
{
	const char *hex = diff_id + strlen("sha256:");
	if (renameat2(layers_fd, tmp, layers_fd, hex, RENAME_NOREPLACE) == 0) {
		if (fsync(layers_fd) < 0)
			return brig_err_sys(e, errno, "syncing the layers directory");
		return 0;
	}
	int err = errno;
	if (err != EEXIST)
		return brig_err_sys(e, err, "renaming layer %s into place", hex);
	struct stat st;
	if (fstatat(layers_fd, hex, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
		return brig_err_set(e, -EEXIST, "layers/%s exists and is not a directory", hex);
	return brig_rm_rf(layers_fd, tmp, e);
}

static int unpack_checked(int in_fd, int dest_fd, const char *digest,
			  char diff_id[72], int *comp, struct brig_err *e)
{
	struct img_unpack_result res = { 0 };
	int r = img_layer_unpack(in_fd, dest_fd, NULL, &res, e);
	if (r == 0 && strcmp(res.digest, digest) != 0)
		r = brig_err_set(e, -EBADMSG, "layer digest mismatch: unpacked %s, stored %s",
				 res.digest, digest);
	if (r == 0) {
		memcpy(diff_id, res.diff_id, IMG_DIGEST_LEN);
		*comp = (int)res.compression;
		if (res.warnings)
			brig_warn("layer %s: %llu warning(s)%s%s", digest,
				  (unsigned long long)res.warnings, res.notes ? ", first: " : "",
				  res.notes ? res.notes[0] : "");
	}
	img_unpack_result_clear(&res);
	return r;
}

int eng_layer_unpack_to(const char *root, int in_fd, const char *digest,
			 char diff_id[72], int *comp, struct brig_err *e)
{
	_cleanup_free_ char *dir = NULL;
	if (asprintf(&dir, "%s/layers", root) < 0)
		return brig_err_set(e, -ENOMEM, "out of memory");
	int r = brig_mkdir_p(AT_FDCWD, dir, 0700, e);
	if (r < 0)
		return r;
	_cleanup_close_ int layers_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (layers_fd < 0)
		return brig_err_sys(e, errno, "opening %s", dir);
	char tmp[] = ".tmp-XXXXXX";
	_cleanup_free_ char *tmppath = NULL;
	if (asprintf(&tmppath, "%s/%s", dir, tmp) < 0)
		return brig_err_set(e, -ENOMEM, "out of memory");
	if (!mkdtemp(tmppath))
		return brig_err_sys(e, errno, "creating a directory in %s", dir);
	memcpy(tmp, tmppath + strlen(dir) + 1, sizeof(tmp));
	int dest_fd = openat(layers_fd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dest_fd < 0)
		r = brig_err_sys(e, errno, "opening %s", tmppath);
	else
		r = unpack_checked(in_fd, dest_fd, digest, diff_id, comp, e);
	if (dest_fd >= 0)
		close(dest_fd);
	if (r == 0)
		r = publish(layers_fd, tmp, diff_id, e);
	if (r < 0) {
		struct brig_err e2 = { 0 };
		if (brig_rm_rf(layers_fd, tmp, &e2) < 0)
			brig_warn("removing %s: %s", tmppath, brig_err_str(&e2));
		brig_err_clear(&e2);
		brig_err_wrap(e, "unpacking layer %s", digest);
	}
	return r;
}
