/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Rekor v2 (rekor-tiles) entries: kind "dsse" 0.0.2.  Their body is the
 * JSON of the log's protobuf Entry,
 *   {kind, apiVersion, spec: {dsseV002: {payloadHash: {algorithm:
 *    SHA2_256, digest: BASE64}, signatures: [{content: BASE64(sig),
 *    verifier: {publicKey: {rawBytes} | x509Certificate: {rawBytes},
 *    keyDetails}}]}}}
 * and they carry no signed entry timestamp: the inclusion proof and its
 * checkpoint, a signed note (c2sp.org/signed-note) by the log's key, are
 * their only proof.  The note's key ID and the entry's log ID come from
 * the key (as rekor-tiles computes them):
 *   - Ed25519: SHA-256(name || 0x0A || 0x01 || the 32-byte key);
 *   - ECDSA: SHA-256(the key's DER SubjectPublicKeyInfo), the signature
 *     type 0x02 convention (its ID does not hash the name);
 *   - RSA: SHA-256(name || 0x0A || 0xff || "PKIX-RSA-PKCS#1v1.5" || DER);
 * the log ID is the whole hash, a signature line's key ID its first four
 * bytes.
 */
#include "trust/bundle.h"
#include "trust/sigstore-internal.h"

#include <string.h>

#include <openssl/err.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#define VERIFIER_MAX ((size_t)16 << 10)

bool trust_rekor_is_v2(const struct trust_tlog_entry *t)
{
	return strcmp(t->version, "0.0.2") == 0 &&
		(strcmp(t->kind, "dsse") == 0 || strcmp(t->kind, "hashedrekord") == 0);
}

int trust_rekor2_key_id(EVP_PKEY *k, const char *name, size_t name_len, unsigned char id[32],
			struct brig_err *e)
{
	static const char rsa_id[] = "\xff"
				     "PKIX-RSA-PKCS#1v1.5";
	unsigned char raw[32], *der = NULL;
	size_t rl = sizeof(raw);
	int dl = 0, r = 0;
	bool ok = false;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	if (!c)
		return brig_err_oom(e);
	bool ed = EVP_PKEY_get_base_id(k) == EVP_PKEY_ED25519;
	bool ec = EVP_PKEY_get_base_id(k) == EVP_PKEY_EC;
	if (ed ? EVP_PKEY_get_raw_public_key(k, raw, &rl) != 1 || rl != 32
	       : (dl = i2d_PUBKEY(k, &der)) <= 0)
		r = brig_err_set(e, -EINVAL, "the Rekor key cannot be encoded");
	if (r == 0) {
		ok = EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1;
		if (ok && !ec)
			ok = EVP_DigestUpdate(c, name, name_len) == 1 &&
				EVP_DigestUpdate(c, "\n", 1) == 1 &&
				(ed ? EVP_DigestUpdate(c, "\x01", 1)
				    : EVP_DigestUpdate(c, rsa_id, sizeof(rsa_id) - 1)) == 1;
		ok = ok &&
			(ed ? EVP_DigestUpdate(c, raw, 32) : EVP_DigestUpdate(c, der, dl)) == 1 &&
			EVP_DigestFinal_ex(c, id, NULL) == 1;
		if (!ok)
			r = brig_err_set(e, -EIO, "hashing the Rekor key failed");
	}
	OPENSSL_free(der);
	EVP_MD_CTX_free(c);
	return r;
}

/* A bytes member (base64) of at most max bytes, or NULL. */
static unsigned char *b64_member(json_t *o, const char *key, size_t max, size_t *len,
				 struct brig_err *e)
{
	json_t *v = json_object_get(o, key);
	unsigned char *out = NULL;
	if (!json_is_string(v) ||
	    trust_b64_decode(json_string_value(v), max, key, &out, len, e) < 0) {
		brig_err_clear(e);
		return NULL;
	}
	return out;
}

/* The verifier's key: a DER certificate's (which, in a certificate
 * bundle, must be its leaf) or a DER SubjectPublicKeyInfo (sigstore-js
 * records a key-based signer's SPKI as x509Certificate too). */
static int verifier_key(json_t *v, const struct trust_bundle *b, EVP_PKEY **out, struct brig_err *e)
{
	json_t *pk = json_object_get(v, "publicKey"), *xc = json_object_get(v, "x509Certificate");
	size_t n = 0;
	_cleanup_free_ unsigned char *der = b64_member(pk ? pk : xc, "rawBytes", VERIFIER_MAX, &n,
						       e);
	if (!der || !!pk == !!xc)
		return trust_rekor_body_refuse(e, "lacks its signature's verifier");
	const unsigned char *p = der;
	X509 *x = xc ? d2i_X509(NULL, &p, (long)n) : NULL;
	if (x && b->n_certs && (n != b->cert_len[0] || memcmp(der, b->certs[0], n) != 0)) {
		X509_free(x);
		return trust_rekor_body_refuse(e, "records another certificate");
	}
	p = der;
	*out = x ? X509_get_pubkey(x) : d2i_PUBKEY(NULL, &p, (long)n);
	X509_free(x);
	ERR_clear_error();
	return *out ? 0 : trust_rekor_body_refuse(e, "holds a verifier that is no key");
}

/* The one signature: the envelope's bytes, by a key that verifies it. */
static int sig_ok(json_t *sigs, const struct trust_bundle *b, struct brig_err *e)
{
	if (!json_is_array(sigs) || json_array_size(sigs) != 1)
		return trust_rekor_body_refuse(e, "does not hold exactly one signature");
	json_t *s = json_array_get(sigs, 0);
	size_t n = 0, pl = 0;
	_cleanup_free_ unsigned char *sig = b64_member(s, "content", 1024, &n, e);
	if (!sig)
		return trust_rekor_body_refuse(e, "holds a malformed signature");
	if (n != b->sig_len || memcmp(sig, b->sig, n) != 0)
		return trust_rekor_body_refuse(e, "records another signature");
	_cleanup_pkey_ EVP_PKEY *k = NULL;
	_cleanup_free_ unsigned char *pae = NULL;
	int r = verifier_key(json_object_get(s, "verifier"), b, &k, e);
	if (r == 0)
		r = trust_dsse_pae(b->payload_type, b->payload, b->payload_len, &pae, &pl, e);
	if (r == 0 && trust_verify(k, pae, pl, b->sig_b64, e) < 0) {
		brig_err_clear(e);
		r = trust_rekor_body_refuse(e,
					    "records another verifier (its key does not "
					    "verify the envelope's signature)");
	}
	return r;
}

int trust_rekor2_check_body(struct json_t *spec, const struct trust_bundle *b, struct brig_err *e)
{
	json_t *d = json_object_get(spec, "dsseV002");
	if (!json_is_object(d))
		return trust_rekor_body_refuse(e, "lacks spec.dsseV002");
	json_t *ph = json_object_get(d, "payloadHash");
	json_t *alg = json_object_get(ph, "algorithm");
	unsigned char want[32];
	size_t n = 0;
	_cleanup_free_ unsigned char *got = b64_member(ph, "digest", 64, &n, e);
	SHA256(b->payload, b->payload_len, want);
	int r = sig_ok(json_object_get(d, "signatures"), b, e);
	if (r == 0 &&
	    (!json_is_string(alg) || strcmp(json_string_value(alg), "SHA2_256") != 0 || !got ||
	     n != 32 || memcmp(got, want, 32) != 0))
		r = trust_rekor_body_refuse(e, "records another payload (payloadHash)");
	return r;
}
