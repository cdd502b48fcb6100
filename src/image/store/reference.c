/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Docker-style image references:
 *
 *   reference   := name [ ":" tag ] [ "@" digest ]
 *   name        := [ domain "/" ] path
 *   domain      := host [ ":" port ]     host: DNS name or [IPv6]
 *   path        := component ( "/" component )*
 *   component   := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
 *   tag         := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
 *
 * The first component is a domain when it contains "." or ":", is
 * "localhost", or has an upper-case letter; otherwise the domain is
 * docker.io, and a one-component path there gets "library/".
 */
#include "image/store/store-internal.h"

#include <string.h>

#define NAME_MAX_LEN 255
#define REF_MAX_LEN 512

static bool lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool alnum(char c)
{
	return lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static bool path_component_ok(const char *s, size_t len)
{
	size_t i = 0;
	for (;;) {
		size_t start = i;
		while (i < len && lower_alnum(s[i]))
			i++;
		if (i == start)
			return false; /* empty, or a separator where a name must be */
		if (i == len)
			return true;
		if (s[i] == '.') {
			i++;
		} else if (s[i] == '_') {
			i += (i + 1 < len && s[i + 1] == '_') ? 2 : 1;
		} else if (s[i] == '-') {
			while (i < len && s[i] == '-')
				i++;
		} else {
			return false;
		}
	}
}

static bool path_ok(const char *s)
{
	for (;;) {
		const char *slash = strchr(s, '/');
		size_t len = slash ? (size_t)(slash - s) : strlen(s);
		if (!path_component_ok(s, len))
			return false;
		if (!slash)
			return true;
		s = slash + 1;
	}
}

static bool host_label_ok(const char *s, size_t len)
{
	if (len == 0 || !alnum(s[0]) || !alnum(s[len - 1]))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

static bool port_ok(const char *s, size_t len)
{
	if (len == 0 || len > 5)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static bool domain_ok(const char *s, size_t len)
{
	size_t host_len = len;
	if (len > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', len);
		if (!close || close == s + 1)
			return false;
		for (const char *p = s + 1; p < close; p++)
			if (!strchr("0123456789abcdefABCDEF:", *p))
				return false;
		host_len = (size_t)(close - s) + 1;
		if (host_len == len)
			return true;
		return s[host_len] == ':' && port_ok(s + host_len + 1, len - host_len - 1);
	}
	const char *colon = memchr(s, ':', len);
	if (colon) {
		host_len = (size_t)(colon - s);
		if (!port_ok(colon + 1, len - host_len - 1))
			return false;
	}
	size_t i = 0;
	while (i <= host_len) {
		const char *dot = memchr(s + i, '.', host_len - i);
		size_t l = dot ? (size_t)(dot - (s + i)) : host_len - i;
		if (!host_label_ok(s + i, l))
			return false;
		i += l + 1;
	}
	return true;
}

static bool tag_ok(const char *s)
{
	size_t len = strlen(s);
	if (len == 0 || len > 128)
		return false;
	for (size_t i = 0; i < len; i++) {
		bool word = alnum(s[i]) || s[i] == '_';
		if (!word && (i == 0 || (s[i] != '.' && s[i] != '-')))
			return false;
	}
	return true;
}

static bool all_hex64(const char *s)
{
	size_t i;
	for (i = 0; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return i == 64;
}

static int bad(struct brig_err *e, const char *s, const char *why)
{
	return brig_err_set(e, -EINVAL, "invalid reference '%.300s': %s", s, why);
}

/* Split name into domain and path (both copied into r). */
static int split_name(const char *orig, const char *name, struct img_ref *r, struct brig_err *e)
{
	const char *slash = strchr(name, '/');
	bool has_domain = false;
	if (slash) {
		size_t l = (size_t)(slash - name);
		bool upper = false;
		for (size_t i = 0; i < l; i++)
			upper |= name[i] >= 'A' && name[i] <= 'Z';
		has_domain = memchr(name, '.', l) || memchr(name, ':', l) || upper ||
			(l == 9 && strncmp(name, "localhost", 9) == 0);
	}
	const char *path = has_domain ? slash + 1 : name;
	if (has_domain && !domain_ok(name, (size_t)(slash - name)))
		return bad(e, orig, "invalid registry host");
	if (!path_ok(path)) {
		for (const char *p = path; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				return bad(e, orig, "repository name must be lowercase");
		return bad(e, orig, "invalid repository name");
	}
	if (has_domain && !(slash - name == 15 && strncmp(name, "index.docker.io", 15) == 0))
		r->domain = strndup(name, (size_t)(slash - name));
	else
		r->domain = strdup("docker.io");
	bool library = strcmp(r->domain, "docker.io") == 0 && !strchr(path, '/');
	if (library) {
		size_t pl = strlen(path);
		r->path = malloc(pl + 9);
		if (r->path) {
			memcpy(r->path, "library/", 8);
			memcpy(r->path + 8, path, pl + 1);
		}
	} else {
		r->path = strdup(path);
	}
	return r->domain && r->path ? 0 : brig_err_oom(e);
}

static int ref_parse(const char *s, char *buf, struct img_ref *r, struct brig_err *e)
{
	if (all_hex64(s))
		return bad(e, s, "a 64-digit hexadecimal string is an image ID, not a name");
	char *at = strchr(buf, '@');
	if (at) {
		*at = '\0';
		if (!brig_digest_valid(at + 1))
			return bad(e, s,
				   strncmp(at + 1, "sha256:", 7) == 0 || !strchr(at + 1, ':')
					   ? "invalid digest"
					   : "unsupported digest algorithm");
		memcpy(r->digest, at + 1, strlen(at + 1) + 1);
	}
	char *colon = strrchr(buf, ':');
	char *slash = strrchr(buf, '/');
	if (colon && (!slash || colon > slash)) {
		*colon = '\0';
		if (!tag_ok(colon + 1))
			return bad(e, s, "invalid tag");
		r->tag = strdup(colon + 1);
		if (!r->tag)
			return brig_err_oom(e);
	}
	if (buf[0] == '\0')
		return bad(e, s, "no repository name");
	if (strlen(buf) > NAME_MAX_LEN)
		return bad(e, s, "repository name longer than 255 characters");
	int rc = split_name(s, buf, r, e);
	if (rc < 0)
		return rc;
	if (!r->tag && !r->digest[0] && !(r->tag = strdup("latest")))
		return brig_err_oom(e);
	return 0;
}

int img_ref_parse(const char *s, struct img_ref *out, struct brig_err *e)
{
	*out = (struct img_ref){ 0 };
	if (!s || !*s)
		return brig_err_set(e, -EINVAL, "invalid reference: empty");
	size_t len = strlen(s);
	if (len > REF_MAX_LEN)
		return brig_err_set(e, -EINVAL, "invalid reference: longer than %d characters",
				    REF_MAX_LEN);
	_cleanup_free_ char *buf = strdup(s);
	if (!buf)
		return brig_err_oom(e);
	int r = ref_parse(s, buf, out, e);
	if (r < 0)
		img_ref_clear(out);
	return r;
}

void img_ref_clear(struct img_ref *r)
{
	free(r->domain);
	free(r->path);
	free(r->tag);
	*r = (struct img_ref){ 0 };
}

static char *ref_format(const char *domain, const char *path, const struct img_ref *r)
{
	char *out = NULL;
	int n = asprintf(&out, "%s%s%s%s%s%s%s", domain ? domain : "", domain ? "/" : "", path,
			 r->tag ? ":" : "", r->tag ? r->tag : "", r->digest[0] ? "@" : "",
			 r->digest);
	return n < 0 ? NULL : out;
}

char *img_ref_string(const struct img_ref *r)
{
	return ref_format(r->domain, r->path, r);
}

char *img_ref_familiar(const struct img_ref *r)
{
	if (strcmp(r->domain, "docker.io") != 0)
		return ref_format(r->domain, r->path, r);
	const char *path = r->path;
	if (strncmp(path, "library/", 8) == 0 && !strchr(path + 8, '/'))
		path += 8;
	return ref_format(NULL, path, r);
}
