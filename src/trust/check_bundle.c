/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sigstoreSigned plug for sigstore bundles (OCI referrers,
 * docs/trust-sigstore.md "Bundles"): the bundle kept as the signature's
 * payload is verified by trust_bundle_policy_verify against the
 * requirement's keys, Fulcio CA and Rekor keys, which also applies the
 * requirement's signedIdentity to the statement's subject name.  The
 * fetcher that reads the referrers is check_fetch.c's.
 */
#include "trust/check-internal.h"
#include "trust/bundle.h"

#include <string.h>

/* Which key the policy names, as far as the verifier tells. */
static char *key_name(const struct trust_req *q)
{
	size_t np = 0;
	while (q->key_paths && q->key_paths[np])
		np++;
	char *s = NULL;
	if (q->fulcio)
		return asprintf(&s, "Fulcio certificate for %s from %s", q->fulcio->subject_email,
				q->fulcio->oidc_issuer) < 0
			? NULL
			: s;
	if (np == 1 && !q->n_key_datas)
		return strdup(q->key_paths[0]);
	if (np == 0 && q->n_key_datas == 1)
		return strdup("keyData[0]");
	return asprintf(&s, "one of %zu keys", np + q->n_key_datas) < 0 ? NULL : s;
}

/* The verified bundle's statement subject name, as its identity. */
static int subject(const char *b, size_t len, const char *digest, struct trust_sig_result *res,
		   struct brig_err *e)
{
	struct trust_bundle tb = { 0 };
	_cleanup_err_ struct brig_err pe = { 0 };
	int r = trust_bundle_parse(b, len, "the bundle", &tb, &pe);
	if (r == 0)
		r = trust_dsse_statement_check(tb.payload, tb.payload_len, digest, &res->identity,
					       &pe);
	trust_bundle_clear(&tb);
	return r == -ENOMEM ? brig_err_oom(e) : 1;
}

int trust_check_bundle(const struct trust_req *req, const struct img_ref *ref, const char *digest,
		       const struct trust_sig *sig, struct trust_sig_result *res,
		       struct brig_err *e)
{
	const char *b = (const char *)sig->payload;
	size_t len = sig->payload_len;
	struct trust_bundle_ctx x = {
		.digest = digest, .bundles = &b, .lens = &len, .n_bundles = 1
	};
	char why[1024] = "";
	if (!len)
		return trust_check_refuse(res, e, "an empty bundle");
	int r = trust_bundle_policy_verify(req, ref, &x, why, sizeof(why), e);
	if (r < 0)
		return r;
	_cleanup_free_ char *key = key_name(req);
	if (!key)
		return brig_err_oom(e);
	/* one bundle: its reason is "bundle 1: WHY" */
	const char *w = strncmp(why, "bundle 1: ", 10) == 0 ? why + 10 : why;
	if (r == 0 && strcmp(w, "not signed by the key given") == 0)
		return trust_check_refuse(res, e, "not signed by the key the policy names (%s)",
					  key);
	if (r == 0)
		return trust_check_refuse(res, e, "%s", w);
	res->key = brig_steal_ptr(key);
	res->time = x.signed_at;
	res->untimed = x.untimed;
	return subject(b, len, digest, res, e);
}
