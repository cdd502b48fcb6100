/* SPDX-License-Identifier: Apache-2.0 */
/* Statistics in the shape of `runc events --stats` (see cgroup.h). */
#include "runtime/cgroup/cgroup-internal.h"

#include <string.h>

/* Above this a v1 limit means "unlimited" (PAGE_COUNTER_MAX rounding). */
#define V1_UNLIMITED (1ULL << 62)

/* Set key to a number read from file; absent files are skipped. */
static int put_u64(json_t *o, const char *key, const struct rt_cg_dir *d, const char *file,
		   bool limit, struct brig_err *e)
{
	if (!rt_cg_has(d, file))
		return 0;
	uint64_t v = 0;
	bool max = false;
	int r = rt_cg_read_u64(d, file, &v, &max, e);
	if (r < 0)
		return r;
	json_t *j = (max || (limit && v >= V1_UNLIMITED) || v > INT64_MAX)
		? json_null()
		: json_integer((json_int_t)v);
	if (!j || json_object_set_new(o, key, j) < 0)
		return brig_err_set(e, -ENOMEM, "out of memory");
	return 0;
}

static int put_keyed(json_t *o, const char *key, const struct rt_cg_dir *d, const char *file,
		     const char *field, uint64_t mul, struct brig_err *e)
{
	if (!rt_cg_has(d, file))
		return 0;
	uint64_t v = 0;
	int r = rt_cg_read_keyed(d, file, field, &v, e);
	if (r != 0)
		return r < 0 ? r : 0;
	if (json_object_set_new(o, key, json_integer((json_int_t)(v * mul))) < 0)
		return brig_err_set(e, -ENOMEM, "out of memory");
	return 0;
}

static int add_section(json_t *parent, const char *key, json_t **out, struct brig_err *e)
{
	*out = json_object_get(parent, key);
	if (*out)
		return 0;
	*out = json_object();
	if (!*out || json_object_set_new(parent, key, *out) < 0)
		return brig_err_set(e, -ENOMEM, "out of memory");
	return 0;
}

static int v1_percpu(json_t *usage, const struct rt_cg_dir *d, struct brig_err *e)
{
	_cleanup_free_ char *s = NULL;
	if (!rt_cg_has(d, "cpuacct.usage_percpu"))
		return 0;
	int r = rt_cg_read(d, "cpuacct.usage_percpu", &s, e);
	if (r < 0)
		return r;
	json_t *a = json_array();
	if (!a || json_object_set_new(usage, "percpu", a) < 0)
		return brig_err_set(e, -ENOMEM, "out of memory");
	char *save = NULL;
	for (char *t = strtok_r(s, " \n", &save); t; t = strtok_r(NULL, " \n", &save)) {
		uint64_t v;
		if (brig_parse_u64(t, &v) < 0 || v > INT64_MAX)
			return brig_err_set(e, -EINVAL, "%s/cpuacct.usage_percpu: bad value",
					    d->path);
		if (json_array_append_new(a, json_integer((json_int_t)v)) < 0)
			return brig_err_set(e, -ENOMEM, "out of memory");
	}
	return 0;
}

static int cpu_v1(json_t *out, struct rt_cgroup *cg, struct brig_err *e)
{
	struct rt_cg_hier *acct = rt_cg_v1_find(cg, RT_CG_CPUACCT);
	struct rt_cg_hier *cpu = rt_cg_v1_find(cg, RT_CG_CPU);
	json_t *sec, *usage, *thr;
	struct rt_cg_dir d;
	int r = 0;
	long hz = sysconf(_SC_CLK_TCK);
	uint64_t tick = hz > 0 ? 1000000000ULL / (uint64_t)hz : 10000000ULL;
	if (acct && (r = add_section(out, "cpu", &sec, e)) >= 0 &&
	    (r = add_section(sec, "usage", &usage, e)) >= 0 &&
	    (r = rt_cg_dir_open(&d, acct->dir, e)) >= 0) {
		if ((r = put_u64(usage, "total", &d, "cpuacct.usage", false, e)) >= 0 &&
		    (r = put_keyed(usage, "user", &d, "cpuacct.stat", "user", tick, e)) >= 0 &&
		    (r = put_keyed(usage, "kernel", &d, "cpuacct.stat", "system", tick, e)) >= 0)
			r = v1_percpu(usage, &d, e);
		rt_cg_dir_close(&d);
	}
	if (r < 0 || !cpu)
		return r;
	if ((r = add_section(out, "cpu", &sec, e)) < 0 ||
	    (r = add_section(sec, "throttling", &thr, e)) < 0 ||
	    (r = rt_cg_dir_open(&d, cpu->dir, e)) < 0)
		return r;
	if ((r = put_keyed(thr, "periods", &d, "cpu.stat", "nr_periods", 1, e)) >= 0 &&
	    (r = put_keyed(thr, "throttledPeriods", &d, "cpu.stat", "nr_throttled", 1, e)) >= 0)
		r = put_keyed(thr, "throttledTime", &d, "cpu.stat", "throttled_time", 1, e);
	rt_cg_dir_close(&d);
	return r;
}

static int memory_v1(json_t *out, const struct rt_cg_dir *d, struct brig_err *e)
{
	json_t *mem, *usage, *swap;
	int r;
	if ((r = add_section(out, "memory", &mem, e)) < 0 ||
	    (r = add_section(mem, "usage", &usage, e)) < 0 ||
	    (r = put_u64(usage, "usage", d, "memory.usage_in_bytes", false, e)) < 0 ||
	    (r = put_u64(usage, "limit", d, "memory.limit_in_bytes", true, e)) < 0 ||
	    (r = put_u64(usage, "max", d, "memory.max_usage_in_bytes", false, e)) < 0 ||
	    (r = put_u64(usage, "failcnt", d, "memory.failcnt", false, e)) < 0 ||
	    (r = put_keyed(mem, "cache", d, "memory.stat", "total_cache", 1, e)) < 0 ||
	    (r = put_keyed(mem, "oomKill", d, "memory.oom_control", "oom_kill", 1, e)) < 0)
		return r;
	if (!rt_cg_has(d, "memory.memsw.usage_in_bytes"))
		return 0;
	if ((r = add_section(mem, "swap", &swap, e)) < 0 ||
	    (r = put_u64(swap, "usage", d, "memory.memsw.usage_in_bytes", false, e)) < 0 ||
	    (r = put_u64(swap, "limit", d, "memory.memsw.limit_in_bytes", true, e)) < 0 ||
	    (r = put_u64(swap, "max", d, "memory.memsw.max_usage_in_bytes", false, e)) < 0)
		return r;
	return put_u64(swap, "failcnt", d, "memory.memsw.failcnt", false, e);
}

static int memory_v2(json_t *out, const struct rt_cg_dir *d, struct brig_err *e)
{
	json_t *mem, *usage, *swap;
	int r;
	if (!rt_cg_has(d, "memory.current"))
		return 0;
	if ((r = add_section(out, "memory", &mem, e)) < 0 ||
	    (r = add_section(mem, "usage", &usage, e)) < 0 ||
	    (r = put_u64(usage, "usage", d, "memory.current", false, e)) < 0 ||
	    (r = put_u64(usage, "limit", d, "memory.max", true, e)) < 0 ||
	    (r = put_u64(usage, "max", d, "memory.peak", false, e)) < 0 ||
	    (r = put_keyed(usage, "failcnt", d, "memory.events", "max", 1, e)) < 0 ||
	    (r = put_keyed(mem, "cache", d, "memory.stat", "file", 1, e)) < 0 ||
	    (r = put_keyed(mem, "oomKill", d, "memory.events", "oom_kill", 1, e)) < 0)
		return r;
	if (!rt_cg_has(d, "memory.swap.current"))
		return 0;
	if ((r = add_section(mem, "swap", &swap, e)) < 0 ||
	    (r = put_u64(swap, "usage", d, "memory.swap.current", false, e)) < 0 ||
	    (r = put_u64(swap, "limit", d, "memory.swap.max", true, e)) < 0 ||
	    (r = put_u64(swap, "max", d, "memory.swap.peak", false, e)) < 0)
		return r;
	return put_keyed(swap, "failcnt", d, "memory.swap.events", "fail", 1, e);
}

static int cpu_v2(json_t *out, const struct rt_cg_dir *d, struct brig_err *e)
{
	json_t *sec, *usage, *thr;
	int r;
	if ((r = add_section(out, "cpu", &sec, e)) < 0 ||
	    (r = add_section(sec, "usage", &usage, e)) < 0 ||
	    (r = put_keyed(usage, "total", d, "cpu.stat", "usage_usec", 1000, e)) < 0 ||
	    (r = put_keyed(usage, "user", d, "cpu.stat", "user_usec", 1000, e)) < 0 ||
	    (r = put_keyed(usage, "kernel", d, "cpu.stat", "system_usec", 1000, e)) < 0 ||
	    (r = add_section(sec, "throttling", &thr, e)) < 0 ||
	    (r = put_keyed(thr, "periods", d, "cpu.stat", "nr_periods", 1, e)) < 0 ||
	    (r = put_keyed(thr, "throttledPeriods", d, "cpu.stat", "nr_throttled", 1, e)) < 0)
		return r;
	return put_keyed(thr, "throttledTime", d, "cpu.stat", "throttled_usec", 1000, e);
}

static int pids_stats(json_t *out, const struct rt_cg_dir *d, struct brig_err *e)
{
	json_t *p;
	int r;
	if (!rt_cg_has(d, "pids.current"))
		return 0;
	if ((r = add_section(out, "pids", &p, e)) < 0 ||
	    (r = put_u64(p, "current", d, "pids.current", false, e)) < 0)
		return r;
	return put_u64(p, "limit", d, "pids.max", true, e);
}

typedef int (*stat_fn)(json_t *, const struct rt_cg_dir *, struct brig_err *);

/* Run fn on the v1 hierarchy of c, else on the unified one with v2fn. */
static int per_ctl(json_t *out, struct rt_cgroup *cg, enum rt_cg_ctl c, stat_fn v1fn, stat_fn v2fn,
		   struct brig_err *e)
{
	struct rt_cg_hier *h = rt_cg_v1_find(cg, c);
	stat_fn fn = v1fn;
	if (!h && (h = rt_cg_unified(cg)))
		fn = v2fn;
	if (!h || !fn)
		return 0;
	struct rt_cg_dir d;
	int r = rt_cg_dir_open(&d, h->dir, e);
	if (r < 0)
		return r;
	r = fn(out, &d, e);
	rt_cg_dir_close(&d);
	return r;
}

int rt_cgroup_stats(struct rt_cgroup *cg, json_t **out, struct brig_err *e)
{
	_cleanup_json_ json_t *o = json_object();
	if (!o)
		return brig_err_set(e, -ENOMEM, "out of memory");
	int r;
	if (rt_cg_v1_find(cg, RT_CG_CPU) || rt_cg_v1_find(cg, RT_CG_CPUACCT))
		r = cpu_v1(o, cg, e);
	else
		r = per_ctl(o, cg, RT_CG_CPU, NULL, cpu_v2, e);
	if (r >= 0)
		r = per_ctl(o, cg, RT_CG_MEMORY, memory_v1, memory_v2, e);
	if (r >= 0)
		r = per_ctl(o, cg, RT_CG_PIDS, pids_stats, pids_stats, e);
	if (r < 0)
		return brig_err_wrap(e, "cgroup statistics");
	*out = brig_steal_ptr(o);
	return 0;
}
