/* SPDX-License-Identifier: Apache-2.0 */
/* image: the compression of a layer blob, shared by image/store (media
 * types) and image/layer (unpack, pack). */
#ifndef BRIG_IMAGE_COMPRESSION_H
#define BRIG_IMAGE_COMPRESSION_H

enum img_compression {
	IMG_COMP_NONE = 0,
	IMG_COMP_GZIP,
	IMG_COMP_ZSTD,
};

#endif
