/* SPDX-License-Identifier: Apache-2.0 */
/* common: strict JSON: parsing with limits, accessors that name the file and field.  Included through common/common.h. */
#ifndef BRIG_COMMON_STRICTJSON_H
#define BRIG_COMMON_STRICTJSON_H

#include "common/errors.h"
#include <jansson.h>
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * A location inside a JSON document: the file it came from and the JSON path
 * of the value ("process.user.uid", "mounts[3].options[0]").  Errors from the
 * accessors read "FILE: PATH: expected WHAT, got TYPE".
 */
struct bj_loc {
	const char *file;
	char path[256];
};

/* Root location of a document. */
void bj_root(struct bj_loc *out, const char *file);
/* Location of member key / element idx beneath parent. */
void bj_key(struct bj_loc *out, const struct bj_loc *parent, const char *key);
void bj_idx(struct bj_loc *out, const struct bj_loc *parent, size_t idx);
/* Record "FILE: PATH: <message>" in e and return -EINVAL. */
int bj_fail(struct brig_err *e, const struct bj_loc *at, const char *fmt, ...) BRIG_PRINTF(3, 4);
const char *bj_type_name(const json_t *v);

/* Parse a buffer / a file (size-limited) into a JSON value. Duplicate keys
 * are rejected. */
int bj_parse(const char *buf, size_t len, const char *file, json_t **out, struct brig_err *e);
int bj_load_file(int dirfd, const char *path, size_t max, json_t **out, struct brig_err *e);

/*
 * Typed member accessors.  obj must be an object (checked; at names it).
 * When the member is absent: required -> error "missing", otherwise the
 * out value is left untouched and 1 is returned.  0 when found and valid.
 */
int bj_get(const json_t *obj, const struct bj_loc *at, const char *key, bool required,
	   json_type type, json_t **out, struct brig_err *e);
int bj_get_str(const json_t *obj, const struct bj_loc *at, const char *key, bool required,
	       const char **out, struct brig_err *e);
int bj_get_bool(const json_t *obj, const struct bj_loc *at, const char *key, bool required,
		bool *out, struct brig_err *e);
/* Integer within [min, max] inclusive. */
int bj_get_int(const json_t *obj, const struct bj_loc *at, const char *key, bool required,
	       int64_t min, int64_t max, int64_t *out, struct brig_err *e);
/* Unsigned 64-bit integer (JSON numbers above INT64_MAX are rejected). */
int bj_get_u64(const json_t *obj, const struct bj_loc *at, const char *key, bool required,
	       uint64_t *out, struct brig_err *e);
/* An unsigned 64-bit field: literals above INT64_MAX are accepted (bj_parse
 * keeps their bits), as are negative ones (two's complement, like -1). */
int bj_get_u64_bits(const json_t *obj, const struct bj_loc *at, const char *key, bool required,
		    uint64_t *out, struct brig_err *e);
int bj_get_obj(const json_t *obj, const struct bj_loc *at, const char *key, bool required,
	       json_t **out, struct brig_err *e);
int bj_get_arr(const json_t *obj, const struct bj_loc *at, const char *key, bool required,
	       json_t **out, struct brig_err *e);
/* An array of strings, copied into a NULL-terminated vector (free with
 * brig_strv_free).  max bounds the element count. */
int bj_get_strv(const json_t *obj, const struct bj_loc *at, const char *key, bool required,
		size_t max, char ***out, struct brig_err *e);
/* Check a value's type (for array elements). */
int bj_expect(const json_t *v, const struct bj_loc *at, json_type type, struct brig_err *e);
/* Refuse members of obj not in the NULL-terminated allowed list. */
int bj_only_keys(const json_t *obj, const struct bj_loc *at, const char *const *allowed,
		 struct brig_err *e);

#endif
