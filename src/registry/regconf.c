/* SPDX-License-Identifier: Apache-2.0 */
/*
 * registries.conf: the TOML subset brig reads (regconf.h).  What is
 * accepted: comments, `key = value` with bare or quoted keys, basic and
 * literal strings (one line), true/false, arrays of strings (may span
 * lines), the tables [aliases], [[registry]] and [[registry.mirror]].
 * Everything else (numbers, dates, inline tables, dotted keys, multi-line
 * strings, other tables and keys) is refused with FILE:LINE and the key.
 */
#include "registry/regconf-internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define ARRAY_MAX 256

enum section { SEC_TOP, SEC_ALIASES, SEC_REGISTRY, SEC_MIRROR };

struct tp {
	const char *p, *end;
	const char *file;
	unsigned line;
	struct brig_err *e;
	struct reg_conf *c;
	enum section sec;
	bool had_aliases;
	unsigned seen; /* keys of the current table already given (bit per key) */
};

struct tv {
	char *s; /* a string, or NULL */
	int b; /* -1: not a boolean, else 0/1 */
	char **arr; /* an array of strings (NULL-terminated), or NULL */
};

static void tv_clear(struct tv *v)
{
	free(v->s);
	brig_strv_free(v->arr);
	*v = (struct tv){ .b = -1 };
}

int regconf_fail(const char *file, unsigned line, const char *key, struct brig_err *e,
		 const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (key)
		return brig_err_set(e, -EINVAL, "%s:%u: %.100s: %s", file, line, key, msg);
	return brig_err_set(e, -EINVAL, "%s:%u: %s", file, line, msg);
}

#define FAIL(t, key, ...) regconf_fail((t)->file, (t)->line, key, (t)->e, __VA_ARGS__)

static void skip_blank(struct tp *t)
{
	while (t->p < t->end && (*t->p == ' ' || *t->p == '\t'))
		t->p++;
}

static void skip_comment(struct tp *t)
{
	if (t->p < t->end && *t->p == '#')
		while (t->p < t->end && *t->p != '\n')
			t->p++;
}

/* Blanks, comments and newlines (inside an array). */
static void skip_space(struct tp *t)
{
	for (;;) {
		skip_blank(t);
		skip_comment(t);
		if (t->p < t->end && *t->p == '\r' && t->p + 1 < t->end && t->p[1] == '\n')
			t->p++;
		if (t->p >= t->end || *t->p != '\n')
			return;
		t->p++;
		t->line++;
	}
}

/* The rest of the line must be blank or a comment. */
static int end_of_line(struct tp *t, const char *key)
{
	skip_blank(t);
	skip_comment(t);
	if (t->p < t->end && *t->p == '\r' && t->p + 1 < t->end && t->p[1] == '\n')
		t->p++;
	if (t->p < t->end && *t->p != '\n')
		return FAIL(t, key, "unexpected '%c' after the value", *t->p);
	if (t->p < t->end) {
		t->p++;
		t->line++;
	}
	return 0;
}

static int put_utf8(char *o, size_t *n, unsigned cp)
{
	if (cp < 0x80) {
		o[(*n)++] = (char)cp;
	} else if (cp < 0x800) {
		o[(*n)++] = (char)(0xc0 | (cp >> 6));
		o[(*n)++] = (char)(0x80 | (cp & 0x3f));
	} else {
		o[(*n)++] = (char)(0xe0 | (cp >> 12));
		o[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[(*n)++] = (char)(0x80 | (cp & 0x3f));
	}
	return 0;
}

static int escape(struct tp *t, const char *key, char *o, size_t *n)
{
	static const char from[] = "\"\\btnfr", to[] = "\"\\\b\t\n\f\r";
	char c = t->p < t->end ? *t->p++ : 0;
	const char *f = c ? strchr(from, c) : NULL;
	if (f) {
		o[(*n)++] = to[f - from];
		return 0;
	}
	unsigned cp = 0;
	for (int i = 0; c == 'u' && i < 4; i++) {
		char h = t->p < t->end ? *t->p++ : 0;
		if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F')))
			return FAIL(t, key, "bad \\u escape in a string");
		cp = cp * 16 + (unsigned)(h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
	}
	if (c != 'u')
		return FAIL(t, key, "unknown escape '\\%c' in a string", c ? c : '?');
	if (cp < 0x20 || cp == 0x7f || (cp >= 0xd800 && cp <= 0xdfff))
		return FAIL(t, key, "\\u%04x is not allowed in a string", cp);
	return put_utf8(o, n, cp);
}

/* A "basic" or 'literal' string on one line; t->p at the quote. */
static int string(struct tp *t, const char *key, char **out)
{
	char q = *t->p++;
	const char *start = t->p;
	while (t->p < t->end && *t->p != q && *t->p != '\n')
		t->p += q == '"' && *t->p == '\\' && t->p + 1 < t->end ? 2 : 1;
	if (t->p >= t->end || *t->p != q)
		return FAIL(t, key, "a string without its closing %c", q);
	size_t cap = (size_t)(t->p - start) * 3 + 1, n = 0;
	_cleanup_free_ char *o = malloc(cap);
	if (!o)
		return brig_err_oom(t->e);
	const char *stop = t->p;
	for (t->p = start; t->p < stop;) {
		unsigned char ch = (unsigned char)*t->p++;
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return FAIL(t, key, "a control character in a string");
		if (ch == '\\' && q == '"') {
			int r = escape(t, key, o, &n);
			if (r < 0)
				return r;
		} else {
			o[n++] = (char)ch;
		}
	}
	t->p = stop + 1;
	o[n] = 0;
	if (strlen(o) != n)
		return FAIL(t, key, "a NUL character in a string");
	*out = brig_steal_ptr(o);
	return 0;
}

static int array(struct tp *t, const char *key, char ***out)
{
	size_t n = 0;
	_cleanup_strv_ char **v = calloc(1, sizeof(*v));
	if (!v)
		return brig_err_oom(t->e);
	t->p++; /* '[' */
	for (;;) {
		skip_space(t);
		if (t->p < t->end && *t->p == ']')
			break;
		if (t->p >= t->end || (*t->p != '"' && *t->p != '\''))
			return FAIL(t, key, "expected an array of strings");
		if (n == ARRAY_MAX)
			return FAIL(t, key, "more than %d entries", ARRAY_MAX);
		char **nv = realloc(v, (n + 2) * sizeof(*nv));
		if (!nv)
			return brig_err_oom(t->e);
		v = nv;
		v[n + 1] = NULL;
		int r = string(t, key, &v[n]);
		if (r < 0)
			return r;
		v[++n] = NULL;
		skip_space(t);
		if (t->p < t->end && *t->p == ',')
			t->p++;
		else if (t->p >= t->end || *t->p != ']')
			return FAIL(t, key, "expected ',' or ']' in the array");
	}
	t->p++;
	*out = brig_steal_ptr(v);
	return 0;
}

static bool bare_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		c == '-' || c == '_';
}

static bool word(struct tp *t, const char *w)
{
	size_t n = strlen(w);
	if ((size_t)(t->end - t->p) < n || strncmp(t->p, w, n) != 0 ||
	    (t->p + n < t->end && bare_char(t->p[n])))
		return false;
	t->p += n;
	return true;
}

static int value(struct tp *t, const char *key, struct tv *v)
{
	*v = (struct tv){ .b = -1 };
	if (t->p < t->end && (*t->p == '"' || *t->p == '\'')) {
		if (t->end - t->p >= 3 && t->p[1] == *t->p && t->p[2] == *t->p)
			return FAIL(t, key, "multi-line strings are not supported");
		return string(t, key, &v->s);
	}
	if (t->p < t->end && *t->p == '[')
		return array(t, key, &v->arr);
	if (word(t, "true") || word(t, "false")) {
		v->b = t->p[-1] == 'e' && t->p[-2] == 'u'; /* "true", not "false" */
		return 0;
	}
	return FAIL(t, key, "expected a string, true, false or an array of strings");
}

static int key(struct tp *t, char **out)
{
	if (t->p < t->end && (*t->p == '"' || *t->p == '\''))
		return string(t, NULL, out);
	const char *s = t->p;
	while (t->p < t->end && bare_char(*t->p))
		t->p++;
	if (t->p == s)
		return FAIL(t, NULL, "expected a key, a [table] or a comment");
	if (t->p < t->end && *t->p == '.')
		return FAIL(t, NULL, "dotted keys are not supported");
	*out = brig_memdupz(s, (size_t)(t->p - s));
	return *out ? 0 : brig_err_oom(t->e);
}

/* "[[registry]]", "[[registry.mirror]]", "[aliases]". */
static int table(struct tp *t)
{
	bool dbl = t->end - t->p >= 2 && t->p[1] == '[';
	t->p += dbl ? 2 : 1;
	skip_blank(t);
	const char *s = t->p;
	while (t->p < t->end && (bare_char(*t->p) || *t->p == '.'))
		t->p++;
	size_t n = (size_t)(t->p - s);
	skip_blank(t);
	if (t->p >= t->end || *t->p != ']' || (dbl && (t->end - t->p < 2 || t->p[1] != ']')))
		return FAIL(t, NULL, "a malformed table header");
	t->p += dbl ? 2 : 1;
	int r = 0;
	bool is_alias = !dbl && n == 7 && strncmp(s, "aliases", n) == 0;
	if (dbl && n == 8 && strncmp(s, "registry", n) == 0) {
		r = regconf_new_registry(t->c, t->file, t->line, t->e);
		t->sec = SEC_REGISTRY;
	} else if (dbl && n == 15 && strncmp(s, "registry.mirror", n) == 0) {
		r = regconf_new_mirror(t->c, t->file, t->line, t->e);
		t->sec = SEC_MIRROR;
	} else if (is_alias && t->had_aliases) {
		r = FAIL(t, NULL, "[aliases] given twice");
	} else if (is_alias) {
		t->sec = SEC_ALIASES;
		t->had_aliases = true;
	} else {
		r = FAIL(t, NULL,
			 "unknown table %s%.*s%s (brig reads [aliases], [[registry]] "
			 "and [[registry.mirror]])",
			 dbl ? "[[" : "[", (int)n, s, dbl ? "]]" : "]");
	}
	t->seen = 0;
	return r < 0 ? r : end_of_line(t, NULL);
}

/* The keys of each table, in the order of the bits of t->seen. */
static const char *const top_keys[] = { "unqualified-search-registries", NULL };
static const char *const reg_keys[] = { "prefix",  "location", "insecure",
					"blocked", "authfile", NULL };
static const char *const mirror_keys[] = { "location", "insecure", "pull-from-mirror", NULL };

static int set_key(struct tp *t, const char *k, struct tv *v)
{
	const char *const *keys = t->sec == SEC_TOP ? top_keys
		: t->sec == SEC_REGISTRY            ? reg_keys
		: t->sec == SEC_MIRROR              ? mirror_keys
						    : NULL;
	const char *where = t->sec == SEC_TOP ? "at the top level"
		: t->sec == SEC_REGISTRY      ? "in [[registry]]"
					      : "in [[registry.mirror]]";
	if (!keys)
		return regconf_set_alias(t->c, k, v->s, t->file, t->line, t->e);
	size_t i = 0;
	while (keys[i] && strcmp(keys[i], k) != 0)
		i++;
	if (!keys[i])
		return FAIL(t, k, "unknown key %s", where);
	if (t->seen & (1u << i))
		return FAIL(t, k, "given twice %s", where);
	t->seen |= 1u << i;
	struct regconf_val rv = { .s = v->s, .b = v->b, .arr = v->arr };
	if (t->sec == SEC_TOP)
		return regconf_set_top(t->c, k, &rv, t->file, t->line, t->e);
	if (t->sec == SEC_REGISTRY)
		return regconf_set_registry(t->c, k, &rv, t->file, t->line, t->e);
	return regconf_set_mirror(t->c, k, &rv, t->file, t->line, t->e);
}

static int assignment(struct tp *t)
{
	_cleanup_free_ char *k = NULL;
	int r = key(t, &k);
	if (r < 0)
		return r;
	skip_blank(t);
	if (t->p >= t->end || *t->p != '=')
		return FAIL(t, k, "expected '=' after the key");
	t->p++;
	skip_blank(t);
	struct tv v;
	unsigned line = t->line;
	if ((r = value(t, k, &v)) == 0) {
		unsigned after = t->line;
		t->line = line; /* messages name the line the key is on */
		r = set_key(t, k, &v);
		t->line = after;
	}
	tv_clear(&v);
	return r < 0 ? r : end_of_line(t, k);
}

static int parse_lines(struct tp *t)
{
	while (t->p < t->end) {
		skip_blank(t);
		int r;
		if (t->p >= t->end)
			break;
		if (*t->p == '#' || *t->p == '\n' || *t->p == '\r')
			r = end_of_line(t, NULL);
		else if (*t->p == '[')
			r = table(t);
		else
			r = assignment(t);
		if (r < 0)
			return r;
	}
	return 0;
}

int reg_conf_parse(const char *buf, size_t len, const char *name, struct reg_conf **out,
		   struct brig_err *e)
{
	if (len > REG_CONF_MAX)
		return brig_err_set(e, -EFBIG, "%s: larger than %zu bytes", name, REG_CONF_MAX);
	if (memchr(buf, 0, len))
		return brig_err_set(e, -EINVAL, "%s: contains a NUL byte", name);
	struct reg_conf *c = calloc(1, sizeof(*c));
	if (!c)
		return brig_err_oom(e);
	struct tp t = { .p = buf, .end = buf + len, .file = name, .line = 1, .e = e, .c = c };
	int r = parse_lines(&t);
	if (r == 0)
		r = regconf_check(c, name, e);
	if (r == 0 && !(c->source = strdup(name)))
		r = brig_err_oom(e);
	if (r < 0) {
		reg_conf_free(c);
		return r;
	}
	*out = c;
	return 0;
}
