/* SPDX-License-Identifier: Apache-2.0 */
/* image/archive internals shared by its .c files (not for other modules). */
#ifndef BRIG_IMAGE_ARCHIVE_INTERNAL_H
#define BRIG_IMAGE_ARCHIVE_INTERNAL_H

#include "image/archive/image-archive.h"

/* Symbolic links followed from one member name at most. */
#define ARC_MAX_LINK_HOPS 8

struct arc_limits {
	uint64_t members, name, total, ratio;
};

/* One tar entry of the archive being loaded. */
struct arc_member {
	char *name; /* normalised ("a/b", no "./", no "..") */
	char *target; /* a link: the normalised member it names */
	char digest[IMG_DIGEST_SIZE]; /* a stored file: its blob ("" otherwise) */
	uint64_t size;
};

/* The members by name (open addressing over indexes into v). */
struct arc_members {
	struct arc_member *v;
	size_t n, cap;
	size_t *slots; /* index + 1; 0 is empty */
	size_t n_slots;
};
void arc_members_free(struct arc_members *m);
/* Add m (its strings are taken over, also on failure); a second member of
 * the same name is refused. */
int arc_members_add(struct arc_members *set, struct arc_member *m, struct brig_err *e);
const struct arc_member *arc_members_find(const struct arc_members *set, const char *name);
/* Whether a stored member of the archive has this digest. */
bool arc_members_has_digest(const struct arc_members *set, const char *digest);

/*
 * Normalise a member name or a path that names a member: "./" prefixes,
 * empty and "." components and a trailing "/" go; an absolute path, a ".."
 * component or more than max bytes is refused (-EINVAL, naming what).
 * *out is "" for the archive's root ("./").
 */
int arc_path_normalize(const char *path, size_t max, const char *what, char **out,
		       struct brig_err *e);
/* The member a symlink at name with target names, resolved lexically
 * inside the archive ("../x" from "a/b" is "x"); escaping it is refused. */
int arc_link_resolve(const char *name, const char *target, size_t max, char **out,
		     struct brig_err *e);
/* The stored file that path (a string in the archive's metadata, at) names,
 * following links: -ENOENT "missing" when absent, -EINVAL for traversal. */
int arc_members_resolve(const struct arc_members *set, const char *path, const struct bj_loc *at,
			const struct arc_member **out, struct brig_err *e);

/* The small metadata files kept in memory while reading. */
struct arc_meta {
	char *manifest_json; /* docker-archive manifest.json */
	size_t manifest_len;
	char *index_json; /* OCI index.json */
	size_t index_len;
	char *oci_layout; /* OCI oci-layout */
	size_t oci_layout_len;
	char *signatures; /* IMG_ARCHIVE_SIGNATURES */
	size_t signatures_len;
};
void arc_meta_free(struct arc_meta *m);

struct arc_stats {
	uint64_t members, bytes;
};

/* Read the archive from fd: blobs into s, metadata into meta. */
int arc_read(struct img_store *s, int fd, const struct arc_limits *lim, struct arc_members *set,
	     struct arc_meta *meta, struct arc_stats *st, struct brig_err *e);

/* The loaded images, built up before anything is named. */
struct arc_images {
	struct img_loaded *v;
	size_t n, cap;
};
/* Append an image (desc copied; names taken over, also on failure). */
int arc_images_add(struct arc_images *im, const struct img_descriptor *desc, const char *id,
		   char **names, struct brig_err *e);
/* Add name (normalised) to the image with this manifest digest. */
int arc_images_add_name(struct arc_images *im, size_t i, const char *name, struct brig_err *e);

/* Check a manifest (in s) and unpack its layers: its config and layers
 * must have come with the archive (set). */
int arc_verify_manifest(struct img_store *s, const struct arc_members *set,
			const struct img_descriptor *d, const struct img_load_opts *o,
			char id[IMG_DIGEST_SIZE], struct brig_err *e);
/* The same for a manifest or index of the archive (which must have come
 * with it too), to IMG_ARCHIVE_MAX_NESTING levels. */
int arc_verify_tree(struct img_store *s, const struct arc_members *set,
		    const struct img_descriptor *d, const struct img_load_opts *o, int depth,
		    char id[IMG_DIGEST_SIZE], struct brig_err *e);

/* docker-archive and OCI layout: from the members to images. */
int arc_load_docker(struct img_store *s, const struct arc_members *set, const struct arc_meta *meta,
		    const struct img_load_opts *o, struct arc_images *out, struct brig_err *e);
int arc_load_oci(struct img_store *s, const struct arc_members *set, const struct arc_meta *meta,
		 const struct img_load_opts *o, struct arc_images *out, struct brig_err *e);
/* Names from a manifest.json beside an OCI layout (the newer Docker
 * layout): RepoTags go to the loaded image with that Config. */
int arc_docker_names(struct img_store *s, const struct arc_members *set,
		     const struct arc_meta *meta, struct arc_images *im, struct brig_err *e);

/* A normalised stored name for an image name found in an archive;
 * bare_repo gives a bare tag ("latest") its repository. */
int arc_image_name(const char *raw, const char *bare_repo, char **out, struct brig_err *e);

/* Sniff the compression of a stored blob from its first bytes. */
int arc_blob_compression(struct img_store *s, const char *digest, enum img_compression *out,
			 struct brig_err *e);

#endif
