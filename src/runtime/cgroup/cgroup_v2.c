/* SPDX-License-Identifier: Apache-2.0 */
/* Resource writers for the cgroup v2 (unified) hierarchy. */
#include "runtime/cgroup/cgroup-internal.h"

#include <inttypes.h>
#include <string.h>

#define NUM_LEN 24

static const char *num(char buf[NUM_LEN], int64_t v)
{
	(void)snprintf(buf, NUM_LEN, "%" PRId64, v);
	return buf;
}

/* v2 spells unlimited "max". */
static const char *num_or_max(char buf[NUM_LEN], int64_t v)
{
	return v < 0 ? "max" : num(buf, v);
}

/* Enable the controllers of want in d/cgroup.subtree_control. */
static int enable_in(const char *dir, uint32_t want, bool required, struct brig_err *e)
{
	struct rt_cg_dir d;
	int r = rt_cg_dir_open(&d, dir, e);
	if (r < 0)
		return r;
	_cleanup_free_ char *have = NULL;
	r = rt_cg_read(&d, "cgroup.subtree_control", &have, e);
	for (int c = 0; c < RT_CG_NCTL && r >= 0; c++) {
		const char *name = rt_cg_ctl_name((enum rt_cg_ctl)c, true);
		if (!(want & RT_CG_BIT(c)) || rt_cg_word_in(have, name))
			continue;
		_cleanup_err_ struct brig_err e2 = { 0 };
		r = rt_cg_writef(&d, "cgroup.subtree_control", &e2, "+%s", name);
		if (r < 0 && !required) {
			brig_debug("optional controller: %s", brig_err_str(&e2));
			r = 0;
		} else if (r < 0) {
			brig_err_set(
				e, r, "enabling cgroup controller '%s': %s%s", name,
				brig_err_str(&e2),
				r != -EBUSY
					? ""
					: " (that cgroup has processes of its own: use an absolute "
					  "linux.cgroupsPath, or run from a cgroup without processes)");
		}
	}
	rt_cg_dir_close(&d);
	return r;
}

int rt_cg_v2_enable(const char *start, const char *dir, uint32_t mask, uint32_t optional,
		    struct brig_err *e)
{
	if (!mask && !optional)
		return 0;
	uint32_t avail = 0;
	int r = rt_cg_v2_controllers(start, &avail, e);
	if (r < 0)
		return r;
	/* What start does not offer cannot be enabled below it: the caller
	 * reports that, naming the resource that needs it. */
	mask &= avail;
	optional &= avail;
	size_t sl = strlen(start);
	if (strncmp(dir, start, sl) != 0)
		return brig_err_set(e, -EINVAL, "cgroup %s is not beneath %s", dir, start);
	_cleanup_free_ char *cur = strdup(dir);
	if (!cur)
		return brig_err_set(e, -ENOMEM, "out of memory");
	/* Each ancestor from start down to dir's parent. */
	for (char *p = cur + sl; p && *p;) {
		char saved = *p;
		*p = '\0';
		r = enable_in(cur[0] ? cur : "/", mask, true, e);
		if (r >= 0)
			r = enable_in(cur[0] ? cur : "/", optional, false, e);
		*p = saved;
		if (r < 0)
			return r;
		p = strchr(p + 1, '/');
	}
	return 0;
}

static int v2_swap(const struct rt_cg_dir *d, const struct rt_cgroup_resources *r,
		   struct brig_err *e)
{
	char b[NUM_LEN];
	bool have = rt_cg_has(d, "memory.swap.max");
	int64_t swap = r->mem.swap.set ? r->mem.swap.v
				       : (r->mem.limit.set && r->mem.limit.v == -1 ? -1 : -2);
	if (swap == -2)
		return 0;
	if (!have) {
		if (swap != -1)
			brig_warn("linux.resources.memory.swap: swap accounting is not "
				  "enabled on this host (no memory.swap.max); ignored");
		return 0;
	}
	if (swap == -1)
		return rt_cg_write(d, "memory.swap.max", "max", e);
	int64_t limit = r->mem.limit.set ? r->mem.limit.v : -1;
	if (!r->mem.limit.set) {
		uint64_t cur = 0;
		bool max = false;
		int ret = rt_cg_read_u64(d, "memory.max", &cur, &max, e);
		if (ret < 0)
			return ret;
		limit = max ? -1 : (int64_t)cur;
	}
	if (limit < 0)
		return brig_err_set(e, -EINVAL,
				    "linux.resources.memory.swap: cannot limit "
				    "memory+swap while memory is unlimited");
	if (swap < limit)
		return brig_err_set(e, -EINVAL,
				    "linux.resources.memory.swap: %" PRId64
				    " is below the memory limit %" PRId64,
				    swap, limit);
	return rt_cg_write(d, "memory.swap.max", num(b, swap - limit), e);
}

static int v2_memory(const struct rt_cg_dir *d, const struct rt_cgroup_resources *r, bool update,
		     struct brig_err *e)
{
	char b[NUM_LEN];
	int ret;
	if (update && r->mem.check_before_update && r->mem.limit.set && r->mem.limit.v >= 0) {
		uint64_t usage = 0;
		if ((ret = rt_cg_read_u64(d, "memory.current", &usage, NULL, e)) < 0)
			return ret;
		if (usage > (uint64_t)r->mem.limit.v)
			return brig_err_set(e, -EBUSY,
					    "linux.resources.memory.limit: %" PRId64
					    " is below the current usage of %" PRIu64
					    " bytes (checkBeforeUpdate)",
					    r->mem.limit.v, usage);
	}
	if (r->mem.limit.set &&
	    (ret = rt_cg_write(d, "memory.max", num_or_max(b, r->mem.limit.v), e)) < 0)
		return ret;
	if ((ret = v2_swap(d, r, e)) < 0)
		return ret;
	if (r->mem.reservation.set &&
	    (ret = rt_cg_write(d, "memory.low", num_or_max(b, r->mem.reservation.v), e)) < 0)
		return ret;
	if (r->mem.swappiness.set)
		brig_warn("linux.resources.memory.swappiness: cgroup v2 has no per-cgroup "
			  "swappiness; ignored");
	if (r->mem.disable_oom.set && r->mem.disable_oom.v)
		brig_warn("linux.resources.memory.disableOOMKiller: not supported by "
			  "cgroup v2; ignored");
	if (r->mem.use_hierarchy.set && !r->mem.use_hierarchy.v)
		brig_warn("linux.resources.memory.useHierarchy: cgroup v2 is always "
			  "hierarchical; false is ignored");
	return 0;
}

static int v2_cpu_max(const struct rt_cg_dir *d, const struct rt_cgroup_resources *r,
		      struct brig_err *e)
{
	char qb[NUM_LEN] = "max";
	int64_t period = 100000;
	if (!r->cpu.quota.set || !r->cpu.period.set) {
		_cleanup_free_ char *cur = NULL;
		int ret = rt_cg_read(d, "cpu.max", &cur, e);
		if (ret < 0)
			return ret;
		char *sp = strchr(cur, ' ');
		int64_t p = 0;
		if (sp) {
			*sp = '\0';
			sp[1 + strcspn(sp + 1, "\n")] = '\0';
			if (brig_parse_i64(sp + 1, &p) == 0 && p > 0)
				period = p;
		}
		if (strlen(cur) < sizeof(qb))
			memcpy(qb, cur, strlen(cur) + 1);
	}
	if (r->cpu.quota.set && r->cpu.quota.v < 0)
		memcpy(qb, "max", 4);
	else if (r->cpu.quota.set)
		num(qb, r->cpu.quota.v);
	if (r->cpu.period.set)
		period = r->cpu.period.v;
	return rt_cg_writef(d, "cpu.max", e, "%s %" PRId64, qb, period);
}

static int v2_cpu(const struct rt_cg_dir *d, const struct rt_cgroup_resources *r,
		  struct brig_err *e)
{
	char b[NUM_LEN];
	int ret;
	if (r->cpu.rt_runtime.set || r->cpu.rt_period.set)
		return brig_err_set(e, -ENOTSUP,
				    "linux.resources.cpu.realtimeRuntime/"
				    "realtimePeriod: not supported with cgroup v2");
	if (r->cpu.shares.set &&
	    (ret = rt_cg_write(
		     d, "cpu.weight",
		     num(b, (int64_t)rt_cgroup_shares_to_weight((uint64_t)r->cpu.shares.v)), e)) <
		    0)
		return ret;
	if ((r->cpu.quota.set || r->cpu.period.set) && (ret = v2_cpu_max(d, r, e)) < 0)
		return ret;
	if (r->cpu.burst.set &&
	    (ret = rt_cg_write(d, "cpu.max.burst", num(b, r->cpu.burst.v), e)) < 0)
		return ret;
	if (r->cpu.idle.set)
		return rt_cg_write(d, "cpu.idle", num(b, r->cpu.idle.v), e);
	return 0;
}

static int v2_pids(const struct rt_cg_dir *d, const struct rt_cgroup_resources *r,
		   struct brig_err *e)
{
	char b[NUM_LEN];
	int64_t v = r->pids_limit.v;
	return rt_cg_write(d, "pids.max", v > 0 ? num(b, v) : "max", e);
}

static int v2_io_weights(const struct rt_cg_dir *d, const struct rt_cgroup_resources *r,
			 struct brig_err *e)
{
	bool bfq = rt_cg_has(d, "io.bfq.weight");
	const char *file = bfq ? "io.bfq.weight" : "io.weight";
	int ret;
	if (r->blkio.leaf_weight.set)
		brig_warn(
			"linux.resources.blockIO.leafWeight: not supported by cgroup v2; ignored");
	if (r->blkio.weight.set) {
		uint64_t w = (uint64_t)r->blkio.weight.v;
		if ((ret = rt_cg_writef(d, file, e, "default %" PRIu64,
					bfq ? w : rt_cgroup_blkio_to_io_weight(w))) < 0)
			return ret;
	}
	for (size_t i = 0; i < r->blkio.n_wdev; i++) {
		const struct rt_cg_blkdev *w = &r->blkio.wdev[i];
		if (!w->weight.set)
			continue;
		uint64_t v = (uint64_t)w->weight.v;
		if ((ret = rt_cg_writef(d, file, e, "%" PRId64 ":%" PRId64 " %" PRIu64, w->major,
					w->minor, bfq ? v : rt_cgroup_blkio_to_io_weight(v))) < 0)
			return ret;
	}
	return 0;
}

static int v2_io(const struct rt_cg_dir *d, const struct rt_cgroup_resources *r, struct brig_err *e)
{
	static const char *const keys[RT_CG_THR_N] = {
		[RT_CG_THR_RBPS] = "rbps",
		[RT_CG_THR_WBPS] = "wbps",
		[RT_CG_THR_RIOPS] = "riops",
		[RT_CG_THR_WIOPS] = "wiops",
	};
	int ret = v2_io_weights(d, r, e);
	for (int t = 0; t < RT_CG_THR_N && ret >= 0; t++)
		for (size_t i = 0; i < r->blkio.n_thr[t] && ret >= 0; i++) {
			const struct rt_cg_blkdev *b = &r->blkio.thr[t][i];
			ret = rt_cg_writef(d, "io.max", e, "%" PRId64 ":%" PRId64 " %s=%" PRIu64,
					   b->major, b->minor, keys[t], b->rate);
		}
	return ret;
}

static int v2_rdma(const struct rt_cg_dir *d, const struct rt_cgroup_resources *r,
		   struct brig_err *e)
{
	for (size_t i = 0; i < r->n_rdma; i++) {
		char line[160];
		if (rt_cg_rdma_line(&r->rdma[i], line, sizeof(line)) < 0)
			return brig_err_set(e, -EINVAL, "rdma device name too long");
		int ret = rt_cg_write(d, "rdma.max", line, e);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* Why d/key does not exist: its controller is not there, or no such file. */
static int unified_missing(const struct rt_cg_dir *d, const char *key, struct brig_err *e)
{
	uint32_t avail = 0;
	int c = rt_cg_ctl_from_name(key, strcspn(key, "."));
	if (c >= 0 && rt_cg_v2_controllers(d->path, &avail, e) >= 0 && !(avail & RT_CG_BIT(c)))
		return brig_err_set(e, -ENOTSUP,
				    "linux.resources.unified.%s: cgroup "
				    "controller '%s' is not available in the cgroup v2 "
				    "hierarchy",
				    key, rt_cg_ctl_name((enum rt_cg_ctl)c, true));
	return brig_err_set(e, -ENOENT,
			    "linux.resources.unified.%s: no such file "
			    "in %s",
			    key, d->path);
}

/* Unified keys, a line at a time (io.max takes one device per write). */
static int v2_unified(const struct rt_cg_dir *d, const struct rt_cgroup_resources *r,
		      struct brig_err *e)
{
	for (size_t i = 0; i < r->n_unified; i++) {
		const char *key = r->unified[i].key, *val = r->unified[i].val;
		if (!rt_cg_has(d, key))
			return unified_missing(d, key, e);
		_cleanup_free_ char *copy = strdup(val);
		if (!copy)
			return brig_err_set(e, -ENOMEM, "out of memory");
		char *save = NULL;
		bool wrote = false;
		for (char *line = strtok_r(copy, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			int ret = rt_cg_write(d, key, line, e);
			if (ret < 0)
				return brig_err_wrap(e, "linux.resources.unified");
			wrote = true;
		}
		if (!wrote && rt_cg_write(d, key, "", e) < 0)
			return brig_err_wrap(e, "linux.resources.unified");
	}
	return 0;
}

int rt_cg_v2_apply(struct rt_cgroup *cg, const struct rt_cgroup_resources *r, bool update,
		   uint32_t mask, struct brig_err *e)
{
	struct rt_cg_hier *u = rt_cg_unified(cg);
	if (!u)
		return 0;
	struct rt_cg_dir d;
	int ret = rt_cg_dir_open(&d, u->dir, e);
	if (ret < 0)
		return ret;
	if (mask & RT_CG_BIT(RT_CG_MEMORY))
		ret = v2_memory(&d, r, update, e);
	if (ret >= 0 && (mask & RT_CG_BIT(RT_CG_CPU)))
		ret = v2_cpu(&d, r, e);
	if (ret >= 0 && (mask & RT_CG_BIT(RT_CG_CPUSET)))
		ret = rt_cg_write_cpuset(&d, r, e);
	if (ret >= 0 && (mask & RT_CG_BIT(RT_CG_PIDS)))
		ret = v2_pids(&d, r, e);
	if (ret >= 0 && (mask & RT_CG_BIT(RT_CG_BLKIO)))
		ret = v2_io(&d, r, e);
	if (ret >= 0 && (mask & RT_CG_BIT(RT_CG_HUGETLB)))
		ret = rt_cg_write_hugetlb(&d, r, "max", "rsvd.max", e);
	if (ret >= 0 && (mask & RT_CG_BIT(RT_CG_RDMA)))
		ret = v2_rdma(&d, r, e);
	if (ret >= 0)
		ret = v2_unified(&d, r, e);
	rt_cg_dir_close(&d);
	return ret;
}
