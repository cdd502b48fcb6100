/* SPDX-License-Identifier: Apache-2.0 */
/* Loading documents through descriptors, platform selection, and the walk
 * from an index.json entry down to every blob it needs (for gc and check). */
#include "image/store/store-internal.h"

#include <string.h>

#define WALK_MAX_DEPTH 8

/* ---- a set of digests (open addressing on the hex digits) ---- */

static uint64_t hex_hash(const char *hex)
{
	uint64_t h = 0;
	for (int i = 0; i < 16; i++)
		h = (h << 4) | (uint64_t)(hex[i] <= '9' ? hex[i] - '0' : hex[i] - 'a' + 10);
	return h;
}

static size_t set_find(const struct img_digest_set *set, const char *hex)
{
	size_t mask = set->cap - 1, i = (size_t)hex_hash(hex) & mask;
	while (set->slot[i][0] && strcmp(set->slot[i], hex) != 0)
		i = (i + 1) & mask;
	return i;
}

static int set_grow(struct img_digest_set *set)
{
	size_t ncap = set->cap ? set->cap * 2 : 64;
	struct img_digest_set bigger = { .cap = ncap };
	bigger.slot = calloc(ncap, sizeof(*bigger.slot));
	if (!bigger.slot)
		return -ENOMEM;
	for (size_t i = 0; i < set->cap; i++)
		if (set->slot[i][0])
			memcpy(bigger.slot[set_find(&bigger, set->slot[i])], set->slot[i],
			       IMG_HEX_LEN + 1);
	bigger.n = set->n;
	free(set->slot);
	*set = bigger;
	return 0;
}

int img_set_add(struct img_digest_set *set, const char *digest)
{
	const char *hex = digest + 7; /* callers pass validated digests */
	if ((set->n + 1) * 2 > set->cap && set_grow(set) < 0)
		return -ENOMEM;
	size_t i = set_find(set, hex);
	if (set->slot[i][0])
		return 0;
	memcpy(set->slot[i], hex, IMG_HEX_LEN + 1);
	set->n++;
	return 1;
}

bool img_set_has(const struct img_digest_set *set, const char *digest)
{
	if (!set || set->cap == 0)
		return false;
	return set->slot[set_find(set, digest + 7)][0] != '\0';
}

void img_set_free(struct img_digest_set *set)
{
	free(set->slot);
	*set = (struct img_digest_set){ 0 };
}

/* ---- loading through descriptors ---- */

static int want_kind(struct img_store *s, const struct img_descriptor *d, enum img_media_kind kind,
		     struct brig_err *e)
{
	if (d->info.kind == kind)
		return 0;
	return brig_err_set(e, d->info.kind == IMG_KIND_UNKNOWN ? -ENOTSUP : -EINVAL,
			    "%s: %s: media type '%s' is not %s", s->root, d->digest,
			    d->media_type ? d->media_type : "", img_media_kind_name(kind));
}

/* Read the document d names, of the kind expected, into *buf; name gets
 * "LABEL DIGEST" for the parser's messages. */
static int read_doc(struct img_store *s, const struct img_descriptor *d, enum img_media_kind kind,
		    size_t max, const char *label, char **buf, size_t *len,
		    char name[IMG_DIGEST_SIZE + 16], struct brig_err *e)
{
	int r = want_kind(s, d, kind, e);
	if (r < 0 || (r = img_read_desc(s, d, max, buf, len, e)) < 0)
		return r;
	(void)snprintf(name, IMG_DIGEST_SIZE + 16, "%s %s", label, d->digest);
	return 0;
}

int img_store_load_manifest(struct img_store *s, const struct img_descriptor *d,
			    struct img_manifest *out, struct brig_err *e)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	char name[IMG_DIGEST_SIZE + 16];
	*out = (struct img_manifest){ 0 };
	int r = read_doc(s, d, IMG_KIND_MANIFEST, IMG_MANIFEST_MAX, "manifest", &buf, &len, name,
			 e);
	return r < 0 ? r : img_manifest_parse(buf, len, name, d->media_type, out, e);
}

int img_store_load_index(struct img_store *s, const struct img_descriptor *d, struct img_index *out,
			 struct brig_err *e)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	char name[IMG_DIGEST_SIZE + 16];
	*out = (struct img_index){ 0 };
	int r = read_doc(s, d, IMG_KIND_INDEX, IMG_INDEX_MAX, "index", &buf, &len, name, e);
	return r < 0 ? r : img_index_parse(buf, len, name, d->media_type, out, e);
}

int img_store_load_config(struct img_store *s, const struct img_descriptor *d,
			  struct img_config *out, struct brig_err *e)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	char name[IMG_DIGEST_SIZE + 16];
	*out = (struct img_config){ 0 };
	int r = read_doc(s, d, IMG_KIND_CONFIG, IMG_CONFIG_MAX, "config", &buf, &len, name, e);
	return r < 0 ? r : img_config_parse(buf, len, name, out, e);
}

/* ---- platform selection ---- */

static bool platform_match(const struct img_platform *p, const char *arch, const char *os,
			   const char *variant)
{
	if (!p || strcmp(p->architecture, arch) != 0 || strcmp(p->os, os) != 0)
		return false;
	return !variant || !p->variant || strcmp(p->variant, variant) == 0;
}

static int select_in(struct img_store *s, const struct img_descriptor *d, const char *arch,
		     const char *os, const char *variant, int depth, struct img_descriptor *out,
		     struct brig_err *e)
{
	if (d->info.kind == IMG_KIND_MANIFEST)
		return img_descriptor_copy(out, d, e);
	if (depth >= WALK_MAX_DEPTH)
		return brig_err_set(e, -ELOOP, "%s: indexes nested too deeply at %s", s->root,
				    d->digest);
	struct img_index x;
	int r = img_store_load_index(s, d, &x, e);
	if (r < 0)
		return r;
	r = -ENOENT;
	for (size_t i = 0; i < x.n_manifests && r == -ENOENT; i++) {
		const struct img_descriptor *m = &x.manifests[i];
		if (m->info.kind == IMG_KIND_INDEX)
			r = select_in(s, m, arch, os, variant, depth + 1, out, e);
		else if (platform_match(m->platform, arch, os, variant))
			r = img_descriptor_copy(out, m, e);
	}
	img_index_clear(&x);
	if (r == -ENOENT && depth == 0)
		return brig_err_set(e, -ENOENT, "%s: image %s has no manifest for %s/%s%s%s",
				    s->root, d->digest, os, arch, variant ? "/" : "",
				    variant ? variant : "");
	return r;
}

int img_store_select_manifest(struct img_store *s, const struct img_descriptor *d, const char *arch,
			      const char *os, const char *variant, struct img_descriptor *out,
			      struct brig_err *e)
{
	*out = (struct img_descriptor){ 0 };
	return select_in(s, d, arch, os, variant, 0, out, e);
}

/* ---- the walk ---- */

static int reach(struct img_digest_set *set, const struct img_digest_set *bad, struct img_store *s,
		 const struct img_descriptor *d, struct brig_err *e)
{
	int r = img_set_add(set, d->digest);
	if (r < 0)
		return brig_err_oom(e);
	if (img_set_has(bad, d->digest))
		return brig_err_set(e, -EBADMSG, "%s: blob %s is corrupt", s->root, d->digest);
	return r;
}

/* A layer: present and of the size its descriptor gives. */
static int walk_leaf(struct img_store *s, const struct img_descriptor *d, struct brig_err *e)
{
	uint64_t size = 0;
	int r = img_blob_stat(s, d->digest, &size, e);
	if (r < 0)
		return r;
	if (size != d->size)
		return brig_err_set(e, -EBADMSG,
				    "%s: blob %s has %llu bytes, its "
				    "descriptor says %llu",
				    s->root, d->digest, (unsigned long long)size,
				    (unsigned long long)d->size);
	return 0;
}

static int walk_manifest(struct img_store *s, const struct img_descriptor *d,
			 struct img_digest_set *set, const struct img_digest_set *bad,
			 struct brig_err *e)
{
	struct img_manifest m;
	struct img_config c = { 0 };
	int r = img_store_load_manifest(s, d, &m, e);
	if (r < 0)
		return r;
	if ((r = reach(set, bad, s, &m.config, e)) < 0 ||
	    (r = img_store_load_config(s, &m.config, &c, e)) < 0)
		goto out;
	if (c.n_diff_ids != m.n_layers) {
		r = brig_err_set(e, -EBADMSG,
				 "%s: config %s lists %zu diff_ids for the %zu "
				 "layers of manifest %s",
				 s->root, m.config.digest, c.n_diff_ids, m.n_layers, d->digest);
		goto out;
	}
	for (size_t i = 0; i < m.n_layers; i++)
		if ((r = reach(set, bad, s, &m.layers[i], e)) < 0 ||
		    (r = walk_leaf(s, &m.layers[i], e)) < 0)
			goto out;
	r = 0;
out:
	img_config_clear(&c);
	img_manifest_clear(&m);
	return r;
}

static int walk_at(struct img_store *s, const struct img_descriptor *d, struct img_digest_set *set,
		   const struct img_digest_set *bad, int depth, struct brig_err *e)
{
	int r = reach(set, bad, s, d, e);
	if (r <= 0)
		return r; /* an error, or already walked */
	if (d->info.kind == IMG_KIND_MANIFEST)
		return walk_manifest(s, d, set, bad, e);
	if (d->info.kind != IMG_KIND_INDEX)
		return want_kind(s, d, IMG_KIND_MANIFEST, e);
	if (depth >= WALK_MAX_DEPTH)
		return brig_err_set(e, -ELOOP, "%s: indexes nested too deeply at %s", s->root,
				    d->digest);
	struct img_index x;
	r = img_store_load_index(s, d, &x, e);
	for (size_t i = 0; r == 0 && i < x.n_manifests; i++)
		r = walk_at(s, &x.manifests[i], set, bad, depth + 1, e);
	img_index_clear(&x);
	return r;
}

int img_walk(struct img_store *s, const struct img_descriptor *d, struct img_digest_set *set,
	     const struct img_digest_set *bad, struct brig_err *e)
{
	return walk_at(s, d, set, bad, 0, e);
}
