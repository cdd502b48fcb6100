/* SPDX-License-Identifier: Apache-2.0 */
/* trust: the containers-policy.json parser: a table of good policies and of
 * bad ones with the exact message each gets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trust/policy.h"

#define ACCEPT "{\"type\":\"insecureAcceptAnything\"}"
#define REJECT "{\"type\":\"reject\"}"
#define D(x) "{\"default\":[" ACCEPT "],\"transports\":{\"docker\":{" x "}}}"
#define SCOPE(req) D("\"example.com\":[" req "]")
#define AT "P: transports.docker[\"example.com\"][0]"
/* base64 of "key" */
#define K64 "a2V5"

static const char *const good[] = {
	"{\"default\":[" REJECT "]}",
	"{\"default\":[" ACCEPT "],\"transports\":{}}",
	D(""),
	D("\"\":[" REJECT "]"),
	D("\"docker.io\":[" REJECT "],\"docker.io/library\":[" ACCEPT "]"),
	D("\"docker.io/library/busybox\":[" REJECT "]"),
	D("\"docker.io/library/busybox:1.36\":[" REJECT "]"),
	D("\"docker.io/library/busybox@sha256:"
	  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\":[" ACCEPT "]"),
	D("\"127.0.0.1:5000\":[" REJECT "],\"localhost\":[" REJECT "],\"*.example.com\":[" REJECT
	  "],\"*.com\":[" REJECT "]"),
	"{\"default\":[" REJECT "],\"transports\":{\"docker-archive\":{\"\":[" ACCEPT
	"]},\"oci-archive\":{\"/some/path\":[" REJECT "]},\"future-transport\":{\"x\":[" REJECT
	"]}}}",
	SCOPE("{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPath\":\"/k.gpg\"}"),
	SCOPE("{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPaths\":[\"/a\",\"/b\"],"
	      "\"signedIdentity\":{\"type\":\"matchRepository\"}}"),
	SCOPE("{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyData\":\"" K64 "\","
	      "\"signedIdentity\":{\"type\":\"matchExact\"}}"),
	SCOPE("{\"type\":\"sigstoreSigned\",\"keyPath\":\"/c.pub\"}"),
	SCOPE("{\"type\":\"sigstoreSigned\",\"keyDatas\":[\"" K64 "\",\"" K64 "\"],"
	      "\"rekorPublicKeyPath\":\"/r.pub\"}"),
	SCOPE("{\"type\":\"sigstoreSigned\",\"fulcio\":{\"caPath\":\"/ca.pem\","
	      "\"oidcIssuer\":\"https://issuer.example\",\"subjectEmail\":\"a@example.com\"},"
	      "\"rekorPublicKeyData\":\"" K64 "\"}"),
	SCOPE("{\"type\":\"sigstoreSigned\",\"fulcio\":{\"caData\":\"" K64 "\","
	      "\"oidcIssuer\":\"i\",\"subjectEmail\":\"s\"},\"rekorPublicKeyDatas\":[\"" K64
	      "\"]}"),
	SCOPE("{\"type\":\"sigstoreSigned\",\"keyPath\":\"/c.pub\",\"signedIdentity\":"
	      "{\"type\":\"exactReference\",\"dockerReference\":\"example.com/a/b:v1\"}}"),
	SCOPE("{\"type\":\"sigstoreSigned\",\"keyPath\":\"/c.pub\",\"signedIdentity\":"
	      "{\"type\":\"exactRepository\",\"dockerRepository\":\"example.com/a/b\"}}"),
	SCOPE("{\"type\":\"sigstoreSigned\",\"keyPath\":\"/c.pub\",\"signedIdentity\":"
	      "{\"type\":\"remapIdentity\",\"prefix\":\"mirror.example:5000/ns\","
	      "\"signedPrefix\":\"example.com\"}}"),
	SCOPE(ACCEPT "," REJECT),
	"{\"default\":[" REJECT "],\"transports\":{\"dir\":{\"/a/b\":[" ACCEPT "]},\"oci\":{"
	"\"/srv/images\":[" ACCEPT "]},\"docker-archive\":{\"\":[" ACCEPT "]}}}",
};

struct bad {
	const char *doc;
	const char *msg;
};

static const struct bad bad[] = {
	{ "[]", "P: expected an object, got array" },
	{ "{}", "P: default: missing (expected an array)" },
	{ "{\"default\":[]}", "P: default: the list of requirements must not be empty" },
	{ "{\"default\":[" REJECT "],\"extra\":1}", "P: extra: unknown key" },
	{ "{\"default\":[{\"type\":\"reject\",\"x\":1}]}", "P: default[0].x: unknown key" },
	{ "{\"default\":[{\"type\":\"sometimes\"}]}",
	  "P: default[0].type: unknown requirement type \"sometimes\"" },
	{ "{\"default\":[{}]}", "P: default[0].type: missing (expected a string)" },
	{ "{\"default\":[" REJECT "],\"transports\":[]}",
	  "P: transports: expected an object, got array" },
	{ D("\"example.com\":{}"),
	  "P: transports.docker[\"example.com\"]: expected an array, got object" },
	{ SCOPE("{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPth\":\"/k\"}"),
	  AT ".keyPth: unknown key" },
	{ SCOPE("{\"type\":\"signedBy\",\"keyPath\":\"/k\"}"),
	  AT ".keyType: missing (expected a string)" },
	{ SCOPE("{\"type\":\"signedBy\",\"keyType\":\"X509Certificates\",\"keyPath\":\"/k\"}"),
	  AT ".keyType: \"X509Certificates\" is not supported (only GPGKeys)" },
	{ SCOPE("{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\"}"),
	  AT ": exactly one of keyPath, keyPaths and keyData must be given" },
	{ SCOPE("{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPath\":\"/a\",\"keyData\":\"" K64
		"\"}"),
	  AT ": exactly one of keyPath, keyPaths and keyData must be given" },
	{ SCOPE("{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPath\":7}"),
	  AT ".keyPath: expected a string, got integer" },
	{ SCOPE("{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPaths\":[]}"),
	  AT ".keyPaths: contains no entries" },
	{ SCOPE("{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyData\":\"not base64!\"}"),
	  AT ".keyData: not base64 (standard alphabet, padded) or empty" },
	{ SCOPE("{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyDatas\":[\"" K64 "\"]}"),
	  AT ".keyDatas: unknown key" },
	{ SCOPE("{\"type\":\"sigstoreSigned\"}"),
	  AT ": exactly one of keyPath, keyPaths, keyData, keyDatas and fulcio must be given" },
	{ SCOPE("{\"type\":\"sigstoreSigned\",\"keyDatas\":[\"" K64 "\", 3]}"),
	  AT ".keyDatas[1]: expected a string, got integer" },
	{ SCOPE("{\"type\":\"sigstoreSigned\",\"fulcio\":{\"caPath\":\"/ca\",\"oidcIssuer\":\"i\","
		"\"subjectEmail\":\"s\"}}"),
	  AT ": fulcio needs one of rekorPublicKeyPath, rekorPublicKeyPaths, rekorPublicKeyData, "
	     "rekorPublicKeyDatas" },
	{ SCOPE("{\"type\":\"sigstoreSigned\",\"fulcio\":{\"oidcIssuer\":\"i\","
		"\"subjectEmail\":\"s\"},\"rekorPublicKeyPath\":\"/r\"}"),
	  AT ".fulcio: exactly one of caPath and caData must be given" },
	{ SCOPE("{\"type\":\"sigstoreSigned\",\"fulcio\":{\"caPath\":\"/ca\",\"oidcIssuer\":\"i\","
		"\"subjectEmial\":\"s\"},\"rekorPublicKeyPath\":\"/r\"}"),
	  AT ".fulcio.subjectEmial: unknown key" },
	{ SCOPE("{\"type\":\"sigstoreSigned\",\"keyPath\":\"/k\",\"rekorPublicKeyPath\":\"/r\","
		"\"rekorPublicKeyData\":\"" K64 "\"}"),
	  AT ": at most one of rekorPublicKeyPath, rekorPublicKeyPaths, rekorPublicKeyData and "
	     "rekorPublicKeyDatas may be given" },
	{ SCOPE("{\"type\":\"sigstoreSigned\",\"keyPath\":\"/k\",\"pki\":{}}"),
	  AT ".pki: unknown key" },
	{ SCOPE("{\"type\":\"sigstoreSigned\",\"keyPath\":\"/k\",\"signedIdentity\":"
		"{\"type\":\"matchAnything\"}}"),
	  AT ".signedIdentity.type: unknown identity rule \"matchAnything\"" },
	{ SCOPE("{\"type\":\"sigstoreSigned\",\"keyPath\":\"/k\",\"signedIdentity\":"
		"{\"type\":\"matchExact\",\"dockerReference\":\"a/b:c\"}}"),
	  AT ".signedIdentity.dockerReference: unknown key" },
	{ SCOPE("{\"type\":\"sigstoreSigned\",\"keyPath\":\"/k\",\"signedIdentity\":"
		"{\"type\":\"exactReference\",\"dockerReference\":\"example.com/a/b\"}}"),
	  AT ".signedIdentity.dockerReference: \"example.com/a/b\" has neither a tag nor a "
	     "digest" },
	{ SCOPE("{\"type\":\"sigstoreSigned\",\"keyPath\":\"/k\",\"signedIdentity\":"
		"{\"type\":\"exactRepository\"}}"),
	  AT ".signedIdentity.dockerRepository: missing (expected a string)" },
	{ SCOPE("{\"type\":\"sigstoreSigned\",\"keyPath\":\"/k\",\"signedIdentity\":"
		"{\"type\":\"remapIdentity\",\"prefix\":\"ns/repo\",\"signedPrefix\":\"x.io\"}}"),
	  AT ".signedIdentity.prefix: \"ns/repo\" is neither a registry host nor a repository "
	     "name with its host" },
	{ SCOPE("{\"type\":\"signedBaseLayer\"}"), AT ".type: signedBaseLayer is not supported" },
	{ D("\"busybox\":[" REJECT "]"),
	  "P: transports.docker[\"busybox\"]: not a registry host (HOST[:PORT] with a \".\" or "
	  "\":\", or localhost) nor a repository" },
	{ D("\"library/busybox\":[" REJECT "]"),
	  "P: transports.docker[\"library/busybox\"]: not HOST/NAMESPACE, "
	  "HOST/REPOSITORY[:TAG|@DIGEST] with the registry host written "
	  "(docker.io/library/busybox, not busybox)" },
	{ D("\"example.com/a:t@sha256:"
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\":[" REJECT "]"),
	  NULL },
	{ D("\"example.com/A\":[" REJECT "]"), NULL },
	{ D("\"*.example.com:5000\":[" REJECT "]"),
	  "P: transports.docker[\"*.example.com:5000\"]: not a valid wildcard scope (*.DOMAIN, "
	  "no port)" },
	{ "{\"default\":[" REJECT "],\"default\":[" ACCEPT "]}", NULL },
#define T(tr, sc) "{\"default\":[" REJECT "],\"transports\":{\"" tr "\":{\"" sc "\":[" ACCEPT "]}}}"
	{ T("oci-archive", "rel/path"),
	  "P: transports.oci-archive[\"rel/path\"]: not an absolute path in canonical form "
	  "(\"/\": use \"\")" },
	{ T("oci-archive", "/"), NULL },
	{ T("oci", "/a/../b"), NULL },
	{ T("dir", "/a/"), NULL },
	{ T("dir", "/a//b"), NULL },
	{ T("oci", "/a/."), NULL },
	{ T("docker-archive", "/x.tar"),
	  "P: transports.docker-archive[\"/x.tar\"]: docker-archive supports no scope but \"\"" },
};

static void test_good(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct brig_err e = { 0 };
		struct trust_policy *p = NULL;
		if (trust_policy_parse(good[i], strlen(good[i]), "P", &p, &e) < 0)
			fail_msg("good[%zu] refused: %s\n%s", i, brig_err_str(&e), good[i]);
		trust_policy_free(p);
		brig_err_clear(&e);
	}
}

static void test_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct brig_err e = { 0 };
		struct trust_policy *p = NULL;
		if (trust_policy_parse(bad[i].doc, strlen(bad[i].doc), "P", &p, &e) == 0)
			fail_msg("bad[%zu] accepted: %s", i, bad[i].doc);
		assert_null(p);
		if (bad[i].msg && strcmp(brig_err_str(&e), bad[i].msg) != 0)
			fail_msg("bad[%zu]\n got: %s\nwant: %s", i, brig_err_str(&e), bad[i].msg);
		brig_err_clear(&e);
	}
}

static void test_contents(void **state)
{
	(void)state;
	const char *doc = SCOPE("{\"type\":\"sigstoreSigned\",\"keyDatas\":[\"" K64 "\"],"
				"\"signedIdentity\":{\"type\":\"remapIdentity\",\"prefix\":"
				"\"m.example\",\"signedPrefix\":\"example.com/x\"}}");
	struct brig_err e = { 0 };
	struct trust_policy *p = NULL;
	assert_int_equal(trust_policy_parse(doc, strlen(doc), "P", &p, &e), 0);
	assert_int_equal(p->n_transports, 1);
	assert_string_equal(p->transports[0].name, "docker");
	const struct trust_req *q = &p->transports[0].scopes[0].reqs.v[0];
	assert_int_equal(q->kind, TRUST_REQ_SIGSTORE);
	assert_int_equal(q->n_key_datas, 1);
	assert_int_equal(q->key_datas[0].len, 3);
	assert_memory_equal(q->key_datas[0].data, "key", 3);
	assert_int_equal(q->identity.kind, TRUST_IDENT_REMAP_IDENTITY);
	assert_string_equal(q->identity.prefix, "m.example");
	assert_string_equal(q->identity.signed_prefix, "example.com/x");
	assert_int_equal(p->dflt.v[0].kind, TRUST_REQ_ACCEPT_ANYTHING);
	trust_policy_free(p);
}

static void test_size_limit(void **state)
{
	(void)state;
	size_t n = TRUST_POLICY_MAX + 1;
	char *big = malloc(n);
	assert_non_null(big);
	memset(big, ' ', n);
	struct brig_err e = { 0 };
	struct trust_policy *p = NULL;
	assert_int_equal(trust_policy_parse(big, n, "P", &p, &e), -EFBIG);
	assert_string_equal(brig_err_str(&e), "P: larger than 1048576 bytes");
	brig_err_clear(&e);
	free(big);
}

static void test_builtin(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	struct trust_policy *p = NULL;
	assert_int_equal(trust_policy_builtin(&p, &e), 0);
	assert_true(p->builtin);
	assert_true(p->accept_pinned_digests);
	assert_int_equal(p->dflt.n, 1);
	assert_int_equal(p->dflt.v[0].kind, TRUST_REQ_REJECT);
	trust_policy_free(p);
}

static void put(const char *dir, const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

static void test_settings(void **state)
{
	(void)state;
	char dir[] = "/tmp/brig-policy-d-XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct trust_policy p = { 0 };
	struct brig_err e = { 0 };
	assert_int_equal(trust_brig_settings_load("/nonexistent/policy.d", &p, &e), 0);
	assert_true(p.accept_pinned_digests);
	put(dir, "10-a.json", "{\"acceptPinnedDigests\": false}");
	put(dir, "README", "not read");
	assert_int_equal(trust_brig_settings_load(dir, &p, &e), 0);
	assert_false(p.accept_pinned_digests);
	put(dir, "20-b.json", "{\"acceptPinnedDigests\": true}");
	assert_int_equal(trust_brig_settings_load(dir, &p, &e), 0);
	assert_true(p.accept_pinned_digests);
	put(dir, "30-c.json", "{\"acceptPinnedDigest\": true}");
	assert_int_equal(trust_brig_settings_load(dir, &p, &e), -EINVAL);
	char want[256];
	snprintf(want, sizeof(want), "%s/30-c.json: acceptPinnedDigest: unknown key", dir);
	assert_string_equal(brig_err_str(&e), want);
	brig_err_clear(&e);
	const char *names[] = { "10-a.json", "20-b.json", "30-c.json", "README" };
	for (size_t i = 0; i < 4; i++) {
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		assert_int_equal(unlink(path), 0);
	}
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),     cmocka_unit_test(test_bad),
		cmocka_unit_test(test_contents), cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_builtin),  cmocka_unit_test(test_settings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
