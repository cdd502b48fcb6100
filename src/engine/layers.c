/* SPDX-License-Identifier: Apache-2.0 */
/* The layer cache: a layer blob unpacked once, into ROOT/layers/<diff_id
 * hex>, synced before it is published under that name
 * (img_layer_unpack_cached). */
#include "engine/engine-internal.h"
#include "image/layer/layer.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int eng_store_open(const char *root, struct img_store **out, struct brig_err *e)
{
	_cleanup_free_ char *dir = NULL;
	if (asprintf(&dir, "%s/images", root) < 0)
		return brig_err_set(e, -ENOMEM, "out of memory");
	return img_store_open(dir, true, out, e);
}

int eng_layers_open(const char *root, struct brig_err *e)
{
	_cleanup_free_ char *dir = NULL;
	if (asprintf(&dir, "%s/layers", root) < 0)
		return brig_err_set(e, -ENOMEM, "out of memory");
	int r = brig_mkdir_p(AT_FDCWD, dir, 0700, e);
	if (r < 0)
		return r;
	int fd = BRIG_RETRY(open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	return fd < 0 ? brig_err_sys(e, errno, "opening %s", dir) : fd;
}

int eng_layer_unpack_to(const char *root, int in_fd, const char *digest, char diff_id[72],
			int *comp, struct brig_err *e)
{
	_cleanup_close_ int layers_fd = eng_layers_open(root, e);
	if (layers_fd < 0)
		return layers_fd;
	struct img_unpack_result res = { 0 };
	int r = img_layer_unpack_cached(layers_fd, in_fd, NULL, digest, NULL, &res, e);
	if (r == 0) {
		memcpy(diff_id, res.diff_id, IMG_DIGEST_LEN);
		*comp = (int)res.compression;
		if (res.warnings)
			brig_warn("layer %s: %llu warning(s)%s%s", digest,
				  (unsigned long long)res.warnings, res.notes ? ", first: " : "",
				  res.notes ? res.notes[0] : "");
	} else {
		brig_err_wrap(e, "unpacking layer %s", digest);
	}
	img_unpack_result_clear(&res);
	return r;
}
