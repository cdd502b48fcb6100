/* SPDX-License-Identifier: Apache-2.0 */
/* Shared helpers for the engine/flags unit tests. */
#ifndef BRIG_TEST_ENGINE_FLAGS_HELPERS_H
#define BRIG_TEST_ENGINE_FLAGS_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "engine/flags/flags.h"

/* A config shaped like brig's default (runtime/specgen.c, not rootless). */
json_t *base_spec(void);
/* The value at a dotted path with [i] indexes ("mounts[2].options"); NULL
 * when absent. */
json_t *jpath(const json_t *root, const char *path);
/* The JSON text of a value (static buffer, compact, sorted keys). */
const char *jtext(const json_t *v);
/* Whether a JSON array holds the string s. */
int jarr_has(const json_t *arr, const char *s);
/* Index of the mount with this destination, -1 when none. */
int mount_index(const json_t *oci, const char *dst);

void set_ok_at(struct eng_flags *f, const char *flag, const char *value, const char *file,
	       int line);
/* Setting must fail, with a message containing want. */
void set_fail_at(struct eng_flags *f, const char *flag, const char *value, const char *want,
		 const char *file, int line);
/* Apply to oci: must succeed / fail with want in the message and leave oci
 * untouched. */
void apply_ok_at(struct eng_flags *f, json_t *oci, const char *file, int line);
void apply_fail_at(struct eng_flags *f, json_t *oci, const char *want, const char *file, int line);
#define set_ok(f, n, v) set_ok_at((f), (n), (v), __FILE__, __LINE__)
#define set_fail(f, n, v, w) set_fail_at((f), (n), (v), (w), __FILE__, __LINE__)
#define apply_ok(f, o) apply_ok_at((f), (o), __FILE__, __LINE__)
#define apply_fail(f, o, w) apply_fail_at((f), (o), (w), __FILE__, __LINE__)

/* One flag applied to a fresh base config; the caller frees both. */
json_t *apply_one(const char *flag, const char *value, struct eng_flags **out);

#endif
