/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Identity tokens: credentials that are an OAuth2 refresh token (Docker's
 * `identitytoken` in auth.json or config.json, or a credential helper's
 * user name "<token>").  They are never sent as Basic credentials: for a
 * Bearer challenge the token endpoint (the realm) gets a POST of
 *
 *   grant_type=refresh_token&refresh_token=T&service=S&scope=A&client_id=brig
 *
 * (application/x-www-form-urlencoded, as distribution's OAuth2 token spec
 * says), and its answer is parsed as a GET's is (reg_token_parse: token or
 * access_token, expires_in, issued_at).  A refresh_token in the answer
 * replaces the one held, for the rest of this client's life (auth.json is
 * not rewritten).  The form, which holds the token, is wiped after use.
 */
#include "registry/registry-internal.h"

#include <ctype.h>
#include <string.h>

#define CLIENT_ID "brig"

/* s percent-encoded for a form (unreserved bytes kept), appended at *p. */
static char *form_put(char *p, const char *name, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	p += sprintf(p, "%s%s=", *name == 'g' ? "" : "&", name);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (isalnum(ch) || strchr("-._~", ch)) {
			*p++ = (char)ch;
		} else {
			*p++ = '%';
			*p++ = hex[ch >> 4];
			*p++ = hex[ch & 15];
		}
	}
	*p = 0;
	return p;
}

static char *make_form(const char *refresh, const char *service, const char *scope)
{
	size_t n = 128 +
		3 *
			(strlen(refresh) + (service ? strlen(service) : 0) +
			 (scope ? strlen(scope) : 0));
	char *f = malloc(n), *p = f;
	if (!f)
		return NULL;
	p = form_put(p, "grant_type", "refresh_token");
	p = form_put(p, "refresh_token", refresh);
	if (service)
		p = form_put(p, "service", service);
	if (scope)
		p = form_put(p, "scope", scope);
	(void)form_put(p, "client_id", CLIENT_ID);
	return f;
}

/* A refresh_token in the answer: the one to use from now on. */
static int rotate(struct reg_client *c, const char *body, size_t len, struct brig_err *e)
{
	_cleanup_json_ json_t *doc = NULL;
	struct brig_err ignore = { 0 };
	int r = bj_parse(body, len, "token response", &doc, &ignore);
	brig_err_clear(&ignore);
	json_t *t = r == 0 ? json_object_get(doc, "refresh_token") : NULL;
	if (!t)
		return 0;
	const char *s = json_string_value(t);
	if (!s || !s[0] || strlen(s) > REG_TOKEN_MAX)
		return brig_err_set(e, -EPROTO, "the token server's refresh_token is malformed");
	char *copy = strdup(s);
	if (!copy)
		return brig_err_oom(e);
	explicit_bzero(c->identity, strlen(c->identity));
	free(c->identity);
	c->identity = copy;
	return 0;
}

int reg_oauth_refresh(struct reg_client *c, const struct reg_challenge *ch, const char *scope,
		      const char *origin, char **authz, int64_t *life, struct brig_err *e)
{
	char *form = make_form(c->identity, ch->service, scope);
	if (!form)
		return brig_err_oom(e);
	struct reg_body body = { .buf = form, .fd = -1, .len = strlen(form) };
	const struct reg_req rq = { .method = "POST",
				    .accept = "application/json",
				    .content_type = "application/x-www-form-urlencoded",
				    .body = &body };
	struct reg_resp resp = { .max = REG_TOKEN_MAX, .what = "token request (refresh_token)" };
	int r = reg_http_do(c, ch->realm, &rq, NULL, origin, &resp, e);
	explicit_bzero(form, body.len);
	free(form);
	if (r == 0 && resp.status != 200)
		r = reg_status_error(
			c, &resp, "token request (OAuth2 refresh_token grant, identity token)", e);
	if (r == 0)
		r = reg_token_parse(resp.body, resp.len, time(NULL), authz, life, e);
	if (r == 0 && (r = rotate(c, resp.body, resp.len, e)) < 0) {
		explicit_bzero(*authz, strlen(*authz));
		free(*authz);
		*authz = NULL;
	}
	reg_resp_reset(&resp);
	return r;
}
