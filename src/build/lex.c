/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Dockerfile's lines: parser directives at the top ("# escape=`",
 * "# syntax=..." ignored), comments and blank lines dropped, continuation
 * lines (ending in the escape character) joined, and the body of a heredoc
 * ("RUN <<EOF" ... "EOF") collected.  Every limit is checked as the text
 * is read, so a 100k-line or one-megabyte-line file stops with its line.
 */
#include "build/build-internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* The next physical line: [*p, *end) without "\r\n"; advances. */
static bool next_line(struct bld_lexer *x, const char **p, size_t *n)
{
	if (x->pos >= x->len)
		return false;
	const char *s = x->text + x->pos;
	const char *nl = memchr(s, '\n', x->len - x->pos);
	size_t l = nl ? (size_t)(nl - s) : x->len - x->pos;
	x->pos += l + (nl ? 1 : 0);
	x->lineno++;
	if (l > 0 && s[l - 1] == '\r')
		l--;
	*p = s;
	*n = l;
	return true;
}

static size_t skip_ws(const char *p, size_t n, size_t i)
{
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	return i;
}

/* "# key=value": a directive; escape is the only one that changes anything. */
static int directive(struct bld_lexer *x, const char *p, size_t n, bool *is, struct brig_err *e)
{
	size_t i = skip_ws(p, n, 0), k0, k1, v0, v1 = n;
	*is = false;
	if (i >= n || p[i] != '#')
		return 0;
	i = k0 = skip_ws(p, n, i + 1);
	while (i < n && (isalnum((unsigned char)p[i]) || p[i] == '_'))
		i++;
	k1 = i;
	i = skip_ws(p, n, i);
	if (k1 == k0 || i >= n || p[i] != '=')
		return 0;
	v0 = skip_ws(p, n, i + 1);
	while (v1 > v0 && (p[v1 - 1] == ' ' || p[v1 - 1] == '\t'))
		v1--;
	*is = true;
	if (k1 - k0 == 6 && strncasecmp(p + k0, "escape", 6) == 0) {
		if (v1 - v0 != 1 || (p[v0] != '\\' && p[v0] != '`'))
			return brig_err_set(e, -EINVAL, "%s:%u: escape must be \\ or `", x->name,
					    x->lineno);
		x->escape = p[v0];
	}
	return 0;
}

static int limits(struct bld_lexer *x, size_t add, struct brig_err *e)
{
	if (x->lineno > BLD_MAX_LINES)
		return brig_err_set(e, -E2BIG, "%s:%u: more than %u lines", x->name, x->lineno,
				    BLD_MAX_LINES);
	if (x->cur_len + add > BLD_MAX_LINE)
		return brig_err_set(e, -E2BIG, "%s:%u: a line longer than %zu bytes", x->name,
				    x->lineno, BLD_MAX_LINE);
	return 0;
}

static int append(char **buf, size_t *len, const char *p, size_t n, struct brig_err *e)
{
	char *nb = realloc(*buf, *len + n + 2);
	if (!nb)
		return brig_err_oom(e);
	memcpy(nb + *len, p, n);
	*len += n;
	nb[*len] = '\0';
	*buf = nb;
	return 0;
}

static bool blank_or_comment(const char *p, size_t n)
{
	size_t i = skip_ws(p, n, 0);
	return i == n || p[i] == '#';
}

/* Does the line end in the escape character (after trailing blanks)? */
static bool continues(const char *p, size_t *n, char esc)
{
	size_t l = *n;
	while (l > 0 && (p[l - 1] == ' ' || p[l - 1] == '\t'))
		l--;
	if (l == 0 || p[l - 1] != esc)
		return false;
	*n = l - 1;
	return true;
}

/* Leading directives, then the first line is handed back unread. */
static int directives(struct bld_lexer *x, struct brig_err *e)
{
	for (;;) {
		size_t save = x->pos;
		unsigned ln = x->lineno;
		const char *p;
		size_t n;
		bool is = false;
		if (!next_line(x, &p, &n))
			return 0;
		int r = directive(x, p, n, &is, e);
		if (r < 0)
			return r;
		if (!is) {
			x->pos = save;
			x->lineno = ln;
			return 0;
		}
	}
}

int bld_lex_next(struct bld_lexer *x, char **out, unsigned *line, struct brig_err *e)
{
	int r = x->started ? 0 : directives(x, e);
	const char *p;
	size_t n;
	x->started = true;
	x->cur_len = 0;
	*out = NULL;
	while (r == 0 && next_line(x, &p, &n)) {
		if ((r = limits(x, n, e)) < 0)
			break;
		if (blank_or_comment(p, n))
			continue; /* also inside a continuation, as Docker */
		if (!*out)
			*line = x->lineno;
		bool more = continues(p, &n, x->escape);
		if ((r = append(out, &x->cur_len, p, n, e)) < 0 || !more)
			return r < 0 ? r : 1;
	}
	if (r == 0 && *out)
		return 1; /* a continuation at the end of the file */
	free(*out);
	*out = NULL;
	return r;
}

/* The body of a heredoc: lines up to one that is delim (with strip_tabs,
 * leading tabs removed first). */
int bld_lex_heredoc(struct bld_lexer *x, const char *delim, bool strip_tabs, char **body,
		    struct brig_err *e)
{
	const char *p;
	size_t n, len = 0;
	unsigned start = x->lineno;
	_cleanup_free_ char *b = strdup("");
	if (!b)
		return brig_err_oom(e);
	x->cur_len = 0;
	while (next_line(x, &p, &n)) {
		int r = limits(x, n + 1, e);
		if (r < 0)
			return r;
		x->cur_len += n + 1;
		while (strip_tabs && n > 0 && p[0] == '\t')
			p++, n--;
		if (n == strlen(delim) && memcmp(p, delim, n) == 0) {
			*body = brig_steal_ptr(b);
			return 0;
		}
		if ((r = append(&b, &len, p, n, e)) < 0 || (r = append(&b, &len, "\n", 1, e)) < 0)
			return r;
	}
	return brig_err_set(e, -EINVAL, "%s:%u: heredoc \"%s\" has no end line", x->name, start,
			    delim);
}
