/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Packing a container's changes (a user namespace's files seen from the
 * host): owners and the root a file capability is for, written as the
 * container sees them, so that the layer holds no host id.
 */
#include "image/layer/layer-internal.h"

#include <string.h>

uint32_t layer_id(const struct img_pack_ids *ids, uint32_t id, bool gid)
{
	if (!ids)
		return id;
	uint32_t base = gid ? ids->gid : ids->uid;
	return id >= base && id - base < ids->size ? id - base : IMG_PACK_OVERFLOW_ID;
}

/* struct vfs_cap_data: little-endian words, the revision in the first's
 * top byte; revision 3 ends with the rootid. */
#define CAPS_V3_SIZE 24
#define CAPS_V2_SIZE 20
#define CAPS_REVISION(p) ((p)[3])

size_t layer_caps_for_image(const struct img_pack_ids *ids, unsigned char *val, size_t n)
{
	if (!ids || n != CAPS_V3_SIZE || CAPS_REVISION(val) != 3)
		return n;
	uint32_t host = val[20] | (uint32_t)val[21] << 8 | (uint32_t)val[22] << 16 |
		(uint32_t)val[23] << 24;
	uint32_t root = layer_id(ids, host, false);
	if (root == 0) {
		CAPS_REVISION(val) = 2;
		return CAPS_V2_SIZE;
	}
	for (int i = 0; i < 4; i++)
		val[20 + i] = (unsigned char)(root >> (8 * i));
	return n;
}
