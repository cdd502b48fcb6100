/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trust: signedIdentity, the rule a signature's claimed docker-reference
 * must satisfy for the image being checked (containers-policy.json(5)):
 *
 *   matchRepoDigestOrExact  image by tag: the same reference; image by
 *                           digest: the same repository (the default)
 *   matchExact              the same reference (tag or digest)
 *   matchRepository         the same repository, whatever tag or digest
 *   exactReference R        the reference R, whatever the image is named
 *   exactRepository R       the repository R
 *   remapIdentity P, S      the image's name with prefix P replaced by S,
 *                           then as matchRepoDigestOrExact
 *
 * References are compared normalised ("busybox" is
 * "docker.io/library/busybox"); a signature's reference with neither tag
 * nor digest matches only the two repository rules.
 */
#include "trust/policy-internal.h"

#include <string.h>

bool trust_hostname_valid(const char *s)
{
	size_t label = 0;
	char prev = '.';
	for (; *s; prev = *s++) {
		bool an = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
			(*s >= '0' && *s <= '9');
		if (*s == '.') {
			if (label == 0 || prev == '-')
				return false;
			label = 0;
		} else if (an || (*s == '-' && label > 0)) {
			label++;
		} else {
			return false;
		}
	}
	return label > 0 && prev != '-';
}

int trust_ref_parse(const char *s, struct img_ref *out, bool *name_only, struct brig_err *e)
{
	int r = img_ref_parse(s, out, e);
	if (r < 0)
		return r;
	const char *slash = strrchr(s, '/');
	*name_only = !strchr(s, '@') && !strchr(slash ? slash : s, ':');
	return 0;
}

char *trust_ref_name(const struct img_ref *r)
{
	char *out = NULL;
	return asprintf(&out, "%s/%s", r->domain, r->path) < 0 ? NULL : out;
}

bool trust_domain_valid(const char *s)
{
	/* The reference parser knows hosts: a name beneath s must keep s as
	 * its registry, unchanged. */
	if (!*s || strchr(s, '/') || strlen(s) > 255)
		return false;
	_cleanup_free_ char *probe = NULL;
	if (asprintf(&probe, "%s/x", s) < 0)
		return false;
	struct img_ref r;
	_cleanup_err_ struct brig_err e = { 0 };
	if (img_ref_parse(probe, &r, &e) < 0)
		return false;
	bool ok = strcmp(r.domain, s) == 0;
	img_ref_clear(&r);
	return ok;
}

bool trust_name_canonical(const char *s)
{
	struct img_ref r;
	bool name_only = false;
	_cleanup_err_ struct brig_err e = { 0 };
	if (trust_ref_parse(s, &r, &name_only, &e) < 0)
		return false;
	bool ok = !(r.tag && r.digest[0]);
	_cleanup_free_ char *canon = ok ? (name_only ? trust_ref_name(&r) : img_ref_string(&r))
					: NULL;
	ok = canon && strcmp(canon, s) == 0;
	img_ref_clear(&r);
	return ok;
}

bool trust_name_qualified(const char *s)
{
	const char *slash = strchr(s, '/');
	if (!slash)
		return false;
	_cleanup_free_ char *host = strndup(s, (size_t)(slash - s));
	_cleanup_free_ char *probe = NULL;
	if (!host || !trust_domain_valid(host) || asprintf(&probe, "localhost%s", slash) < 0)
		return false;
	/* The rest, beneath a registry that normalises nothing, must read
	 * back unchanged. */
	return trust_name_canonical(probe);
}

/* ---- parsing ---------------------------------------------------------------- */

static int ident_ref(const json_t *o, const struct bj_loc *at, const char *key, bool need_tag,
		     char **out, struct brig_err *e)
{
	const char *s = NULL;
	int r = bj_get_str(o, at, key, true, &s, e);
	if (r < 0)
		return r;
	struct bj_loc sub;
	bj_key(&sub, at, key);
	struct img_ref ref;
	bool name_only = false;
	_cleanup_err_ struct brig_err pe = { 0 };
	if (trust_ref_parse(s, &ref, &name_only, &pe) < 0)
		return bj_fail(e, &sub, "%s", brig_err_str(&pe));
	img_ref_clear(&ref);
	if (need_tag && name_only)
		return bj_fail(e, &sub, "\"%.200s\" has neither a tag nor a digest", s);
	return (*out = strdup(s)) ? 0 : brig_err_oom(e);
}

/* remapIdentity's prefix: a registry host, or a repository name written
 * with its host. */
static int ident_prefix(const json_t *o, const struct bj_loc *at, const char *key, char **out,
			struct brig_err *e)
{
	const char *s = NULL;
	int r = bj_get_str(o, at, key, true, &s, e);
	if (r < 0)
		return r;
	struct bj_loc sub;
	bj_key(&sub, at, key);
	bool ok = trust_domain_valid(s);
	if (!ok && strchr(s, '/') && !strchr(s, '@')) {
		const char *slash = strrchr(s, '/');
		ok = !strchr(slash, ':') && trust_name_qualified(s);
	}
	if (!ok)
		return bj_fail(e, &sub,
			       "\"%.200s\" is neither a registry host nor a repository "
			       "name with its host",
			       s);
	return (*out = strdup(s)) ? 0 : brig_err_oom(e);
}

static const struct {
	const char *name;
	enum trust_ident_kind kind;
} ident_kinds[] = {
	{ "matchRepoDigestOrExact", TRUST_IDENT_MATCH_REPO_DIGEST_OR_EXACT },
	{ "matchExact", TRUST_IDENT_MATCH_EXACT },
	{ "matchRepository", TRUST_IDENT_MATCH_REPOSITORY },
	{ "exactReference", TRUST_IDENT_EXACT_REFERENCE },
	{ "exactRepository", TRUST_IDENT_EXACT_REPOSITORY },
	{ "remapIdentity", TRUST_IDENT_REMAP_IDENTITY },
};

const char *trust_ident_kind_name(enum trust_ident_kind k)
{
	for (size_t i = 0; i < sizeof(ident_kinds) / sizeof(ident_kinds[0]); i++)
		if (ident_kinds[i].kind == k)
			return ident_kinds[i].name;
	return "?";
}

int trust_identity_parse(const json_t *req, const struct bj_loc *rat, struct trust_identity *id,
			 struct brig_err *e)
{
	static const char *const k_type[] = { "type", NULL };
	static const char *const k_ref[] = { "type", "dockerReference", NULL };
	static const char *const k_repo[] = { "type", "dockerRepository", NULL };
	static const char *const k_remap[] = { "type", "prefix", "signedPrefix", NULL };
	*id = (struct trust_identity){ .kind = TRUST_IDENT_MATCH_REPO_DIGEST_OR_EXACT };
	json_t *o = NULL;
	int r = bj_get_obj(req, rat, "signedIdentity", false, &o, e);
	if (r != 0)
		return r < 0 ? r : 0;
	struct bj_loc at;
	bj_key(&at, rat, "signedIdentity");
	const char *type = NULL;
	if ((r = bj_get_str(o, &at, "type", true, &type, e)) < 0)
		return r;
	size_t i = 0, n = sizeof(ident_kinds) / sizeof(ident_kinds[0]);
	while (i < n && strcmp(ident_kinds[i].name, type) != 0)
		i++;
	if (i == n) {
		bj_key(&at, &at, "type");
		return bj_fail(e, &at, "unknown identity rule \"%.64s\"", type);
	}
	id->kind = ident_kinds[i].kind;
	switch (id->kind) {
	case TRUST_IDENT_EXACT_REFERENCE:
		if ((r = bj_only_keys(o, &at, k_ref, e)) < 0)
			return r;
		return ident_ref(o, &at, "dockerReference", true, &id->docker_reference, e);
	case TRUST_IDENT_EXACT_REPOSITORY:
		if ((r = bj_only_keys(o, &at, k_repo, e)) < 0)
			return r;
		return ident_ref(o, &at, "dockerRepository", false, &id->docker_repository, e);
	case TRUST_IDENT_REMAP_IDENTITY:
		if ((r = bj_only_keys(o, &at, k_remap, e)) < 0 ||
		    (r = ident_prefix(o, &at, "prefix", &id->prefix, e)) < 0)
			return r;
		return ident_prefix(o, &at, "signedPrefix", &id->signed_prefix, e);
	default:
		return bj_only_keys(o, &at, k_type, e);
	}
}

void trust_identity_clear(struct trust_identity *id)
{
	free(id->docker_reference);
	free(id->docker_repository);
	free(id->prefix);
	free(id->signed_prefix);
	*id = (struct trust_identity){ 0 };
}
