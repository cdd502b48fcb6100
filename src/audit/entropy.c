/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit: high-entropy strings in files named like secrets (brig scan's
 * scan.high-entropy, docs/audit.md).  A heuristic, as every scanner's is:
 * a name that says secret, token, password, credential or API key (not a
 * source file, not under usr/share or usr/include), and in its first
 * 64 KiB a run of at least 24 characters of [A-Za-z0-9+/=_-] with letters
 * and digits whose Shannon entropy is at least 4 bits per character, or
 * a run of at least 32 hex digits with at least 3.  The string itself is
 * never printed.
 */
#include "audit/scan-internal.h"

#include <ctype.h>
#include <math.h>
#include <string.h>
#include <strings.h>

#define GENERIC_MIN 24
#define GENERIC_BITS 4.0
#define HEX_MIN 32
#define HEX_BITS 3.0

bool scan_secret_name(const char *path)
{
	static const char *const words[] = { "secret",     "token",      "password",
					     "credential", "apikey",     "api_key",
					     "api-key",    "access_key", "private_key" };
	static const char *const code[] = { ".py",  ".pyc",  ".js",    ".mjs", ".ts",   ".go",
					    ".rb",  ".pl",   ".pm",    ".c",   ".h",    ".cc",
					    ".cpp", ".java", ".class", ".so",  ".html", ".md",
					    ".rst", ".gz",   ".xz",    ".svg", ".png",  ".mo" };
	if (strncmp(path, "usr/share/", 10) == 0 || strncmp(path, "usr/include/", 12) == 0)
		return false;
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	const char *dot = strrchr(base, '.');
	for (size_t i = 0; dot && i < BRIG_ARRAY_SIZE(code); i++)
		if (strcasecmp(dot, code[i]) == 0)
			return false;
	char low[NAME_MAX + 1];
	size_t n = strnlen(base, NAME_MAX);
	for (size_t i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)base[i]);
	low[n] = '\0';
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(words); i++)
		if (strstr(low, words[i]))
			return true;
	return false;
}

static bool tok_char(unsigned char c)
{
	return isalnum(c) || c == '+' || c == '/' || c == '=' || c == '_' || c == '-';
}

static double entropy(const unsigned char *s, size_t n)
{
	unsigned count[256] = { 0 };
	for (size_t i = 0; i < n; i++)
		count[s[i]]++;
	double h = 0;
	for (size_t c = 0; c < 256; c++)
		if (count[c]) {
			double p = (double)count[c] / (double)n;
			h -= p * log2(p);
		}
	return h;
}

static bool high(const unsigned char *s, size_t n)
{
	bool hex = true, digit = false, alpha = false;
	for (size_t i = 0; i < n; i++) {
		hex = hex && isxdigit(s[i]);
		digit = digit || isdigit(s[i]);
		alpha = alpha || isalpha(s[i]);
	}
	if (hex && n >= HEX_MIN)
		return entropy(s, n) >= HEX_BITS;
	return n >= GENERIC_MIN && digit && alpha && entropy(s, n) >= GENERIC_BITS;
}

bool scan_high_entropy(const char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)buf, *end = p + len;
	while (p < end) {
		while (p < end && !tok_char(*p))
			p++;
		const unsigned char *start = p;
		while (p < end && tok_char(*p))
			p++;
		if (high(start, (size_t)(p - start)))
			return true;
	}
	return false;
}
