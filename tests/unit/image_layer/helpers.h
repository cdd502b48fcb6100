/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers for the image/layer tests: building tar streams with libarchive's
 * writer, compressing them, sandboxes with a marker tree outside dest, and
 * dumping trees for comparison. */
#ifndef BRIG_TEST_IMAGE_LAYER_HELPERS_H
#define BRIG_TEST_IMAGE_LAYER_HELPERS_H

#include "image/layer/layer.h"

#include <sys/stat.h>

/* A growable byte buffer. */
struct buf {
	unsigned char *p;
	size_t len, cap;
};
void buf_add(struct buf *b, const void *p, size_t n);
void buf_free(struct buf *b);

/* ---- tar building ---------------------------------------------------- */

struct tb; /* a tar being built, uncompressed, in memory */
struct tb *tb_new(void);
/* Entry kinds; mode is the permission bits (type comes from the call). */
void tb_file(struct tb *t, const char *path, const char *data, mode_t mode);
void tb_dir(struct tb *t, const char *path, mode_t mode);
void tb_symlink(struct tb *t, const char *path, const char *target);
void tb_hardlink(struct tb *t, const char *path, const char *target);
void tb_fifo(struct tb *t, const char *path);
void tb_dev(struct tb *t, const char *path, bool chr, unsigned maj, unsigned min);
/* Full control: owner, mtime, an xattr (name may be NULL). */
void tb_file_ex(struct tb *t, const char *path, const char *data, mode_t mode, uid_t uid, gid_t gid,
		time_t mtime, long nsec, const char *xname, const void *xval, size_t xlen);
void tb_dir_ex(struct tb *t, const char *path, mode_t mode, time_t mtime);
/* Any entry the caller built (data may be NULL). */
struct archive_entry;
void tb_entry(struct tb *t, struct archive_entry *e, const char *data);
/* Finish: the uncompressed tar (owned by the caller) and free t. */
struct buf tb_finish(struct tb *t);
/* The header (no data, no end marker) of one file entry of size bytes. */
struct buf tar_header_only(const char *path, int64_t size);

/* Compress with libarchive's writer (one gzip member / zstd frame). */
struct buf compress_buf(enum img_compression c, const void *p, size_t n);
/* A memfd holding the bytes, at offset 0. */
int memfd_of(const void *p, size_t n);
/* "sha256:..." of bytes. */
void digest_of(const void *p, size_t n, char out[IMG_DIGEST_LEN]);
/* "sha256:..." of what `prog -dc` prints for the bytes on its stdin
 * (posix_spawn, no shell); returns -1 when prog cannot run. */
int digest_via(const char *prog, const void *p, size_t n, char out[IMG_DIGEST_LEN]);

/* ---- sandboxes --------------------------------------------------------- */

/*
 * TOP/etc/{passwd,shadow}, TOP/secret/key, TOP/x/sibling (marker tree) and
 * TOP/x/dest (the destination): "../../etc/passwd" from dest is
 * TOP/etc/passwd.
 */
struct sandbox {
	char top[64];
	int topfd;
	int destfd;
	char *before; /* marker tree dump (TOP without x/dest, plus /etc/{passwd,shadow}) */
};
void sb_init(struct sandbox *s);
/* Assert the marker tree is unchanged and no inode of it (or of the host's
 * /etc/passwd, /etc/shadow) is reachable inside dest; then remove TOP. */
void sb_check_and_free(struct sandbox *s);
/* cmocka teardown: remove sandboxes a failed test left behind. */
int sb_teardown(void **state);
/* Empty dest (keeping the directory). */
void sb_reset_dest(struct sandbox *s);

/* Unpack bytes into s->destfd. */
int unpack_buf(struct sandbox *s, const struct buf *b, const struct img_unpack_opts *o,
	       struct img_unpack_result *res, struct brig_err *e);

/* ---- tree dumps --------------------------------------------------------- */

enum {
	DUMP_INODES = 1 << 0, /* include inode numbers */
};
/* One line per entry beneath dirfd, sorted: path, type, mode, owner, size,
 * mtime (ns), nlink, content hash or link target or rdev, xattrs.  skip: a
 * relative path not to descend into (NULL for none). */
char *tree_dump(int dirfd, const char *skip, unsigned flags);
/* Whether path exists beneath dirfd (not following a last symlink). */
bool exists_at(int dirfd, const char *path);
/* Read a small file beneath dirfd into a static buffer (NULL if absent). */
const char *read_at(int dirfd, const char *path);

#endif
