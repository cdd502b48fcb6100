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

int trust_pubkey_parse(const char *pem, size_t len, const char *name, EVP_PKEY **out,
		       struct brig_err *e)
{
	BIO *b = len <= TRUST_KEY_FILE_MAX ? BIO_new_mem_buf(pem, (int)len) : NULL;
	*out = b ? PEM_read_bio_PUBKEY(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
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
