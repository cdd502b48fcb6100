/* SPDX-License-Identifier: Apache-2.0 */
/* The template lexer: an action's text into tokens, quoted tokens into
 * their strings (Go's escapes), and the parser's messages. */
#include "cli/template-parse.h"

#include <ctype.h>
#include <string.h>

int tpl_parse_fail(struct parser *p, size_t pos, const char *fmt, ...)
{
	char where[32], msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tpl_where(p->s, pos, where, sizeof(where));
	return brig_err_set(p->e, -EINVAL, "template: %s: %s", where, msg);
}

int tpl_parse_oom(struct parser *p)
{
	return brig_err_set(p->e, -ENOMEM, "out of memory");
}

void tpl_where(const char *src, size_t pos, char *buf, size_t size)
{
	int line = 1, col = 1;
	for (size_t i = 0; i < pos && src[i]; i++, col++)
		if (src[i] == '\n') {
			line++;
			col = 0;
		}
	snprintf(buf, size, "%d:%d", line, col);
}

/* ------------------------------------------------------------ the lexer */

static bool ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* The end of a quoted token starting at s[i] (its quote), or 0. */
static size_t quoted_end(const char *s, size_t i)
{
	char q = s[i];
	for (size_t j = i + 1; s[j]; j++) {
		if (s[j] == q)
			return j + 1;
		if (q != '`' && s[j] == '\n')
			return 0;
		if (q != '`' && s[j] == '\\' && s[j + 1])
			j++;
	}
	return 0;
}

/* One token at s[i]; its kind and end. */
static int lex_one(struct parser *p, size_t i, enum tok_kind *kind, size_t *end)
{
	const char *s = p->s;
	char c = s[i];
	size_t j = i + 1;
	if (c == '"' || c == '`' || c == '\'') {
		*kind = c == '"' ? K_STRING : c == '`' ? K_RAW : K_CHAR;
		if (!(*end = quoted_end(s, i)))
			return tpl_parse_fail(p, i, "unterminated quoted string");
		return 0;
	}
	if (c == '.' || c == '$') {
		*kind = c == '.' ? K_FIELD : K_VAR;
		if (c == '$')
			while (ident_char(s[j]))
				j++;
		else if (!ident_char(s[j])) {
			*end = j; /* the dot alone */
			return 0;
		} else
			j = i;
		while (s[j] == '.' && ident_char(s[j + 1]))
			for (j++; ident_char(s[j]); j++)
				;
		*end = j;
		return 0;
	}
	if (isdigit((unsigned char)c) || ((c == '-' || c == '+') && isdigit((unsigned char)s[j]))) {
		*kind = K_NUMBER;
		while (isalnum((unsigned char)s[j]) || s[j] == '.' || s[j] == '_' ||
		       ((s[j] == '-' || s[j] == '+') && strchr("eEpP", s[j - 1])))
			j++;
		*end = j;
		return 0;
	}
	if (isalpha((unsigned char)c) || c == '_') {
		while (ident_char(s[j]))
			j++;
		*kind = K_IDENT;
		*end = j;
		return 0;
	}
	static const char single[] = "()|,=";
	static const enum tok_kind kinds[] = { K_LPAREN, K_RPAREN, K_PIPE, K_COMMA, K_ASSIGN };
	const char *at = c ? strchr(single, c) : NULL;
	*end = j;
	if (c == ':' && s[j] == '=') {
		*kind = K_DECLARE;
		*end = j + 1;
	} else if (at) {
		*kind = kinds[at - single];
	} else {
		return tpl_parse_fail(p, i, "unexpected \"%c\" in action",
				      isprint((unsigned char)c) ? c : '?');
	}
	return 0;
}

/* Lex the action that starts at p->pos (after "{{" and any "- ") up to its
 * "}}" into p->tk; p->pos then follows the "}}". */
int tpl_lex_action(struct parser *p, size_t open)
{
	const char *s = p->s;
	size_t i = p->pos;
	p->ntk = p->ti = 0;
	for (;;) {
		bool space = false;
		while (s[i] && strchr(" \t\r\n", s[i])) {
			space = true;
			i++;
		}
		if (!s[i])
			return tpl_parse_fail(p, open, "unclosed action");
		bool trim = space && s[i] == '-' && s[i + 1] == '}' && s[i + 2] == '}';
		if (trim || (s[i] == '}' && s[i + 1] == '}')) {
			p->trim_next = trim;
			p->pos = i + (trim ? 3 : 2);
			p->tk[p->ntk] = (struct tok){ K_EOF, i, 0, space };
			return 0;
		}
		if (p->ntk + 1 >= MAX_TOKENS)
			return tpl_parse_fail(p, open, "action too long");
		struct tok *t = &p->tk[p->ntk++];
		*t = (struct tok){ .pos = i, .space = space };
		size_t end;
		int r = lex_one(p, i, &t->kind, &end);
		if (r < 0)
			return r;
		t->len = end - i;
		i = end;
	}
}

static int hexval(char c)
{
	return isdigit((unsigned char)c)     ? c - '0'
		: isxdigit((unsigned char)c) ? (c | 0x20) - 'a' + 10
					     : -1;
}

/* The code point c as UTF-8 at o; its length. */
static size_t put_utf8(char *o, unsigned long c)
{
	if (c < 0x80) {
		o[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (char)(0xc0 | c >> 6);
		o[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (char)(0xe0 | c >> 12);
		o[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		o[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | c >> 18);
	o[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	o[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* One escape after a backslash at s (s[0] is the letter); its input length,
 * or 0 when bad. */
static size_t unescape(const char *s, size_t n, char *o, size_t *olen)
{
	static const char from[] = "abfnrtv\\\"'", to[] = "\a\b\f\n\r\t\v\\\"'";
	const char *at = n ? strchr(from, s[0]) : NULL;
	if (at && *at) {
		o[0] = to[at - from];
		*olen = 1;
		return 1;
	}
	size_t digits = !n ? 0 : s[0] == 'x' ? 2 : s[0] == 'u' ? 4 : s[0] == 'U' ? 8 : 0;
	unsigned long c = 0;
	if (!digits || digits >= n)
		return 0;
	for (size_t i = 1; i <= digits; i++) {
		if (hexval(s[i]) < 0)
			return 0;
		c = c << 4 | (unsigned long)hexval(s[i]);
	}
	if (c == 0 || c > 0x10ffff || (c >= 0xd800 && c < 0xe000))
		return 0; /* NUL would cut the C string */
	*olen = s[0] == 'x' ? (o[0] = (char)c, 1) : put_utf8(o, c);
	return digits + 1;
}

/* A quoted token ("..", `..` or '..', n bytes with its quotes) -> its text. */
int tpl_unquote(const char *s, size_t n, char **out)
{
	char *o = malloc(n * 4 + 1);
	size_t k = 0;
	if (!o)
		return -ENOMEM;
	for (size_t i = 1; i + 1 < n; i++) {
		size_t used, olen;
		if (s[0] == '`' || s[i] != '\\') {
			o[k++] = s[i];
			continue;
		}
		if (!(used = unescape(s + i + 1, n - i - 2, o + k, &olen))) {
			free(o);
			return -EINVAL;
		}
		k += olen;
		i += used;
	}
	o[k] = '\0';
	*out = o;
	return 0;
}
