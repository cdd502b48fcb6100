/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bearer tokens: the token server's answer parsed strictly (distribution's
 * token spec: token / access_token, expires_in, issued_at) and the
 * client's cache, one token per scope, each used only until it expires.
 */
#include "registry/registry-internal.h"

#include <ctype.h>
#include <string.h>
#include <time.h>

/* Longest token life believed: a year. */
#define TOKEN_LIFE_MAX ((int64_t)366 * 24 * 3600)

int64_t reg_monotonic_now(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* RFC 3339: YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM). */
static int rfc3339(const char *s, time_t *out)
{
	struct tm tm = { 0 };
	if (strlen(s) < 20 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' ||
	    !digits(s + 8, 2) || (s[10] != 'T' && s[10] != 't') || !digits(s + 11, 2) ||
	    s[13] != ':' || !digits(s + 14, 2) || s[16] != ':' || !digits(s + 17, 2))
		return -1;
	tm.tm_year = atoi(s) - 1900;
	tm.tm_mon = atoi(s + 5) - 1;
	tm.tm_mday = atoi(s + 8);
	tm.tm_hour = atoi(s + 11);
	tm.tm_min = atoi(s + 14);
	tm.tm_sec = atoi(s + 17);
	if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
	    tm.tm_min > 59 || tm.tm_sec > 60)
		return -1;
	const char *p = s + 19;
	if (*p == '.') {
		size_t n = strspn(++p, "0123456789");
		if (n == 0)
			return -1;
		p += n;
	}
	long off = 0;
	if ((*p == '+' || *p == '-') && digits(p + 1, 2) && p[3] == ':' && digits(p + 4, 2) &&
	    !p[6])
		off = (*p == '-' ? -1 : 1) * (atol(p + 1) * 3600 + atol(p + 4) * 60);
	else if (!((*p == 'Z' || *p == 'z') && !p[1]))
		return -1;
	time_t t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	*out = t - off;
	return 0;
}

static int the_token(const json_t *doc, const char **out, struct brig_err *e)
{
	json_t *t = json_object_get(doc, "token"), *a = json_object_get(doc, "access_token");
	if ((t && !json_is_string(t)) || (a && !json_is_string(a)))
		return brig_err_set(e, -EPROTO, "the token server's token is not a string");
	const char *s = t ? json_string_value(t) : json_string_value(a);
	if (t && a && strcmp(s, json_string_value(a)) != 0)
		return brig_err_set(e, -EPROTO, "the token server's token and access_token differ");
	if (!s || !s[0] || strlen(s) > REG_TOKEN_MAX)
		return brig_err_set(e, -EPROTO, "the token server's answer holds no token");
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return brig_err_set(e, -EPROTO, "the token server's token is malformed");
	*out = s;
	return 0;
}

static int the_life(const json_t *doc, time_t now_real, int64_t *life, struct brig_err *e)
{
	struct bj_loc root;
	bj_root(&root, "the token server's answer");
	int64_t exp = REG_TOKEN_DEFAULT_LIFE;
	const char *issued = NULL;
	int r = bj_get_int(doc, &root, "expires_in", false, 1, TOKEN_LIFE_MAX, &exp, e);
	if (r >= 0)
		r = bj_get_str(doc, &root, "issued_at", false, &issued, e);
	if (r < 0)
		return r;
	*life = exp;
	if (!issued)
		return 0;
	time_t t;
	if (rfc3339(issued, &t) < 0)
		return brig_err_set(e, -EPROTO,
				    "the token server's issued_at '%.40s' is not an RFC 3339 time",
				    issued);
	int64_t left = (int64_t)t + exp - (int64_t)now_real;
	*life = left < 0 ? 0 : left < exp ? left : exp;
	return 0;
}

int reg_token_parse(const char *body, size_t len, time_t now_real, char **authz, int64_t *life,
		    struct brig_err *e)
{
	_cleanup_json_ json_t *doc = NULL;
	if (bj_parse(body ? body : "", len, "token response", &doc, e) < 0 || !json_is_object(doc))
		return brig_err_set(e, -EPROTO, "the token server's answer is not JSON");
	const char *tok = NULL;
	int r = the_token(doc, &tok, e);
	if (r == 0)
		r = the_life(doc, now_real, life, e);
	if (r == 0 && asprintf(authz, "Bearer %s", tok) < 0)
		r = brig_err_oom(e);
	return r;
}

const char *reg_token_get(const struct reg_client *c, const char *scope, int64_t now)
{
	for (size_t i = 0; i < c->n_tokens; i++)
		if (strcmp(c->tokens[i].scope, scope ? scope : "") == 0)
			return now < c->tokens[i].expires ? c->tokens[i].authz : NULL;
	return NULL;
}

static void token_drop(struct reg_client *c, size_t i)
{
	free(c->tokens[i].scope);
	explicit_bzero(c->tokens[i].authz, strlen(c->tokens[i].authz));
	free(c->tokens[i].authz);
	c->tokens[i] = c->tokens[--c->n_tokens];
}

/* The slot for scope: its old entry dropped; room made when full. */
static void token_room(struct reg_client *c, const char *scope, int64_t now)
{
	size_t oldest = 0;
	for (size_t i = 0; i < c->n_tokens; i++) {
		if (strcmp(c->tokens[i].scope, scope) == 0 || c->tokens[i].expires <= now) {
			token_drop(c, i);
			i--;
		}
	}
	if (c->n_tokens < REG_MAX_TOKENS)
		return;
	for (size_t i = 1; i < c->n_tokens; i++)
		if (c->tokens[i].expires < c->tokens[oldest].expires)
			oldest = i;
	token_drop(c, oldest);
}

int reg_token_put(struct reg_client *c, const char *scope, char *authz, int64_t expires,
		  struct brig_err *e)
{
	token_room(c, scope ? scope : "", reg_monotonic_now());
	struct reg_token *t = &c->tokens[c->n_tokens];
	if (!(t->scope = strdup(scope ? scope : ""))) {
		explicit_bzero(authz, strlen(authz));
		free(authz);
		return brig_err_oom(e);
	}
	t->authz = authz;
	t->expires = expires;
	c->n_tokens++;
	return 0;
}
