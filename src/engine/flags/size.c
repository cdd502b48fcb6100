/* SPDX-License-Identifier: Apache-2.0 */
/* Value parsers: sizes, bounded integers, CPU counts, CPU lists, signals. */
#include "engine/flags/flags_int.h"

#include <signal.h>
#include <string.h>

/* Digits of s into *v; returns the count, or -1 on overflow. */
static int take_digits(const char *s, uint64_t *v)
{
	int n = 0;
	*v = 0;
	for (; s[n] >= '0' && s[n] <= '9'; n++) {
		uint64_t d = (uint64_t)(s[n] - '0');
		if (*v > (UINT64_MAX - d) / 10)
			return -1;
		*v = *v * 10 + d;
	}
	return n;
}

static int unit_shift(const char *u, unsigned *shift)
{
	static const char units[] = "bkmgt";
	if (*u == '\0') {
		*shift = 0;
		return 0;
	}
	const char *p = strchr(units, u[0] | 0x20);
	if (!p || u[0] == ' ')
		return -EINVAL;
	*shift = (unsigned)(p - units) * 10;
	const char *rest = u + 1;
	if (*shift > 0 && (*rest | 0x20) == 'b')
		rest++;
	return *rest == '\0' ? 0 : -EINVAL;
}

int eng_parse_size(const char *s, int64_t *out, struct brig_err *e)
{
	uint64_t whole, frac = 0;
	int nw = take_digits(s, &whole), nf = 0;
	const char *p = s + (nw > 0 ? nw : 0);
	unsigned shift;
	if (nw <= 0)
		goto bad;
	if (*p == '.') {
		nf = take_digits(p + 1, &frac);
		if (nf <= 0 || nf > 9)
			goto bad;
		p += 1 + nf;
	}
	if (unit_shift(p, &shift) < 0)
		goto bad;
	if (whole > ((uint64_t)INT64_MAX >> shift))
		return brig_err_set(e, -ERANGE, "size \"%.64s\" is too large", s);
	uint64_t bytes = whole << shift, div = 1;
	for (int i = 0; i < nf; i++)
		div *= 10;
	/* frac < 10^9 and shift <= 40: frac << shift fits in 64 bits only
	 * up to shift 34, so divide first for the large units. */
	uint64_t part = shift > 30 ? (frac << 30) / div << (shift - 30) : (frac << shift) / div;
	if (bytes > (uint64_t)INT64_MAX - part)
		return brig_err_set(e, -ERANGE, "size \"%.64s\" is too large", s);
	*out = (int64_t)(bytes + part);
	return 0;
bad:
	return brig_err_set(e, -EINVAL, "invalid size \"%.64s\" (a number with an optional "
			    "unit b, k, m, g, t)", s);
}

int eng_parse_int(const char *s, int64_t min, int64_t max, int64_t *out,
		  struct brig_err *e)
{
	int64_t v;
	if (*s == '+' || brig_parse_i64(s, &v) < 0)
		return brig_err_set(e, -EINVAL, "invalid number \"%.64s\"", s);
	if (v < min || v > max)
		return brig_err_set(e, -ERANGE, "%lld is out of range [%lld, %lld]",
				    (long long)v, (long long)min, (long long)max);
	*out = v;
	return 0;
}

/* "1.5" -> 1500000000 nano-CPUs (at most 9 decimals). */
int eng_parse_cpus(const char *s, int64_t *nano, struct brig_err *e)
{
	uint64_t whole, frac = 0;
	int nw = take_digits(s, &whole), nf = 0;
	const char *p = s + (nw > 0 ? nw : 0);
	if (nw <= 0 || whole > 1000000)
		goto bad;
	if (*p == '.') {
		nf = take_digits(p + 1, &frac);
		if (nf <= 0 || nf > 9)
			goto bad;
		p += 1 + nf;
	}
	if (*p != '\0')
		goto bad;
	for (int i = nf; i < 9; i++)
		frac *= 10;
	*nano = (int64_t)(whole * 1000000000ULL + frac);
	return 0;
bad:
	return brig_err_set(e, -EINVAL, "invalid number of CPUs \"%.64s\"", s);
}

#define CPULIST_MAX 8192 /* highest cpu or memory node number accepted */

/* "0-2,4": comma-separated numbers and ascending ranges. */
int eng_parse_cpulist(const char *s, struct brig_err *e)
{
	const char *p = s;
	if (*p == '\0')
		goto bad;
	for (;;) {
		uint64_t a, b;
		int n = take_digits(p, &a);
		if (n <= 0 || a > CPULIST_MAX)
			goto bad;
		p += n;
		if (*p == '-') {
			n = take_digits(p + 1, &b);
			if (n <= 0 || b > CPULIST_MAX || b < a)
				goto bad;
			p += 1 + n;
		}
		if (*p == '\0')
			return 0;
		if (*p++ != ',')
			goto bad;
	}
bad:
	return brig_err_set(e, -EINVAL, "invalid list \"%.64s\" (numbers and ranges such as "
			    "\"0-2,4\", each at most %d)", s, CPULIST_MAX);
}

int eng_parse_signal(const char *s)
{
	uint64_t n;
	if (!s || *s == '\0')
		return -EINVAL;
	if (brig_parse_u64(s, &n) == 0)
		return n >= 1 && n <= (uint64_t)SIGRTMAX ? (int)n : -EINVAL;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (int sig = 1; sig < SIGRTMIN; sig++) {
		const char *abbr = sigabbrev_np(sig);
		if (abbr && strcasecmp(abbr, s) == 0)
			return sig;
	}
	bool min = strncasecmp(s, "RTMIN", 5) == 0, max = strncasecmp(s, "RTMAX", 5) == 0;
	if (!min && !max)
		return -EINVAL;
	const char *off = s + 5;
	uint64_t k = 0;
	if (*off != '\0') {
		if ((min && *off != '+') || (max && *off != '-') ||
		    brig_parse_u64(off + 1, &k) < 0 || k > (uint64_t)(SIGRTMAX - SIGRTMIN))
			return -EINVAL;
	}
	return min ? SIGRTMIN + (int)k : SIGRTMAX - (int)k;
}
