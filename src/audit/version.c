/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit: version ordering as dpkg and apk define it (docs/audit.md).
 *
 * dpkg: [epoch:]upstream[-revision]; epochs numerically, then upstream and
 * revision each by alternating runs: a non-digit run character by
 * character ('~' before everything, even the end; letters before
 * non-letters), then a digit run numerically (leading zeros ignored).
 *
 * apk: digits{.digits}[letter]{_suffix[N]}[-rN]; components compared one
 * by one; a pre-release suffix (_alpha _beta _pre _rc) sorts before the
 * end of the version, anything else after it.
 */
#include "audit/audit.h"

#include <ctype.h>
#include <string.h>

static int dpkg_order(unsigned char c)
{
	if (isdigit(c))
		return 0;
	if (isalpha(c))
		return c;
	if (c == '~')
		return -1;
	return c ? c + 256 : 0;
}

/* A bounded string: the byte at p, NUL past its end. */
struct span {
	const char *p, *end;
};
static unsigned char at(const struct span *s, size_t i)
{
	return s->p + i < s->end ? (unsigned char)s->p[i] : 0;
}

/* Two runs of digits, numerically, whatever their length. */
static int digits_cmp(struct span *a, struct span *b)
{
	while (at(a, 0) == '0')
		a->p++;
	while (at(b, 0) == '0')
		b->p++;
	int first = 0;
	while (isdigit(at(a, 0)) && isdigit(at(b, 0))) {
		if (!first)
			first = at(a, 0) - at(b, 0);
		a->p++, b->p++;
	}
	int r = isdigit(at(a, 0)) ? 1 : isdigit(at(b, 0)) ? -1 : first;
	while (isdigit(at(a, 0)))
		a->p++;
	while (isdigit(at(b, 0)))
		b->p++;
	return r;
}

/* dpkg's comparison of one part, the first n / m bytes of a / b. */
static int dpkg_part(const char *a, size_t n, const char *b, size_t m)
{
	struct span x = { a, a + n }, y = { b, b + m };
	while (at(&x, 0) || at(&y, 0)) {
		while ((at(&x, 0) && !isdigit(at(&x, 0))) || (at(&y, 0) && !isdigit(at(&y, 0)))) {
			int ox = dpkg_order(at(&x, 0)), oy = dpkg_order(at(&y, 0));
			if (ox != oy)
				return ox - oy;
			if (x.p < x.end)
				x.p++;
			if (y.p < y.end)
				y.p++;
		}
		int r = digits_cmp(&x, &y);
		if (r)
			return r;
	}
	return 0;
}

struct dpkg_ver {
	const char *epoch, *up, *rev;
	size_t epoch_len, up_len, rev_len;
};

static void dpkg_split(const char *s, struct dpkg_ver *v)
{
	const char *colon = strchr(s, ':');
	*v = (struct dpkg_ver){ .epoch = "0", .epoch_len = 1 };
	if (colon) {
		v->epoch = s, v->epoch_len = (size_t)(colon - s);
		s = colon + 1;
	}
	const char *dash = strrchr(s, '-');
	v->up = s;
	v->up_len = dash ? (size_t)(dash - s) : strlen(s);
	v->rev = dash ? dash + 1 : "";
	v->rev_len = strlen(v->rev);
}

int audit_dpkg_vercmp(const char *a, const char *b)
{
	struct dpkg_ver x, y;
	dpkg_split(a, &x);
	dpkg_split(b, &y);
	int r = dpkg_part(x.epoch, x.epoch_len, y.epoch, y.epoch_len);
	if (r == 0)
		r = dpkg_part(x.up, x.up_len, y.up, y.up_len);
	if (r == 0)
		r = dpkg_part(x.rev, x.rev_len, y.rev, y.rev_len);
	return r < 0 ? -1 : r > 0;
}

/* ---- apk ---- */

enum apk_tok { T_DIGIT, T_LETTER, T_SUFFIX, T_SUFFIX_NO, T_REV, T_END, T_INVALID };

struct apk_tok_v {
	enum apk_tok t;
	const char *s; /* digits (T_DIGIT, T_SUFFIX_NO, T_REV) */
	size_t n;
	int val; /* letter, suffix rank */
	bool first; /* the first number: never fractional */
};

static const char *const apk_suffixes[] = { "alpha", "beta", "pre", "rc", "",
					    "cvs",   "svn",  "git", "hg", "p" };
#define APK_SUFFIX_NONE 4

static int apk_suffix(const char **p)
{
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(apk_suffixes); i++) {
		size_t n = strlen(apk_suffixes[i]);
		if (n && strncmp(*p, apk_suffixes[i], n) == 0) {
			*p += n;
			return (int)i - APK_SUFFIX_NONE;
		}
	}
	return -100;
}

static void take_digits(const char **p, struct apk_tok_v *t, enum apk_tok type)
{
	t->t = type;
	t->s = *p;
	while (isdigit((unsigned char)**p))
		(*p)++;
	t->n = (size_t)(*p - t->s);
	if (!t->n)
		t->t = T_INVALID;
}

/* The token at *p given the previous one; advances *p. */
static void apk_next(const char **p, enum apk_tok prev, struct apk_tok_v *t)
{
	*t = (struct apk_tok_v){ .t = T_END };
	const char *s = *p;
	if (!*s)
		return;
	if (prev == T_END) { /* the start */
		t->first = true;
		take_digits(p, t, T_DIGIT);
	} else if (*s == '.' && prev == T_DIGIT) {
		*p = s + 1;
		take_digits(p, t, T_DIGIT);
	} else if (isalpha((unsigned char)*s) && prev == T_DIGIT) {
		t->t = T_LETTER, t->val = *s, *p = s + 1;
	} else if (*s == '_' && prev <= T_SUFFIX_NO) {
		*p = s + 1;
		t->t = T_SUFFIX, t->val = apk_suffix(p);
		if (t->val == -100)
			t->t = T_INVALID;
	} else if (isdigit((unsigned char)*s) && prev == T_SUFFIX) {
		take_digits(p, t, T_SUFFIX_NO);
	} else if (strncmp(s, "-r", 2) == 0 && prev != T_REV) {
		*p = s + 2;
		take_digits(p, t, T_REV);
	} else {
		t->t = T_INVALID;
	}
}

static int num_cmp(const struct apk_tok_v *a, const struct apk_tok_v *b)
{
	/* After a '.', a component with a leading zero is a decimal fraction. */
	if (!a->first && !b->first && (a->s[0] == '0' || b->s[0] == '0')) {
		size_t n = a->n < b->n ? a->n : b->n;
		int r = memcmp(a->s, b->s, n);
		return r ? r : (a->n > b->n) - (a->n < b->n);
	}
	const char *x = a->s, *y = b->s, *xe = a->s + a->n, *ye = b->s + b->n;
	while (x < xe && *x == '0')
		x++;
	while (y < ye && *y == '0')
		y++;
	if (xe - x != ye - y)
		return xe - x > ye - y ? 1 : -1;
	int r = memcmp(x, y, (size_t)(xe - x));
	return r;
}

static int tok_cmp(const struct apk_tok_v *a, const struct apk_tok_v *b)
{
	switch (a->t) {
	case T_DIGIT:
	case T_SUFFIX_NO:
	case T_REV:
		return num_cmp(a, b);
	case T_LETTER:
	case T_SUFFIX:
		return a->val - b->val;
	default:
		return 0;
	}
}

int audit_apk_vercmp(const char *a, const char *b)
{
	struct apk_tok_v x = { .t = T_END }, y = { .t = T_END };
	const char *pa = a, *pb = b;
	enum apk_tok pta = T_END, ptb = T_END;
	for (;;) {
		apk_next(&pa, pta, &x);
		apk_next(&pb, ptb, &y);
		pta = x.t, ptb = y.t;
		if (x.t == T_INVALID || y.t == T_INVALID) /* fall back to bytes */
			return strcmp(a, b) < 0 ? -1 : strcmp(a, b) > 0;
		if (x.t != y.t)
			break;
		if (x.t == T_END)
			return 0;
		int r = tok_cmp(&x, &y);
		if (r)
			return r < 0 ? -1 : 1;
	}
	/* Different kinds of component here: a pre-release suffix is less
	 * than anything; otherwise the version going on with a more
	 * significant component (digits before letters before suffixes before
	 * the revision before the end) is greater. */
	if (x.t == T_SUFFIX && x.val < 0)
		return -1;
	if (y.t == T_SUFFIX && y.val < 0)
		return 1;
	return x.t < y.t ? 1 : -1;
}
