/* SPDX-License-Identifier: Apache-2.0 */
/* registry: what its files share (private to src/registry). */
#ifndef BRIG_REGISTRY_INTERNAL_H
#define BRIG_REGISTRY_INTERNAL_H

#include "registry/registry.h"

#include <time.h>

#include "registry/curl-shim.h"

#include <time.h>
#include <stdatomic.h>

/* Error bodies are kept up to this size (and the rest dropped). */
#define REG_ERROR_BODY_MAX 4096
#define REG_TOKEN_MAX ((size_t)64 << 10)
#define REG_MAX_TOKENS 16

#define REG_AUTHFILE_MAX ((size_t)1 << 20)
/* A token's life when the token server does not say (distribution's
 * token spec). */
#define REG_TOKEN_DEFAULT_LIFE 60

struct reg_token {
	char *scope;
	char *authz; /* "Bearer ..." */
	int64_t expires; /* CLOCK_MONOTONIC seconds: unusable from then on */
};

struct reg_client {
	CURL *curl;
	char *host; /* the registry as named ("127.0.0.1:5000") */
	char *api_host; /* where requests go ("registry-1.docker.io") */
	char *origin; /* "https://api_host:port", normalised (reg_origin) */
	char *certs_dir; /* NULL: REG_DEFAULT_CERTS_DIR */
	char *ca_file; /* CERTS_DIR/HOST/ca.crt when it exists */
	bool tls_verify;
	bool insecure; /* plain http allowed (reg_opts.insecure) */
	bool plain_http, scheme_known; /* what the first request found */
	char *client_cert, *client_key; /* CERTS_DIR/HOST/client.{cert,key} */
	char *basic; /* "Basic base64(user:password)" or NULL */
	char *identity; /* an identity (OAuth2 refresh) token instead, or NULL */
	bool basic_on; /* the registry asked for Basic: send it */
	struct reg_token tokens[REG_MAX_TOKENS];
	size_t n_tokens;
	const atomic_bool *cancel; /* reg_client_cancel_on */
};

/* One response.  The body goes to sink when the status is 200 and a sink
 * is set, else into body (at most max bytes: more is an error when no
 * sink is set, dropped otherwise). */
struct reg_resp {
	long status;
	char *content_type, *docker_digest, *www_auth, *location;
	int64_t content_length; /* -1 when absent */
	char *content_range; /* a 206's Content-Range */
	uint64_t range_from; /* > 0: ask for bytes range_from- (Range); the
				sink then gets a 206's body too */
	char *body;
	size_t len, max;
	reg_sink_fn sink;
	void *ctx;
	const char *what; /* "manifest ..." for messages */
	char *retry_after; /* the Retry-After header, NULL when absent */
	char *link; /* the Link header (tags list pages), NULL when absent */
	uint64_t sunk; /* bytes handed to sink: a request that got some is not retried */
	const atomic_bool *cancel; /* true: stop the transfer (from the client) */
	struct brig_err *e; /* where callbacks record their error */
	int failed; /* a callback's error code */
};
/* Free what the last response filled; keep sink, max and what. */
void reg_resp_reset(struct reg_resp *r);

/* CERTS_DIR/HOSTPORT/ca.crt when it is a regular file (*out NULL when
 * there is none). */
int reg_find_ca(const char *certs_dir, const char *hostport, char **out, struct brig_err *e);

/* A request body: len bytes from buf, or from fd at offset off (read
 * with pread, so it can be sent again after a 401 or a 307/308).  With
 * hash set, the bytes of fd are hashed the first time they are read
 * (hash->upto: how far, as an offset in fd). */
struct reg_hash {
	struct brig_sha256 *h;
	uint64_t upto;
	uint64_t size; /* the whole: when upto reaches it, the digest is */
	const char *want; /* checked against want (a mismatch stops the request) */
};
struct reg_body {
	const void *buf;
	int fd;
	uint64_t off, len;
	struct reg_hash *hash;
	uint64_t pos; /* while it is sent */
	int err; /* a read error (negative errno) */
};
/* What to send: method (NULL: GET; HEAD; POST, PUT and PATCH send body,
 * empty when NULL) and the headers that are set. */
struct reg_req {
	const char *method;
	const char *accept, *content_type, *content_range;
	struct reg_body *body;
};

/* "https://host:port" of url (the default port made explicit), malloc'ed;
 * NULL when url does not parse or is not https. */
char *reg_origin(const char *url);
/* GET url following redirects (https only, at most REG_MAX_REDIRECTS);
 * authz (a whole header value, or NULL) is sent only to authz_origin. */
int reg_http_get(struct reg_client *c, const char *url, const char *accept, const char *authz,
		 const char *authz_origin, struct reg_resp *resp, struct brig_err *e);

/* The same for any request.  A request with a body follows only 307
 * and 308 (the body is sent again); another redirect is an error. */
int reg_http_do(struct reg_client *c, const char *url, const struct reg_req *rq, const char *authz,
		const char *authz_origin, struct reg_resp *resp, struct brig_err *e);
/* location (a Location header) resolved against url; https only. */
int reg_resolve_url(const char *url, const char *location, const char *what, char **out,
		    struct brig_err *e);

/* Retries (http.c): 429, 500, 502, 503, 504 and transient connection
 * errors are retried, before any byte went to a sink, at most
 * REG_RETRY_ATTEMPTS times in all, waiting REG_RETRY_BASE_MS doubled each
 * time (BRIG_REGISTRY_RETRY_BASE_MS overrides the base, for tests) or what
 * Retry-After asks; a Retry-After above REG_RETRY_AFTER_MAX_S fails at once,
 * and the waits of one request add up to at most REG_RETRY_BUDGET_MS. */
#define REG_RETRY_ATTEMPTS 4
#define REG_RETRY_BASE_MS 200
#define REG_RETRY_AFTER_MAX_S 60
#define REG_RETRY_BUDGET_MS 65000
/* Retry-After (delta-seconds or an HTTP-date, RFC 9110) as seconds from
 * now (a date in the past is 0); -EINVAL when it is neither. */
int reg_retry_after_parse(const char *v, time_t now, long long *secs);
/* After attempt n (0-based) of an idempotent request ended with r (cc: its
 * curl result): 1 when it is to be sent again (the wait is done), 0 when r
 * is the answer, or the error that ends it ("gave up after N attempts"). */
int reg_retry_next(const struct reg_client *c, const struct reg_resp *resp, int r, CURLcode cc,
		   int n, long long *waited, struct brig_err *e);

/* Tags lists (tags.c): REG_TAGS_PAGE tags asked for per page
 * (BRIG_REGISTRY_TAGS_PAGE may lower it, for tests), each page's body at
 * most REG_TAGS_BODY_MAX bytes, at most REG_TAGS_PAGES pages. */
#define REG_TAGS_PAGE 1000
#define REG_TAGS_BODY_MAX ((size_t)1 << 20)
#define REG_TAGS_PAGES 100
/* The URI of the link-value whose rel is "next" in a Link header (RFC 8288:
 * `<URI>; rel="next"`, link-values separated by commas), malloc'ed; *uri
 * NULL when there is none; -EBADMSG when a link-value has no <URI>. */
int reg_link_next(const char *header, char **uri, const char *what, struct brig_err *e);

/* A registry request for repo (NULL: the ping), answering one 401 with
 * Basic credentials or a Bearer token. */
int reg_request(struct reg_client *c, const char *repo, const char *url, const char *accept,
		struct reg_resp *resp, struct brig_err *e);
/* Any request, its 401 answered for scope ("repository:REPO:push,pull";
 * NULL: none). */
int reg_request_do(struct reg_client *c, const char *scope, const char *url,
		   const struct reg_req *rq, struct reg_resp *resp, struct brig_err *e);
/* The error for an unexpected status: "HOST: WHAT: 404 Not Found ...". */
int reg_status_error(const struct reg_client *c, const struct reg_resp *resp, const char *what,
		     struct brig_err *e);

/* ---- credentials (creds.c, credhelper.c) ---- */

/* What a credential helper is asked about for host (Docker Hub's
 * "https://index.docker.io/v1/" for docker.io). */
const char *reg_helper_server(const char *host);
/* docker-credential-NAME get for server: 1 with *user, *password
 * (malloc'ed), 0 when it has none. */
int reg_helper_get(const char *name, const char *server, char **user, char **password,
		   struct brig_err *e);

/* ---- Bearer tokens (token.c) ---- */

/* The token server's answer: *authz "Bearer TOKEN" (malloc'ed) and *life,
 * the seconds it may still be used: expires_in (default
 * REG_TOKEN_DEFAULT_LIFE) counted from issued_at when given (RFC 3339
 * UTC), never more than expires_in from now_real, 0 when already past.
 * Strict: a JSON object, token or access_token a printable string of at
 * most REG_TOKEN_MAX bytes (both given: equal), expires_in a positive
 * integer, issued_at a valid time. */
/* Credentials whose user is this are an identity token (the password). */
#define REG_IDENTITY_USER "<token>"
/* oauth.c: a token for scope from the challenge's realm (its origin given)
 * with the client's identity token (grant_type=refresh_token, POST). */
int reg_oauth_refresh(struct reg_client *c, const struct reg_challenge *ch, const char *scope,
		      const char *origin, char **authz, int64_t *life, struct brig_err *e);
int reg_token_parse(const char *body, size_t len, time_t now_real, char **authz, int64_t *life,
		    struct brig_err *e);
/* The cached token for scope that is still usable at now (monotonic
 * seconds), or NULL. */
const char *reg_token_get(const struct reg_client *c, const char *scope, int64_t now);
/* Cache authz (taken over) for scope until now + life, replacing the
 * scope's old token; when the cache is full an expired entry, else the
 * oldest, gives way. */
int reg_token_put(struct reg_client *c, const char *scope, char *authz, int64_t expires,
		  struct brig_err *e);
int64_t reg_monotonic_now(void);

#endif
