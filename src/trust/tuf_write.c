/* SPDX-License-Identifier: Apache-2.0 */
/* trust: writing TUF in Notary's dialect: public keys, the root certificate, signed envelopes. */
#include "trust/notary_sign.h"
#include "trust/sigstore-internal.h"
#include "trust/tuf.h"

#include <errno.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#define CERT_YEARS 10

int tuf_pub_b64(EVP_PKEY *k, char **b64, struct brig_err *e)
{
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(k, &der);
	if (n <= 0)
		return brig_err_set(e, -EINVAL, "the public key does not encode");
	*b64 = trust_b64_encode(der, (size_t)n);
	OPENSSL_free(der);
	return *b64 ? 0 : brig_err_oom(e);
}

static int add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	X509_EXTENSION *ex = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	int ok = ex && X509_add_ext(x, ex, -1);
	X509_EXTENSION_free(ex);
	return ok ? 0 : -EINVAL;
}

static int cert_fill(X509 *x, EVP_PKEY *k, const char *gun, time_t now)
{
	unsigned char serial[16];
	BIGNUM *bn = NULL;
	X509_NAME *name = X509_get_subject_name(x);
	int ok = RAND_bytes(serial, sizeof(serial)) == 1 &&
		(bn = BN_bin2bn(serial, sizeof(serial), NULL)) &&
		BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) && X509_set_version(x, 2) &&
		X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, &now) &&
		X509_time_adj_ex(X509_getm_notAfter(x), CERT_YEARS * 365 + CERT_YEARS / 4, 0,
				 &now) &&
		X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)gun,
					   -1, -1, 0) &&
		X509_set_issuer_name(x, name) && X509_set_pubkey(x, k);
	BN_free(bn);
	if (!ok || add_ext(x, NID_basic_constraints, "critical,CA:FALSE") < 0 ||
	    add_ext(x, NID_key_usage, "critical,digitalSignature,keyEncipherment") < 0 ||
	    add_ext(x, NID_ext_key_usage, "codeSigning") < 0)
		return -EINVAL;
	return X509_sign(x, k, EVP_sha256()) > 0 ? 0 : -EINVAL;
}

int tuf_root_cert_b64(EVP_PKEY *k, const char *gun, time_t now, char **b64, struct brig_err *e)
{
	X509 *x = X509_new();
	BIO *b = BIO_new(BIO_s_mem());
	char *pem = NULL;
	long n = 0;
	int r = x && b ? cert_fill(x, k, gun, now) : -ENOMEM;
	if (r == 0 && (!PEM_write_bio_X509(b, x) || (n = BIO_get_mem_data(b, &pem)) <= 0))
		r = -EINVAL;
	if (r == 0 && !(*b64 = trust_b64_encode(pem, (size_t)n)))
		r = -ENOMEM;
	X509_free(x);
	BIO_free(b);
	if (r == -ENOMEM)
		return brig_err_oom(e);
	return r < 0 ? brig_err_set(e, r, "the root certificate for %s could not be made", gun) : 0;
}

/* ECDSA P-256 over SHA-256 of msg, as raw r||s (32 bytes each). */
static int sign_raw(EVP_PKEY *k, const char *msg, size_t len, unsigned char out[64])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char der[80];
	size_t dlen = sizeof(der);
	int ok = md && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k) == 1 &&
		EVP_DigestSign(md, der, &dlen, (const unsigned char *)msg, len) == 1;
	EVP_MD_CTX_free(md);
	const unsigned char *p = der;
	ECDSA_SIG *s = ok ? d2i_ECDSA_SIG(NULL, &p, (long)dlen) : NULL;
	if (!s)
		return -EINVAL;
	ok = BN_bn2binpad(ECDSA_SIG_get0_r(s), out, 32) == 32 &&
		BN_bn2binpad(ECDSA_SIG_get0_s(s), out + 32, 32) == 32;
	ECDSA_SIG_free(s);
	return ok ? 0 : -EINVAL;
}

/* One "ecdsa" signature of body by k into sigs. */
static int sign_one(json_t *sigs, EVP_PKEY *k, const char *id, const char *body, size_t blen,
		    struct brig_err *e)
{
	unsigned char raw[64];
	if (EVP_PKEY_get_base_id(k) != EVP_PKEY_EC || sign_raw(k, body, blen, raw) < 0)
		return brig_err_set(e, -EINVAL, "signing with key %.12s failed", id);
	_cleanup_free_ char *b64 = trust_b64_encode(raw, sizeof(raw));
	if (!b64 ||
	    json_array_append_new(
		    sigs, json_pack("{s:s,s:s,s:s}", "keyid", id, "method", "ecdsa", "sig", b64)))
		return brig_err_oom(e);
	return 0;
}

int tuf_envelope_n(const json_t *sgn, EVP_PKEY *const *ks, const char *const *ids, size_t n,
		   char **out, size_t *len, struct brig_err *e)
{
	_cleanup_free_ char *body = NULL, *sigs = NULL;
	_cleanup_json_ json_t *s = json_array();
	size_t blen = 0, slen = 0;
	int r = s ? tuf_canonical(sgn, &body, &blen, e) : brig_err_oom(e);
	for (size_t i = 0; r == 0 && i < n; i++)
		r = sign_one(s, ks[i], ids[i], body, blen, e);
	if (r == 0)
		r = tuf_canonical(s, &sigs, &slen, e);
	if (r < 0)
		return r;
	if (asprintf(out, "{\"signed\":%s,\"signatures\":%s}", body, sigs) < 0)
		return brig_err_oom(e);
	*len = strlen(*out);
	return 0;
}

int tuf_envelope(const json_t *sgn, EVP_PKEY *k, const char *id, char **out, size_t *len,
		 struct brig_err *e)
{
	return tuf_envelope_n(sgn, &k, &id, 1, out, len, e);
}

void tuf_expiry(time_t now, int years, char buf[32])
{
	struct tm tm;
	gmtime_r(&now, &tm);
	tm.tm_year += years;
	if (tm.tm_mon == 1 && tm.tm_mday == 29)
		tm.tm_mday = 28;
	time_t t = timegm(&tm);
	tuf_format_time(t, buf);
}
