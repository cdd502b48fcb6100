/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Checking a loaded layer before it is unpacked, in one pass that also
 * computes its diff_id:
 *
 *   fd --read()--> raw reader (gzip / zstd / none) --[hash: diff_id]-->
 *      tar reader --> every entry's name, type and link target checked
 *
 * The unpacker (image/layer) already keeps every entry inside the layer
 * directory, whatever the tar says; this pass is stricter and refuses a
 * layer that tries (an absolute name, "..", a path through a symlink of
 * the layer, a hard link out of it, a device node, a name given twice with
 * different types), so a hostile archive gets one clear error and leaves
 * nothing unpacked.  It also checks the diff_id of a layer that is already
 * unpacked (then nothing else reads the blob).
 */
#include "internal.h"
#include "image/layer/layer.h"

#include <archive.h>
#include <archive_entry.h>
#include <string.h>

#define LINT_BLOCK ((size_t)64 << 10)

struct lint {
	int fd;
	int read_errno;
	struct archive *raw, *tar;
	struct brig_sha256 *h;
	struct brig_err limit; /* a limit hit inside tar_read */
	uint64_t entries;
	struct lint_names {
		char **names;
		unsigned char *types;
		size_t n, cap; /* cap: a power of two */
	} set;
	char in[LINT_BLOCK], out[LINT_BLOCK];
};

/* ---- names seen in the layer, with their types ---- */

static uint64_t hash_str(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

static size_t slot_of(const struct lint_names *t, const char *s, size_t n)
{
	size_t mask = t->cap - 1;
	for (size_t i = hash_str(s, n) & mask;; i = (i + 1) & mask)
		if (!t->names[i] || (strlen(t->names[i]) == n && memcmp(t->names[i], s, n) == 0))
			return i;
}

/* The type recorded for the first n bytes of s (0: none). */
static unsigned char type_of(const struct lint_names *t, const char *s, size_t n)
{
	if (!t->cap)
		return 0;
	size_t i = slot_of(t, s, n);
	return t->names[i] ? t->types[i] : 0;
}

static int names_grow(struct lint_names *t, struct brig_err *e)
{
	if (t->cap && (t->n + 1) * 2 <= t->cap)
		return 0;
	struct lint_names g = { .cap = t->cap ? t->cap * 2 : 1024, .n = t->n };
	g.names = calloc(g.cap, sizeof(char *));
	g.types = calloc(g.cap, 1);
	if (!g.names || !g.types) {
		free(g.names);
		free(g.types);
		return arc_oom(e);
	}
	for (size_t i = 0; i < t->cap; i++)
		if (t->names[i]) {
			size_t k = slot_of(&g, t->names[i], strlen(t->names[i]));
			g.names[k] = t->names[i];
			g.types[k] = t->types[i];
		}
	free(t->names);
	free(t->types);
	*t = g;
	return 0;
}

/* Record name (taken over) with its type. */
static int names_put(struct lint_names *t, char *name, unsigned char type,
		     struct brig_err *e)
{
	int r = names_grow(t, e);
	if (r < 0) {
		free(name);
		return r;
	}
	size_t i = slot_of(t, name, strlen(name));
	if (t->names[i]) {
		free(name);
	} else {
		t->names[i] = name;
		t->n++;
	}
	t->types[i] = type;
	return 0;
}

static void names_free(struct lint_names *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->names[i]);
	free(t->names);
	free(t->types);
	*t = (struct lint_names){ 0 };
}

/* ---- the two readers ---- */

static la_ssize_t raw_read(struct archive *a, void *ctx, const void **buf)
{
	struct lint *l = ctx;
	ssize_t n = BRIG_RETRY(read(l->fd, l->in, sizeof(l->in)));
	if (n < 0) {
		l->read_errno = errno;
		archive_set_error(a, errno, "reading the layer");
		return -1;
	}
	*buf = l->in;
	return n;
}

static int limits(struct lint *l, struct brig_err *e)
{
	uint64_t out = (uint64_t)archive_filter_bytes(l->raw, 0);
	uint64_t in = (uint64_t)archive_filter_bytes(l->raw, -1);
	uint64_t allowed;
	if (out > IMG_LAYER_MAX_TOTAL)
		return brig_err_set(e, -EFBIG, "the layer exceeds the limit of %llu bytes",
				    (unsigned long long)IMG_LAYER_MAX_TOTAL);
	if (out > IMG_LAYER_RATIO_GRACE &&
	    !__builtin_mul_overflow(in, IMG_LAYER_MAX_RATIO, &allowed) && out > allowed)
		return brig_err_set(e, -EFBIG, "the layer decompresses more than %llu:1 "
				    "(%llu bytes from %llu): refused as a compression bomb",
				    (unsigned long long)IMG_LAYER_MAX_RATIO,
				    (unsigned long long)out, (unsigned long long)in);
	return 0;
}

/* Decompressed bytes for the tar reader, hashed on the way. */
static la_ssize_t tar_read(struct archive *a, void *ctx, const void **buf)
{
	struct lint *l = ctx;
	la_ssize_t n = archive_read_data(l->raw, l->out, sizeof(l->out));
	if (n < 0) {
		const char *msg = archive_error_string(l->raw);
		archive_set_error(a, EINVAL, "decompressing: %s", msg ? msg : "bad stream");
		return -1;
	}
	if (limits(l, &l->limit) < 0) {
		archive_set_error(a, EFBIG, "%s", brig_err_str(&l->limit));
		return -1;
	}
	if (n > 0 && brig_sha256_update(l->h, l->out, (size_t)n) < 0) {
		archive_set_error(a, EIO, "hashing the layer");
		return -1;
	}
	*buf = l->out;
	return n;
}

static int la_err(struct lint *l, struct archive *a, const char *what, struct brig_err *e)
{
	if (l->read_errno)
		return brig_err_sys(e, l->read_errno, "reading the layer");
	if (l->limit.code)
		return brig_err_set(e, l->limit.code, "%s", brig_err_str(&l->limit));
	const char *msg = archive_error_string(a);
	return brig_err_set(e, -EINVAL, "%s: %s", what, msg ? msg : "malformed layer");
}

/* ---- the checks ---- */

static unsigned char entry_type(struct archive_entry *ent)
{
	if (archive_entry_hardlink(ent))
		return 'f';
	switch (archive_entry_filetype(ent)) {
	case AE_IFDIR: return 'd';
	case AE_IFLNK: return 'l';
	case AE_IFREG: return 'f';
	case AE_IFIFO: return 'p';
	default: return 0;
	}
}

static const char *type_word(unsigned char t)
{
	return t == 'd' ? "directory" : t == 'l' ? "symlink" : t == 'p' ? "fifo" : "file";
}

/* No proper prefix of name may be a symlink of this layer. */
static int check_prefixes(struct lint *l, const char *name, struct brig_err *e)
{
	for (const char *p = strchr(name, '/'); p; p = strchr(p + 1, '/'))
		if (type_of(&l->set, name, (size_t)(p - name)) == 'l')
			return brig_err_set(e, -EINVAL, "layer entry '%s': passes through the "
					    "symlink '%.*s' of the same layer", name,
					    (int)(p - name), name);
	return 0;
}

/* ".wh." followed by nothing, "." or "..": a whiteout of no single entry. */
static bool bad_whiteout(const char *name)
{
	const char *base = strrchr(name, '/');
	base = base ? base + 1 : name;
	if (strncmp(base, ".wh.", 4) != 0)
		return false;
	base += 4;
	return !*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0;
}

static int check_hardlink(struct lint *l, const char *name, const char *target,
			  struct brig_err *e)
{
	_cleanup_free_ char *t = NULL;
	int r = arc_path_normalize(target, IMG_LAYER_MAX_PATH, "hard link target", &t, e);
	if (r < 0)
		return brig_err_wrap(e, "layer entry '%s'", name);
	if (type_of(&l->set, t, strlen(t)) != 'f')
		return brig_err_set(e, -EINVAL, "layer entry '%s': a hard link to '%s', which "
				    "is no file of this layer", name, target);
	return 0;
}

static int check_entry(struct lint *l, struct archive_entry *ent, struct brig_err *e)
{
	if (++l->entries > IMG_LAYER_MAX_ENTRIES)
		return brig_err_set(e, -EFBIG, "the layer has more than %llu entries",
				    (unsigned long long)IMG_LAYER_MAX_ENTRIES);
	const char *raw = archive_entry_pathname(ent);
	if (!raw)
		return brig_err_set(e, -EINVAL, "layer entry %llu has no name",
				    (unsigned long long)l->entries);
	_cleanup_free_ char *name = NULL;
	int r = arc_path_normalize(raw, IMG_LAYER_MAX_PATH, "layer entry", &name, e);
	if (r < 0)
		return r;
	unsigned char t = entry_type(ent);
	if (!t)
		return brig_err_set(e, -EINVAL, "layer entry '%s': a device node or socket "
				    "is refused", raw);
	if (!*name)
		return t == 'd' ? 0 : brig_err_set(e, -EINVAL, "layer entry '%s': the root "
						   "must be a directory", raw);
	if (bad_whiteout(name))
		return brig_err_set(e, -EINVAL, "layer entry '%s': a whiteout of no entry", raw);
	if ((r = check_prefixes(l, name, e)) < 0)
		return r;
	const char *hard = archive_entry_hardlink(ent);
	if (hard && (r = check_hardlink(l, name, hard, e)) < 0)
		return r;
	unsigned char had = type_of(&l->set, name, strlen(name));
	if (had && had != t)
		return brig_err_set(e, -EINVAL, "layer entry '%s': given twice, as a %s and "
				    "as a %s", name, type_word(had), type_word(t));
	return names_put(&l->set, brig_steal_ptr(name), t, e);
}

static int walk_tar(struct lint *l, struct brig_err *e)
{
	struct archive_entry *ent;
	for (;;) {
		int rc = archive_read_next_header(l->tar, &ent);
		if (rc == ARCHIVE_EOF)
			return 0;
		if (rc != ARCHIVE_OK)
			return la_err(l, l->tar, "reading the layer's tar stream", e);
		int r = check_entry(l, ent, e);
		if (r < 0)
			return r;
		if (archive_read_data_skip(l->tar) != ARCHIVE_OK)
			return la_err(l, l->tar, "reading the layer's tar stream", e);
	}
}

/* Hash what follows the tar's end (padding): the diff_id covers it. */
static int drain(struct lint *l, struct brig_err *e)
{
	for (;;) {
		la_ssize_t n = archive_read_data(l->raw, l->out, sizeof(l->out));
		if (n < 0)
			return la_err(l, l->raw, "decompressing the layer", e);
		if (n == 0)
			return 0;
		int r = limits(l, e);
		if (r < 0)
			return r;
		if (brig_sha256_update(l->h, l->out, (size_t)n) < 0)
			return brig_err_set(e, -EIO, "hashing the layer");
	}
}

static int open_readers(struct lint *l, struct brig_err *e)
{
	struct archive_entry *ent;
	l->raw = archive_read_new();
	l->tar = archive_read_new();
	if (!l->raw || !l->tar)
		return arc_oom(e);
	if (archive_read_support_filter_gzip(l->raw) != ARCHIVE_OK ||
	    archive_read_support_filter_zstd(l->raw) != ARCHIVE_OK ||
	    archive_read_support_format_raw(l->raw) != ARCHIVE_OK ||
	    archive_read_open(l->raw, l, NULL, raw_read, NULL) != ARCHIVE_OK ||
	    archive_read_next_header(l->raw, &ent) != ARCHIVE_OK)
		return la_err(l, l->raw, "decompressing the layer (tar, gzip or zstd)", e);
	if (archive_read_support_format_tar(l->tar) != ARCHIVE_OK ||
	    archive_read_open(l->tar, l, NULL, tar_read, NULL) != ARCHIVE_OK)
		return la_err(l, l->tar, "reading the layer's tar stream", e);
	return 0;
}

int img_archive_layer_check(int fd, char diff_id[IMG_DIGEST_SIZE], struct brig_err *e)
{
	struct lint *l = calloc(1, sizeof(*l));
	if (!l)
		return arc_oom(e);
	l->fd = fd;
	l->h = brig_sha256_new();
	int r = l->h ? open_readers(l, e) : arc_oom(e);
	if (r == 0)
		r = walk_tar(l, e);
	if (r == 0)
		r = drain(l, e);
	char hex[BRIG_SHA256_HEX];
	if (r == 0 && brig_sha256_final(l->h, hex) < 0)
		r = brig_err_set(e, -EIO, "hashing the layer");
	if (r == 0)
		snprintf(diff_id, IMG_DIGEST_SIZE, "sha256:%s", hex);
	if (l->tar)
		archive_read_free(l->tar);
	if (l->raw)
		archive_read_free(l->raw);
	brig_sha256_free(l->h);
	brig_err_clear(&l->limit);
	names_free(&l->set);
	free(l);
	return r;
}
