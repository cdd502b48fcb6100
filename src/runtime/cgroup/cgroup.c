/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's cgroups: paths in each hierarchy, creation (recording
 * exactly which directories were made), applying resources to the hierarchy
 * that holds each controller, entering processes and removal.
 */
#include "runtime/cgroup/cgroup-internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

static char *path_join(const char *a, const char *b)
{
	char *out = NULL;
	while (*b == '/')
		b++;
	size_t al = strlen(a);
	while (al > 1 && a[al - 1] == '/')
		al--;
	if (*b == '\0')
		return strndup(a, al);
	if (asprintf(&out, "%.*s/%s", (int)al, al == 1 && a[0] == '/' ? "" : a, b) < 0)
		return NULL;
	return out;
}

static void hier_clear(struct rt_cg_hier *h)
{
	free(h->mount);
	free(h->base);
	free(h->dir);
	free(h->name);
	brig_strv_free(h->created);
	memset(h, 0, sizeof(*h));
}

void rt_cgroup_free(struct rt_cgroup *cg)
{
	if (!cg)
		return;
	for (size_t i = 0; i < cg->n; i++)
		hier_clear(&cg->h[i]);
	free(cg->h);
	free(cg);
}

static int build_hier(struct rt_cg_hier *h, const struct rt_cg_mnt *m, const char *path,
		      struct brig_err *e)
{
	h->v2 = m->v2;
	h->ctls = m->ctls;
	h->mount = strdup(m->mount);
	h->base = path[0] == '/' ? strdup(m->mount) : path_join(m->mount, m->own);
	h->dir = h->base ? path_join(h->base, path) : NULL;
	h->created = calloc(1, sizeof(char *));
	if (m->name)
		h->name = strdup(m->name);
	if (!h->mount || !h->base || !h->dir || !h->created || (m->name && !h->name))
		return brig_err_set(e, -ENOMEM, "out of memory");
	return 0;
}

int rt_cg_build(const struct rt_cg_layout *l, const char *path, struct rt_cgroup **out,
		struct brig_err *e)
{
	struct rt_cgroup *cg = calloc(1, sizeof(*cg));
	if (!cg || !(cg->h = calloc(l->n ? l->n : 1, sizeof(*cg->h)))) {
		free(cg);
		return brig_err_set(e, -ENOMEM, "out of memory");
	}
	cg->layout = l->kind;
	cg->unified = -1;
	for (size_t i = 0; i < l->n; i++) {
		const struct rt_cg_mnt *m = &l->m[i];
		if (l->kind == RT_CGROUP_V2 && !m->v2)
			continue; /* named v1 leftovers beside a pure v2 host */
		if ((int)i == l->unified)
			cg->unified = (int)cg->n;
		int r = build_hier(&cg->h[cg->n++], m, path, e);
		if (r < 0) {
			rt_cgroup_free(cg);
			return r;
		}
	}
	*out = cg;
	return 0;
}

struct rt_cg_hier *rt_cg_v1_find(struct rt_cgroup *cg, enum rt_cg_ctl c)
{
	for (size_t i = 0; i < cg->n; i++)
		if (!cg->h[i].v2 && (cg->h[i].ctls & RT_CG_BIT(c)))
			return &cg->h[i];
	return NULL;
}

struct rt_cg_hier *rt_cg_unified(struct rt_cgroup *cg)
{
	return cg->unified >= 0 ? &cg->h[cg->unified] : NULL;
}

static int add_created(struct rt_cg_hier *h, const char *dir)
{
	size_t n = brig_strv_len(h->created);
	for (size_t i = 0; i < n; i++)
		if (strcmp(h->created[i], dir) == 0)
			return 0;
	char **nv = realloc(h->created, (n + 2) * sizeof(char *));
	if (!nv)
		return -ENOMEM;
	h->created = nv;
	if (!(nv[n] = strdup(dir)))
		return -ENOMEM;
	nv[n + 1] = NULL;
	return 0;
}

/* mkdir each component of h->dir below h->base; -ENOENT when a parent
 * vanished underneath us (another container's destroy), so retry. */
static int mkdir_walk(struct rt_cg_hier *h, struct brig_err *e)
{
	size_t bl = strlen(h->base);
	_cleanup_free_ char *buf = strdup(h->dir);
	if (!buf)
		return brig_err_set(e, -ENOMEM, "out of memory");
	char *p = buf + bl;
	while (*p == '/')
		p++;
	while (*p) {
		char *slash = strchr(p, '/');
		if (slash)
			*slash = '\0';
		if (mkdir(buf, 0755) == 0) {
			if (add_created(h, buf) < 0)
				return brig_err_set(e, -ENOMEM, "out of memory");
		} else if (errno == ENOENT) {
			return -ENOENT;
		} else if (errno != EEXIST) {
			return brig_err_sys(e, errno, "creating cgroup %s", buf);
		} else {
			struct stat st;
			if (stat(buf, &st) < 0 || !S_ISDIR(st.st_mode))
				return brig_err_set(e, -ENOTDIR, "cgroup %s: not a directory", buf);
		}
		if (!slash)
			break;
		*slash = '/';
		p = slash + 1;
	}
	return 0;
}

static int mkdir_hier(struct rt_cg_hier *h, struct brig_err *e)
{
	struct stat st;
	if (stat(h->base, &st) < 0)
		return brig_err_sys(e, errno, "cgroup %s", h->base);
	int r = -ENOENT;
	for (unsigned i = 0; i < 8 && r == -ENOENT; i++)
		r = mkdir_walk(h, e);
	if (r == -ENOENT)
		return brig_err_set(e, -ENOENT, "creating cgroup %s: parents keep vanishing",
				    h->dir);
	if (r < 0)
		return r;
	if (h->v2 || !(h->ctls & RT_CG_BIT(RT_CG_CPUSET)))
		return 0;
	for (char **c = h->created; *c; c++)
		if ((r = rt_cg_v1_cpuset_init(*c, e)) < 0)
			return r;
	return 0;
}

/* v2 controllers are enabled on the way down; v1-bound ones never. */
static int enable_v2(struct rt_cgroup *cg, const struct rt_cgroup_resources *r, struct brig_err *e)
{
	struct rt_cg_hier *u = rt_cg_unified(cg);
	if (!u)
		return 0;
	uint32_t v1 = 0;
	for (size_t i = 0; i < cg->n; i++)
		if (!cg->h[i].v2)
			v1 |= cg->h[i].ctls;
	uint32_t v2able = RT_CG_BIT(RT_CG_CPU) | RT_CG_BIT(RT_CG_CPUSET) | RT_CG_BIT(RT_CG_MEMORY) |
		RT_CG_BIT(RT_CG_BLKIO) | RT_CG_BIT(RT_CG_PIDS) | RT_CG_BIT(RT_CG_HUGETLB) |
		RT_CG_BIT(RT_CG_RDMA) | RT_CG_BIT(RT_CG_MISC);
	uint32_t need = (rt_cg_res_controllers(r) & v2able & ~v1) |
		(rt_cg_unified_controllers(r) & v2able);
	uint32_t optional = cg->layout == RT_CGROUP_V2
		? (RT_CG_BIT(RT_CG_MEMORY) | RT_CG_BIT(RT_CG_PIDS)) & ~need
		: 0;
	return rt_cg_v2_enable(u->base, u->dir, need, optional, e);
}

static int apply_limits(struct rt_cgroup *cg, const struct rt_cgroup_resources *r, bool update,
			bool devices, struct brig_err *e);

int rt_cg_create_in(const struct rt_cg_layout *l, const struct rt_cgroup_cfg *cfg,
		    struct rt_cgroup **out, struct brig_err *e)
{
	struct rt_cgroup *cg = NULL;
	int r = rt_cg_build(l, cfg->path, &cg, e);
	if (r < 0)
		return r;
	for (size_t i = 0; i < cg->n && r >= 0; i++)
		r = mkdir_hier(&cg->h[i], e);
	if (r >= 0)
		r = enable_v2(cg, cfg->res, e);
	if (r >= 0)
		r = apply_limits(cg, cfg->res, false, !cfg->defer_devices, e);
	if (r < 0) {
		_cleanup_err_ struct brig_err ignored = { 0 };
		(void)rt_cgroup_destroy(cg, &ignored);
		rt_cgroup_free(cg);
		return r;
	}
	*out = cg;
	return 0;
}

int rt_cgroup_create(const struct rt_cgroup_cfg *cfg, struct rt_cgroup **out, struct brig_err *e)
{
	struct rt_cg_layout l;
	int r = rt_cg_layout_read(&l, e);
	if (r < 0)
		return brig_err_wrap(e, "cgroup");
	r = rt_cg_create_in(&l, cfg, out, e);
	rt_cg_layout_clear(&l);
	return r;
}

int rt_cg_v2_controllers(const char *dir, uint32_t *mask, struct brig_err *e)
{
	struct rt_cg_dir d;
	int r = rt_cg_dir_open(&d, dir, e);
	if (r < 0)
		return r;
	_cleanup_free_ char *s = NULL;
	r = rt_cg_read(&d, "cgroup.controllers", &s, e);
	rt_cg_dir_close(&d);
	if (r < 0)
		return r;
	*mask = 0;
	for (char *p = s; *p;) {
		p += strspn(p, " \n");
		size_t len = strcspn(p, " \n");
		int c = len ? rt_cg_ctl_from_name(p, len) : -1;
		if (c >= 0)
			*mask |= RT_CG_BIT(c);
		p += len;
	}
	return 0;
}

/* What each controller is needed for, for error messages. */
static const char *ctl_field(enum rt_cg_ctl c)
{
	switch (c) {
	case RT_CG_MEMORY:
		return "memory";
	case RT_CG_CPU:
		return "cpu (shares/quota/period/burst/realtime/idle)";
	case RT_CG_CPUSET:
		return "cpu.cpus/cpu.mems";
	case RT_CG_PIDS:
		return "pids";
	case RT_CG_BLKIO:
		return "blockIO";
	case RT_CG_HUGETLB:
		return "hugepageLimits";
	case RT_CG_NET_CLS:
		return "network.classID";
	case RT_CG_NET_PRIO:
		return "network.priorities";
	case RT_CG_RDMA:
		return "rdma";
	default:
		return "unified";
	}
}

/* v1 rules are rewritten from "deny all": on a running container, freeze it
 * meanwhile so that no open() sees the gap (*thaw: thaw afterwards). */
static void freeze_for_devices(struct rt_cgroup *cg, bool *thaw)
{
	_cleanup_err_ struct brig_err e = { 0 };
	bool frozen = true;
	*thaw = false;
	if (!rt_cg_v1_find(cg, RT_CG_FREEZER) && !rt_cg_unified(cg))
		return;
	if (rt_cgroup_is_frozen(cg, &frozen, &e) < 0 || frozen)
		return;
	if (rt_cgroup_freeze(cg, true, &e) < 0)
		brig_warn("updating devices without freezing: %s", brig_err_str(&e));
	else
		*thaw = true;
}

/* Devices: v1 devices controller, else the v2 eBPF filter. */
static int apply_devices(struct rt_cgroup *cg, const struct rt_cgroup_resources *r, bool update,
			 struct brig_err *e)
{
	if (update && !r->devices_set)
		return 0;
	struct rt_cg_hier *h = rt_cg_v1_find(cg, RT_CG_DEVICES);
	if (!h)
		h = rt_cg_unified(cg);
	if (!h && !r->devices_set) {
		brig_warn("no devices cgroup controller and no cgroup v2 hierarchy: "
			  "device access is not restricted");
		return 0;
	}
	if (!h)
		return brig_err_set(e, -ENODEV,
				    "linux.resources.devices: no devices cgroup "
				    "controller and no cgroup v2 hierarchy on this host");
	_cleanup_free_ struct rt_cg_devrule *rules = NULL;
	size_t n = 0;
	int ret = rt_cg_dev_effective(r, &rules, &n, e);
	if (ret < 0)
		return ret;
	struct rt_cg_dir d;
	if ((ret = rt_cg_dir_open(&d, h->dir, e)) < 0)
		return ret;
	bool thaw = false;
	if (h->v2) {
		ret = rt_cg_bpf_devices(d.fd, h->dir, rules, n, e);
	} else {
		if (update)
			freeze_for_devices(cg, &thaw);
		ret = rt_cg_v1_devices(&d, rules, n, e);
	}
	rt_cg_dir_close(&d);
	if (thaw) {
		_cleanup_err_ struct brig_err e2 = { 0 };
		if (rt_cgroup_freeze(cg, false, &e2) < 0 && ret >= 0)
			ret = brig_err_set(e, e2.code, "%s", brig_err_str(&e2));
	}
	return ret < 0 ? brig_err_wrap(e, "linux.resources.devices") : 0;
}

static int check_available(const struct rt_cgroup *cg, uint32_t need, uint32_t have,
			   struct brig_err *e)
{
	for (int c = 0; c < RT_CG_NCTL; c++) {
		if (!(need & RT_CG_BIT(c)) || (have & RT_CG_BIT(c)))
			continue;
		const char *name = rt_cg_ctl_name((enum rt_cg_ctl)c, cg->layout == RT_CGROUP_V2);
		return brig_err_set(e, -ENOTSUP,
				    "linux.resources.%s: cgroup controller '%s' "
				    "is not available on this host",
				    ctl_field((enum rt_cg_ctl)c), name);
	}
	return 0;
}

int rt_cg_apply(struct rt_cgroup *cg, const struct rt_cgroup_resources *r, bool update,
		struct brig_err *e)
{
	return apply_limits(cg, r, update, true, e);
}

int rt_cgroup_apply_devices(struct rt_cgroup *cg, const struct rt_cgroup_cfg *cfg,
			    struct brig_err *e)
{
	return apply_devices(cg, cfg->res, false, e);
}

void rt_cgroup_cfg_defer_devices(struct rt_cgroup_cfg *cfg)
{
	cfg->defer_devices = true;
}

static int apply_limits(struct rt_cgroup *cg, const struct rt_cgroup_resources *r, bool update,
			bool devices, struct brig_err *e)
{
	uint32_t need = rt_cg_res_controllers(r), v1 = 0, v2 = 0;
	for (size_t i = 0; i < cg->n; i++)
		if (!cg->h[i].v2)
			v1 |= cg->h[i].ctls;
	struct rt_cg_hier *u = rt_cg_unified(cg);
	int ret;
	if (r->n_unified && !u)
		return brig_err_set(e, -ENOTSUP,
				    "linux.resources.unified: this host has "
				    "no cgroup v2 hierarchy (cgroup v1 only)");
	if (u && (need & ~v1) && (ret = rt_cg_v2_controllers(u->dir, &v2, e)) < 0)
		return ret;
	if ((ret = check_available(cg, need, v1 | v2, e)) < 0)
		return ret;
	if ((ret = rt_cg_v1_apply(cg, r, update, need & v1, e)) < 0)
		return ret;
	if (u && (ret = rt_cg_v2_apply(cg, r, update, need & ~v1, e)) < 0)
		return ret;
	return devices ? apply_devices(cg, r, update, e) : 0;
}

int rt_cgroup_update(struct rt_cgroup *cg, const struct rt_cgroup_resources *res,
		     struct brig_err *e)
{
	int r = enable_v2(cg, res, e);
	if (r >= 0)
		r = rt_cg_apply(cg, res, true, e);
	return r;
}

int rt_cgroup_enter(struct rt_cgroup *cg, pid_t pid, struct brig_err *e)
{
	return rt_cgroup_enter_rest(cg, pid, 0, false, e);
}

int rt_cgroup_clone_fd(struct rt_cgroup *cg, int *fd, struct brig_err *e)
{
	struct rt_cg_hier *u = rt_cg_unified(cg);
	*fd = -1;
	if (!u)
		return 0;
	*fd = BRIG_RETRY(open(u->dir, O_PATH | O_DIRECTORY | O_CLOEXEC));
	return *fd >= 0 ? 0 : brig_err_sys(e, errno, "opening cgroup %s", u->dir);
}

int rt_cgroup_self_open(struct rt_cgroup *cg, int *fds, size_t max, size_t *n, struct brig_err *e)
{
	*n = 0;
	for (size_t i = 0; i < cg->n && *n < max; i++) {
		if (cg->h[i].v2)
			continue;
		struct rt_cg_dir d;
		int r = rt_cg_dir_open(&d, cg->h[i].dir, e);
		if (r < 0)
			goto fail;
		fds[*n] = BRIG_RETRY(
			openat(d.fd, "tasks", O_WRONLY | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC));
		r = fds[*n] < 0 ? brig_err_sys(e, errno, "opening %s/tasks", d.path) : 0;
		rt_cg_dir_close(&d);
		if (r < 0)
			goto fail;
		(*n)++;
	}
	return 0;
fail:
	while (*n > 0)
		(void)close(fds[--*n]);
	return e->code;
}

int rt_cgroup_self_enter(int *fds, size_t n, struct brig_err *e)
{
	int r = 0;
	for (size_t i = 0; i < n; i++) {
		if (r == 0 && BRIG_RETRY(write(fds[i], "0", 1)) != 1)
			r = brig_err_sys(e, errno, "moving the container's init into its cgroup");
		(void)close(fds[i]);
		fds[i] = -1;
	}
	return r;
}

int rt_cgroup_enter_rest(struct rt_cgroup *cg, pid_t pid, size_t n_self, bool v2_done,
			 struct brig_err *e)
{
	if (pid <= 0)
		return brig_err_set(e, -EINVAL, "cgroup: bad pid %d", (int)pid);
	for (size_t i = 0, v1 = 0; i < cg->n; i++) {
		if (!cg->h[i].v2 && v1++ < n_self)
			continue; /* the process moved itself there */
		if (cg->h[i].v2 && v2_done)
			continue; /* cloned into it (CLONE_INTO_CGROUP) */
		struct rt_cg_dir d;
		int r = rt_cg_dir_open(&d, cg->h[i].dir, e);
		if (r < 0)
			return r;
		r = rt_cg_writef(&d, "cgroup.procs", e, "%d", (int)pid);
		rt_cg_dir_close(&d);
		if (r < 0)
			return brig_err_wrap(e, "moving process %d into its cgroup", (int)pid);
	}
	return 0;
}

/* rmdir, waiting a little while the last tasks finish exiting. */
static int rmdir_wait(int dfd, const char *name, const char *path, struct brig_err *e)
{
	for (unsigned i = 0;; i++) {
		if (unlinkat(dfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY || i >= 250)
			return brig_err_sys(e, errno, "removing cgroup %s", path);
		rt_cg_backoff(i);
	}
}

/* Remove the sub-cgroups of dirfd (made by the container), deepest first. */
static int remove_children(int dirfd, const char *path, unsigned depth, struct brig_err *e)
{
	if (depth > 64)
		return brig_err_set(e, -ELOOP, "cgroup %s: nested too deep", path);
	int fd = BRIG_RETRY(openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (fd < 0)
		return brig_err_sys(e, errno, "opening cgroup %s", path);
	DIR *dir = fdopendir(fd);
	if (!dir) {
		(void)close(fd);
		return brig_err_sys(e, errno, "reading cgroup %s", path);
	}
	int r = 0;
	struct dirent *de;
	while (r >= 0 && (de = readdir(dir))) {
		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		_cleanup_free_ char *sub = path_join(path, de->d_name);
		_cleanup_close_ int sfd = BRIG_RETRY(
			openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
		if (!sub)
			r = brig_err_set(e, -ENOMEM, "out of memory");
		else if (sfd < 0)
			r = errno == ENOENT ? 0 : brig_err_sys(e, errno, "opening cgroup %s", sub);
		else if ((r = remove_children(sfd, sub, depth + 1, e)) >= 0)
			r = rmdir_wait(dirfd, de->d_name, sub, e);
	}
	closedir(dir);
	return r;
}

static int destroy_hier(struct rt_cg_hier *h, struct brig_err *e)
{
	size_t n = brig_strv_len(h->created);
	int r = 0;
	for (size_t i = n; i-- > 0;) {
		const char *p = h->created[i];
		if (strcmp(p, h->dir) == 0) {
			/* Mostly the container made no sub-cgroups and its
			 * tasks are gone: one rmdir, no walk. */
			if (unlinkat(AT_FDCWD, p, AT_REMOVEDIR) == 0 || errno == ENOENT)
				continue;
			_cleanup_close_ int fd = BRIG_RETRY(
				open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
			if (fd < 0 && errno != ENOENT)
				return brig_err_sys(e, errno, "opening cgroup %s", p);
			if (fd >= 0 && (r = remove_children(fd, p, 0, e)) < 0)
				return r;
			if ((r = rmdir_wait(AT_FDCWD, p, p, e)) < 0)
				return r;
		} else if (rmdir(p) < 0 && errno != ENOENT && errno != EBUSY &&
			   errno != ENOTEMPTY && errno != EEXIST) {
			return brig_err_sys(e, errno, "removing cgroup %s", p);
		}
	}
	return 0;
}

int rt_cgroup_destroy(struct rt_cgroup *cg, struct brig_err *e)
{
	int first = 0;
	for (size_t i = 0; i < cg->n; i++) {
		_cleanup_err_ struct brig_err e2 = { 0 };
		int r = destroy_hier(&cg->h[i], &e2);
		if (r < 0 && first == 0) {
			first = r;
			brig_err_set(e, r, "%s", brig_err_str(&e2));
		} else if (r < 0) {
			brig_warn("%s", brig_err_str(&e2));
		}
	}
	return first;
}

const char *rt_cgroup_ns_path(const struct rt_cgroup *cg)
{
	if (cg->unified >= 0)
		return cg->h[cg->unified].dir;
	return cg->n ? cg->h[0].dir : NULL;
}

enum rt_cgroup_layout rt_cgroup_layout_of(const struct rt_cgroup *cg)
{
	return cg->layout;
}

void rt_cgroup_features(json_t *linux_features)
{
	/* --systemd-cgroup maps slice:prefix:name to the path systemd would
	 * use, but makes no transient unit over D-Bus: not the systemd driver
	 * a caller asking this means. */
	json_t *c = json_pack("{s:b,s:b,s:b,s:b,s:b}", "v1", 1, "v2", 1, "systemd", 0,
			      "systemdUser", 0, "rdma", 1);
	if (c)
		(void)json_object_set_new(linux_features, "cgroup", c);
}
