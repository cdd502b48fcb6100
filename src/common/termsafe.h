/* SPDX-License-Identifier: Apache-2.0 */
/* common: text from images and containers made safe for a terminal.
 * Included through common/common.h. */
#ifndef BRIG_COMMON_TERMSAFE_H
#define BRIG_COMMON_TERMSAFE_H

#include <stdbool.h>
#include <stddef.h>

/* Terminal-safe copies of text for people to read (termsafe.c): control
 * characters (C0 including TAB, DEL, C1) and bytes that are not UTF-8
 * become \n \r \t \xNN \u00NN escapes; valid UTF-8 is kept.  malloc'ed,
 * NULL when out of memory.  The _json form escapes what a JSON text may
 * still carry raw (DEL, C1, invalid bytes) and keeps the rest. */
char *brig_term_escape(const char *s, size_t n);
char *brig_term_escape_json(const char *s, size_t n);
/* Whether s needs no escape. */
bool brig_term_safe(const char *s, size_t n);

#endif
