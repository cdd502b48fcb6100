/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The client: one registry, its TLS settings and credentials, and the
 * answer to a 401 (Basic credentials, or a Bearer token from the realm the
 * challenge names, cached per scope until it expires: token.c).
 */
#include "registry/registry-internal.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <string.h>
#include <sys/stat.h>

static int basic_header(const char *user, const char *password, char **out, struct brig_err *e)
{
	_cleanup_free_ char *plain = NULL;
	if (strchr(user, ':'))
		return brig_err_set(e, -EINVAL, "a user name must not contain ':'");
	if (asprintf(&plain, "%s:%s", user, password) < 0)
		return brig_err_oom(e);
	size_t n = strlen(plain);
	_cleanup_free_ char *b64 = malloc(4 * ((n + 2) / 3) + 1);
	if (!b64) {
		explicit_bzero(plain, n);
		return brig_err_oom(e);
	}
	EVP_EncodeBlock((unsigned char *)b64, (unsigned char *)plain, (int)n);
	int r = asprintf(out, "Basic %s", b64) < 0 ? brig_err_oom(e) : 0;
	explicit_bzero(plain, n);
	explicit_bzero(b64, strlen(b64));
	return r;
}

int reg_find_ca(const char *certs_dir, const char *hostport, char **out, struct brig_err *e)
{
	_cleanup_free_ char *path = NULL;
	*out = NULL;
	if (!hostport[0] || strchr(hostport, '/') || hostport[0] == '.')
		return brig_err_set(e, -EINVAL, "bad registry host '%.100s'", hostport);
	if (asprintf(&path, "%s/%s/ca.crt", certs_dir ? certs_dir : REG_DEFAULT_CERTS_DIR,
		     hostport) < 0)
		return brig_err_oom(e);
	struct stat st;
	if (stat(path, &st) < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : brig_err_sys(e, errno, "%s", path);
	if (!S_ISREG(st.st_mode))
		return brig_err_set(e, -EINVAL, "%s: not a regular file", path);
	*out = brig_steal_ptr(path);
	return 0;
}

/* CERTS_DIR/HOST/client.cert and client.key: both or neither. */
static int find_client_cert(struct reg_client *c, struct brig_err *e)
{
	_cleanup_free_ char *cert = NULL, *key = NULL;
	const char *dir = c->certs_dir ? c->certs_dir : REG_DEFAULT_CERTS_DIR;
	if (asprintf(&cert, "%s/%s/client.cert", dir, c->host) < 0 ||
	    asprintf(&key, "%s/%s/client.key", dir, c->host) < 0)
		return brig_err_oom(e);
	struct stat sc, sk;
	bool has_cert = stat(cert, &sc) == 0;
	if (!has_cert && errno != ENOENT && errno != ENOTDIR)
		return brig_err_sys(e, errno, "%s", cert);
	bool has_key = stat(key, &sk) == 0;
	if (!has_key && errno != ENOENT && errno != ENOTDIR)
		return brig_err_sys(e, errno, "%s", key);
	if (has_cert != has_key)
		return brig_err_set(e, -EINVAL, "%s: found without %s", has_cert ? cert : key,
				    has_cert ? "client.key" : "client.cert");
	if (has_cert && (!S_ISREG(sc.st_mode) || !S_ISREG(sk.st_mode)))
		return brig_err_set(e, -EINVAL, "%s, %s: not regular files", cert, key);
	if (has_cert) {
		c->client_cert = brig_steal_ptr(cert);
		c->client_key = brig_steal_ptr(key);
	}
	return 0;
}

static int client_init(struct reg_client *c, const struct reg_opts *o, struct brig_err *e)
{
	bool hub = strcmp(o->host, "docker.io") == 0;
	_cleanup_free_ char *url = NULL;
	if (!(c->host = strdup(o->host)) ||
	    !(c->api_host = strdup(hub ? "registry-1.docker.io" : o->host)) ||
	    asprintf(&url, "https://%s/v2/", c->api_host) < 0)
		return brig_err_oom(e);
	if (!(c->origin = reg_origin(url)))
		return brig_err_set(e, -EINVAL, "bad registry host '%s'", o->host);
	c->tls_verify = o->tls_verify && !o->insecure;
	c->insecure = o->insecure;
	if (o->certs_dir && !(c->certs_dir = strdup(o->certs_dir)))
		return brig_err_oom(e);
	int r = reg_find_ca(c->certs_dir, c->host, &c->ca_file, e);
	if (r == 0)
		r = find_client_cert(c, e);
	if (r == 0 && o->user && strcmp(o->user, REG_IDENTITY_USER) == 0) {
		if (!(c->identity = strdup(o->password ? o->password : "")))
			return brig_err_oom(e);
	} else if (r == 0 && o->user &&
		   (r = basic_header(o->user, o->password ? o->password : "", &c->basic, e)) < 0) {
		return r;
	}
	if (r == 0 && !(c->curl = curl_easy_init()))
		r = brig_err_set(e, -ENOMEM, "cannot start libcurl");
	return r;
}

int reg_client_new(const struct reg_opts *o, struct reg_client **out, struct brig_err *e)
{
	int r = reg_curl_load(e);
	if (r < 0)
		return r;
	struct reg_client *c = calloc(1, sizeof(*c));
	if (!c)
		return brig_err_oom(e);
	r = client_init(c, o, e);
	if (r < 0) {
		reg_client_free(c);
		return r;
	}
	*out = c;
	return 0;
}

void reg_client_free(struct reg_client *c)
{
	if (!c)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	if (c->basic) {
		explicit_bzero(c->basic, strlen(c->basic));
		free(c->basic);
	}
	if (c->identity) {
		explicit_bzero(c->identity, strlen(c->identity));
		free(c->identity);
	}
	for (size_t i = 0; i < c->n_tokens; i++) {
		free(c->tokens[i].scope);
		explicit_bzero(c->tokens[i].authz, strlen(c->tokens[i].authz));
		free(c->tokens[i].authz);
	}
	free(c->host);
	free(c->api_host);
	free(c->origin);
	free(c->ca_file);
	free(c->client_cert);
	free(c->client_key);
	free(c->certs_dir);
	free(c);
}

const char *reg_client_host(const struct reg_client *c)
{
	return c->api_host;
}

const char *reg_client_certs_dir(const struct reg_client *c)
{
	return c->certs_dir;
}

int reg_status_error(const struct reg_client *c, const struct reg_resp *resp, const char *what,
		     struct brig_err *e)
{
	long s = resp->status;
	const char *why = s == 401 ? "unauthorized (credentials missing or refused)"
		: s == 403         ? "forbidden"
		: s == 404         ? "not found"
		: s == 429         ? "too many requests"
		: s >= 500         ? "the registry failed"
				   : "unexpected response";
	return brig_err_set(e,
			    s == 404                       ? -ENOENT
				    : s == 401 || s == 403 ? -EACCES
							   : -EPROTO,
			    "%s: %s: HTTP %ld, %s", c->host, what, s, why);
}

/* ---- Bearer tokens -------------------------------------------------------- */

static int token_url(const struct reg_challenge *ch, const char *scope, char **out,
		     struct brig_err *e)
{
	CURLU *u = curl_url();
	_cleanup_free_ char *sv = NULL, *sc = NULL;
	int r = 0;
	if (!u || (ch->service && asprintf(&sv, "service=%s", ch->service) < 0) ||
	    (scope && asprintf(&sc, "scope=%s", scope) < 0))
		r = brig_err_oom(e);
	unsigned f = CURLU_APPENDQUERY | CURLU_URLENCODE;
	if (r == 0 &&
	    (curl_url_set(u, CURLUPART_URL, ch->realm, 0) != CURLUE_OK ||
	     (sv && curl_url_set(u, CURLUPART_QUERY, sv, f) != CURLUE_OK) ||
	     (sc && curl_url_set(u, CURLUPART_QUERY, sc, f) != CURLUE_OK) ||
	     curl_url_get(u, CURLUPART_URL, out, 0) != CURLUE_OK))
		r = brig_err_set(e, -EPROTO, "the Bearer realm '%.200s' is not a usable URL",
				 ch->realm);
	curl_url_cleanup(u);
	return r;
}

/* A new token for scope from the challenge's realm, cached; *authz is
 * it (owned by the cache). */
static int fetch_token(struct reg_client *c, const struct reg_challenge *ch, const char *scope,
		       const char **authz, struct brig_err *e)
{
	const char *sc = ch->scope ? ch->scope : scope;
	char *url = NULL;
	int r = token_url(ch, sc, &url, e);
	if (r < 0)
		return r;
	_cleanup_free_ char *origin = reg_origin(url);
	char *tok = NULL;
	int64_t life = 0, now = reg_monotonic_now();
	struct reg_resp resp = { .max = REG_TOKEN_MAX, .what = "token request" };
	if (!origin)
		r = brig_err_set(e, -EPROTO, "the Bearer realm is not an https URL");
	else if (c->identity)
		r = reg_oauth_refresh(c, ch, sc, origin, &tok, &life, e);
	else
		r = reg_http_get(c, url, "application/json", c->basic, origin, &resp, e);
	curl_free(url);
	if (r == 0 && !c->identity && resp.status != 200)
		r = reg_status_error(c, &resp, "token request", e);
	if (r == 0 && !c->identity)
		r = reg_token_parse(resp.body, resp.len, time(NULL), &tok, &life, e);
	reg_resp_reset(&resp);
	/* Cached under the scope it was issued for: a token the registry asked
	 * for "pull" (a HEAD) must not answer for "pull,push" later. */
	if (r == 0 && (r = reg_token_put(c, sc, tok, now + life, e)) == 0)
		*authz = tok;
	return r < 0 ? brig_err_wrap(e, "%s: Bearer token", c->host) : 0;
}

/* 1: retry with *authz; 0: nothing more to try (sent, what the refused
 * request carried, was already our best). */
static int answer(struct reg_client *c, const char *scope, const struct reg_resp *resp,
		  const char *sent, const char **authz, struct brig_err *e)
{
	struct reg_challenge ch;
	int r = reg_challenge_parse(resp->www_auth, &ch, e);
	if (r < 0)
		return brig_err_wrap(e, "%s", c->host);
	if (ch.scheme == REG_AUTH_BASIC) {
		r = c->basic_on ? 0 : 1;
		if (c->identity)
			r = brig_err_set(e, -EACCES,
					 "%s: the registry asks for Basic credentials; an identity "
					 "token serves only registries with Bearer token auth",
					 c->host);
		else if (!c->basic)
			r = brig_err_set(e, -EACCES,
					 "%s: the registry asks for credentials and none were "
					 "given (brig login, or --authfile)",
					 c->host);
		c->basic_on = true;
		*authz = c->basic;
	} else {
		/* Refused with a token: only a token for another scope (the one
		 * this challenge names) is worth one more try. */
		const char *want = ch.scope ? ch.scope : scope;
		const char *have = want ? reg_token_get(c, want, reg_monotonic_now()) : NULL;
		if (have && sent && strcmp(have, sent) == 0) {
			r = 0;
		} else if (have) {
			*authz = have;
			r = 1;
		} else {
			r = fetch_token(c, &ch, scope, authz, e);
			r = r < 0 ? r : 1;
		}
	}
	reg_challenge_clear(&ch);
	return r;
}

int reg_request(struct reg_client *c, const char *repo, const char *url, const char *accept,
		struct reg_resp *resp, struct brig_err *e)
{
	_cleanup_free_ char *scope = NULL;
	if (repo && asprintf(&scope, "repository:%s:pull", repo) < 0)
		return brig_err_oom(e);
	struct reg_req rq = { .accept = accept };
	return reg_request_do(c, scope, url, &rq, resp, e);
}

int reg_request_do(struct reg_client *c, const char *scope, const char *url,
		   const struct reg_req *rq, struct reg_resp *resp, struct brig_err *e)
{
	const char *authz = c->basic_on ? c->basic : reg_token_get(c, scope, reg_monotonic_now());
	for (int attempt = 0;; attempt++) {
		int r = reg_http_do(c, url, rq, authz, c->origin, resp, e);
		if (r < 0 || resp->status != 401 || attempt == 1)
			return r;
		if ((r = answer(c, scope, resp, authz, &authz, e)) <= 0)
			return r;
	}
}

int reg_ping(struct reg_client *c, struct brig_err *e)
{
	_cleanup_free_ char *url = NULL;
	if (asprintf(&url, "https://%s/v2/", c->api_host) < 0)
		return brig_err_oom(e);
	struct reg_resp resp = { .max = REG_ERROR_BODY_MAX, .what = "GET /v2/" };
	int r = reg_request(c, NULL, url, NULL, &resp, e);
	if (r == 0 && resp.status != 200)
		r = reg_status_error(c, &resp, "GET /v2/", e);
	reg_resp_reset(&resp);
	return r;
}
