/* SPDX-License-Identifier: Apache-2.0 */
/* Durations and the canonical spelling of sizes and durations. */
#include "engine/config/config-internal.h"

#include <stdio.h>
#include <string.h>

static const struct {
	const char *name;
	int64_t ms;
} dur_units[] = {
	/* "ms" before "m": the longest match wins. */
	{ "ms", 1 },
	{ "s", 1000 },
	{ "m", 60000 },
	{ "h", 3600000 },
};

/* One NUMBER UNIT term at *p, added to *total. */
static int duration_term(const char **p, int64_t *total)
{
	const char *s = *p;
	int64_t n = 0;
	size_t digits = 0;
	for (; s[digits] >= '0' && s[digits] <= '9'; digits++) {
		if (n > (INT64_MAX - 9) / 10)
			return -ERANGE;
		n = n * 10 + (s[digits] - '0');
	}
	if (digits == 0)
		return -EINVAL;
	s += digits;
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(dur_units); i++) {
		size_t ul = strlen(dur_units[i].name);
		if (strncmp(s, dur_units[i].name, ul) != 0)
			continue;
		if (n > INT64_MAX / dur_units[i].ms || *total > INT64_MAX - n * dur_units[i].ms)
			return -ERANGE;
		*total += n * dur_units[i].ms;
		*p = s + ul;
		return 0;
	}
	return -EINVAL;
}

int cfg_parse_duration_ms(const char *s, int64_t *out)
{
	int64_t total = 0;
	const char *p = s;
	if (!*p)
		return -EINVAL;
	while (*p) {
		int r = duration_term(&p, &total);
		if (r < 0)
			return r;
	}
	*out = total;
	return 0;
}

void cfg_format_size(int64_t bytes, char *buf, size_t size)
{
	static const char units[] = "tgmk";
	for (size_t i = 0; bytes > 0 && i < sizeof(units) - 1; i++) {
		unsigned shift = (unsigned)(4 - i) * 10;
		int64_t unit = (int64_t)1 << shift;
		if (bytes % unit == 0) {
			(void)snprintf(buf, size, "%lld%c", (long long)(bytes / unit), units[i]);
			return;
		}
	}
	(void)snprintf(buf, size, "%lld", (long long)bytes);
}

void cfg_format_duration(int64_t ms, char *buf, size_t size)
{
	for (size_t i = BRIG_ARRAY_SIZE(dur_units); i-- > 1;)
		if (ms > 0 && ms % dur_units[i].ms == 0) {
			(void)snprintf(buf, size, "%lld%s", (long long)(ms / dur_units[i].ms),
				       dur_units[i].name);
			return;
		}
	(void)snprintf(buf, size, "%lldms", (long long)ms);
}
