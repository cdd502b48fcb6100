/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the escape probes in this directory.  Each probe is a small static
 * program that tries one attack from inside a container and prints exactly one
 * line: "BLOCKED: what (ERRNO: message)" and exits 0 when the attack failed,
 * or "ESCAPED: what" and exits 1 when it worked.  A probe that cannot make its
 * attempt at all (wrong setup) prints "ERROR: ..." and exits 2.  An attempt
 * counts as BLOCKED only when it reached a permission check (seccomp, a
 * capability, a mask, a read-only mount); one that failed before any (the
 * kernel lacks the feature: ENOSYS, ENOENT; the target is busy or invisible:
 * ETXTBSY, ESRCH) proves nothing, and the probe prints "N/A: why" and exits 3,
 * which the bats helpers report as a skip with that reason.  No probe ever
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

/* An errno that no permission check returns: the kernel lacks the feature or
 * never found the target. */
static inline int probe_not_judged(int err)
{
	return err == ENOSYS || err == EAFNOSUPPORT || err == EPROTONOSUPPORT || err == ESRCH ||
		err == ETXTBSY;
}

static inline int probe_blocked(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static inline int probe_blocked(int err, const char *fmt, ...)
{
	va_list ap;
	fputs(probe_not_judged(err) ? "N/A: " : "BLOCKED: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (err)
		printf(" (%s: %s)", probe_errname(err), strerror(err));
	putchar('\n');
	if (fflush(stdout) != 0)
		return 2;
	return probe_not_judged(err) ? 3 : 0;
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

static inline int probe_na(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline int probe_na(const char *fmt, ...)
{
	va_list ap;
	fputs("N/A: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	(void)fflush(stdout);
	return 3;
}

#endif
