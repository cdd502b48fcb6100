/* SPDX-License-Identifier: Apache-2.0 */
/* trust: hash-and-length entries (targets, snapshot and timestamp meta) and the targets role's delegations. */
#include "trust/tuf.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#define TUF_MAX_ENTRIES 100000
#define TUF_MAX_LENGTH (1ULL << 40)

static int hashes_parse(const json_t *v, const struct bj_loc *at, const char *name,
			struct tuf_hashes *out, struct brig_err *e)
{
	static const char *const keys[] = { "custom", "hashes", "length", NULL };
	static const char *const algs[] = { "sha256", "sha512", NULL };
	json_t *h = NULL;
	struct bj_loc hl;
	bj_key(&hl, at, "hashes");
	const char *b256 = NULL, *b512 = NULL;
	int r = bj_only_keys(v, at, keys, e);
	if (r == 0)
		r = bj_get_u64(v, at, "length", true, &out->length, e);
	if (r == 0 && out->length > TUF_MAX_LENGTH)
		r = bj_fail(e, at, "length: %llu is beyond any limit",
			    (unsigned long long)out->length);
	if (r == 0)
		r = bj_get_obj(v, at, "hashes", true, &h, e);
	if (r == 0)
		r = bj_only_keys(h, &hl, algs, e);
	if (r == 0)
		r = bj_get_str(h, &hl, "sha256", false, &b256, e);
	if (r >= 0)
		r = bj_get_str(h, &hl, "sha512", false, &b512, e);
	if (r < 0)
		return r;
	size_t n = 0;
	if (b256 && (tuf_b64_decode(b256, out->sha256, 32, &n) < 0 || n != 32))
		return bj_fail(e, &hl, "sha256: not a base64 SHA-256");
	if (b512 && (tuf_b64_decode(b512, out->sha512, 64, &n) < 0 || n != 64))
		return bj_fail(e, &hl, "sha512: not a base64 SHA-512");
	if (!b256 && !b512)
		return bj_fail(e, &hl, "neither sha256 nor sha512");
	out->has256 = b256 != NULL;
	out->has512 = b512 != NULL;
	out->name = strdup(name);
	return out->name ? 0 : brig_err_oom(e);
}

static int entries_parse(const json_t *obj, const struct bj_loc *at, struct tuf_hashes **out,
			 size_t *n, struct brig_err *e)
{
	int r = bj_expect(obj, at, JSON_OBJECT, e);
	if (r < 0)
		return r;
	if (json_object_size(obj) > TUF_MAX_ENTRIES)
		return bj_fail(e, at, "more than %d entries", TUF_MAX_ENTRIES);
	*out = calloc(json_object_size(obj) + 1, sizeof(**out));
	if (!*out)
		return brig_err_oom(e);
	const char *name;
	json_t *v;
	json_object_foreach((json_t *)obj, name, v)
	{
		struct bj_loc el;
		bj_key(&el, at, name);
		r = hashes_parse(v, &el, name, &(*out)[(*n)++], e);
		if (r < 0)
			return r;
	}
	return 0;
}

static void entries_free(struct tuf_hashes *h, size_t n)
{
	for (size_t i = 0; h && i < n; i++)
		free(h[i].name);
	free(h);
}

int tuf_meta_parse(const struct tuf_doc *d, struct tuf_meta *out, struct brig_err *e)
{
	struct bj_loc sl, ml;
	bj_root(&sl, d->file);
	bj_key(&sl, &sl, "signed");
	bj_key(&ml, &sl, "meta");
	json_t *m = NULL;
	int r = bj_get_obj(d->sig, &sl, "meta", true, &m, e);
	return r < 0 ? r : entries_parse(m, &ml, &out->m, &out->n, e);
}

void tuf_meta_clear(struct tuf_meta *m)
{
	entries_free(m->m, m->n);
	memset(m, 0, sizeof(*m));
}

const struct tuf_hashes *tuf_meta_find(const struct tuf_meta *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->m[i].name, name))
			return &m->m[i];
	return NULL;
}

static int delegations_parse(const json_t *dv, const struct bj_loc *at, struct tuf_targets *t,
			     struct brig_err *e)
{
	static const char *const keys[] = { "keys", "roles", NULL };
	json_t *kv = NULL, *rv = NULL;
	struct bj_loc kl, rl;
	bj_key(&kl, at, "keys");
	bj_key(&rl, at, "roles");
	int r = bj_only_keys(dv, at, keys, e);
	if (r == 0)
		r = bj_get_obj(dv, at, "keys", true, &kv, e);
	if (r == 0)
		r = tuf_keyset_parse(kv, &kl, &t->dkeys, e);
	if (r == 0)
		r = bj_get_arr(dv, at, "roles", true, &rv, e);
	if (r < 0)
		return r;
	if (json_array_size(rv) > TUF_MAX_DELEGATIONS)
		return bj_fail(e, &rl, "more than %d delegated roles", TUF_MAX_DELEGATIONS);
	t->droles = calloc(json_array_size(rv) + 1, sizeof(*t->droles));
	if (!t->droles)
		return brig_err_oom(e);
	for (size_t i = 0; i < json_array_size(rv); i++) {
		struct bj_loc il;
		bj_idx(&il, &rl, i);
		struct tuf_role *role = &t->droles[t->nd++];
		r = tuf_role_parse(json_array_get(rv, i), &il, true, role, e);
		for (char **k = role->keyids; r == 0 && *k; k++)
			if (!tuf_keyset_find(&t->dkeys, *k))
				r = bj_fail(e, &il, "keyids: %s is not among the delegation keys",
					    *k);
		if (r < 0)
			return r;
	}
	return 0;
}

int tuf_targets_parse(const struct tuf_doc *d, struct tuf_targets *out, struct brig_err *e)
{
	struct bj_loc sl, tl, dl;
	bj_root(&sl, d->file);
	bj_key(&sl, &sl, "signed");
	bj_key(&tl, &sl, "targets");
	bj_key(&dl, &sl, "delegations");
	json_t *tv = NULL, *dv = NULL;
	int r = bj_get_obj(d->sig, &sl, "targets", true, &tv, e);
	if (r == 0)
		r = entries_parse(tv, &tl, &out->t, &out->nt, e);
	if (r == 0)
		r = bj_get_obj(d->sig, &sl, "delegations", false, &dv, e);
	if (r == 1)
		return 0;
	return r < 0 ? r : delegations_parse(dv, &dl, out, e);
}

void tuf_targets_clear(struct tuf_targets *t)
{
	entries_free(t->t, t->nt);
	tuf_keyset_clear(&t->dkeys);
	for (size_t i = 0; t->droles && i < t->nd; i++)
		tuf_role_clear(&t->droles[i]);
	free(t->droles);
	memset(t, 0, sizeof(*t));
}

static bool digest_is(const EVP_MD *md, const char *raw, size_t len, const unsigned char *want)
{
	unsigned char got[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	return EVP_Digest(raw, len, got, &n, md, NULL) == 1 && CRYPTO_memcmp(got, want, n) == 0;
}

int tuf_hashes_match(const struct tuf_hashes *h, const char *file, const char *raw, size_t len,
		     struct brig_err *e)
{
	if (len != h->length)
		return brig_err_set(e, -EBADMSG, "%s: %zu bytes where %llu were listed", file, len,
				    (unsigned long long)h->length);
	if ((h->has256 && !digest_is(EVP_sha256(), raw, len, h->sha256)) ||
	    (h->has512 && !digest_is(EVP_sha512(), raw, len, h->sha512)))
		return brig_err_set(e, -EBADMSG, "%s: its hash is not the one listed", file);
	return 0;
}
