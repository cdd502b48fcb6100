/* SPDX-License-Identifier: Apache-2.0 */
/*
 * image/archive: images to and from tar archives (`brig load`, `brig save`).
 *
 * Two formats, read and written:
 *   docker-archive  manifest.json ([{Config, RepoTags, Layers}]) naming a
 *                   config file and layer tars inside the archive, as
 *                   `docker save` and `podman save` write it (the legacy
 *                   <id>/json, <id>/VERSION and repositories files are
 *                   ignored; the newer Docker layout that embeds an OCI
 *                   layout is read through its index.json)
 *   oci-archive     a tar of an OCI image layout (oci-layout, index.json,
 *                   blobs/sha256/<hex>), as `skopeo copy ... oci-archive:`
 *                   writes it
 * The whole archive may be gzip or zstd compressed.  See docs/archives.md.
 *
 * Loading reads the archive once, as a stream (a pipe is fine): every
 * regular member is hashed while it is written into the store as a blob
 * (a member named blobs/sha256/<hex> must hash to that digest); the small
 * metadata files are kept in memory.  At the end the metadata is parsed
 * strictly, every image's manifest, config and layers are checked
 * (present, sizes, media types, one diff_id per layer), each layer is
 * handed to the caller's unpack function (which must check the diff_id),
 * and only when every image of the archive is complete are the names
 * written into index.json (an image without a name in the archive gets an
 * index.json entry without one: img_store_add).  A load that fails or is killed names nothing;
 * the blobs it wrote are unreferenced and gc removes them.
 *
 * All functions return 0 on success and a negative errno-style code after
 * filling the struct brig_err.
 */
#ifndef BRIG_IMAGE_ARCHIVE_H
#define BRIG_IMAGE_ARCHIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/common.h"
#include "image/store/store.h"

/* Limits on an archive being loaded (a zero option means the default). */
#define IMG_ARCHIVE_MAX_MEMBERS 16384ULL /* tar entries */
#define IMG_ARCHIVE_MAX_NAME 1024ULL /* bytes in a member name */
#define IMG_ARCHIVE_MAX_TOTAL (64ULL << 30) /* uncompressed archive bytes */
#define IMG_ARCHIVE_MAX_RATIO 1000ULL /* uncompressed : compressed */
#define IMG_ARCHIVE_RATIO_GRACE (1ULL << 20) /* judged after this much */
#define IMG_ARCHIVE_MAX_IMAGES 1024ULL /* manifest.json entries */
#define IMG_ARCHIVE_MAX_TAGS 1024ULL /* names per image */
#define IMG_ARCHIVE_MAX_NESTING 4 /* index within index */
/* manifest.json and repositories are held in memory up to this size. */
#define IMG_ARCHIVE_MAX_META IMG_INDEX_JSON_MAX

enum img_archive_format {
	IMG_ARCHIVE_DOCKER = 0,
	IMG_ARCHIVE_OCI,
};
/* "docker-archive" / "oci-archive" and back (-EINVAL for another name). */
const char *img_archive_format_name(enum img_archive_format f);
int img_archive_format_parse(const char *s, enum img_archive_format *out);

/*
 * Unpack one verified layer blob (already in the store).  diff_id is the
 * config's rootfs.diff_ids entry for it: the function must check that the
 * uncompressed layer hashes to it.
 */
typedef int (*img_archive_layer_fn)(void *ctx, struct img_store *s,
				    const struct img_descriptor *layer, const char *diff_id,
				    struct brig_err *e);

/*
 * The unpack function of `brig load` (ctx: a struct img_layer_cache): the
 * layer is unpacked into dirfd/<diff_id hex> with image/layer's
 * img_layer_unpack_cached in strict mode, judged (every rule of
 * img_archive_layer_check), hashed and unpacked in one pass, and published
 * only when its digest and diff_id are right.  When dirfd/<diff_id hex>
 * exists already, the blob is only judged and hashed (nothing is written).
 */
struct img_layer_cache {
	int dirfd; /* ROOT/layers */
	bool strict_devices; /* refuse device nodes (brig load --strict) */
};
int img_archive_unpack_cached(void *ctx, struct img_store *s, const struct img_descriptor *layer,
			      const char *diff_id, struct brig_err *e);

/*
 * The same unpack for a layer that is not in the store yet, read through
 * in->read until it says the end (brig pull: its in-process feed, filled
 * while the blob downloads; see image/layer's img_unpack_opts.read), in two
 * steps: img_archive_unpack_stream judges, hashes and unpacks it into a
 * temporary directory of cache->dirfd (its name left in tmp) and checks
 * the tar stream against diff_id; nothing takes the diff_id's name yet.
 * The bytes read are NOT hashed against layer->digest: the caller must
 * check that digest over exactly the bytes it fed to in->read (brig pull's
 * blob writer does, img_blob_check) before publishing.  When that name exists
 * already the layer is only judged and hashed (tmp stays "").  Then
 * img_archive_layer_publish renames tmp into place (nothing to do for an
 * empty tmp) or img_archive_layer_discard removes it.  On failure tmp is
 * removed already.  img_archive_layer_cached: 1 when diff_id's directory
 * exists, 0 when not.
 */
#define IMG_ARCHIVE_LAYER_TMP_MAX 32
struct img_layer_feed {
	ssize_t (*read)(void *arg, void *buf, size_t len); /* img_layer_read_fn */
	void *arg;
};
int img_archive_layer_cached(const struct img_layer_cache *cache, const char *diff_id,
			     struct brig_err *e);
int img_archive_unpack_stream(const struct img_layer_cache *cache, const struct img_layer_feed *in,
			      const struct img_descriptor *layer, const char *diff_id,
			      char tmp[IMG_ARCHIVE_LAYER_TMP_MAX], struct brig_err *e);
int img_archive_layer_publish(const struct img_layer_cache *cache,
			      char tmp[IMG_ARCHIVE_LAYER_TMP_MAX], const char *diff_id,
			      struct brig_err *e);
void img_archive_layer_discard(const struct img_layer_cache *cache,
			       char tmp[IMG_ARCHIVE_LAYER_TMP_MAX]);

struct img_loaded;
struct img_load_opts {
	img_archive_layer_fn unpack_layer; /* NULL: layers are not unpacked */
	void *ctx;
	/* The repository for an oci-archive image whose ref.name is a bare
	 * tag ("latest"): it is named REPO:TAG.  NULL: "localhost/loaded". */
	const char *bare_tag_repo;
	uint64_t max_members, max_name, max_total, max_ratio;
	/* Called once every image is checked and before any is named (NULL:
	 * none): the images, the archive's format and its
	 * IMG_ARCHIVE_SIGNATURES member (NULL, 0 when it has none).  A
	 * negative return refuses the load; nothing is named. */
	int (*check)(void *ctx, const struct img_loaded *v, size_t n, enum img_archive_format f,
		     const char *sigs, size_t sigs_len, struct brig_err *e);
	void *check_ctx;
};

struct img_loaded {
	struct img_descriptor desc; /* the manifest or index named */
	char id[IMG_DIGEST_SIZE]; /* the image ID: config digest (index: its own) */
	char **names; /* normalised, NULL-terminated; NULL: none */
};

struct img_load_result {
	enum img_archive_format format;
	struct img_loaded *images;
	size_t n_images;
	uint64_t members; /* tar entries read */
	uint64_t bytes; /* uncompressed archive bytes */
};
void img_load_result_clear(struct img_load_result *r);

/*
 * Load the archive read from in_fd (until its end) into s, which must hold
 * the ingest lease (img_store_lease).  Names are written only on success.
 */
int img_archive_load(struct img_store *s, int in_fd, const struct img_load_opts *o,
		     struct img_load_result *out, struct brig_err *e);

/*
 * Write the images named by refs (a name, digest or ID each, as
 * img_store_resolve takes them) to out_fd as one tar in format f.
 * docker-archive: the manifest for this machine (arch/os) of each image,
 * RepoTags the full name of each name given (none for an ID);
 * oci-archive: index.json lists each image once per name given (ref.name
 * the stored full name), an index is written with everything beneath it.
 * Every blob is written as stored, each once, and re-hashed on the way
 * (a corrupt blob fails the save).
 */
int img_archive_save(struct img_store *s, const char *const *refs, size_t n_refs,
		     enum img_archive_format f, const char *arch, const char *os, int out_fd,
		     struct brig_err *e);
/* brig's member beside the images: the signatures kept with them
 * (engine/provenance; docs/trust-check.md), which brig load reads back;
 * other tools ignore it. */
#define IMG_ARCHIVE_SIGNATURES "brig-signatures.json"
/* img_archive_save with the member IMG_ARCHIVE_SIGNATURES holding sigs
 * (NULL: none). */
int img_archive_save_sigs(struct img_store *s, const char *const *refs, size_t n_refs,
			  enum img_archive_format f, const char *arch, const char *os, int out_fd,
			  const char *sigs, struct brig_err *e);

/*
 * Read the layer blob from fd (until EOF) without unpacking it: compute its
 * diff_id (SHA-256 of the tar stream after gzip / zstd decompression,
 * autodetected) and refuse what a layer in a loaded archive must not hold,
 * naming the entry: an absolute name, a ".." component, a device node, an
 * entry beneath a symlink of the same layer, a hard link out of the layer
 * or to something the layer has not got, a name given twice with different
 * types.  Within the layer limits of image/layer (entries, name length,
 * total bytes, ratio).  These are the rules of img_layer_unpack's strict
 * mode (it is that, with nothing written): a layer that is unpacked anyway
 * needs no separate check, img_layer_unpack_cached with .strict judges it
 * in its one pass.
 */
int img_archive_layer_check(int fd, char diff_id[IMG_DIGEST_SIZE], struct brig_err *e);

#endif /* BRIG_IMAGE_ARCHIVE_H */
