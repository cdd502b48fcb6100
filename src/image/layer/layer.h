/* SPDX-License-Identifier: Apache-2.0 */
/*
 * image/layer: unpacking image layers (tar, gzip / zstd / uncompressed,
 * autodetected) into a directory, safely, and packing a directory back into
 * a layer.  Private to the image module: include as "image/layer/layer.h".
 *
 * Unpacking reads the stream once and computes both the layer's digest
 * (SHA-256 of the bytes as read) and its diff_id (SHA-256 of the
 * uncompressed tar stream) on the way; see docs/layers.md.  Every entry is
 * created through the safe-resolution helpers of common/ relative to
 * dest_dirfd: nothing outside it is ever created, changed or removed, and a
 * symlink in the layer is never followed out of it.  On error the caller
 * removes dest (it may be half populated).
 */
#ifndef BRIG_IMAGE_LAYER_H
#define BRIG_IMAGE_LAYER_H

#include "common/common.h"
#include "image/compression-internal.h"

#include <sys/types.h>

/* "sha256:" + 64 hex digits + NUL */
#define IMG_DIGEST_LEN (7 + 64 + 1)

const char *img_compression_name(enum img_compression c);

/* Default limits (a zero field in struct img_unpack_opts means "default"). */
#define IMG_LAYER_MAX_ENTRIES 1000000ULL
#define IMG_LAYER_MAX_PATH 4096ULL
#define IMG_LAYER_MAX_TOTAL (64ULL << 30) /* uncompressed tar bytes */
#define IMG_LAYER_MAX_RATIO 1000ULL /* uncompressed : compressed */
#define IMG_LAYER_MAX_FILE (16ULL << 30) /* one regular file */
/* The ratio is only judged once this much has been decompressed, so the
 * first small reads of a stream (tar headers compress very well) never
 * trip it. */
#define IMG_LAYER_RATIO_GRACE (1ULL << 20)
/* Warnings kept as text in img_unpack_result.notes (the rest are counted). */
#define IMG_LAYER_MAX_NOTES 32

/*
 * One entry of a layer as a visitor sees it (check-only mode, dest_dirfd
 * -1): path cleaned and relative ("" is the layer root), type one of
 * 'f' file, 'd' directory, 'l' symlink, 'h' hard link, 'p' fifo, 'c'/'b'
 * devices, 'w' a whiteout (path names the ".wh." entry itself).  link is
 * the symlink or hard link target (NULL otherwise).  A regular file's data
 * may be read with img_layer_entry_read while the visitor runs.
 */
struct img_layer_entry {
	const char *path;
	char type;
	mode_t mode; /* permission bits with setuid/setgid/sticky */
	uid_t uid;
	gid_t gid;
	uint64_t size;
	const char *link;
	void *priv; /* the reader */
	void *priv_ae; /* its current entry */
};
struct img_xattr {
	const char *name;
	const void *val;
	size_t size;
};
/* The entry's extended attributes, each name once: *out malloc'ed (free
 * it), its strings and values valid until the visitor returns. */
int img_layer_entry_xattrs(const struct img_layer_entry *ent, struct img_xattr **out, size_t *n);
/* Up to n bytes of the entry's data: the count read, 0 at its end, or a
 * negative errno. */
ssize_t img_layer_entry_read(const struct img_layer_entry *ent, void *buf, size_t n);
typedef int (*img_layer_visit_fn)(void *arg, const struct img_layer_entry *ent, struct brig_err *e);

typedef ssize_t (*img_layer_read_fn)(void *arg, void *buf, size_t len);

struct img_unpack_opts {
	/* With dest_dirfd -1: called for every entry once it passed the
	 * limits (and the strict rules); a negative return stops the read. */
	img_layer_visit_fn visit;
	void *visit_arg;
	uint64_t max_entries; /* entries in the tar stream */
	uint64_t max_path; /* bytes in an entry's name or link target */
	uint64_t max_total_bytes; /* uncompressed stream (and compressed input) */
	uint64_t max_ratio; /* uncompressed bytes per compressed byte */
	uint64_t max_file_size; /* declared size of one regular file */
	/* Create block/char device nodes (otherwise skipped, counted, noted). */
	bool allow_devices;
	/*
	 * Copy mode (no overlayfs): apply whiteouts to dest instead of
	 * recording them: ".wh.NAME" removes NAME, ".wh..wh..opq" removes
	 * everything in its directory that this layer did not create.
	 */
	bool apply_whiteouts;
	/* Mark opaque directories with user.overlay.opaque (overlayfs
	 * "userxattr" mounts) instead of trusted.overlay.opaque. */
	bool overlay_userxattr;
	/*
	 * For a layer from outside (brig load): refuse, naming the entry, what
	 * the unpacker would otherwise confine or skip: an absolute name or
	 * hard link target, a ".." component, a device node or socket (whatever
	 * allow_devices says, when strict_devices), an entry beneath a symlink
	 * of the same layer, a hard link to no regular file given earlier by
	 * the layer, a whiteout of no single entry, a name given twice with
	 * different types.  Checked entry by entry in the unpacking pass itself.
	 */
	bool strict;
	/* With strict: a device node is refused.  Without (brig load and pull
	 * by default): it is skipped, counted and noted, as outside strict mode
	 * when allow_devices is false; strict mode never creates one. */
	bool strict_devices;
	/* Do not hash the compressed input (res.digest stays ""): for a caller
	 * that hashes and checks the very same bytes itself (brig pull's blob
	 * writer, before the layer is published).  The diff_id is computed all
	 * the same. */
	bool no_digest;
	/* Where the compressed input comes from when not from in_fd (then
	 * -1): up to len bytes into buf; the count, 0 at the end, or a
	 * negative errno.  brig pull's in-process feed (no pipe between the
	 * download and the unpacker).  Called from whichever thread reads the
	 * input (the decompression thread for a compressed layer). */
	img_layer_read_fn read;
	void *read_arg;
};

struct img_unpack_result {
	char digest[IMG_DIGEST_LEN]; /* of the bytes read from in_fd */
	char diff_id[IMG_DIGEST_LEN]; /* of the uncompressed tar stream */
	enum img_compression compression;
	uint64_t compressed_bytes; /* read from in_fd */
	uint64_t tar_bytes; /* uncompressed */
	uint64_t entries;
	uint64_t files, dirs, symlinks, hardlinks, fifos, devices;
	uint64_t whiteouts, opaque_dirs;
	uint64_t devices_skipped; /* allow_devices was false */
	uint64_t meta_skipped; /* ".wh..wh.*" AUFS metadata entries */
	uint64_t xattrs_unsupported; /* extended attributes not set */
	uint64_t warnings; /* everything noted, including the above */
	/* The first IMG_LAYER_MAX_NOTES warnings as text ("PATH: what"),
	 * NULL-terminated; NULL when there were none. */
	char **notes;
};
void img_unpack_result_clear(struct img_unpack_result *r);

/*
 * Unpack the layer read from in_fd (until EOF) into dest_dirfd.  o may be
 * NULL (all defaults).  res is filled (digests included) on success and
 * partly on failure; clear it with img_unpack_result_clear either way.
 * Errors name the entry and, for a limit, the limit.
 *
 * dest_dirfd -1 checks only: the stream is read, hashed and checked (the
 * limits, and with strict every strict rule) exactly as when unpacking,
 * but nothing is written (res counts nothing but entries and bytes).
 */
int img_layer_unpack(int in_fd, int dest_dirfd, const struct img_unpack_opts *o,
		     struct img_unpack_result *res, struct brig_err *e);

/*
 * The layer cache: unpack the layer read from in_fd into
 * layers_dirfd/<diff_id hex>.  It is unpacked into a fresh
 * ".tmp-XXXXXXXX" directory of layers_dirfd first; when the bytes read
 * hash to want_digest and the tar stream to want_diff_id (either may be
 * NULL: not checked), its content is synced (file by file or syncfs) and only then is it
 * renamed to its diff_id hex and the directory synced, so a crash never
 * leaves a half-written layer under a diff_id name.  When that name exists
 * already (a concurrent unpack won), the existing directory is kept and
 * ours removed.  On any failure the temporary directory is removed.
 * Stale ".tmp-*" directories of a killed unpack are for the caller's gc.
 */
#define IMG_LAYER_TMP_PREFIX ".tmp-"
int img_layer_unpack_cached(int layers_dirfd, int in_fd, const struct img_unpack_opts *o,
			    const char *want_digest, const char *want_diff_id,
			    struct img_unpack_result *res, struct brig_err *e);
/*
 * img_layer_unpack_cached in two steps, for a caller that has something
 * else to check before the layer takes its name (brig pull: the blob's
 * own commit).  img_layer_unpack_tmp unpacks, checks and syncs into a
 * fresh temporary directory whose name it leaves in tmp (removed again on
 * failure, tmp then ""); img_layer_publish renames it to diff_id's hex
 * (removing it on failure), img_layer_discard removes it.  Both accept an
 * empty tmp and leave it empty.
 */
#define IMG_LAYER_TMP_NAME_MAX 32
int img_layer_unpack_tmp(int layers_dirfd, int in_fd, const struct img_unpack_opts *o,
			 const char *want_digest, const char *want_diff_id,
			 char tmp[IMG_LAYER_TMP_NAME_MAX], struct img_unpack_result *res,
			 struct brig_err *e);
int img_layer_publish(int layers_dirfd, char tmp[IMG_LAYER_TMP_NAME_MAX], const char *diff_id,
		      struct brig_err *e);
void img_layer_discard(int layers_dirfd, char tmp[IMG_LAYER_TMP_NAME_MAX]);

enum {
	/* src is an overlayfs upper directory: 0:0 character devices become
	 * ".wh.NAME" files, opaque directories get a ".wh..wh..opq" entry, and
	 * overlayfs' own xattrs are left out. */
	IMG_PACK_OVERLAY_UPPER = 1 << 0,
	/* A directory on another mount than src_dirfd (a container's /proc,
	 * /sys, volumes) is written, empty: its contents are not. */
	IMG_PACK_ONE_MOUNT = 1 << 1,
};

/*
 * Write the tree beneath src_dirfd as a layer to out_fd: a PAX tar in
 * byte-wise name order (each directory before its contents), numeric
 * owners, mtimes with nanoseconds, xattrs, no atime/ctime, hard links
 * kept; compressed with comp (gzip without a timestamp, so the same tree
 * gives the same bytes).  digest / diff_id receive "sha256:..." of the
 * bytes written and of the tar stream.  Sockets are skipped (logged);
 * a name starting with ".wh." is refused (it would read as a whiteout).
 */
int img_layer_pack(int src_dirfd, int out_fd, enum img_compression comp, unsigned flags,
		   char digest[IMG_DIGEST_LEN], char diff_id[IMG_DIGEST_LEN], struct brig_err *e);

/*
 * The same, for a tree whose owners are a user namespace's host ids (a
 * container's upper directory): ids->uid and ids->gid are the host ids of
 * the container's 0, ids->size how many follow; an owner in the range is
 * written as the container sees it, one outside it as
 * IMG_PACK_OVERFLOW_ID.  ids NULL: owners as they are.
 */
#define IMG_PACK_OVERFLOW_ID 65534u
struct img_pack_ids {
	uint32_t uid, gid, size;
};
int img_layer_pack_ids(int src_dirfd, int out_fd, enum img_compression comp, unsigned flags,
		       const struct img_pack_ids *ids, char digest[IMG_DIGEST_LEN],
		       char diff_id[IMG_DIGEST_LEN], struct brig_err *e);
/* The same with every mtime at or after mtime_max written as mtime_max
 * (no nanoseconds): brig build's reproducible layers.  setid non-NULL:
 * regular files are written without their setuid and setgid bits (brig
 * build --defang-setuid), and fn is told of each (its path in the layer,
 * its mode on disk, its owner as written; a negative errno stops).  With
 * caps non-NULL, regular files are also written without their file
 * capabilities (the security.capability xattr, privilege as setuid is),
 * and caps is told of each (its path, the xattr's value, its owner). */
struct img_pack_setid {
	int (*fn)(void *arg, const char *path, uint32_t mode, uint32_t uid, struct brig_err *e);
	void *arg;
	int (*caps)(void *arg, const char *path, const void *val, size_t len, uint32_t uid,
		    struct brig_err *e);
};
int img_layer_pack_clamped(int src_dirfd, int out_fd, enum img_compression comp, unsigned flags,
			   const struct img_pack_ids *ids, int64_t mtime_max,
			   const struct img_pack_setid *setid, char digest[IMG_DIGEST_LEN],
			   char diff_id[IMG_DIGEST_LEN], struct brig_err *e);
/* An uncompressed tar of one entry of the directory dirfd (a file, a
 * symlink as a link, or a directory with everything in it), named as it
 * is there ("NAME", "NAME/..."): brig cp CONTAINER:SRC -. */
int img_layer_pack_entry(int dirfd, const char *name, int out_fd, const struct img_pack_ids *ids,
			 struct brig_err *e);

#endif /* BRIG_IMAGE_LAYER_H */
