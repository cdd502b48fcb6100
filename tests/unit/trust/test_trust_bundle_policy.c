/* SPDX-License-Identifier: Apache-2.0 */
/* trust/bundle_policy: trust_bundle_policy_verify plugged into
 * trust_policy_decide as the sigstoreSigned verifier, with bundles at
 * hand: the policy's keyData accepts its key's bundle and refuses
 * another key's, another digest's, and a policy needing Rekor. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include <openssl/pem.h>

#include "trust/bundle.h"
#include "trust/policy.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"

/* A new P-256 key and the base64 of its public PEM (keyData). */
static EVP_PKEY *new_key(char b64[1024])
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL;
	assert_non_null(k);
	assert_int_equal(PEM_write_bio_PUBKEY(b, k), 1);
	long n = BIO_get_mem_data(b, &p);
	assert_true(n > 0 && n < 700);
	assert_true(EVP_EncodeBlock((unsigned char *)b64, (unsigned char *)p, (int)n) > 0);
	BIO_free(b);
	return k;
}

static struct trust_policy *policy(const char *b64, bool rekor, const char *ident)
{
	char doc[4096];
	struct brig_err e = { 0 };
	struct trust_policy *p = NULL;
	snprintf(doc, sizeof(doc),
		 "{\"default\":[{\"type\":\"reject\"}],\"transports\":{\"docker\":{\"example.com\":"
		 "[{\"type\":\"sigstoreSigned\",\"keyData\":\"%s\"%s%s%s%s}]}}}",
		 b64, rekor ? ",\"rekorPublicKeyData\":\"" : "", rekor ? b64 : "",
		 rekor ? "\"" : "", ident);
	if (trust_policy_parse(doc, strlen(doc), "P", &p, &e) < 0)
		fail_msg("refused: %s", brig_err_str(&e));
	return p;
}

static void decide(const struct trust_policy *p, const char *image, struct trust_bundle_ctx *x,
		   enum trust_verdict want, const char *reason)
{
	struct img_ref r;
	struct trust_decision d;
	struct brig_err e = { 0 };
	struct trust_verifiers v = { .sigstore = trust_bundle_policy_verify, .ctx = x };
	if (img_ref_parse(image, &r, &e) < 0)
		fail_msg("%s", brig_err_str(&e));
	assert_int_equal(trust_policy_decide(p, "docker", &r, &v, &d, &e), 0);
	if (d.verdict != want || !strstr(d.reason, reason))
		fail_msg("%s (%s); want %s containing '%s'",
			 d.verdict == TRUST_ACCEPT ? "accept" : "reject", d.reason,
			 want == TRUST_ACCEPT ? "accept" : "reject", reason);
	img_ref_clear(&r);
}

static void test_policy(void **state)
{
	(void)state;
	char ka[1024], kb[1024];
	struct brig_err e = { 0 };
	EVP_PKEY *a = new_key(ka), *b = new_key(kb);
	char *json = NULL;
	size_t len = 0;
	assert_int_equal(trust_bundle_make(a, D1, "example.com/app", &json, &len, &e), 0);
	const char *bundles[] = { json };
	struct trust_bundle_ctx x = {
		.digest = D1, .bundles = bundles, .lens = &len, .n_bundles = 1
	};
	const char *repo = ",\"signedIdentity\":{\"type\":\"matchRepository\"}";
	const char *other = ",\"signedIdentity\":{\"type\":\"exactRepository\","
			    "\"dockerRepository\":\"example.com/other\"}";
	struct trust_policy *pa = policy(ka, false, repo), *pb = policy(kb, false, repo);
	struct trust_policy *pr = policy(ka, true, repo), *pd = policy(ka, false, "");
	struct trust_policy *po = policy(ka, false, other);
	const char *tag = "example.com/app:1", *pinned = "example.com/app@" D1;
	decide(pa, tag, &x, TRUST_ACCEPT, "");
	decide(pb, tag, &x, TRUST_REJECT, "bundle 1: not signed by the key given");
	x.digest = D2;
	decide(pa, tag, &x, TRUST_REJECT, "bundle 1: the statement is for " D1 ", not " D2);
	x.digest = D1;
	decide(pr, tag, &x, TRUST_REJECT, "bundle 1: no Rekor entry in the bundle");
	/* signedIdentity: the statement's subject name is the signed
	 * reference, a repository as cosign's docker-reference is, which
	 * matchRepoDigestOrExact never accepts (as in containers/image) */
	decide(pa, pinned, &x, TRUST_ACCEPT, "");
	decide(pd, pinned, &x, TRUST_REJECT, "signedIdentity (matchRepoDigestOrExact)");
	decide(pd, tag, &x, TRUST_REJECT,
	       "bundle 1: its statement names 'example.com/app', which signedIdentity "
	       "(matchRepoDigestOrExact) does not accept for this image");
	decide(po, tag, &x, TRUST_REJECT, "signedIdentity (exactRepository)");
	x.n_bundles = 0;
	decide(pa, tag, &x, TRUST_REJECT, "no sigstore bundle for " D1);
	trust_policy_free(pd);
	trust_policy_free(po);
	trust_policy_free(pa);
	trust_policy_free(pb);
	trust_policy_free(pr);
	free(json);
	EVP_PKEY_free(a);
	EVP_PKEY_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
