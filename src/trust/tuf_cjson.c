/* SPDX-License-Identifier: Apache-2.0 */
/* trust: canonical JSON as docker/go canonical/json writes it (the bytes Notary signs). */
#include "trust/tuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define TUF_MAX_SAFE_INT 9007199254740992LL /* 2^53: Go decodes numbers as float64 */
#define TUF_MAX_DEPTH 32

struct cbuf {
	char *p;
	size_t len, cap;
};

static int put(struct cbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *np = realloc(b->p, cap);
		if (!np)
			return -ENOMEM;
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

/* Only '"' and '\\' are escaped, and the two line separators that Go's
 * encoder always escapes; every other byte (control characters and UTF-8
 * included) is written as is.  jansson has already refused invalid UTF-8. */
static int put_string(struct cbuf *b, const char *s, size_t n, struct brig_err *e)
{
	int r = put(b, "\"", 1);
	for (size_t i = 0; r == 0 && i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\0')
			return brig_err_set(e, -EINVAL, "a string holds a NUL character");
		if (c == '"' || c == '\\') {
			char esc[2] = { '\\', (char)c };
			r = put(b, esc, 2);
		} else if (c == 0xe2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
			   ((unsigned char)s[i + 2] == 0xa8 || (unsigned char)s[i + 2] == 0xa9)) {
			r = put(b, (unsigned char)s[i + 2] == 0xa8 ? "\\u2028" : "\\u2029", 6);
			i += 2;
		} else {
			r = put(b, (const char *)&s[i], 1);
		}
	}
	return r == 0 ? put(b, "\"", 1) : r;
}

static int put_number(struct cbuf *b, const json_t *v, struct brig_err *e)
{
	long long n;
	if (json_is_integer(v)) {
		n = (long long)json_integer_value(v);
	} else {
		double d = json_real_value(v);
		if (d != d || d < -(double)TUF_MAX_SAFE_INT || d > (double)TUF_MAX_SAFE_INT ||
		    (double)(long long)d != d)
			return brig_err_set(e, -EINVAL, "a number is not an integer");
		n = (long long)d;
	}
	if (n > TUF_MAX_SAFE_INT || n < -TUF_MAX_SAFE_INT)
		return brig_err_set(e, -EINVAL, "integer %lld is beyond 2^53", n);
	char tmp[32];
	int k = snprintf(tmp, sizeof(tmp), "%lld", n);
	return put(b, tmp, (size_t)k);
}

static int cmp_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int put_value(struct cbuf *b, const json_t *v, int depth, struct brig_err *e);

static int put_object(struct cbuf *b, const json_t *v, int depth, struct brig_err *e)
{
	size_t n = json_object_size(v), i = 0;
	_cleanup_free_ const char **keys = calloc(n ? n : 1, sizeof(*keys));
	if (!keys)
		return brig_err_oom(e);
	const char *k;
	json_t *m;
	json_object_foreach((json_t *)v, k, m) keys[i++] = k;
	qsort(keys, n, sizeof(*keys), cmp_keys);
	int r = put(b, "{", 1);
	for (i = 0; r == 0 && i < n; i++) {
		if (i > 0)
			r = put(b, ",", 1);
		if (r == 0)
			r = put_string(b, keys[i], strlen(keys[i]), e);
		if (r == 0)
			r = put(b, ":", 1);
		if (r == 0)
			r = put_value(b, json_object_get(v, keys[i]), depth + 1, e);
	}
	return r == 0 ? put(b, "}", 1) : r;
}

static int put_value(struct cbuf *b, const json_t *v, int depth, struct brig_err *e)
{
	if (depth > TUF_MAX_DEPTH)
		return brig_err_set(e, -EINVAL, "nested deeper than %d", TUF_MAX_DEPTH);
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return put_object(b, v, depth, e);
	case JSON_ARRAY: {
		int r = put(b, "[", 1);
		for (size_t i = 0; r == 0 && i < json_array_size(v); i++) {
			if (i > 0)
				r = put(b, ",", 1);
			if (r == 0)
				r = put_value(b, json_array_get(v, i), depth + 1, e);
		}
		return r == 0 ? put(b, "]", 1) : r;
	}
	case JSON_STRING:
		return put_string(b, json_string_value(v), json_string_length(v), e);
	case JSON_INTEGER:
	case JSON_REAL:
		return put_number(b, v, e);
	case JSON_TRUE:
		return put(b, "true", 4);
	case JSON_FALSE:
		return put(b, "false", 5);
	case JSON_NULL:
		return put(b, "null", 4);
	}
	return brig_err_set(e, -EINVAL, "unknown JSON value");
}

int tuf_canonical(const json_t *v, char **out, size_t *len, struct brig_err *e)
{
	struct cbuf b = { 0 };
	int r = put_value(&b, v, 0, e);
	if (r == -ENOMEM && !e->code)
		r = brig_err_oom(e);
	if (r == 0 && !b.p)
		r = brig_err_oom(e);
	if (r < 0) {
		free(b.p);
		return r;
	}
	*out = b.p;
	*len = b.len;
	return 0;
}
