/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where signatures are found in a registry: one fetcher per place, run
 * when a requirement of its kind applies.  The sigstore `.sig` attachment
 * (tag sha256-HEX.sig, one simple signing layer per signature), sigstore
 * bundles (OCI referrers, bundle_oci.c) and the GPG lookaside that
 * registries.d names (lookaside.c).  A fetcher keeps what it finds as it
 * is: judging is check.c's.
 */
#include "trust/check-internal.h"
#include "trust/bundle.h"
#include "trust/gpg.h"
#include "registry/registry.h"

#include <string.h>

static int fetch_sigstore_sig(struct reg_client *c, const char *repo, const struct img_ref *ref,
			      const char *digest, struct trust_sigs *out, char **note,
			      struct brig_err *e);
static int fetch_bundles(struct reg_client *c, const char *repo, const struct img_ref *ref,
			 const char *digest, struct trust_sigs *out, char **note,
			 struct brig_err *e);
static int fetch_lookaside(struct reg_client *c, const char *repo, const struct img_ref *ref,
			   const char *digest, struct trust_sigs *out, char **note,
			   struct brig_err *e);

static const struct trust_sig_fetcher fetchers[] = {
	{ TRUST_REQ_SIGSTORE, "sigstore .sig attachment", fetch_sigstore_sig },
	{ TRUST_REQ_SIGSTORE, "sigstore bundles (OCI referrers)", fetch_bundles },
	{ TRUST_REQ_SIGNED_BY, "GPG lookaside (registries.d)", fetch_lookaside },
};

struct membuf {
	char *buf;
	size_t len, cap;
};

static int mem_sink(void *ctx, const void *buf, size_t len, struct brig_err *e)
{
	struct membuf *m = ctx;
	if (len > m->cap - m->len)
		return brig_err_set(e, -EFBIG, "larger than its descriptor says");
	memcpy(m->buf + m->len, buf, len);
	m->len += len;
	return 0;
}

/* One layer of the .sig manifest into out; a layer that is no simple
 * signing payload is noted and skipped. */
static int sig_layer(struct reg_client *c, const char *repo, const char *tag, size_t i, json_t *l,
		     struct trust_sigs *out, char **note, size_t *nlen, struct brig_err *e)
{
	json_t *mt = json_object_get(l, "mediaType"), *d = json_object_get(l, "digest");
	json_t *sz = json_object_get(l, "size");
	json_t *sig = json_object_get(json_object_get(l, "annotations"), TRUST_ANN_SIGNATURE);
	const char *why = NULL;
	if (!json_is_string(mt) || strcmp(json_string_value(mt), TRUST_MT_SIMPLESIG) != 0)
		why = "not a simple signing payload (mediaType)";
	else if (!json_is_string(d) || !brig_digest_valid(json_string_value(d)) ||
		 !json_is_integer(sz) || json_integer_value(sz) < 0 ||
		 (uint64_t)json_integer_value(sz) > TRUST_PAYLOAD_MAX)
		why = "a malformed or oversized descriptor";
	else if (!json_is_string(sig))
		why = "no " TRUST_ANN_SIGNATURE " annotation";
	if (why)
		return brig_appendf(note, nlen, "; layer %zu skipped: %s", i + 1, why) < 0
			? brig_err_oom(e)
			: 0;
	size_t size = (size_t)json_integer_value(sz);
	struct membuf m = { .buf = malloc(size + 1), .cap = size };
	if (!m.buf)
		return brig_err_oom(e);
	_cleanup_err_ struct brig_err fe = { 0 };
	int r = reg_blob_get(c, repo, json_string_value(d), size, mem_sink, &m, &fe);
	_cleanup_free_ char *src = NULL;
	if (r == 0 && asprintf(&src, "registry %s layer %zu", tag, i + 1) < 0)
		r = -ENOMEM;
	if (r == 0)
		r = trust_sigs_add(out, TRUST_FMT_SIMPLESIG, src, m.buf, m.len,
				   json_string_value(sig), e);
	else if (r != -ENOMEM)
		r = brig_appendf(note, nlen, "; layer %zu: %s", i + 1, brig_err_str(&fe)) < 0
			? -ENOMEM
			: 0;
	free(m.buf);
	return r == -ENOMEM ? brig_err_oom(e) : r;
}

static int fetch_sigstore_sig(struct reg_client *c, const char *repo, const struct img_ref *ref,
			      const char *digest, struct trust_sigs *out, char **note,
			      struct brig_err *e)
{
	(void)ref;
	char tag[80];
	struct reg_manifest m = { 0 };
	_cleanup_json_ json_t *doc = NULL;
	size_t nlen = 0;
	int r = trust_sig_tag(digest, tag, e);
	if (r < 0)
		return r;
	r = reg_manifest_get(c, repo, tag, &m, e);
	if (r == -ENOENT) {
		brig_err_clear(e);
		return brig_appendf(note, &nlen, "no %s tag in the registry", tag) < 0
			? brig_err_oom(e)
			: 0;
	}
	if (r == 0 && brig_appendf(note, &nlen, "%s", tag) < 0)
		r = brig_err_oom(e);
	if (r == 0)
		r = bj_parse(m.body, m.len, tag, &doc, e);
	json_t *layers = r == 0 ? json_object_get(doc, "layers") : NULL;
	if (r == 0 && (!json_is_array(layers) || json_array_size(layers) > TRUST_MAX_SIGS))
		r = brig_err_set(e, -EPROTO, "%s: layers: not an array of at most %d", tag,
				 TRUST_MAX_SIGS);
	for (size_t i = 0; r == 0 && i < json_array_size(layers); i++)
		r = sig_layer(c, repo, tag, i, json_array_get(layers, i), out, note, &nlen, e);
	reg_manifest_clear(&m);
	return r;
}

static int fetch_bundles(struct reg_client *c, const char *repo, const struct img_ref *ref,
			 const char *digest, struct trust_sigs *out, char **note,
			 struct brig_err *e)
{
	(void)ref;
	char **v = NULL;
	size_t *lens = NULL, n = 0, nlen = 0;
	int r = trust_bundle_fetch(c, repo, digest, &v, &lens, &n, e);
	if (r == -ENOENT) {
		r = brig_appendf(note, &nlen, "%s", brig_err_str(e)) < 0 ? -ENOMEM : 0;
		brig_err_clear(e);
		return r < 0 ? brig_err_oom(e) : 0;
	}
	if (r == 0 && brig_appendf(note, &nlen, "%zu bundle%s", n, n == 1 ? "" : "s") < 0)
		r = brig_err_oom(e);
	for (size_t i = 0; r == 0 && i < n; i++) {
		char src[64];
		(void)brig_snprintf(src, sizeof(src), "registry referrer bundle %zu", i + 1);
		/* what a stored record can hold (trust_sigs_parse) */
		if (lens[i] > TRUST_PAYLOAD_MAX)
			r = brig_appendf(note, &nlen, "; bundle %zu skipped: over %zu bytes", i + 1,
					 TRUST_PAYLOAD_MAX) < 0
				? brig_err_oom(e)
				: 0;
		else
			r = trust_sigs_add(out, TRUST_FMT_BUNDLE, src, v[i], lens[i], "", e);
	}
	brig_strv_free(v);
	free(lens);
	return r;
}

/* Lookaside signature i+1 kept as base64, unless larger than a stored
 * record can hold (trust_sigs_parse), which is noted. */
static int gpg_add(struct trust_sigs *out, size_t i, const struct trust_blob *b, char **note,
		   size_t *nlen, struct brig_err *e)
{
	_cleanup_free_ char *b64 = trust_b64_encode(b->data, b->len);
	char src[64];
	(void)brig_snprintf(src, sizeof(src), "lookaside signature-%zu", i + 1);
	if (!b64)
		return brig_err_oom(e);
	if (strlen(b64) > TRUST_SIG_B64_MAX * 2)
		return brig_appendf(note, nlen, "; signature-%zu skipped: over %zu bytes", i + 1,
				    TRUST_SIG_B64_MAX * 3 / 2) < 0
			? brig_err_oom(e)
			: 0;
	return trust_sigs_add(out, TRUST_FMT_GPG, src, NULL, 0, b64, e);
}

static const char *registries_d; /* NULL: the default */

void trust_fetch_set_registries_d(const char *dir)
{
	registries_d = dir;
}

/* The signatures the registries.d lookaside for ref holds, each kept as
 * the OpenPGP message base64; an https lookaside is trusted with the
 * registry client's CA directory (registry-certs-dir, certs.d layout). */
static int fetch_lookaside(struct reg_client *c, const char *repo, const struct img_ref *ref,
			   const char *digest, struct trust_sigs *out, char **note,
			   struct brig_err *e)
{
	(void)repo;
	_cleanup_registries_d_ struct trust_registries_d *rd = NULL;
	_cleanup_free_ char *base = NULL;
	struct trust_gpg_sigs g = { 0 };
	size_t nlen = 0;
	int r = trust_registries_d_load(registries_d, &rd, e);
	if (r == 0)
		r = trust_lookaside_base(rd, ref, false, &base, e);
	if (r == 0 && !base)
		return brig_appendf(note, &nlen,
				    "no lookaside (registries.d names none, no HOME)") < 0
			? brig_err_oom(e)
			: 0;
	if (r == 0)
		r = trust_lookaside_get(base, digest, c ? reg_client_certs_dir(c) : NULL, &g, e);
	if (r == 0 &&
	    brig_appendf(note, &nlen, "%zu signature%s under %s", g.n, g.n == 1 ? "" : "s", base) <
		    0)
		r = brig_err_oom(e);
	for (size_t i = 0; r == 0 && i < g.n; i++)
		r = gpg_add(out, i, &g.v[i], note, &nlen, e);
	trust_gpg_sigs_clear(&g);
	return r;
}

bool trust_reqs_need_sigs(const struct trust_reqs *reqs)
{
	for (size_t i = 0; i < reqs->n; i++)
		if (reqs->v[i].kind == TRUST_REQ_SIGNED_BY || reqs->v[i].kind == TRUST_REQ_SIGSTORE)
			return true;
	return false;
}

static bool needed(const struct trust_reqs *reqs, enum trust_req_kind kind)
{
	for (size_t i = 0; i < reqs->n; i++)
		if (reqs->v[i].kind == TRUST_REQ_REJECT)
			return false;
	for (size_t i = 0; i < reqs->n; i++)
		if (reqs->v[i].kind == kind)
			return true;
	return false;
}

int trust_sigs_fetch(struct reg_client *c, const char *repo, const struct img_ref *ref,
		     const char *digest, const struct trust_reqs *reqs, struct trust_sigs *out,
		     char **notes, struct brig_err *e)
{
	size_t len = 0;
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(fetchers); i++) {
		if (!needed(reqs, fetchers[i].kind))
			continue;
		_cleanup_free_ char *note = NULL;
		int r = fetchers[i].fn(c, repo, ref, digest, out, &note, e);
		if (r < 0)
			return brig_err_wrap(e, "%s", fetchers[i].name);
		if (brig_appendf(notes, &len, "%s%s: %s", len ? "; " : "", fetchers[i].name,
				 note ? note : "nothing") < 0)
			return brig_err_oom(e);
	}
	return 0;
}
