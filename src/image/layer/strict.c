/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Strict mode (img_unpack_opts.strict): the checks for a layer that came
 * from outside (brig load), made on each entry before it is extracted, in
 * the same pass.  The unpacker keeps every entry inside dest whatever the
 * tar says; strict mode refuses a layer that even tries:
 *
 *   - an absolute name or hard link target, a ".." component in either;
 *   - a device node or socket;
 *   - an entry beneath a symlink of the same layer ("evil -> /", then
 *     "evil/etc/passwd");
 *   - a hard link to a name that is no regular file given earlier by the
 *     layer (so not out of it, not to nothing, not through a symlink);
 *   - a whiteout of no single entry (".wh.", ".wh..", ".wh...");
 *   - one name given twice with different types.
 *
 * The names given so far are kept with their types in a hash table (keyed
 * by the cleaned name: no "./", "." components or trailing "/"); that is
 * what lets a check-only pass (no dest) judge a layer exactly as an
 * unpacking pass does.
 */
#include "image/layer/layer-internal.h"

#include "image/libarchive-shim.h"
#include <string.h>

/* The slot of the first n bytes of s: where it is, or the empty slot where
 * it would go.  cap must be non-zero. */
static size_t slot_of(const struct layer_names *t, const char *s, size_t n)
{
	size_t mask = t->cap - 1;
	for (size_t i = brig_fnv1a64(s, n) & mask;; i = (i + 1) & mask) {
		const char *have = t->names[i];
		if (!have || (strncmp(have, s, n) == 0 && have[n] == '\0'))
			return i;
	}
}

/* The type recorded for the first n bytes of s (0: none). */
static unsigned char type_of(const struct layer_names *t, const char *s, size_t n)
{
	if (t->cap == 0)
		return 0;
	size_t i = slot_of(t, s, n);
	return t->names[i] ? t->types[i] : 0;
}

/* Keep the load factor at most 1/2. */
static int names_grow(struct unpack_ctx *c, struct layer_names *t)
{
	if (t->cap && (t->n + 1) * 2 <= t->cap)
		return 0;
	struct layer_names g = { .cap = t->cap ? t->cap * 2 : 1024, .n = t->n };
	g.names = calloc(g.cap, sizeof(*g.names));
	g.types = calloc(g.cap, sizeof(*g.types));
	if (!g.names || !g.types) {
		free(g.names);
		free(g.types);
		return brig_err_set(c->e, -ENOMEM, "recording the layer's names");
	}
	for (size_t i = 0; i < t->cap; i++) {
		if (!t->names[i])
			continue;
		size_t k = slot_of(&g, t->names[i], strlen(t->names[i]));
		g.names[k] = t->names[i];
		g.types[k] = t->types[i];
	}
	free(t->names);
	free(t->types);
	*t = g;
	return 0;
}

static int names_put(struct unpack_ctx *c, const char *name, unsigned char type)
{
	struct layer_names *t = &c->names;
	int r = names_grow(c, t);
	if (r < 0)
		return r;
	size_t i = slot_of(t, name, strlen(name));
	if (!t->names[i]) {
		t->names[i] = strdup(name);
		if (!t->names[i])
			return brig_err_set(c->e, -ENOMEM, "recording the layer's names");
		t->n++;
	}
	t->types[i] = type;
	return 0;
}

void layer_names_free(struct layer_names *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->names[i]);
	free(t->names);
	free(t->types);
	*t = (struct layer_names){ 0 };
}

/* An absolute path or a ".." component in raw (what: "" for the entry's
 * own name, else e.g. "hard link target"). */
static int strict_path(struct unpack_ctx *c, const char *raw, const char *what)
{
	const char *sep = *what ? " " : "";
	if (raw[0] == '/')
		return brig_err_set(c->e, -EINVAL, "%s%s'%s': an absolute path is refused", what,
				    sep, raw);
	for (const char *p = raw; *p;) {
		size_t n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return brig_err_set(c->e, -EINVAL,
					    "%s%s'%s': a '..' component (path "
					    "traversal) is refused",
					    what, sep, raw);
		p += n;
		while (*p == '/')
			p++;
	}
	return 0;
}

int layer_strict_name(struct unpack_ctx *c, const char *raw)
{
	return strict_path(c, raw, "");
}

/* 'd', 'l', 'f' (a regular file or a hard link to one), 'p'; 0 for what
 * strict mode refuses. */
static unsigned char entry_type(struct archive_entry *ae)
{
	if (archive_entry_hardlink(ae))
		return 'f';
	switch (archive_entry_filetype(ae)) {
	case AE_IFDIR:
		return 'd';
	case AE_IFLNK:
		return 'l';
	case AE_IFREG:
		return 'f';
	case AE_IFIFO:
		return 'p';
	default:
		return 0;
	}
}

static const char *type_word(unsigned char t)
{
	return t == 'd' ? "directory" : t == 'l' ? "symlink" : t == 'p' ? "fifo" : "file";
}

static int refuse_type(struct unpack_ctx *c, struct archive_entry *ae)
{
	switch (archive_entry_filetype(ae)) {
	case AE_IFCHR:
		return brig_err_set(c->e, -EINVAL, "a character device node is refused");
	case AE_IFBLK:
		return brig_err_set(c->e, -EINVAL, "a block device node is refused");
	case AE_IFSOCK:
		return brig_err_set(c->e, -EINVAL, "a socket is refused");
	default:
		return brig_err_set(c->e, -EINVAL, "unsupported entry type %06o",
				    (unsigned)archive_entry_filetype(ae));
	}
}

/* No proper prefix of c->path may be a symlink of this layer. */
static int check_prefixes(struct unpack_ctx *c)
{
	const char *name = c->path;
	for (const char *p = strchr(name, '/'); p; p = strchr(p + 1, '/'))
		if (type_of(&c->names, name, (size_t)(p - name)) == 'l')
			return brig_err_set(c->e, -EINVAL,
					    "passes through the symlink '%.*s' "
					    "of the same layer",
					    (int)(p - name), name);
	return 0;
}

/* ".wh." followed by nothing, "." or "..": a whiteout of no single entry. */
static int check_whiteout(struct unpack_ctx *c)
{
	const char *base = strrchr(c->path, '/');
	base = base ? base + 1 : c->path;
	if (strncmp(base, ".wh.", 4) != 0)
		return 0;
	base += 4;
	if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return brig_err_set(c->e, -EINVAL, "a whiteout of no entry ('%s') is refused",
				    base);
	return 0;
}

static int check_hardlink(struct unpack_ctx *c, const char *target)
{
	char clean[PATH_MAX];
	int r = strict_path(c, target, "hard link target");
	if (r == 0)
		r = layer_clean_path(target, clean, c->e);
	if (r < 0)
		return r;
	if (type_of(&c->names, clean, strlen(clean)) != 'f')
		return brig_err_set(c->e, -EINVAL,
				    "a hard link to '%s', which is no file "
				    "of this layer (given before the link)",
				    target);
	return 0;
}

int layer_strict_entry(struct unpack_ctx *c, struct archive_entry *ae)
{
	unsigned char t = entry_type(ae);
	mode_t ft = archive_entry_filetype(ae);
	if (!t && (ft == AE_IFCHR || ft == AE_IFBLK) && !c->o->strict_devices)
		return 0; /* skipped by extract_special, never made */
	if (!t)
		return refuse_type(c, ae);
	if (c->path[0] == '\0')
		return 0; /* the root: layer_extract_entry wants a directory */
	int r = check_whiteout(c);
	if (r == 0)
		r = check_prefixes(c);
	const char *hl = archive_entry_hardlink(ae);
	if (r == 0 && hl)
		r = check_hardlink(c, hl);
	if (r < 0)
		return r;
	size_t n = strlen(c->path);
	unsigned char had = type_of(&c->names, c->path, n);
	if (had && had != t)
		return brig_err_set(c->e, -EINVAL, "given twice, as a %s and as a %s",
				    type_word(had), type_word(t));
	return names_put(c, c->path, t);
}
