/* SPDX-License-Identifier: Apache-2.0 */
/* trust: which scope applies (most specific wins), the identity rules of
 * containers-policy.json(5) as a table, and the decision. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "trust/policy.h"

#define A "[{\"type\":\"insecureAcceptAnything\"}]"
#define R "[{\"type\":\"reject\"}]"
#define DA "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define DB "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static const char scopes_doc[] = "{\"default\":" R ",\"transports\":{\"docker\":{"
				 "\"\":" A ",\"example.com\":" R ",\"example.com/ns\":" A
				 ",\"example.com/ns/repo\":" R ",\"example.com/ns/repo:good\":" A
				 ",\"example.com/ns/repo@" DA "\":" A ",\"127.0.0.1:5000\":" R
				 ",\"*.example.org\":" R ",\"*.org\":" A ",\"docker.io/library\":" R
				 ",\"*.0.1\":" A "},"
				 "\"docker-archive\":{\"\":" A "}}}";

static struct trust_policy *parse(const char *doc)
{
	struct brig_err e = { 0 };
	struct trust_policy *p = NULL;
	if (trust_policy_parse(doc, strlen(doc), "P", &p, &e) < 0)
		fail_msg("refused: %s", brig_err_str(&e));
	return p;
}

static void ref(const char *s, struct img_ref *r)
{
	struct brig_err e = { 0 };
	if (img_ref_parse(s, r, &e) < 0)
		fail_msg("%s: %s", s, brig_err_str(&e));
}

static void test_scopes(void **state)
{
	(void)state;
	static const struct {
		const char *image, *scope; /* scope NULL: "default" */
	} t[] = {
		{ "example.com/ns/repo:good", "example.com/ns/repo:good" },
		{ "example.com/ns/repo:bad", "example.com/ns/repo" },
		{ "example.com/ns/repo@" DA, "example.com/ns/repo@" DA },
		{ "example.com/ns/repo@" DB, "example.com/ns/repo" },
		{ "example.com/ns/other:x", "example.com/ns" },
		{ "example.com/ns/sub/x:y", "example.com/ns" },
		{ "example.com/top:1", "example.com" },
		{ "example.com/nsx/a:1", "example.com" },
		{ "127.0.0.1:5000/r:t", "127.0.0.1:5000" },
		{ "10.0.0.1:5000/r:t", "*.0.1" },
		{ "127.0.0.2:5000/r:t", "" },
		{ "a.b.example.org/r:t", "*.example.org" },
		{ "example.org/r:t", "*.org" },
		{ "busybox", "docker.io/library" },
		{ "quay.io/a:b", "" },
		{ "localhost/a:b", "" },
	};
	struct trust_policy *p = parse(scopes_doc);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct img_ref r;
		struct trust_match m;
		struct brig_err e = { 0 };
		ref(t[i].image, &r);
		assert_int_equal(trust_policy_lookup(p, "docker", &r, &m, &e), 0);
		if (!m.scope || strcmp(m.scope, t[i].scope) != 0)
			fail_msg("%s: scope %s, want %s", t[i].image,
				 m.scope ? m.scope : "(default)", t[i].scope);
		img_ref_clear(&r);
	}
	/* No docker transport entry: the default. */
	struct trust_policy *d = parse("{\"default\":" R "}");
	struct img_ref r;
	struct trust_match m;
	struct brig_err e = { 0 };
	ref("example.com/ns/repo:good", &r);
	assert_int_equal(trust_policy_lookup(d, "docker", &r, &m, &e), 0);
	assert_null(m.scope);
	assert_ptr_equal(m.reqs, &d->dflt);
	/* Another transport: its "" scope. */
	assert_int_equal(trust_policy_lookup(p, "docker-archive", &r, &m, &e), 0);
	assert_string_equal(m.scope, "");
	assert_string_equal(m.transport, "docker-archive");
	img_ref_clear(&r);
	/* Tag and digest at once: refused. */
	ref("example.com/a:t@" DA, &r);
	assert_int_equal(trust_policy_lookup(p, "docker", &r, &m, &e), -EINVAL);
	brig_err_clear(&e);
	img_ref_clear(&r);
	trust_policy_free(d);
	trust_policy_free(p);
}

static void test_paths(void **state)
{
	(void)state;
	struct trust_policy *p = parse("{\"default\":" R ",\"transports\":{"
				       "\"oci-archive\":{\"\":" A ",\"/srv\":" R
				       ",\"/srv/img/a.tar\":" A "},\"docker-archive\":{\"\":" A
				       "}}}");
	static const struct {
		const char *transport, *path, *scope; /* NULL: "default" */
	} t[] = {
		{ "oci-archive", "/srv/img/a.tar", "/srv/img/a.tar" },
		{ "oci-archive", "/srv/img/b.tar", "/srv" },
		{ "oci-archive", "/srv", "/srv" },
		{ "oci-archive", "/srvx/a.tar", "" },
		{ "oci-archive", "/a.tar", "" },
		{ "docker-archive", "/srv/img/a.tar", "" },
		{ "oci", "/srv/img", NULL },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct trust_match m;
		struct brig_err e = { 0 };
		assert_int_equal(trust_policy_lookup_path(p, t[i].transport, t[i].path, &m, &e), 0);
		bool ok = t[i].scope ? m.scope && strcmp(m.scope, t[i].scope) == 0 : !m.scope;
		if (!ok)
			fail_msg("%s:%s: scope %s, want %s", t[i].transport, t[i].path,
				 m.scope ? m.scope : "(default)",
				 t[i].scope ? t[i].scope : "(default)");
	}
	struct trust_decision d;
	struct brig_err e = { 0 };
	assert_int_equal(trust_policy_decide_path(p, "oci-archive", "/srv/x", NULL, &d, &e), 0);
	assert_int_equal(d.verdict, TRUST_REJECT);
	assert_int_equal(trust_policy_decide_path(p, "oci-archive", "rel", NULL, &d, &e), -EINVAL);
	brig_err_clear(&e);
	trust_policy_free(p);
}

struct id_case {
	const char *rule; /* the signedIdentity object */
	const char *image, *sig;
	bool match;
};

#define RDE "{\"type\":\"matchRepoDigestOrExact\"}"
#define EXACT "{\"type\":\"matchExact\"}"
#define REPO "{\"type\":\"matchRepository\"}"
#define EREF "{\"type\":\"exactReference\",\"dockerReference\":\"example.com/x/y:v1\"}"
#define EREPO "{\"type\":\"exactRepository\",\"dockerRepository\":\"example.com/x/y\"}"
#define REMAP \
	"{\"type\":\"remapIdentity\",\"prefix\":\"mirror.example:5000/ns\",\"signedPrefix\":\"example.com\"}"
#define REMAPH \
	"{\"type\":\"remapIdentity\",\"prefix\":\"m.example\",\"signedPrefix\":\"docker.io\"}"

static const struct id_case ids[] = {
	/* matchRepoDigestOrExact: by tag the same reference, by digest the repository. */
	{ RDE, "example.com/a/b:v1", "example.com/a/b:v1", true },
	{ RDE, "example.com/a/b:v1", "example.com/a/b:v2", false },
	{ RDE, "example.com/a/b:v1", "example.com/a/b", false },
	{ RDE, "example.com/a/b:v1", "example.com/a/c:v1", false },
	{ RDE, "example.com/a/b@" DA, "example.com/a/b:anything", true },
	{ RDE, "example.com/a/b@" DA, "example.com/a/b@" DB, true },
	{ RDE, "example.com/a/b@" DA, "example.com/a/c@" DA, false },
	{ RDE, "example.com/a/b@" DA, "example.com/a/b", false },
	{ RDE, "docker.io/library/busybox:latest", "busybox:latest", true },
	{ RDE, "docker.io/library/busybox:latest", "busybox", false },
	/* matchExact: the same tag, or the same digest. */
	{ EXACT, "example.com/a/b:v1", "example.com/a/b:v1", true },
	{ EXACT, "example.com/a/b@" DA, "example.com/a/b@" DA, true },
	{ EXACT, "example.com/a/b@" DA, "example.com/a/b@" DB, false },
	{ EXACT, "example.com/a/b@" DA, "example.com/a/b:v1", false },
	{ EXACT, "example.com/a/b:v1", "example.com/a/b", false },
	/* matchRepository: the repository, with or without tag. */
	{ REPO, "example.com/a/b:v1", "example.com/a/b:v9", true },
	{ REPO, "example.com/a/b:v1", "example.com/a/b", true },
	{ REPO, "example.com/a/b@" DA, "example.com/a/b@" DB, true },
	{ REPO, "example.com/a/b:v1", "example.com/a/c:v1", false },
	{ REPO, "example.com/a/b:v1", "other.example/a/b:v1", false },
	/* exactReference: whatever the image is called. */
	{ EREF, "quay.io/p/q:z", "example.com/x/y:v1", true },
	{ EREF, "example.com/x/y:v1", "example.com/x/y:v2", false },
	{ EREF, "example.com/x/y:v1", "example.com/x/y", false },
	/* exactRepository. */
	{ EREPO, "quay.io/p/q:z", "example.com/x/y:v7", true },
	{ EREPO, "quay.io/p/q:z", "example.com/x/y", true },
	{ EREPO, "quay.io/p/q:z", "example.com/x/z:v7", false },
	/* remapIdentity: prefix replaced, then matchRepoDigestOrExact. */
	{ REMAP, "mirror.example:5000/ns/app:v1", "example.com/app:v1", true },
	{ REMAP, "mirror.example:5000/ns/app:v1", "mirror.example:5000/ns/app:v1", false },
	{ REMAP, "mirror.example:5000/ns/app:v1", "example.com/app:v2", false },
	{ REMAP, "mirror.example:5000/ns/app@" DA, "example.com/app:any", true },
	{ REMAP, "mirror.example:5000/nsx/app:v1", "mirror.example:5000/nsx/app:v1", true },
	{ REMAP, "mirror.example:5000/nsx/app:v1", "example.comx/app:v1", false },
	{ REMAP, "other.example/ns/app:v1", "other.example/ns/app:v1", true },
	/* A remap that leaves a name docker.io would normalise does not match. */
	{ REMAPH, "m.example/busybox:1", "docker.io/library/busybox:1", false },
	{ REMAPH, "m.example/library/busybox:1", "docker.io/library/busybox:1", true },
	/* A signature reference that does not parse never matches. */
	{ REPO, "example.com/a/b:v1", "Example.com/a/B:v1", false },
	{ RDE, "example.com/a/b:v1", "", false },
};

static void test_identities(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		char doc[1024];
		snprintf(doc, sizeof(doc),
			 "{\"default\":[{\"type\":\"sigstoreSigned\",\"keyPath\":\"/k\","
			 "\"signedIdentity\":%s}]}",
			 ids[i].rule);
		struct trust_policy *p = parse(doc);
		struct img_ref r;
		ref(ids[i].image, &r);
		bool got = trust_identity_matches(&p->dflt.v[0].identity, &r, ids[i].sig);
		if (got != ids[i].match)
			fail_msg("ids[%zu] %s: image %s, signature %s: %s, want %s", i, ids[i].rule,
				 ids[i].image, ids[i].sig, got ? "match" : "no match",
				 ids[i].match ? "match" : "no match");
		img_ref_clear(&r);
		trust_policy_free(p);
	}
}

static int fake_ok(const struct trust_req *q, const struct img_ref *r, void *ctx, char *why,
		   size_t n, struct brig_err *e)
{
	(void)q, (void)r, (void)e;
	snprintf(why, n, "fake");
	return *(int *)ctx;
}

static void decide(const struct trust_policy *p, const char *image, const struct trust_verifiers *v,
		   enum trust_verdict want, const char *reason)
{
	struct img_ref r;
	struct trust_decision d;
	struct brig_err e = { 0 };
	ref(image, &r);
	assert_int_equal(trust_policy_decide(p, "docker", &r, v, &d, &e), 0);
	if (d.verdict != want || strstr(d.reason, reason) == NULL)
		fail_msg("%s: %s (%s); want %s containing '%s'", image,
			 d.verdict == TRUST_ACCEPT ? "accept" : "reject", d.reason,
			 want == TRUST_ACCEPT ? "accept" : "reject", reason);
	img_ref_clear(&r);
}

static void test_decide(void **state)
{
	(void)state;
	struct trust_policy *p = parse(
		"{\"default\":" R ",\"transports\":{\"docker\":{"
		"\"a.example\":" A ",\"b.example\":[{\"type\":\"insecureAcceptAnything\"},"
		"{\"type\":\"reject\"}],\"c.example\":[{\"type\":\"signedBy\",\"keyType\":"
		"\"GPGKeys\",\"keyPath\":\"/k\"}],\"d.example\":[{\"type\":\"sigstoreSigned\","
		"\"keyPath\":\"/k\"}]}}}");
	decide(p, "a.example/x:1", NULL, TRUST_ACCEPT, "every requirement is met");
	decide(p, "b.example/x:1", NULL, TRUST_REJECT, "requirement 2: reject");
	decide(p, "z.example/x:1", NULL, TRUST_REJECT, "rejects every image");
	decide(p, "c.example/x:1", NULL, TRUST_REJECT,
	       "requirement 1 (signedBy) not met: signature check not available: no GPG");
	decide(p, "d.example/x@" DA, NULL, TRUST_REJECT, "no sigstore (sigstoreSigned) verifier");
	int yes = 1, no = 0;
	struct trust_verifiers v = { .signed_by = fake_ok, .ctx = &yes };
	decide(p, "c.example/x:1", &v, TRUST_ACCEPT, "every requirement");
	decide(p, "d.example/x:1", &v, TRUST_REJECT, "signature check not available");
	v.ctx = &no;
	decide(p, "c.example/x:1", &v, TRUST_REJECT, "not met: fake");
	trust_policy_free(p);

	/* brig's built-in default: tags refused, digests accepted. */
	struct brig_err e = { 0 };
	assert_int_equal(trust_policy_builtin(&p, &e), 0);
	decide(p, "example.com/x:1", NULL, TRUST_REJECT, "a tag must be signed by a key");
	decide(p, "example.com/x@" DA, NULL, TRUST_ACCEPT, "pinned by digest");
	trust_policy_free(p);
	p = parse("{\"default\":[{\"type\":\"sigstoreSigned\",\"keyPath\":\"/k\"}]}");
	decide(p, "example.com/x@" DA, NULL, TRUST_REJECT, "signature check not available");
	p->accept_pinned_digests = true;
	decide(p, "example.com/x@" DA, NULL, TRUST_ACCEPT, "pinned by digest");
	decide(p, "example.com/x:1", NULL, TRUST_REJECT, "signature check not available");
	trust_policy_free(p);
	/* ... but not over a scope that names the image. */
	p = parse("{\"default\":" A ",\"transports\":{\"docker\":{\"example.com\":" R "}}}");
	p->accept_pinned_digests = true;
	decide(p, "example.com/x@" DA, NULL, TRUST_REJECT, "rejects every image");
	trust_policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scopes),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_identities),
		cmocka_unit_test(test_decide),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
