/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading an archive being loaded, once, as a stream:
 *
 *   fd --read()--> [gzip / zstd / none] --> tar --+--> blob writer (hashed)
 *                                                 +--> metadata in memory
 *
 * Every regular member but the metadata files is written into the store
 * as it is read (blobs/sha256/<hex> must hash to <hex>); links are kept as
 * names; directories are only names; any other member type is refused.
 * The limits (members, name length, total size, compression ratio) are
 * checked as the stream advances, so a hostile archive is refused before
 * it costs more than a limit's worth of work.
 */
#include "image/archive/archive-internal.h"

#include "image/libarchive-shim.h"
#include <string.h>

/* Input read size: small enough that the ratio check sees input and output
 * advance in step. */
#define RD_BLOCK ((size_t)64 << 10)

struct rd {
	int fd;
	char *buf;
	int read_errno;
	struct archive *a;
	struct img_store *s;
	const struct arc_limits *lim;
	struct arc_meta *meta;
	struct arc_stats *st;
};

static la_ssize_t rd_read(struct archive *a, void *ctx, const void **buf)
{
	struct rd *r = ctx;
	ssize_t n = BRIG_RETRY(read(r->fd, r->buf, RD_BLOCK));
	if (n < 0) {
		r->read_errno = errno;
		archive_set_error(a, errno, "reading the archive");
		return -1;
	}
	*buf = r->buf;
	return n;
}

static int la_fail(struct rd *r, const char *what, struct brig_err *e)
{
	if (r->read_errno)
		return brig_err_sys(e, r->read_errno, "%s", what);
	const char *msg = archive_error_string(r->a);
	return brig_err_set(e, -EINVAL, "%s: %s", what, msg ? msg : "malformed archive");
}

/* The total size and ratio limits, judged on what was read so far. */
static int check_progress(struct rd *r, struct brig_err *e)
{
	uint64_t out = (uint64_t)archive_filter_bytes(r->a, 0);
	uint64_t in = (uint64_t)archive_filter_bytes(r->a, -1);
	if (out > r->lim->total)
		return brig_err_set(e, -EFBIG, "the archive exceeds the limit of %llu bytes",
				    (unsigned long long)r->lim->total);
	uint64_t allowed;
	if (out > IMG_ARCHIVE_RATIO_GRACE && !__builtin_mul_overflow(in, r->lim->ratio, &allowed) &&
	    out > allowed)
		return brig_err_set(e, -EFBIG,
				    "the archive decompresses more than %llu:1 "
				    "(%llu bytes from %llu): refused as a compression bomb",
				    (unsigned long long)r->lim->ratio, (unsigned long long)out,
				    (unsigned long long)in);
	return 0;
}

/* Copy a member's data into fn (a blob writer or a buffer), in order. */
typedef int (*sink_fn)(void *ctx, const void *buf, size_t len, struct brig_err *e);

static int copy_data(struct rd *r, sink_fn fn, void *ctx, struct brig_err *e)
{
	int64_t expect = 0;
	for (;;) {
		const void *buf;
		size_t len;
		la_int64_t off;
		int rc = archive_read_data_block(r->a, &buf, &len, &off);
		if (rc == ARCHIVE_EOF)
			return check_progress(r, e);
		if (rc != ARCHIVE_OK)
			return la_fail(r, "reading the archive", e);
		if (off != expect)
			return brig_err_set(e, -EINVAL,
					    "a sparse file is not allowed in an "
					    "image archive");
		expect += (int64_t)len;
		int r2 = check_progress(r, e);
		if (r2 == 0 && len)
			r2 = fn(ctx, buf, len, e);
		if (r2 < 0)
			return r2;
	}
}

static int blob_sink(void *ctx, const void *buf, size_t len, struct brig_err *e)
{
	return img_blob_write(ctx, buf, len, e);
}

struct mem {
	char *buf;
	size_t len, max;
};

static int mem_sink(void *ctx, const void *buf, size_t len, struct brig_err *e)
{
	struct mem *m = ctx;
	if (len > m->max - m->len)
		return brig_err_set(e, -EFBIG, "larger than the limit of %zu bytes", m->max);
	memcpy(m->buf + m->len, buf, len);
	m->len += len;
	m->buf[m->len] = 0;
	return 0;
}

/* blobs/sha256/<hex> -> "sha256:<hex>" in expected; 1 when so named. */
static int blob_name(const char *name, char expected[IMG_DIGEST_SIZE], struct brig_err *e)
{
	if (strncmp(name, "blobs/", 6) != 0)
		return 0;
	const char *alg = name + 6, *slash = strchr(alg, '/');
	if (!slash || strncmp(alg, "sha256/", 7) != 0)
		return brig_err_set(e, -ENOTSUP, "member '%s': only sha256 blobs are supported",
				    name);
	snprintf(expected, IMG_DIGEST_SIZE, "sha256:%s", slash + 1);
	if (strlen(slash + 1) != 64 || !brig_digest_valid(expected))
		return brig_err_set(e, -EINVAL, "member '%s': not a sha256 digest", name);
	return 1;
}

static int read_blob(struct rd *r, struct arc_member *m, struct brig_err *e)
{
	char expected[IMG_DIGEST_SIZE];
	int named = blob_name(m->name, expected, e);
	if (named < 0)
		return named;
	_cleanup_img_blob_writer_ struct img_blob_writer *w = NULL;
	int rc = img_blob_writer_open(r->s, named ? expected : NULL, r->lim->total, &w, e);
	if (rc < 0 || (rc = copy_data(r, blob_sink, w, e)) < 0 ||
	    (rc = img_blob_commit(w, m->digest, &m->size, e)) < 0)
		return brig_err_wrap(e, "member '%s'", m->name);
	return 0;
}

/* Which metadata buffer a member fills (NULL: not metadata). */
static char **meta_slot(struct arc_meta *meta, const char *name, size_t **len)
{
	if (strcmp(name, "manifest.json") == 0)
		return *len = &meta->manifest_len, &meta->manifest_json;
	if (strcmp(name, "index.json") == 0)
		return *len = &meta->index_len, &meta->index_json;
	if (strcmp(name, "oci-layout") == 0)
		return *len = &meta->oci_layout_len, &meta->oci_layout;
	if (strcmp(name, IMG_ARCHIVE_SIGNATURES) == 0)
		return *len = &meta->signatures_len, &meta->signatures;
	return NULL;
}

static int read_meta(struct rd *r, const char *name, char **slot, size_t *len, struct brig_err *e)
{
	struct mem m = { .max = IMG_ARCHIVE_MAX_META };
	m.buf = malloc(m.max + 1);
	if (!m.buf)
		return brig_err_oom(e);
	m.buf[0] = 0;
	int rc = copy_data(r, mem_sink, &m, e);
	if (rc < 0) {
		free(m.buf);
		return brig_err_wrap(e, "member '%s'", name);
	}
	*slot = m.buf;
	*len = m.len;
	return 0;
}

/* The legacy docker-archive files brig does not use: <64 hex>/json,
 * <64 hex>/VERSION and repositories. */
static bool ignored(const char *name)
{
	if (strcmp(name, "repositories") == 0)
		return true;
	const char *slash = strchr(name, '/');
	if (!slash || slash - name != 64)
		return false;
	return strcmp(slash, "/json") == 0 || strcmp(slash, "/VERSION") == 0;
}

static int read_file(struct rd *r, struct arc_member *m, struct brig_err *e)
{
	size_t *len;
	char **slot = meta_slot(r->meta, m->name, &len);
	if (slot)
		return read_meta(r, m->name, slot, len, e);
	if (ignored(m->name)) {
		int rc = archive_read_data_skip(r->a) == ARCHIVE_OK
			? check_progress(r, e)
			: la_fail(r, "reading the archive", e);
		return rc < 0 ? brig_err_wrap(e, "member '%s'", m->name) : 0;
	}
	return read_blob(r, m, e);
}

static const char *type_name(mode_t t)
{
	switch (t) {
	case AE_IFCHR:
		return "character device";
	case AE_IFBLK:
		return "block device";
	case AE_IFIFO:
		return "fifo";
	case AE_IFSOCK:
		return "socket";
	default:
		return "special file";
	}
}

/* Fill m (name already set) from the entry; read or skip its data. */
static int read_entry(struct rd *r, struct archive_entry *ent, struct arc_member *m,
		      struct brig_err *e)
{
	const char *hard = archive_entry_hardlink(ent);
	mode_t t = archive_entry_filetype(ent);
	if (hard)
		return arc_path_normalize(hard, r->lim->name, "hard link target", &m->target, e);
	if (t == AE_IFLNK) {
		const char *target = archive_entry_symlink(ent);
		if (!target)
			return brig_err_set(e, -EINVAL, "member '%s': a symlink without a target",
					    m->name);
		return arc_link_resolve(m->name, target, r->lim->name, &m->target, e);
	}
	if (t == AE_IFDIR)
		return 0;
	if (t != AE_IFREG)
		return brig_err_set(e, -EINVAL,
				    "member '%s': a %s is not allowed in an image "
				    "archive",
				    m->name, type_name(t));
	if (archive_entry_size_is_set(ent) && (uint64_t)archive_entry_size(ent) > r->lim->total)
		return brig_err_set(e, -EFBIG,
				    "member '%s': %lld bytes, more than the limit "
				    "of %llu",
				    m->name, (long long)archive_entry_size(ent),
				    (unsigned long long)r->lim->total);
	return read_file(r, m, e);
}

static int next_member(struct rd *r, struct arc_members *set, bool *done, struct brig_err *e)
{
	struct archive_entry *ent;
	int rc = archive_read_next_header(r->a, &ent);
	if (rc == ARCHIVE_EOF) {
		*done = true;
		return 0;
	}
	if (rc != ARCHIVE_OK)
		return la_fail(r, "reading the archive", e);
	if (++r->st->members > r->lim->members)
		return brig_err_set(e, -EFBIG, "the archive has more than %llu members",
				    (unsigned long long)r->lim->members);
	const char *raw = archive_entry_pathname(ent);
	if (!raw)
		return brig_err_set(e, -EINVAL, "member %llu has no name",
				    (unsigned long long)r->st->members);
	struct arc_member m = { 0 };
	int r2 = arc_path_normalize(raw, r->lim->name, "member", &m.name, e);
	if (r2 < 0)
		return r2;
	if (m.name[0] == 0) { /* "./" */
		free(m.name);
		return archive_entry_filetype(ent) == AE_IFDIR
			? 0
			: brig_err_set(e, -EINVAL, "member '%s': not a directory", raw);
	}
	r2 = read_entry(r, ent, &m, e);
	if (r2 < 0) {
		free(m.name);
		free(m.target);
		return r2;
	}
	return arc_members_add(set, &m, e);
}

static struct archive *open_reader(struct rd *r, struct brig_err *e)
{
	struct archive *a = archive_read_new();
	if (!a) {
		brig_err_oom(e);
		return NULL;
	}
	r->a = a;
	if (archive_read_support_filter_gzip(a) != ARCHIVE_OK ||
	    archive_read_support_filter_zstd(a) != ARCHIVE_OK ||
	    archive_read_support_format_tar(a) != ARCHIVE_OK ||
	    archive_read_open(a, r, NULL, rd_read, NULL) != ARCHIVE_OK) {
		la_fail(r, "opening the archive (a tar, plain, gzip or zstd)", e);
		archive_read_free(a);
		return NULL;
	}
	return a;
}

int arc_read(struct img_store *s, int fd, const struct arc_limits *lim, struct arc_members *set,
	     struct arc_meta *meta, struct arc_stats *st, struct brig_err *e)
{
	_cleanup_free_ char *buf = malloc(RD_BLOCK);
	if (!buf)
		return brig_err_oom(e);
	struct rd r = { .fd = fd, .buf = buf, .s = s, .lim = lim, .meta = meta, .st = st };
	struct archive *a = open_reader(&r, e);
	if (!a)
		return e->code ? e->code : -EINVAL;
	int rc = 0;
	for (bool done = false; rc == 0 && !done;)
		rc = next_member(&r, set, &done, e);
	st->bytes = (uint64_t)archive_filter_bytes(a, 0);
	archive_read_free(a);
	if (rc == 0 && st->members == 0)
		rc = brig_err_set(e, -EINVAL, "the archive is empty");
	return rc;
}
