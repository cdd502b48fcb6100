/* SPDX-License-Identifier: Apache-2.0 */
/* trust: TUF signatures (ecdsa raw r||s, eddsa, rsapss) and role thresholds. */
#include "trust/tuf.h"

#include <errno.h>
#include <openssl/ecdsa.h>
#include <openssl/rsa.h>
#include <stdlib.h>
#include <string.h>

#define TUF_MAX_SIG 1024
#define TUF_MAX_SIGS 16

/* Notary's ECDSA signatures are r||s, each half the signature; OpenSSL
 * verifies DER, so the pair is re-encoded. */
static int ecdsa_der(const unsigned char *sig, size_t n, unsigned char **der, int *dlen)
{
	if (n == 0 || n % 2 || n > 2 * 66)
		return -EINVAL;
	ECDSA_SIG *s = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, (int)(n / 2), NULL),
	       *ss = BN_bin2bn(sig + n / 2, (int)(n / 2), NULL);
	if (!s || !r || !ss || !ECDSA_SIG_set0(s, r, ss)) {
		ECDSA_SIG_free(s);
		BN_free(r);
		BN_free(ss);
		return -ENOMEM;
	}
	*der = NULL;
	*dlen = i2d_ECDSA_SIG(s, der);
	ECDSA_SIG_free(s);
	return *dlen > 0 ? 0 : -ENOMEM;
}

int tuf_sig_check(const struct tuf_key *k, const char *method, const unsigned char *sig,
		  size_t siglen, const char *msg, size_t msglen)
{
	int id = EVP_PKEY_base_id(k->pk), ok = 0;
	const EVP_MD *md = EVP_sha256();
	_cleanup_free_ unsigned char *der = NULL;
	int dlen = (int)siglen;
	const unsigned char *s = sig;
	if (!strcmp(method, "ecdsa") && id == EVP_PKEY_EC) {
		if (ecdsa_der(sig, siglen, &der, &dlen) < 0)
			return 0;
		s = der;
	} else if (!strcmp(method, "eddsa") && id == EVP_PKEY_ED25519) {
		md = NULL;
	} else if (!(!strcmp(method, "rsapss") && id == EVP_PKEY_RSA)) {
		return 0; /* an unknown method or one the key cannot make counts for nothing */
	}
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	if (ctx && EVP_DigestVerifyInit(ctx, &pctx, md, NULL, k->pk) == 1) {
		if (id == EVP_PKEY_RSA &&
		    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
		     EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO) != 1))
			ok = 0;
		else
			ok = EVP_DigestVerify(ctx, s, (size_t)dlen, (const unsigned char *)msg,
					      msglen) == 1;
	}
	EVP_MD_CTX_free(ctx);
	return ok;
}

static bool role_names(const struct tuf_role *role, const char *id)
{
	for (char **k = role->keyids; k && *k; k++)
		if (!strcmp(*k, id))
			return true;
	return false;
}

struct sig_tally {
	const char *seen[TUF_MAX_SIGS];
	size_t good;
	char why[160]; /* the first reason a signature did not count */
};

static int one_sig(const json_t *sv, const struct bj_loc *at, const struct tuf_keyset *ks,
		   const struct tuf_role *role, const char *msg, size_t mlen, struct sig_tally *t,
		   size_t idx, struct brig_err *e)
{
	static const char *const keys[] = { "keyid", "method", "sig", NULL };
	const char *id = NULL, *method = NULL, *b64 = NULL;
	int r = bj_only_keys(sv, at, keys, e);
	if (r == 0)
		r = bj_get_str(sv, at, "keyid", true, &id, e);
	if (r == 0)
		r = bj_get_str(sv, at, "method", true, &method, e);
	if (r == 0)
		r = bj_get_str(sv, at, "sig", true, &b64, e);
	if (r < 0)
		return r;
	for (size_t i = 0; i < idx; i++)
		if (t->seen[i] && !strcmp(t->seen[i], id))
			return 0; /* a key counts once */
	t->seen[idx] = id;
	const struct tuf_key *k = role_names(role, id) ? tuf_keyset_find(ks, id) : NULL;
	unsigned char sig[TUF_MAX_SIG];
	size_t slen = 0;
	if (!k) {
		if (!t->why[0])
			snprintf(t->why, sizeof(t->why),
				 "signature by key %.12s, which is not a %s key", id, role->name);
		return 0;
	}
	if (tuf_b64_decode(b64, sig, sizeof(sig), &slen) < 0 ||
	    !tuf_sig_check(k, method, sig, slen, msg, mlen)) {
		if (!t->why[0])
			snprintf(t->why, sizeof(t->why),
				 "signature by %s key %.12s does not verify", role->name, id);
		return 0;
	}
	t->good++;
	return 0;
}

int tuf_check_sigs(const struct tuf_doc *doc, const struct tuf_keyset *ks,
		   const struct tuf_role *role, struct brig_err *e)
{
	struct bj_loc root, at;
	bj_root(&root, doc->file);
	json_t *sigs = NULL;
	int r = bj_get_arr(doc->json, &root, "signatures", true, &sigs, e);
	if (r < 0)
		return r;
	bj_key(&at, &root, "signatures");
	if (json_array_size(sigs) > TUF_MAX_SIGS)
		return bj_fail(e, &at, "more than %d signatures", TUF_MAX_SIGS);
	_cleanup_free_ char *msg = NULL;
	size_t mlen = 0;
	r = tuf_canonical(doc->sig, &msg, &mlen, e);
	if (r < 0)
		return brig_err_wrap(e, "%s: signed", doc->file);
	struct sig_tally t = { 0 };
	for (size_t i = 0; i < json_array_size(sigs); i++) {
		struct bj_loc sl;
		bj_idx(&sl, &at, i);
		r = one_sig(json_array_get(sigs, i), &sl, ks, role, msg, mlen, &t, i, e);
		if (r < 0)
			return r;
	}
	if (role->threshold < 1 || t.good < (size_t)role->threshold)
		return brig_err_set(e, -EKEYREJECTED,
				    "%s: %zu of the %lld required signatures by %s keys verify%s%s "
				    "(%s)",
				    doc->file, t.good, (long long)role->threshold, role->name,
				    t.why[0] ? ": " : "", t.why,
				    strstr(t.why, "which is not a") ? "wrong key"
								    : "threshold not met");
	return 0;
}
