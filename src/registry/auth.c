/* SPDX-License-Identifier: Apache-2.0 */
/*
 * WWW-Authenticate challenges (RFC 7235 auth-param syntax, one challenge)
 * and credentials from a podman/docker auth.json.
 */
#include "registry/registry-internal.h"

#include <ctype.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <string.h>
#include <strings.h>

#define CHALLENGE_MAX 4096

static bool tchar(char c)
{
	return isalnum((unsigned char)c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static const char *ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static int bad(struct brig_err *e, const char *why)
{
	return brig_err_set(e, -EPROTO, "malformed WWW-Authenticate header: %s", why);
}

/* A quoted-string at *pp (after the opening quote): the unescaped value. */
static int quoted(const char **pp, char **out, struct brig_err *e)
{
	const char *p = *pp;
	size_t n = 0;
	_cleanup_free_ char *v = malloc(strlen(p) + 1);
	if (!v)
		return brig_err_oom(e);
	for (; *p != '"'; p++) {
		if (*p == '\\')
			p++;
		if (!*p || (unsigned char)*p < 0x20 || *p == 0x7f)
			return bad(e, "unterminated or invalid quoted string");
		v[n++] = *p;
	}
	v[n] = 0;
	*pp = p + 1;
	*out = brig_steal_ptr(v);
	return 0;
}

/* name=value at *pp; advances past it. */
static int param(const char **pp, char **name, char **value, struct brig_err *e)
{
	const char *p = *pp, *start = p;
	while (tchar(*p))
		p++;
	if (p == start || *p != '=')
		return bad(e, "expected name=value (only one challenge is accepted)");
	if (!(*name = strndup(start, (size_t)(p - start))))
		return brig_err_oom(e);
	p++;
	int r = 0;
	if (*p == '"') {
		p++;
		r = quoted(&p, value, e);
	} else {
		start = p;
		while (tchar(*p) || *p == '/')
			p++;
		if (p == start)
			return bad(e, "empty parameter value");
		if (!(*value = strndup(start, (size_t)(p - start))))
			r = brig_err_oom(e);
	}
	*pp = p;
	return r;
}

static int keep(char **slot, char **value, const char *name, struct brig_err *e)
{
	if (*slot)
		return brig_err_set(e, -EPROTO, "malformed WWW-Authenticate header: %s given twice",
				    name);
	*slot = brig_steal_ptr(*value);
	return 0;
}

static int params(const char *p, struct reg_challenge *c, struct brig_err *e)
{
	for (;;) {
		_cleanup_free_ char *name = NULL, *value = NULL;
		int r = param(&p, &name, &value, e);
		if (r < 0)
			return r;
		if (strcasecmp(name, "realm") == 0)
			r = keep(&c->realm, &value, "realm", e);
		else if (strcasecmp(name, "service") == 0)
			r = keep(&c->service, &value, "service", e);
		else if (strcasecmp(name, "scope") == 0)
			r = keep(&c->scope, &value, "scope", e);
		if (r < 0)
			return r;
		p = ows(p);
		if (!*p)
			return 0;
		if (*p != ',')
			return bad(e, "expected ',' between parameters");
		p = ows(p + 1);
	}
}

static int check_realm(const struct reg_challenge *c, struct brig_err *e)
{
	if (!c->realm || !c->realm[0])
		return bad(e, "no realm");
	if (c->scheme != REG_AUTH_BEARER)
		return 0;
	if (strncmp(c->realm, "https://", 8) != 0 && strncmp(c->realm, "http://", 7) != 0)
		return bad(e, "the Bearer realm is not an http(s) URL");
	for (const char *p = c->realm; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return bad(e, "the Bearer realm contains a space or control character");
	return 0;
}

int reg_challenge_parse(const char *h, struct reg_challenge *out, struct brig_err *e)
{
	*out = (struct reg_challenge){ 0 };
	if (!h || strlen(h) > CHALLENGE_MAX)
		return bad(e, "absent or too long");
	const char *p = ows(h), *start = p;
	while (tchar(*p))
		p++;
	size_t n = (size_t)(p - start);
	if (n == 5 && strncasecmp(start, "Basic", 5) == 0)
		out->scheme = REG_AUTH_BASIC;
	else if (n == 6 && strncasecmp(start, "Bearer", 6) == 0)
		out->scheme = REG_AUTH_BEARER;
	else
		return bad(e, "unknown scheme (Basic or Bearer expected)");
	if (*p != ' ')
		return bad(e, "no parameters");
	int r = params(ows(p), out, e);
	if (r == 0)
		r = check_realm(out, e);
	if (r < 0)
		reg_challenge_clear(out);
	return r;
}

void reg_challenge_clear(struct reg_challenge *c)
{
	free(c->realm);
	free(c->service);
	free(c->scope);
	*c = (struct reg_challenge){ 0 };
}

/* ---- auth.json ------------------------------------------------------------ */

static int decode_auth(const char *path, const char *host, const char *b64, char **user,
		       char **password, struct brig_err *e)
{
	size_t n = strlen(b64);
	if (n == 0 || n % 4 != 0 || n > 8192)
		return brig_err_set(e, -EINVAL, "%s: auths.\"%s\".auth: not base64", path, host);
	_cleanup_free_ unsigned char *raw = malloc(n / 4 * 3 + 1);
	if (!raw)
		return brig_err_oom(e);
	int len = EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)n);
	if (len < 0)
		return brig_err_set(e, -EINVAL, "%s: auths.\"%s\".auth: not base64", path, host);
	while (len > 0 && b64[n - 1] == '=') { /* EVP_DecodeBlock counts padding */
		len--;
		n--;
	}
	raw[len] = 0;
	char *colon = memchr(raw, ':', (size_t)len);
	if (!colon || colon == (char *)raw || strlen((char *)raw) != (size_t)len)
		return brig_err_set(e, -EINVAL, "%s: auths.\"%s\".auth: not USER:PASSWORD", path,
				    host);
	*colon = 0;
	*user = strdup((char *)raw);
	*password = strdup(colon + 1);
	OPENSSL_cleanse(raw, (size_t)len);
	if (!*user || !*password) {
		free(*user);
		free(*password);
		*user = *password = NULL;
		return brig_err_oom(e);
	}
	return 1;
}

/* An identity token: user REG_IDENTITY_USER, the token as the password. */
static int identity(const char *token, char **user, char **password, struct brig_err *e)
{
	*user = strdup(REG_IDENTITY_USER);
	*password = strdup(token);
	if (*user && *password)
		return 1;
	free(*user);
	free(*password);
	*user = *password = NULL;
	return brig_err_oom(e);
}

int reg_authfile_lookup(const char *path, const char *host, char **user, char **password,
			struct brig_err *e)
{
	_cleanup_json_ json_t *doc = NULL;
	int r = bj_load_file(AT_FDCWD, path, REG_AUTHFILE_MAX, &doc, e);
	if (r < 0)
		return r;
	struct bj_loc root, at;
	bj_root(&root, path);
	json_t *auths = NULL, *ent = NULL;
	if ((r = bj_get_obj(doc, &root, "auths", false, &auths, e)) != 0)
		return r < 0 ? r : 0;
	bj_key(&at, &root, "auths");
	if ((r = bj_get_obj(auths, &at, host, false, &ent, e)) != 0)
		return r < 0 ? r : 0;
	const char *b64 = NULL, *idt = NULL;
	bj_key(&at, &at, host);
	if ((r = bj_get_str(ent, &at, "identitytoken", false, &idt, e)) < 0)
		return r;
	if (idt && idt[0]) /* Docker's: an identity token wins over auth */
		return identity(idt, user, password, e);
	if ((r = bj_get_str(ent, &at, "auth", false, &b64, e)) != 0)
		return r < 0 ? r : 0;
	return decode_auth(path, host, b64, user, password, e);
}
