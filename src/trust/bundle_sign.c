/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writing a key-based bundle beside an image as cosign 3 does: the bundle
 * as a blob, the empty config {}, a manifest whose subject is the image
 * (put by its digest), and the fallback tag sha256-HEX, an OCI index of
 * the image's referrers, extended with it (the referrers API, where a
 * registry has it, lists the manifest by its subject anyway).
 */
#include "trust/bundle.h"
#include "trust/sigstore-internal.h"
#include "registry/registry.h"

#include <string.h>

#define MT_EMPTY "application/vnd.oci.empty.v1+json"
#define ANN_CONTENT "dev.sigstore.bundle.content"
#define ANN_PREDICATE "dev.sigstore.bundle.predicateType"

/* The referrer manifest's JSON for the bundle blob bd (len bytes). */
static int referrer_json(const struct reg_manifest *img, const char *digest, const char *cfg,
			 const char *bd, size_t len, char **out, struct brig_err *e)
{
	_cleanup_json_ json_t *m = json_pack(
		"{s:i,s:s,s:s,s:{s:s,s:s,s:i},s:[{s:s,s:s,s:I}],s:{s:s,s:s,s:I},s:{s:s,s:s}}",
		"schemaVersion", 2, "mediaType", REG_MT_OCI_MANIFEST, "artifactType",
		TRUST_MT_BUNDLE_03, "config", "mediaType", MT_EMPTY, "digest", cfg, "size", 2,
		"layers", "mediaType", TRUST_MT_BUNDLE_03, "digest", bd, "size", (json_int_t)len,
		"subject", "mediaType", img->media_type, "digest", digest, "size",
		(json_int_t)img->len, "annotations", ANN_CONTENT, "dsse-envelope", ANN_PREDICATE,
		TRUST_BUNDLE_PREDICATE);
	*out = m ? json_dumps(m, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	return *out ? 0 : brig_err_oom(e);
}

/* The fallback index (tag), a new one when there is none. */
static int old_index(struct reg_client *c, const char *repo, const char *tag, json_t **out,
		     struct brig_err *e)
{
	struct reg_manifest m = { 0 };
	int r = reg_manifest_get(c, repo, tag, &m, e);
	if (r == -ENOENT) {
		brig_err_clear(e);
		*out = json_pack("{s:i,s:s,s:[]}", "schemaVersion", 2, "mediaType",
				 REG_MT_OCI_INDEX, "manifests");
		return *out ? 0 : brig_err_oom(e);
	}
	if (r == 0 && strcmp(m.media_type, REG_MT_OCI_INDEX) != 0)
		r = brig_err_set(e, -EPROTO, "%s: a %s, not an OCI index", tag, m.media_type);
	if (r == 0)
		r = bj_parse(m.body, m.len, tag, out, e);
	json_t *l = r == 0 ? json_object_get(*out, "manifests") : NULL;
	if (r == 0 && !json_is_array(l))
		r = brig_err_set(e, -EPROTO, "%s: manifests: expected an array", tag);
	if (r == 0 && json_array_size(l) >= 1000)
		r = brig_err_set(e, -E2BIG, "%s: already 1000 referrers", tag);
	reg_manifest_clear(&m);
	return r;
}

static int add_to_index(struct reg_client *c, const char *repo, const char *digest, const char *md,
			size_t mlen, struct brig_err *e)
{
	char tag[80], d[REG_DIGEST_SIZE];
	_cleanup_json_ json_t *idx = NULL;
	snprintf(tag, sizeof(tag), "sha256-%s", digest + 7);
	int r = old_index(c, repo, tag, &idx, e);
	if (r < 0)
		return r;
	json_t *desc = json_pack("{s:s,s:s,s:I,s:s,s:{s:s,s:s}}", "mediaType", REG_MT_OCI_MANIFEST,
				 "digest", md, "size", (json_int_t)mlen, "artifactType",
				 TRUST_MT_BUNDLE_03, "annotations", ANN_CONTENT, "dsse-envelope",
				 ANN_PREDICATE, TRUST_BUNDLE_PREDICATE);
	if (!desc || json_array_append_new(json_object_get(idx, "manifests"), desc) < 0)
		return brig_err_oom(e);
	_cleanup_free_ char *text = json_dumps(idx, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!text)
		return brig_err_oom(e);
	return reg_manifest_put(c, repo, tag, REG_MT_OCI_INDEX, text, strlen(text), d, e);
}

int trust_bundle_sign_image(struct reg_client *c, const char *repo, const char *digest,
			    const char *ref, EVP_PKEY *k, char ref_digest[72], struct brig_err *e)
{
	struct reg_manifest img = { 0 };
	_cleanup_free_ char *bundle = NULL, *man = NULL;
	char bd[REG_DIGEST_SIZE], cfg[REG_DIGEST_SIZE], md[REG_DIGEST_SIZE];
	char hex[BRIG_SHA256_HEX];
	size_t blen = 0;
	int r = reg_manifest_get(c, repo, digest, &img, e);
	if (r == 0)
		r = trust_bundle_make(k, digest, ref, &bundle, &blen, e);
	if (r == 0)
		r = trust_push_bytes(c, repo, bundle, blen, bd, e);
	if (r == 0)
		r = trust_push_bytes(c, repo, "{}", 2, cfg, e);
	if (r == 0)
		r = referrer_json(&img, digest, cfg, bd, blen, &man, e);
	if (r == 0 && brig_sha256_buf(man, strlen(man), hex) < 0)
		r = brig_err_oom(e);
	if (r == 0) {
		snprintf(md, sizeof(md), "sha256:%s", hex);
		r = reg_manifest_put(c, repo, md, REG_MT_OCI_MANIFEST, man, strlen(man), ref_digest,
				     e);
	}
	if (r == 0)
		r = add_to_index(c, repo, digest, ref_digest, strlen(man), e);
	reg_manifest_clear(&img);
	return r;
}
