/* SPDX-License-Identifier: Apache-2.0 */
/* The template functions: Go's (len, index, print, printf, println, eq...,
 * not; and/or are in template_eval.c) and Docker's (json, join, split,
 * lower, upper, title, truncate, pad). */
#include "cli/template-internal.h"

#include <ctype.h>
#include <string.h>

static int oom(struct ev *ev)
{
	return brig_err_set(ev->e, -ENOMEM, "out of memory");
}

/* res = a new string from a tbuf (taken); safe: it was escaped as built. */
static int take_string(struct ev *ev, struct tbuf *t, bool safe, struct val *res)
{
	res->j = json_stringn_nocheck(t->buf ? t->buf : "", t->len);
	res->safe = safe;
	free(t->buf);
	return res->j ? 0 : oom(ev);
}

static int want_string(struct ev *ev, size_t pos, const char *fn, const struct val *a)
{
	if (json_is_string(a->j))
		return 0;
	return tpl_fail(ev, pos, -EINVAL, "%s: expected string; found %s", fn, tpl_go_type(a->j));
}

static int fn_len(struct ev *ev, size_t pos, struct val *a, size_t n, struct val *res)
{
	(void)n;
	size_t len;
	if (json_is_string(a[0].j))
		len = json_string_length(a[0].j);
	else if (json_is_array(a[0].j))
		len = json_array_size(a[0].j);
	else if (json_is_object(a[0].j))
		len = json_object_size(a[0].j);
	else
		return tpl_fail(ev, pos, -EINVAL, "error calling len: len of type %s",
				tpl_go_type(a[0].j));
	res->j = json_integer((json_int_t)len);
	res->safe = true;
	return res->j ? 0 : oom(ev);
}

/* An object's missing member is its zero value, as in a Go map: "" when
 * the values are strings (labels, options), else nil. */
static json_t *zero_member(const json_t *obj)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)obj, k, v) if (!json_is_string(v)) return json_null();
	return json_string("");
}

static int fn_index(struct ev *ev, size_t pos, struct val *a, size_t n, struct val *res)
{
	json_t *v = a[0].j;
	for (size_t i = 1; i < n; i++) {
		const json_t *k = a[i].j;
		if (json_is_integer(k) && (json_is_array(v) || json_is_string(v))) {
			json_int_t x = json_integer_value(k);
			size_t len = json_is_array(v) ? json_array_size(v) : json_string_length(v);
			if (x < 0 || (size_t)x >= len)
				return tpl_fail(ev, pos, -ERANGE,
						"error calling index: index %lld out of range",
						(long long)x);
			v = json_is_array(v) ? json_array_get(v, (size_t)x) : NULL;
			if (!v) /* a byte of a string, as Go's index gives it */
				return (res->j = json_integer(
						(unsigned char)json_string_value(a[0].j)[x]))
					? 0
					: oom(ev);
		} else if (json_is_string(k) && json_is_object(v)) {
			json_t *m = json_object_get(v, json_string_value(k));
			if (!m) {
				res->j = zero_member(v);
				return res->j ? 0 : oom(ev);
			}
			v = m;
		} else if (json_is_null(v)) {
			break;
		} else {
			return tpl_fail(ev, pos, -EINVAL,
					"error calling index: can't index %s with %s",
					tpl_go_type(v), tpl_go_type(k));
		}
	}
	res->j = json_incref(v);
	res->safe = a[0].safe;
	return 0;
}

/* Go's Sprint: a space between operands when neither is a string. */
static int fn_print(struct ev *ev, size_t pos, struct val *a, size_t n, struct val *res)
{
	(void)pos;
	struct tbuf t = { 0 };
	int r = 0;
	for (size_t i = 0; r == 0 && i < n; i++) {
		if (i && !json_is_string(a[i - 1].j) && !json_is_string(a[i].j))
			r = tbuf_puts(ev, &t, " ");
		if (r == 0)
			r = tpl_print_value(ev, &t, a[i].j, a[i].safe, 0);
	}
	if (r < 0) {
		free(t.buf);
		return r;
	}
	return take_string(ev, &t, true, res);
}

static int fn_println(struct ev *ev, size_t pos, struct val *a, size_t n, struct val *res)
{
	(void)pos;
	struct tbuf t = { 0 };
	int r = 0;
	for (size_t i = 0; r == 0 && i < n; i++)
		if ((r = i ? tbuf_puts(ev, &t, " ") : 0) == 0)
			r = tpl_print_value(ev, &t, a[i].j, a[i].safe, 0);
	if (r == 0)
		r = tbuf_puts(ev, &t, "\n");
	if (r < 0) {
		free(t.buf);
		return r;
	}
	return take_string(ev, &t, true, res);
}

static int fn_printf(struct ev *ev, size_t pos, struct val *a, size_t n, struct val *res)
{
	struct tbuf t = { 0 };
	int r = want_string(ev, pos, "printf", &a[0]);
	if (r == 0)
		r = tpl_printf(ev, &t, json_string_value(a[0].j), a[0].safe, a + 1, n - 1);
	if (r < 0) {
		free(t.buf);
		return r;
	}
	return take_string(ev, &t, true, res);
}

static int fn_json(struct ev *ev, size_t pos, struct val *a, size_t n, struct val *res)
{
	(void)pos;
	(void)n;
	_cleanup_free_ char *j = json_dumps(a[0].j, JSON_COMPACT | JSON_ENCODE_ANY);
	/* the same JSON, with DEL and C1 as \u escapes */
	_cleanup_free_ char *safe = j ? brig_term_escape_json(j, strlen(j)) : NULL;
	if (!safe)
		return oom(ev);
	res->j = json_string_nocheck(safe);
	res->safe = true;
	return res->j ? 0 : oom(ev);
}

static int fn_join(struct ev *ev, size_t pos, struct val *a, size_t n, struct val *res)
{
	(void)n;
	struct tbuf t = { 0 };
	size_t i;
	json_t *v;
	int r = want_string(ev, pos, "join", &a[1]);
	if (r == 0 && !json_is_array(a[0].j) && !json_is_null(a[0].j))
		r = tpl_fail(ev, pos, -EINVAL, "join: expected a list; found %s",
			     tpl_go_type(a[0].j));
	json_array_foreach(r == 0 ? a[0].j : NULL, i, v)
	{
		if ((r = i ? tbuf_put_text(ev, &t, json_string_value(a[1].j),
					   json_string_length(a[1].j), a[1].safe)
			   : 0) == 0)
			r = tpl_print_value(ev, &t, v, a[0].safe, 0);
		if (r < 0)
			break;
	}
	if (r < 0) {
		free(t.buf);
		return r;
	}
	return take_string(ev, &t, true, res);
}

static int fn_split(struct ev *ev, size_t pos, struct val *a, size_t n, struct val *res)
{
	(void)n;
	int r = want_string(ev, pos, "split", &a[0]);
	if (r == 0)
		r = want_string(ev, pos, "split", &a[1]);
	if (r < 0)
		return r;
	const char *s = json_string_value(a[0].j), *sep = json_string_value(a[1].j);
	size_t len = json_string_length(a[0].j), sl = json_string_length(a[1].j);
	if (!(res->j = json_array()))
		return oom(ev);
	res->safe = a[0].safe;
	for (size_t i = 0; i <= len;) {
		const char *hit = sl ? memmem(s + i, len - i, sep, sl) : NULL;
		size_t part = sl ? (hit ? (size_t)(hit - s) - i : len - i) : 1;
		while (!sl && i + part < len && ((unsigned char)s[i + part] & 0xc0) == 0x80)
			part++; /* "" splits into UTF-8 characters */
		if (!sl && len == i)
			break; /* "" splits into its characters */
		if (json_array_append_new(res->j, json_stringn_nocheck(s + i, part)) < 0)
			return oom(ev);
		i += part + sl;
		if (sl && !hit)
			break;
	}
	return 0;
}

enum casing { LOWER, UPPER, TITLE };

static int change_case(struct ev *ev, size_t pos, struct val *a, enum casing c, struct val *res)
{
	int r = want_string(ev, pos, c == LOWER ? "lower" : c == UPPER ? "upper" : "title", a);
	if (r < 0)
		return r;
	size_t n = json_string_length(a->j);
	_cleanup_free_ char *s = malloc(n + 1);
	if (!s)
		return oom(ev);
	memcpy(s, json_string_value(a->j), n + 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		bool word_start = i == 0 ||
			!(isalnum((unsigned char)s[i - 1]) || (unsigned char)s[i - 1] >= 0x80 ||
			  s[i - 1] == '_' || s[i - 1] == '\'');
		if (c == LOWER)
			s[i] = (char)tolower(ch);
		else if (c == UPPER || (c == TITLE && word_start))
			s[i] = (char)toupper(ch);
	}
	res->j = json_stringn_nocheck(s, n);
	res->safe = a->safe;
	return res->j ? 0 : oom(ev);
}

static int fn_lower(struct ev *ev, size_t pos, struct val *a, size_t n, struct val *res)
{
	(void)n;
	return change_case(ev, pos, a, LOWER, res);
}

static int fn_upper(struct ev *ev, size_t pos, struct val *a, size_t n, struct val *res)
{
	(void)n;
	return change_case(ev, pos, a, UPPER, res);
}

static int fn_title(struct ev *ev, size_t pos, struct val *a, size_t n, struct val *res)
{
	(void)n;
	return change_case(ev, pos, a, TITLE, res);
}

/* Docker's truncate: at most n characters. */
static int fn_truncate(struct ev *ev, size_t pos, struct val *a, size_t n, struct val *res)
{
	(void)n;
	int r = want_string(ev, pos, "truncate", &a[0]);
	if (r == 0 && !json_is_integer(a[1].j))
		r = tpl_fail(ev, pos, -EINVAL, "truncate: expected int; found %s",
			     tpl_go_type(a[1].j));
	if (r < 0)
		return r;
	const char *s = json_string_value(a[0].j);
	size_t len = json_string_length(a[0].j), runes = 0, i = 0;
	json_int_t max = json_integer_value(a[1].j);
	for (; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80 && (json_int_t)runes++ == max)
			break;
	res->j = json_stringn_nocheck(s, i);
	res->safe = a[0].safe;
	return res->j ? 0 : oom(ev);
}

/* Docker's pad: prefix and suffix spaces. */
static int fn_pad(struct ev *ev, size_t pos, struct val *a, size_t n, struct val *res)
{
	(void)n;
	int r = want_string(ev, pos, "pad", &a[0]);
	for (size_t i = 1; r == 0 && i < 3; i++)
		if (!json_is_integer(a[i].j) || json_integer_value(a[i].j) < 0 ||
		    json_integer_value(a[i].j) > 4096)
			r = tpl_fail(ev, pos, -EINVAL, "pad: expected a count of 0 to 4096");
	struct tbuf t = { 0 };
	for (json_int_t k = 0; r == 0 && k < json_integer_value(a[1].j); k++)
		r = tbuf_puts(ev, &t, " ");
	if (r == 0)
		r = tbuf_put_text(ev, &t, json_string_value(a[0].j), json_string_length(a[0].j),
				  a[0].safe);
	for (json_int_t k = 0; r == 0 && k < json_integer_value(a[2].j); k++)
		r = tbuf_puts(ev, &t, " ");
	if (r < 0) {
		free(t.buf);
		return r;
	}
	return take_string(ev, &t, true, res);
}

/* label ROW KEY: Docker's .Label "key": the value of a label, from a
 * Labels object or a "k=v,k2=v2" string; "" when absent. */
static int fn_label(struct ev *ev, size_t pos, struct val *a, size_t n, struct val *res)
{
	(void)n;
	const json_t *l = json_object_get(a[0].j, "Labels");
	const char *key = json_string_value(a[1].j), *found = "";
	size_t flen = 0, klen = key ? strlen(key) : 0;
	if (!key || !json_is_object(a[0].j))
		return tpl_fail(ev, pos, -EINVAL, "can't evaluate field Label in %s",
				tpl_go_type(a[0].j));
	if (json_is_object(l) && json_is_string(json_object_get(l, key))) {
		found = json_string_value(json_object_get(l, key));
		flen = strlen(found);
	}
	for (const char *s = json_string_value(l); s && *s;) {
		size_t item = strcspn(s, ",");
		if (item > klen && strncmp(s, key, klen) == 0 && s[klen] == '=') {
			found = s + klen + 1;
			flen = item - klen - 1;
		}
		s += item + (s[item] == ',');
	}
	res->j = json_stringn_nocheck(found, flen);
	res->safe = a[0].safe;
	return res->j ? 0 : oom(ev);
}

static int fn_not(struct ev *ev, size_t pos, struct val *a, size_t n, struct val *res)
{
	(void)pos;
	(void)n;
	res->j = json_boolean(!tpl_truth(a[0].j));
	res->safe = true;
	return res->j ? 0 : oom(ev);
}

/* <0, 0, >0 as Go compares basic values; an error for other kinds. */
static int compare(struct ev *ev, size_t pos, const json_t *x, const json_t *y, bool order,
		   int *out)
{
	if (json_is_number(x) && json_is_number(y)) {
		double a = json_number_value(x), b = json_number_value(y);
		if (json_is_integer(x) && json_is_integer(y)) {
			json_int_t ia = json_integer_value(x), ib = json_integer_value(y);
			*out = ia < ib ? -1 : ia > ib;
		} else {
			*out = a < b ? -1 : a > b;
		}
		return 0;
	}
	if (json_is_string(x) && json_is_string(y)) {
		*out = strcmp(json_string_value(x), json_string_value(y));
		return 0;
	}
	if (!order && json_is_boolean(x) && json_is_boolean(y)) {
		*out = json_is_true(x) != json_is_true(y);
		return 0;
	}
	if (!order && (json_is_null(x) || json_is_null(y))) {
		*out = !(json_is_null(x) && json_is_null(y));
		return 0;
	}
	if (json_is_array(x) || json_is_object(x) || json_is_array(y) || json_is_object(y))
		return tpl_fail(ev, pos, -EINVAL, "error calling %s: non-comparable type",
				order ? "lt" : "eq");
	if (order && (json_is_boolean(x) || json_is_null(x)))
		return tpl_fail(ev, pos, -EINVAL, "error calling lt: invalid type for comparison");
	return tpl_fail(ev, pos, -EINVAL, "error calling %s: incompatible types for comparison",
			order ? "lt" : "eq");
}

static int fn_eq(struct ev *ev, size_t pos, struct val *a, size_t n, struct val *res)
{
	bool eq = false;
	for (size_t i = 1; i < n && !eq; i++) {
		int c, r = compare(ev, pos, a[0].j, a[i].j, false, &c);
		if (r < 0)
			return r;
		eq = c == 0;
	}
	res->j = json_boolean(eq);
	res->safe = true;
	return res->j ? 0 : oom(ev);
}

static int fn_ne(struct ev *ev, size_t pos, struct val *a, size_t n, struct val *res)
{
	int r = fn_eq(ev, pos, a, n, res);
	if (r == 0) {
		bool v = json_is_true(res->j);
		json_decref(res->j);
		res->j = json_boolean(!v);
	}
	return r;
}

static int order(struct ev *ev, size_t pos, struct val *a, bool (*ok)(int), struct val *res)
{
	int c, r = compare(ev, pos, a[0].j, a[1].j, true, &c);
	if (r < 0)
		return r;
	res->j = json_boolean(ok(c));
	res->safe = true;
	return res->j ? 0 : oom(ev);
}

static bool is_lt(int c)
{
	return c < 0;
}
static bool is_le(int c)
{
	return c <= 0;
}
static bool is_gt(int c)
{
	return c > 0;
}
static bool is_ge(int c)
{
	return c >= 0;
}

#define ORDER_FN(name)                                                                            \
	static int fn_##name(struct ev *ev, size_t pos, struct val *a, size_t n, struct val *res) \
	{                                                                                         \
		(void)n;                                                                          \
		return order(ev, pos, a, is_##name, res);                                         \
	}
ORDER_FN(lt)
ORDER_FN(le)
ORDER_FN(gt)
ORDER_FN(ge)

static const struct tpl_func funcs[] = {
	{ "and", NULL, 1, -1 },
	{ "eq", fn_eq, 2, -1 },
	{ "ge", fn_ge, 2, 2 },
	{ "gt", fn_gt, 2, 2 },
	{ "index", fn_index, 1, -1 },
	{ "join", fn_join, 2, 2 },
	{ "json", fn_json, 1, 1 },
	{ "le", fn_le, 2, 2 },
	{ "label", fn_label, 2, 2 },
	{ "len", fn_len, 1, 1 },
	{ "lower", fn_lower, 1, 1 },
	{ "lt", fn_lt, 2, 2 },
	{ "ne", fn_ne, 2, 2 },
	{ "not", fn_not, 1, 1 },
	{ "or", NULL, 1, -1 },
	{ "pad", fn_pad, 3, 3 },
	{ "print", fn_print, 0, -1 },
	{ "printf", fn_printf, 1, -1 },
	{ "println", fn_println, 0, -1 },
	{ "split", fn_split, 2, 2 },
	{ "title", fn_title, 1, 1 },
	{ "truncate", fn_truncate, 2, 2 },
	{ "upper", fn_upper, 1, 1 },
};

const struct tpl_func *tpl_func_find(const char *name)
{
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(funcs); i++)
		if (strcmp(funcs[i].name, name) == 0)
			return &funcs[i];
	return NULL;
}
