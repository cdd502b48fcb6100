/* SPDX-License-Identifier: Apache-2.0 */
/* image/layer internals shared by its .c files; not for other modules. */
#ifndef BRIG_IMAGE_LAYER_INT_H
#define BRIG_IMAGE_LAYER_INT_H

#include "image/layer/layer.h"

#include <limits.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

struct archive;
struct archive_entry;

/* ------------------------------------------------------------------ */
/* a set of inodes, (st_dev, st_ino) -> value                           */
/* ------------------------------------------------------------------ */

struct ino_slot {
	dev_t dev;
	ino_t ino; /* 0 = empty: no Linux file system hands out inode 0 */
	size_t val;
};
struct inoset {
	struct ino_slot *slots;
	size_t cap; /* power of two, or 0 */
	size_t len;
};
int inoset_put(struct inoset *s, dev_t dev, ino_t ino, size_t val);
/* true and *val when present (val may be NULL). */
bool inoset_get(const struct inoset *s, dev_t dev, ino_t ino, size_t *val);
void inoset_free(struct inoset *s);

/* ------------------------------------------------------------------ */
/* packing a user namespace's files (ids.c)                             */
/* ------------------------------------------------------------------ */

/* An owner as the layer records it: relative to the range when one is
 * given (outside it: the overflow id, as the kernel shows one). */
uint32_t layer_id(const struct img_pack_ids *ids, uint32_t id, bool gid);
/* A security.capability value of n bytes as the layer records it: a
 * revision 3 value's rootid (the host uid of the namespace root the
 * capabilities are for) as layer_id maps it, and revision 2 (the image's
 * root, as any other tool writes it) when that is the container's root.
 * Rewritten in place; the new size. */
size_t layer_caps_for_image(const struct img_pack_ids *ids, unsigned char *val, size_t n);

/* ------------------------------------------------------------------ */
/* unpacking                                                            */
/* ------------------------------------------------------------------ */

struct layer_limits {
	uint64_t entries, path, total, ratio, file;
};

/* A directory whose times are set once everything inside it exists. */
struct dir_time {
	dev_t dev;
	ino_t ino;
	struct timespec ts[2]; /* atime, mtime */
	char *path;
};

/* Names given by the layer with their types ('d', 'l', 'f', 'p'), for
 * strict mode (strict.c): open addressing, cap a power of two or 0. */
struct layer_names {
	char **names;
	unsigned char *types;
	size_t n, cap;
};
void layer_names_free(struct layer_names *t);

struct unpack_ctx {
	const struct img_unpack_opts *o;
	struct layer_limits lim;
	struct img_unpack_result *res;
	struct brig_err *e;
	int in_fd;
	int root; /* dest; -1: check only, nothing is written */
	struct archive *raw; /* decompressor: raw format over in_fd */
	struct layer_inflater *inflater; /* or the decompression thread (inflate.c) */
	struct archive *tar; /* tar reader over the decompressor's output */
	struct brig_sha256 *h_comp, *h_tar;
	unsigned char *inbuf;
	size_t pending; /* prefetched bytes in inbuf not yet handed out */
	unsigned char head[8]; /* first bytes of the tar stream */
	size_t head_len;
	int stopped; /* negative errno when a callback failed; e is set */
	size_t n_notes;
	/* The current entry, as named in the stream, for messages. */
	char cur[PATH_MAX];
	/* The current entry, cleaned: no "", ".", ".." components. */
	char path[PATH_MAX];
	struct inoset made; /* inodes this layer created or kept */
	struct dir_time *dirs;
	size_t n_dirs, cap_dirs;
	uint64_t dir_bytes;
	struct layer_names names; /* strict mode */
};

/* The decompressor's side (unpack.c), also run by the decompression thread
 * on a context of its own: open the raw reader over in_fd; its next block
 * (size, 0 at the end, <0 with the error recorded; a gets libarchive's
 * copy of the message when not NULL); read in_fd to its end, hashing. */
int layer_open_raw(struct unpack_ctx *c);
ssize_t layer_raw_next(struct unpack_ctx *c, struct archive *a, const void **buf);
int layer_in_drain(struct unpack_ctx *c);
/* At most len bytes of in_fd (those sniffed first), hashed and counted as
 * the raw reader's are: the count, 0 at the end, <0 recorded (c->stopped). */
ssize_t layer_in_read(struct unpack_ctx *c, void *buf, size_t len);

/* gzip through ISA-L's igzip (igzip.c), for the decompression thread when
 * libisal can be loaded: NULL otherwise (or with BRIG_IGZIP=0), and
 * libarchive's zlib filter decompresses.  layer_igzip_read: the next
 * decompressed bytes into out (at most cap; 0 at the end of the last
 * member, <0 with the error recorded); the input is read with
 * layer_in_read, so hashing, counting and the limits are the same. */
struct layer_igzip;
struct layer_igzip *layer_igzip_new(void);
ssize_t layer_igzip_read(struct unpack_ctx *c, struct layer_igzip *g, unsigned char *out,
			 size_t cap);
void layer_igzip_free(struct layer_igzip *g);

/* The decompression thread (inflate.c), for a compressed layer: start it
 * after sniffing (it takes in_fd, the compressed hash and the input
 * buffer); the next decompressed block (size; 0 at the end; <0 the
 * decompressor's error, its message in *msg), with the compressed bytes
 * read when it came out in *in; stop it (idempotent, NULL-safe) and take
 * back what it took. */
int layer_inflater_start(struct unpack_ctx *c);
ssize_t layer_inflater_next(struct unpack_ctx *c, const void **buf, uint64_t *in, const char **msg);
void layer_inflater_stop(struct unpack_ctx *c);

/* Make what was unpacked into dest_fd (entries tar entries) durable
 * (sync.c): fsync file by file for a small layer, else syncfs. */
int layer_sync_tree(int dest_fd, uint64_t entries, struct brig_err *e);

/* A libarchive call on a failed: the error a callback recorded, or a's own
 * message after what ("reading the tar stream"). */
int layer_stream_error(struct unpack_ctx *c, struct archive *a, const char *what);
/* Record a warning (logged, counted, the first few kept as text). */
void unpack_note(struct unpack_ctx *c, const char *fmt, ...) BRIG_PRINTF(2, 3);

/* Extract one tar entry (its data is read from c->tar). */
int layer_extract_entry(struct unpack_ctx *c, struct archive_entry *ae);

/* An entry's metadata (meta.c): owner, mode and times as the tar gives them. */
struct layer_meta {
	uid_t uid;
	gid_t gid;
	mode_t perm;
	struct timespec ts[2]; /* atime, mtime */
};
/* The entry's xattrs, each name once with its last value (libarchive's
 * PAX writer stores each twice, as LIBARCHIVE.xattr.* and SCHILY.xattr.*,
 * and its reader returns both): *out malloc'ed, pointing into ae. */
int layer_xattrs(struct archive_entry *ae, struct img_xattr **out, size_t *n);
int layer_entry_meta(struct unpack_ctx *c, struct archive_entry *ae, struct layer_meta *m);
/* Owner, mode, xattrs (and times unless deferred) of an open file. */
int layer_meta_fd(struct unpack_ctx *c, int fd, struct archive_entry *ae,
		  const struct layer_meta *m, bool times);
/* The same for base in parent (symlinks, fifos, devices), never following. */
int layer_meta_at(struct unpack_ctx *c, int parent, const char *base, struct archive_entry *ae,
		  const struct layer_meta *m, bool is_link);
/* Remember the directory c->path (st) to set its times at the end. */
int layer_defer_dir_times(struct unpack_ctx *c, const struct stat *st, const struct layer_meta *m);
/* Set the deferred directory times; then free the list. */
int layer_finish_dirs(struct unpack_ctx *c);
void layer_free_dirs(struct unpack_ctx *c);

/* Strict mode: the raw name (before cleaning) must be relative without
 * ".." components; then, with c->path cleaned, the entry's type, links
 * and name are checked against what the layer gave before, and recorded. */
int layer_strict_name(struct unpack_ctx *c, const char *raw);
int layer_strict_entry(struct unpack_ctx *c, struct archive_entry *ae);

/* Where an entry goes (place.c), for extract.c and whiteout.c. */
/* Open the parent of c->path (creating missing directories) and put the
 * last component in base. */
int layer_open_parent(struct unpack_ctx *c, const char *path, char base[NAME_MAX + 1]);
/* Make room for a new entry base in parent: remove what is there, unless
 * both it and the new entry are directories (then 1 is returned).  A
 * directory is removed with its contents; a symlink is never followed. */
int layer_clear_slot(struct unpack_ctx *c, int parent, const char *base, bool new_is_dir);
/* Whiteouts: handle an entry whose last component starts with ".wh.". */
int layer_whiteout(struct unpack_ctx *c, struct archive_entry *ae, const char *base);
/* Clean a tar path: strip "/" and "." components, resolve ".." lexically
 * (refusing a climb above the root), check every component's length. */
int layer_clean_path(const char *in, char out[PATH_MAX], struct brig_err *e);

#endif /* BRIG_IMAGE_LAYER_INT_H */
