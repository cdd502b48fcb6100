/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Terminal-safe text: what brig prints for people (tables, --format and
 * -f templates, top, events) must not drive the terminal.  A name, label,
 * command or process title can hold ESC (colour, cursor moves, title and
 * clipboard sequences), CR or BS (overwrite what was printed), LF (a
 * forged row), or C1 controls (U+0080..U+009F, which some terminals obey
 * like ESC [).  Each becomes a visible escape: \n \r \t, \xNN for the other
 * C0 controls, DEL and bytes that are not UTF-8, \u00NN for C1.  Valid
 * UTF-8 text is kept.  JSON output is not passed through here.
 */
#include "common/common.h"

#include <stdio.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if none. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len = c >= 0xc2 && c <= 0xdf ? 2
		: c >= 0xe0 && c <= 0xef    ? 3
		: c >= 0xf0 && c <= 0xf4    ? 4
					    : 0;
	if (len == 0 || len > n)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* overlong forms, surrogates, past U+10FFFF */
	if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) ||
	    (c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))
		return 0;
	return len;
}

/* The escape for the character at s, in esc; how many bytes it takes
 * (0: none needed, copy *len bytes as they are). */
static size_t escape_one(const unsigned char *s, size_t n, bool json, char esc[8], size_t *len)
{
	unsigned char c = s[0];
	*len = 1;
	if (c >= 0x20 && c < 0x7f)
		return 0;
	if (c >= 0x80) {
		*len = utf8_len(s, n);
		if (*len == 2 && c == 0xc2 && s[1] < 0xa0) /* C1 */
			return (size_t)snprintf(esc, 8, "\\u%04x", s[1]);
		if (*len)
			return 0;
		*len = 1;
		return (size_t)snprintf(esc, 8, json ? "\\ufffd" : "\\x%02x", c);
	}
	if (json) /* a JSON text has only DEL raw (the others are escaped) */
		return c == 0x7f ? (size_t)snprintf(esc, 8, "\\u007f") : 0;
	const char *named = c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : NULL;
	if (named)
		return (size_t)snprintf(esc, 8, "%s", named);
	return (size_t)snprintf(esc, 8, "\\x%02x", c);
}

static char *escape(const char *str, size_t n, bool json)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t out = 0, len;
	char esc[8];
	for (size_t i = 0; i < n; i += len) {
		size_t k = escape_one(s + i, n - i, json, esc, &len);
		out += k ? k : len;
	}
	char *buf = malloc(out + 1), *p = buf;
	if (!buf)
		return NULL;
	for (size_t i = 0; i < n; i += len) {
		size_t k = escape_one(s + i, n - i, json, esc, &len);
		memcpy(p, k ? esc : (const char *)s + i, k ? k : len);
		p += k ? k : len;
	}
	*p = '\0';
	return buf;
}

char *brig_term_escape(const char *s, size_t n)
{
	return escape(s, n, false);
}

char *brig_term_escape_json(const char *s, size_t n)
{
	return escape(s, n, true);
}

bool brig_term_safe(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t len;
	char esc[8];
	for (size_t i = 0; i < n; i += len)
		if (escape_one(s + i, n - i, false, esc, &len))
			return false;
	return true;
}
