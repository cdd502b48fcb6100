/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Push: blobs (HEAD, cross-repository mount, monolithic or chunked upload)
 * and manifests (PUT by tag or digest).  Every request goes through
 * reg_request_do with the scope repository:REPO:push,pull, so redirects,
 * Location headers and credentials follow http.c's rules.
 */
#include "registry/registry-internal.h"

#include <string.h>

#define OCTETS "application/octet-stream"

struct upload {
	struct reg_client *c;
	const struct reg_push_blob *b;
	char *scope;
	char *what; /* "HOST/REPO blob DIGEST" */
	char *location; /* the upload's URL, from the last Location */
	struct reg_hash hash;
};

static void upload_clear(struct upload *u)
{
	free(u->scope);
	free(u->what);
	free(u->location);
	brig_sha256_free(u->hash.h);
}

/* Status what wanted, else the error naming it. */
static int expect(const struct upload *u, const struct reg_resp *resp, long want, const char *step,
		  struct brig_err *e)
{
	if (resp->status == want)
		return 0;
	reg_status_error(u->c, resp, u->what + strlen(u->c->host) + 1, e);
	return brig_err_wrap(e, "%s", step);
}

/* 1 when the registry has the blob. */
static int blob_head(struct upload *u, struct brig_err *e)
{
	_cleanup_free_ char *url = NULL;
	if (asprintf(&url, "https://%s/v2/%s/blobs/%s", u->c->api_host, u->b->repo, u->b->digest) <
	    0)
		return brig_err_oom(e);
	struct reg_req rq = { .method = "HEAD" };
	struct reg_resp resp = { .max = REG_ERROR_BODY_MAX, .what = u->what };
	int r = reg_request_do(u->c, u->scope, url, &rq, &resp, e);
	if (r == 0)
		r = resp.status == 200       ? 1
			: resp.status == 404 ? 0
					     : expect(u, &resp, 200, "HEAD", e);
	reg_resp_reset(&resp);
	return r;
}

/* A 201's Docker-Content-Digest, when sent, must be the blob's. */
static int check_digest(const char *what, const struct reg_resp *resp, const char *digest,
			struct brig_err *e)
{
	if (resp->docker_digest && strcmp(resp->docker_digest, digest) != 0)
		return brig_err_set(e, -EBADMSG,
				    "%s: the registry says it stored %.80s (Docker-Content-Digest)",
				    what, resp->docker_digest);
	return 0;
}

/* Keep the response's Location, resolved against url, as the upload URL. */
static int take_location(struct upload *u, const char *url, const struct reg_resp *resp,
			 struct brig_err *e)
{
	if (!resp->location)
		return brig_err_set(e, -EPROTO, "%s: the registry's answer has no Location",
				    u->what);
	char *next = NULL;
	int r = reg_resolve_url(url, resp->location, u->what, &next, e);
	if (r < 0)
		return r;
	free(u->location);
	u->location = strdup(next);
	curl_free(next);
	return u->location ? 0 : brig_err_oom(e);
}

/* POST an upload (a mount with from): REG_PUSH_MOUNTED, or 0 with
 * u->location set. */
static int blob_start(struct upload *u, const char *from, struct brig_err *e)
{
	_cleanup_free_ char *url = NULL;
	int n = from
		? asprintf(&url, "https://%s/v2/%s/blobs/uploads/?mount=%s&from=%s", u->c->api_host,
			   u->b->repo, u->b->digest, from)
		: asprintf(&url, "https://%s/v2/%s/blobs/uploads/", u->c->api_host, u->b->repo);
	if (n < 0)
		return brig_err_oom(e);
	struct reg_req rq = { .method = "POST" };
	struct reg_resp resp = { .max = REG_ERROR_BODY_MAX, .what = u->what };
	int r = reg_request_do(u->c, u->scope, url, &rq, &resp, e);
	if (r == 0 && from && resp.status == 201)
		r = check_digest(u->what, &resp, u->b->digest, e) ?: REG_PUSH_MOUNTED;
	else if (r == 0)
		r = expect(u, &resp, 202, "POST", e) ?: take_location(u, url, &resp, e);
	reg_resp_reset(&resp);
	return r;
}

/* The upload URL with digest=DIGEST added to its query. */
static int with_digest(const struct upload *u, char **out, struct brig_err *e)
{
	CURLU *h = curl_url();
	_cleanup_free_ char *q = NULL;
	int r = 0;
	if (!h || asprintf(&q, "digest=%s", u->b->digest) < 0)
		r = brig_err_oom(e);
	char *url = NULL;
	if (r == 0 &&
	    (curl_url_set(h, CURLUPART_URL, u->location, 0) != CURLUE_OK ||
	     curl_url_set(h, CURLUPART_QUERY, q, CURLU_APPENDQUERY) != CURLUE_OK ||
	     curl_url_get(h, CURLUPART_URL, &url, 0) != CURLUE_OK))
		r = brig_err_set(e, -EPROTO, "%s: the upload URL does not parse", u->what);
	curl_url_cleanup(h);
	if (r == 0) {
		*out = strdup(url);
		r = *out ? 0 : brig_err_oom(e);
	}
	curl_free(url);
	return r;
}

/* PATCH bytes [off, off+len) of the blob; u->location moves on. */
static int blob_patch(struct upload *u, uint64_t off, uint64_t len, struct brig_err *e)
{
	char range[64];
	snprintf(range, sizeof(range), "%llu-%llu", (unsigned long long)off,
		 (unsigned long long)(off + len - 1));
	struct reg_body body = { .fd = u->b->fd, .off = off, .len = len, .hash = &u->hash };
	struct reg_req rq = {
		.method = "PATCH", .content_type = OCTETS, .content_range = range, .body = &body
	};
	struct reg_resp resp = { .max = REG_ERROR_BODY_MAX, .what = u->what };
	_cleanup_free_ char *url = strdup(u->location);
	int r = url ? reg_request_do(u->c, u->scope, url, &rq, &resp, e) : brig_err_oom(e);
	if (r == 0)
		r = expect(u, &resp, 202, "PATCH", e) ?: take_location(u, url, &resp, e);
	reg_resp_reset(&resp);
	return r;
}

/* The closing PUT ?digest=, with the whole blob (monolithic) or nothing. */
static int blob_put(struct upload *u, bool whole, struct brig_err *e)
{
	_cleanup_free_ char *url = NULL;
	int r = with_digest(u, &url, e);
	if (r < 0)
		return r;
	struct reg_body body = { .fd = u->b->fd, .len = u->b->size, .hash = &u->hash };
	struct reg_req rq = { .method = "PUT",
			      .content_type = OCTETS,
			      .body = whole ? &body : NULL };
	struct reg_resp resp = { .max = REG_ERROR_BODY_MAX, .what = u->what };
	r = reg_request_do(u->c, u->scope, url, &rq, &resp, e);
	if (r == 0)
		r = expect(u, &resp, 201, "PUT", e)
			?: check_digest(u->what, &resp, u->b->digest, e);
	reg_resp_reset(&resp);
	return r;
}

static int blob_upload(struct upload *u, struct brig_err *e)
{
	uint64_t chunk = u->b->chunk ? u->b->chunk : REG_PUSH_CHUNK;
	if (u->b->size <= chunk)
		return blob_put(u, true, e);
	for (uint64_t off = 0; off < u->b->size; off += chunk) {
		uint64_t n = u->b->size - off < chunk ? u->b->size - off : chunk;
		int r = blob_patch(u, off, n, e);
		if (r < 0)
			return r;
	}
	return blob_put(u, false, e);
}

static int upload_init(struct upload *u, struct reg_client *c, const struct reg_push_blob *b,
		       struct brig_err *e)
{
	*u = (struct upload){ .c = c, .b = b };
	if (!brig_digest_valid(b->digest))
		return brig_err_set(e, -EINVAL, "bad blob digest '%.100s'", b->digest);
	if (asprintf(&u->scope, "repository:%s:push,pull", b->repo) < 0 ||
	    asprintf(&u->what, "%s/%s blob %s", c->host, b->repo, b->digest) < 0 ||
	    !(u->hash.h = brig_sha256_new())) {
		u->scope = u->what = NULL;
		return brig_err_oom(e);
	}
	u->hash.size = b->size;
	u->hash.want = b->digest;
	return 0;
}

int reg_blob_push(struct reg_client *c, const struct reg_push_blob *b, struct brig_err *e)
{
	struct upload u;
	int r = upload_init(&u, c, b, e);
	if (r == 0 && (r = blob_head(&u, e)) == 1)
		r = REG_PUSH_EXISTS;
	if (r == 0 && b->mount_from && strcmp(b->mount_from, b->repo) != 0)
		r = blob_start(&u, b->mount_from, e);
	else if (r == 0)
		r = blob_start(&u, NULL, e);
	if (r == 0 && (r = blob_upload(&u, e)) == 0)
		r = REG_PUSH_PUSHED;
	upload_clear(&u);
	return r;
}

int reg_manifest_put(struct reg_client *c, const char *repo, const char *ref,
		     const char *media_type, const void *body, size_t len,
		     char digest[REG_DIGEST_SIZE], struct brig_err *e)
{
	char hex[BRIG_SHA256_HEX];
	if (brig_sha256_buf(body, len, hex) < 0)
		return brig_err_oom(e);
	snprintf(digest, REG_DIGEST_SIZE, "sha256:%s", hex);
	_cleanup_free_ char *url = NULL, *what = NULL, *scope = NULL;
	if (asprintf(&url, "https://%s/v2/%s/manifests/%s", c->api_host, repo, ref) < 0 ||
	    asprintf(&what, "%s/%s manifest %s", c->host, repo, ref) < 0 ||
	    asprintf(&scope, "repository:%s:push,pull", repo) < 0)
		return brig_err_oom(e);
	struct reg_body b = { .buf = body, .len = len };
	struct reg_req rq = { .method = "PUT", .content_type = media_type, .body = &b };
	struct reg_resp resp = { .max = REG_ERROR_BODY_MAX, .what = what };
	int r = reg_request_do(c, scope, url, &rq, &resp, e);
	if (r == 0 && resp.status != 201)
		r = reg_status_error(c, &resp, what + strlen(c->host) + 1, e);
	if (r == 0)
		r = check_digest(what, &resp, digest, e);
	reg_resp_reset(&resp);
	return r;
}
