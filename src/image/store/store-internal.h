/* SPDX-License-Identifier: Apache-2.0 */
/* image/store internals shared by its .c files (not for other modules). */
#ifndef BRIG_IMAGE_STORE_INTERNAL_H
#define BRIG_IMAGE_STORE_INTERNAL_H

#include "image/store/store.h"

#define IMG_LOCK_NAME ".lock"
#define IMG_LEASE_NAME ".ingest.lock"
#define IMG_TMP_PREFIX ".tmp-"
#define IMG_HEX_LEN 64

struct img_store {
	int rootfd; /* the layout's root, O_PATH */
	int blobfd; /* blobs/sha256, O_RDONLY */
	int leasefd; /* .ingest.lock with a shared flock, or -1 */
	unsigned writers; /* blob writers open on this handle */
	char *root; /* for messages */
};

/* store.c */
/* Take ROOT/.lock exclusively; returns the fd (close to release). */
int img_lock_index(struct img_store *s, struct brig_err *e);
/* Take the ingest lease exclusively without waiting (-EBUSY when another
 * process holds it); returns an fd to pass to img_lease_release. */
int img_lease_exclusive(struct img_store *s, struct brig_err *e);
void img_lease_release(struct img_store *s, int fd);

/* blob.c */
/* The 64 hex digits of a valid digest, or NULL (with e set). */
const char *img_digest_hex(const char *digest, struct brig_err *e);
bool img_is_hex_name(const char *name);
/* Read a descriptor's blob: its size must be <= max and match the file. */
int img_read_desc(struct img_store *s, const struct img_descriptor *d, size_t max, char **buf,
		  size_t *len, struct brig_err *e);

/* json.c: strict helpers where absent and null mean the same. */
/* 1 when key is absent or null, 0 with *out when of type, <0 on error. */
int sj_opt(const json_t *obj, const struct bj_loc *at, const char *key, json_type type,
	   json_t **out, struct brig_err *e);
int sj_opt_str(const json_t *obj, const struct bj_loc *at, const char *key, char **out,
	       struct brig_err *e);
int sj_req_str(const json_t *obj, const struct bj_loc *at, const char *key, char **out,
	       struct brig_err *e);
int sj_opt_strv(const json_t *obj, const struct bj_loc *at, const char *key, size_t max,
		char ***out, struct brig_err *e);
/* An object of strings (annotations, labels). */
int sj_kvlist(const json_t *v, const struct bj_loc *at, size_t max, struct img_kvlist *out,
	      struct brig_err *e);
/* The keys of an object whose values are objects (ExposedPorts, Volumes). */
int sj_keyset(const json_t *v, const struct bj_loc *at, size_t max, char ***out,
	      struct brig_err *e);
/* schemaVersion must be 2. */
int sj_schema2(const json_t *doc, const struct bj_loc *at, struct brig_err *e);

/* descriptor.c */
int img_descriptor_parse(const json_t *v, const struct bj_loc *at, struct img_descriptor *out,
			 struct brig_err *e);
/* Parse an array of descriptors. */
int img_descriptor_array(const json_t *arr, const struct bj_loc *at, size_t max,
			 struct img_descriptor **out, size_t *n, struct brig_err *e);
void img_descriptor_array_free(struct img_descriptor *v, size_t n);
/* The descriptor's media type must be of kind (error names at). */
int img_descriptor_want(const struct img_descriptor *d, const struct bj_loc *at,
			enum img_media_kind kind, struct brig_err *e);

/* manifest.c */
/* strict: every entry must be a manifest or an index (not so for the
 * layout's index.json, where unknown entries are kept). */
int img_index_from_json(const json_t *doc, const char *name, const char *media_type, bool strict,
			struct img_index *out, struct brig_err *e);

/* A set of digests (by their hex), for reachability. */
struct img_digest_set {
	char (*slot)[IMG_HEX_LEN + 1];
	size_t cap, n;
};
/* 1 when newly added, 0 when already present, -ENOMEM. */
int img_set_add(struct img_digest_set *set, const char *digest);
bool img_set_has(const struct img_digest_set *set, const char *digest);
void img_set_free(struct img_digest_set *set);

/* walk.c: visit an index.json entry and everything below it.  Adds every
 * digest reached to set.  Fails on the first problem: a blob missing or of
 * the wrong size, a manifest/index/config that does not parse or has an
 * unsupported media type, a blob listed in bad (may be NULL). */
int img_walk(struct img_store *s, const struct img_descriptor *d, struct img_digest_set *set,
	     const struct img_digest_set *bad, struct brig_err *e);

/* gc.c: call fn for every entry of a directory (not "." and ".."). */
enum img_entry_type {
	IMG_ENT_BLOB, /* a regular file named by 64 hex digits */
	IMG_ENT_TEMP, /* a regular file named ".tmp-*" */
	IMG_ENT_OTHER, /* anything else */
};
struct stat;
typedef int (*img_scan_fn)(void *ctx, const char *name, enum img_entry_type t,
			   const struct stat *st, struct brig_err *e);
int img_scan_dir(int dirfd, const char *what, img_scan_fn fn, void *ctx, struct brig_err *e);
/* Append item (consumed) to the array report[list]. */
int img_report_add(json_t *report, const char *list, json_t *item, struct brig_err *e);

/* index.c */
/* Read and parse index.json (no schema check). */
int img_index_json_read(struct img_store *s, json_t **doc, struct brig_err *e);
/* Load index.json (validated) as JSON and typed. */
int img_index_json_load(struct img_store *s, json_t **doc, struct img_index *idx,
			struct brig_err *e);
int img_index_json_save(struct img_store *s, json_t *doc, struct brig_err *e);

#endif /* BRIG_IMAGE_STORE_INTERNAL_H */
