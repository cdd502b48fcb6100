/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.cgroupsPath (plain or systemd "slice:prefix:name"), the effective
 * device rules and the controllers a resources object needs.
 */
#include "runtime/cgroup/cgroup-internal.h"

#include <limits.h>
#include <string.h>

int rt_cg_path_check(const char *path, const struct bj_loc *at, struct brig_err *e)
{
	size_t len = strlen(path);
	if (len == 0)
		return bj_fail(e, at, "empty path");
	if (len > RT_CG_PATH_MAX)
		return bj_fail(e, at, "longer than %d characters", RT_CG_PATH_MAX);
	const char *p = path[0] == '/' ? path + 1 : path;
	if (*p == '\0')
		return bj_fail(e, at, "'/' would be the root of every hierarchy");
	while (*p) {
		size_t cl = strcspn(p, "/");
		if (cl == 0)
			return bj_fail(e, at, "'%s' has an empty component", path);
		if ((cl == 1 && p[0] == '.') || (cl == 2 && p[0] == '.' && p[1] == '.'))
			return bj_fail(e, at, "'%s' has a '.' or '..' component", path);
		if (cl > NAME_MAX)
			return bj_fail(e, at, "a component of '%.64s...' is longer than %d", path,
				       NAME_MAX);
		for (size_t i = 0; i < cl; i++)
			if ((unsigned char)p[i] < ' ' || p[i] == 0x7f)
				return bj_fail(e, at, "contains a control character");
		p += cl;
		if (*p == '/' && p[1] == '\0')
			return bj_fail(e, at, "'%s' has an empty component", path);
		if (*p == '/')
			p++;
	}
	return 0;
}

/* Valid systemd unit name characters. */
static bool unit_chars_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == ':' || c == '-' || c == '_' || c == '.' || c == '\\' || c == '@'))
			return false;
	}
	return true;
}

/* "a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice" appended to buf. */
static int expand_slice(const char *slice, char *buf, size_t size)
{
	size_t n = strlen(slice), used = strlen(buf);
	if (strcmp(slice, "-.slice") == 0)
		return 0;
	if (n < 7 || strcmp(slice + n - 6, ".slice") != 0 || strchr(slice, '/') ||
	    !unit_chars_ok(slice, n))
		return -EINVAL;
	size_t stem = n - 6;
	if (slice[0] == '-' || slice[stem - 1] == '-')
		return -EINVAL;
	for (size_t i = 0; i <= stem; i++) {
		if (i < stem && slice[i] != '-')
			continue;
		if (i < stem && slice[i + 1] == '-')
			return -EINVAL;
		int w = snprintf(buf + used, size - used, "/%.*s.slice", (int)i, slice);
		if (w < 0 || (size_t)w >= size - used)
			return -ENAMETOOLONG;
		used += (size_t)w;
	}
	return 0;
}

int rt_cg_systemd_path(const char *spec, const char *id, const struct bj_loc *at, char **out,
		       struct brig_err *e)
{
	char slice[256] = "", prefix[256] = "brig", name[256] = "";
	char buf[RT_CG_PATH_MAX + 1] = "";
	if (!spec) {
		if (brig_snprintf(name, sizeof(name), "%s", id) < 0)
			return bj_fail(e, at, "container id too long");
	} else {
		const char *c1 = strchr(spec, ':');
		const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2 || strchr(c2 + 1, ':'))
			return bj_fail(e, at,
				       "'%.64s' is not \"slice:prefix:name\" (--systemd-cgroup)",
				       spec);
		if (brig_snprintf(slice, sizeof(slice), "%.*s", (int)(c1 - spec), spec) < 0 ||
		    brig_snprintf(prefix, sizeof(prefix), "%.*s", (int)(c2 - c1 - 1), c1 + 1) < 0 ||
		    brig_snprintf(name, sizeof(name), "%s", c2 + 1) < 0)
			return bj_fail(e, at, "a part of '%.64s...' is too long", spec);
	}
	if (expand_slice(slice[0] ? slice : "system.slice", buf, sizeof(buf)) < 0)
		return bj_fail(e, at, "'%.64s' is not a valid systemd slice name", slice);
	size_t nl = strlen(name), used = strlen(buf);
	if (nl == 0 || !unit_chars_ok(name, nl) || !unit_chars_ok(prefix, strlen(prefix)))
		return bj_fail(e, at, "'%.64s' is not a valid systemd unit name", name);
	int w;
	if (nl > 6 && strcmp(name + nl - 6, ".slice") == 0)
		w = snprintf(buf + used, sizeof(buf) - used, "/%s", name);
	else if (prefix[0])
		w = snprintf(buf + used, sizeof(buf) - used, "/%s-%s.scope", prefix, name);
	else
		w = snprintf(buf + used, sizeof(buf) - used, "/%s.scope", name);
	if (w < 0 || (size_t)w >= sizeof(buf) - used)
		return bj_fail(e, at, "longer than %d characters", RT_CG_PATH_MAX);
	*out = strdup(buf);
	return *out ? 0 : brig_err_set(e, -ENOMEM, "out of memory");
}

static int cfg_path(const json_t *linux_obj, const struct bj_loc *at, const char *id, bool systemd,
		    struct rt_cgroup_cfg *cfg, struct brig_err *e)
{
	const char *path = NULL;
	struct bj_loc sub;
	bj_key(&sub, at, "cgroupsPath");
	if (linux_obj && !json_is_null(json_object_get(linux_obj, "cgroupsPath"))) {
		int r = bj_get_str(linux_obj, at, "cgroupsPath", false, &path, e);
		if (r < 0)
			return r;
	}
	if (systemd) {
		if (access("/run/systemd/system", F_OK) < 0)
			return brig_err_set(
				e, -ENOTSUP,
				"--systemd-cgroup: systemd is not running on this host "
				"(no /run/systemd/system); run without --systemd-cgroup");
		int r = rt_cg_systemd_path(path, id, &sub, &cfg->path, e);
		if (r < 0)
			return r;
	} else {
		char buf[RT_CG_PATH_MAX + 2];
		if (!path) {
			if (brig_snprintf(buf, sizeof(buf), "brig/%s", id) < 0)
				return bj_fail(e, &sub, "container id too long");
			path = buf;
		}
		cfg->path = strdup(path);
		if (!cfg->path)
			return brig_err_set(e, -ENOMEM, "out of memory");
	}
	return rt_cg_path_check(cfg->path, &sub, e);
}

int rt_cgroup_cfg_parse(const json_t *linux_obj, const struct bj_loc *at, const char *id,
			bool systemd, struct rt_cgroup_cfg **out, struct brig_err *e)
{
	if (linux_obj) {
		int r = bj_expect(linux_obj, at, JSON_OBJECT, e);
		if (r < 0)
			return r;
	}
	if (!id || !*id)
		return brig_err_set(e, -EINVAL, "cgroup: empty container id");
	struct rt_cgroup_cfg *cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return brig_err_set(e, -ENOMEM, "out of memory");
	cfg->systemd = systemd;
	int r = cfg_path(linux_obj, at, id, systemd, cfg, e);
	if (r >= 0) {
		json_t *res = linux_obj ? json_object_get(linux_obj, "resources") : NULL;
		struct bj_loc sub;
		bj_key(&sub, at, "resources");
		cfg->limits = json_is_object(res) && json_object_size(res) > 0;
		r = rt_cgroup_resources_parse(json_is_null(res) ? NULL : res, &sub, &cfg->res, e);
	}
	if (r < 0) {
		rt_cgroup_cfg_free(cfg);
		return r;
	}
	*out = cfg;
	return 0;
}

void rt_cgroup_cfg_free(struct rt_cgroup_cfg *cfg)
{
	if (!cfg)
		return;
	free(cfg->path);
	rt_cgroup_resources_free(cfg->res);
	free(cfg);
}

bool rt_cgroup_cfg_optional(const struct rt_cgroup_cfg *cfg, int err)
{
	return geteuid() != 0 && !cfg->limits && (err == -EACCES || err == -EPERM || err == -EROFS);
}

const char *rt_cgroup_cfg_path(const struct rt_cgroup_cfg *cfg)
{
	return cfg->path;
}

const struct rt_cgroup_resources *rt_cgroup_cfg_resources(const struct rt_cgroup_cfg *cfg)
{
	return cfg->res;
}

/* Devices every container needs (config-linux.md "Default Devices" plus the
 * console and pseudo-terminals), after runc's mknod-only rules for every
 * node: creating a node (CAP_MKNOD still needed) and access(F_OK) of a bound
 * one work, opening stays denied unless a rule allows r or w. */
static const struct rt_cg_devrule default_devices[] = {
	{ true, 'c', -1, -1, RT_CG_ACC_MKNOD }, /* c *:* m */
	{ true, 'b', -1, -1, RT_CG_ACC_MKNOD }, /* b *:* m */
	{ true, 'c', 1, 3, RT_CG_ACC_ALL }, /* /dev/null */
	{ true, 'c', 1, 5, RT_CG_ACC_ALL }, /* /dev/zero */
	{ true, 'c', 1, 7, RT_CG_ACC_ALL }, /* /dev/full */
	{ true, 'c', 1, 8, RT_CG_ACC_ALL }, /* /dev/random */
	{ true, 'c', 1, 9, RT_CG_ACC_ALL }, /* /dev/urandom */
	{ true, 'c', 5, 0, RT_CG_ACC_ALL }, /* /dev/tty */
	{ true, 'c', 5, 1, RT_CG_ACC_ALL }, /* /dev/console */
	{ true, 'c', 5, 2, RT_CG_ACC_ALL }, /* /dev/ptmx */
	{ true, 'c', 136, -1, RT_CG_ACC_ALL }, /* /dev/pts/N */
};

static bool is_deny_all(const struct rt_cg_devrule *d)
{
	return !d->allow && d->type == 'a' && d->major == -1 && d->minor == -1 &&
		d->access == RT_CG_ACC_ALL;
}

int rt_cg_dev_effective(const struct rt_cgroup_resources *r, struct rt_cg_devrule **out, size_t *n,
			struct brig_err *e)
{
	size_t from = 0;
	for (size_t i = 0; i < r->n_dev; i++)
		if (is_deny_all(&r->dev[i]))
			from = i + 1;
	size_t nd = BRIG_ARRAY_SIZE(default_devices);
	size_t total = 1 + nd + (r->n_dev - from);
	struct rt_cg_devrule *v = calloc(total, sizeof(*v));
	if (!v)
		return brig_err_set(e, -ENOMEM, "out of memory");
	v[0] = (struct rt_cg_devrule){ false, 'a', -1, -1, RT_CG_ACC_ALL };
	memcpy(v + 1, default_devices, sizeof(default_devices));
	if (r->n_dev > from)
		memcpy(v + 1 + nd, r->dev + from, (r->n_dev - from) * sizeof(*v));
	*out = v;
	*n = total;
	return 0;
}

uint32_t rt_cg_res_controllers(const struct rt_cgroup_resources *r)
{
	uint32_t m = 0;
	if (r->mem.limit.set || r->mem.reservation.set || r->mem.swap.set ||
	    r->mem.swappiness.set || r->mem.disable_oom.set || r->mem.use_hierarchy.set)
		m |= RT_CG_BIT(RT_CG_MEMORY);
	if (r->cpu.shares.set || r->cpu.quota.set || r->cpu.burst.set || r->cpu.period.set ||
	    r->cpu.rt_runtime.set || r->cpu.rt_period.set || r->cpu.idle.set)
		m |= RT_CG_BIT(RT_CG_CPU);
	if (r->cpu.cpus || r->cpu.mems)
		m |= RT_CG_BIT(RT_CG_CPUSET);
	if (r->pids_limit.set)
		m |= RT_CG_BIT(RT_CG_PIDS);
	bool thr = false;
	for (int i = 0; i < RT_CG_THR_N; i++)
		thr |= r->blkio.n_thr[i] > 0;
	if (r->blkio.weight.set || r->blkio.leaf_weight.set || r->blkio.n_wdev || thr)
		m |= RT_CG_BIT(RT_CG_BLKIO);
	if (r->n_huge)
		m |= RT_CG_BIT(RT_CG_HUGETLB);
	if (r->net.classid.set)
		m |= RT_CG_BIT(RT_CG_NET_CLS);
	if (r->net.n_prio)
		m |= RT_CG_BIT(RT_CG_NET_PRIO);
	if (r->n_rdma)
		m |= RT_CG_BIT(RT_CG_RDMA);
	return m;
}

uint32_t rt_cg_unified_controllers(const struct rt_cgroup_resources *r)
{
	uint32_t m = 0;
	for (size_t i = 0; i < r->n_unified; i++) {
		const char *k = r->unified[i].key;
		int c = rt_cg_ctl_from_name(k, strcspn(k, "."));
		if (c >= 0)
			m |= RT_CG_BIT(c);
	}
	return m;
}
