/* SPDX-License-Identifier: Apache-2.0 */
/* The syscalls[] entries of a Docker profile: names, action, arguments,
 * comment, and the includes/excludes filters that decide whether an entry
 * applies to the container. */
#include "engine/seccomp/seccomp-internal.h"

#include <string.h>

int sp_put(json_t *obj, const char *key, json_t *val, struct brig_err *e)
{
	if (!val || json_object_set_new(obj, key, val) < 0)
		return brig_err_oom(e);
	return 0;
}

/* Go's decoder, which wrote and reads most profiles, takes null for an
 * absent member; so do we, for optional members only. */
bool sp_unset(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return !v || json_is_null(v);
}

/* Argument values are copied as bj_parse represents them: a JSON integer,
 * or for values above INT64_MAX the marked string that bj_get_u64_bits
 * (and so brig-runtime) reads as the number. */
static json_t *copy_value(const json_t *a, const char *key)
{
	return json_deep_copy(json_object_get(a, key));
}

static int conv_arg(const json_t *a, const struct bj_loc *at, json_t *args, struct brig_err *e)
{
	static const char *const keys[] = { "index", "value", "valueTwo", "op", NULL };
	int64_t idx = 0;
	uint64_t value = 0, two = 0; /* checked here, copied as they are */
	const char *op = NULL;
	struct bj_loc sub;
	int r = bj_only_keys(a, at, keys, e);
	if (r < 0 ||
	    (r = bj_get_int(a, at, "index", true, 0, SP_ARGS_PER_SYSCALL - 1, &idx, e)) < 0 ||
	    (r = bj_get_u64_bits(a, at, "value", true, &value, e)) < 0 ||
	    (r = bj_get_u64_bits(a, at, "valueTwo", false, &two, e)) < 0 ||
	    (r = bj_get_str(a, at, "op", true, &op, e)) < 0)
		return r;
	bj_key(&sub, at, "op");
	if (!sp_op_known(op))
		return bj_fail(e, &sub, "unknown operator %s", op);
	bool masked = strcmp(op, "SCMP_CMP_MASKED_EQ") == 0;
	bj_key(&sub, at, "valueTwo");
	if (two != 0 && !masked)
		return bj_fail(e, &sub, "only used with SCMP_CMP_MASKED_EQ, not %s", op);
	json_t *o = json_object();
	if (!o || json_array_append_new(args, o) < 0)
		return brig_err_oom(e);
	if ((r = sp_put(o, "index", json_integer(idx), e)) < 0 ||
	    (r = sp_put(o, "value", copy_value(a, "value"), e)) < 0)
		return r;
	if (masked &&
	    (r = sp_put(o, "valueTwo",
			sp_unset(a, "valueTwo") ? json_integer(0) : copy_value(a, "valueTwo"), e)) <
		    0)
		return r;
	return sp_put(o, "op", json_string(op), e);
}

static int conv_args(const json_t *ent, const struct bj_loc *at, json_t *out, struct brig_err *e)
{
	json_t *arr = NULL;
	struct bj_loc sub, el;
	if (sp_unset(ent, "args"))
		return 0;
	int r = bj_get_arr(ent, at, "args", true, &arr, e);
	if (r < 0)
		return r;
	bj_key(&sub, at, "args");
	size_t n = json_array_size(arr);
	if (n > SP_MAX_ARGS)
		return bj_fail(e, &sub, "%zu elements, at most %d allowed", n, SP_MAX_ARGS);
	if (n == 0)
		return 0;
	json_t *args = json_array();
	if ((r = sp_put(out, "args", args, e)) < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		bj_idx(&el, &sub, i);
		if ((r = conv_arg(json_array_get(arr, i), &el, args, e)) < 0)
			return r;
	}
	return 0;
}

/* "names", or Docker's older single "name" (never both). */
static int conv_names(const json_t *ent, const struct bj_loc *at, json_t *out, size_t *total,
		      struct brig_err *e)
{
	_cleanup_strv_ char **names = NULL;
	struct bj_loc sub, el;
	int r;
	if (!sp_unset(ent, "name")) {
		const char *one = NULL;
		bj_key(&sub, at, "name");
		if (!sp_unset(ent, "names"))
			return bj_fail(e, &sub, "cannot be used together with names");
		if ((r = bj_get_str(ent, at, "name", true, &one, e)) < 0)
			return r;
		names = calloc(2, sizeof(*names));
		if (!names || !(names[0] = strdup(one)))
			return brig_err_oom(e);
	} else {
		r = bj_get_strv(ent, at, "names", true, SP_MAX_NAMES, &names, e);
		if (r < 0)
			return r;
		bj_key(&sub, at, "names");
		if (!names[0])
			return bj_fail(e, &sub, "must contain at least one syscall name");
	}
	size_t n = brig_strv_len(names);
	*total += n;
	if (*total > SP_MAX_TOTAL_NAMES)
		return bj_fail(e, &sub, "more than %d syscall names in all entries",
			       SP_MAX_TOTAL_NAMES);
	for (size_t i = 0; i < n; i++) {
		if (!sp_unset(ent, "names"))
			bj_idx(&el, &sub, i);
		else
			el = sub;
		if (!sp_syscall_name_valid(names[i]))
			return bj_fail(e, &el, "\"%s\" is not a valid syscall name", names[i]);
	}
	json_t *a = json_array();
	if ((r = sp_put(out, "names", a, e)) < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (json_array_append_new(a, json_string(names[i])) < 0)
			return brig_err_oom(e);
	return 0;
}

int sp_conv_action(const json_t *in, const struct bj_loc *at, const char *action_key,
		   const char *errno_key, json_t *out, struct brig_err *e)
{
	const char *name = NULL;
	struct bj_loc sub;
	int r = bj_get_str(in, at, action_key, true, &name, e);
	if (r < 0)
		return r;
	bj_key(&sub, at, action_key);
	const struct sp_action *a = sp_action_lookup(name);
	if (!a)
		return bj_fail(e, &sub, "unknown action %s", name);
	if ((r = sp_put(out, action_key, json_string(name), e)) < 0 || sp_unset(in, errno_key))
		return r;
	int64_t data = 0;
	if ((r = bj_get_int(in, at, errno_key, true, 0, UINT16_MAX, &data, e)) < 0)
		return r;
	bj_key(&sub, at, errno_key);
	if (!a->takes_data)
		return bj_fail(e, &sub,
			       "%s takes no errno (only SCMP_ACT_ERRNO and SCMP_ACT_TRACE do)",
			       name);
	if (data > (int64_t)a->max_data)
		return bj_fail(e, &sub, "%lld is larger than %u, the largest %s can return",
			       (long long)data, a->max_data, name);
	return sp_put(out, errno_key, json_integer(data), e);
}

static int check_comment(const json_t *ent, const struct bj_loc *at, struct brig_err *e)
{
	const char *c = NULL;
	struct bj_loc sub;
	if (sp_unset(ent, "comment"))
		return 0;
	int r = bj_get_str(ent, at, "comment", true, &c, e);
	if (r < 0)
		return r;
	bj_key(&sub, at, "comment");
	if (strlen(c) > SP_MAX_COMMENT)
		return bj_fail(e, &sub, "longer than %d bytes", SP_MAX_COMMENT);
	return 0;
}

/* One entry: the whole entry is checked whether or not it applies. */
static int conv_entry(const json_t *ent, const struct bj_loc *at, const struct sp_target *t,
		      json_t *list, size_t *total, struct brig_err *e)
{
	static const char *const keys[] = {
		"names",   "name",     "action",   "errnoRet", "args",
		"comment", "includes", "excludes", NULL,
	};
	bool inc = true, exc = true;
	int r = bj_only_keys(ent, at, keys, e);
	if (r < 0)
		return r;
	_cleanup_json_ json_t *out = json_object();
	if (!out)
		return brig_err_oom(e);
	if ((r = conv_names(ent, at, out, total, e)) < 0 ||
	    (r = sp_conv_action(ent, at, "action", "errnoRet", out, e)) < 0 ||
	    (r = conv_args(ent, at, out, e)) < 0 || (r = check_comment(ent, at, e)) < 0)
		return r;
	if ((!sp_unset(ent, "includes") &&
	     (r = sp_filter_eval(ent, at, "includes", true, t, &inc, e)) < 0) ||
	    (!sp_unset(ent, "excludes") &&
	     (r = sp_filter_eval(ent, at, "excludes", false, t, &exc, e)) < 0))
		return r;
	if (!inc || !exc)
		return 0;
	if (json_array_append_new(list, brig_steal_ptr(out)) < 0)
		return brig_err_oom(e);
	return 0;
}

int sp_conv_syscalls(const json_t *in, const struct bj_loc *at, const struct sp_target *t,
		     json_t *out, struct brig_err *e)
{
	json_t *arr = NULL;
	struct bj_loc sub, el;
	size_t total = 0;
	json_t *list = json_array();
	int r = sp_put(out, "syscalls", list, e);
	if (r < 0 || sp_unset(in, "syscalls"))
		return r;
	if ((r = bj_get_arr(in, at, "syscalls", true, &arr, e)) < 0)
		return r;
	bj_key(&sub, at, "syscalls");
	size_t n = json_array_size(arr);
	if (n > SP_MAX_SYSCALLS)
		return bj_fail(e, &sub, "%zu elements, at most %d allowed", n, SP_MAX_SYSCALLS);
	for (size_t i = 0; i < n; i++) {
		bj_idx(&el, &sub, i);
		r = conv_entry(json_array_get(arr, i), &el, t, list, &total, e);
		if (r < 0)
			return r;
	}
	return 0;
}
