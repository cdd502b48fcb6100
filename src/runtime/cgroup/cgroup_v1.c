/* SPDX-License-Identifier: Apache-2.0 */
/* Resource writers for cgroup v1 hierarchies (one per controller). */
#include "runtime/cgroup/cgroup-internal.h"

#include <fcntl.h>
#include <inttypes.h>
#include <string.h>

#define NUM_LEN 24

/* Decimal text of an int64 (-1 stays "-1", as v1 files accept). */
static const char *num(char buf[NUM_LEN], int64_t v)
{
	(void)snprintf(buf, NUM_LEN, "%" PRId64, v);
	return buf;
}

/* Write a then b; when a is refused with EINVAL (a limit that must stay
 * below / above the other), write b first and a again. */
static int write_pair(const struct rt_cg_dir *d, const char *fa, const char *va, const char *fb,
		      const char *vb, struct brig_err *e)
{
	_cleanup_err_ struct brig_err first = { 0 };
	int r = rt_cg_write(d, fa, va, &first);
	if (r == 0)
		return rt_cg_write(d, fb, vb, e);
	if (r != -EINVAL)
		return brig_err_set(e, r, "%s", brig_err_str(&first));
	r = rt_cg_write(d, fb, vb, e);
	if (r < 0)
		return r;
	return rt_cg_write(d, fa, va, e);
}

static int check_usage(const struct rt_cg_dir *d, const char *file, int64_t limit,
		       struct brig_err *e)
{
	uint64_t usage = 0;
	int r = rt_cg_read_u64(d, file, &usage, NULL, e);
	if (r < 0)
		return r;
	if (limit >= 0 && usage > (uint64_t)limit)
		return brig_err_set(e, -EBUSY,
				    "linux.resources.memory.limit: %" PRId64
				    " is below the current usage of %" PRIu64
				    " bytes (checkBeforeUpdate)",
				    limit, usage);
	return 0;
}

static int v1_memory_limits(const struct rt_cg_dir *d, const struct rt_cgroup_resources *r,
			    struct brig_err *e)
{
	char lb[NUM_LEN], sb[NUM_LEN];
	const char *lim = r->mem.limit.set ? num(lb, r->mem.limit.v) : NULL;
	const char *sw = r->mem.swap.set ? num(sb, r->mem.swap.v) : NULL;
	bool memsw = rt_cg_has(d, "memory.memsw.limit_in_bytes");
	if (sw && !memsw) {
		if (r->mem.swap.v != -1)
			brig_warn("linux.resources.memory.swap: swap accounting is not "
				  "enabled on this host (no memory.memsw.*); ignored");
		sw = NULL;
	}
	if (lim && !sw && memsw && r->mem.limit.v == -1)
		sw = "-1"; /* memory+swap must stay >= memory */
	if (lim && sw)
		return write_pair(d, "memory.limit_in_bytes", lim, "memory.memsw.limit_in_bytes",
				  sw, e);
	if (lim)
		return rt_cg_write(d, "memory.limit_in_bytes", lim, e);
	if (sw)
		return rt_cg_write(d, "memory.memsw.limit_in_bytes", sw, e);
	return 0;
}

static int v1_memory(const struct rt_cg_dir *d, const struct rt_cgroup_resources *r, bool update,
		     struct brig_err *e)
{
	char b[NUM_LEN];
	int ret;
	if (update && r->mem.check_before_update && r->mem.limit.set &&
	    (ret = check_usage(d, "memory.usage_in_bytes", r->mem.limit.v, e)) < 0)
		return ret;
	if ((ret = v1_memory_limits(d, r, e)) < 0)
		return ret;
	if (r->mem.reservation.set &&
	    (ret = rt_cg_write(d, "memory.soft_limit_in_bytes", num(b, r->mem.reservation.v), e)) <
		    0)
		return ret;
	if (r->mem.swappiness.set &&
	    (ret = rt_cg_write(d, "memory.swappiness", num(b, r->mem.swappiness.v), e)) < 0)
		return ret;
	if (r->mem.disable_oom.set && (r->mem.disable_oom.v || update) &&
	    (ret = rt_cg_write(d, "memory.oom_control", r->mem.disable_oom.v ? "1" : "0", e)) < 0)
		return ret;
	if (r->mem.use_hierarchy.set) {
		_cleanup_err_ struct brig_err e2 = { 0 };
		ret = rt_cg_write(d, "memory.use_hierarchy", r->mem.use_hierarchy.v ? "1" : "0",
				  &e2);
		if (ret == -EINVAL && !r->mem.use_hierarchy.v)
			brig_warn("linux.resources.memory.useHierarchy: this kernel always "
				  "accounts hierarchically; false is ignored");
		else if (ret < 0)
			return brig_err_set(e, ret, "%s", brig_err_str(&e2));
	}
	return 0;
}

static int v1_cpu(const struct rt_cg_dir *d, const struct rt_cgroup_resources *r,
		  struct brig_err *e)
{
	char a[NUM_LEN], b[NUM_LEN];
	int ret = 0;
	if (r->cpu.shares.set &&
	    (ret = rt_cg_write(d, "cpu.shares", num(a, r->cpu.shares.v), e)) < 0)
		return ret;
	if (r->cpu.period.set && r->cpu.quota.set)
		ret = write_pair(d, "cpu.cfs_period_us", num(a, r->cpu.period.v),
				 "cpu.cfs_quota_us", num(b, r->cpu.quota.v), e);
	else if (r->cpu.period.set)
		ret = rt_cg_write(d, "cpu.cfs_period_us", num(a, r->cpu.period.v), e);
	else if (r->cpu.quota.set)
		ret = rt_cg_write(d, "cpu.cfs_quota_us", num(a, r->cpu.quota.v), e);
	if (ret < 0)
		return ret;
	if (r->cpu.burst.set &&
	    (ret = rt_cg_write(d, "cpu.cfs_burst_us", num(a, r->cpu.burst.v), e)) < 0)
		return ret;
	if (r->cpu.rt_period.set && r->cpu.rt_runtime.set)
		ret = write_pair(d, "cpu.rt_period_us", num(a, r->cpu.rt_period.v),
				 "cpu.rt_runtime_us", num(b, r->cpu.rt_runtime.v), e);
	else if (r->cpu.rt_period.set)
		ret = rt_cg_write(d, "cpu.rt_period_us", num(a, r->cpu.rt_period.v), e);
	else if (r->cpu.rt_runtime.set)
		ret = rt_cg_write(d, "cpu.rt_runtime_us", num(a, r->cpu.rt_runtime.v), e);
	if (ret < 0)
		return ret;
	if (r->cpu.idle.set)
		return rt_cg_write(d, "cpu.idle", num(a, r->cpu.idle.v), e);
	return 0;
}

static int copy_if_empty(const struct rt_cg_dir *d, const struct rt_cg_dir *parent,
			 const char *file, struct brig_err *e)
{
	_cleanup_free_ char *cur = NULL, *pv = NULL;
	int r = rt_cg_read(d, file, &cur, e);
	if (r < 0)
		return r;
	if (cur[strspn(cur, " \n")] != '\0')
		return 0;
	if ((r = rt_cg_read(parent, file, &pv, e)) < 0)
		return r;
	pv[strcspn(pv, "\n")] = '\0';
	if (pv[0] == '\0')
		return brig_err_set(e, -ENOSPC, "cgroup %s: parent %s has an empty %s", d->path,
				    parent->path, file);
	return rt_cg_write(d, file, pv, e);
}

int rt_cg_v1_cpuset_init(const char *dir, struct brig_err *e)
{
	_cleanup_free_ char *pdir = strdup(dir);
	if (!pdir)
		return brig_err_set(e, -ENOMEM, "out of memory");
	char *slash = strrchr(pdir, '/');
	if (!slash || slash == pdir)
		return brig_err_set(e, -EINVAL, "cgroup %s has no parent", dir);
	*slash = '\0';
	struct rt_cg_dir d, p;
	int r = rt_cg_dir_open(&d, dir, e);
	if (r < 0)
		return r;
	if ((r = rt_cg_dir_open(&p, pdir, e)) < 0) {
		rt_cg_dir_close(&d);
		return r;
	}
	r = copy_if_empty(&d, &p, "cpuset.cpus", e);
	if (r >= 0)
		r = copy_if_empty(&d, &p, "cpuset.mems", e);
	rt_cg_dir_close(&d);
	rt_cg_dir_close(&p);
	return r;
}

static int v1_pids(const struct rt_cg_dir *d, const struct rt_cgroup_resources *r,
		   struct brig_err *e)
{
	char b[NUM_LEN];
	int64_t v = r->pids_limit.v;
	return rt_cg_write(d, "pids.max", v > 0 ? num(b, v) : "max", e);
}

/* The first of two alternative files that exists (CFQ vs BFQ names). */
static const char *pick(const struct rt_cg_dir *d, const char *a, const char *b)
{
	if (rt_cg_has(d, a))
		return a;
	if (b && rt_cg_has(d, b))
		return b;
	return NULL;
}

static int v1_blkio_weights(const struct rt_cg_dir *d, const struct rt_cgroup_resources *r,
			    struct brig_err *e)
{
	const char *wf = pick(d, "blkio.weight", "blkio.bfq.weight");
	const char *wdf = pick(d, "blkio.weight_device", "blkio.bfq.weight_device");
	const char *lf = pick(d, "blkio.leaf_weight", NULL);
	const char *ldf = pick(d, "blkio.leaf_weight_device", NULL);
	char b[NUM_LEN];
	int ret;
	bool any_w = r->blkio.weight.set, any_lw = r->blkio.leaf_weight.set;
	for (size_t i = 0; i < r->blkio.n_wdev; i++) {
		any_w |= r->blkio.wdev[i].weight.set;
		any_lw |= r->blkio.wdev[i].leaf_weight.set;
	}
	if (any_w && (!wf || !wdf))
		return brig_err_set(e, -ENOTSUP,
				    "linux.resources.blockIO: %s has no blkio.weight "
				    "or blkio.bfq.weight (no CFQ or BFQ I/O scheduler)",
				    d->path);
	if (any_lw && (!lf || !ldf))
		brig_warn("linux.resources.blockIO: leafWeight needs the CFQ I/O scheduler, "
			  "which this kernel lacks; ignored");
	if (r->blkio.weight.set && (ret = rt_cg_write(d, wf, num(b, r->blkio.weight.v), e)) < 0)
		return ret;
	if (r->blkio.leaf_weight.set && lf &&
	    (ret = rt_cg_write(d, lf, num(b, r->blkio.leaf_weight.v), e)) < 0)
		return ret;
	for (size_t i = 0; i < r->blkio.n_wdev; i++) {
		const struct rt_cg_blkdev *w = &r->blkio.wdev[i];
		if (w->weight.set &&
		    (ret = rt_cg_writef(d, wdf, e, "%" PRId64 ":%" PRId64 " %" PRId64, w->major,
					w->minor, w->weight.v)) < 0)
			return ret;
		if (w->leaf_weight.set && ldf &&
		    (ret = rt_cg_writef(d, ldf, e, "%" PRId64 ":%" PRId64 " %" PRId64, w->major,
					w->minor, w->leaf_weight.v)) < 0)
			return ret;
	}
	return 0;
}

static int v1_blkio(const struct rt_cg_dir *d, const struct rt_cgroup_resources *r,
		    struct brig_err *e)
{
	static const char *const files[RT_CG_THR_N] = {
		[RT_CG_THR_RBPS] = "blkio.throttle.read_bps_device",
		[RT_CG_THR_WBPS] = "blkio.throttle.write_bps_device",
		[RT_CG_THR_RIOPS] = "blkio.throttle.read_iops_device",
		[RT_CG_THR_WIOPS] = "blkio.throttle.write_iops_device",
	};
	int ret = v1_blkio_weights(d, r, e);
	if (ret < 0)
		return ret;
	for (int t = 0; t < RT_CG_THR_N; t++)
		for (size_t i = 0; i < r->blkio.n_thr[t]; i++) {
			const struct rt_cg_blkdev *b = &r->blkio.thr[t][i];
			if ((ret = rt_cg_writef(d, files[t], e, "%" PRId64 ":%" PRId64 " %" PRIu64,
						b->major, b->minor, b->rate)) < 0)
				return ret;
		}
	return 0;
}

static int v1_net(const struct rt_cg_dir *d, enum rt_cg_ctl c, const struct rt_cgroup_resources *r,
		  struct brig_err *e)
{
	if (c == RT_CG_NET_CLS)
		return rt_cg_writef(d, "net_cls.classid", e, "%" PRId64, r->net.classid.v);
	for (size_t i = 0; i < r->net.n_prio; i++) {
		int ret = rt_cg_writef(d, "net_prio.ifpriomap", e, "%s %u", r->net.prio[i].iface,
				       r->net.prio[i].prio);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int rt_cg_rdma_line(const struct rt_cg_rdma *d, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s", d->dev);
	if (n >= 0 && d->handles.set)
		n += snprintf(buf + n, size - (size_t)n, " hca_handle=%" PRId64, d->handles.v);
	if (n >= 0 && (size_t)n < size && d->objects.set)
		n += snprintf(buf + n, size - (size_t)n, " hca_object=%" PRId64, d->objects.v);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int v1_rdma(const struct rt_cg_dir *d, const struct rt_cgroup_resources *r,
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

static int v1_one(const struct rt_cg_dir *d, enum rt_cg_ctl c, const struct rt_cgroup_resources *r,
		  bool update, struct brig_err *e)
{
	switch (c) {
	case RT_CG_MEMORY:
		return v1_memory(d, r, update, e);
	case RT_CG_CPU:
		return v1_cpu(d, r, e);
	case RT_CG_CPUSET:
		return rt_cg_write_cpuset(d, r, e);
	case RT_CG_PIDS:
		return v1_pids(d, r, e);
	case RT_CG_BLKIO:
		return v1_blkio(d, r, e);
	case RT_CG_HUGETLB:
		return rt_cg_write_hugetlb(d, r, "limit_in_bytes", "rsvd.limit_in_bytes", e);
	case RT_CG_NET_CLS:
	case RT_CG_NET_PRIO:
		return v1_net(d, c, r, e);
	case RT_CG_RDMA:
		return v1_rdma(d, r, e);
	default:
		return 0;
	}
}

static bool was_created(const struct rt_cg_hier *h, const char *dir)
{
	for (char **c = h->created; c && *c; c++)
		if (strcmp(*c, dir) == 0)
			return true;
	return false;
}

/* The budget dir needs so that a child with runtime/period fits: the same
 * share of dir's own period (rounded up). */
static int rt_need(const struct rt_cg_dir *dir, int64_t runtime, int64_t period, uint64_t *need,
		   struct brig_err *e)
{
	uint64_t pp;
	int ret = rt_cg_read_u64(dir, "cpu.rt_period_us", &pp, NULL, e);
	if (ret < 0)
		return ret;
	*need = ((unsigned __int128)runtime * pp + (uint64_t)period - 1) / (uint64_t)period;
	return 0;
}

/* cgroup v1 realtime: a new cgroup's cpu.rt_runtime_us is 0, and a child
 * cannot get more than its parent has.  Every cgroup this runtime created
 * on the way to the container's (outermost first) gets the budget the
 * container asks for, as runc does; a parent it did not create is never
 * written: when it lacks the budget, the error names it. */
static int v1_rt_parents(const struct rt_cg_hier *h, const struct rt_cgroup_resources *r,
			 struct brig_err *e)
{
	if (!r->cpu.rt_runtime.set || r->cpu.rt_runtime.v <= 0)
		return 0;
	int64_t period = r->cpu.rt_period.set ? r->cpu.rt_period.v : 1000000;
	if (period <= 0)
		return 0;
	_cleanup_free_ char *dir = strdup(h->dir);
	if (!dir)
		return brig_err_set(e, -ENOMEM, "out of memory");
	/* The outermost parent first: find where the created chain begins. */
	char *slash = strrchr(dir, '/');
	while (slash && slash > dir) {
		*slash = '\0';
		if (!was_created(h, dir))
			break;
		slash = strrchr(dir, '/');
	}
	/* dir: the nearest parent not created by us; check its budget. */
	struct rt_cg_dir pd;
	int ret = rt_cg_dir_open(&pd, dir, e);
	if (ret < 0)
		return ret;
	uint64_t need = 0;
	_cleanup_free_ char *text = NULL;
	ret = rt_cg_read(&pd, "cpu.rt_runtime_us", &text, e);
	if (ret == 0)
		ret = rt_need(&pd, r->cpu.rt_runtime.v, period, &need, e);
	rt_cg_dir_close(&pd);
	if (ret < 0)
		return ret;
	/* -1: unlimited (kernel.sched_rt_runtime_us = -1 at the root) */
	long long have = strtoll(text, NULL, 10);
	if (have >= 0 && (uint64_t)have < need)
		return brig_err_set(
			e, -EINVAL,
			"cgroup %s: cpu.rt_runtime_us is %llu, less than the "
			"%llu that linux.resources.cpu.realtimeRuntime needs beneath it; "
			"give that cgroup a realtime budget",
			dir, (unsigned long long)have, (unsigned long long)need);
	for (char **c = h->created; c && *c; c++) {
		if (strcmp(*c, h->dir) == 0)
			continue;
		struct rt_cg_dir d;
		if ((ret = rt_cg_dir_open(&d, *c, e)) < 0)
			return ret;
		if ((ret = rt_need(&d, r->cpu.rt_runtime.v, period, &need, e)) == 0)
			ret = rt_cg_writef(&d, "cpu.rt_runtime_us", e, "%llu",
					   (unsigned long long)need);
		rt_cg_dir_close(&d);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int rt_cg_v1_apply(struct rt_cgroup *cg, const struct rt_cgroup_resources *r, bool update,
		   uint32_t mask, struct brig_err *e)
{
	for (int c = 0; c < RT_CG_NCTL; c++) {
		if (!(mask & RT_CG_BIT(c)))
			continue;
		struct rt_cg_hier *h = rt_cg_v1_find(cg, (enum rt_cg_ctl)c);
		if (!h)
			continue;
		if (c == RT_CG_CPU) {
			int ret = v1_rt_parents(h, r, e);
			if (ret < 0)
				return ret;
		}
		struct rt_cg_dir d;
		int ret = rt_cg_dir_open(&d, h->dir, e);
		if (ret < 0)
			return ret;
		ret = v1_one(&d, (enum rt_cg_ctl)c, r, update, e);
		rt_cg_dir_close(&d);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* One v1 rule line for type t ('a' only for the all-devices shortcut). */
static int dev_line(const struct rt_cg_devrule *rule, char t, char *buf, size_t size)
{
	char ma[NUM_LEN] = "*", mi[NUM_LEN] = "*", acc[4];
	size_t n = 0;
	if (rule->major >= 0)
		num(ma, rule->major);
	if (rule->minor >= 0)
		num(mi, rule->minor);
	if (rule->access & RT_CG_ACC_READ)
		acc[n++] = 'r';
	if (rule->access & RT_CG_ACC_WRITE)
		acc[n++] = 'w';
	if (rule->access & RT_CG_ACC_MKNOD)
		acc[n++] = 'm';
	acc[n] = '\0';
	if (t == 'a')
		return brig_snprintf(buf, size, "a");
	return brig_snprintf(buf, size, "%c %s:%s %s", t, ma, mi, acc);
}

int rt_cg_v1_devices(const struct rt_cg_dir *d, const struct rt_cg_devrule *rules, size_t n,
		     struct brig_err *e)
{
	/* One open per file, not per rule: each write(2) is one rule. */
	_cleanup_close_ int deny = rt_cg_open_w(d, "devices.deny", e);
	_cleanup_close_ int allow = -1;
	int ret = deny < 0 ? deny : rt_cg_write_fd(deny, d, "devices.deny", "a", e);
	for (size_t i = 0; i < n && ret >= 0; i++) {
		const struct rt_cg_devrule *rule = &rules[i];
		const char *file = rule->allow ? "devices.allow" : "devices.deny";
		if (rule->allow && allow < 0 && (ret = allow = rt_cg_open_w(d, file, e)) < 0)
			break;
		int fd = rule->allow ? allow : deny;
		bool all = rule->type == 'a' && rule->major < 0 && rule->minor < 0 &&
			rule->access == RT_CG_ACC_ALL;
		/* The kernel reads any "a ..." line as every device: spell out
		 * the partial ones for both block and character devices. */
		const char *types = all     ? "a"
			: rule->type == 'a' ? "bc"
			: rule->type == 'b' ? "b"
					    : "c";
		for (const char *t = types; *t && ret >= 0; t++) {
			char line[64];
			if (dev_line(rule, *t, line, sizeof(line)) < 0)
				return brig_err_set(e, -EINVAL, "device rule too long");
			ret = rt_cg_write_fd(fd, d, file, line, e);
		}
	}
	return ret < 0 ? ret : 0;
}
