/* SPDX-License-Identifier: Apache-2.0 */
/*
 * image/store: brig's image store, an OCI image layout on disk.
 *
 *   ROOT/oci-layout          {"imageLayoutVersion":"1.0.0"}
 *   ROOT/index.json          an OCI image index; every image name is an
 *                            "org.opencontainers.image.ref.name" annotation
 *                            on one of its manifest entries
 *   ROOT/blobs/sha256/<hex>  content-addressed blobs (manifests, configs,
 *                            layers), stored byte for byte as received
 *   ROOT/.lock               flock taken (exclusive) to change index.json
 *   ROOT/.ingest.lock        flock held (shared) by every process that
 *                            writes blobs; gc and check --repair take it
 *                            exclusive, so they never race an ingest
 *
 * skopeo (oci:ROOT:NAME) and umoci (--layout ROOT) read the same layout.
 *
 * Every blob is hashed while it is written and renamed to its digest only
 * after an fsync and a digest check; a crash leaves at most a ".tmp-*" file,
 * which gc removes.  A digest string never becomes a path outside
 * blobs/sha256: it is validated (brig_digest_valid) and only its 64 hex
 * digits are used, as one file name, opened with O_NOFOLLOW.
 *
 * Manifests, indexes and configs are parsed strictly (types, required
 * fields, media types, size limits); errors name the blob and the JSON field:
 * "manifest sha256:…: layers[1].size: expected an integer, got string".
 *
 * All functions return 0 (or a documented non-negative value) on success and
 * a negative errno-style code after filling the struct brig_err.
 */
#ifndef BRIG_IMAGE_STORE_H
#define BRIG_IMAGE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/common.h"
#include "image/compression-internal.h"

/* "sha256:" + 64 hex digits + NUL */
#define IMG_DIGEST_SIZE 72

/* Size limits for JSON documents read from the store. */
#define IMG_MANIFEST_MAX ((size_t)4 << 20)
#define IMG_INDEX_MAX ((size_t)4 << 20)
#define IMG_CONFIG_MAX ((size_t)8 << 20)
#define IMG_INDEX_JSON_MAX ((size_t)16 << 20)
/* At most this many layers in a manifest, manifests in an index. */
#define IMG_MAX_LAYERS 1024
#define IMG_MAX_INDEX_ENTRIES 65536

#define IMG_ANNOTATION_REF_NAME "org.opencontainers.image.ref.name"
/* Annotations with this prefix on the descriptor given to img_store_tag /
 * img_store_add are kept on the index.json entry (where a pulled image
 * came from: io.brig.source.registry, .repository, .tag, .digest, .time);
 * img_store_resolve returns them. */
#define IMG_ANNOTATION_SOURCE_PREFIX "io.brig.source."
/* On a named index.json entry: when the store last gave it that name (tag,
 * pull, load, import, commit, build), RFC 3339 in UTC; `image inspect`'s
 * Metadata.LastTagTime. */
#define IMG_ANNOTATION_TAG_TIME "io.brig.tag.time"

/* ------------------------------------------------------------------ */
/* media types                                                          */
/* ------------------------------------------------------------------ */

#define IMG_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define IMG_MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define IMG_MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define IMG_MT_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define IMG_MT_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define IMG_MT_OCI_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"
#define IMG_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define IMG_MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define IMG_MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define IMG_MT_DOCKER_LAYER_GZIP "application/vnd.docker.image.rootfs.diff.tar.gzip"

enum img_media_kind {
	IMG_KIND_UNKNOWN = 0,
	IMG_KIND_MANIFEST, /* an image manifest (OCI or Docker v2 schema 2) */
	IMG_KIND_INDEX, /* an image index / Docker manifest list */
	IMG_KIND_CONFIG, /* an image config */
	IMG_KIND_LAYER, /* a filesystem layer (a tar stream) */
};

struct img_media_info {
	enum img_media_kind kind;
	bool docker; /* the Docker family rather than OCI */
	enum img_compression comp; /* layers only */
	bool nondistributable; /* OCI nondistributable / Docker foreign layer */
};

/* Classify a media type.  -ENOTSUP (kind UNKNOWN) for one brig does not
 * know; the caller builds the error message. */
int img_media_type_info(const char *media_type, struct img_media_info *out);
const char *img_media_kind_name(enum img_media_kind kind);

/* ------------------------------------------------------------------ */
/* descriptors                                                          */
/* ------------------------------------------------------------------ */

struct img_kv {
	char *key;
	char *value;
};

/* A string-to-string map (annotations, labels), in document order. */
struct img_kvlist {
	struct img_kv *items;
	size_t n;
};
const char *img_kv_get(const struct img_kvlist *l, const char *key);
void img_kvlist_clear(struct img_kvlist *l);

struct img_platform {
	char *architecture;
	char *os;
	char *os_version; /* NULL when absent */
	char *variant; /* NULL when absent */
	char **os_features; /* NULL when absent */
};

struct img_descriptor {
	char *media_type;
	struct img_media_info info; /* classification of media_type */
	char digest[IMG_DIGEST_SIZE];
	uint64_t size;
	char *artifact_type; /* NULL when absent */
	char **urls; /* NULL when absent */
	struct img_kvlist annotations;
	struct img_platform *platform; /* NULL when absent */
};
void img_descriptor_clear(struct img_descriptor *d);
int img_descriptor_copy(struct img_descriptor *dst, const struct img_descriptor *src,
			struct brig_err *e);

/* ------------------------------------------------------------------ */
/* manifests, indexes, configs (pure parsers)                           */
/* ------------------------------------------------------------------ */

struct img_manifest {
	char *media_type; /* the document's type (from it or its descriptor) */
	bool docker;
	struct img_descriptor config;
	struct img_descriptor *layers; /* base layer first */
	size_t n_layers;
	struct img_kvlist annotations;
	char *artifact_type; /* NULL when absent */
	struct img_descriptor *subject; /* NULL when absent */
};

struct img_index {
	char *media_type;
	bool docker;
	struct img_descriptor *manifests;
	size_t n_manifests;
	struct img_kvlist annotations;
};

struct img_history {
	char *created, *author, *created_by, *comment; /* NULL when absent */
	bool empty_layer;
};

/* config.Healthcheck (Docker's): Test as given (["NONE"], ["CMD", ...],
 * ["CMD-SHELL", "text"]; NULL when absent), durations in nanoseconds and
 * Retries, 0 when absent (the defaults apply). */
struct img_healthcheck {
	char **test;
	int64_t interval, timeout, start_period, start_interval, retries;
};

/* The parts of an image config that brig uses.  Absent (or null) fields are
 * NULL / empty; string vectors are NULL-terminated. */
struct img_config {
	char *architecture, *os, *variant, *os_version;
	char *created, *author;
	/* "config" */
	char *user;
	char **env;
	char **entrypoint; /* NULL when absent, {NULL} when [] */
	char **cmd;
	char *working_dir;
	struct img_kvlist labels;
	char *stop_signal;
	char **shell; /* SHELL: NULL when absent */
	char **exposed_ports; /* the keys of ExposedPorts ("80/tcp") */
	char **volumes; /* the keys of Volumes */
	struct img_healthcheck healthcheck;
	/* "rootfs" */
	char **diff_ids;
	size_t n_diff_ids;
	struct img_history *history;
	size_t n_history;
};

/*
 * Parse a document.  name labels errors ("manifest sha256:…").  media_type,
 * when not NULL, is the type the referring descriptor gave: it must be of
 * the right kind, and a mediaType inside the document must agree with it.
 */
int img_manifest_parse(const char *buf, size_t len, const char *name, const char *media_type,
		       struct img_manifest *out, struct brig_err *e);
void img_manifest_clear(struct img_manifest *m);
int img_index_parse(const char *buf, size_t len, const char *name, const char *media_type,
		    struct img_index *out, struct brig_err *e);
void img_index_clear(struct img_index *x);
int img_config_parse(const char *buf, size_t len, const char *name, struct img_config *out,
		     struct brig_err *e);
void img_config_clear(struct img_config *c);

/* ------------------------------------------------------------------ */
/* references                                                           */
/* ------------------------------------------------------------------ */

/* A Docker-style image reference, normalised: "busybox" is domain
 * "docker.io", path "library/busybox", tag "latest". */
struct img_ref {
	char *domain;
	char *path;
	char *tag; /* NULL when the reference has none */
	char digest[IMG_DIGEST_SIZE]; /* "" when the reference has none */
};

/* Parse name[:tag], name@sha256:hex or name:tag@sha256:hex with the Docker
 * grammar; with neither tag nor digest the tag is "latest". */
int img_ref_parse(const char *s, struct img_ref *out, struct brig_err *e);
void img_ref_clear(struct img_ref *r);
/* "docker.io/library/busybox:latest" (malloc'ed; NULL on ENOMEM). */
char *img_ref_string(const struct img_ref *r);
/* The short form people type: "busybox:latest". */
char *img_ref_familiar(const struct img_ref *r);

/* ------------------------------------------------------------------ */
/* the store                                                            */
/* ------------------------------------------------------------------ */

struct img_store;

/* Open the layout at root; with create, make it (and root) when missing.
 * An existing oci-layout must say imageLayoutVersion "1.0.0". */
int img_store_open(const char *root, bool create, struct img_store **out, struct brig_err *e);
void img_store_close(struct img_store *s);
static inline void img_store_closep(struct img_store **s)
{
	img_store_close(*s);
}
#define _cleanup_img_store_ _cleanup_(img_store_closep)
const char *img_store_root(const struct img_store *s);

/* Take the store's shared ingest lease (held until img_store_close).  Blob
 * writers take it themselves; a process that writes blobs and then tags
 * them holds it throughout, so gc cannot remove the blobs in between.
 * Readers that must not see an image vanish (an unpack) may take it too. */
int img_store_lease(struct img_store *s, struct brig_err *e);

/* Take the ingest lease exclusively and hold it until img_store_close:
 * no other process is loading or writing blobs meanwhile (-EBUSY when one
 * is).  For maintenance that must not race a load, such as removing the
 * unpacked layers no image needs.  Call it after img_store_gc (which
 * takes the lease itself and leaves it shared). */
int img_store_lease_exclusive(struct img_store *s, struct brig_err *e);

/* ------------------------------------------------------------------ */
/* blobs                                                                */
/* ------------------------------------------------------------------ */

struct img_blob_writer;

/* Start a blob.  expected (may be NULL) is checked at commit; more than
 * max_size bytes is an error (-EFBIG; UINT64_MAX for no limit).  Takes the
 * store's ingest lease (waiting while a gc runs). */
int img_blob_writer_open(struct img_store *s, const char *expected, uint64_t max_size,
			 struct img_blob_writer **out, struct brig_err *e);
int img_blob_write(struct img_blob_writer *w, const void *buf, size_t len, struct brig_err *e);
/* Finish the hash of what was written and check it against expected (when
 * given) without committing: a failure removes the temporary file.  After
 * it nothing more can be written; img_blob_commit then uses this hash. */
int img_blob_check(struct img_blob_writer *w, struct brig_err *e);
/* fsync, check the digest, rename to blobs/sha256/<hex>, fsync the
 * directory.  On any failure the temporary file is removed.  Either way the
 * writer is spent; release it with img_blob_abort. */
int img_blob_commit(struct img_blob_writer *w, char digest[IMG_DIGEST_SIZE], uint64_t *size,
		    struct brig_err *e);
/* Discard what was not committed and free the writer (NULL is fine). */
void img_blob_abort(struct img_blob_writer *w);
static inline void img_blob_abortp(struct img_blob_writer **w)
{
	img_blob_abort(*w);
}
#define _cleanup_img_blob_writer_ _cleanup_(img_blob_abortp)

/* compose.c: images made on this host (import, commit). */
/* The OCI layer media type for a compression. */
const char *img_layer_oci_type(enum img_compression comp);
/* Stream fd to its end into a blob (checked against expected unless NULL). */
int img_blob_put_fd(struct img_store *s, int fd, const char *expected, char digest[IMG_DIGEST_SIZE],
		    uint64_t *size, struct brig_err *e);
/* A JSON document, serialised compactly, as a blob. */
int img_blob_put_json(struct img_store *s, const json_t *doc, char digest[IMG_DIGEST_SIZE],
		      uint64_t *size, struct brig_err *e);
/* Store config (its digest is the image ID) and an OCI manifest of layers
 * (digest, size; an OCI layer keeps its media type, any other is given the
 * OCI type of its info.comp).  *manifest is the new manifest's descriptor,
 * for img_store_tag or img_store_add; img_descriptor_clear it. */
int img_store_put_image(struct img_store *s, const json_t *config,
			const struct img_descriptor *layers, size_t n,
			char image_id[IMG_DIGEST_SIZE], struct img_descriptor *manifest,
			struct brig_err *e);

/* Store a small blob from memory. */
int img_blob_put(struct img_store *s, const void *data, size_t len, char digest[IMG_DIGEST_SIZE],
		 struct brig_err *e);
/* 1 when the blob exists, 0 when not, negative on error (bad digest). */
int img_blob_exists(struct img_store *s, const char *digest, struct brig_err *e);
/* Size of a stored blob. */
int img_blob_stat(struct img_store *s, const char *digest, uint64_t *size, struct brig_err *e);
/* Open a blob read-only (offset 0).  verify re-hashes it first and fails
 * (-EBADMSG) when the content does not match the digest. */
int img_blob_open(struct img_store *s, const char *digest, bool verify, int *fd,
		  struct brig_err *e);
/* Read a whole blob of at most max bytes, verified against its digest. */
int img_blob_read(struct img_store *s, const char *digest, size_t max, char **buf, size_t *len,
		  struct brig_err *e);

/* Read what a descriptor points at (its size is checked against max and the
 * blob), then parse it. */
int img_store_load_manifest(struct img_store *s, const struct img_descriptor *d,
			    struct img_manifest *out, struct brig_err *e);
int img_store_load_index(struct img_store *s, const struct img_descriptor *d, struct img_index *out,
			 struct brig_err *e);
int img_store_load_config(struct img_store *s, const struct img_descriptor *d,
			  struct img_config *out, struct brig_err *e);

/* ------------------------------------------------------------------ */
/* names                                                                */
/* ------------------------------------------------------------------ */

/* Name a manifest (or index) already in the store: ref is parsed and
 * normalised ("busybox" -> "docker.io/library/busybox:latest"); a digest in
 * ref must be the manifest's.  The manifest and everything it references
 * must be present.  A name moves: any other entry with it loses it. */
int img_store_tag(struct img_store *s, const struct img_descriptor *manifest, const char *ref,
		  struct brig_err *e);
/* Keep a manifest (or index) already in the store without naming it: an
 * index.json entry without a ref.name annotation (listed as <none>:<none>,
 * kept by gc).  Nothing is added when the manifest has an entry already,
 * named or not; naming it later (img_store_tag) drops the unnamed entry.
 * The manifest and everything it references must be present. */
int img_store_add(struct img_store *s, const struct img_descriptor *manifest, struct brig_err *e);
/* Remove the unnamed entries of the image what (a manifest digest, image
 * ID or ID prefix, as img_store_resolve takes them) when it has no named
 * entry; -ENOENT otherwise. */
int img_store_remove(struct img_store *s, const char *what, struct brig_err *e);
/* Remove a name (-ENOENT when no entry has it).  ref may also be what
 * img_store_remove takes: an image known only by unnamed entries loses
 * them (so `brig rmi ID` removes a loaded image that had no name). */
int img_store_untag(struct img_store *s, const char *ref, struct brig_err *e);
/* Find an image by name, by manifest digest, by image ID (config digest,
 * "sha256:…" or 64 hex) or by a unique ID prefix of 4 hex digits or more.
 * -ENOENT when nothing matches, -ENOTUNIQ when a prefix is ambiguous. */
int img_store_resolve(struct img_store *s, const char *what, struct img_descriptor *out,
		      struct brig_err *e);
/* From a manifest or index descriptor, the manifest for arch/os (variant
 * may be NULL: any); a manifest descriptor is returned as it is. */
int img_store_select_manifest(struct img_store *s, const struct img_descriptor *d, const char *arch,
			      const char *os, const char *variant, struct img_descriptor *out,
			      struct brig_err *e);

struct img_list_entry {
	char *name; /* NULL for an entry without a name */
	struct img_descriptor desc;
};
/* Every index.json entry, in file order. */
int img_store_list(struct img_store *s, struct img_list_entry **out, size_t *n, struct brig_err *e);
void img_store_list_free(struct img_list_entry *v, size_t n);

/* ------------------------------------------------------------------ */
/* maintenance                                                          */
/* ------------------------------------------------------------------ */

/*
 * Remove every blob not reachable from index.json (through indexes,
 * manifests, configs and layers) and every stale temporary file.  Needs the
 * ingest lease exclusively: -EBUSY while another process holds it (or this
 * handle has a blob writer open).  Blobs this handle wrote but has not
 * named yet are unreachable, so are removed: run gc from a fresh handle.
 * Refuses (and removes nothing) when a reachable manifest or index cannot
 * be read.  *report: {"dry_run", "removed_blobs":[{"digest","size"}],
 * "removed_temps":[...], "reclaimed_bytes", "kept_blobs", "unexpected":[...]}.
 */
int img_store_gc(struct img_store *s, bool dry_run, json_t **report, struct brig_err *e);

/*
 * The diff_ids the images of the store need: every rootfs.diff_ids entry of
 * every config reachable from index.json (through indexes; a platform's
 * manifest that was never stored needs nothing), as a JSON object whose
 * keys are the diff_ids ("sha256:...", values true).  Fails when a
 * manifest, index or config that is present cannot be read: a caller that
 * removes what is not needed must then remove nothing.
 */
int img_store_diff_ids(struct img_store *s, json_t **out, struct brig_err *e);

/*
 * Verify every blob against its digest and every index.json entry (its
 * manifest tree present, sizes and media types right, configs valid).
 * Returns 0 when all is well, 1 when problems were found (and with repair,
 * fixed: broken entries dropped from index.json, corrupt blobs removed).
 * *report: {"ok", "blobs", "corrupt_blobs":[...], "broken_refs":[{"name",
 * "digest","error"}], "temp_files":[...], "unexpected":[...],
 * "unreferenced_blobs":[...] (sound, reached by no entry: gc removes them;
 * not a problem), "repaired"}.
 */
int img_store_check(struct img_store *s, bool repair, json_t **report, struct brig_err *e);

#endif /* BRIG_IMAGE_STORE_H */
