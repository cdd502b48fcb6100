/* SPDX-License-Identifier: Apache-2.0 */
/* Small string helpers: string vectors, whole-string number parsing,
 * bounded and growing formatting. */
#include "common/common.h"

#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

void brig_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

size_t brig_strv_len(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

char **brig_strv_dup(char *const *v)
{
	size_t n = brig_strv_len(v);
	char **out = calloc(n + 1, sizeof(char *));
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		out[i] = strdup(v[i]);
		if (!out[i]) {
			brig_strv_free(out);
			return NULL;
		}
	}
	return out;
}

int brig_parse_u64(const char *s, uint64_t *out)
{
	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	uint64_t v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int brig_parse_i64(const char *s, int64_t *out)
{
	bool neg = s && *s == '-';
	uint64_t u;
	int r = brig_parse_u64(neg ? s + 1 : s, &u);
	if (r < 0)
		return r;
	if (neg) {
		if (u > (uint64_t)INT64_MAX + 1)
			return -ERANGE;
		*out = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
	} else {
		if (u > INT64_MAX)
			return -ERANGE;
		*out = (int64_t)u;
	}
	return 0;
}

int brig_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= size)
		return -ENAMETOOLONG;
	return n;
}

int brig_appendf(char **buf, size_t *len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	char *nb = realloc(*buf, *len + (size_t)n + 1);
	if (!nb)
		return -ENOMEM;
	*buf = nb;
	va_start(ap, fmt);
	(void)vsnprintf(nb + *len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	*len += (size_t)n;
	return 0;
}

/* Digits of s into *v; returns the count, or -1 on overflow. */
int brig_take_digits(const char *s, uint64_t *v)
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

int brig_parse_size(const char *s, int64_t *out, struct brig_err *e)
{
	uint64_t whole, frac = 0;
	int nw = brig_take_digits(s, &whole), nf = 0;
	const char *p = s + (nw > 0 ? nw : 0);
	unsigned shift;
	if (nw <= 0)
		goto bad;
	if (*p == '.') {
		nf = brig_take_digits(p + 1, &frac);
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
	return brig_err_set(e, -EINVAL,
			    "invalid size \"%.64s\" (a number with an optional "
			    "unit b, k, m, g, t)",
			    s);
}

int brig_parse_signal(const char *s)
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

char *brig_memdupz(const void *p, size_t n)
{
	char *s = n < SIZE_MAX ? malloc(n + 1) : NULL;
	if (!s)
		return NULL;
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

uint64_t brig_fnv1a64(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

void brig_now(char buf[64])
{
	struct timespec ts;
	struct tm tm;
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	(void)gmtime_r(&ts.tv_sec, &tm);
	(void)snprintf(buf, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900,
		       tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
}
