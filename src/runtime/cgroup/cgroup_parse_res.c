/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Parsing of linux.resources (runtime-spec config-linux.md): every member is
 * type and range checked, and errors name the file and the JSON field.
 * Unknown members are ignored, as the spec asks.
 */
#include "runtime/cgroup/cgroup-internal.h"

#include <limits.h>
#include <string.h>

/* A member, with null treated like an absent member. */
static json_t *member(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_null(v) ? NULL : v;
}

/* Optional integer in [min, max]; zero_unset: 0 means "not set" (as runc). */
static int get_opt(const json_t *o, const struct bj_loc *at, const char *key, int64_t min,
		   int64_t max, bool zero_unset, struct rt_cg_opt *out, struct brig_err *e)
{
	json_t *j = member(o, key);
	if (!j || (zero_unset && json_is_integer(j) && json_integer_value(j) == 0))
		return 0;
	int64_t v = 0;
	int r = bj_get_int(o, at, key, false, min, max, &v, e);
	if (r < 0)
		return r;
	if (r == 0 && !(zero_unset && v == 0)) {
		out->set = true;
		out->v = v;
	}
	return 0;
}

static int get_optb(const json_t *o, const struct bj_loc *at, const char *key,
		    struct rt_cg_opt *out, struct brig_err *e)
{
	if (!member(o, key))
		return 0;
	bool b = false;
	int r = bj_get_bool(o, at, key, false, &b, e);
	if (r < 0)
		return r;
	out->set = true;
	out->v = b;
	return 0;
}

/* An optional sub-object or array: 1 when absent. */
static int get_sub(const json_t *o, const struct bj_loc *at, const char *key, json_type t,
		   json_t **out, struct bj_loc *sub, struct brig_err *e)
{
	if (!member(o, key))
		return 1;
	bj_key(sub, at, key);
	return bj_get(o, at, key, false, t, out, e);
}

static int array_len(const json_t *a, const struct bj_loc *at, size_t *n, struct brig_err *e)
{
	*n = json_array_size(a);
	if (*n > RT_CG_LIST_MAX)
		return bj_fail(e, at, "%zu entries, at most %d allowed", *n, RT_CG_LIST_MAX);
	return 0;
}

static int parse_memory(const json_t *m, const struct bj_loc *at, struct rt_cgroup_resources *r,
			struct brig_err *e)
{
	int ret;
	if ((ret = get_opt(m, at, "limit", -1, INT64_MAX, true, &r->mem.limit, e)) < 0 ||
	    (ret = get_opt(m, at, "reservation", -1, INT64_MAX, true, &r->mem.reservation, e)) <
		    0 ||
	    (ret = get_opt(m, at, "swap", -1, INT64_MAX, true, &r->mem.swap, e)) < 0 ||
	    (ret = get_opt(m, at, "kernel", -1, INT64_MAX, false, &r->mem.kernel, e)) < 0 ||
	    (ret = get_opt(m, at, "kernelTCP", -1, INT64_MAX, false, &r->mem.kernel_tcp, e)) < 0 ||
	    (ret = get_opt(m, at, "swappiness", 0, 100, false, &r->mem.swappiness, e)) < 0 ||
	    (ret = get_optb(m, at, "disableOOMKiller", &r->mem.disable_oom, e)) < 0 ||
	    (ret = get_optb(m, at, "useHierarchy", &r->mem.use_hierarchy, e)) < 0)
		return ret;
	struct rt_cg_opt cbu = { 0 };
	if ((ret = get_optb(m, at, "checkBeforeUpdate", &cbu, e)) < 0)
		return ret;
	r->mem.check_before_update = cbu.set && cbu.v;
	if (r->mem.swap.set && r->mem.swap.v != -1 && r->mem.limit.set) {
		struct bj_loc sub;
		bj_key(&sub, at, "swap");
		if (r->mem.limit.v == -1)
			return bj_fail(e, &sub,
				       "cannot limit memory+swap to %lld while memory is unlimited",
				       (long long)r->mem.swap.v);
		if (r->mem.swap.v < r->mem.limit.v)
			return bj_fail(e, &sub,
				       "%lld is below the memory limit %lld (swap is memory+swap)",
				       (long long)r->mem.swap.v, (long long)r->mem.limit.v);
	}
	return 0;
}

/* A cpu or memory-node list such as "0-3,7". */
static int get_cpulist(const json_t *o, const struct bj_loc *at, const char *key, char **out,
		       struct brig_err *e)
{
	const char *s = NULL;
	if (!member(o, key))
		return 0;
	int r = bj_get_str(o, at, key, false, &s, e);
	if (r != 0)
		return r < 0 ? r : 0;
	struct bj_loc sub;
	bj_key(&sub, at, key);
	if (strlen(s) > 4096)
		return bj_fail(e, &sub, "longer than 4096 characters");
	if (s[strspn(s, "0123456789,- ")] != '\0')
		return bj_fail(e, &sub, "'%.64s' is not a list such as \"0-3,7\"", s);
	if (*s == '\0')
		return 0;
	*out = strdup(s);
	return *out ? 0 : brig_err_set(e, -ENOMEM, "out of memory");
}

static int parse_cpu(const json_t *c, const struct bj_loc *at, struct rt_cgroup_resources *r,
		     struct brig_err *e)
{
	int ret;
	if ((ret = get_opt(c, at, "shares", 0, 262144, true, &r->cpu.shares, e)) < 0 ||
	    (ret = get_opt(c, at, "quota", -1, INT64_MAX, true, &r->cpu.quota, e)) < 0 ||
	    (ret = get_opt(c, at, "burst", 0, INT64_MAX, false, &r->cpu.burst, e)) < 0 ||
	    (ret = get_opt(c, at, "period", 0, INT64_MAX, true, &r->cpu.period, e)) < 0 ||
	    (ret = get_opt(c, at, "realtimeRuntime", -1, INT64_MAX, true, &r->cpu.rt_runtime, e)) <
		    0 ||
	    (ret = get_opt(c, at, "realtimePeriod", 0, INT64_MAX, true, &r->cpu.rt_period, e)) <
		    0 ||
	    (ret = get_opt(c, at, "idle", 0, 1, false, &r->cpu.idle, e)) < 0 ||
	    (ret = get_cpulist(c, at, "cpus", &r->cpu.cpus, e)) < 0 ||
	    (ret = get_cpulist(c, at, "mems", &r->cpu.mems, e)) < 0)
		return ret;
	if (r->cpu.burst.set && r->cpu.quota.set && r->cpu.quota.v > 0 &&
	    r->cpu.burst.v > r->cpu.quota.v) {
		struct bj_loc sub;
		bj_key(&sub, at, "burst");
		return bj_fail(e, &sub, "%lld is larger than quota %lld", (long long)r->cpu.burst.v,
			       (long long)r->cpu.quota.v);
	}
	return 0;
}

static int parse_pids(const json_t *p, const struct bj_loc *at, struct rt_cgroup_resources *r,
		      struct brig_err *e)
{
	int64_t v = 0;
	int ret = bj_get_int(p, at, "limit", true, -1, INT64_MAX, &v, e);
	if (ret < 0)
		return ret;
	r->pids_limit.set = v != 0; /* 0: unchanged, -1: unlimited (as runc) */
	r->pids_limit.v = v;
	return 0;
}

static int parse_blkdev(const json_t *o, const struct bj_loc *at, bool weights,
			struct rt_cg_blkdev *d, struct brig_err *e)
{
	int ret;
	if ((ret = bj_get_int(o, at, "major", true, 0, UINT32_MAX, &d->major, e)) < 0 ||
	    (ret = bj_get_int(o, at, "minor", true, 0, UINT32_MAX, &d->minor, e)) < 0)
		return ret;
	if (!weights) {
		int64_t rate = 0;
		ret = bj_get_int(o, at, "rate", true, 0, INT64_MAX, &rate, e);
		d->rate = (uint64_t)rate;
		return ret < 0 ? ret : 0;
	}
	if ((ret = get_opt(o, at, "weight", 10, 1000, false, &d->weight, e)) < 0 ||
	    (ret = get_opt(o, at, "leafWeight", 10, 1000, false, &d->leaf_weight, e)) < 0)
		return ret;
	if (!d->weight.set && !d->leaf_weight.set)
		return bj_fail(e, at, "needs weight or leafWeight");
	return 0;
}

static int parse_blkdevs(const json_t *b, const struct bj_loc *at, const char *key, bool weights,
			 struct rt_cg_blkdev **out, size_t *count, struct brig_err *e)
{
	json_t *a = NULL;
	struct bj_loc sub;
	int ret = get_sub(b, at, key, JSON_ARRAY, &a, &sub, e);
	if (ret != 0)
		return ret < 0 ? ret : 0;
	size_t n;
	if ((ret = array_len(a, &sub, &n, e)) < 0)
		return ret;
	*out = calloc(n ? n : 1, sizeof(**out));
	if (!*out)
		return brig_err_set(e, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct bj_loc el;
		bj_idx(&el, &sub, i);
		json_t *o = json_array_get(a, i);
		if ((ret = bj_expect(o, &el, JSON_OBJECT, e)) < 0 ||
		    (ret = parse_blkdev(o, &el, weights, &(*out)[i], e)) < 0)
			return ret;
		*count = i + 1;
	}
	return 0;
}

static int parse_blkio(const json_t *b, const struct bj_loc *at, struct rt_cgroup_resources *r,
		       struct brig_err *e)
{
	static const char *const thr[RT_CG_THR_N] = {
		[RT_CG_THR_RBPS] = "throttleReadBpsDevice",
		[RT_CG_THR_WBPS] = "throttleWriteBpsDevice",
		[RT_CG_THR_RIOPS] = "throttleReadIOPSDevice",
		[RT_CG_THR_WIOPS] = "throttleWriteIOPSDevice",
	};
	int ret;
	if ((ret = get_opt(b, at, "weight", 10, 1000, true, &r->blkio.weight, e)) < 0 ||
	    (ret = get_opt(b, at, "leafWeight", 10, 1000, true, &r->blkio.leaf_weight, e)) < 0 ||
	    (ret = parse_blkdevs(b, at, "weightDevice", true, &r->blkio.wdev, &r->blkio.n_wdev,
				 e)) < 0)
		return ret;
	for (int i = 0; i < RT_CG_THR_N; i++)
		if ((ret = parse_blkdevs(b, at, thr[i], false, &r->blkio.thr[i], &r->blkio.n_thr[i],
					 e)) < 0)
			return ret;
	return 0;
}

int rt_cg_pagesize_bytes(const char *s, uint64_t *out)
{
	size_t digits = strspn(s, "0123456789");
	if (digits == 0 || digits > 6 || s[0] == '0')
		return -EINVAL;
	uint64_t v = strtoull(s, NULL, 10), mul;
	const char *unit = s + digits;
	if (strcmp(unit, "KB") == 0)
		mul = 1ULL << 10;
	else if (strcmp(unit, "MB") == 0)
		mul = 1ULL << 20;
	else if (strcmp(unit, "GB") == 0)
		mul = 1ULL << 30;
	else
		return -EINVAL;
	*out = v * mul;
	return 0;
}

static int parse_hugepages(const json_t *a, const struct bj_loc *at, struct rt_cgroup_resources *r,
			   struct brig_err *e)
{
	size_t n;
	int ret = array_len(a, at, &n, e);
	if (ret < 0)
		return ret;
	r->huge = calloc(n ? n : 1, sizeof(*r->huge));
	if (!r->huge)
		return brig_err_set(e, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct bj_loc el, ps;
		bj_idx(&el, at, i);
		bj_key(&ps, &el, "pageSize");
		json_t *o = json_array_get(a, i);
		const char *size = NULL;
		int64_t limit = 0;
		uint64_t bytes;
		if ((ret = bj_expect(o, &el, JSON_OBJECT, e)) < 0 ||
		    (ret = bj_get_str(o, &el, "pageSize", true, &size, e)) < 0 ||
		    (ret = bj_get_int(o, &el, "limit", true, 0, INT64_MAX, &limit, e)) < 0)
			return ret;
		if (rt_cg_pagesize_bytes(size, &bytes) < 0)
			return bj_fail(e, &ps, "'%.32s' is not a size such as \"2MB\"", size);
		r->huge[i].size = strdup(size);
		r->huge[i].limit = (uint64_t)limit;
		r->n_huge = i + 1;
		if (!r->huge[i].size)
			return brig_err_set(e, -ENOMEM, "out of memory");
	}
	return 0;
}

/* A name that goes into a "name value" line: no spaces or control chars. */
static bool plain_word(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '/')
			return false;
	return true;
}

static int parse_prio(const json_t *o, const struct bj_loc *el, struct rt_cg_prio *p,
		      struct brig_err *e)
{
	const char *name = NULL;
	int64_t prio = 0;
	int ret;
	if ((ret = bj_expect(o, el, JSON_OBJECT, e)) < 0 ||
	    (ret = bj_get_str(o, el, "name", true, &name, e)) < 0 ||
	    (ret = bj_get_int(o, el, "priority", true, 0, UINT32_MAX, &prio, e)) < 0)
		return ret;
	if (!plain_word(name, 15)) {
		struct bj_loc sub;
		bj_key(&sub, el, "name");
		return bj_fail(e, &sub, "'%.32s' is not an interface name", name);
	}
	p->prio = (uint32_t)prio;
	p->iface = strdup(name);
	return p->iface ? 0 : brig_err_set(e, -ENOMEM, "out of memory");
}

static int parse_network(const json_t *o, const struct bj_loc *at, struct rt_cgroup_resources *r,
			 struct brig_err *e)
{
	int ret = get_opt(o, at, "classID", 0, UINT32_MAX, false, &r->net.classid, e);
	if (ret < 0)
		return ret;
	json_t *a = NULL;
	struct bj_loc sub;
	ret = get_sub(o, at, "priorities", JSON_ARRAY, &a, &sub, e);
	if (ret != 0)
		return ret < 0 ? ret : 0;
	size_t n;
	if ((ret = array_len(a, &sub, &n, e)) < 0)
		return ret;
	r->net.prio = calloc(n ? n : 1, sizeof(*r->net.prio));
	if (!r->net.prio)
		return brig_err_set(e, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct bj_loc el;
		bj_idx(&el, &sub, i);
		if ((ret = parse_prio(json_array_get(a, i), &el, &r->net.prio[i], e)) < 0)
			return ret;
		r->net.n_prio = i + 1;
	}
	return 0;
}

static int parse_rdma(const json_t *o, const struct bj_loc *at, struct rt_cgroup_resources *r,
		      struct brig_err *e)
{
	size_t n = json_object_size(o), i = 0;
	if (n > RT_CG_LIST_MAX)
		return bj_fail(e, at, "%zu entries, at most %d allowed", n, RT_CG_LIST_MAX);
	r->rdma = calloc(n ? n : 1, sizeof(*r->rdma));
	if (!r->rdma)
		return brig_err_set(e, -ENOMEM, "out of memory");
	const char *dev;
	json_t *v;
	json_object_foreach((json_t *)o, dev, v)
	{
		struct bj_loc el;
		bj_key(&el, at, dev);
		struct rt_cg_rdma *d = &r->rdma[i];
		int ret;
		if (!plain_word(dev, 64))
			return bj_fail(e, &el, "not a valid device name");
		if ((ret = bj_expect(v, &el, JSON_OBJECT, e)) < 0 ||
		    (ret = get_opt(v, &el, "hcaHandles", 0, UINT32_MAX, false, &d->handles, e)) <
			    0 ||
		    (ret = get_opt(v, &el, "hcaObjects", 0, UINT32_MAX, false, &d->objects, e)) < 0)
			return ret;
		if (!d->handles.set && !d->objects.set)
			return bj_fail(e, &el, "needs hcaHandles or hcaObjects");
		d->dev = strdup(dev);
		r->n_rdma = ++i;
		if (!d->dev)
			return brig_err_set(e, -ENOMEM, "out of memory");
	}
	return 0;
}

/* A unified key names one file of the container's cgroup. */
static bool unified_key_ok(const char *k)
{
	static const char *const refused[] = { "cgroup.procs", "cgroup.threads", "cgroup.kill",
					       "cgroup.freeze" };
	size_t n = strlen(k);
	if (n == 0 || n > 255 || k[0] == '.' || strchr(k, '/') || strstr(k, "..") ||
	    !strchr(k, '.'))
		return false;
	for (const char *p = k; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return false;
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(refused); i++)
		if (strcmp(k, refused[i]) == 0)
			return false;
	return true;
}

static int parse_unified(const json_t *o, const struct bj_loc *at, struct rt_cgroup_resources *r,
			 struct brig_err *e)
{
	size_t n = json_object_size(o), i = 0;
	if (n > RT_CG_LIST_MAX)
		return bj_fail(e, at, "%zu entries, at most %d allowed", n, RT_CG_LIST_MAX);
	r->unified = calloc(n ? n : 1, sizeof(*r->unified));
	if (!r->unified)
		return brig_err_set(e, -ENOMEM, "out of memory");
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)o, key, v)
	{
		struct bj_loc el;
		bj_key(&el, at, key);
		if (!unified_key_ok(key))
			return bj_fail(e, &el, "not a cgroup file name that may be set");
		int ret = bj_expect(v, &el, JSON_STRING, e);
		if (ret < 0)
			return ret;
		if (json_string_length(v) > RT_CG_VALUE_MAX ||
		    strlen(json_string_value(v)) != json_string_length(v))
			return bj_fail(e, &el, "value too long or contains a NUL byte");
		r->unified[i].key = strdup(key);
		r->unified[i].val = strdup(json_string_value(v));
		r->n_unified = ++i;
		if (!r->unified[i - 1].key || !r->unified[i - 1].val)
			return brig_err_set(e, -ENOMEM, "out of memory");
	}
	return 0;
}

static int parse_access(const char *s, unsigned *out)
{
	unsigned acc = 0;
	if (*s == '\0')
		return -EINVAL;
	for (const char *p = s; *p; p++) {
		unsigned bit = *p == 'r' ? RT_CG_ACC_READ
			: *p == 'w'      ? RT_CG_ACC_WRITE
			: *p == 'm'      ? RT_CG_ACC_MKNOD
					 : 0;
		if (!bit || (acc & bit))
			return -EINVAL;
		acc |= bit;
	}
	*out = acc;
	return 0;
}

static int parse_devrule(const json_t *o, const struct bj_loc *el, struct rt_cg_devrule *d,
			 struct brig_err *e)
{
	const char *type = "a", *access = "rwm";
	int ret;
	d->major = d->minor = -1;
	if ((ret = bj_expect(o, el, JSON_OBJECT, e)) < 0 ||
	    (ret = bj_get_bool(o, el, "allow", true, &d->allow, e)) < 0 ||
	    (member(o, "type") && (ret = bj_get_str(o, el, "type", false, &type, e)) < 0) ||
	    (member(o, "access") && (ret = bj_get_str(o, el, "access", false, &access, e)) < 0) ||
	    (member(o, "major") &&
	     (ret = bj_get_int(o, el, "major", false, -1, UINT32_MAX, &d->major, e)) < 0) ||
	    (member(o, "minor") &&
	     (ret = bj_get_int(o, el, "minor", false, -1, UINT32_MAX, &d->minor, e)) < 0))
		return ret;
	struct bj_loc sub;
	if (strcmp(type, "a") != 0 && strcmp(type, "b") != 0 && strcmp(type, "c") != 0) {
		bj_key(&sub, el, "type");
		return bj_fail(e, &sub, "'%.16s' is not one of a, b, c", type);
	}
	d->type = type[0];
	if (parse_access(access, &d->access) < 0) {
		bj_key(&sub, el, "access");
		return bj_fail(e, &sub, "'%.16s' is not a combination of r, w, m", access);
	}
	return 0;
}

static int parse_devices(const json_t *a, const struct bj_loc *at, struct rt_cgroup_resources *r,
			 struct brig_err *e)
{
	size_t n;
	int ret = array_len(a, at, &n, e);
	if (ret < 0)
		return ret;
	r->devices_set = true;
	r->dev = calloc(n ? n : 1, sizeof(*r->dev));
	if (!r->dev)
		return brig_err_set(e, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct bj_loc el;
		bj_idx(&el, at, i);
		if ((ret = parse_devrule(json_array_get(a, i), &el, &r->dev[i], e)) < 0)
			return ret;
		r->n_dev = i + 1;
	}
	return 0;
}

typedef int (*section_fn)(const json_t *, const struct bj_loc *, struct rt_cgroup_resources *,
			  struct brig_err *);

static int parse_sections(const json_t *res, const struct bj_loc *at, struct rt_cgroup_resources *r,
			  struct brig_err *e)
{
	static const struct {
		const char *key;
		json_type type;
		section_fn fn;
	} sections[] = {
		{ "memory", JSON_OBJECT, parse_memory },
		{ "cpu", JSON_OBJECT, parse_cpu },
		{ "pids", JSON_OBJECT, parse_pids },
		{ "blockIO", JSON_OBJECT, parse_blkio },
		{ "hugepageLimits", JSON_ARRAY, parse_hugepages },
		{ "network", JSON_OBJECT, parse_network },
		{ "rdma", JSON_OBJECT, parse_rdma },
		{ "unified", JSON_OBJECT, parse_unified },
		{ "devices", JSON_ARRAY, parse_devices },
	};
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(sections); i++) {
		json_t *v = NULL;
		struct bj_loc sub;
		int ret = get_sub(res, at, sections[i].key, sections[i].type, &v, &sub, e);
		if (ret == 0)
			ret = sections[i].fn(v, &sub, r, e);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int rt_cgroup_resources_parse(const json_t *res, const struct bj_loc *at,
			      struct rt_cgroup_resources **out, struct brig_err *e)
{
	struct rt_cgroup_resources *r = calloc(1, sizeof(*r));
	if (!r)
		return brig_err_set(e, -ENOMEM, "out of memory");
	int ret = 0;
	if (res) {
		ret = bj_expect(res, at, JSON_OBJECT, e);
		if (ret == 0)
			ret = parse_sections(res, at, r, e);
	}
	if (ret < 0) {
		rt_cgroup_resources_free(r);
		return ret;
	}
	if (r->mem.kernel.set || r->mem.kernel_tcp.set) {
		struct bj_loc m;
		bj_key(&m, at, "memory");
		brig_warn("%s: %s: kernel and kernelTCP are ignored (kernel memory "
			  "is part of the memory limit)",
			  m.file, m.path);
	}
	*out = r;
	return 0;
}

void rt_cgroup_resources_free(struct rt_cgroup_resources *r)
{
	if (!r)
		return;
	free(r->cpu.cpus);
	free(r->cpu.mems);
	free(r->blkio.wdev);
	for (int i = 0; i < RT_CG_THR_N; i++)
		free(r->blkio.thr[i]);
	for (size_t i = 0; i < r->n_huge; i++)
		free(r->huge[i].size);
	free(r->huge);
	for (size_t i = 0; i < r->net.n_prio; i++)
		free(r->net.prio[i].iface);
	free(r->net.prio);
	for (size_t i = 0; i < r->n_rdma; i++)
		free(r->rdma[i].dev);
	free(r->rdma);
	for (size_t i = 0; i < r->n_unified; i++) {
		free(r->unified[i].key);
		free(r->unified[i].val);
	}
	free(r->unified);
	free(r->dev);
	free(r);
}
