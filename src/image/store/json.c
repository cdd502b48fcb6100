/* SPDX-License-Identifier: Apache-2.0 */
/* Strict JSON helpers for image documents, where (as the image spec says)
 * an optional field set to null is the same as an absent one. */
#include "image/store/store-internal.h"

#include <string.h>

int sj_opt(const json_t *obj, const struct bj_loc *at, const char *key, json_type type,
	   json_t **out, struct brig_err *e)
{
	int r = bj_expect(obj, at, JSON_OBJECT, e);
	if (r < 0)
		return r;
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return 1;
	return bj_get(obj, at, key, false, type, out, e);
}

static int str_dup_checked(const json_t *v, const struct bj_loc *at, char **out, struct brig_err *e)
{
	if (strlen(json_string_value(v)) != json_string_length(v))
		return bj_fail(e, at, "string contains a NUL byte");
	char *s = strdup(json_string_value(v));
	if (!s)
		return brig_err_oom(e);
	free(*out);
	*out = s;
	return 0;
}

int sj_opt_str(const json_t *obj, const struct bj_loc *at, const char *key, char **out,
	       struct brig_err *e)
{
	json_t *v = NULL;
	int r = sj_opt(obj, at, key, JSON_STRING, &v, e);
	if (r != 0)
		return r;
	struct bj_loc sub;
	bj_key(&sub, at, key);
	return str_dup_checked(v, &sub, out, e);
}

int sj_req_str(const json_t *obj, const struct bj_loc *at, const char *key, char **out,
	       struct brig_err *e)
{
	json_t *v = NULL;
	int r = bj_get(obj, at, key, true, JSON_STRING, &v, e);
	if (r < 0)
		return r;
	struct bj_loc sub;
	bj_key(&sub, at, key);
	return str_dup_checked(v, &sub, out, e);
}

int sj_opt_strv(const json_t *obj, const struct bj_loc *at, const char *key, size_t max,
		char ***out, struct brig_err *e)
{
	json_t *v = NULL;
	int r = sj_opt(obj, at, key, JSON_ARRAY, &v, e);
	if (r != 0)
		return r;
	char **strv = NULL;
	r = bj_get_strv(obj, at, key, true, max, &strv, e);
	if (r < 0)
		return r;
	brig_strv_free(*out);
	*out = strv;
	return 0;
}

int sj_kvlist(const json_t *v, const struct bj_loc *at, size_t max, struct img_kvlist *out,
	      struct brig_err *e)
{
	int r = bj_expect(v, at, JSON_OBJECT, e);
	if (r < 0)
		return r;
	size_t n = json_object_size(v);
	if (n > max)
		return bj_fail(e, at, "%zu entries, at most %zu allowed", n, max);
	img_kvlist_clear(out);
	out->items = calloc(n ? n : 1, sizeof(*out->items));
	if (!out->items)
		return brig_err_oom(e);
	const char *key;
	json_t *val;
	json_object_foreach((json_t *)v, key, val)
	{
		struct bj_loc sub;
		bj_key(&sub, at, key);
		r = bj_expect(val, &sub, JSON_STRING, e);
		if (r < 0)
			return r;
		struct img_kv *kv = &out->items[out->n];
		kv->key = strdup(key);
		if (!kv->key)
			return brig_err_oom(e);
		out->n++;
		r = str_dup_checked(val, &sub, &kv->value, e);
		if (r < 0)
			return r;
	}
	return 0;
}

int sj_keyset(const json_t *v, const struct bj_loc *at, size_t max, char ***out, struct brig_err *e)
{
	int r = bj_expect(v, at, JSON_OBJECT, e);
	if (r < 0)
		return r;
	size_t n = json_object_size(v);
	if (n > max)
		return bj_fail(e, at, "%zu entries, at most %zu allowed", n, max);
	_cleanup_strv_ char **keys = calloc(n + 1, sizeof(char *));
	if (!keys)
		return brig_err_oom(e);
	size_t i = 0;
	const char *key;
	json_t *val;
	json_object_foreach((json_t *)v, key, val)
	{
		struct bj_loc sub;
		bj_key(&sub, at, key);
		/* Go's map[string]struct{}: each value is {} (null is seen
		 * from some writers too). */
		if (!json_is_null(val)) {
			r = bj_expect(val, &sub, JSON_OBJECT, e);
			if (r < 0)
				return r;
		}
		keys[i] = strdup(key);
		if (!keys[i++])
			return brig_err_oom(e);
	}
	brig_strv_free(*out);
	*out = brig_steal_ptr(keys);
	return 0;
}

int sj_schema2(const json_t *doc, const struct bj_loc *at, struct brig_err *e)
{
	int64_t v = 0;
	int r = bj_get_int(doc, at, "schemaVersion", true, INT64_MIN, INT64_MAX, &v, e);
	if (r < 0)
		return r;
	if (v != 2) {
		struct bj_loc sub;
		bj_key(&sub, at, "schemaVersion");
		return bj_fail(e, &sub, "must be 2, got %lld", (long long)v);
	}
	return 0;
}
