/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the escape probes in this directory.  Each probe is a small static
 * program that tries one attack from inside a container and prints exactly one
 * line: "BLOCKED: what (ERRNO: message)" and exits 0 when the attack failed,
 * or "ESCAPED: what" and exits 1 when it worked.  A probe that cannot make its
 * attempt at all (wrong setup) prints "ERROR: ..." and exits 2.  No probe ever
 * changes host state in a harmful way even when it escapes: see each file.
 */
#ifndef BRIG_PROBE_H
#define BRIG_PROBE_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline const char *probe_errname(int err)
{
	const char *n = strerrorname_np(err);
	return n ? n : "E?";
}

static inline int probe_blocked(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static inline int probe_blocked(int err, const char *fmt, ...)
{
	va_list ap;
	fputs("BLOCKED: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (err)
		printf(" (%s: %s)", probe_errname(err), strerror(err));
	putchar('\n');
	return fflush(stdout) == 0 ? 0 : 2;
}

static inline int probe_escaped(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline int probe_escaped(const char *fmt, ...)
{
	va_list ap;
	fputs("ESCAPED: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	(void)fflush(stdout);
	return 1;
}

static inline int probe_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline int probe_error(const char *fmt, ...)
{
	va_list ap;
	fputs("ERROR: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	(void)fflush(stdout);
	return 2;
}

#endif
