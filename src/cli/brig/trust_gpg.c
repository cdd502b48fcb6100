/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig trust verify --gpg-key / --signature-policy and brig trust sign
 * --sign-by: GPG simple signing in a lookaside store (docs/trust-gpg.md).
 * trust_verify.c and trust_sign.c hand their options here when one of
 * those is given.
 */
#include "cli/brig/brig-internal.h"
#include "engine/config/engine-config.h"
#include "registry/registry.h"
#include "trust/gpg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* IMAGE's manifest digest: its own, or the registry's for its tag. */
static int image_digest(const struct brig_global *g, struct opt *o, const struct img_ref *ref,
			char digest[REG_DIGEST_SIZE], struct brig_err *e)
{
	if (ref->digest[0]) {
		snprintf(digest, REG_DIGEST_SIZE, "%s", ref->digest);
		return 0;
	}
	const char *tv = opts_find(o, "tls-verify")->value;
	_cleanup_reg_client_ struct reg_client *c = NULL;
	struct reg_manifest m = { 0 };
	int r = eng_registry_client(g->config, opts_find(o, "authfile")->value, ref->domain,
				    !(tv && strcmp(tv, "false") == 0), &c, e);
	if (r == 0)
		r = reg_manifest_get(c, ref->path, ref->tag, &m, e);
	if (r == 0)
		snprintf(digest, REG_DIGEST_SIZE, "%s", m.digest);
	reg_manifest_clear(&m);
	return r;
}

static json_t *result_json(const char *image, const char *digest,
			   const struct trust_gpg_result *res, const char *policy_reason)
{
	json_t *sigs = json_array();
	for (size_t i = 0; sigs && i < res->n; i++) {
		const struct trust_gpg_seen *s = &res->seen[i];
		json_t *one = json_pack("{s:s?,s:s?,s:s?}", "DockerReference", s->docker_reference,
					"Key", s->fpr[0] ? s->fpr : NULL, "Rejected", s->reason);
		if (!one || json_array_append_new(sigs, one) < 0) {
			json_decref(sigs);
			return NULL;
		}
	}
	const struct trust_gpg_seen *ok = res->accepted ? &res->seen[res->accepted_by] : NULL;
	return sigs ? json_pack("{s:s,s:s,s:b,s:s?,s:s?,s:o,s:s?}", "Image", image, "Digest",
				digest, "Verified", res->accepted, "Key", ok ? ok->fpr : NULL,
				"DockerReference", ok ? ok->docker_reference : NULL, "Signatures",
				sigs, "Policy", policy_reason)
		    : NULL;
}

static int print_result(const char *format, const char *image, const char *digest, bool accepted,
			const struct trust_gpg_result *res, const char *policy_reason,
			struct brig_err *e)
{
	if (format) {
		_cleanup_json_ json_t *j = result_json(image, digest, res, policy_reason);
		_cleanup_free_ char *s = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER)
					   : NULL;
		if (!s)
			return brig_err_oom(e);
		puts(s);
	} else if (res->accepted) {
		const struct trust_gpg_seen *s = &res->seen[res->accepted_by];
		printf("Verified %s@%s: signed by GPG key %s, docker-reference %s\n", image, digest,
		       s->fpr, s->docker_reference);
	} else if (accepted) {
		printf("Accepted %s@%s: %s\n", image, digest, policy_reason);
	}
	return 0;
}

/* --gpg-key FILE...: a signedBy requirement of those keys, the default
 * identity rule (matchRepoDigestOrExact). */
static int check_keys(struct opt *o, const struct img_ref *ref, struct trust_gpg_ctx *c, char *why,
		      size_t why_len, struct brig_err *e)
{
	struct opt *k = opts_find(o, "gpg-key");
	_cleanup_free_ char **paths = calloc(k->n + 1, sizeof(*paths));
	if (!paths)
		return brig_err_oom(e);
	for (size_t i = 0; i < k->n; i++)
		paths[i] = (char *)k->list[i];
	struct trust_req req = { .kind = TRUST_REQ_SIGNED_BY, .key_paths = paths };
	return trust_gpg_verify(&req, ref, c, why, why_len, e);
}

/* --signature-policy FILE: the policy decides, GPG verifying its signedBy
 * requirements. */
static int check_policy(const char *file, const struct img_ref *ref, struct trust_gpg_ctx *c,
			char *why, size_t why_len, struct brig_err *e)
{
	_cleanup_trust_policy_ struct trust_policy *pol = NULL;
	struct trust_verifiers v = { .signed_by = trust_gpg_verify, .ctx = c };
	struct trust_decision d;
	int r = trust_policy_load(file, &pol, e);
	if (r == 0)
		r = trust_policy_decide(pol, "docker", ref, &v, &d, e);
	if (r < 0)
		return r;
	(void)brig_snprintf(why, why_len, "scope %s%s%s: %s", d.match.scope ? "\"" : "default",
			    d.match.scope ? d.match.scope : "", d.match.scope ? "\"" : "",
			    d.reason);
	return d.verdict == TRUST_ACCEPT;
}

int brig_trust_verify_gpg(const struct brig_global *g, struct opt *o, const char *image,
			  struct brig_err *e)
{
	const char *format = opts_find(o, "format")->value;
	const char *policy = opts_find(o, "signature-policy")->value;
	struct trust_gpg_ctx c = { .registries_d = opts_find(o, "registries-d")->value };
	_cleanup_eng_config_ struct eng_config *cfg = NULL;
	struct img_ref ref = { 0 };
	_cleanup_free_ char *name = NULL;
	char digest[REG_DIGEST_SIZE] = "", why[1024] = "";
	if (format && strcmp(format, "json") != 0)
		return brig_err_set(e, -EINVAL, "--format: expected json, got '%.40s'", format);
	if (policy && opts_find(o, "gpg-key")->n)
		return brig_err_set(e, -EINVAL, "--gpg-key and --signature-policy: give one");
	/* An https lookaside's CA: the registries' certs.d layout. */
	int r = eng_config_load(g->config, g->config != NULL, &cfg, e);
	if (r == 0)
		c.certs_dir = cfg->registry_certs_dir;
	if (r == 0)
		r = img_ref_parse(image, &ref, e);
	if (r == 0 && !(name = img_ref_string(&ref)))
		r = brig_err_oom(e);
	if (r == 0)
		r = image_digest(g, o, &ref, digest, e);
	c.digest = digest;
	if (r == 0)
		r = policy ? check_policy(policy, &ref, &c, why, sizeof(why), e)
			   : check_keys(o, &ref, &c, why, sizeof(why), e);
	if (r >= 0 &&
	    print_result(format, name, digest, r == 1, &c.result, policy ? why : NULL, e) < 0)
		r = -ENOMEM;
	if (r == 0)
		r = brig_err_set(e, -EKEYREJECTED, "not verified: %s", why);
	trust_gpg_result_clear(&c.result);
	img_ref_clear(&ref);
	return r < 0 ? r : 0;
}

int brig_trust_sign_gpg(const struct brig_global *g, struct opt *o, const char *image,
			struct brig_err *e)
{
	const char *key = opts_find(o, "sign-by")->value;
	struct img_ref ref = { 0 };
	_cleanup_free_ char *name = NULL, *where = NULL;
	char digest[REG_DIGEST_SIZE] = "";
	int r = img_ref_parse(image, &ref, e);
	if (r == 0 && !(name = img_ref_string(&ref)))
		r = brig_err_oom(e);
	if (r == 0)
		r = image_digest(g, o, &ref, digest, e);
	if (r == 0)
		r = trust_gpg_sign_to_lookaside(key, &ref, digest,
						opts_find(o, "registries-d")->value, &where, e);
	if (r == 0)
		printf("Signed %s@%s: %s\n", name, digest, where);
	img_ref_clear(&ref);
	return r;
}

int brig_push_sign_gpg(struct opt *o, const char *image, const char *digest, struct brig_err *e)
{
	const char *key = opts_find(o, "sign-by")->value;
	const char *rd = opts_find(o, "registries-d")->value;
	struct img_ref ref = { 0 };
	_cleanup_free_ char *name = NULL, *where = NULL;
	int r = img_ref_parse(image, &ref, e);
	if (r == 0 && !(name = img_ref_string(&ref)))
		r = brig_err_oom(e);
	if (r == 0 && !digest)
		r = trust_gpg_sign_check(key, &ref, rd, e);
	else if (r == 0)
		r = trust_gpg_sign_to_lookaside(key, &ref, digest, rd, &where, e);
	if (r == 0 && digest && !opts_find(o, "quiet")->set)
		printf("Signed %s@%s: %s\n", name, digest, where);
	img_ref_clear(&ref);
	return r < 0 ? brig_err_wrap(e, "--sign-by") : 0;
}
