/* SPDX-License-Identifier: Apache-2.0 */
/* Parsing of the "process" object (config.json and exec's process.json). */
#include "runtime/runtime-internal.h"

#include <linux/ioprio.h>
#include <sched.h>
#include <string.h>

static const struct {
	const char *name;
	int resource;
} rlimit_names[] = {
	{ "RLIMIT_AS", RLIMIT_AS },
	{ "RLIMIT_CORE", RLIMIT_CORE },
	{ "RLIMIT_CPU", RLIMIT_CPU },
	{ "RLIMIT_DATA", RLIMIT_DATA },
	{ "RLIMIT_FSIZE", RLIMIT_FSIZE },
	{ "RLIMIT_LOCKS", RLIMIT_LOCKS },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
	{ "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
	{ "RLIMIT_NICE", RLIMIT_NICE },
	{ "RLIMIT_NOFILE", RLIMIT_NOFILE },
	{ "RLIMIT_NPROC", RLIMIT_NPROC },
	{ "RLIMIT_RSS", RLIMIT_RSS },
	{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
	{ "RLIMIT_RTTIME", RLIMIT_RTTIME },
	{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
	{ "RLIMIT_STACK", RLIMIT_STACK },
};

int rt_rlimit_from_name(const char *name)
{
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(rlimit_names); i++)
		if (strcmp(rlimit_names[i].name, name) == 0)
			return rlimit_names[i].resource;
	return -1;
}

const char *rt_rlimit_name(int resource)
{
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(rlimit_names); i++)
		if (rlimit_names[i].resource == resource)
			return rlimit_names[i].name;
	return NULL;
}

void rt_process_clear(struct rt_process *p)
{
	brig_strv_free(p->args);
	brig_strv_free(p->env);
	free(p->cwd);
	free(p->groups);
	free(p->rlimits);
	free(p->apparmor);
	free(p->selinux);
	memset(p, 0, sizeof(*p));
}

static int parse_user(const json_t *proc, const struct bj_loc *at, struct rt_process *p,
		      struct brig_err *e)
{
	json_t *user = NULL;
	int r = bj_get_obj(proc, at, "user", false, &user, e);
	if (r != 0)
		return r < 0 ? r : 0;
	struct bj_loc ul;
	bj_key(&ul, at, "user");
	int64_t v = 0;
	if ((r = bj_get_int(user, &ul, "uid", true, 0, UINT32_MAX - 1, &v, e)) < 0)
		return r;
	p->uid = (uint32_t)v;
	if ((r = bj_get_int(user, &ul, "gid", true, 0, UINT32_MAX - 1, &v, e)) < 0)
		return r;
	p->gid = (uint32_t)v;
	r = bj_get_int(user, &ul, "umask", false, 0, 07777, &v, e);
	if (r < 0)
		return r;
	if (r == 0) {
		p->has_umask = true;
		p->umask = (mode_t)v;
	}
	json_t *gids = NULL;
	r = bj_get_arr(user, &ul, "additionalGids", false, &gids, e);
	if (r < 0)
		return r;
	if (r == 0) {
		struct bj_loc gl;
		bj_key(&gl, &ul, "additionalGids");
		size_t n = json_array_size(gids);
		if (n > 65536)
			return bj_fail(e, &gl, "too many groups (%zu)", n);
		p->groups = calloc(n ? n : 1, sizeof(gid_t));
		if (!p->groups)
			return brig_err_set(e, -ENOMEM, "out of memory");
		for (size_t i = 0; i < n; i++) {
			struct bj_loc el;
			bj_idx(&el, &gl, i);
			json_t *g = json_array_get(gids, i);
			if ((r = bj_expect(g, &el, JSON_INTEGER, e)) < 0)
				return r;
			json_int_t gv = json_integer_value(g);
			if (gv < 0 || gv >= UINT32_MAX)
				return bj_fail(e, &el, "%lld is not a valid gid", (long long)gv);
			p->groups[i] = (gid_t)gv;
		}
		p->n_groups = n;
	}
	/* "username" is a Windows field; ignored on Linux. */
	return 0;
}

static int parse_rlimits(const json_t *proc, const struct bj_loc *at, struct rt_process *p,
			 struct brig_err *e)
{
	json_t *arr = NULL;
	int r = bj_get_arr(proc, at, "rlimits", false, &arr, e);
	if (r != 0)
		return r < 0 ? r : 0;
	struct bj_loc al;
	bj_key(&al, at, "rlimits");
	size_t n = json_array_size(arr);
	if (n > 64)
		return bj_fail(e, &al, "too many rlimits (%zu)", n);
	p->rlimits = calloc(n ? n : 1, sizeof(*p->rlimits));
	if (!p->rlimits)
		return brig_err_set(e, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct bj_loc el;
		bj_idx(&el, &al, i);
		json_t *o = json_array_get(arr, i);
		const char *type = NULL;
		if ((r = bj_get_str(o, &el, "type", true, &type, e)) < 0)
			return r;
		int res = rt_rlimit_from_name(type);
		if (res < 0)
			return bj_fail(e, &el, "unknown rlimit type \"%s\"", type);
		for (size_t j = 0; j < i; j++)
			if (p->rlimits[j].resource == res)
				return bj_fail(e, &el, "duplicate rlimit %s", type);
		struct rt_rlimit *rl = &p->rlimits[i];
		rl->resource = res;
		if ((r = bj_get_u64(o, &el, "soft", true, &rl->soft, e)) < 0 ||
		    (r = bj_get_u64(o, &el, "hard", true, &rl->hard, e)) < 0)
			return r;
		if (rl->soft > rl->hard)
			return bj_fail(e, &el, "soft limit %llu is above hard limit %llu",
				       (unsigned long long)rl->soft, (unsigned long long)rl->hard);
		p->n_rlimits = i + 1;
	}
	return 0;
}

static int parse_console(const json_t *proc, const struct bj_loc *at, struct rt_process *p,
			 struct brig_err *e)
{
	int r = bj_get_bool(proc, at, "terminal", false, &p->terminal, e);
	if (r < 0)
		return r;
	json_t *cs = NULL;
	r = bj_get_obj(proc, at, "consoleSize", false, &cs, e);
	if (r != 0)
		return r < 0 ? r : 0;
	struct bj_loc cl;
	bj_key(&cl, at, "consoleSize");
	int64_t h = 0, w = 0;
	if ((r = bj_get_int(cs, &cl, "height", true, 0, 65535, &h, e)) < 0 ||
	    (r = bj_get_int(cs, &cl, "width", true, 0, 65535, &w, e)) < 0)
		return r;
	p->console_h = (unsigned short)h;
	p->console_w = (unsigned short)w;
	return 0;
}

static int parse_ioprio(const json_t *proc, const struct bj_loc *at, struct rt_process *p,
			struct brig_err *e)
{
	json_t *o = NULL;
	int r = bj_get_obj(proc, at, "ioPriority", false, &o, e);
	if (r != 0)
		return r < 0 ? r : 0;
	struct bj_loc il;
	bj_key(&il, at, "ioPriority");
	const char *cls = NULL;
	int64_t prio = 0;
	if ((r = bj_get_str(o, &il, "class", true, &cls, e)) < 0 ||
	    (r = bj_get_int(o, &il, "priority", false, 0, 7, &prio, e)) < 0)
		return r;
	int c;
	if (strcmp(cls, "IOPRIO_CLASS_RT") == 0)
		c = IOPRIO_CLASS_RT;
	else if (strcmp(cls, "IOPRIO_CLASS_BE") == 0)
		c = IOPRIO_CLASS_BE;
	else if (strcmp(cls, "IOPRIO_CLASS_IDLE") == 0)
		c = IOPRIO_CLASS_IDLE;
	else
		return bj_fail(e, &il, "unknown class \"%s\"", cls);
	p->has_ioprio = true;
	p->ioprio = IOPRIO_PRIO_VALUE(c, (int)prio);
	return 0;
}

/* scheduler.flags, and runtime/deadline/period (ns) for SCHED_DEADLINE,
 * which the kernel checks (runtime <= deadline <= period) at sched_setattr. */
static int parse_sched_dl(const json_t *o, const struct bj_loc *sl, struct rt_process *p,
			  struct brig_err *e)
{
	static const struct {
		const char *n;
		uint64_t v;
	} flag[] = {
		{ "SCHED_FLAG_RESET_ON_FORK", 0x01 },  { "SCHED_FLAG_RECLAIM", 0x02 },
		{ "SCHED_FLAG_DL_OVERRUN", 0x04 },     { "SCHED_FLAG_KEEP_POLICY", 0x08 },
		{ "SCHED_FLAG_KEEP_PARAMS", 0x10 },    { "SCHED_FLAG_UTIL_CLAMP_MIN", 0x20 },
		{ "SCHED_FLAG_UTIL_CLAMP_MAX", 0x40 },
	};
	_cleanup_strv_ char **flags = NULL;
	int r;
	if ((r = bj_get_strv(o, sl, "flags", false, 16, &flags, e)) < 0 ||
	    (r = bj_get_u64(o, sl, "runtime", false, &p->sched_runtime, e)) < 0 ||
	    (r = bj_get_u64(o, sl, "deadline", false, &p->sched_deadline, e)) < 0 ||
	    (r = bj_get_u64(o, sl, "period", false, &p->sched_period, e)) < 0)
		return r;
	for (size_t i = 0; flags && flags[i]; i++) {
		size_t k = 0;
		while (k < BRIG_ARRAY_SIZE(flag) && strcmp(flag[k].n, flags[i]) != 0)
			k++;
		struct bj_loc fl, il;
		bj_key(&fl, sl, "flags");
		bj_idx(&il, &fl, i);
		if (k == BRIG_ARRAY_SIZE(flag))
			return bj_fail(e, &il, "unknown flag \"%s\"", flags[i]);
		p->sched_flags |= flag[k].v;
	}
	if (p->sched_policy == 6 && (p->sched_runtime == 0 || p->sched_deadline == 0))
		return bj_fail(e, sl, "SCHED_DEADLINE needs runtime and deadline");
	return 0;
}

static int parse_sched(const json_t *proc, const struct bj_loc *at, struct rt_process *p,
		       struct brig_err *e)
{
	static const struct {
		const char *n;
		int v;
	} pol[] = {
		{ "SCHED_OTHER", SCHED_OTHER }, { "SCHED_FIFO", SCHED_FIFO },
		{ "SCHED_RR", SCHED_RR },       { "SCHED_BATCH", SCHED_BATCH },
		{ "SCHED_IDLE", SCHED_IDLE },   { "SCHED_DEADLINE", 6 },
	};
	json_t *o = NULL;
	int r = bj_get_obj(proc, at, "scheduler", false, &o, e);
	if (r != 0)
		return r < 0 ? r : 0;
	struct bj_loc sl;
	bj_key(&sl, at, "scheduler");
	const char *policy = NULL;
	int64_t nice = 0, prio = 0;
	if ((r = bj_get_str(o, &sl, "policy", true, &policy, e)) < 0 ||
	    (r = bj_get_int(o, &sl, "nice", false, -20, 19, &nice, e)) < 0 ||
	    (r = bj_get_int(o, &sl, "priority", false, 0, 99, &prio, e)) < 0)
		return r;
	p->sched_policy = -1;
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(pol); i++)
		if (strcmp(pol[i].n, policy) == 0)
			p->sched_policy = pol[i].v;
	if (p->sched_policy < 0)
		return bj_fail(e, &sl, "unsupported policy \"%s\"", policy);
	p->has_sched = true;
	p->sched_nice = (int)nice;
	p->sched_prio = (int)prio;
	return parse_sched_dl(o, &sl, p, e);
}

static int parse_env(const json_t *proc, const struct bj_loc *at, struct rt_process *p,
		     struct brig_err *e)
{
	int r = bj_get_strv(proc, at, "env", false, RT_MAX_ENV, &p->env, e);
	if (r < 0)
		return r;
	if (!p->env && !(p->env = calloc(1, sizeof(char *))))
		return brig_err_set(e, -ENOMEM, "out of memory");
	struct bj_loc el;
	bj_key(&el, at, "env");
	for (size_t i = 0; p->env[i]; i++) {
		const char *eq = strchr(p->env[i], '=');
		if (!eq || eq == p->env[i]) {
			struct bj_loc il;
			bj_idx(&il, &el, i);
			return bj_fail(e, &il, "\"%s\" is not of the form KEY=VALUE", p->env[i]);
		}
	}
	return 0;
}

int rt_process_parse(const json_t *proc, const struct bj_loc *at, struct rt_process *p,
		     struct brig_err *e)
{
	int r;
	memset(p, 0, sizeof(*p));
	if ((r = bj_expect(proc, at, JSON_OBJECT, e)) < 0)
		return r;
	if ((r = bj_get_strv(proc, at, "args", true, RT_MAX_ARGS, &p->args, e)) < 0)
		return r;
	if (!p->args[0] || !p->args[0][0]) {
		struct bj_loc al;
		bj_key(&al, at, "args");
		return bj_fail(e, &al, "must name the program to run");
	}
	if ((r = parse_env(proc, at, p, e)) < 0)
		return r;
	const char *cwd = NULL;
	if ((r = bj_get_str(proc, at, "cwd", true, &cwd, e)) < 0)
		return r;
	if (cwd[0] != '/') {
		struct bj_loc cl;
		bj_key(&cl, at, "cwd");
		return bj_fail(e, &cl, "\"%s\" is not an absolute path", cwd);
	}
	if (!(p->cwd = strdup(cwd)))
		return brig_err_set(e, -ENOMEM, "out of memory");
	if ((r = parse_user(proc, at, p, e)) < 0 || (r = parse_rlimits(proc, at, p, e)) < 0 ||
	    (r = parse_console(proc, at, p, e)) < 0 || (r = parse_ioprio(proc, at, p, e)) < 0 ||
	    (r = parse_sched(proc, at, p, e)) < 0)
		return r;
	json_t *caps = NULL;
	r = bj_get_obj(proc, at, "capabilities", false, &caps, e);
	if (r < 0)
		return r;
	if (r == 0) {
		struct bj_loc cl;
		bj_key(&cl, at, "capabilities");
		if ((r = rt_caps_parse(caps, &cl, &p->caps, e)) < 0)
			return r;
		p->has_caps = true;
	}
	if ((r = bj_get_bool(proc, at, "noNewPrivileges", false, &p->no_new_privs, e)) < 0)
		return r;
	int64_t oom = 0;
	r = bj_get_int(proc, at, "oomScoreAdj", false, -1000, 1000, &oom, e);
	if (r < 0)
		return r;
	if (r == 0) {
		p->has_oom_score_adj = true;
		p->oom_score_adj = (int)oom;
	}
	const char *s = NULL;
	if ((r = bj_get_str(proc, at, "apparmorProfile", false, &s, e)) < 0)
		return r;
	if (r == 0 && *s && !(p->apparmor = strdup(s)))
		return brig_err_set(e, -ENOMEM, "out of memory");
	s = NULL;
	if ((r = bj_get_str(proc, at, "selinuxLabel", false, &s, e)) < 0)
		return r;
	if (r == 0 && *s && !(p->selinux = strdup(s)))
		return brig_err_set(e, -ENOMEM, "out of memory");
	return 0;
}
