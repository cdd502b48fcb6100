/* SPDX-License-Identifier: Apache-2.0 */
/* trust/bundle: DSSE's PAE, in-toto statements, RFC 6962 audit paths,
 * strict bundle parsing, and a key-based bundle made and verified. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include <openssl/sha.h>
#include <openssl/x509.h>

#include "trust/bundle.h"
#include "trust/sigstore-internal.h"
#include "trust/sigstore.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"

static void test_pae(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	unsigned char *p = NULL;
	size_t n = 0;
	/* the DSSE protocol's own example */
	assert_int_equal(
		trust_dsse_pae("http://example.com/HelloWorld", "hello world", 11, &p, &n, &e), 0);
	const char *want = "DSSEv1 29 http://example.com/HelloWorld 11 hello world";
	assert_int_equal(n, strlen(want));
	assert_memory_equal(p, want, n);
	free(p);
	assert_int_equal(trust_dsse_pae("", "", 0, &p, &n, &e), 0);
	assert_int_equal(n, strlen("DSSEv1 0  0 "));
	assert_memory_equal(p, "DSSEv1 0  0 ", n);
	free(p);
}

static int stmt(const char *s, const char *digest, struct brig_err *e)
{
	brig_err_clear(e);
	return trust_dsse_statement_check((const unsigned char *)s, strlen(s), digest, NULL, e);
}

static void test_statement(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	const char *ok =
		"{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"name\":\"a\","
		"\"digest\":{\"sha512\":\"ab\"}},{\"name\":\"b\",\"digest\":{\"sha256\":"
		"\"1111111111111111111111111111111111111111111111111111111111111111\"}}],"
		"\"predicateType\":\"x\",\"predicate\":{}}";
	assert_int_equal(stmt(ok, D1, &e), 0);
	assert_int_equal(stmt(ok, D2, &e), -EKEYREJECTED);
	assert_string_equal(brig_err_str(&e),
			    "the statement is for sha256:"
			    "1111111111111111111111111111111111111111111111111111111111111111"
			    ", not " D2);
	assert_int_equal(stmt("{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[],"
			      "\"predicateType\":\"x\"}",
			      D1, &e),
			 -EINVAL);
	assert_non_null(strstr(brig_err_str(&e), "statement: subject: expected 1 to"));
	assert_int_equal(stmt("{\"_type\":\"other\",\"subject\":[]}", D1, &e), -EINVAL);
	assert_int_equal(
		stmt("{\"_type\":\"https://in-toto.io/Statement/v1\",\"subjects\":[]}", D1, &e),
		-EINVAL);
	assert_non_null(strstr(brig_err_str(&e), "subjects"));
	brig_err_clear(&e);
}

static void h2(unsigned char out[32], const unsigned char *l, const unsigned char *r)
{
	unsigned char b[65] = { 1 };
	memcpy(b + 1, l, 32);
	memcpy(b + 33, r, 32);
	SHA256(b, 65, out);
}

static void lh(unsigned char out[32], const char *s)
{
	unsigned char b[64] = { 0 };
	size_t n = strlen(s);
	memcpy(b + 1, s, n);
	SHA256(b, n + 1, out);
}

/* A tree of five leaves "a".."e": root = H(H(H(a,b),H(c,d)), e). */
static void test_merkle(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	unsigned char l[5][32], ab[32], cd[32], abcd[32], root[32];
	const char *names[] = { "a", "b", "c", "d", "e" };
	for (int i = 0; i < 5; i++)
		lh(l[i], names[i]);
	h2(ab, l[0], l[1]);
	h2(cd, l[2], l[3]);
	h2(abcd, ab, cd);
	h2(root, abcd, l[4]);
	unsigned char path_c[3][32], path_e[1][32];
	memcpy(path_c[0], l[3], 32);
	memcpy(path_c[1], ab, 32);
	memcpy(path_c[2], l[4], 32);
	memcpy(path_e[0], abcd, 32);
	struct trust_tlog_entry t = { .body = (unsigned char *)"c",
				      .body_len = 1,
				      .has_proof = true,
				      .proof_index = 2,
				      .tree_size = 5,
				      .hashes = path_c,
				      .n_hashes = 3 };
	memcpy(t.root_hash, root, 32);
	assert_int_equal(trust_rekor_check_proof(&t, &e), 0);
	t.proof_index = 3;
	assert_int_equal(trust_rekor_check_proof(&t, &e), -EKEYREJECTED);
	t.proof_index = 2;
	t.tree_size = 3; /* a path one level too long */
	assert_int_equal(trust_rekor_check_proof(&t, &e), -EKEYREJECTED);
	t.tree_size = 5;
	path_c[1][0] ^= 1;
	assert_int_equal(trust_rekor_check_proof(&t, &e), -EKEYREJECTED);
	assert_string_equal(brig_err_str(&e),
			    "inclusion proof: the audit path does not lead to the root hash");
	struct trust_tlog_entry u = { .body = (unsigned char *)"e",
				      .body_len = 1,
				      .has_proof = true,
				      .proof_index = 4,
				      .tree_size = 5,
				      .hashes = path_e,
				      .n_hashes = 1 };
	memcpy(u.root_hash, root, 32);
	assert_int_equal(trust_rekor_check_proof(&u, &e), 0);
	u.proof_index = 5;
	assert_int_equal(trust_rekor_check_proof(&u, &e), -EKEYREJECTED);
	brig_err_clear(&e);
}

static void test_parse(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	struct trust_bundle b;
	static const struct {
		const char *json, *err;
	} bad[] = {
		{ "[]", "x: expected an object, got array" },
		{ "{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\"}",
		  "x: verificationMaterial: missing" },
		{ "{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\","
		  "\"verificationMaterial\":{\"publicKey\":{}},\"dsseEnvelope\":{\"payload\":\"e30=\","
		  "\"payloadType\":\"t\",\"signatures\":[]}}",
		  "x: dsseEnvelope.signatures: expected exactly one signature" },
		{ "{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\","
		  "\"verificationMaterial\":{\"publicKey\":{},\"tlogEntries\":[{\"logIndex\":\"-1\"}]}}",
		  "x: verificationMaterial.tlogEntries[0].logIndex: expected a non-negative integer" },
		{ "{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\","
		  "\"verificationMaterial\":{}}",
		  "x: verificationMaterial: expected exactly one of publicKey, certificate, "
		  "x509CertificateChain" },
		{ "{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\",\"extra\":1}",
		  "x: extra: unknown key" },
	};
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(bad); i++) {
		brig_err_clear(&e);
		assert_true(trust_bundle_parse(bad[i].json, strlen(bad[i].json), "x", &b, &e) < 0);
		if (!strstr(brig_err_str(&e), bad[i].err))
			fail_msg("case %zu: got '%s', want '%s'", i, brig_err_str(&e), bad[i].err);
	}
	brig_err_clear(&e);
}

static void test_roundtrip(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	EVP_PKEY *a = NULL, *b = NULL;
	char *json = NULL;
	size_t len = 0;
	assert_int_equal(trust_key_new(&a, &e), 0);
	assert_int_equal(trust_key_new(&b, &e), 0);
	assert_int_equal(trust_bundle_make(a, D1, "example.com/x", &json, &len, &e), 0);
	struct trust_bundle_result res;
	struct trust_bundle_policy p = { .keys = &b, .n_keys = 1 };
	assert_int_equal(trust_bundle_verify(json, len, D1, &p, &res, &e), -EKEYREJECTED);
	assert_string_equal(brig_err_str(&e), "not signed by the key given");
	brig_err_clear(&e);
	EVP_PKEY *both[] = { b, a };
	p.keys = both;
	p.n_keys = 2;
	assert_int_equal(trust_bundle_verify(json, len, D1, &p, &res, &e), 0);
	assert_int_equal(res.key_index, 1);
	trust_bundle_result_clear(&res);
	assert_int_equal(trust_bundle_verify(json, len, D2, &p, &res, &e), -EKEYREJECTED);
	brig_err_clear(&e);
	/* a Rekor key demands an entry; this bundle has none */
	p.rekor_keys = &b;
	p.n_rekor_keys = 1;
	assert_int_equal(trust_bundle_verify(json, len, D1, &p, &res, &e), -EKEYREJECTED);
	assert_string_equal(brig_err_str(&e),
			    "no Rekor entry in the bundle (the policy names Rekor keys)");
	brig_err_clear(&e);
	free(json);
	EVP_PKEY_free(a);
	EVP_PKEY_free(b);
}

/* Rekor v2 log IDs (the checkpoint key IDs): the signed-note spec's own
 * Ed25519 example (vkey example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV
 * 54Id2LKaANYcrnKv3U2k), and ECDSA's SHA-256 of the SPKI, no name. */
static void test_rekor2_key_id(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	unsigned char *vk = NULL, id[32], id2[32], want[32], *der = NULL;
	size_t n = 0;
	assert_int_equal(trust_b64_decode("AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", 64,
					  "vkey", &vk, &n, &e),
			 0);
	assert_int_equal(n, 33);
	assert_int_equal(vk[0], 0x01);
	EVP_PKEY *ed = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, vk + 1, 32);
	assert_non_null(ed);
	assert_int_equal(trust_rekor2_key_id(ed, "example.com/foo", 15, id, &e), 0);
	assert_memory_equal(id, "\x53\x0d\x90\x3a", 4);
	assert_int_equal(trust_rekor2_key_id(ed, "example.com/bar", 15, id2, &e), 0);
	assert_memory_not_equal(id, id2, 4);
	EVP_PKEY *ec = EVP_EC_gen("P-256");
	assert_non_null(ec);
	int dl = i2d_PUBKEY(ec, &der);
	assert_true(dl > 0);
	SHA256(der, (size_t)dl, want);
	assert_int_equal(trust_rekor2_key_id(ec, "example.com/foo", 15, id, &e), 0);
	assert_memory_equal(id, want, 32);
	assert_int_equal(trust_rekor2_key_id(ec, "example.com/bar", 15, id2, &e), 0);
	assert_memory_equal(id2, want, 32);
	OPENSSL_free(der);
	free(vk);
	EVP_PKEY_free(ed);
	EVP_PKEY_free(ec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pae),       cmocka_unit_test(test_statement),
		cmocka_unit_test(test_merkle),    cmocka_unit_test(test_parse),
		cmocka_unit_test(test_roundtrip), cmocka_unit_test(test_rekor2_key_id),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
