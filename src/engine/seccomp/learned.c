/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A learned profile (docs/seccomp-learn.md): what the agent recorded, plus
 * what a runtime needs between installing the filter and exec, plus (merge)
 * an earlier learned profile, as a Docker-format allow-list.
 *
 * The working set is an object NAME -> null (allowed whatever the
 * arguments) or [values] (the restricted argument's values seen).
 */
#include "engine/seccomp/seccomp-internal.h"

#include <stdlib.h>
#include <string.h>

#define LP_CLONE_MASK 0x7E020000ULL /* CLONE_NEW* (brig's default profile) */
#define LP_UNSHARE_MASK 0x7E020080ULL /* CLONE_NEW* and CLONE_NEWTIME */
#define LP_LOW32 0xffffffffULL
#define LP_ENOSYS 38

/* What runc, crun and brig-runtime may call between installing the filter
 * and exec'ing the workload (runc's Go runtime, its procfs checks (fstatfs) and finalizeNamespace when
 * no_new_privs is off, as podman runs it); the workload's own exec too.
 * And restart_syscall, which the kernel makes, not the workload, when a
 * signal interrupts a sleep or a wait: whether a run needs it depends on
 * when its signals arrive, so a learning run may never see it. */
static const char *const runtime_minimum[] = {
	"arch_prctl",     "brk",          "capget",      "capset",          "chdir",
	"close",          "close_range",  "epoll_ctl",   "epoll_pwait",     "execve",
	"exit",           "exit_group",   "faccessat",   "faccessat2",      "fchdir",
	"fcntl",          "fstat",        "fstatfs",     "futex",           "getcwd",
	"getdents64",     "getpid",       "getppid",     "gettid",          "madvise",
	"mmap",           "mprotect",     "munmap",      "nanosleep",       "newfstatat",
	"openat",         "prctl",        "read",        "restart_syscall", "rt_sigaction",
	"rt_sigprocmask", "rt_sigreturn", "sched_yield", "setgid",          "setgroups",
	"setresgid",      "setresuid",    "setuid",      "sigaltstack",     "statfs",
	"tgkill",         "write",
};

enum lp_kind { LP_NONE, LP_EQ0, LP_MASK0, LP_IOCTL };

static enum lp_kind kind_of(const char *name, uint64_t *mask)
{
	if (strcmp(name, "socket") == 0 || strcmp(name, "socketpair") == 0 ||
	    strcmp(name, "personality") == 0)
		return LP_EQ0;
	if (strcmp(name, "clone") == 0 || strcmp(name, "unshare") == 0) {
		*mask = name[0] == 'c' ? LP_CLONE_MASK : LP_UNSHARE_MASK;
		return LP_MASK0;
	}
	return strcmp(name, "ioctl") == 0 ? LP_IOCTL : LP_NONE;
}

static bool has_value(const json_t *arr, json_int_t v)
{
	size_t i;
	json_t *x;
	json_array_foreach(arr, i, x) if (json_integer_value(x) == v) return true;
	return false;
}

/* set[name] |= v (v NULL: any value). */
static int add(json_t *set, const char *name, const json_t *v, struct brig_err *e)
{
	json_t *cur = json_object_get(set, name);
	if (cur && json_is_null(cur))
		return 0;
	if (!v || json_is_null(v) || (!cur && !json_is_array(v)))
		return sp_put(set, name, json_null(), e);
	if (!cur)
		return sp_put(set, name, json_deep_copy(v), e);
	size_t i;
	json_t *x;
	json_array_foreach(v, i, x) if (!has_value(cur, json_integer_value(x)) &&
					json_array_append(cur, x) < 0) return brig_err_oom(e);
	return 0;
}

static int add_value(json_t *set, const char *name, json_int_t v, struct brig_err *e)
{
	_cleanup_json_ json_t *a = json_pack("[I]", v);
	return a ? add(set, name, a, e) : brig_err_oom(e);
}

/* One entry of an earlier learned profile into set. */
static int merge_entry(json_t *set, const json_t *ent, const struct bj_loc *at, struct brig_err *e)
{
	const char *act = json_string_value(json_object_get(ent, "action"));
	const json_t *names = json_object_get(ent, "names"), *args = json_object_get(ent, "args");
	if (act && strcmp(act, "SCMP_ACT_ERRNO") == 0)
		return 0; /* clone3, io_uring_*: written again below */
	if (!act || strcmp(act, "SCMP_ACT_ALLOW") != 0 || !json_is_array(names))
		return bj_fail(e, at, "not an entry of a learned profile");
	const json_t *a = json_array_get(args, 0);
	size_t i;
	json_t *n;
	json_array_foreach(names, i, n)
	{
		const char *name = json_string_value(n);
		uint64_t mask = 0;
		if (!name)
			return bj_fail(e, at, "a name is not a string");
		if (json_array_size(args) == 0) {
			int r = add(set, name, NULL, e);
			if (r < 0)
				return r;
			continue;
		}
		enum lp_kind k = kind_of(name, &mask);
		const char *op = json_string_value(json_object_get(a, "op"));
		json_int_t idx = json_integer_value(json_object_get(a, "index"));
		json_int_t val = json_integer_value(json_object_get(a, "value"));
		json_int_t two = json_integer_value(json_object_get(a, "valueTwo"));
		if (json_array_size(args) != 1 || !op)
			return bj_fail(e, at, "not an argument rule brig learns");
		bool eq = strcmp(op, "SCMP_CMP_EQ") == 0,
		     meq = strcmp(op, "SCMP_CMP_MASKED_EQ") == 0;
		int r;
		if (k == LP_EQ0 && idx == 0 && (eq || (meq && (uint64_t)val == LP_LOW32)))
			r = add_value(set, name, eq ? val : two, e);
		else if (k == LP_MASK0 && idx == 0 && meq && (uint64_t)val == mask && two == 0)
			r = add_value(set, name, 0, e);
		else if (k == LP_IOCTL && idx == 1 && meq && (uint64_t)val == LP_LOW32)
			r = add_value(set, name, two, e);
		else
			return bj_fail(e, at, "%s: not an argument rule brig learns", name);
		if (r < 0)
			return r;
	}
	return 0;
}

static int merge_old(json_t *set, json_t *arches, const json_t *old, const char *file,
		     struct brig_err *e)
{
	struct bj_loc root, calls, el;
	bj_root(&root, file);
	const char *def = json_string_value(json_object_get(old, "defaultAction"));
	if (!def || strcmp(def, "SCMP_ACT_ERRNO") != 0)
		return bj_fail(e, &root, "a learned profile has defaultAction SCMP_ACT_ERRNO");
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(old, "architectures"), i, x)
	{
		const char *s = json_string_value(x);
		bool have = false;
		size_t j;
		json_t *y;
		json_array_foreach(arches, j, y) have = have || json_equal(x, y);
		if (s && sp_oci_arch_known(s) && !have && json_array_append(arches, x) < 0)
			return brig_err_oom(e);
	}
	bj_key(&calls, &root, "syscalls");
	json_array_foreach(json_object_get(old, "syscalls"), i, x)
	{
		bj_idx(&el, &calls, i);
		int r = merge_entry(set, x, &el, e);
		if (r < 0)
			return r;
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static json_t *arg(unsigned idx, uint64_t value, uint64_t two, const char *op)
{
	return json_pack("{s:i,s:I,s:I,s:s}", "index", idx, "value", (json_int_t)value, "valueTwo",
			 (json_int_t)two, "op", op);
}

static int put_rule(json_t *out, const char *name, json_t *a, struct brig_err *e)
{
	json_t *ent = a ? json_pack("{s:[s],s:s,s:[o]}", "names", name, "action", "SCMP_ACT_ALLOW",
				    "args", a)
			: NULL;
	if (!ent || json_array_append_new(out, ent) < 0)
		return brig_err_oom(e);
	return 0;
}

/* The entries for name with values vals; false in *plain when it needs
 * none (the name then goes to the unconditional entry). */
static int rules_for(json_t *out, const char *name, const json_t *vals, bool *plain,
		     struct brig_err *e)
{
	uint64_t mask = 0;
	enum lp_kind k = kind_of(name, &mask);
	size_t i;
	json_t *x;
	*plain = k == LP_NONE || !json_is_array(vals);
	if (*plain)
		return 0;
	bool ok = true;
	json_array_foreach(vals, i, x) ok = ok && ((uint64_t)json_integer_value(x) & mask) == 0;
	if (k == LP_MASK0) {
		*plain = !ok;
		return ok ? put_rule(out, name, arg(0, mask, 0, "SCMP_CMP_MASKED_EQ"), e) : 0;
	}
	json_array_foreach(vals, i, x)
	{
		uint64_t v = (uint64_t)json_integer_value(x);
		int r;
		if (k == LP_IOCTL)
			r = put_rule(out, name,
				     arg(1, LP_LOW32, v & LP_LOW32, "SCMP_CMP_MASKED_EQ"), e);
		else if (v > INT64_MAX) /* a negative int, sign-extended */
			r = put_rule(out, name,
				     arg(0, LP_LOW32, v & LP_LOW32, "SCMP_CMP_MASKED_EQ"), e);
		else
			r = put_rule(out, name, arg(0, v, 0, "SCMP_CMP_EQ"), e);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The profile's syscalls[] from set. */
static json_t *syscalls_of(const json_t *set, struct brig_err *e)
{
	size_t n = json_object_size(set), k = 0;
	_cleanup_free_ const char **names = calloc(n + 1, sizeof(*names));
	_cleanup_json_ json_t *out = json_array(), *plain = json_array();
	if (!names || !out || !plain)
		return brig_err_oom(e), NULL;
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)set, key, v) names[k++] = key;
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		bool p;
		if (rules_for(out, names[i], json_object_get(set, names[i]), &p, e) < 0)
			return NULL;
		if (p && json_array_append_new(plain, json_string(names[i])) < 0)
			return brig_err_oom(e), NULL;
	}
	json_t *all = json_pack("{s:O,s:s}", "names", plain, "action", "SCMP_ACT_ALLOW");
	if (!all || json_array_insert_new(out, 0, all) < 0 ||
	    json_array_append_new(out,
				  json_pack("{s:[s],s:s,s:i}", "names", "clone3", "action",
					    "SCMP_ACT_ERRNO", "errnoRet", LP_ENOSYS)) < 0 ||
	    json_array_append_new(out,
				  json_pack("{s:[s,s,s],s:s,s:i}", "names", "io_uring_enter",
					    "io_uring_register", "io_uring_setup", "action",
					    "SCMP_ACT_ERRNO", "errnoRet", LP_ENOSYS)) < 0)
		return brig_err_oom(e), NULL;
	return brig_steal_ptr(out);
}

static bool has_arch(const json_t *arches, const char *name)
{
	size_t i;
	json_t *x;
	json_array_foreach(arches, i, x) if (json_string_value(x) &&
					     strcmp(json_string_value(x), name) == 0) return true;
	return false;
}

int eng_seccomp_learned_profile(const json_t *record, const json_t *old, const char *old_file,
				json_t **out, struct brig_err *e)
{
	*out = NULL;
	_cleanup_json_ json_t *set = json_deep_copy(json_object_get(record, "syscalls"));
	_cleanup_json_ json_t *arches = json_deep_copy(json_object_get(record, "architectures"));
	if (!json_is_object(set) || !json_is_array(arches))
		return brig_err_set(e, -EINVAL, "the learning agent's record is malformed");
	const char *native = sp_docker_arch_to_oci(eng_seccomp_native_arch());
	if (native && !has_arch(arches, native) &&
	    json_array_insert_new(arches, 0, json_string(native)) < 0)
		return brig_err_oom(e);
	int r = old ? merge_old(set, arches, old, old_file, e) : 0;
	for (size_t i = 0; r == 0 && i < BRIG_ARRAY_SIZE(runtime_minimum); i++)
		r = add(set, runtime_minimum[i], NULL, e);
	/* Never notified (the runtime hands the listener over with it), so
	 * never known to be unused. */
	if (r == 0)
		r = add(set, "sendmsg", NULL, e);
	if (r == 0 && has_arch(arches, "SCMP_ARCH_X86"))
		r = add(set, "socketcall", NULL, e);
	if (r == 0)
		r = add_value(set, "clone", 0, e); /* runc's Go threads: masked */
	if (r < 0)
		return r;
	json_t *calls = syscalls_of(set, e);
	if (!calls)
		return -ENOMEM;
	*out = json_pack("{s:s,s:i,s:O,s:o}", "defaultAction", "SCMP_ACT_ERRNO", "defaultErrnoRet",
			 1, "architectures", arches, "syscalls", calls);
	return *out ? 0 : brig_err_oom(e);
}
