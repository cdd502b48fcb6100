/* SPDX-License-Identifier: Apache-2.0 */
/* The media types brig understands, OCI and Docker v2 schema 2. */
#include "image/store/store-internal.h"

#include <string.h>

struct mt_entry {
	const char *name;
	struct img_media_info info;
};

#define MT(n, k, d, c, nd)                                                                \
	{                                                                                 \
		n,                                                                        \
		{                                                                         \
			.kind = (k), .docker = (d), .comp = (c), .nondistributable = (nd) \
		}                                                                         \
	}

static const struct mt_entry media_types[] = {
	MT(IMG_MT_OCI_MANIFEST, IMG_KIND_MANIFEST, false, IMG_COMP_NONE, false),
	MT(IMG_MT_OCI_INDEX, IMG_KIND_INDEX, false, IMG_COMP_NONE, false),
	MT(IMG_MT_OCI_CONFIG, IMG_KIND_CONFIG, false, IMG_COMP_NONE, false),
	MT(IMG_MT_OCI_LAYER, IMG_KIND_LAYER, false, IMG_COMP_NONE, false),
	MT(IMG_MT_OCI_LAYER_GZIP, IMG_KIND_LAYER, false, IMG_COMP_GZIP, false),
	MT(IMG_MT_OCI_LAYER_ZSTD, IMG_KIND_LAYER, false, IMG_COMP_ZSTD, false),
	MT("application/vnd.oci.image.layer.nondistributable.v1.tar", IMG_KIND_LAYER, false,
	   IMG_COMP_NONE, true),
	MT("application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", IMG_KIND_LAYER, false,
	   IMG_COMP_GZIP, true),
	MT("application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", IMG_KIND_LAYER, false,
	   IMG_COMP_ZSTD, true),
	MT(IMG_MT_DOCKER_MANIFEST, IMG_KIND_MANIFEST, true, IMG_COMP_NONE, false),
	MT(IMG_MT_DOCKER_LIST, IMG_KIND_INDEX, true, IMG_COMP_NONE, false),
	MT(IMG_MT_DOCKER_CONFIG, IMG_KIND_CONFIG, true, IMG_COMP_NONE, false),
	MT("application/vnd.docker.image.rootfs.diff.tar", IMG_KIND_LAYER, true, IMG_COMP_NONE,
	   false),
	MT(IMG_MT_DOCKER_LAYER_GZIP, IMG_KIND_LAYER, true, IMG_COMP_GZIP, false),
	MT("application/vnd.docker.image.rootfs.diff.tar.zstd", IMG_KIND_LAYER, true, IMG_COMP_ZSTD,
	   false),
	MT("application/vnd.docker.image.rootfs.foreign.diff.tar", IMG_KIND_LAYER, true,
	   IMG_COMP_NONE, true),
	MT("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", IMG_KIND_LAYER, true,
	   IMG_COMP_GZIP, true),
};

int img_media_type_info(const char *media_type, struct img_media_info *out)
{
	for (size_t i = 0; media_type && i < BRIG_ARRAY_SIZE(media_types); i++)
		if (strcmp(media_types[i].name, media_type) == 0) {
			*out = media_types[i].info;
			return 0;
		}
	*out = (struct img_media_info){ .kind = IMG_KIND_UNKNOWN };
	return -ENOTSUP;
}

const char *img_media_kind_name(enum img_media_kind kind)
{
	switch (kind) {
	case IMG_KIND_MANIFEST:
		return "an image manifest";
	case IMG_KIND_INDEX:
		return "an image index";
	case IMG_KIND_CONFIG:
		return "an image config";
	case IMG_KIND_LAYER:
		return "a layer";
	case IMG_KIND_UNKNOWN:
		break;
	}
	return "unknown";
}
