/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OCI 1.1 referrers API: GET /v2/REPO/referrers/DIGEST, optionally
 * filtered by artifactType.  The answer is an OCI index that is not
 * content-addressed (the registry builds it), so only its type, size and
 * shape are checked here; the caller judges what it lists.
 */
#include "registry/registry-internal.h"

#include <string.h>
#include <strings.h>

/* artifactType values are media types: [A-Za-z0-9.+/_-] only; '+' is
 * sent as %2B (a query decodes a bare '+' as a space, as Go's does). */
static int media_type_query(const char *s, char **out, struct brig_err *e)
{
	size_t n = strlen(s);
	if (n == 0 || n > 255 ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.+/_-") != n)
		return brig_err_set(e, -EINVAL, "bad artifactType '%.100s'", s);
	char *q = malloc(3 * n + sizeof("?artifactType="));
	if (!q)
		return brig_err_oom(e);
	char *p = stpcpy(q, "?artifactType=");
	for (; *s; s++) {
		if (*s == '+')
			p = stpcpy(p, "%2B");
		else
			*p++ = *s;
	}
	*p = '\0';
	*out = q;
	return 0;
}

static int check_index(const struct reg_resp *resp, const char *what, struct brig_err *e)
{
	const char *ct = resp->content_type ? resp->content_type : "";
	size_t n = strcspn(ct, "; \t");
	if (n != strlen(REG_MT_OCI_INDEX) || strncasecmp(ct, REG_MT_OCI_INDEX, n) != 0)
		return brig_err_set(e, -EPROTO, "%s: Content-Type '%.100s', not an OCI index", what,
				    resp->content_type ? ct : "(none)");
	if (!resp->body)
		return brig_err_set(e, -EPROTO, "%s: empty body", what);
	_cleanup_json_ json_t *doc = NULL;
	int r = bj_parse(resp->body, resp->len, what, &doc, e);
	if (r == 0 && !json_is_array(json_object_get(doc, "manifests")))
		r = brig_err_set(e, -EPROTO, "%s: manifests: expected an array", what);
	return r;
}

int reg_referrers_get(struct reg_client *c, const char *repo, const char *digest,
		      const char *artifact_type, struct reg_manifest *out, struct brig_err *e)
{
	*out = (struct reg_manifest){ 0 };
	if (!brig_digest_valid(digest))
		return brig_err_set(e, -EINVAL, "bad digest '%.100s'", digest);
	_cleanup_free_ char *url = NULL, *what = NULL, *query = NULL;
	if (artifact_type && media_type_query(artifact_type, &query, e) < 0)
		return -EINVAL;
	if (asprintf(&url, "https://%s/v2/%s/referrers/%s%s", c->api_host, repo, digest,
		     query ? query : "") < 0 ||
	    asprintf(&what, "%s/%s referrers of %s", c->host, repo, digest) < 0)
		return brig_err_oom(e);
	struct reg_resp resp = { .max = REG_MANIFEST_MAX, .what = what };
	int r = reg_request(c, repo, url, REG_MT_OCI_INDEX, &resp, e);
	if (r == 0 && resp.status != 200)
		r = reg_status_error(c, &resp, what + strlen(c->host) + 1, e);
	if (r == 0)
		r = check_index(&resp, what, e);
	if (r == 0 && !(out->media_type = strdup(REG_MT_OCI_INDEX)))
		r = brig_err_oom(e);
	if (r == 0) {
		out->len = resp.len;
		out->body = brig_steal_ptr(resp.body);
		if (brig_sha256_buf(out->body, out->len, out->digest + 7) < 0)
			r = brig_err_oom(e);
		else
			memcpy(out->digest, "sha256:", 7);
	}
	reg_resp_reset(&resp);
	if (r < 0)
		reg_manifest_clear(out);
	return r;
}
