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
 * from the network go to the store's blob writer and through a bounded
 * buffer (pull_feed) to the strict unpacker (image/archive), which hashes, decompresses,
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

/*
 * The bounded buffer from a layer's download to its unpacker (pull_feed.c):
 * the writer takes a free block of PULL_FEED_BLOCK bytes (pull_feed_space
 * waits for one), fills it and hands it over (pull_feed_put), and at the
 * end says whether the download succeeded (pull_feed_close: 0, or the
 * negative code the reader then gets at once).  pull_feed_read is the
 * unpacker's img_layer_read_fn; pull_feed_leave: the reader stopped, and
 * the blocks handed over from then on are dropped (never a wait).
 */
#define PULL_FEED_BLOCK (256 * 1024)
struct pull_feed;
struct pull_feed *pull_feed_new(void);
void pull_feed_free(struct pull_feed *f);
unsigned char *pull_feed_space(struct pull_feed *f);
void pull_feed_put(struct pull_feed *f, size_t len);
void pull_feed_close(struct pull_feed *f, int err);
void pull_feed_leave(struct pull_feed *f);
ssize_t pull_feed_read(void *arg, void *buf, size_t len);

#endif
