/* SPDX-License-Identifier: Apache-2.0 */
/* Value parsers: bounded integers, CPU counts, CPU lists (sizes and signals:
 * brig_parse_size and brig_parse_signal in common). */
#include "engine/flags/flags-internal.h"

#include <string.h>

int eng_parse_int(const char *s, int64_t min, int64_t max, int64_t *out, struct brig_err *e)
{
	int64_t v;
	if (*s == '+' || brig_parse_i64(s, &v) < 0)
		return brig_err_set(e, -EINVAL, "invalid number \"%.64s\"", s);
	if (v < min || v > max)
		return brig_err_set(e, -ERANGE, "%lld is out of range [%lld, %lld]", (long long)v,
				    (long long)min, (long long)max);
	*out = v;
	return 0;
}

/* "1.5" -> 1500000000 nano-CPUs (at most 9 decimals). */
int eng_parse_cpus(const char *s, int64_t *nano, struct brig_err *e)
{
	uint64_t whole, frac = 0;
	int nw = brig_take_digits(s, &whole), nf = 0;
	const char *p = s + (nw > 0 ? nw : 0);
	if (nw <= 0 || whole > 1000000)
		goto bad;
	if (*p == '.') {
		nf = brig_take_digits(p + 1, &frac);
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
		int n = brig_take_digits(p, &a);
		if (n <= 0 || a > CPULIST_MAX)
			goto bad;
		p += n;
		if (*p == '-') {
			n = brig_take_digits(p + 1, &b);
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
	return brig_err_set(e, -EINVAL,
			    "invalid list \"%.64s\" (numbers and ranges such as "
			    "\"0-2,4\", each at most %d)",
			    s, CPULIST_MAX);
}
