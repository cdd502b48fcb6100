/* SPDX-License-Identifier: Apache-2.0 */
/* trust: does a signature's docker-reference satisfy a signedIdentity rule
 * (the rules: identity.c). */
#include "trust/policy-internal.h"

#include <string.h>

/* A reference parsed, with its name and full string. */
struct named {
	struct img_ref ref;
	bool name_only;
	char *name; /* domain/path */
	char *full; /* with tag or digest; NULL when name_only */
};

static void named_clear(struct named *n)
{
	img_ref_clear(&n->ref);
	free(n->name);
	free(n->full);
	*n = (struct named){ 0 };
}

static bool named_fill(struct named *n)
{
	n->name = trust_ref_name(&n->ref);
	if (!n->name_only)
		n->full = img_ref_string(&n->ref);
	return n->name && (n->name_only || n->full);
}

static bool named_parse(const char *s, struct named *n)
{
	_cleanup_err_ struct brig_err e = { 0 };
	*n = (struct named){ 0 };
	if (trust_ref_parse(s, &n->ref, &n->name_only, &e) < 0)
		return false;
	if (named_fill(n))
		return true;
	named_clear(n);
	return false;
}

static bool named_from_ref(const struct img_ref *r, struct named *n)
{
	*n = (struct named){ 0 };
	n->ref.domain = strdup(r->domain);
	n->ref.path = strdup(r->path);
	n->ref.tag = r->tag ? strdup(r->tag) : NULL;
	memcpy(n->ref.digest, r->digest, sizeof(r->digest));
	n->name_only = !r->tag && !r->digest[0];
	if (n->ref.domain && n->ref.path && (!r->tag || n->ref.tag) && named_fill(n))
		return true;
	named_clear(n);
	return false;
}

/* matchRepoDigestOrExact between an image and a signature reference. */
static bool repo_digest_or_exact(const struct named *img, const struct named *sig)
{
	if (sig->name_only || img->name_only)
		return false;
	if (img->ref.tag)
		return strcmp(img->full, sig->full) == 0;
	return strcmp(img->name, sig->name) == 0;
}

/* remapIdentity: the image's reference with prefix replaced by signed, if
 * its name starts with prefix at a "/" boundary. */
static bool remap(const struct named *img, const char *prefix, const char *signed_prefix,
		  struct named *out)
{
	size_t pl = strlen(prefix);
	bool match = strncmp(img->name, prefix, pl) == 0 &&
		(img->name[pl] == '\0' || img->name[pl] == '/');
	if (!match)
		return named_from_ref(&img->ref, out);
	_cleanup_free_ char *s = NULL;
	if (asprintf(&s, "%s%s", signed_prefix, img->full + pl) < 0)
		return false;
	/* The result must name its registry as written: no normalisation. */
	if (!trust_name_canonical(s))
		return false;
	return named_parse(s, out);
}

static bool match(const struct trust_identity *id, const struct named *img, const struct named *sig)
{
	struct named want = { 0 };
	bool ok = false;
	switch (id->kind) {
	case TRUST_IDENT_MATCH_REPO_DIGEST_OR_EXACT:
		return repo_digest_or_exact(img, sig);
	case TRUST_IDENT_MATCH_EXACT:
		return !img->name_only && !sig->name_only && strcmp(img->full, sig->full) == 0;
	case TRUST_IDENT_MATCH_REPOSITORY:
		return strcmp(img->name, sig->name) == 0;
	case TRUST_IDENT_EXACT_REFERENCE:
		if (!sig->name_only && named_parse(id->docker_reference, &want))
			ok = !want.name_only && strcmp(want.full, sig->full) == 0;
		break;
	case TRUST_IDENT_EXACT_REPOSITORY:
		if (named_parse(id->docker_repository, &want))
			ok = strcmp(want.name, sig->name) == 0;
		break;
	case TRUST_IDENT_REMAP_IDENTITY:
		if (!img->name_only && remap(img, id->prefix, id->signed_prefix, &want))
			ok = repo_digest_or_exact(&want, sig);
		break;
	}
	named_clear(&want);
	return ok;
}

bool trust_identity_matches(const struct trust_identity *id, const struct img_ref *image,
			    const char *sig_ref)
{
	struct named img, sig;
	if (!sig_ref || !named_from_ref(image, &img))
		return false;
	bool ok = false;
	if (named_parse(sig_ref, &sig)) {
		ok = match(id, &img, &sig);
		named_clear(&sig);
	}
	named_clear(&img);
	return ok;
}
