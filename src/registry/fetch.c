/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Manifests and blobs: GET, then check what came against what was asked.
 */
#include "registry/registry-internal.h"

#include <string.h>
#include <strings.h>

#define ACCEPT_MANIFESTS                                                      \
	REG_MT_OCI_MANIFEST ", " REG_MT_OCI_INDEX ", " REG_MT_DOCKER_MANIFEST \
			    ", " REG_MT_DOCKER_LIST

static const char *const manifest_types[] = {
	REG_MT_OCI_MANIFEST,
	REG_MT_OCI_INDEX,
	REG_MT_DOCKER_MANIFEST,
	REG_MT_DOCKER_LIST,
};

void reg_manifest_clear(struct reg_manifest *m)
{
	free(m->body);
	free(m->media_type);
	*m = (struct reg_manifest){ 0 };
}

static bool is_digest_ref(const char *ref)
{
	return strchr(ref, ':') != NULL;
}

/* The Content-Type without parameters, checked against the four types. */
static int content_type(const struct reg_resp *r, const char *what, char **out, struct brig_err *e)
{
	const char *ct = r->content_type ? r->content_type : "";
	size_t n = strcspn(ct, "; \t");
	static const char schema1[] = "application/vnd.docker.distribution.manifest.v1+";
	if (strncasecmp(ct, schema1, sizeof(schema1) - 1) == 0)
		return brig_err_set(e, -ENOTSUP,
				    "%s: a Docker schema 1 manifest (deprecated, unverifiable) "
				    "is not supported",
				    what);
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(manifest_types); i++)
		if (strlen(manifest_types[i]) == n && strncasecmp(ct, manifest_types[i], n) == 0)
			return (*out = strdup(manifest_types[i])) ? 0 : brig_err_oom(e);
	return brig_err_set(e, -EPROTO, "%s: unsupported Content-Type '%.100s'", what,
			    r->content_type ? ct : "(none)");
}

/* The body's own mediaType (when present) must be the Content-Type. */
static int check_body(const struct reg_manifest *m, const char *what, struct brig_err *e)
{
	_cleanup_json_ json_t *doc = NULL;
	if (bj_parse(m->body, m->len, what, &doc, e) < 0)
		return -EPROTO;
	if (!json_is_object(doc))
		return brig_err_set(e, -EPROTO, "%s: not a JSON object", what);
	json_t *sv = json_object_get(doc, "schemaVersion");
	if (json_is_integer(sv) && json_integer_value(sv) == 1)
		return brig_err_set(e, -ENOTSUP,
				    "%s: a Docker schema 1 manifest (deprecated, unverifiable) "
				    "is not supported",
				    what);
	if (!json_is_integer(sv) || json_integer_value(sv) != 2)
		return brig_err_set(e, -EPROTO, "%s: schemaVersion: expected 2", what);
	json_t *mt = json_object_get(doc, "mediaType");
	if (mt && (!json_is_string(mt) || strcmp(json_string_value(mt), m->media_type) != 0))
		return brig_err_set(
			e, -EPROTO, "%s: mediaType '%.100s' differs from the Content-Type '%s'",
			what, json_is_string(mt) ? json_string_value(mt) : "?", m->media_type);
	return 0;
}

static int check_digest(const struct reg_resp *r, const char *ref, struct reg_manifest *m,
			const char *what, struct brig_err *e)
{
	char hex[BRIG_SHA256_HEX];
	if (brig_sha256_buf(m->body, m->len, hex) < 0)
		return brig_err_oom(e);
	snprintf(m->digest, sizeof(m->digest), "sha256:%s", hex);
	if (is_digest_ref(ref) && strcmp(ref, m->digest) != 0)
		return brig_err_set(e, -EBADMSG,
				    "%s: the registry sent a manifest whose digest is %s, not the "
				    "digest asked for",
				    what, m->digest);
	if (r->docker_digest && strcmp(r->docker_digest, m->digest) != 0)
		return brig_err_set(e, -EBADMSG,
				    "%s: the manifest's digest is %s but Docker-Content-Digest "
				    "says %.80s",
				    what, m->digest, r->docker_digest);
	return 0;
}

int reg_manifest_get(struct reg_client *c, const char *repo, const char *ref,
		     struct reg_manifest *out, struct brig_err *e)
{
	*out = (struct reg_manifest){ 0 };
	if (is_digest_ref(ref) && !brig_digest_valid(ref))
		return brig_err_set(e, -EINVAL, "bad digest '%.100s'", ref);
	_cleanup_free_ char *url = NULL, *what = NULL;
	if (asprintf(&url, "https://%s/v2/%s/manifests/%s", c->api_host, repo, ref) < 0 ||
	    asprintf(&what, "%s/%s manifest %s", c->host, repo, ref) < 0)
		return brig_err_oom(e);
	struct reg_resp resp = { .max = REG_MANIFEST_MAX, .what = what };
	int r = reg_request(c, repo, url, ACCEPT_MANIFESTS, &resp, e);
	if (r == 0 && resp.status != 200)
		r = reg_status_error(c, &resp, what + strlen(c->host) + 1, e);
	if (r == 0 && resp.content_length > (int64_t)REG_MANIFEST_MAX)
		r = brig_err_set(e, -EFBIG, "%s: larger than %zu bytes", what, REG_MANIFEST_MAX);
	if (r == 0)
		r = content_type(&resp, what, &out->media_type, e);
	if (r == 0) {
		out->body = brig_steal_ptr(resp.body);
		out->len = resp.len;
		if (!out->body)
			r = brig_err_set(e, -EPROTO, "%s: empty body", what);
	}
	if (r == 0)
		r = check_digest(&resp, ref, out, what, e);
	if (r == 0)
		r = check_body(out, what, e);
	reg_resp_reset(&resp);
	if (r < 0)
		reg_manifest_clear(out);
	return r;
}

/* ---- blobs ---------------------------------------------------------------- */

struct blob_sink {
	reg_sink_fn sink;
	void *ctx;
	struct brig_sha256 *h;
	uint64_t size, got;
	uint64_t skip; /* bytes of this answer received already (a 200 to a Range) */
	bool started; /* this answer's first bytes were seen */
	const struct reg_resp *resp;
	const char *what;
};

/* "bytes START-END/TOTAL" starting at from, TOTAL size or '*'. */
static bool range_ok(const char *cr, uint64_t from, uint64_t size)
{
	unsigned long long start = 0, end = 0, total = 0;
	int n = 0;
	if (!cr || sscanf(cr, "bytes %llu-%llu/%n", &start, &end, &n) != 2 || n == 0)
		return false;
	if (start != from || end < start || end >= size)
		return false;
	if (strcmp(cr + n, "*") == 0)
		return true;
	return sscanf(cr + n, "%llu", &total) == 1 && total == size;
}

/* The first bytes of an answer: a 206 must continue where we are, a 200
 * (a registry that ignored Range) starts again from byte 0, and the bytes
 * we have already are dropped. */
static int blob_start(struct blob_sink *b, struct brig_err *e)
{
	const struct reg_resp *r = b->resp;
	b->started = true;
	b->skip = 0;
	if (r->status == 206 && !range_ok(r->content_range, r->range_from, b->size))
		return brig_err_set(e, -EPROTO,
				    "%s: a 206 answer with Content-Range '%.80s' for "
				    "bytes %llu-",
				    b->what, r->content_range ? r->content_range : "(none)",
				    (unsigned long long)r->range_from);
	if (r->status == 200)
		b->skip = b->got;
	int64_t want = r->status == 206 ? (int64_t)(b->size - b->got) : (int64_t)b->size;
	if (r->content_length >= 0 && r->content_length != want)
		return brig_err_set(e, -EBADMSG, "%s: Content-Length %lld, the manifest gives %llu",
				    b->what, (long long)r->content_length,
				    (unsigned long long)b->size);
	return 0;
}

static int blob_write(void *arg, const void *buf, size_t len, struct brig_err *e)
{
	struct blob_sink *b = arg;
	int r = b->started ? 0 : blob_start(b, e);
	if (r < 0)
		return r;
	size_t k = b->skip < len ? (size_t)b->skip : len;
	b->skip -= k;
	buf = (const char *)buf + k;
	len -= k;
	if (len == 0)
		return 0;
	if (len > b->size - b->got)
		return brig_err_set(e, -EFBIG, "%s: more than the %llu bytes the manifest gives",
				    b->what, (unsigned long long)b->size);
	b->got += len;
	if (b->h && brig_sha256_update(b->h, buf, len) < 0)
		return brig_err_set(e, -EIO, "%s: hashing failed", b->what);
	return b->sink(b->ctx, buf, len, e);
}

static int blob_finish(struct blob_sink *b, const char *digest, struct brig_err *e)
{
	char hex[BRIG_SHA256_HEX];
	if (b->got != b->size)
		return brig_err_set(e, -EBADMSG, "%s: %llu bytes received, the manifest gives %llu",
				    b->what, (unsigned long long)b->got,
				    (unsigned long long)b->size);
	if (!b->h)
		return 0; /* the sink's owner checks the digest */
	if (brig_sha256_final(b->h, hex) < 0)
		return brig_err_set(e, -EIO, "%s: hashing failed", b->what);
	if (strcmp(digest + 7, hex) != 0)
		return brig_err_set(e, -EBADMSG, "%s: the bytes received hash to sha256:%s",
				    b->what, hex);
	return 0;
}

/* One GET of what is missing (all of it, or from b->got on with Range). */
static int blob_attempt(struct reg_client *c, const char *repo, const char *url,
			struct blob_sink *b, struct reg_resp *resp, struct brig_err *e)
{
	resp->range_from = b->got;
	b->started = false;
	int r = reg_request(c, repo, url, NULL, resp, e);
	if (r == 0 && resp->status != 200 && !(resp->status == 206 && resp->range_from))
		r = reg_status_error(c, resp, b->what + strlen(c->host) + 1, e);
	if (r == 0 && !b->started && b->size > 0)
		r = blob_start(b, e); /* an empty answer: its headers are still checked */
	return r;
}

/* Whether a failed attempt may be resumed: the connection broke (or the
 * body ended early) while bytes of the blob were arriving. */
static bool resumable(int r, const struct reg_resp *resp, const struct blob_sink *b)
{
	if (resp->failed < 0 || b->got >= b->size)
		return false;
	bool body = resp->status == 200 || resp->status == 206;
	return (r == -EIO && (body || (resp->status == 0 && b->got > 0))) || (r == 0 && body);
}

static int blob_get(struct reg_client *c, const char *repo, const char *digest, uint64_t size,
		    reg_sink_fn sink, void *ctx, bool hash, struct brig_err *e)
{
	if (!brig_digest_valid(digest))
		return brig_err_set(e, -EINVAL, "bad blob digest '%.100s'", digest);
	_cleanup_free_ char *url = NULL, *what = NULL;
	if (asprintf(&url, "https://%s/v2/%s/blobs/%s", c->api_host, repo, digest) < 0 ||
	    asprintf(&what, "%s/%s blob %s", c->host, repo, digest) < 0)
		return brig_err_oom(e);
	_cleanup_sha256_ struct brig_sha256 *h = hash ? brig_sha256_new() : NULL;
	if (hash && !h)
		return brig_err_oom(e);
	struct reg_resp resp = { .sink = blob_write, .what = what };
	struct blob_sink b = {
		.sink = sink, .ctx = ctx, .h = h, .size = size, .resp = &resp, .what = what
	};
	resp.ctx = &b;
	int r;
	for (int resumes = 0;; resumes++) {
		r = blob_attempt(c, repo, url, &b, &resp, e);
		if (!resumable(r, &resp, &b) || resumes == REG_BLOB_MAX_RESUMES)
			break;
		brig_err_clear(e);
	}
	if (r == 0)
		r = blob_finish(&b, digest, e);
	reg_resp_reset(&resp);
	return r;
}

int reg_blob_get(struct reg_client *c, const char *repo, const char *digest, uint64_t size,
		 reg_sink_fn sink, void *ctx, struct brig_err *e)
{
	return blob_get(c, repo, digest, size, sink, ctx, true, e);
}

int reg_blob_get_unhashed(struct reg_client *c, const char *repo, const char *digest, uint64_t size,
			  reg_sink_fn sink, void *ctx, struct brig_err *e)
{
	return blob_get(c, repo, digest, size, sink, ctx, false, e);
}

void reg_client_cancel_on(struct reg_client *c, const atomic_bool *flag)
{
	c->cancel = flag;
}
