/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Public keys as cosign writes them: PEM "PUBLIC KEY" around the
 * SubjectPublicKeyInfo DER.  Accepted: ECDSA on P-256, P-384 and P-521,
 * RSA of at least 2048 bits, Ed25519.
 */
#include "trust/sigstore-internal.h"

#include <fcntl.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

int trust_pubkey_pem(EVP_PKEY *k, char **pem, struct brig_err *e)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL;
	long n = 0;
	if (b && PEM_write_bio_PUBKEY(b, k) > 0)
		n = BIO_get_mem_data(b, &p);
	*pem = n > 0 ? brig_memdupz(p, (size_t)n) : NULL;
	BIO_free(b);
	return *pem ? 0 : brig_err_set(e, -EIO, "cannot write the public key");
}

const char *trust_key_kind(EVP_PKEY *k)
{
	char curve[64];
	size_t len = 0;
	int bits = 0;
	switch (EVP_PKEY_get_base_id(k)) {
	case EVP_PKEY_EC:
		if (!EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, curve,
						    sizeof(curve), &len))
			return "ECDSA-?";
		return !strcmp(curve, "prime256v1")   ? "ECDSA-P256"
			: !strcmp(curve, "secp384r1") ? "ECDSA-P384"
			: !strcmp(curve, "secp521r1") ? "ECDSA-P521"
						      : "ECDSA-?";
	case EVP_PKEY_RSA:
		bits = EVP_PKEY_get_bits(k);
		return bits == 2048    ? "RSA-2048"
			: bits == 3072 ? "RSA-3072"
			: bits == 4096 ? "RSA-4096"
				       : "RSA";
	case EVP_PKEY_ED25519:
		return "Ed25519";
	default:
		return "?";
	}
}

/* A kind of key signatures may be checked with. */
static bool key_usable(EVP_PKEY *k)
{
	const char *kind = trust_key_kind(k);
	if (EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA)
		return EVP_PKEY_get_bits(k) >= 2048;
	return strcmp(kind, "?") != 0 && strcmp(kind, "ECDSA-?") != 0;
}

/* One DER element at *p (of the n bytes left) with the given tag: its
 * content in *c, *clen; *p, *n past it. */
static bool der_next(const unsigned char **p, long *n, int tag, const unsigned char **c, long *clen)
{
	const unsigned char *q = *p;
	int t = 0, cls = 0;
	int r = ASN1_get_object(&q, clen, &t, &cls, *n);
	if ((r & 0x80) || r != (tag == V_ASN1_SEQUENCE ? V_ASN1_CONSTRUCTED : 0) ||
	    cls != V_ASN1_UNIVERSAL || t != tag || *clen > *n - (q - *p))
		return false;
	*c = q;
	*n -= (q - *p) + *clen;
	*p = q + *clen;
	return true;
}

static int der_oid(const unsigned char **p, long *n)
{
	const unsigned char *c, *start = *p;
	long clen;
	if (!der_next(p, n, V_ASN1_OBJECT, &c, &clen))
		return NID_undef;
	ASN1_OBJECT *o = d2i_ASN1_OBJECT(NULL, &start, *p - start);
	int nid = o ? OBJ_obj2nid(o) : NID_undef;
	ASN1_OBJECT_free(o);
	return nid;
}

/* The SubjectPublicKeyInfo of an ECDSA (named curve) or Ed25519 key made
 * into a key directly: OpenSSL's generic decoder (PEM_read_bio_PUBKEY)
 * costs about ten times as much, most of run's content trust check.
 * NULL for anything else, which the generic decoder then reads. */
static EVP_PKEY *spki_fast(const unsigned char *der, long n)
{
	const unsigned char *spki, *alg, *bits;
	long slen, alen, blen;
	if (!der_next(&der, &n, V_ASN1_SEQUENCE, &spki, &slen) || n != 0 ||
	    !der_next(&spki, &slen, V_ASN1_SEQUENCE, &alg, &alen))
		return NULL;
	int kind = der_oid(&alg, &alen);
	int curve = kind == NID_X9_62_id_ecPublicKey ? der_oid(&alg, &alen) : NID_undef;
	if (alen != 0 || !der_next(&spki, &slen, V_ASN1_BIT_STRING, &bits, &blen) || slen != 0 ||
	    blen < 2 || bits[0] != 0)
		return NULL;
	if (kind == NID_ED25519)
		return blen == 33
			? EVP_PKEY_new_raw_public_key_ex(NULL, "ED25519", NULL, bits + 1, 32)
			: NULL;
	if (curve != NID_X9_62_prime256v1 && curve != NID_secp384r1 && curve != NID_secp521r1)
		return NULL;
	EVP_PKEY *k = NULL;
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	OSSL_PARAM ps[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
						 (char *)OBJ_nid2sn(curve), 0),
		OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)(bits + 1),
						  (size_t)blen - 1),
		OSSL_PARAM_construct_end(),
	};
	/* the point is checked to be on the curve (EC_POINT_oct2point) */
	if (!c || EVP_PKEY_fromdata_init(c) <= 0 ||
	    EVP_PKEY_fromdata(c, &k, EVP_PKEY_PUBLIC_KEY, ps) <= 0)
		k = NULL;
	EVP_PKEY_CTX_free(c);
	return k;
}

/* The first PEM block, when it is a "PUBLIC KEY" without headers, read
 * by spki_fast; else NULL. */
static EVP_PKEY *pem_fast(const char *pem, size_t len)
{
	BIO *b = BIO_new_mem_buf(pem, (int)len);
	char *name = NULL, *hdr = NULL;
	unsigned char *der = NULL;
	long n = 0;
	EVP_PKEY *k = NULL;
	if (b && PEM_read_bio(b, &name, &hdr, &der, &n) > 0 && strcmp(name, "PUBLIC KEY") == 0 &&
	    !hdr[0])
		k = spki_fast(der, n);
	OPENSSL_free(name);
	OPENSSL_free(hdr);
	OPENSSL_free(der);
	BIO_free(b);
	return k;
}

int trust_pubkey_parse(const char *pem, size_t len, const char *name, EVP_PKEY **out,
		       struct brig_err *e)
{
	*out = len <= TRUST_KEY_FILE_MAX ? pem_fast(pem, len) : NULL;
	if (!*out && len <= TRUST_KEY_FILE_MAX) {
		BIO *b = BIO_new_mem_buf(pem, (int)len);
		*out = b ? PEM_read_bio_PUBKEY(b, NULL, NULL, NULL) : NULL;
		BIO_free(b);
	}
	ERR_clear_error();
	if (!*out)
		return brig_err_set(e, -EINVAL, "%s: no PEM \"PUBLIC KEY\"", name);
	if (!key_usable(*out)) {
		int r = brig_err_set(e, -EINVAL,
				     "%s: a %s key; expected ECDSA (P-256, P-384, P-521), "
				     "RSA of 2048 bits or more, or Ed25519",
				     name, trust_key_kind(*out));
		EVP_PKEY_free(brig_steal_ptr(*out));
		return r;
	}
	return 0;
}

int trust_pubkey_load(const char *path, EVP_PKEY **out, struct brig_err *e)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r = brig_read_file(AT_FDCWD, path, TRUST_KEY_FILE_MAX, &buf, &len, e);
	if (r == 0)
		r = trust_pubkey_parse(buf, len, path, out, e);
	return r;
}

int trust_key_fingerprint(EVP_PKEY *k, char hex[BRIG_SHA256_HEX], struct brig_err *e)
{
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(k, &der);
	int r = n > 0 ? brig_sha256_buf(der, (size_t)n, hex) : -EIO;
	OPENSSL_free(der);
	return r < 0 ? brig_err_set(e, -EIO, "cannot encode the public key") : 0;
}
