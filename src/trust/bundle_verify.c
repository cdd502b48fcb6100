/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One bundle against a sigstoreSigned requirement, offline:
 *   1. the Rekor entries, when the policy names Rekor keys (required then,
 *      unless the policy lets a certificate bundle without any be timed
 *      by its TSA alone, rekor_optional): the body records this envelope;
 *      the SET and, when present, the inclusion proof and its checkpoint
 *      verify; the SET's integratedTime is the signing time; a Rekor v2
 *      entry has no SET, its inclusion proof is required and it proves
 *      no time (a TSA's timestamp must, for a certificate);
 *   2. when the policy names TSA certificates, an RFC 3161 timestamp by
 *      one of them over the signature (tsa.c) is required; its time is
 *      then a signing time too (Rekor's integratedTime comes first);
 *   3. the signer: a key of the policy (a publicKey bundle), or the
 *      bundle's certificate checked by fulcio.c at that time (a
 *      certificate needs one of the two times: it lives ten minutes);
 *   4. the DSSE signature over PAE(payloadType, payload) by that key;
 *   5. the in-toto statement names the image's digest.
 */
#include "trust/bundle.h"
#include "trust/sigstore-internal.h"

#include <string.h>

void trust_bundle_result_clear(struct trust_bundle_result *r)
{
	free(r->email);
	free(r->issuer);
	free(r->subject_name);
	*r = (struct trust_bundle_result){ .key_index = -1 };
}

/* One entry: 0 when it records this bundle and Rekor vouches for it. */
static int entry_ok(const struct trust_tlog_entry *t, const struct trust_bundle *b,
		    const struct trust_bundle_policy *p, struct brig_err *e)
{
	int r = trust_rekor_check_body(t, b, e);
	bool v2 = trust_rekor_is_v2(t);
	if (r == 0 && v2 && t->set)
		r = brig_err_set(
			e, -EKEYREJECTED,
			"a Rekor v2 entry with a signed entry timestamp (v2 logs sign none)");
	if (r == 0 && v2 && !t->has_proof)
		r = brig_err_set(
			e, -EKEYREJECTED,
			"the Rekor v2 entry has no inclusion proof (a v2 entry's only proof "
			"of inclusion)");
	if (r == 0 && !t->set && !t->has_proof)
		r = brig_err_set(e, -EKEYREJECTED,
				 "the Rekor entry has neither a signed entry timestamp nor an "
				 "inclusion proof");
	if (r == 0 && t->set)
		r = trust_rekor_check_set(t, p->rekor_keys, p->n_rekor_keys, e);
	if (r == 0 && t->has_proof)
		r = trust_rekor_check_proof(t, e);
	if (r == 0 && t->has_proof)
		r = trust_rekor_check_checkpoint(t, p->rekor_keys, p->n_rekor_keys, e);
	return r;
}

/* The first entry that passes; *when its SET-signed time (0: none). */
static int tlog_ok(const struct trust_bundle *b, const struct trust_bundle_policy *p, time_t *when,
		   bool *set, struct brig_err *e)
{
	*when = 0;
	if (b->n_tlog == 0)
		return brig_err_set(e, -EKEYREJECTED,
				    "no Rekor entry in the bundle (the policy names Rekor keys)");
	for (size_t i = 0; i < b->n_tlog; i++) {
		brig_err_clear(e);
		if (entry_ok(&b->tlog[i], b, p, e) == 0) {
			*set = b->tlog[i].set != NULL;
			if (*set)
				*when = (time_t)b->tlog[i].integrated_time;
			return 0;
		}
	}
	return -EKEYREJECTED; /* e holds the last entry's reason */
}

static int sig_ok(EVP_PKEY *k, const struct trust_bundle *b, struct brig_err *e)
{
	_cleanup_free_ unsigned char *pae = NULL;
	size_t n = 0;
	int r = trust_dsse_pae(b->payload_type, b->payload, b->payload_len, &pae, &n, e);
	return r < 0 ? r : trust_verify(k, pae, n, b->sig_b64, e);
}

/* A publicKey bundle: the policy's key that verifies it. */
static int by_key(const struct trust_bundle *b, const struct trust_bundle_policy *p,
		  struct trust_bundle_result *out, struct brig_err *e)
{
	if (p->n_keys == 0)
		return brig_err_set(e, -EKEYREJECTED,
				    "signed with a key, but the policy names no key (only Fulcio)");
	for (size_t i = 0; i < p->n_keys; i++) {
		brig_err_clear(e);
		int r = sig_ok(p->keys[i], b, e);
		if (r == 0) {
			out->key_index = (int)i;
			return 0;
		}
		if (r != -EKEYREJECTED)
			return r;
	}
	brig_err_clear(e);
	return brig_err_set(e, -EKEYREJECTED, "not signed by %s",
			    p->n_keys == 1 ? "the key given" : "any of the keys given");
}

static int by_cert(const struct trust_bundle *b, const struct trust_bundle_policy *p, time_t when,
		   struct trust_bundle_result *out, struct brig_err *e)
{
	_cleanup_pkey_ EVP_PKEY *k = NULL;
	if (!p->ca_pem)
		return brig_err_set(e, -EKEYREJECTED,
				    "signed with a certificate, but the policy names no Fulcio CA");
	int r = trust_fulcio_check(b, p, when, &k, e);
	if (r == 0 && (r = sig_ok(k, b, e)) == -EKEYREJECTED) {
		brig_err_clear(e);
		r = brig_err_set(e, -EKEYREJECTED, "the signature is not by the certificate's key");
	}
	if (r == 0 && p->subject_email && !(out->email = strdup(p->subject_email)))
		r = brig_err_oom(e);
	if (r == 0 && p->oidc_issuer && !(out->issuer = strdup(p->oidc_issuer)))
		r = brig_err_oom(e);
	return r;
}

/* The first timestamp that verifies: its time in out->tsa_time. */
static int tsa_ok(const struct trust_bundle *b, const struct trust_bundle_policy *p,
		  struct trust_bundle_result *out, struct brig_err *e)
{
	if (b->n_tsa == 0)
		return brig_err_set(
			e, -EKEYREJECTED,
			"no RFC 3161 timestamp in the bundle (one by the TSA named is required)");
	for (size_t i = 0; i < b->n_tsa; i++) {
		time_t when = 0;
		brig_err_clear(e);
		int r = trust_tsa_check(b->tsa[i], b->tsa_len[i], b->sig, b->sig_len, p->tsa_pem,
					p->tsa_len, &when, e);
		if (r == 0) {
			out->tsa_time = (int64_t)when;
			return 0;
		}
		if (r != -EKEYREJECTED)
			return r;
	}
	return -EKEYREJECTED; /* e holds the last timestamp's reason */
}

/* Whether the bundle's Rekor entries must be checked, or a certificate
 * bundle refused for want of a time to check its certificate at. */
static int tlog_needed(const struct trust_bundle *b, const struct trust_bundle_policy *p,
		       bool *need, struct brig_err *e)
{
	/* keylessWithoutRekor is for certificates: a key-based bundle still
	 * needs its Rekor entry where the policy names Rekor keys */
	*need = p->n_rekor_keys &&
		!(p->rekor_optional && p->tsa_pem && b->n_certs && b->n_tlog == 0);
	if (b->n_certs && !p->n_rekor_keys && !p->tsa_pem)
		return brig_err_set(e, -EKEYREJECTED,
				    "signed with a certificate, but the policy names no Rekor key "
				    "(rekorPublicKey) and no TSA (policy.d timestampAuthorities) "
				    "to prove when");
	if (*need && b->n_certs && b->n_tlog == 0 && b->n_tsa && p->tsa_pem)
		return brig_err_set(e, -EKEYREJECTED,
				    "no Rekor entry in the bundle, only an RFC 3161 timestamp: the "
				    "policy names Rekor keys and does not accept a certificate "
				    "timed by its TSA alone (policy.d timestampAuthorities: "
				    "keylessWithoutRekor)");
	return 0;
}

int trust_bundle_verify(const char *json, size_t len, const char *digest,
			const struct trust_bundle_policy *p, struct trust_bundle_result *out,
			struct brig_err *e)
{
	struct trust_bundle b;
	time_t when = 0;
	bool need_tlog = false;
	*out = (struct trust_bundle_result){ .key_index = -1 };
	int r = trust_bundle_parse(json, len, "bundle", &b, e);
	if (r < 0)
		return r;
	if (strcmp(b.payload_type, TRUST_MT_INTOTO) != 0)
		r = brig_err_set(e, -EKEYREJECTED,
				 "bundle: dsseEnvelope.payloadType: '%.100s', not in-toto",
				 b.payload_type);
	if (r == 0)
		r = tlog_needed(&b, p, &need_tlog, e);
	if (r == 0 && need_tlog)
		r = tlog_ok(&b, p, &when, &out->set_checked, e);
	if (r == 0 && p->tsa_pem)
		r = tsa_ok(&b, p, out, e);
	if (r == 0)
		r = b.n_certs ? by_cert(&b, p, when > 0 ? when : (time_t)out->tsa_time, out, e)
			      : by_key(&b, p, out, e);
	if (r == 0)
		r = trust_dsse_statement_check(b.payload, b.payload_len, digest, &out->subject_name,
					       e);
	if (r == 0)
		out->integrated_time = when;
	out->n_tlog = b.n_tlog;
	out->n_tsa = b.n_tsa;
	trust_bundle_clear(&b);
	return r;
}

int trust_bundle_key_load(const char *name, const void *pem, size_t len, EVP_PKEY **out,
			  struct brig_err *e)
{
	return pem ? trust_pubkey_parse(pem, len, name, out, e) : trust_pubkey_load(name, out, e);
}
