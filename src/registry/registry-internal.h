/* SPDX-License-Identifier: Apache-2.0 */
/* registry: what its files share (private to src/registry). */
#ifndef BRIG_REGISTRY_INTERNAL_H
#define BRIG_REGISTRY_INTERNAL_H

#include "registry/registry.h"

#include "registry/curl-shim.h"

#include <stdatomic.h>

/* Error bodies are kept up to this size (and the rest dropped). */
#define REG_ERROR_BODY_MAX 4096
#define REG_TOKEN_MAX ((size_t)64 << 10)
#define REG_MAX_TOKENS 16

struct reg_token {
	char *scope;
	char *authz; /* "Bearer ..." */
};

struct reg_client {
	CURL *curl;
	char *host; /* the registry as named ("127.0.0.1:5000") */
	char *api_host; /* where requests go ("registry-1.docker.io") */
	char *origin; /* "https://api_host:port", normalised (reg_origin) */
	char *certs_dir; /* NULL: REG_DEFAULT_CERTS_DIR */
	char *ca_file; /* CERTS_DIR/HOST/ca.crt when it exists */
	bool tls_verify;
	char *basic; /* "Basic base64(user:password)" or NULL */
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
	const atomic_bool *cancel; /* true: stop the transfer (from the client) */
	struct brig_err *e; /* where callbacks record their error */
	int failed; /* a callback's error code */
};
/* Free what the last response filled; keep sink, max and what. */
void reg_resp_reset(struct reg_resp *r);

/* CERTS_DIR/HOSTPORT/ca.crt when it is a regular file (*out NULL when
 * there is none). */
int reg_find_ca(const char *certs_dir, const char *hostport, char **out, struct brig_err *e);

/* "https://host:port" of url (the default port made explicit), malloc'ed;
 * NULL when url does not parse or is not https. */
char *reg_origin(const char *url);
/* GET url following redirects (https only, at most REG_MAX_REDIRECTS);
 * authz (a whole header value, or NULL) is sent only to authz_origin. */
int reg_http_get(struct reg_client *c, const char *url, const char *accept, const char *authz,
		 const char *authz_origin, struct reg_resp *resp, struct brig_err *e);

/* A registry request for repo (NULL: the ping), answering one 401 with
 * Basic credentials or a Bearer token. */
int reg_request(struct reg_client *c, const char *repo, const char *url, const char *accept,
		struct reg_resp *resp, struct brig_err *e);
/* The error for an unexpected status: "HOST: WHAT: 404 Not Found ...". */
int reg_status_error(const struct reg_client *c, const struct reg_resp *resp, const char *what,
		     struct brig_err *e);

#endif
