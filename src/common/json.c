/* SPDX-License-Identifier: Apache-2.0 */
/* Strict JSON accessors over jansson: every error names file and field. */
#include "common/common.h"

#include <string.h>

#define U64_MARK "\\u0000u64:"
#define U64_MARK_LEN 5 /* decoded: NUL u 6 4 : */

static bool is_u64_mark(const json_t *v)
{
	return json_is_string(v) && json_string_length(v) > U64_MARK_LEN &&
		memcmp(json_string_value(v), "\0u64:", U64_MARK_LEN) == 0;
}

void bj_root(struct bj_loc *out, const char *file)
{
	out->file = file ? file : "<input>";
	out->path[0] = '\0';
}

/* out may be parent itself: format into a copy, then store. */
static void loc_store(struct bj_loc *out, const char *file, const char *path, int n)
{
	out->file = file;
	memcpy(out->path, path, strlen(path) + 1);
	if (n < 0 || (size_t)n >= sizeof(out->path))
		memcpy(out->path + sizeof(out->path) - 4, "...", 4);
}

/* parent's path, then pre, mid (nmid bytes) and post, into out (which may
 * be parent itself).  memcpy rather than snprintf: brig scan makes a
 * location for every field of every OSV record it reads. */
static void loc_append(struct bj_loc *out, const struct bj_loc *parent, const char *pre,
		       const char *mid, size_t nmid, const char *post)
{
	size_t np = strlen(parent->path), npre = strlen(pre), npost = strlen(post);
	if (np + npre + nmid + npost >= sizeof(out->path)) {
		char path[sizeof(out->path)];
		int n = snprintf(path, sizeof(path), "%s%s%.*s%s", parent->path, pre,
				 (int)(nmid > 4096 ? 4096 : nmid), mid, post);
		loc_store(out, parent->file, path, nmid > 4096 ? -1 : n);
		return;
	}
	out->file = parent->file;
	memmove(out->path, parent->path, np);
	char *p = out->path + np;
	memcpy(p, pre, npre);
	memcpy(p + npre, mid, nmid);
	memcpy(p + npre + nmid, post, npost + 1);
}

void bj_key(struct bj_loc *out, const struct bj_loc *parent, const char *key)
{
	loc_append(out, parent, parent->path[0] ? "." : "", key, strlen(key), "");
}

void bj_idx(struct bj_loc *out, const struct bj_loc *parent, size_t idx)
{
	char num[24];
	size_t n = sizeof(num);
	do
		num[--n] = (char)('0' + idx % 10);
	while ((idx /= 10) != 0);
	loc_append(out, parent, "[", num + n, sizeof(num) - n, "]");
}

int bj_fail(struct brig_err *e, const struct bj_loc *at, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (at->path[0])
		return brig_err_set(e, -EINVAL, "%s: %s: %s", at->file, at->path, msg);
	return brig_err_set(e, -EINVAL, "%s: %s", at->file, msg);
}

const char *bj_type_name(const json_t *v)
{
	if (!v)
		return "missing";
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "object";
	case JSON_ARRAY:
		return "array";
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
		return "integer";
	case JSON_REAL:
		return "number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "boolean";
	case JSON_NULL:
		return "null";
	}
	return "unknown";
}

static const char *want_name(json_type t)
{
	switch (t) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "a value";
}

static bool type_ok(const json_t *v, json_type t)
{
	if (t == JSON_TRUE || t == JSON_FALSE)
		return json_is_boolean(v);
	if (t == JSON_REAL)
		return json_is_number(v);
	return json_typeof(v) == t;
}

int bj_expect(const json_t *v, const struct bj_loc *at, json_type type, struct brig_err *e)
{
	if (!v)
		return bj_fail(e, at, "missing");
	if (!type_ok(v, type) && is_u64_mark(v))
		return bj_fail(e, at, "%s is too large (above %lld)",
			       json_string_value(v) + U64_MARK_LEN, (long long)INT64_MAX);
	if (!type_ok(v, type))
		return bj_fail(e, at, "expected %s, got %s", want_name(type), bj_type_name(v));
	return 0;
}

/*
 * jansson keeps integers as int64 and refuses larger ones, but some fields
 * are unsigned 64-bit (seccomp argument values such as 18446744073709551615).
 * Such a literal is rewritten before parsing into a string that no JSON text
 * can make a valid string out of (it starts with a NUL, which bj_get_str
 * refuses): "\u0000u64:DIGITS".  bj_get_u64_bits() reads it as the number;
 * the other accessors report it as an integer too large.  Returns a new
 * buffer, or NULL when nothing needed rewriting (or allocation failed, when
 * jansson's own error is as good an answer).
 */
static char *widen_u64(const char *buf, size_t len, size_t *outlen)
{
	char *out = NULL;
	size_t o = 0, done = 0, cap = 0; /* out's use and size; bytes of buf consumed */
	bool in_str = false;
	for (size_t i = 0; i < len; i++) {
		char c = buf[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == '"') {
			in_str = true;
			continue;
		}
		bool starts = c >= '0' && c <= '9' &&
			!(i > 0 &&
			  (buf[i - 1] == '-' || buf[i - 1] == '.' ||
			   (buf[i - 1] >= '0' && buf[i - 1] <= '9')));
		if (!starts)
			continue;
		size_t j = i;
		while (j < len && buf[j] >= '0' && buf[j] <= '9')
			j++;
		char num[21];
		uint64_t v;
		if (j - i < 19 || j - i > 20 || (j < len && strchr(".eE", buf[j])))
			continue;
		memcpy(num, buf + i, j - i);
		num[j - i] = '\0';
		if (brig_parse_u64(num, &v) < 0 || v <= INT64_MAX)
			continue;
		size_t need = o + (i - done) + strlen(U64_MARK) + 24 + (len - j) + 1;
		if (need > cap) {
			cap = need * 2;
			char *n = realloc(out, cap);
			if (!n) {
				free(out);
				return NULL;
			}
			out = n;
		}
		memcpy(out + o, buf + done, i - done);
		o += i - done;
		o += (size_t)snprintf(out + o, cap - o, "\"%s%s\"", U64_MARK, num);
		done = j;
		i = j - 1;
	}
	if (!out)
		return NULL;
	memcpy(out + o, buf + done, len - done);
	*outlen = o + (len - done);
	return out;
}

int bj_parse(const char *buf, size_t len, const char *file, json_t **out, struct brig_err *e)
{
	json_error_t jerr;
	size_t wlen = 0;
	_cleanup_free_ char *wide = widen_u64(buf, len, &wlen);
	json_t *v = json_loadb(wide ? wide : buf, wide ? wlen : len,
			       JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	if (!v)
		return brig_err_set(e, -EINVAL, "%s: line %d column %d: %s",
				    file ? file : "<input>", jerr.line, jerr.column, jerr.text);
	*out = v;
	return 0;
}

int bj_get_u64_bits(const json_t *obj, const struct bj_loc *at, const char *key, bool required,
		    uint64_t *out, struct brig_err *e)
{
	json_t *v = NULL;
	int r = bj_expect(obj, at, JSON_OBJECT, e);
	if (r < 0)
		return r;
	v = json_object_get(obj, key);
	if (v && is_u64_mark(v)) {
		uint64_t n;
		if (brig_parse_u64(json_string_value(v) + U64_MARK_LEN, &n) < 0)
			return brig_err_set(e, -EINVAL, "%s: %s.%s: bad number", at->file, at->path,
					    key);
		*out = n;
		return 0;
	}
	return bj_get_u64(obj, at, key, required, out, e);
}
int bj_load_file(int dirfd, const char *path, size_t max, json_t **out, struct brig_err *e)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r = brig_read_file(dirfd, path, max, &buf, &len, e);
	if (r < 0)
		return r;
	return bj_parse(buf, len, path, out, e);
}

int bj_get(const json_t *obj, const struct bj_loc *at, const char *key, bool required,
	   json_type type, json_t **out, struct brig_err *e)
{
	int r = bj_expect(obj, at, JSON_OBJECT, e);
	if (r < 0)
		return r;
	struct bj_loc sub;
	bj_key(&sub, at, key);
	json_t *v = json_object_get(obj, key);
	if (!v) {
		if (required)
			return bj_fail(e, &sub, "missing (expected %s)", want_name(type));
		return 1;
	}
	r = bj_expect(v, &sub, type, e);
	if (r < 0)
		return r;
	*out = v;
	return 0;
}

int bj_get_str(const json_t *obj, const struct bj_loc *at, const char *key, bool required,
	       const char **out, struct brig_err *e)
{
	json_t *v = NULL;
	int r = bj_get(obj, at, key, required, JSON_STRING, &v, e);
	if (r != 0)
		return r;
	if (strlen(json_string_value(v)) != json_string_length(v)) {
		struct bj_loc sub;
		bj_key(&sub, at, key);
		return bj_fail(e, &sub, "string contains a NUL byte");
	}
	*out = json_string_value(v);
	return 0;
}

int bj_get_bool(const json_t *obj, const struct bj_loc *at, const char *key, bool required,
		bool *out, struct brig_err *e)
{
	json_t *v = NULL;
	int r = bj_get(obj, at, key, required, JSON_TRUE, &v, e);
	if (r != 0)
		return r;
	*out = json_is_true(v);
	return 0;
}

int bj_get_int(const json_t *obj, const struct bj_loc *at, const char *key, bool required,
	       int64_t min, int64_t max, int64_t *out, struct brig_err *e)
{
	json_t *v = NULL;
	int r = bj_get(obj, at, key, required, JSON_INTEGER, &v, e);
	if (r != 0)
		return r;
	json_int_t i = json_integer_value(v);
	if (i < min || i > max) {
		struct bj_loc sub;
		bj_key(&sub, at, key);
		return bj_fail(e, &sub, "%lld is out of range [%lld, %lld]", (long long)i,
			       (long long)min, (long long)max);
	}
	*out = i;
	return 0;
}

int bj_get_u64(const json_t *obj, const struct bj_loc *at, const char *key, bool required,
	       uint64_t *out, struct brig_err *e)
{
	int64_t v = 0;
	int r = bj_get_int(obj, at, key, required, 0, INT64_MAX, &v, e);
	if (r != 0)
		return r;
	*out = (uint64_t)v;
	return 0;
}

int bj_get_obj(const json_t *obj, const struct bj_loc *at, const char *key, bool required,
	       json_t **out, struct brig_err *e)
{
	return bj_get(obj, at, key, required, JSON_OBJECT, out, e);
}

int bj_get_arr(const json_t *obj, const struct bj_loc *at, const char *key, bool required,
	       json_t **out, struct brig_err *e)
{
	return bj_get(obj, at, key, required, JSON_ARRAY, out, e);
}

int bj_get_strv(const json_t *obj, const struct bj_loc *at, const char *key, bool required,
		size_t max, char ***out, struct brig_err *e)
{
	json_t *arr = NULL;
	int r = bj_get_arr(obj, at, key, required, &arr, e);
	if (r != 0)
		return r;
	struct bj_loc sub;
	bj_key(&sub, at, key);
	size_t n = json_array_size(arr);
	if (n > max)
		return bj_fail(e, &sub, "%zu elements, at most %zu allowed", n, max);
	_cleanup_strv_ char **v = calloc(n + 1, sizeof(char *));
	if (!v)
		return brig_err_set(e, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct bj_loc el;
		bj_idx(&el, &sub, i);
		json_t *s = json_array_get(arr, i);
		r = bj_expect(s, &el, JSON_STRING, e);
		if (r < 0)
			return r;
		if (strlen(json_string_value(s)) != json_string_length(s))
			return bj_fail(e, &el, "string contains a NUL byte");
		v[i] = strdup(json_string_value(s));
		if (!v[i])
			return brig_err_set(e, -ENOMEM, "out of memory");
	}
	*out = brig_steal_ptr(v);
	return 0;
}

int bj_only_keys(const json_t *obj, const struct bj_loc *at, const char *const *allowed,
		 struct brig_err *e)
{
	int r = bj_expect(obj, at, JSON_OBJECT, e);
	if (r < 0)
		return r;
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)obj, key, v)
	{
		bool ok = false;
		for (const char *const *a = allowed; *a; a++)
			if (strcmp(*a, key) == 0) {
				ok = true;
				break;
			}
		if (!ok) {
			struct bj_loc sub;
			bj_key(&sub, at, key);
			return bj_fail(e, &sub, "unknown key");
		}
	}
	return 0;
}
