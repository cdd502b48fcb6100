/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit: a first, lean pass over an OSV file (osv.c).  Most records of a
 * database name packages the image does not have; building a jansson tree
 * for each of them was most of brig scan's time.  This pass reads the text
 * once, without allocating: it checks that it is JSON (the grammar, string
 * escapes, UTF-8, no duplicate keys) and that each record has the shape
 * osv.c checks (id, summary, affected[].package.{ecosystem,name},
 * versions[], ranges[].{type,events[]} with one of introduced, fixed,
 * last_affected or limit per event), and collects the package names.
 *
 * It answers "skip" only for a file it fully accepted whose records name
 * none of the wanted packages.  Anything else (a name wanted, an error,
 * or text it does not judge as finely as jansson: an escape in a key, a
 * number jansson might refuse, nesting deeper than SK_DEPTH, an object of
 * more than SK_KEYS members) sends the file to the full parse, which
 * reports errors with their place.  So it is never more lenient than the
 * full parse: at worst it gives up.
 */
#include "audit/scan-internal.h"

#include <string.h>

#define SK_DEPTH 48
#define SK_KEYS 32
#define SK_EVENTS_MAX 1024 /* as osv.c */

enum role {
	R_ANY,
	R_FILE, /* a record or an array of records */
	R_REC,
	R_AFFS, /* affected[] */
	R_AFF,
	R_PKG,
	R_NAME, /* package.name */
	R_STRS, /* versions[] */
	R_RANGES,
	R_RANGE,
	R_EVENTS,
	R_EVENT,
};

struct sk {
	const unsigned char *p, *end;
	int depth;
	bool (*wanted)(const char *name, size_t n, void *arg);
	void *arg;
	size_t records;
};

/* A string's flags. */
enum { S_ESC = 1, S_NUL = 2 };

static void ws(struct sk *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t'))
		s->p++;
}

static int hex4(const unsigned char *p)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		int c = p[i],
		    d = c >= '0' && c <= '9'                 ? c - '0'
			: (c | 32) >= 'a' && (c | 32) <= 'f' ? (c | 32) - 'a' + 10
							     : -1;
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* A \u escape at p (after the backslash and u), surrogate pairs whole. */
static bool uescape(struct sk *s, unsigned *flags)
{
	if (s->end - s->p < 4)
		return false;
	int v = hex4(s->p);
	s->p += 4;
	if (v < 0 || (v >= 0xDC00 && v <= 0xDFFF))
		return false;
	if (v == 0)
		*flags |= S_NUL;
	if (v >= 0xD800 && v <= 0xDBFF) {
		if (s->end - s->p < 6 || s->p[0] != '\\' || s->p[1] != 'u')
			return false;
		int lo = hex4(s->p + 2);
		s->p += 6;
		return lo >= 0xDC00 && lo <= 0xDFFF;
	}
	return true;
}

/* One UTF-8 sequence of 2 to 4 bytes at p: no overlong form, no
 * surrogate, nothing above U+10FFFF. */
static bool utf8(struct sk *s)
{
	unsigned c = *s->p, need, min, v;
	if (c >= 0xC2 && c <= 0xDF)
		need = 1, min = 0x80, v = c & 0x1F;
	else if (c >= 0xE0 && c <= 0xEF)
		need = 2, min = 0x800, v = c & 0x0F;
	else if (c >= 0xF0 && c <= 0xF4)
		need = 3, min = 0x10000, v = c & 0x07;
	else
		return false;
	if ((size_t)(s->end - s->p) <= need)
		return false;
	for (unsigned i = 1; i <= need; i++) {
		if ((s->p[i] & 0xC0) != 0x80)
			return false;
		v = (v << 6) | (s->p[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return false;
	s->p += need + 1;
	return true;
}

/* A string at p (on its quote): *b, *n its raw text. */
static bool str(struct sk *s, const char **b, size_t *n, unsigned *flags)
{
	const unsigned char *start = ++s->p;
	*flags = 0;
	while (s->p < s->end) {
		unsigned c = *s->p;
		if (c == '"') {
			*b = (const char *)start, *n = (size_t)(s->p - start);
			s->p++;
			return true;
		}
		if (c < 0x20)
			return false;
		if (c >= 0x80) {
			if (!utf8(s))
				return false;
			continue;
		}
		s->p++;
		if (c != '\\')
			continue;
		*flags |= S_ESC;
		if (s->p == s->end)
			return false;
		c = *s->p++;
		if (c == 'u') {
			if (!uescape(s, flags))
				return false;
		} else if (!strchr("\"\\/bfnrt", (int)c) || c == 0) {
			return false;
		}
	}
	return false;
}

static bool digits(struct sk *s)
{
	const unsigned char *d = s->p;
	while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
		s->p++;
	return s->p > d;
}

/* A number.  Long ones (which jansson may refuse as too large, or which
 * bj_parse rewrites) and exponents of three digits are left to it. */
static bool num(struct sk *s)
{
	const unsigned char *start = s->p;
	if (*s->p == '-')
		s->p++;
	if (s->p < s->end && *s->p == '0')
		s->p++;
	else if (!digits(s))
		return false;
	if (s->p < s->end && *s->p == '.' && (s->p++, !digits(s)))
		return false;
	if (s->p < s->end && (*s->p | 32) == 'e') {
		s->p++;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		const unsigned char *e = s->p;
		if (!digits(s) || s->p - e > 2)
			return false;
	}
	return s->p - start <= 15;
}

static bool word(struct sk *s, const char *w)
{
	size_t n = strlen(w);
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, w, n) != 0)
		return false;
	s->p += n;
	return true;
}

static bool value(struct sk *s, enum role role);

/* What member k (n bytes) of an object of role r must be: its role, *type
 * the first character its value must start with (0: any), *bit its bit
 * in required()'s mask (or, in an event, that it is one of the kinds). */
static enum role member(enum role r, const char *k, size_t n, char *type, int *bit)
{
#define K(x) (n == sizeof(x) - 1 && memcmp(k, x, n) == 0)
	*type = 0, *bit = 0;
	switch (r) {
	case R_REC:
		return K("id")          ? (*type = '"', *bit = 1, R_ANY)
			: K("summary")  ? (*type = '"', R_ANY)
			: K("affected") ? (*type = '[', R_AFFS)
					: R_ANY;
	case R_AFF:
		return K("package")     ? (*type = '{', *bit = 1, R_PKG)
			: K("versions") ? (*type = '[', R_STRS)
			: K("ranges")   ? (*type = '[', R_RANGES)
					: R_ANY;
	case R_PKG:
		return K("ecosystem") ? (*type = '"', *bit = 1, R_ANY)
			: K("name")   ? (*type = '"', *bit = 2, R_NAME)
				      : R_ANY;
	case R_RANGE:
		return K("type")      ? (*type = '"', *bit = 1, R_ANY)
			: K("events") ? (*type = '[', *bit = 2, R_EVENTS)
				      : R_ANY;
	case R_EVENT:
		return K("introduced") || K("fixed") || K("last_affected") || K("limit")
			? (*type = '"', *bit = 1, R_EVENT)
			: R_ANY;
	default:
		return R_ANY;
	}
#undef K
}

/* The members an object of role r must have (bits of member()). */
static int required(enum role r)
{
	return r == R_REC || r == R_AFF ? 1 : r == R_PKG || r == R_RANGE ? 3 : 0;
}

/* A member's string value: a NUL-free string where osv.c reads one with
 * bj_get_str; a package name is looked up. */
static bool member_str(struct sk *s, bool name)
{
	const char *b;
	size_t n;
	unsigned f;
	if (!str(s, &b, &n, &f) || (f & S_NUL))
		return false;
	/* a name with an escape is not compared here: the full parse does */
	return !name || (!(f & S_ESC) && !s->wanted(b, n, s->arg));
}

/* After a member or an element: 0 at the next one (past the comma), 1
 * past the closing character close, -1 for anything else. */
static int after_item(struct sk *s, char close)
{
	ws(s);
	if (s->p == s->end)
		return -1;
	if (*s->p == close)
		return s->p++, 1;
	if (*s->p++ != ',')
		return -1;
	ws(s);
	return 0;
}

static bool object(struct sk *s, enum role r)
{
	struct {
		const char *k;
		size_t n;
	} keys[SK_KEYS];
	size_t nk = 0;
	int have = 0, events = 0;
	s->p++;
	ws(s);
	if (s->p < s->end && *s->p == '}')
		return s->p++, (have & required(r)) == required(r) && r != R_EVENT;
	for (;;) {
		const char *k;
		size_t n;
		unsigned f;
		if (s->p == s->end || *s->p != '"' || !str(s, &k, &n, &f) || (f & S_ESC) ||
		    nk == SK_KEYS)
			return false;
		for (size_t i = 0; i < nk; i++)
			if (keys[i].n == n && memcmp(keys[i].k, k, n) == 0)
				return false; /* a duplicate */
		keys[nk].k = k, keys[nk++].n = n;
		ws(s);
		if (s->p == s->end || *s->p != ':')
			return false;
		s->p++;
		ws(s);
		char type;
		int bit;
		enum role sub = member(r, k, n, &type, &bit);
		if (s->p == s->end || (type && *s->p != type))
			return false;
		have |= bit;
		events += r == R_EVENT && bit;
		if (type == '"' ? !member_str(s, sub == R_NAME) : !value(s, sub))
			return false;
		int next = after_item(s, '}');
		if (next < 0)
			return false;
		if (next == 1)
			break;
	}
	if (r == R_EVENT)
		return events == 1;
	return (have & required(r)) == required(r);
}

/* The role of an element of an array of role r; *type as member(). */
static enum role element(enum role r, char *type)
{
	static const struct {
		enum role arr, el;
		char type;
	} m[] = { { R_FILE, R_REC, '{' },
		  { R_AFFS, R_AFF, '{' },
		  { R_STRS, R_ANY, '"' },
		  { R_RANGES, R_RANGE, '{' },
		  { R_EVENTS, R_EVENT, '{' } };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(m); i++)
		if (m[i].arr == r)
			return *type = m[i].type, m[i].el;
	return *type = 0, R_ANY;
}

static bool array(struct sk *s, enum role r)
{
	char type;
	enum role el = element(r, &type);
	size_t count = 0;
	s->p++;
	ws(s);
	if (s->p < s->end && *s->p == ']')
		return s->p++, true;
	for (;;) {
		if (s->p == s->end || (type && *s->p != type) ||
		    (r == R_EVENTS && count == SK_EVENTS_MAX) || !value(s, el))
			return false;
		count++;
		int next = after_item(s, ']');
		if (next < 0)
			return false;
		if (next == 1)
			return true;
	}
}

static bool value(struct sk *s, enum role role)
{
	if (s->p == s->end)
		return false;
	bool ok;
	switch (*s->p) {
	case '{':
		if (s->depth == SK_DEPTH)
			return false;
		s->depth++;
		if (role == R_FILE)
			role = R_REC;
		s->records += role == R_REC;
		ok = object(s, role);
		s->depth--;
		return ok;
	case '[':
		if (s->depth == SK_DEPTH)
			return false;
		s->depth++;
		ok = array(s, role);
		s->depth--;
		return ok;
	case '"': {
		const char *b;
		size_t n;
		unsigned f;
		return str(s, &b, &n, &f);
	}
	case 't':
		return word(s, "true");
	case 'f':
		return word(s, "false");
	case 'n':
		return word(s, "null");
	default:
		return num(s);
	}
}

bool scan_osv_skim(const char *buf, size_t len, bool (*wanted)(const char *, size_t, void *),
		   void *arg, size_t *records)
{
	struct sk s = { .p = (const unsigned char *)buf,
			.end = (const unsigned char *)buf + len,
			.wanted = wanted,
			.arg = arg };
	ws(&s);
	if (s.p == s.end || (*s.p != '{' && *s.p != '['))
		return false;
	if (!value(&s, R_FILE))
		return false;
	ws(&s);
	if (s.p != s.end)
		return false;
	*records += s.records;
	return true;
}
