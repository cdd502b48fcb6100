/* SPDX-License-Identifier: Apache-2.0 */
/* trust/sigstore: base64, payloads, encrypted keys, signatures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <openssl/x509.h>

#include "trust/sigstore-internal.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"

static void test_b64(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	unsigned char *out = NULL;
	size_t n = 0;
	assert_int_equal(trust_b64_decode("aGk=", 16, "x", &out, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_memory_equal(out, "hi", 2);
	free(out);
	static const char *const bad[] = { "",         "aGk",  "a=Gk",  "aG=k",
					   "aGk=====", "aG k", "aGk\n", "aG-_" };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(bad); i++) {
		assert_int_equal(trust_b64_decode(bad[i], 16, "x", &out, &n, &e), -EINVAL);
		assert_string_equal(brig_err_str(&e), "x: not base64");
	}
	assert_int_equal(trust_b64_decode("aGVsbG8=", 4, "x", &out, &n, &e), -EFBIG);
	char *enc = trust_b64_encode("hello", 5);
	assert_string_equal(enc, "aGVsbG8=");
	free(enc);
	brig_err_clear(&e);
}

static int parse(const char *text, struct brig_err *e)
{
	struct trust_payload p = { 0 };
	int r = trust_payload_parse(text, strlen(text), &p, e);
	trust_payload_clear(&p);
	return r;
}

#define CRIT(extra)                                                                       \
	"{\"critical\":{\"identity\":{\"docker-reference\":\"h/r\"},\"image\":{\"docker-" \
	"manifest-digest\":\"" D1 "\"},\"type\":\"cosign container image signature\"" extra "}"

static void test_payload(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	char *text = NULL;
	size_t len = 0;
	struct trust_payload p = { 0 };
	assert_int_equal(trust_payload_make("h/r", D1, &text, &len, &e), 0);
	assert_string_equal(text, CRIT("") ",\"optional\":null}");
	assert_int_equal(trust_payload_parse(text, len, &p, &e), 0);
	assert_string_equal(p.docker_reference, "h/r");
	assert_string_equal(p.digest, D1);
	trust_payload_clear(&p);
	free(text);
	assert_int_equal(parse(CRIT("") "}", &e), 0); /* no optional */
	assert_int_equal(parse(CRIT("") ",\"optional\":{\"a\":1}}", &e), 0);
	assert_int_equal(parse(CRIT("") ",\"optional\":[]}", &e), -EINVAL);
	assert_int_equal(parse(CRIT(",\"x\":1") "}", &e), -EINVAL);
	assert_int_equal(parse(CRIT("") ",\"other\":1}", &e), -EINVAL);
	assert_int_equal(parse(CRIT(",\"type\":\"again\"") "}", &e), -EINVAL); /* duplicate */
	assert_int_equal(parse("[]", &e), -EINVAL);
	assert_int_equal(parse("{\"critical\":{}}", &e), -EINVAL);
	char nul[] = "{\"critical\":1}\0";
	assert_int_equal(trust_payload_parse(nul, sizeof(nul), &p, &e), -EINVAL);
	assert_int_equal(trust_payload_parse("{}", TRUST_PAYLOAD_MAX + 1, &p, &e), -EFBIG);
	assert_int_equal(trust_payload_make("h/r", "sha256:zz", &text, &len, &e), -EINVAL);
	brig_err_clear(&e);
}

static void test_key_roundtrip(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	EVP_PKEY *k = NULL, *back = NULL;
	char *pem = NULL, *pub = NULL, *pub2 = NULL;
	assert_int_equal(trust_key_new(&k, &e), 0);
	assert_string_equal(trust_key_kind(k), "ECDSA-P256");
	assert_int_equal(trust_key_encrypt(k, "pw", &pem, &e), 0);
	assert_non_null(strstr(pem, "-----BEGIN " TRUST_PEM_ENCRYPTED "-----\n"));
	assert_int_equal(trust_key_decrypt(pem, strlen(pem), "nope", "k", &back, &e),
			 -EKEYREJECTED);
	assert_string_equal(brig_err_str(&e), "k: wrong passphrase (or a damaged key)");
	assert_int_equal(trust_key_decrypt(pem, strlen(pem), "pw", "k", &back, &e), 0);
	assert_int_equal(trust_pubkey_pem(k, &pub, &e), 0);
	assert_int_equal(trust_pubkey_pem(back, &pub2, &e), 0);
	assert_string_equal(pub, pub2);
	/* a public key is no encrypted key, and the reverse */
	EVP_PKEY *x = NULL;
	assert_int_equal(trust_key_decrypt(pub, strlen(pub), "pw", "k", &x, &e), -EINVAL);
	assert_int_equal(trust_pubkey_parse(pem, strlen(pem), "k", &x, &e), -EINVAL);
	free(pem);
	free(pub);
	free(pub2);
	EVP_PKEY_free(k);
	EVP_PKEY_free(back);
	brig_err_clear(&e);
}

static void sign_verify(EVP_PKEY *k, EVP_PKEY *other)
{
	struct brig_err e = { 0 };
	char *sig = NULL;
	assert_int_equal(trust_sign(k, "payload", 7, &sig, &e), 0);
	assert_int_equal(trust_verify(k, "payload", 7, sig, &e), 0);
	assert_int_equal(trust_verify(k, "payloaD", 7, sig, &e), -EKEYREJECTED);
	assert_string_equal(brig_err_str(&e), "the signature does not match the key");
	assert_int_equal(trust_verify(other, "payload", 7, sig, &e), -EKEYREJECTED);
	free(sig);
	brig_err_clear(&e);
}

static void test_signatures(void **state)
{
	(void)state;
	EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	assert_non_null(ec);
	assert_non_null(rsa);
	assert_non_null(ed);
	sign_verify(ec, ed);
	sign_verify(rsa, ec);
	sign_verify(ed, rsa);
	assert_string_equal(trust_key_kind(rsa), "RSA-2048");
	assert_string_equal(trust_key_kind(ed), "Ed25519");
	EVP_PKEY_free(ec);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ed);
}

/* k through PEM and back: the same key, of the same kind. */
static void pem_roundtrip(EVP_PKEY *k, const char *kind)
{
	struct brig_err e = { 0 };
	char *pem = NULL;
	EVP_PKEY *back = NULL;
	assert_int_equal(trust_pubkey_pem(k, &pem, &e), 0);
	assert_int_equal(trust_pubkey_parse(pem, strlen(pem), "k", &back, &e), 0);
	assert_int_equal(EVP_PKEY_eq(k, back), 1);
	assert_string_equal(trust_key_kind(back), kind);
	char *sig = NULL;
	assert_int_equal(trust_sign(k, "payload", 7, &sig, &e), 0);
	assert_int_equal(trust_verify(back, "payload", 7, sig, &e), 0);
	free(sig);
	free(pem);
	EVP_PKEY_free(back);
}

/* A P-256 SubjectPublicKeyInfo (26 bytes of header, the point) as PEM. */
static char *p256_pem(const unsigned char *der, size_t n)
{
	char *b64 = trust_b64_encode(der, n), *pem = NULL;
	assert_non_null(b64);
	assert_true(asprintf(&pem, "-----BEGIN PUBLIC KEY-----\n%s\n-----END PUBLIC KEY-----\n",
			     b64) > 0);
	free(b64);
	return pem;
}

static void test_pubkey_kinds(void **state)
{
	(void)state;
	static const char *const curves[][2] = { { "P-256", "ECDSA-P256" },
						 { "P-384", "ECDSA-P384" },
						 { "P-521", "ECDSA-P521" } };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(curves); i++) {
		EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curves[i][0]);
		pem_roundtrip(k, curves[i][1]);
		EVP_PKEY_free(k);
	}
	EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	pem_roundtrip(ed, "Ed25519");
	pem_roundtrip(rsa, "RSA-2048");
	EVP_PKEY_free(ed);
	EVP_PKEY_free(rsa);
	/* a point off the curve and a P-224 key are refused */
	struct brig_err e = { 0 };
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"), *x = NULL;
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(k, &der);
	assert_int_equal(n, 91);
	der[90] ^= 1;
	char *pem = p256_pem(der, (size_t)n);
	assert_int_equal(trust_pubkey_parse(pem, strlen(pem), "k", &x, &e), -EINVAL);
	free(pem);
	der[90] ^= 1;
	pem = p256_pem(der, (size_t)n - 1); /* cut short */
	assert_int_equal(trust_pubkey_parse(pem, strlen(pem), "k", &x, &e), -EINVAL);
	free(pem);
	OPENSSL_free(der);
	EVP_PKEY_free(k);
	k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-224");
	char *p224 = NULL;
	assert_int_equal(trust_pubkey_pem(k, &p224, &e), 0);
	assert_int_equal(trust_pubkey_parse(p224, strlen(p224), "k", &x, &e), -EINVAL);
	assert_non_null(strstr(brig_err_str(&e), "a ECDSA-? key"));
	free(p224);
	EVP_PKEY_free(k);
	brig_err_clear(&e);
}

static void test_key_names(void **state)
{
	(void)state;
	assert_true(trust_key_name_valid("k1"));
	assert_true(trust_key_name_valid("team.release-2_x"));
	assert_false(trust_key_name_valid(""));
	assert_false(trust_key_name_valid(".hidden"));
	assert_false(trust_key_name_valid("a/b"));
	assert_false(trust_key_name_valid("../x"));
	char longname[66];
	memset(longname, 'a', 65);
	longname[65] = 0;
	assert_false(trust_key_name_valid(longname));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b64),           cmocka_unit_test(test_payload),
		cmocka_unit_test(test_key_roundtrip), cmocka_unit_test(test_signatures),
		cmocka_unit_test(test_key_names),     cmocka_unit_test(test_pubkey_kinds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
