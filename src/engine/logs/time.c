/* SPDX-License-Identifier: Apache-2.0 */
/* Log times: RFC 3339 formatting and parsing, --since/--until values, and
 * the UTF-8 check the writer uses. */
#include "engine/logs/logs-internal.h"

#include <string.h>
#include <time.h>

#define NS_PER_S 1000000000LL
#define TIME_ARG_MAX 64

size_t eng_logs_utf8_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf; /* range of the second byte */
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0; /* overlong */
	else if (c == 0xed)
		hi = 0x9f; /* UTF-16 surrogates */
	else if (c == 0xf0)
		lo = 0x90; /* overlong */
	else if (c == 0xf4)
		hi = 0x8f; /* above U+10FFFF */
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

void eng_logs_format_time(int64_t ns, char buf[ENG_LOG_TIME_LEN])
{
	int64_t sec = ns / NS_PER_S, frac = ns % NS_PER_S;
	if (frac < 0) {
		frac += NS_PER_S;
		sec--;
	}
	time_t t = (time_t)sec;
	struct tm tm;
	if (!gmtime_r(&t, &tm)) {
		snprintf(buf, ENG_LOG_TIME_LEN, "0000-00-00T00:00:00.000000000Z");
		return;
	}
	char tmp[128]; /* what the compiler assumes ints can take */
	snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long long)frac);
	size_t l = strnlen(tmp, ENG_LOG_TIME_LEN - 1);
	memcpy(buf, tmp, l);
	buf[l] = '\0';
}

/* ------------------------------------------------------------------ */
/* RFC 3339 and dates                                                   */
/* ------------------------------------------------------------------ */

struct tparts {
	int year, mon, mday, hour, min, sec;
	int64_t frac_ns;
	bool has_time, has_sec, has_zone;
	int zone_s; /* offset east of UTC */
};

/* Exactly n digits at *p (before end). */
static bool digits(const char **p, const char *end, int n, int *out)
{
	int v = 0;
	if (end - *p < n)
		return false;
	for (int i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (c - '0');
	}
	*p += n;
	*out = v;
	return true;
}

static bool lit(const char **p, const char *end, char c)
{
	if (*p >= end || **p != c)
		return false;
	(*p)++;
	return true;
}

static bool parse_frac(const char **p, const char *end, int64_t *ns)
{
	int64_t v = 0, scale = NS_PER_S;
	const char *s = *p;
	while (*p < end && **p >= '0' && **p <= '9' && *p - s < 9) {
		scale /= 10;
		v += (**p - '0') * scale;
		(*p)++;
	}
	*ns = v;
	return *p > s && (*p >= end || **p < '0' || **p > '9');
}

static bool parse_zone(const char **p, const char *end, struct tparts *t)
{
	if (*p >= end)
		return true;
	t->has_zone = true;
	if (**p == 'Z' || **p == 'z') {
		(*p)++;
		return true;
	}
	int sign = **p == '+' ? 1 : **p == '-' ? -1 : 0;
	int zh, zm;
	if (!sign)
		return false;
	(*p)++;
	if (!digits(p, end, 2, &zh) || !lit(p, end, ':') || !digits(p, end, 2, &zm) || zh > 23 ||
	    zm > 59)
		return false;
	t->zone_s = sign * (zh * 3600 + zm * 60);
	return true;
}

/* date ["T" hh:mm[:ss[.frac]]] [zone], nothing after. */
static bool parse_parts(const char *s, size_t n, struct tparts *t)
{
	const char *p = s, *end = s + n;
	memset(t, 0, sizeof(*t));
	if (!digits(&p, end, 4, &t->year) || !lit(&p, end, '-') || !digits(&p, end, 2, &t->mon) ||
	    !lit(&p, end, '-') || !digits(&p, end, 2, &t->mday))
		return false;
	if (p < end && (*p == 'T' || *p == 't')) {
		p++;
		t->has_time = true;
		if (!digits(&p, end, 2, &t->hour) || !lit(&p, end, ':') ||
		    !digits(&p, end, 2, &t->min))
			return false;
		if (lit(&p, end, ':')) {
			t->has_sec = true;
			if (!digits(&p, end, 2, &t->sec))
				return false;
			if (lit(&p, end, '.') && !parse_frac(&p, end, &t->frac_ns))
				return false;
		}
	}
	return parse_zone(&p, end, t) && p == end;
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static bool parts_valid(const struct tparts *t)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (t->mon < 1 || t->mon > 12 || t->mday < 1)
		return false;
	int md = mdays[t->mon - 1] + (t->mon == 2 && leap(t->year));
	return t->mday <= md && t->hour <= 23 && t->min <= 59 && t->sec <= 59;
}

/* Seconds to ns with range checks; -ERANGE outside int64 ns. */
static int to_ns(int64_t sec, int64_t frac, int64_t *out)
{
	int64_t ns;
	if (__builtin_mul_overflow(sec, NS_PER_S, &ns) || __builtin_add_overflow(ns, frac, &ns))
		return -ERANGE;
	*out = ns;
	return 0;
}

static int parts_to_ns(const struct tparts *t, int64_t *out)
{
	if (!parts_valid(t))
		return -EINVAL;
	struct tm tm = {
		.tm_year = t->year - 1900,
		.tm_mon = t->mon - 1,
		.tm_mday = t->mday,
		.tm_hour = t->hour,
		.tm_min = t->min,
		.tm_sec = t->sec,
		.tm_isdst = -1,
	};
	int64_t sec;
	if (t->has_zone) {
		sec = (int64_t)timegm(&tm) - t->zone_s;
	} else {
		errno = 0;
		time_t r = mktime(&tm);
		if (r == (time_t)-1 && errno)
			return -ERANGE;
		sec = (int64_t)r;
	}
	return to_ns(sec, t->frac_ns, out);
}

int eng_logs_parse_rfc3339(const char *s, size_t n, int64_t *out_ns)
{
	struct tparts t;
	if (!parse_parts(s, n, &t) || !t.has_time || !t.has_sec || !t.has_zone)
		return -EINVAL;
	return parts_to_ns(&t, out_ns);
}

/* ------------------------------------------------------------------ */
/* unix seconds and durations                                           */
/* ------------------------------------------------------------------ */

static int parse_unix(const char *s, int64_t *out)
{
	const char *p = s, *end = s + strlen(s);
	int64_t sec = 0, frac = 0;
	if (p == end)
		return -EINVAL;
	for (; p < end && *p >= '0' && *p <= '9'; p++)
		if (__builtin_mul_overflow(sec, 10, &sec) ||
		    __builtin_add_overflow(sec, *p - '0', &sec))
			return -ERANGE;
	if (p == s)
		return -EINVAL;
	if (lit(&p, end, '.') && !parse_frac(&p, end, &frac))
		return -EINVAL;
	if (p != end)
		return -EINVAL;
	return to_ns(sec, frac, out);
}

static int64_t unit_ns(const char **p, const char *end)
{
	static const struct {
		const char *name;
		int64_t ns;
	} units[] = {
		{ "ns", 1 },
		{ "us", 1000 },
		{ "\xc2\xb5s", 1000 },
		{ "\xce\xbcs", 1000 },
		{ "ms", 1000000 },
		{ "s", NS_PER_S },
		{ "m", 60 * NS_PER_S },
		{ "h", 3600 * NS_PER_S },
	};
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(units); i++) {
		size_t l = strlen(units[i].name);
		if ((size_t)(end - *p) >= l && memcmp(*p, units[i].name, l) == 0 &&
		    (l > 1 || *p + 1 >= end || (*p)[1] != 's')) {
			*p += l;
			return units[i].ns;
		}
	}
	return 0;
}

/* One "<number>[.<fraction>]<unit>" term added to *total. */
static int duration_term(const char **p, const char *end, int64_t *total)
{
	int64_t ip = 0, frac = 0;
	const char *s = *p;
	for (; *p < end && **p >= '0' && **p <= '9'; (*p)++)
		if (__builtin_mul_overflow(ip, 10, &ip) ||
		    __builtin_add_overflow(ip, **p - '0', &ip))
			return -ERANGE;
	bool have_int = *p > s;
	if (lit(p, end, '.') && !parse_frac(p, end, &frac))
		return -EINVAL;
	if (!have_int && frac == 0 && *p == s)
		return -EINVAL;
	int64_t u = unit_ns(p, end), v;
	if (u == 0)
		return -EINVAL;
	if (__builtin_mul_overflow(ip, u, &v) ||
	    __builtin_add_overflow(v, (int64_t)((double)frac / NS_PER_S * (double)u), &v) ||
	    __builtin_add_overflow(*total, v, total))
		return -ERANGE;
	return 0;
}

int eng_parse_duration(const char *s, int64_t *out)
{
	const char *p = s, *end = s + strlen(s);
	int64_t total = 0;
	if (p == end)
		return -EINVAL;
	while (p < end) {
		int r = duration_term(&p, end, &total);
		if (r < 0)
			return r;
	}
	*out = total;
	return 0;
}

/* ------------------------------------------------------------------ */
/* --since / --until                                                    */
/* ------------------------------------------------------------------ */

static bool looks_like_date(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return s[4] == '-';
}

static bool all_unix_chars(const char *s)
{
	return s[strspn(s, "0123456789.")] == '\0';
}

int eng_logs_parse_time(const char *s, int64_t now_ns, int64_t *out_ns, struct brig_err *e)
{
	size_t n = strnlen(s, TIME_ARG_MAX + 1);
	int r;
	if (n == 0 || n > TIME_ARG_MAX)
		return brig_err_set(e, -EINVAL, "invalid time \"%.*s\": empty or too long",
				    TIME_ARG_MAX, s);
	if (looks_like_date(s)) {
		struct tparts t;
		r = parse_parts(s, n, &t) ? parts_to_ns(&t, out_ns) : -EINVAL;
	} else if (all_unix_chars(s)) {
		r = parse_unix(s, out_ns);
	} else {
		int64_t d;
		r = eng_parse_duration(s, &d);
		if (r == 0 && __builtin_sub_overflow(now_ns, d, out_ns))
			r = -ERANGE;
	}
	if (r == -ERANGE)
		return brig_err_set(e, r, "time \"%s\" is out of range", s);
	if (r < 0)
		return brig_err_set(e, r,
				    "invalid time \"%s\": expected an RFC 3339 time "
				    "(2026-11-28T19:48:55Z), a date (2026-11-28), unix "
				    "seconds or a duration (10m, 1h30m)",
				    s);
	return 0;
}
