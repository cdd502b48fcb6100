/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig trust verify --bundle / --bundle-file: sigstore bundles (a key, or
 * a Fulcio certificate with its Rekor entry), from the image's referrers
 * in a registry or from a file (docs/trust-sigstore.md, "Bundles").
 */
#include "cli/brig/brig-internal.h"
#include "registry/registry.h"
#include "trust/bundle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_KEYS 16

struct material {
	EVP_PKEY *keys[MAX_KEYS], *rekor[MAX_KEYS], *ct[MAX_KEYS];
	char *ca, *tsa;
	struct trust_bundle_policy p;
};

static void material_clear(struct material *m)
{
	for (size_t i = 0; i < m->p.n_keys; i++)
		EVP_PKEY_free(m->keys[i]);
	for (size_t i = 0; i < m->p.n_rekor_keys; i++)
		EVP_PKEY_free(m->rekor[i]);
	for (size_t i = 0; i < m->p.n_ct_keys; i++)
		EVP_PKEY_free(m->ct[i]);
	free(m->ca);
	free(m->tsa);
}

static int load_list(struct opt *o, EVP_PKEY **v, size_t *n, struct brig_err *e)
{
	if (o->n > MAX_KEYS)
		return brig_err_set(e, -E2BIG, "--%s: at most %d", o->name, MAX_KEYS);
	for (*n = 0; *n < o->n; (*n)++) {
		int r = trust_bundle_key_load(o->list[*n], NULL, 0, &v[*n], e);
		if (r < 0)
			return r;
	}
	return 0;
}

static int material_load(struct opt *o, struct material *m, struct brig_err *e)
{
	const char *ca = opts_find(o, "certificate-ca")->value;
	size_t len = 0;
	m->p.keys = m->keys;
	m->p.rekor_keys = m->rekor;
	m->p.ct_keys = m->ct;
	m->p.subject_email = opts_find(o, "certificate-identity")->value;
	m->p.oidc_issuer = opts_find(o, "certificate-oidc-issuer")->value;
	int r = load_list(opts_find(o, "key"), m->keys, &m->p.n_keys, e);
	if (r == 0)
		r = load_list(opts_find(o, "rekor-key"), m->rekor, &m->p.n_rekor_keys, e);
	if (r == 0)
		r = load_list(opts_find(o, "ct-log-key"), m->ct, &m->p.n_ct_keys, e);
	m->p.sct_required = m->p.n_ct_keys > 0; /* as cosign requires an SCT */
	if (r == 0 && ca)
		r = brig_read_file(AT_FDCWD, ca, (size_t)1 << 20, &m->ca, &len, e);
	m->p.ca_pem = (const unsigned char *)m->ca;
	m->p.ca_len = len;
	const char *tsa = opts_find(o, "timestamp-certificate-chain")->value;
	if (r == 0 && tsa)
		r = brig_read_file(AT_FDCWD, tsa, (size_t)1 << 20, &m->tsa, &m->p.tsa_len, e);
	m->p.tsa_pem = (const unsigned char *)m->tsa;
	if (r == 0 && !m->p.n_keys && !ca)
		r = brig_err_set(e, -EINVAL, "--key FILE or --certificate-ca FILE is required");
	return r;
}

static void print_ok(const char *repo, const char *digest, const struct trust_bundle_result *res,
		     struct opt *o)
{
	char when[40] = "";
	struct tm tm;
	time_t t = (time_t)res->tsa_time;
	if (res->tsa_time > 0 && gmtime_r(&t, &tm))
		strftime(when, sizeof(when), ", timestamped %Y-%m-%dT%H:%M:%SZ", &tm);
	if (res->key_index >= 0)
		printf("Verified %s@%s: bundle signed by %s%s\n", repo, digest,
		       opts_find(o, "key")->list[res->key_index], when);
	else
		printf("Verified %s@%s: bundle signed by certificate%s%s%s%s%s\n", repo, digest,
		       res->email ? " for " : "", res->email ? res->email : "",
		       res->issuer ? " from " : "", res->issuer ? res->issuer : "", when);
}

/* Each bundle until one passes; -EKEYREJECTED naming each reason. */
static int verify_all(char **v, const size_t *lens, size_t n, const char *repo, const char *digest,
		      const struct material *m, struct opt *o, struct brig_err *e)
{
	_cleanup_free_ char *msg = NULL;
	size_t mlen = 0;
	for (size_t i = 0; i < n; i++) {
		struct trust_bundle_result res;
		_cleanup_err_ struct brig_err be = { 0 };
		int r = trust_bundle_verify(v[i], lens[i], digest, &m->p, &res, &be);
		if (r == 0)
			print_ok(repo, digest, &res, o);
		trust_bundle_result_clear(&res);
		if (r == 0)
			return 0;
		if (brig_appendf(&msg, &mlen, "%sbundle %zu: %s", i ? "; " : "", i + 1,
				 brig_err_str(&be)) < 0)
			return brig_err_oom(e);
	}
	return brig_err_set(e, -EKEYREJECTED, "no bundle accepted for %s (%s)", digest,
			    msg ? msg : "none");
}

static int from_registry(const struct brig_global *g, struct opt *o, const struct img_ref *ref,
			 const char *repo, char digest[72], const struct material *m,
			 struct brig_err *e)
{
	const char *tv = opts_find(o, "tls-verify")->value;
	_cleanup_reg_client_ struct reg_client *c = NULL;
	char **v = NULL;
	size_t *lens = NULL, n = 0;
	int r = eng_registry_client(g->config, opts_find(o, "authfile")->value, ref->domain,
				    !(tv && strcmp(tv, "false") == 0), &c, e);
	if (r == 0 && !digest[0]) {
		struct reg_manifest man = { 0 };
		r = reg_manifest_get(c, ref->path, ref->tag, &man, e);
		snprintf(digest, 72, "%s", man.digest);
		reg_manifest_clear(&man);
	}
	if (r == 0)
		r = trust_bundle_fetch(c, ref->path, digest, &v, &lens, &n, e);
	if (r == 0)
		r = verify_all(v, lens, n, repo, digest, m, o, e);
	brig_strv_free(v);
	free(lens);
	return r;
}

int brig_trust_verify_bundle(const struct brig_global *g, struct opt *o, const char *image,
			     struct brig_err *e)
{
	const char *file = opts_find(o, "bundle-file")->value;
	struct material m = { 0 };
	struct img_ref ref = { 0 };
	_cleanup_free_ char *repo = NULL, *buf = NULL;
	char digest[72] = "";
	size_t len = 0;
	int r = img_ref_parse(image, &ref, e);
	if (r == 0 && asprintf(&repo, "%s/%s", ref.domain, ref.path) < 0)
		r = brig_err_oom(e);
	if (r == 0)
		snprintf(digest, sizeof(digest), "%s", ref.digest);
	if (r == 0)
		r = material_load(o, &m, e);
	if (r == 0 && file && !digest[0])
		r = brig_err_set(e, -EINVAL,
				 "--bundle-file: name the image by digest "
				 "(NAME@sha256:...)");
	if (r == 0 && file)
		r = brig_read_file(AT_FDCWD, file, TRUST_BUNDLE_MAX, &buf, &len, e);
	if (r == 0 && file)
		r = verify_all(&buf, &len, 1, repo, digest, &m, o, e);
	else if (r == 0)
		r = from_registry(g, o, &ref, repo, digest, &m, e);
	material_clear(&m);
	img_ref_clear(&ref);
	return r;
}

/* brig trust sign --bundle: a key-based bundle as a referrer of IMAGE, or
 * into --bundle-out FILE (IMAGE by digest).  Signed by tag, the statement
 * names the tag too, so that `brig pull NAME:TAG` accepts it under the
 * default identity rule (matchRepoDigestOrExact); by digest, the
 * repository, as cosign writes it. */
int brig_trust_sign_bundle(struct reg_client *c, struct opt *o, const char *repo,
			   const char *repo_name, const char *tag, const char *digest,
			   struct evp_pkey_st *k, struct brig_err *e)
{
	const char *out = opts_find(o, "bundle-out")->value;
	_cleanup_free_ char *name = NULL;
	char md[72];
	if (asprintf(&name, "%s%s%s", repo_name, tag ? ":" : "", tag ? tag : "") < 0)
		return brig_err_oom(e);
	if (!c) {
		_cleanup_free_ char *json = NULL;
		size_t len = 0;
		int r = trust_bundle_make(k, digest, name, &json, &len, e);
		if (r < 0)
			return r;
		_cleanup_close_ int fd = open(
			out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (fd < 0 || brig_write_all(fd, json, len) < 0 || close(brig_steal_fd(fd)) < 0)
			return brig_err_sys(e, errno, "%s", out);
		return 0;
	}
	int r = trust_bundle_sign_image(c, repo, digest, name, k, md, e);
	if (r == 0)
		printf("Signed %s@%s: bundle %s\n", repo_name, digest, md);
	return r;
}
