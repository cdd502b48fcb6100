/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sigstoreSigned by bundles: the requirement's keys (keyPath(s),
 * keyData(s)), Fulcio CA (fulcio.caPath/caData), Rekor keys
 * (rekorPublicKeyPath(s)/Data(s)) and CT log keys (policy.d
 * certificateTransparency) are loaded, then each bundle of the
 * image is verified until one passes.  A trust_verify_fn for
 * struct trust_verifiers.sigstore (policy.h).
 */
#include "trust/bundle.h"
#include "trust/policy.h"
#include "registry/registry.h"

#include <fcntl.h>
#include <string.h>

struct pkeys {
	EVP_PKEY *v[16];
	size_t n;
};

static void pkeys_clear(struct pkeys *k)
{
	for (size_t i = 0; i < k->n; i++)
		EVP_PKEY_free(k->v[i]);
	k->n = 0;
}

static int pkeys_load(char **paths, const struct trust_blob *datas, size_t n_datas,
		      const char *what, struct pkeys *k, struct brig_err *e)
{
	for (size_t i = 0; paths && paths[i]; i++) {
		if (k->n == BRIG_ARRAY_SIZE(k->v))
			return brig_err_set(e, -E2BIG, "%s: more than 16 keys", what);
		int r = trust_bundle_key_load(paths[i], NULL, 0, &k->v[k->n], e);
		if (r < 0)
			return r;
		k->n++;
	}
	for (size_t i = 0; i < n_datas; i++) {
		if (k->n == BRIG_ARRAY_SIZE(k->v))
			return brig_err_set(e, -E2BIG, "%s: more than 16 keys", what);
		int r = trust_bundle_key_load(what, datas[i].data, datas[i].len, &k->v[k->n], e);
		if (r < 0)
			return r;
		k->n++;
	}
	return 0;
}

/* The policy's fulcio CA: *buf malloc'ed when read from a file. */
static int ca_load(const struct trust_fulcio *f, char **buf, struct trust_bundle_policy *p,
		   struct brig_err *e)
{
	size_t len = 0;
	if (!f)
		return 0;
	if (f->ca_path) {
		int r = brig_read_file(AT_FDCWD, f->ca_path, (size_t)1 << 20, buf, &len, e);
		if (r < 0)
			return r;
		p->ca_pem = (const unsigned char *)*buf;
		p->ca_len = len;
	} else {
		p->ca_pem = f->ca_data.data;
		p->ca_len = f->ca_data.len;
	}
	p->oidc_issuer = f->oidc_issuer;
	p->subject_email = f->subject_email;
	return 0;
}

/* What a bundle is judged against. */
struct judge {
	struct trust_bundle_ctx *x;
	const struct trust_bundle_policy *p;
	const struct trust_req *req;
	const struct img_ref *ref; /* NULL: named by a path, no identity */
};

/* The accepted bundle's signing time: only Rekor's integratedTime, signed
 * (the SET) by a key the policy names, proves one; a key-based bundle's
 * statement carries no time of its own. */
static void note_time(const struct judge *j, const struct trust_bundle_result *res)
{
	j->x->signed_at = res->integrated_time > 0 ? res->integrated_time : res->tsa_time;
	if (j->x->signed_at > 0)
		j->x->untimed = NULL;
	else if (!res->n_tlog && res->n_tsa)
		j->x->untimed = "its RFC 3161 timestamp's time is not checked: the policy names no "
				"TSA certificate (policy.d timestampAuthorities)";
	else if (!res->n_tlog)
		j->x->untimed = "a sigstore bundle proves its signing time only by a Rekor entry "
				"or an RFC 3161 timestamp, and this one has neither";
	else if (!j->p->n_rekor_keys)
		j->x->untimed = "its Rekor entry's time is not checked: the requirement names no "
				"Rekor key (rekorPublicKey)";
	else
		j->x->untimed = "its Rekor entry has no signed entry timestamp, only an inclusion "
				"proof, which proves no time";
}

/* One bundle: 0 when it passes verification and signedIdentity (the
 * statement's subject name as the signature's docker-reference). */
static int judge_one(const struct judge *j, const char *bundle, size_t len, struct brig_err *e)
{
	struct trust_bundle_result res;
	int r = trust_bundle_verify(bundle, len, j->x->digest, j->p, &res, e);
	if (r == 0 && j->ref &&
	    !trust_identity_matches(&j->req->identity, j->ref,
				    res.subject_name ? res.subject_name : ""))
		r = brig_err_set(e, -EKEYREJECTED,
				 "its statement names '%.200s', which signedIdentity (%s) does not "
				 "accept for this image",
				 res.subject_name ? res.subject_name : "(no name)",
				 trust_ident_kind_name(j->req->identity.kind));
	if (r == 0)
		note_time(j, &res);
	trust_bundle_result_clear(&res);
	return r;
}

/* Each bundle until one passes: 1, or 0 with their reasons in why. */
static int judge_all(const struct judge *j, const char *const *bundles, const size_t *lens,
		     size_t n, char *why, size_t why_len, struct brig_err *e)
{
	size_t used = 0;
	why[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		_cleanup_err_ struct brig_err be = { 0 };
		int r = judge_one(j, bundles[i], lens[i], &be);
		if (r == 0)
			return 1;
		if (r != -EKEYREJECTED && r != -EINVAL && r != -EFBIG)
			return brig_err_set(e, r, "%s", brig_err_str(&be));
		int k = snprintf(why + used, why_len - used, "%sbundle %zu: %s", i ? "; " : "",
				 i + 1, brig_err_str(&be));
		if (k > 0)
			used = (size_t)k >= why_len - used ? why_len - 1 : used + (size_t)k;
	}
	if (n == 0)
		snprintf(why, why_len, "no sigstore bundle for %s", j->x->digest);
	return 0;
}

static int with_bundles(const struct judge *j, char *why, size_t why_len, struct brig_err *e)
{
	struct trust_bundle_ctx *x = j->x;
	if (x->n_bundles || !x->client)
		return judge_all(j, x->bundles, x->lens, x->n_bundles, why, why_len, e);
	char **v = NULL;
	size_t *lens = NULL, n = 0;
	int r = trust_bundle_fetch(x->client, x->repo, x->digest, &v, &lens, &n, e);
	if (r == -ENOENT) {
		snprintf(why, why_len, "%s", brig_err_str(e));
		brig_err_clear(e);
		return 0;
	}
	if (r == 0)
		r = judge_all(j, (const char *const *)v, lens, n, why, why_len, e);
	brig_strv_free(v);
	free(lens);
	return r;
}

int trust_bundle_policy_verify(const struct trust_req *req, const struct img_ref *ref, void *ctx,
			       char *why, size_t why_len, struct brig_err *e)
{
	struct trust_bundle_ctx *x = ctx;
	struct pkeys keys = { 0 }, rekor = { 0 }, ct = { 0 };
	_cleanup_free_ char *ca = NULL, *tsa = NULL;
	struct trust_bundle_policy p = { 0 };
	if (!x || !x->digest)
		return brig_err_set(e, -EINVAL, "sigstoreSigned: no image digest to verify");
	int r = pkeys_load(req->key_paths, req->key_datas, req->n_key_datas, "keyData", &keys, e);
	if (r == 0)
		r = pkeys_load(req->rekor_paths, req->rekor_datas, req->n_rekor_datas,
			       "rekorPublicKeyData", &rekor, e);
	if (r == 0)
		r = pkeys_load(req->ct_key_paths, NULL, 0, "certificateTransparency", &ct, e);
	if (r == 0)
		r = ca_load(req->fulcio, &ca, &p, e);
	size_t tsa_len = 0;
	if (r == 0 && req->tsa_path)
		r = brig_read_file(AT_FDCWD, req->tsa_path, (size_t)1 << 20, &tsa, &tsa_len, e);
	p.tsa_pem = (const unsigned char *)tsa;
	p.tsa_len = tsa_len;
	p.rekor_optional = req->tsa_rekor_optional;
	p.ct_keys = ct.v;
	p.n_ct_keys = ct.n;
	p.sct_required = req->sct_required;
	p.keys = keys.v;
	p.n_keys = keys.n;
	p.rekor_keys = rekor.v;
	p.n_rekor_keys = rekor.n;
	if (r == 0)
		r = with_bundles(&(struct judge){ .x = x, .p = &p, .req = req, .ref = ref }, why,
				 why_len, e);
	pkeys_clear(&keys);
	pkeys_clear(&rekor);
	pkeys_clear(&ct);
	return r;
}
