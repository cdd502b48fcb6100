/* SPDX-License-Identifier: Apache-2.0 */
/* linux.seccomp -> struct sc_config: schema, limits and cross-field rules of
 * runtime-spec config-linux.md "Seccomp".  Unknown members are ignored, as
 * config.md requires of every implementation. */
#include "runtime/seccomp/seccomp-internal.h"

#include <limits.h>
#include <string.h>

static int vfail(struct brig_err *e, int code, const struct bj_loc *at, const char *suffix,
		 const char *fmt, va_list ap)
{
	char msg[512];
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	const char *sep = suffix ? ": " : "";
	if (!suffix)
		suffix = "";
	if (at->path[0])
		return brig_err_set(e, code, "%s: %s: %s%s%s", at->file, at->path, msg, sep,
				    suffix);
	return brig_err_set(e, code, "%s: %s%s%s", at->file, msg, sep, suffix);
}

int sc_fail(struct brig_err *e, int code, const struct bj_loc *at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vfail(e, code, at, NULL, fmt, ap);
	va_end(ap);
	return r;
}

int sc_fail_sys(struct brig_err *e, int err, const struct bj_loc *at, const char *fmt, ...)
{
	if (err < 0)
		err = -err;
	if (err == 0)
		err = EIO;
	va_list ap;
	va_start(ap, fmt);
	int r = vfail(e, -err, at, strerror(err), fmt, ap);
	va_end(ap);
	return r;
}

/* Syscall names are lower-case identifiers ("_llseek", "arm_fadvise64_64"). */
static bool name_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > SC_MAX_NAME_LEN)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

/* action_key plus its errno member (defaultAction/defaultErrnoRet or
 * action/errnoRet) -> a libseccomp action word. */
static int parse_action(const json_t *obj, const struct bj_loc *at, const char *action_key,
			const char *errno_key, const struct sc_action_def **def, uint32_t *out,
			struct brig_err *e)
{
	const char *name = NULL;
	struct bj_loc sub;
	int r = bj_get_str(obj, at, action_key, true, &name, e);
	if (r < 0)
		return r;
	bj_key(&sub, at, action_key);
	const struct sc_action_def *a = sc_action_lookup(name);
	if (!a)
		return bj_fail(e, &sub, "unknown action %s", name);
	if (!sc_kernel_has_action(a->kernel))
		return sc_fail(e, -EOPNOTSUPP, &sub, "%s is not supported by the running kernel",
			       name);

	int64_t data = EPERM;
	r = bj_get_int(obj, at, errno_key, false, 0, UINT32_MAX, &data, e);
	if (r < 0)
		return r;
	bj_key(&sub, at, errno_key);
	if (r == 0 && !a->takes_data)
		return bj_fail(
			e, &sub,
			"%s does not return an errno (only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take one)",
			name);
	if (r == 0 && data > (int64_t)a->max_data)
		return bj_fail(e, &sub, "%lld is larger than %u, the largest value %s can return",
			       (long long)data, a->max_data, name);
	*def = a;
	*out = sc_action_value(a, (uint32_t)data);
	return 0;
}

static int parse_default(const json_t *obj, const struct bj_loc *at, struct sc_config *cfg,
			 struct brig_err *e)
{
	const struct sc_action_def *a = NULL;
	int r = parse_action(obj, at, "defaultAction", "defaultErrnoRet", &a, &cfg->default_action,
			     e);
	if (r < 0)
		return r;
	if (a->scmp == SCMP_ACT_NOTIFY) {
		struct bj_loc sub;
		bj_key(&sub, at, "defaultAction");
		return bj_fail(
			e, &sub,
			"SCMP_ACT_NOTIFY cannot be the default action: the runtime could not hand the listener over");
	}
	return 0;
}

static int parse_archs(const json_t *obj, const struct bj_loc *at, struct sc_config *cfg,
		       struct brig_err *e)
{
	_cleanup_strv_ char **names = NULL;
	int r = bj_get_strv(obj, at, "architectures", false, SC_MAX_ARCHS, &names, e);
	if (r != 0)
		return r < 0 ? r : 0;
	size_t n = brig_strv_len(names);
	cfg->archs = calloc(n ? n : 1, sizeof(*cfg->archs));
	if (!cfg->archs)
		return brig_err_set(e, -ENOMEM, "out of memory");
	struct bj_loc arr;
	bj_key(&arr, at, "architectures");
	for (size_t i = 0; i < n; i++) {
		struct bj_loc el;
		bj_idx(&el, &arr, i);
		if (sc_arch_lookup(names[i], &cfg->archs[i]) < 0)
			return bj_fail(e, &el, "unknown or unsupported architecture %s", names[i]);
	}
	cfg->n_archs = n;
	return 0;
}

static int parse_listener(const json_t *obj, const struct bj_loc *at, struct sc_config *cfg,
			  struct brig_err *e)
{
	const char *path = NULL, *meta = NULL;
	struct bj_loc sub;
	int r = bj_get_str(obj, at, "listenerPath", false, &path, e);
	if (r < 0)
		return r;
	bj_key(&sub, at, "listenerPath");
	if (path && path[0] != '/')
		return bj_fail(e, &sub, "must be an absolute path, got \"%s\"", path);
	if (path && strlen(path) >= PATH_MAX)
		return bj_fail(e, &sub, "longer than %d bytes", PATH_MAX - 1);

	r = bj_get_str(obj, at, "listenerMetadata", false, &meta, e);
	if (r < 0)
		return r;
	bj_key(&sub, at, "listenerMetadata");
	if (meta && !path)
		return bj_fail(e, &sub, "must not be set without listenerPath");
	if (meta && strlen(meta) > SC_MAX_METADATA)
		return bj_fail(e, &sub, "longer than %d bytes", SC_MAX_METADATA);

	if (path && !(cfg->listener_path = strdup(path)))
		return brig_err_set(e, -ENOMEM, "out of memory");
	if (meta && !(cfg->listener_metadata = strdup(meta)))
		return brig_err_set(e, -ENOMEM, "out of memory");
	return 0;
}

static int parse_arg(const json_t *a, const struct bj_loc *at, struct sc_arg *out,
		     struct brig_err *e)
{
	int64_t idx = 0;
	const char *op = NULL;
	int r = bj_expect(a, at, JSON_OBJECT, e);
	if (r < 0)
		return r;
	r = bj_get_int(a, at, "index", true, 0, SC_ARGS_PER_SYSCALL - 1, &idx, e);
	if (r < 0)
		return r;
	out->index = (unsigned int)idx;
	r = bj_get_u64_bits(a, at, "value", true, &out->value, e);
	if (r < 0)
		return r;
	out->value_two = 0;
	r = bj_get_u64_bits(a, at, "valueTwo", false, &out->value_two, e);
	if (r < 0)
		return r;
	r = bj_get_str(a, at, "op", true, &op, e);
	if (r < 0)
		return r;
	struct bj_loc sub;
	bj_key(&sub, at, "op");
	if (sc_op_lookup(op, &out->op) < 0)
		return bj_fail(e, &sub, "unknown operator %s", op);
	/* libseccomp ignores valueTwo for the other operators; a non-zero one
	 * means the author expected something that will not happen. */
	if (out->op != SCMP_CMP_MASKED_EQ && out->value_two != 0) {
		bj_key(&sub, at, "valueTwo");
		return bj_fail(e, &sub, "only used with SCMP_CMP_MASKED_EQ, not %s", op);
	}
	return 0;
}

static int parse_args(const json_t *r_obj, const struct bj_loc *at, struct sc_rule *rule,
		      struct brig_err *e)
{
	json_t *arr = NULL;
	int r = bj_get_arr(r_obj, at, "args", false, &arr, e);
	if (r != 0)
		return r < 0 ? r : 0;
	struct bj_loc sub;
	bj_key(&sub, at, "args");
	size_t n = json_array_size(arr);
	if (n > SC_MAX_ARGS)
		return bj_fail(e, &sub, "%zu elements, at most %d allowed", n, SC_MAX_ARGS);
	if (n == 0)
		return 0;
	rule->args = calloc(n, sizeof(*rule->args));
	if (!rule->args)
		return brig_err_set(e, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct bj_loc el;
		bj_idx(&el, &sub, i);
		r = parse_arg(json_array_get(arr, i), &el, &rule->args[i], e);
		if (r < 0)
			return r;
		rule->n_args = i + 1;
	}
	return 0;
}

/* The container process hands the listener over with sendmsg(2) (socketcall
 * on some 32-bit ABIs) right after installing the filter: notifying those
 * would block it before anyone can answer. */
static bool needed_for_handover(const char *name)
{
	return strcmp(name, "sendmsg") == 0 || strcmp(name, "socketcall") == 0;
}

static int parse_names(const json_t *r_obj, const struct bj_loc *at, struct sc_rule *rule,
		       size_t *total, struct brig_err *e)
{
	int r = bj_get_strv(r_obj, at, "names", true, SC_MAX_NAMES, &rule->names, e);
	if (r < 0)
		return r;
	struct bj_loc sub;
	bj_key(&sub, at, "names");
	size_t n = brig_strv_len(rule->names);
	if (n == 0)
		return bj_fail(e, &sub, "must contain at least one syscall name");
	*total += n;
	if (*total > SC_MAX_TOTAL_NAMES)
		return bj_fail(e, &sub, "more than %d syscall names in all rules",
			       SC_MAX_TOTAL_NAMES);
	for (size_t i = 0; i < n; i++) {
		struct bj_loc el;
		bj_idx(&el, &sub, i);
		if (!name_valid(rule->names[i]))
			return bj_fail(e, &el, "\"%s\" is not a valid syscall name",
				       rule->names[i]);
	}
	return 0;
}

static int parse_rule(const json_t *r_obj, const struct bj_loc *at, struct sc_rule *rule,
		      size_t *total, struct brig_err *e)
{
	const struct sc_action_def *a = NULL;
	int r = bj_expect(r_obj, at, JSON_OBJECT, e);
	if (r < 0)
		return r;
	r = parse_names(r_obj, at, rule, total, e);
	if (r < 0)
		return r;
	r = parse_action(r_obj, at, "action", "errnoRet", &a, &rule->action, e);
	if (r < 0)
		return r;
	if (a->scmp == SCMP_ACT_NOTIFY) {
		for (size_t i = 0; rule->names[i]; i++) {
			struct bj_loc names, el;
			bj_key(&names, at, "names");
			bj_idx(&el, &names, i);
			if (needed_for_handover(rule->names[i]))
				return bj_fail(
					e, &el,
					"SCMP_ACT_NOTIFY cannot be used for %s: the runtime needs it to hand the seccomp listener over",
					rule->names[i]);
		}
	}
	return parse_args(r_obj, at, rule, e);
}

static int parse_syscalls(const json_t *obj, const struct bj_loc *at, struct sc_config *cfg,
			  struct brig_err *e)
{
	json_t *arr = NULL;
	int r = bj_get_arr(obj, at, "syscalls", false, &arr, e);
	if (r != 0)
		return r < 0 ? r : 0;
	struct bj_loc sub;
	bj_key(&sub, at, "syscalls");
	size_t n = json_array_size(arr), total = 0;
	if (n > SC_MAX_SYSCALLS)
		return bj_fail(e, &sub, "%zu elements, at most %d allowed", n, SC_MAX_SYSCALLS);
	cfg->rules = calloc(n ? n : 1, sizeof(*cfg->rules));
	if (!cfg->rules)
		return brig_err_set(e, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct bj_loc el;
		bj_idx(&el, &sub, i);
		struct sc_rule *rule = &cfg->rules[i];
		rule->json_idx = i;
		cfg->n_rules = i + 1; /* so that clear() frees a partial rule */
		r = parse_rule(json_array_get(arr, i), &el, rule, &total, e);
		if (r < 0)
			return r;
		if (rule->action == SCMP_ACT_NOTIFY)
			cfg->notify = true;
	}
	return 0;
}

/* The kernel's view of a flag: known, and allowed in this combination. */
static int check_flag(const struct sc_config *cfg, unsigned int bit, const char *name,
		      const struct bj_loc *el, struct brig_err *e)
{
	unsigned int probe = bit;
	if (bit == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV) {
		if (!cfg->notify)
			return bj_fail(e, el, "%s needs a rule with SCMP_ACT_NOTIFY", name);
		probe |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
	}
	if (!sc_kernel_accepts_flags(probe))
		return sc_fail(e, -EOPNOTSUPP, el, "%s is not supported by the running kernel",
			       name);
	if (bit == SECCOMP_FILTER_FLAG_TSYNC && cfg->notify &&
	    !sc_kernel_accepts_flags(SECCOMP_FILTER_FLAG_TSYNC_ESRCH))
		return sc_fail(
			e, -EOPNOTSUPP, el,
			"%s cannot be combined with SCMP_ACT_NOTIFY on the running kernel (no SECCOMP_FILTER_FLAG_TSYNC_ESRCH)",
			name);
	return 0;
}

static int parse_flags(const json_t *obj, const struct bj_loc *at, struct sc_config *cfg,
		       struct brig_err *e)
{
	_cleanup_strv_ char **names = NULL;
	int r = bj_get_strv(obj, at, "flags", false, SC_MAX_FLAGS, &names, e);
	if (r != 0)
		return r < 0 ? r : 0;
	struct bj_loc arr;
	bj_key(&arr, at, "flags");
	for (size_t i = 0; names[i]; i++) {
		struct bj_loc el;
		bj_idx(&el, &arr, i);
		const struct sc_flag_def *f = sc_flag_lookup(names[i]);
		if (!f)
			return bj_fail(e, &el, "unknown seccomp flag %s", names[i]);
		r = check_flag(cfg, f->bit, f->name, &el, e);
		if (r < 0)
			return r;
		cfg->flags |= f->bit;
	}
	return 0;
}

/* Rules between members: the listener exists exactly when NOTIFY is used. */
static int check_listener(const struct bj_loc *at, struct sc_config *cfg, struct brig_err *e)
{
	struct bj_loc sub;
	bj_key(&sub, at, "listenerPath");
	if (cfg->notify && !cfg->listener_path) {
		for (size_t i = 0; i < cfg->n_rules; i++)
			if (cfg->rules[i].action == SCMP_ACT_NOTIFY)
				return bj_fail(e, &sub,
					       "missing, but syscalls[%zu] uses SCMP_ACT_NOTIFY",
					       cfg->rules[i].json_idx);
	}
	if (!cfg->notify && cfg->listener_path) {
		/* config-linux.md: "If the SCMP_ACT_NOTIFY action is not used
		 * this value is ignored." */
		brig_debug("%s: %s: ignored, no rule uses SCMP_ACT_NOTIFY", sub.file, sub.path);
		free(cfg->listener_path);
		free(cfg->listener_metadata);
		cfg->listener_path = cfg->listener_metadata = NULL;
	}
	return 0;
}

int sc_config_parse(const json_t *obj, const struct bj_loc *at, struct sc_config *cfg,
		    struct brig_err *e)
{
	memset(cfg, 0, sizeof(*cfg));
	int r = bj_expect(obj, at, JSON_OBJECT, e);
	if (r >= 0)
		r = parse_default(obj, at, cfg, e);
	if (r >= 0)
		r = parse_archs(obj, at, cfg, e);
	if (r >= 0)
		r = parse_listener(obj, at, cfg, e);
	if (r >= 0)
		r = parse_syscalls(obj, at, cfg, e);
	if (r >= 0)
		r = parse_flags(obj, at, cfg, e);
	if (r >= 0)
		r = check_listener(at, cfg, e);
	if (r < 0) {
		sc_config_clear(cfg);
		return r;
	}
	return 0;
}

void sc_config_clear(struct sc_config *cfg)
{
	for (size_t i = 0; i < cfg->n_rules; i++) {
		brig_strv_free(cfg->rules[i].names);
		free(cfg->rules[i].args);
	}
	free(cfg->rules);
	free(cfg->archs);
	free(cfg->listener_path);
	free(cfg->listener_metadata);
	memset(cfg, 0, sizeof(*cfg));
}
