/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tar writer behind `brig save`: a POSIX tar (ustar unless a name needs
 * pax) streamed to an fd, with fixed owners (0:0), modes and mtime (0), so
 * saving the same images twice gives the same bytes.  Blobs are copied as
 * stored and re-hashed on the way; each is written once.
 */
#include "image/archive/save-internal.h"

#include "image/libarchive-shim.h"
#include <string.h>
#include <sys/stat.h>

#define SV_BLOCK ((size_t)1 << 20)

static la_ssize_t sv_write(struct archive *a, void *ctx, const void *buf, size_t len)
{
	struct arc_writer *w = ctx;
	int r = brig_write_all(w->fd, buf, len);
	if (r < 0) {
		w->write_errno = -r;
		archive_set_error(a, -r, "writing the archive");
		return -1;
	}
	return (la_ssize_t)len;
}

int arc_writer_fail(struct arc_writer *w, const char *what, struct brig_err *e)
{
	if (w->write_errno)
		return brig_err_sys(e, w->write_errno, "%s", what);
	const char *msg = archive_error_string(w->a);
	return brig_err_set(e, -EIO, "%s: %s", what, msg ? msg : "archive error");
}

int arc_writer_open(struct arc_writer *w, struct img_store *s, int fd, struct brig_err *e)
{
	*w = (struct arc_writer){ .s = s, .fd = fd };
	w->a = archive_write_new();
	if (!w->a)
		return brig_err_oom(e);
	if (archive_write_set_format_pax_restricted(w->a) != ARCHIVE_OK ||
	    archive_write_open(w->a, w, NULL, sv_write, NULL) != ARCHIVE_OK) {
		int r = arc_writer_fail(w, "starting the archive", e);
		archive_write_free(w->a);
		w->a = NULL;
		return r;
	}
	return 0;
}

int arc_writer_close(struct arc_writer *w, struct brig_err *e)
{
	int r = 0;
	if (archive_write_close(w->a) != ARCHIVE_OK)
		r = arc_writer_fail(w, "finishing the archive", e);
	archive_write_free(w->a);
	w->a = NULL;
	return r;
}

void arc_writer_free(struct arc_writer *w)
{
	if (w->a)
		archive_write_free(w->a);
	free(w->written);
	*w = (struct arc_writer){ 0 };
}

static int header(struct arc_writer *w, const char *name, mode_t type, mode_t perm, uint64_t size,
		  struct brig_err *e)
{
	struct archive_entry *ent = archive_entry_new();
	if (!ent)
		return brig_err_oom(e);
	archive_entry_set_pathname(ent, name);
	archive_entry_set_filetype(ent, type);
	archive_entry_set_perm(ent, perm);
	archive_entry_set_size(ent, (la_int64_t)size);
	archive_entry_set_mtime(ent, 0, 0);
	int r = archive_write_header(w->a, ent) == ARCHIVE_OK ? 0 : arc_writer_fail(w, name, e);
	archive_entry_free(ent);
	return r;
}

int arc_writer_dir(struct arc_writer *w, const char *name, struct brig_err *e)
{
	return header(w, name, AE_IFDIR, 0755, 0, e);
}

static int data(struct arc_writer *w, const char *name, const void *buf, size_t len,
		struct brig_err *e)
{
	la_ssize_t n = archive_write_data(w->a, buf, len);
	if (n < 0 || (size_t)n != len)
		return arc_writer_fail(w, name, e);
	return 0;
}

int arc_writer_mem(struct arc_writer *w, const char *name, const void *buf, size_t len,
		   struct brig_err *e)
{
	int r = header(w, name, AE_IFREG, 0644, len, e);
	return r < 0 ? r : data(w, name, buf, len, e);
}

static bool seen(struct arc_writer *w, const char *digest)
{
	for (size_t i = 0; i < w->n_written; i++)
		if (strcmp(w->written[i], digest) == 0)
			return true;
	return false;
}

static int remember(struct arc_writer *w, const char *digest, struct brig_err *e)
{
	if (w->n_written == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 32;
		char(*v)[IMG_DIGEST_SIZE] = reallocarray(w->written, cap, sizeof(*v));
		if (!v)
			return brig_err_oom(e);
		w->written = v;
		w->cap = cap;
	}
	snprintf(w->written[w->n_written++], IMG_DIGEST_SIZE, "%s", digest);
	return 0;
}

/* Copy fd (size bytes) into the current entry, hashing it. */
static int copy_blob(struct arc_writer *w, int fd, const char *name, uint64_t size,
		     char hex[BRIG_SHA256_HEX], struct brig_err *e)
{
	_cleanup_free_ char *buf = malloc(SV_BLOCK);
	_cleanup_sha256_ struct brig_sha256 *h = brig_sha256_new();
	if (!buf || !h)
		return brig_err_oom(e);
	uint64_t done = 0;
	while (done < size) {
		size_t want = size - done < SV_BLOCK ? (size_t)(size - done) : SV_BLOCK;
		ssize_t n = brig_read_all(fd, buf, want);
		if (n < 0)
			return brig_err_sys(e, (int)-n, "reading %s", name);
		if ((size_t)n != want)
			return brig_err_set(e, -EIO, "%s: blob shrank while being saved", name);
		int r = data(w, name, buf, want, e);
		if (r < 0)
			return r;
		if (brig_sha256_update(h, buf, want) < 0)
			return brig_err_set(e, -EIO, "hashing %s", name);
		done += want;
	}
	return brig_sha256_final(h, hex) < 0 ? brig_err_set(e, -EIO, "hashing %s", name) : 0;
}

int arc_writer_blob(struct arc_writer *w, const char *digest, const char *name, struct brig_err *e)
{
	if (seen(w, digest))
		return 0;
	_cleanup_close_ int fd = -1;
	int r = img_blob_open(w->s, digest, false, &fd, e);
	if (r < 0)
		return r;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return brig_err_sys(e, errno, "blob %s", digest);
	char hex[BRIG_SHA256_HEX];
	if ((r = header(w, name, AE_IFREG, 0644, (uint64_t)st.st_size, e)) < 0 ||
	    (r = copy_blob(w, fd, name, (uint64_t)st.st_size, hex, e)) < 0)
		return r;
	if (strcmp(hex, digest + strlen("sha256:")) != 0)
		return brig_err_set(e, -EBADMSG,
				    "blob %s is corrupt in the store (its content "
				    "hashes to sha256:%s)",
				    digest, hex);
	return remember(w, digest, e);
}
