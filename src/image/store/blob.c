/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Blobs: blobs/sha256/<hex>.  A blob is written to a ".tmp-*" file in the
 * same directory while it is hashed, fsync'ed, checked against the expected
 * digest, renamed to its digest and the directory fsync'ed: a name in
 * blobs/sha256 always holds exactly the content its digest says.
 */
#include "image/store/store-internal.h"

#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define CHUNK (1 << 16)
/* Writeback of a large blob is started every this many bytes (see
 * start_writeback). */
#define WRITEBACK_EVERY (8u << 20)

struct img_blob_writer {
	struct img_store *s;
	int fd; /* -1 once spent */
	char tmp[NAME_MAX + 1]; /* "" once removed or renamed */
	struct brig_sha256 *h;
	uint64_t size, max;
	uint64_t flushed; /* bytes whose writeback was started */
	char expected[IMG_DIGEST_SIZE];
	char digest[IMG_DIGEST_SIZE]; /* "" until the hash is finished */
	bool failed;
	bool counted; /* in s->writers */
};

bool img_is_hex_name(const char *name)
{
	size_t i;
	for (i = 0; name[i]; i++)
		if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
			return false;
	return i == IMG_HEX_LEN;
}

const char *img_digest_hex(const char *digest, struct brig_err *e)
{
	if (!brig_digest_valid(digest)) {
		brig_err_set(e, -EINVAL,
			     "invalid blob digest '%.100s' (want sha256:<64 "
			     "lower-case hex digits>)",
			     digest ? digest : "(null)");
		return NULL;
	}
	return digest + 7;
}

/* Create the temporary file; its name goes to w->tmp. */
static int writer_create(struct img_blob_writer *w, struct brig_err *e)
{
	static unsigned counter;
	for (int tries = 0; tries < 64; tries++) {
		struct timespec ts = { 0 };
		(void)clock_gettime(CLOCK_MONOTONIC, &ts);
		unsigned n = __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);
		(void)snprintf(w->tmp, sizeof(w->tmp), IMG_TMP_PREFIX "%d-%u-%lx", (int)getpid(), n,
			       (unsigned long)ts.tv_nsec);
		w->fd = BRIG_RETRY(openat(w->s->blobfd, w->tmp,
					  O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
					  0600));
		if (w->fd >= 0)
			return 0;
		if (errno != EEXIST)
			break;
	}
	int err = errno;
	w->tmp[0] = '\0';
	return brig_err_sys(e, err, "%s: creating a temporary blob file", w->s->root);
}

int img_blob_writer_open(struct img_store *s, const char *expected, uint64_t max_size,
			 struct img_blob_writer **out, struct brig_err *e)
{
	if (expected && !img_digest_hex(expected, e))
		return e ? e->code : -EINVAL;
	int r = img_store_lease(s, e);
	if (r < 0)
		return r;
	struct img_blob_writer *w = calloc(1, sizeof(*w));
	if (!w)
		return brig_err_oom(e);
	w->s = s;
	w->fd = -1;
	w->max = max_size;
	if (expected)
		memcpy(w->expected, expected, strlen(expected) + 1);
	w->h = brig_sha256_new();
	if (!w->h) {
		img_blob_abort(w);
		return brig_err_oom(e);
	}
	r = writer_create(w, e);
	if (r < 0) {
		img_blob_abort(w);
		return r;
	}
	s->writers++;
	w->counted = true;
	*out = w;
	return 0;
}

/* Close and remove the temporary file (idempotent). */
static void writer_discard(struct img_blob_writer *w)
{
	if (w->fd >= 0) {
		(void)close(w->fd);
		w->fd = -1;
	}
	if (w->tmp[0]) {
		(void)unlinkat(w->s->blobfd, w->tmp, 0);
		w->tmp[0] = '\0';
	}
}

/* Start writing the last WRITEBACK_EVERY bytes to the disk without waiting
 * (sync_file_range's WRITE alone), so that the fsync before the rename waits
 * for little more than the tail instead of the whole blob: the disk works
 * while the rest downloads.  Only a hint: the fsync still decides, so a
 * failure here (a file system that does not support it) changes nothing. */
static void start_writeback(struct img_blob_writer *w)
{
	if (w->size - w->flushed < WRITEBACK_EVERY)
		return;
	(void)sync_file_range(w->fd, (off_t)w->flushed, (off_t)(w->size - w->flushed),
			      SYNC_FILE_RANGE_WRITE);
	w->flushed = w->size;
}

int img_blob_write(struct img_blob_writer *w, const void *buf, size_t len, struct brig_err *e)
{
	if (w->failed || w->fd < 0 || w->digest[0])
		return brig_err_set(e, -EINVAL, "blob writer already failed, checked or committed");
	if (len > w->max || w->size > w->max - len) {
		w->failed = true;
		writer_discard(w);
		return brig_err_set(e, -EFBIG, "blob larger than the limit of %llu bytes",
				    (unsigned long long)w->max);
	}
	int r = brig_sha256_update(w->h, buf, len);
	if (r == 0)
		r = brig_write_all(w->fd, buf, len);
	if (r < 0) {
		w->failed = true;
		writer_discard(w);
		return brig_err_sys(e, -r, "%s: writing a blob", w->s->root);
	}
	w->size += len;
	start_writeback(w);
	return 0;
}

static int sync_dir(int dirfd, const char *what, struct brig_err *e)
{
	if (BRIG_RETRY(fsync(dirfd)) < 0)
		return brig_err_sys(e, errno, "syncing %s", what);
	return 0;
}

static int blob_open_raw(struct img_store *s, const char *digest, struct stat *st,
			 struct brig_err *e);

/* True when the store already holds this blob whole and correct: a second
 * copy (an archive may carry the same content many times) needs no sync and
 * no rename.  A damaged copy is replaced, so writing a blob again repairs it. */
static bool blob_intact(struct img_store *s, const char *digest, uint64_t size)
{
	struct brig_err e = { 0 };
	struct stat st;
	char hex[BRIG_SHA256_HEX];
	bool ok = false;
	int fd = blob_open_raw(s, digest, &st, &e);
	if (fd >= 0) {
		ok = (uint64_t)st.st_size == size && brig_sha256_fd(fd, hex, NULL, &e) == 0 &&
			strcmp(hex, digest + strlen("sha256:")) == 0;
		(void)close(fd);
	}
	brig_err_clear(&e);
	return ok;
}

/* Finish the hash (once) and compare it with the expected digest. */
static int writer_check(struct img_blob_writer *w, struct brig_err *e)
{
	char hex[BRIG_SHA256_HEX];
	if (!w->digest[0]) {
		if (brig_sha256_final(w->h, hex) < 0)
			return brig_err_set(e, -EIO, "sha256 failed");
		(void)snprintf(w->digest, sizeof(w->digest), "sha256:%s", hex);
	}
	if (w->expected[0] && strcmp(w->expected, w->digest) != 0)
		return brig_err_set(e, -EBADMSG,
				    "blob digest mismatch: the %llu bytes received hash to %s, "
				    "not %s",
				    (unsigned long long)w->size, w->digest, w->expected);
	return 0;
}

int img_blob_check(struct img_blob_writer *w, struct brig_err *e)
{
	if (w->failed || w->fd < 0)
		return brig_err_set(e, -EINVAL, "blob writer already failed or committed");
	int r = writer_check(w, e);
	if (r < 0) {
		w->failed = true;
		writer_discard(w);
	}
	return r;
}

static int writer_finish(struct img_blob_writer *w, char digest[IMG_DIGEST_SIZE],
			 struct brig_err *e)
{
	int r = writer_check(w, e);
	if (r < 0)
		return r;
	memcpy(digest, w->digest, IMG_DIGEST_SIZE);
	const char *hex = w->digest + strlen("sha256:");
	if (blob_intact(w->s, digest, w->size))
		return 0; /* the temporary file goes with the writer */
	if (fchmod(w->fd, 0644) < 0 || BRIG_RETRY(fsync(w->fd)) < 0)
		return brig_err_sys(e, errno, "%s: syncing blob %s", w->s->root, digest);
	int cr = close(w->fd);
	w->fd = -1;
	if (cr < 0 && errno != EINTR)
		return brig_err_sys(e, errno, "%s: closing blob %s", w->s->root, digest);
	if (renameat(w->s->blobfd, w->tmp, w->s->blobfd, hex) < 0)
		return brig_err_sys(e, errno, "%s: renaming blob %s into place", w->s->root,
				    digest);
	w->tmp[0] = '\0';
	return sync_dir(w->s->blobfd, "blobs/sha256", e);
}

int img_blob_commit(struct img_blob_writer *w, char digest[IMG_DIGEST_SIZE], uint64_t *size,
		    struct brig_err *e)
{
	if (w->failed || w->fd < 0)
		return brig_err_set(e, -EINVAL, "blob writer already failed or committed");
	char dg[IMG_DIGEST_SIZE];
	int r = writer_finish(w, dg, e);
	w->failed = true; /* spent, either way */
	writer_discard(w);
	if (r < 0)
		return r;
	if (digest)
		memcpy(digest, dg, IMG_DIGEST_SIZE);
	if (size)
		*size = w->size;
	return 0;
}

void img_blob_abort(struct img_blob_writer *w)
{
	if (!w)
		return;
	if (w->counted)
		w->s->writers--;
	writer_discard(w);
	brig_sha256_free(w->h);
	free(w);
}

int img_blob_put(struct img_store *s, const void *data, size_t len, char digest[IMG_DIGEST_SIZE],
		 struct brig_err *e)
{
	_cleanup_img_blob_writer_ struct img_blob_writer *w = NULL;
	int r = img_blob_writer_open(s, NULL, len, &w, e);
	if (r < 0)
		return r;
	r = img_blob_write(w, data, len, e);
	if (r < 0)
		return r;
	return img_blob_commit(w, digest, NULL, e);
}

/* Open blobs/sha256/<hex> read-only; -ENOENT with a message when absent. */
static int blob_open_raw(struct img_store *s, const char *digest, struct stat *st,
			 struct brig_err *e)
{
	const char *hex = img_digest_hex(digest, e);
	if (!hex)
		return -EINVAL;
	int fd = BRIG_RETRY(
		openat(s->blobfd, hex, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
	if (fd < 0) {
		if (errno == ENOENT)
			return brig_err_set(e, -ENOENT, "%s: blob %s is missing", s->root, digest);
		return brig_err_sys(e, errno, "%s: opening blob %s", s->root, digest);
	}
	if (fstat(fd, st) < 0) {
		int err = errno;
		(void)close(fd);
		return brig_err_sys(e, err, "%s: examining blob %s", s->root, digest);
	}
	if (!S_ISREG(st->st_mode)) {
		(void)close(fd);
		return brig_err_set(e, -EBADMSG, "%s: blob %s is not a regular file", s->root,
				    digest);
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		int err = errno;
		(void)close(fd);
		return brig_err_sys(e, err, "%s: opening blob %s", s->root, digest);
	}
	return fd;
}

int img_blob_exists(struct img_store *s, const char *digest, struct brig_err *e)
{
	const char *hex = img_digest_hex(digest, e);
	if (!hex)
		return -EINVAL;
	struct stat st;
	if (fstatat(s->blobfd, hex, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return brig_err_sys(e, errno, "%s: examining blob %s", s->root, digest);
	}
	return S_ISREG(st.st_mode) ? 1 : 0;
}

int img_blob_stat(struct img_store *s, const char *digest, uint64_t *size, struct brig_err *e)
{
	struct stat st;
	int fd = blob_open_raw(s, digest, &st, e);
	if (fd < 0)
		return fd;
	(void)close(fd);
	*size = (uint64_t)st.st_size;
	return 0;
}

static int check_hex(struct img_store *s, const char *digest, const char *hex, struct brig_err *e)
{
	if (strcmp(hex, digest + 7) != 0)
		return brig_err_set(e, -EBADMSG,
				    "%s: blob %s is corrupt: its content "
				    "hashes to sha256:%s",
				    s->root, digest, hex);
	return 0;
}

int img_blob_open(struct img_store *s, const char *digest, bool verify, int *fdp,
		  struct brig_err *e)
{
	struct stat st;
	_cleanup_close_ int fd = blob_open_raw(s, digest, &st, e);
	if (fd < 0)
		return fd;
	if (verify) {
		char hex[BRIG_SHA256_HEX];
		int r = brig_sha256_fd(fd, hex, NULL, e);
		if (r < 0)
			return brig_err_wrap(e, "%s: verifying blob %s", s->root, digest);
		r = check_hex(s, digest, hex, e);
		if (r < 0)
			return r;
		if (lseek(fd, 0, SEEK_SET) < 0)
			return brig_err_sys(e, errno, "%s: rewinding blob %s", s->root, digest);
	}
	*fdp = brig_steal_fd(fd);
	return 0;
}

int img_blob_read(struct img_store *s, const char *digest, size_t max, char **bufp, size_t *lenp,
		  struct brig_err *e)
{
	struct stat st;
	_cleanup_close_ int fd = blob_open_raw(s, digest, &st, e);
	if (fd < 0)
		return fd;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	char name[IMG_DIGEST_SIZE + 8];
	(void)snprintf(name, sizeof(name), "blob %s", digest);
	int r = brig_read_fd(fd, name, max, &buf, &len, e);
	if (r < 0)
		return r;
	char hex[BRIG_SHA256_HEX];
	if (brig_sha256_buf(buf, len, hex) < 0)
		return brig_err_set(e, -EIO, "sha256 failed");
	r = check_hex(s, digest, hex, e);
	if (r < 0)
		return r;
	*bufp = brig_steal_ptr(buf);
	if (lenp)
		*lenp = len;
	return 0;
}

int img_read_desc(struct img_store *s, const struct img_descriptor *d, size_t max, char **buf,
		  size_t *len, struct brig_err *e)
{
	if (d->size > max)
		return brig_err_set(e, -EFBIG,
				    "%s: %s %s is %llu bytes, larger than the "
				    "limit of %zu",
				    s->root, d->media_type ? d->media_type : "blob", d->digest,
				    (unsigned long long)d->size, max);
	/* The size first, so that a descriptor cannot make us read more than
	 * it declares (nor a blob more than its descriptor says). */
	uint64_t have = 0;
	int r = img_blob_stat(s, d->digest, &have, e);
	if (r < 0)
		return r;
	if (have != d->size)
		return brig_err_set(e, -EBADMSG,
				    "%s: blob %s has %llu bytes, its descriptor "
				    "says %llu",
				    s->root, d->digest, (unsigned long long)have,
				    (unsigned long long)d->size);
	size_t got = 0;
	_cleanup_free_ char *b = NULL;
	r = img_blob_read(s, d->digest, (size_t)d->size, &b, &got, e);
	if (r < 0)
		return r;
	*buf = brig_steal_ptr(b);
	*len = got;
	return 0;
}
