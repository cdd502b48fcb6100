/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Checking a loaded layer without unpacking it (used when the layer is
 * unpacked already, so only its diff_id and its entries need judging):
 * image/layer's unpacker in strict mode with no destination, so the layer
 * is judged by exactly the rules of an unpacking load, in one pass that
 * decompresses it once and computes its diff_id on the way.
 */
#include "image/archive/archive-internal.h"
#include "image/layer/layer.h"

#include <string.h>

_Static_assert(IMG_DIGEST_SIZE == IMG_DIGEST_LEN, "digest buffers of the same size");

int img_archive_layer_check(int fd, char diff_id[IMG_DIGEST_SIZE], struct brig_err *e)
{
	const struct img_unpack_opts o = { .strict = true };
	struct img_unpack_result res;
	int r = img_layer_unpack(fd, -1, &o, &res, e);
	if (r == 0)
		memcpy(diff_id, res.diff_id, IMG_DIGEST_SIZE);
	img_unpack_result_clear(&res);
	return r;
}
