/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness: trust_policy_parse (containers-policy.json), then, for
 * a policy it accepts, the scope lookup, the decision and every
 * requirement's identity rule over a few fixed references.
 *
 * Besides "no crash, no leak", it checks the contract: a refusal is
 * -EINVAL, -EFBIG or -ENOMEM with one line naming the file; an accepted
 * policy has non-empty requirement lists and a lookup always lands on one.
 */
#include <stdint.h>
#include <string.h>

#include "trust/policy.h"

#define FILE_NAME "fuzz.json"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const refs[] = {
	"busybox",
	"example.com/ns/repo:1",
	"127.0.0.1:5000/a/b/c@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	"a.b.example.org:443/x:y",
};

static void check_err(int r, struct brig_err *e)
{
	if (r != -EINVAL && r != -EFBIG && r != -ENOMEM)
		abort();
	const char *s = brig_err_str(e);
	if (strncmp(s, FILE_NAME ": ", strlen(FILE_NAME) + 2) != 0 || strchr(s, '\n'))
		abort();
	brig_err_clear(e);
}

static void walk(const struct trust_policy *p, const struct img_ref *r)
{
	struct trust_decision d;
	struct brig_err e = { 0 };
	if (trust_policy_decide(p, "docker", r, NULL, &d, &e) < 0)
		abort();
	if (!d.match.reqs || d.match.reqs->n == 0 || !d.reason[0])
		abort();
	for (size_t i = 0; i < d.match.reqs->n; i++)
		for (size_t j = 0; j < sizeof(refs) / sizeof(refs[0]); j++)
			(void)trust_identity_matches(&d.match.reqs->v[i].identity, r, refs[j]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trust_policy *p = NULL;
	struct brig_err e = { 0 };
	int r = trust_policy_parse((const char *)data, size, FILE_NAME, &p, &e);
	if (r < 0) {
		if (p)
			abort();
		check_err(r, &e);
		return 0;
	}
	if (p->dflt.n == 0)
		abort();
	static const char *const paths[][2] = { { "oci-archive", "/srv/img/a.tar" },
						{ "docker-archive", "/a.tar" },
						{ "oci", "/" } };
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct trust_decision d;
		if (trust_policy_decide_path(p, paths[i][0], paths[i][1], NULL, &d, &e) < 0 ||
		    !d.match.reqs || d.match.reqs->n == 0)
			abort();
	}
	for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
		struct img_ref ref;
		if (img_ref_parse(refs[i], &ref, &e) < 0)
			abort();
		walk(p, &ref);
		img_ref_clear(&ref);
	}
	trust_policy_free(p);
	return 0;
}
