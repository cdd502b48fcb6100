/* SPDX-License-Identifier: Apache-2.0 */
/* engine: what pull.c and pull_layers.c share (private to src/engine). */
#ifndef BRIG_ENGINE_PULL_INTERNAL_H
#define BRIG_ENGINE_PULL_INTERNAL_H

#include "engine/engine-internal.h"
#include "image/archive/image-archive.h"
#include "registry/registry.h"

struct pull {
	const struct eng_pull_opts *o;
	const char *root;
	struct img_store *s;
	struct reg_client *c;
	struct reg_opts ro; /* for the clients of the other download threads */
	char *user, *pass; /* ro's credentials (wiped when the pull ends) */
	unsigned max_downloads;
	struct img_ref ref; /* where requests go: the name, or a mirror's */
	struct img_ref name; /* the image's name (aliases expanded) */
	const char *mirror; /* "HOST/REPO" of ref when it is not name */
	int layers_fd;
};

/*
 * The layers of manifest m (config c, already checked: one diff_id per
 * layer) into the store and the layer cache, max_downloads at a time.
 * A layer missing from the store is fetched in a single pass: the bytes
 * from the network go to the store's blob writer and through a pipe to
 * the strict unpacker (image/archive), which hashes, decompresses,
 * hashes the tar stream and unpacks into a temporary directory; the blob
 * is committed and the directory renamed only when the download's digest,
 * the unpacker's digest and the diff_id all match.  known: index.json
 * names the manifest already (a complete earlier pull or load verified
 * its layers), so a layer whose blob and directory exist is not read
 * again.
 * The first failure stops the other downloads; every temporary is
 * removed.
 */
int eng_pull_layers(struct pull *p, const struct img_manifest *m, const struct img_config *c,
		    bool known, struct brig_err *e);

#endif
