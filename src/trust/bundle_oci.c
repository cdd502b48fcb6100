/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bundles beside an image as OCI 1.1 referrers, as cosign 3 writes them:
 * a manifest with artifactType the bundle's media type, the empty config
 * ({}), one layer (the bundle's JSON) and subject the image.  They are
 * found through the referrers API or, on registries without it (Debian's
 * docker-registry 2.8), the fallback tag sha256-HEX: an OCI index listing
 * the referrers, which the writer keeps up to date.
 */
#include "trust/bundle.h"
#include "trust/sigstore-internal.h"
#include "registry/registry.h"

#include <string.h>

/* The referrers index of repo@digest (API, else the fallback tag); *doc
 * NULL when there is none. */
static int referrers(struct reg_client *c, const char *repo, const char *digest, json_t **doc,
		     struct brig_err *e)
{
	struct reg_manifest m = { 0 };
	char tag[80];
	*doc = NULL;
	int r = reg_referrers_get(c, repo, digest, TRUST_MT_BUNDLE_03, &m, e);
	if (r == -ENOENT) {
		brig_err_clear(e);
		snprintf(tag, sizeof(tag), "sha256-%s", digest + 7);
		r = reg_manifest_get(c, repo, tag, &m, e);
		if (r == 0 && strcmp(m.media_type, REG_MT_OCI_INDEX) != 0)
			r = brig_err_set(e, -EPROTO, "%s:%s: a %s, not an OCI index", repo, tag,
					 m.media_type);
	}
	if (r == -ENOENT) {
		brig_err_clear(e);
		return 0;
	}
	if (r == 0)
		r = bj_parse(m.body, m.len, "referrers", doc, e);
	reg_manifest_clear(&m);
	return r;
}

static bool is_bundle_type(json_t *v)
{
	const char *s = json_is_string(v) ? json_string_value(v) : "";
	return !strcmp(s, TRUST_MT_BUNDLE_03) || !strcmp(s, TRUST_MT_BUNDLE_02);
}

/* The bundle in referrer manifest mdigest (its first bundle layer). */
static int read_one(struct reg_client *c, const char *repo, const char *mdigest, char **out,
		    size_t *len, struct brig_err *e)
{
	struct reg_manifest m = { 0 };
	_cleanup_json_ json_t *doc = NULL;
	int r = reg_manifest_get(c, repo, mdigest, &m, e);
	if (r == 0)
		r = bj_parse(m.body, m.len, mdigest, &doc, e);
	reg_manifest_clear(&m);
	json_t *l = r == 0 ? json_array_get(json_object_get(doc, "layers"), 0) : NULL;
	json_t *d = json_object_get(l, "digest"), *sz = json_object_get(l, "size");
	if (r < 0)
		return r;
	if (!is_bundle_type(json_object_get(l, "mediaType")) || !json_is_string(d) ||
	    !json_is_integer(sz) || json_integer_value(sz) < 0 ||
	    (uint64_t)json_integer_value(sz) > TRUST_BUNDLE_MAX)
		return brig_err_set(e, -EPROTO, "%s: no bundle layer (of at most %zu bytes)",
				    mdigest, TRUST_BUNDLE_MAX);
	size_t n = (size_t)json_integer_value(sz);
	struct trust_membuf b = { .buf = malloc(n + 1), .cap = n };
	if (!b.buf)
		return brig_err_oom(e);
	r = reg_blob_get(c, repo, json_string_value(d), n, trust_mem_sink, &b, e);
	if (r < 0) {
		free(b.buf);
		return r;
	}
	b.buf[b.len] = '\0';
	*out = b.buf;
	*len = b.len;
	return 0;
}

static int add(char ***v, size_t **lens, size_t *n, char *s, size_t len, struct brig_err *e)
{
	char **nv = realloc(*v, (*n + 2) * sizeof(*nv));
	if (nv)
		*v = nv;
	size_t *nl = nv ? realloc(*lens, (*n + 1) * sizeof(*nl)) : NULL;
	if (!nl) {
		free(s);
		return brig_err_oom(e);
	}
	*lens = nl;
	nv[*n] = s;
	nl[(*n)++] = len;
	nv[*n] = NULL;
	return 0;
}

int trust_bundle_fetch(struct reg_client *c, const char *repo, const char *digest, char ***bundles,
		       size_t **lens, size_t *n, struct brig_err *e)
{
	_cleanup_json_ json_t *doc = NULL;
	json_t *m;
	size_t i;
	*bundles = NULL;
	*lens = NULL;
	*n = 0;
	if (!brig_digest_valid(digest))
		return brig_err_set(e, -EINVAL, "bad digest '%.80s'", digest);
	int r = referrers(c, repo, digest, &doc, e);
	json_array_foreach(r == 0 ? json_object_get(doc, "manifests") : NULL, i, m)
	{
		json_t *d = json_object_get(m, "digest");
		char *s = NULL;
		size_t len = 0;
		if (!is_bundle_type(json_object_get(m, "artifactType")) || !json_is_string(d) ||
		    !brig_digest_valid(json_string_value(d)))
			continue;
		if (*n == TRUST_MAX_BUNDLES)
			break;
		r = read_one(c, repo, json_string_value(d), &s, &len, e);
		if (r == 0)
			r = add(bundles, lens, n, s, len, e);
		if (r < 0)
			break;
	}
	if (r == 0 && *n == 0)
		r = brig_err_set(e, -ENOENT, "%s@%s: no sigstore bundles (no referrers)", repo,
				 digest);
	if (r < 0) {
		brig_strv_free(*bundles);
		free(*lens);
		*bundles = NULL;
		*lens = NULL;
		*n = 0;
	}
	return r;
}
