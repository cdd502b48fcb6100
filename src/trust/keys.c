/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cosign's encrypted private key: PEM "ENCRYPTED SIGSTORE PRIVATE KEY"
 * around
 *   {"kdf":{"name":"scrypt","params":{"N":32768,"r":8,"p":1},"salt":B64},
 *    "cipher":{"name":"nacl/secretbox","nonce":B64},"ciphertext":B64}
 * where the ciphertext is NaCl's secretbox (XSalsa20-Poly1305, the tag
 * first) of the key's PKCS#8 DER under scrypt(passphrase, salt).  scrypt
 * comes from OpenSSL (EVP_PKEY_SCRYPT), secretbox from libsodium (OpenSSL
 * has no XSalsa20).  See docs/trust-sigstore.md.
 */
#include "trust/sigstore-internal.h"

#include <string.h>

#include <openssl/err.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "trust/sodium-shim.h"

#define SCRYPT_N 32768
#define SCRYPT_R 8
#define SCRYPT_P 1
#define SALT_LEN 32
/* Bounds on what a key file may ask of us (memory is 128 * N * r bytes). */
#define SCRYPT_N_MAX (1 << 20)
#define SCRYPT_R_MAX 32
#define SCRYPT_P_MAX 16
#define SCRYPT_MAXMEM ((uint64_t)1 << 30)
#define DER_MAX 16384

char *trust_b64_encode(const void *data, size_t len)
{
	char *out = malloc(4 * ((len + 2) / 3) + 1);
	if (out)
		EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
}

int trust_b64_decode(const char *b64, size_t max, const char *what, unsigned char **out,
		     size_t *len, struct brig_err *e)
{
	size_t n = strlen(b64);
	if (n == 0 || n % 4 != 0 || n / 4 * 3 > max + 2 ||
	    strspn(b64, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != n)
		return brig_err_set(e, -EINVAL, "%s: not base64", what);
	const char *pad = strchr(b64, '=');
	if (pad && (pad < b64 + n - 2 || strspn(pad, "=") != (size_t)(b64 + n - pad)))
		return brig_err_set(e, -EINVAL, "%s: not base64", what);
	_cleanup_free_ unsigned char *buf = malloc(n / 4 * 3 + 1);
	if (!buf)
		return brig_err_oom(e);
	int got = EVP_DecodeBlock(buf, (const unsigned char *)b64, (int)n);
	if (got < 0)
		return brig_err_set(e, -EINVAL, "%s: not base64", what);
	size_t m = (size_t)got - (pad ? (size_t)(b64 + n - pad) : 0);
	if (m > max)
		return brig_err_set(e, -EFBIG, "%s: longer than %zu bytes", what, max);
	*out = brig_steal_ptr(buf);
	*len = m;
	return 0;
}

int trust_random(void *buf, size_t len, struct brig_err *e)
{
	if (RAND_bytes(buf, (int)len) != 1)
		return brig_err_set(e, -EIO, "no random bytes from OpenSSL");
	return 0;
}

static int scrypt_key(const char *pass, const unsigned char *salt, size_t salt_len, uint64_t n,
		      uint64_t r, uint64_t p, unsigned char key[crypto_secretbox_KEYBYTES],
		      struct brig_err *e)
{
	EVP_PKEY_CTX *x = EVP_PKEY_CTX_new_id(EVP_PKEY_SCRYPT, NULL);
	size_t klen = crypto_secretbox_KEYBYTES;
	int ok = x && EVP_PKEY_derive_init(x) > 0 &&
		EVP_PKEY_CTX_set1_pbe_pass(x, pass, (int)strlen(pass)) > 0 &&
		EVP_PKEY_CTX_set1_scrypt_salt(x, salt, (int)salt_len) > 0 &&
		EVP_PKEY_CTX_set_scrypt_N(x, n) > 0 && EVP_PKEY_CTX_set_scrypt_r(x, r) > 0 &&
		EVP_PKEY_CTX_set_scrypt_p(x, p) > 0 &&
		EVP_PKEY_CTX_set_scrypt_maxmem_bytes(x, SCRYPT_MAXMEM) > 0 &&
		EVP_PKEY_derive(x, key, &klen) > 0 && klen == crypto_secretbox_KEYBYTES;
	EVP_PKEY_CTX_free(x);
	if (!ok)
		return brig_err_set(e, -EIO, "scrypt failed (OpenSSL)");
	return 0;
}

static int sodium_ready(struct brig_err *e)
{
	return trust_sodium_load(e);
}

int trust_key_new(EVP_PKEY **out, struct brig_err *e)
{
	*out = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (!*out)
		return brig_err_set(e, -EIO, "cannot make an ECDSA P-256 key (OpenSSL)");
	return 0;
}

/* k's PKCS#8 DER (malloc'ed; wipe before freeing). */
static int pkcs8_der(EVP_PKEY *k, unsigned char **der, size_t *len, struct brig_err *e)
{
	PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(k);
	int n = p8 ? i2d_PKCS8_PRIV_KEY_INFO(p8, NULL) : -1;
	unsigned char *buf = n > 0 ? malloc((size_t)n) : NULL, *w = buf;
	if (buf && i2d_PKCS8_PRIV_KEY_INFO(p8, &w) != n) {
		free(buf);
		buf = NULL;
	}
	PKCS8_PRIV_KEY_INFO_free(p8);
	if (!buf)
		return brig_err_set(e, -EIO, "cannot encode the private key as PKCS #8");
	*der = buf;
	*len = (size_t)n;
	return 0;
}

static json_t *key_json(const unsigned char *salt, const unsigned char *nonce,
			const unsigned char *box, size_t box_len)
{
	_cleanup_free_ char *s = trust_b64_encode(salt, SALT_LEN);
	_cleanup_free_ char *n = trust_b64_encode(nonce, crypto_secretbox_NONCEBYTES);
	_cleanup_free_ char *c = trust_b64_encode(box, box_len);
	if (!s || !n || !c)
		return NULL;
	return json_pack("{s:{s:s,s:{s:i,s:i,s:i},s:s},s:{s:s,s:s},s:s}", "kdf", "name", "scrypt",
			 "params", "N", SCRYPT_N, "r", SCRYPT_R, "p", SCRYPT_P, "salt", s, "cipher",
			 "name", "nacl/secretbox", "nonce", n, "ciphertext", c);
}

static int pem_encode(const char *label, const void *data, size_t len, char **out,
		      struct brig_err *e)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL;
	long n = 0;
	if (b && PEM_write_bio(b, label, "", data, (long)len) > 0)
		n = BIO_get_mem_data(b, &p);
	*out = n > 0 ? brig_memdupz(p, (size_t)n) : NULL;
	BIO_free(b);
	return *out ? 0 : brig_err_set(e, -EIO, "cannot write PEM");
}

int trust_key_encrypt(EVP_PKEY *k, const char *pass, char **pem, struct brig_err *e)
{
	unsigned char salt[SALT_LEN], nonce[crypto_secretbox_NONCEBYTES];
	unsigned char key[crypto_secretbox_KEYBYTES];
	_cleanup_free_ unsigned char *der = NULL, *box = NULL;
	size_t der_len = 0;
	int r = sodium_ready(e);
	if (r == 0)
		r = trust_random(salt, sizeof(salt), e);
	if (r == 0)
		r = trust_random(nonce, sizeof(nonce), e);
	if (r == 0)
		r = pkcs8_der(k, &der, &der_len, e);
	if (r == 0)
		r = scrypt_key(pass, salt, sizeof(salt), SCRYPT_N, SCRYPT_R, SCRYPT_P, key, e);
	if (r == 0 && !(box = malloc(der_len + crypto_secretbox_MACBYTES)))
		r = brig_err_oom(e);
	if (r == 0 && crypto_secretbox_easy(box, der, der_len, nonce, key) != 0)
		r = brig_err_set(e, -EIO, "secretbox failed (libsodium)");
	OPENSSL_cleanse(key, sizeof(key));
	if (der)
		OPENSSL_cleanse(der, der_len);
	if (r < 0)
		return r;
	_cleanup_json_ json_t *j = key_json(salt, nonce, box, der_len + crypto_secretbox_MACBYTES);
	_cleanup_free_ char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	if (!text)
		return brig_err_oom(e);
	return pem_encode(TRUST_PEM_ENCRYPTED, text, strlen(text), pem, e);
}

struct sealed {
	int64_t n, r, p;
	unsigned char *salt, *nonce, *box;
	size_t salt_len, nonce_len, box_len;
};

static void sealed_clear(struct sealed *s)
{
	free(s->salt);
	free(s->nonce);
	free(s->box);
}

static int read_kdf(json_t *doc, const struct bj_loc *root, struct sealed *s, struct brig_err *e)
{
	static const char *const kdf_keys[] = { "name", "params", "salt", NULL };
	static const char *const par_keys[] = { "N", "r", "p", NULL };
	json_t *kdf = NULL, *par = NULL;
	const char *name = NULL, *salt = NULL;
	struct bj_loc at, pat;
	bj_key(&at, root, "kdf");
	bj_key(&pat, &at, "params");
	int r = bj_get_obj(doc, root, "kdf", true, &kdf, e);
	if (r == 0)
		r = bj_only_keys(kdf, &at, kdf_keys, e);
	if (r == 0)
		r = bj_get_str(kdf, &at, "name", true, &name, e);
	if (r == 0 && strcmp(name, "scrypt") != 0)
		r = bj_fail(e, &at, "name: '%.40s' is not scrypt", name);
	if (r == 0)
		r = bj_get_obj(kdf, &at, "params", true, &par, e);
	if (r == 0)
		r = bj_only_keys(par, &pat, par_keys, e);
	if (r == 0)
		r = bj_get_int(par, &pat, "N", true, 2, SCRYPT_N_MAX, &s->n, e);
	if (r == 0 && (s->n & (s->n - 1)) != 0)
		r = bj_fail(e, &pat, "N: %lld is not a power of two", (long long)s->n);
	if (r == 0)
		r = bj_get_int(par, &pat, "r", true, 1, SCRYPT_R_MAX, &s->r, e);
	if (r == 0)
		r = bj_get_int(par, &pat, "p", true, 1, SCRYPT_P_MAX, &s->p, e);
	if (r == 0)
		r = bj_get_str(kdf, &at, "salt", true, &salt, e);
	if (r == 0)
		r = trust_b64_decode(salt, 1024, "kdf.salt", &s->salt, &s->salt_len, e);
	return r;
}

static int read_cipher(json_t *doc, const struct bj_loc *root, struct sealed *s, struct brig_err *e)
{
	static const char *const keys[] = { "name", "nonce", NULL };
	json_t *c = NULL;
	const char *name = NULL, *nonce = NULL, *text = NULL;
	struct bj_loc at;
	bj_key(&at, root, "cipher");
	int r = bj_get_obj(doc, root, "cipher", true, &c, e);
	if (r == 0)
		r = bj_only_keys(c, &at, keys, e);
	if (r == 0)
		r = bj_get_str(c, &at, "name", true, &name, e);
	if (r == 0 && strcmp(name, "nacl/secretbox") != 0)
		r = bj_fail(e, &at, "name: '%.40s' is not nacl/secretbox", name);
	if (r == 0)
		r = bj_get_str(c, &at, "nonce", true, &nonce, e);
	if (r == 0)
		r = trust_b64_decode(nonce, 64, "cipher.nonce", &s->nonce, &s->nonce_len, e);
	if (r == 0 && s->nonce_len != crypto_secretbox_NONCEBYTES)
		r = bj_fail(e, &at, "nonce: %zu bytes, not %d", s->nonce_len,
			    crypto_secretbox_NONCEBYTES);
	if (r == 0)
		r = bj_get_str(doc, root, "ciphertext", true, &text, e);
	if (r == 0)
		r = trust_b64_decode(text, DER_MAX, "ciphertext", &s->box, &s->box_len, e);
	if (r == 0 && s->box_len <= crypto_secretbox_MACBYTES)
		r = bj_fail(e, root, "ciphertext: too short");
	return r;
}

/* The JSON inside the PEM (either label). */
static int pem_json(const char *pem, size_t len, const char *name, json_t **doc, struct brig_err *e)
{
	BIO *b = BIO_new_mem_buf(pem, (int)len);
	char *label = NULL, *header = NULL;
	unsigned char *data = NULL;
	long n = 0;
	int ok = b && len <= TRUST_KEY_FILE_MAX && PEM_read_bio(b, &label, &header, &data, &n) > 0;
	BIO_free(b);
	ERR_clear_error();
	int r = 0;
	if (!ok)
		r = brig_err_set(e, -EINVAL, "%s: no PEM block", name);
	else if (strcmp(label, TRUST_PEM_ENCRYPTED) != 0 &&
		 strcmp(label, TRUST_PEM_ENCRYPTED_OLD) != 0)
		r = brig_err_set(e, -EINVAL, "%s: a PEM '%.60s', not an %s", name, label,
				 TRUST_PEM_ENCRYPTED);
	else
		r = bj_parse((const char *)data, (size_t)n, name, doc, e);
	OPENSSL_free(label);
	OPENSSL_free(header);
	OPENSSL_free(data);
	return r;
}

static int open_box(const struct sealed *s, const char *pass, const char *name, EVP_PKEY **out,
		    struct brig_err *e)
{
	unsigned char key[crypto_secretbox_KEYBYTES];
	size_t n = s->box_len - crypto_secretbox_MACBYTES;
	_cleanup_free_ unsigned char *der = malloc(n);
	if (!der)
		return brig_err_oom(e);
	int r = scrypt_key(pass, s->salt, s->salt_len, (uint64_t)s->n, (uint64_t)s->r,
			   (uint64_t)s->p, key, e);
	if (r == 0 && crypto_secretbox_open_easy(der, s->box, s->box_len, s->nonce, key) != 0)
		r = brig_err_set(e, -EKEYREJECTED, "%s: wrong passphrase (or a damaged key)", name);
	OPENSSL_cleanse(key, sizeof(key));
	if (r == 0) {
		const unsigned char *p = der;
		PKCS8_PRIV_KEY_INFO *p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)n);
		*out = p8 && p == der + n ? EVP_PKCS82PKEY(p8) : NULL;
		PKCS8_PRIV_KEY_INFO_free(p8);
		ERR_clear_error();
		if (!*out)
			r = brig_err_set(e, -EINVAL, "%s: the decrypted key is no PKCS #8 key",
					 name);
	}
	OPENSSL_cleanse(der, n);
	return r;
}

int trust_key_decrypt(const char *pem, size_t len, const char *pass, const char *name,
		      EVP_PKEY **out, struct brig_err *e)
{
	static const char *const keys[] = { "kdf", "cipher", "ciphertext", NULL };
	_cleanup_json_ json_t *doc = NULL;
	struct sealed s = { 0 };
	struct bj_loc root;
	bj_root(&root, name);
	*out = NULL;
	int r = sodium_ready(e);
	if (r == 0)
		r = pem_json(pem, len, name, &doc, e);
	if (r == 0)
		r = bj_expect(doc, &root, JSON_OBJECT, e);
	if (r == 0)
		r = bj_only_keys(doc, &root, keys, e);
	if (r == 0)
		r = read_kdf(doc, &root, &s, e);
	if (r == 0)
		r = read_cipher(doc, &root, &s, e);
	if (r == 0)
		r = open_box(&s, pass, name, out, e);
	sealed_clear(&s);
	return r;
}
