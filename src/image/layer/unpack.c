/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unpacking a layer: the stream side.
 *
 * One pass, two libarchive readers stacked:
 *
 *   in_fd --read()--> [hash: digest] --> raw reader (gzip/zstd filter,
 *   "raw" format) --archive_read_data_block()--> [hash: diff_id, limits]
 *   --> tar reader (no filters) --> entries --> extract.c
 *
 * The raw reader's read callback hashes every byte read from in_fd; the tar
 * reader's read callback pulls decompressed blocks from the raw reader and
 * hashes them before handing them on, so each digest sees every byte exactly
 * once, in order.  When the tar reader reaches its end-of-archive marker,
 * whatever follows (padding to the record size, trailing bytes of the
 * compressed file) is read and hashed too, so the digests cover the whole
 * blob and the whole uncompressed stream.  The compression is chosen from
 * the first bytes (gzip, zstd or none) and appended explicitly, so
 * libarchive never bids a second filter: a compressed stream inside the
 * compressed stream is refused instead of being unwrapped.
 */
#include "image/layer/layer-internal.h"

#include "image/libarchive-shim.h"
#include <string.h>

/* Read size from in_fd: small, so the ratio check sees input and output
 * advance in step (at most IN_BLOCK * max_ratio bytes of slack). */
#define IN_BLOCK (16 * 1024)

static const struct img_unpack_opts default_opts;

const char *img_compression_name(enum img_compression c)
{
	switch (c) {
	case IMG_COMP_GZIP:
		return "gzip";
	case IMG_COMP_ZSTD:
		return "zstd";
	case IMG_COMP_NONE:
		break;
	}
	return "none";
}

void img_unpack_result_clear(struct img_unpack_result *r)
{
	if (!r)
		return;
	brig_strv_free(r->notes);
	memset(r, 0, sizeof(*r));
}

void unpack_note(struct unpack_ctx *c, const char *fmt, ...)
{
	char msg[PATH_MAX + 256];
	va_list ap;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* One line per layer is printed by the caller (the count and the
	 * first note); each note is in the debug log. */
	brig_debug("layer: %s", msg);
	c->res->warnings++;
	if (c->n_notes >= IMG_LAYER_MAX_NOTES)
		return;
	char **v = realloc(c->res->notes, (c->n_notes + 2) * sizeof(*v));
	if (!v)
		return; /* still logged and counted */
	c->res->notes = v;
	v[c->n_notes] = strdup(msg);
	if (v[c->n_notes])
		c->n_notes++;
	v[c->n_notes] = NULL;
}

static const char *cur_name(const struct unpack_ctx *c)
{
	return c->res->entries ? c->cur : "(before the first entry)";
}

/* A failure inside a libarchive callback: keep our error (libarchive's own
 * message would be vaguer) and make the callback fail. */
static la_ssize_t cb_fail(struct unpack_ctx *c, struct archive *a, int code, const char *fmt, ...)
	BRIG_PRINTF(4, 5);
static la_ssize_t cb_fail(struct unpack_ctx *c, struct archive *a, int code, const char *fmt, ...)
{
	char msg[PATH_MAX + 256];
	va_list ap;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!c->stopped)
		c->stopped = brig_err_set(c->e, code, "%s", msg);
	if (a)
		archive_set_error(a, -c->stopped, "%s", msg);
	return ARCHIVE_FATAL;
}

int layer_stream_error(struct unpack_ctx *c, struct archive *a, const char *what)
{
	if (c->stopped)
		return c->stopped;
	const char *msg = archive_error_string(a);
	int code = archive_errno(a) > 0 ? -archive_errno(a) : -EINVAL;
	return brig_err_set(c->e, code, "%s: %s", what, msg ? msg : "unknown error");
}

/* read() from in_fd (or the options' reader) into buf, hashing and
 * counting; 0 at EOF. */
static ssize_t in_read_some(struct unpack_ctx *c, struct archive *a, void *buf, size_t len)
{
	ssize_t n = c->o->read ? c->o->read(c->o->read_arg, buf, len)
			       : BRIG_RETRY(read(c->in_fd, buf, len));
	if (n < 0) {
		int err = c->o->read ? (int)n : -errno;
		return cb_fail(c, a, err, "reading the layer: %s", strerror(-err));
	}
	c->res->compressed_bytes += (uint64_t)n;
	if (c->res->compressed_bytes > c->lim.total)
		return cb_fail(c, a, -EFBIG,
			       "limit max_total_bytes (%llu) exceeded by the compressed input",
			       (unsigned long long)c->lim.total);
	if (c->h_comp && brig_sha256_update(c->h_comp, buf, (size_t)n) < 0)
		return cb_fail(c, a, -EIO, "hashing the layer");
	return n;
}

static la_ssize_t in_read(struct archive *a, void *opaque, const void **buf)
{
	struct unpack_ctx *c = opaque;
	*buf = c->inbuf;
	if (c->pending > 0) {
		size_t n = c->pending;
		c->pending = 0;
		return (la_ssize_t)n;
	}
	return in_read_some(c, a, c->inbuf, IN_BLOCK);
}

/* n more uncompressed bytes, which came out of the decompressor when it
 * had read in compressed bytes: hash them and apply the stream limits. */
static la_ssize_t tar_account(struct unpack_ctx *c, struct archive *a, const void *buf, size_t n,
			      uint64_t in)
{
	uint64_t out = c->res->tar_bytes + n;
	uint64_t allowed;
	c->res->tar_bytes = out;
	if (c->head_len < sizeof(c->head)) {
		size_t k = sizeof(c->head) - c->head_len;
		k = k < n ? k : n;
		memcpy(c->head + c->head_len, buf, k);
		c->head_len += k;
	}
	if (out > c->lim.total)
		return cb_fail(c, a, -EFBIG, "limit max_total_bytes (%llu) exceeded at entry '%s'",
			       (unsigned long long)c->lim.total, cur_name(c));
	if (out > IMG_LAYER_RATIO_GRACE && !__builtin_mul_overflow(in, c->lim.ratio, &allowed) &&
	    out > allowed)
		return cb_fail(c, a, -EFBIG,
			       "limit max_ratio (%llu:1) exceeded at entry '%s': "
			       "%llu bytes from %llu compressed, refused as a compression bomb",
			       (unsigned long long)c->lim.ratio, cur_name(c),
			       (unsigned long long)out, (unsigned long long)in);
	if (brig_sha256_update(c->h_tar, buf, n) < 0)
		return cb_fail(c, a, -EIO, "hashing the tar stream");
	return (la_ssize_t)n;
}

ssize_t layer_in_read(struct unpack_ctx *c, void *buf, size_t len)
{
	if (c->pending > 0) {
		size_t n = c->pending < len ? c->pending : len;
		memcpy(buf, c->inbuf, n);
		memmove(c->inbuf, c->inbuf + n, c->pending - n);
		c->pending -= n;
		return (ssize_t)n;
	}
	ssize_t n = in_read_some(c, NULL, buf, len < IN_BLOCK ? len : IN_BLOCK);
	return n < 0 ? c->stopped : n;
}

la_ssize_t layer_raw_next(struct unpack_ctx *c, struct archive *a, const void **buf)
{
	for (;;) {
		size_t size = 0;
		la_int64_t off = 0;
		if (c->stopped)
			return ARCHIVE_FATAL;
		int r = archive_read_data_block(c->raw, buf, &size, &off);
		if (r == ARCHIVE_EOF)
			return 0;
		if (r < ARCHIVE_WARN) {
			const char *m = archive_error_string(c->raw);
			return cb_fail(c, a, -EINVAL, "decompressing the layer (%s): %s",
				       img_compression_name(c->res->compression),
				       m ? m : "unknown error");
		}
		if (size > 0)
			return (la_ssize_t)size;
	}
}

/* The tar reader's input: the decompressor's output blocks, unchanged,
 * from this thread's raw reader or from the decompression thread. */
static la_ssize_t tar_read(struct archive *a, void *opaque, const void **buf)
{
	struct unpack_ctx *c = opaque;
	if (c->stopped)
		return ARCHIVE_FATAL;
	if (!c->inflater) {
		la_ssize_t n = layer_raw_next(c, a, buf);
		return n > 0 ? tar_account(c, a, *buf, (size_t)n, c->res->compressed_bytes) : n;
	}
	uint64_t in = 0;
	const char *msg = NULL;
	la_ssize_t n = layer_inflater_next(c, buf, &in, &msg);
	if (n < 0)
		return cb_fail(c, a, (int)n, "%s", msg);
	return n > 0 ? tar_account(c, a, *buf, (size_t)n, in) : 0;
}

/* Read the first bytes (into inbuf, handed out later by in_read) and
 * recognise the compression from them. */
static int sniff(struct unpack_ctx *c)
{
	static const unsigned char gz[] = { 0x1f, 0x8b }, zst[] = { 0x28, 0xb5, 0x2f, 0xfd },
				   xz[] = { 0xfd, '7', 'z', 'X', 'Z', 0 }, bz[] = { 'B', 'Z', 'h' };
	size_t got = 0;
	while (got < sizeof(xz)) {
		ssize_t n = in_read_some(c, NULL, c->inbuf + got, IN_BLOCK - got);
		if (n < 0)
			return (int)c->stopped;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	c->pending = got;
	if (got == 0)
		return brig_err_set(c->e, -EINVAL, "the layer is empty");
	if (got >= sizeof(gz) && memcmp(c->inbuf, gz, sizeof(gz)) == 0)
		c->res->compression = IMG_COMP_GZIP;
	else if (got >= sizeof(zst) && memcmp(c->inbuf, zst, sizeof(zst)) == 0)
		c->res->compression = IMG_COMP_ZSTD;
	else if ((got >= sizeof(xz) && memcmp(c->inbuf, xz, sizeof(xz)) == 0) ||
		 (got >= sizeof(bz) && memcmp(c->inbuf, bz, sizeof(bz)) == 0))
		return brig_err_set(c->e, -ENOTSUP,
				    "layer compression is not supported (xz/bzip2); "
				    "only gzip, zstd and uncompressed tar are");
	else
		c->res->compression = IMG_COMP_NONE;
	return 0;
}

int layer_open_raw(struct unpack_ctx *c)
{
	struct archive_entry *ae = NULL;
	c->raw = archive_read_new();
	if (!c->raw)
		return brig_err_set(c->e, -ENOMEM, "allocating a layer reader");
	int code = c->res->compression == IMG_COMP_GZIP ? ARCHIVE_FILTER_GZIP
		: c->res->compression == IMG_COMP_ZSTD  ? ARCHIVE_FILTER_ZSTD
							: ARCHIVE_FILTER_NONE;
	/* ARCHIVE_WARN here means "through an external program": refused. */
	if (code != ARCHIVE_FILTER_NONE && archive_read_append_filter(c->raw, code) != ARCHIVE_OK)
		return layer_stream_error(c, c->raw, "setting up decompression");
	const char *what = c->res->compression == IMG_COMP_GZIP ? "decompressing the layer (gzip)"
		: c->res->compression == IMG_COMP_ZSTD          ? "decompressing the layer (zstd)"
								: "opening the layer";
	if (archive_read_support_format_raw(c->raw) != ARCHIVE_OK ||
	    archive_read_open(c->raw, c, NULL, in_read, NULL) != ARCHIVE_OK)
		return layer_stream_error(c, c->raw, what);
	int r = archive_read_next_header(c->raw, &ae);
	if (r == ARCHIVE_EOF)
		return brig_err_set(c->e, -EINVAL, "the layer is empty");
	if (r < ARCHIVE_WARN)
		return layer_stream_error(c, c->raw, what);
	return 0;
}

/* The tar reader gave up on a header: say why as precisely as we can. */
static int header_error(struct unpack_ctx *c)
{
	static const unsigned char gz[] = { 0x1f, 0x8b }, zst[] = { 0x28, 0xb5, 0x2f, 0xfd };
	if (!c->stopped && c->res->entries == 0 &&
	    ((c->head_len >= sizeof(gz) && memcmp(c->head, gz, sizeof(gz)) == 0) ||
	     (c->head_len >= sizeof(zst) && memcmp(c->head, zst, sizeof(zst)) == 0)))
		return brig_err_set(c->e, -EINVAL,
				    "the %s layer holds another compressed stream, "
				    "not a tar archive (nested compression is refused)",
				    img_compression_name(c->res->compression));
	int r = layer_stream_error(c, c->tar, "reading the tar stream");
	if (c->res->entries > 0)
		brig_err_wrap(c->e, "after entry '%s'", c->cur);
	return r;
}

static int open_tar(struct unpack_ctx *c)
{
	c->tar = archive_read_new();
	if (!c->tar)
		return brig_err_set(c->e, -ENOMEM, "allocating a tar reader");
	if (archive_read_support_format_tar(c->tar) != ARCHIVE_OK)
		return layer_stream_error(c, c->tar, "opening the tar stream");
	if (archive_read_open(c->tar, c, NULL, tar_read, NULL) != ARCHIVE_OK)
		return header_error(c);
	return 0;
}

/* libarchive warns when a name cannot be converted to the locale's
 * charset; the name's bytes are kept as they are, which is what we want. */
static bool harmless_warning(const char *msg)
{
	return msg && strstr(msg, "can't be converted") != NULL;
}

static int read_entries(struct unpack_ctx *c)
{
	for (;;) {
		struct archive_entry *ae = NULL;
		int r = archive_read_next_header(c->tar, &ae);
		if (r == ARCHIVE_EOF)
			return 0;
		if (r < ARCHIVE_WARN)
			return header_error(c);
		if (r == ARCHIVE_WARN && !harmless_warning(archive_error_string(c->tar)))
			unpack_note(c, "%s: %s",
				    archive_entry_pathname(ae) ? archive_entry_pathname(ae) : "?",
				    archive_error_string(c->tar));
		r = layer_extract_entry(c, ae);
		if (r < 0)
			return brig_err_wrap(c->e, "layer entry '%s'", c->cur);
	}
}

int layer_in_drain(struct unpack_ctx *c)
{
	for (;;) {
		ssize_t n = in_read_some(c, c->raw, c->inbuf, IN_BLOCK);
		if (n < 0)
			return c->stopped;
		if (n == 0)
			return 0;
	}
}

/* After the end-of-archive marker: hash the rest of both streams (the
 * decompression thread reads the compressed one to its end itself). */
static int drain(struct unpack_ctx *c)
{
	for (;;) {
		const void *buf;
		la_ssize_t n = tar_read(c->tar, c, &buf);
		if (n < 0)
			return c->stopped;
		if (n == 0)
			break;
	}
	return c->inflater ? 0 : layer_in_drain(c);
}

static int finish_digest(struct brig_sha256 *h, char out[IMG_DIGEST_LEN])
{
	char hex[BRIG_SHA256_HEX];
	if (brig_sha256_final(h, hex) < 0)
		return -EIO;
	memcpy(out, "sha256:", 7);
	memcpy(out + 7, hex, BRIG_SHA256_HEX);
	return 0;
}

static void limits_init(struct layer_limits *l, const struct img_unpack_opts *o)
{
	l->entries = o->max_entries ? o->max_entries : IMG_LAYER_MAX_ENTRIES;
	l->path = o->max_path ? o->max_path : IMG_LAYER_MAX_PATH;
	l->total = o->max_total_bytes ? o->max_total_bytes : IMG_LAYER_MAX_TOTAL;
	l->ratio = o->max_ratio ? o->max_ratio : IMG_LAYER_MAX_RATIO;
	l->file = o->max_file_size ? o->max_file_size : IMG_LAYER_MAX_FILE;
}

static int unpack_run(struct unpack_ctx *c)
{
	c->h_comp = c->o->no_digest ? NULL : brig_sha256_new();
	c->h_tar = brig_sha256_new();
	c->inbuf = malloc(IN_BLOCK);
	if ((!c->h_comp && !c->o->no_digest) || !c->h_tar || !c->inbuf)
		return brig_err_set(c->e, -ENOMEM, "allocating layer buffers");
	int r = sniff(c);
	if (r == 0)
		r = c->res->compression == IMG_COMP_NONE ? layer_open_raw(c)
							 : layer_inflater_start(c);
	if (r == 0)
		r = open_tar(c);
	if (r == 0)
		r = read_entries(c);
	if (r == 0)
		r = layer_finish_dirs(c);
	if (r == 0)
		r = drain(c);
	layer_inflater_stop(c); /* the compressed hash and count come back */
	if (r < 0)
		return r;
	if ((c->h_comp && finish_digest(c->h_comp, c->res->digest) < 0) ||
	    finish_digest(c->h_tar, c->res->diff_id) < 0)
		return brig_err_set(c->e, -EIO, "finishing the layer digests");
	return 0;
}

int img_layer_unpack(int in_fd, int dest_dirfd, const struct img_unpack_opts *o,
		     struct img_unpack_result *res, struct brig_err *e)
{
	struct unpack_ctx c = {
		.o = o ? o : &default_opts,
		.res = res,
		.e = e,
		.in_fd = in_fd,
		.root = dest_dirfd,
	};
	memset(res, 0, sizeof(*res));
	limits_init(&c.lim, c.o);
	int r = unpack_run(&c);
	layer_inflater_stop(&c);
	if (c.tar)
		archive_read_free(c.tar);
	if (c.raw)
		archive_read_free(c.raw);
	brig_sha256_free(c.h_comp);
	brig_sha256_free(c.h_tar);
	free(c.inbuf);
	inoset_free(&c.made);
	layer_names_free(&c.names);
	layer_free_dirs(&c);
	return r;
}
