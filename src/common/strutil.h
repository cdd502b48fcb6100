/* SPDX-License-Identifier: Apache-2.0 */
/* common: string vectors, whole-string number parsing, bounded and growing
 * formatting.  Included through common/common.h. */
#ifndef BRIG_COMMON_STRUTIL_H
#define BRIG_COMMON_STRUTIL_H

#include "common/cleanup.h"
#include "common/errors.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Duplicate-free vector helpers. */
/* The n bytes at p as a new NUL-terminated string (p need not be one:
 * unlike strndup, nothing past p + n is read); NULL when out of memory. */
char *brig_memdupz(const void *p, size_t n);
size_t brig_strv_len(char *const *v);
char **brig_strv_dup(char *const *v);
/* Parse an unsigned decimal; the whole string must be a number. */
int brig_parse_u64(const char *s, uint64_t *out);
int brig_parse_i64(const char *s, int64_t *out);
/* The leading decimal digits of s into *v: how many there were (0 when
 * none), or -1 when they overflow 64 bits. */
int brig_take_digits(const char *s, uint64_t *v);
/* Docker's sizes: a number (decimals allowed) with an optional unit b, k, m,
 * g or t (powers of 1024, case-insensitive, "kb" as "k"): bytes in *out. */
int brig_parse_size(const char *s, int64_t *out, struct brig_err *e);
/* A signal by number or name, with or without SIG, any case, RTMIN+N and
 * RTMAX-N: its number, or -EINVAL. */
int brig_parse_signal(const char *s);
/* snprintf into a fixed buffer; -ENAMETOOLONG when it does not fit. */
int brig_snprintf(char *buf, size_t size, const char *fmt, ...) BRIG_PRINTF(3, 4);
/* Append to a malloc'ed string of *len bytes (*buf may start NULL, *len 0);
 * -ENOMEM (the string is kept as it was). */
int brig_appendf(char **buf, size_t *len, const char *fmt, ...) BRIG_PRINTF(3, 4);
/* FNV-1a of len bytes: a hash for tables and file names, not for integrity
 * (whoever keys by it compares what it hashed). */
uint64_t brig_fnv1a64(const void *data, size_t len);
/* Now in RFC 3339, UTC, with nanoseconds ("2024-01-02T03:04:05.123456789Z"),
 * Docker's form of the times it records. */
void brig_now(char buf[64]);

#endif
