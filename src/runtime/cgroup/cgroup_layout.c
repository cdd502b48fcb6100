/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Layout discovery: which cgroup hierarchies are mounted where (from
 * /proc/self/mountinfo) and where the calling process sits in each of them
 * (from /proc/self/cgroup).  Works on texts so tests can feed fake hosts.
 */
#include "runtime/cgroup/cgroup-internal.h"

#include <fcntl.h>
#include <string.h>

static const char *const ctl_v1[RT_CG_NCTL] = {
	[RT_CG_CPU] = "cpu",         [RT_CG_CPUACCT] = "cpuacct",
	[RT_CG_CPUSET] = "cpuset",   [RT_CG_MEMORY] = "memory",
	[RT_CG_DEVICES] = "devices", [RT_CG_FREEZER] = "freezer",
	[RT_CG_NET_CLS] = "net_cls", [RT_CG_NET_PRIO] = "net_prio",
	[RT_CG_BLKIO] = "blkio",     [RT_CG_PERF_EVENT] = "perf_event",
	[RT_CG_HUGETLB] = "hugetlb", [RT_CG_PIDS] = "pids",
	[RT_CG_RDMA] = "rdma",       [RT_CG_MISC] = "misc",
};

const char *rt_cg_ctl_name(enum rt_cg_ctl c, bool v2)
{
	if ((unsigned)c >= RT_CG_NCTL)
		return "?";
	if (v2 && c == RT_CG_BLKIO)
		return "io";
	return ctl_v1[c];
}

int rt_cg_ctl_from_name(const char *name, size_t len)
{
	if (len == 2 && memcmp(name, "io", 2) == 0)
		return RT_CG_BLKIO;
	for (int i = 0; i < RT_CG_NCTL; i++)
		if (strlen(ctl_v1[i]) == len && memcmp(ctl_v1[i], name, len) == 0)
			return i;
	return -1;
}

void rt_cg_unescape(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)(((r[1] - '0') << 6) | ((r[2] - '0') << 3) | (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

void rt_cg_layout_clear(struct rt_cg_layout *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->m[i].mount);
		free(l->m[i].root);
		free(l->m[i].own);
		free(l->m[i].name);
	}
	free(l->m);
	memset(l, 0, sizeof(*l));
	l->unified = -1;
}

/* Split s in place at single spaces into at most max fields. */
static size_t split_fields(char *s, char **f, size_t max)
{
	size_t n = 0;
	char *save = NULL;
	for (char *t = strtok_r(s, " ", &save); t && n < max; t = strtok_r(NULL, " ", &save))
		f[n++] = t;
	return n;
}

/* v1 super options -> controller mask and optional "name=". */
static int v1_options(const char *opts, uint32_t *ctls, char **name)
{
	*ctls = 0;
	*name = NULL;
	const char *p = opts;
	while (*p) {
		size_t len = strcspn(p, ",");
		int c = rt_cg_ctl_from_name(p, len);
		if (c >= 0)
			*ctls |= RT_CG_BIT(c);
		else if (len > 5 && memcmp(p, "name=", 5) == 0 && !*name) {
			*name = strndup(p + 5, len - 5);
			if (!*name)
				return -ENOMEM;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

/* Rank of a cgroup2 mount point: lower is preferred. */
static int v2_rank(const char *mnt)
{
	if (strcmp(mnt, "/sys/fs/cgroup") == 0)
		return 0;
	if (strcmp(mnt, "/sys/fs/cgroup/unified") == 0)
		return 1;
	return 2;
}

static int add_mount(struct rt_cg_layout *l, const char *mnt, const char *root, bool v2,
		     uint32_t ctls, char *name, struct brig_err *e)
{
	if (l->n >= RT_CG_HIER_MAX) {
		free(name);
		return brig_err_set(e, -E2BIG, "more than %d cgroup hierarchies", RT_CG_HIER_MAX);
	}
	struct rt_cg_mnt *nm = realloc(l->m, (l->n + 1) * sizeof(*nm));
	if (!nm) {
		free(name);
		return brig_err_set(e, -ENOMEM, "out of memory");
	}
	l->m = nm;
	struct rt_cg_mnt *m = &l->m[l->n];
	memset(m, 0, sizeof(*m));
	m->name = name;
	m->mount = strdup(mnt);
	m->root = strdup(root);
	m->v2 = v2;
	m->ctls = ctls;
	l->n++;
	if (!m->mount || !m->root)
		return brig_err_set(e, -ENOMEM, "out of memory");
	return 0;
}

/* The v1 hierarchy already seen with these controllers or name (bind mounts
 * show a hierarchy several times), else NULL. */
static struct rt_cg_mnt *v1_seen(struct rt_cg_layout *l, uint32_t ctls, const char *name)
{
	for (size_t i = 0; i < l->n; i++) {
		struct rt_cg_mnt *m = &l->m[i];
		if (m->v2)
			continue;
		if (ctls && (m->ctls & ctls))
			return m;
		if (!ctls && name && m->name && strcmp(m->name, name) == 0)
			return m;
	}
	return NULL;
}

/* Prefer the mount beneath /sys/fs/cgroup when a hierarchy shows twice. */
static int v1_prefer(struct rt_cg_mnt *m, const char *mnt, const char *root, struct brig_err *e)
{
	static const char std[] = "/sys/fs/cgroup/";
	if (strncmp(m->mount, std, sizeof(std) - 1) == 0 || strncmp(mnt, std, sizeof(std) - 1) != 0)
		return 0;
	char *nm = strdup(mnt), *nr = strdup(root);
	if (!nm || !nr) {
		free(nm);
		free(nr);
		return brig_err_set(e, -ENOMEM, "out of memory");
	}
	free(m->mount);
	free(m->root);
	m->mount = nm;
	m->root = nr;
	return 0;
}

static int mountinfo_line(struct rt_cg_layout *l, char *line, struct brig_err *e)
{
	char *f[64];
	size_t n = split_fields(line, f, BRIG_ARRAY_SIZE(f));
	size_t dash = 6;
	while (dash < n && strcmp(f[dash], "-") != 0)
		dash++;
	if (dash + 3 >= n)
		return 0; /* malformed: ignore */
	const char *fstype = f[dash + 1], *opts = f[dash + 3];
	char *root = f[3], *mnt = f[4];
	bool v2 = strcmp(fstype, "cgroup2") == 0;
	if (!v2 && strcmp(fstype, "cgroup") != 0)
		return 0;
	rt_cg_unescape(root);
	rt_cg_unescape(mnt);
	if (mnt[0] != '/' || root[0] != '/')
		return 0;
	if (v2) {
		if (l->unified >= 0) {
			struct rt_cg_mnt *u = &l->m[l->unified];
			if (v2_rank(mnt) >= v2_rank(u->mount))
				return 0;
			char *nmnt = strdup(mnt), *nroot = strdup(root);
			if (!nmnt || !nroot) {
				free(nmnt);
				free(nroot);
				return brig_err_set(e, -ENOMEM, "out of memory");
			}
			free(u->mount);
			free(u->root);
			u->mount = nmnt;
			u->root = nroot;
			return 0;
		}
		l->unified = (int)l->n;
		return add_mount(l, mnt, root, true, 0, NULL, e);
	}
	uint32_t ctls;
	char *name;
	if (v1_options(opts, &ctls, &name) < 0)
		return brig_err_set(e, -ENOMEM, "out of memory");
	struct rt_cg_mnt *seen = (ctls || name) ? v1_seen(l, ctls, name) : NULL;
	if (!ctls && !name)
		return 0;
	if (seen) {
		free(name);
		return v1_prefer(seen, mnt, root, e);
	}
	return add_mount(l, mnt, root, false, ctls, name, e);
}

/* Whether the controller list of a /proc/self/cgroup line names m. */
static bool cgline_matches(const struct rt_cg_mnt *m, const char *list)
{
	if (m->v2)
		return *list == '\0';
	const char *p = list;
	while (*p) {
		size_t len = strcspn(p, ",");
		if (len > 5 && memcmp(p, "name=", 5) == 0) {
			if (m->name && strlen(m->name) == len - 5 &&
			    memcmp(m->name, p + 5, len - 5) == 0)
				return true;
		} else {
			int c = rt_cg_ctl_from_name(p, len);
			if (c >= 0 && (m->ctls & RT_CG_BIT(c)))
				return true;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return false;
}

/* The process's cgroup path as seen beneath the mount (strip its root). */
static char *own_beneath(const char *cgpath, const char *root)
{
	size_t rl = strlen(root);
	if (strcmp(root, "/") != 0 && strncmp(cgpath, root, rl) == 0 &&
	    (cgpath[rl] == '\0' || cgpath[rl] == '/'))
		cgpath += rl;
	if (*cgpath == '\0')
		cgpath = "/";
	return strdup(cgpath);
}

static int assign_own(struct rt_cg_layout *l, char *cgtext, struct brig_err *e)
{
	char *save = NULL;
	for (char *line = strtok_r(cgtext, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2 || c2[1] != '/')
			continue;
		*c2 = '\0';
		const char *list = c1 + 1, *path = c2 + 1;
		bool v2line = strncmp(line, "0:", 2) == 0 && *list == '\0';
		for (size_t i = 0; i < l->n; i++) {
			struct rt_cg_mnt *m = &l->m[i];
			if (m->own || m->v2 != v2line || !cgline_matches(m, list))
				continue;
			m->own = own_beneath(path, m->root);
			if (!m->own)
				return brig_err_set(e, -ENOMEM, "out of memory");
		}
	}
	for (size_t i = 0; i < l->n; i++)
		if (!l->m[i].own && !(l->m[i].own = strdup("/")))
			return brig_err_set(e, -ENOMEM, "out of memory");
	return 0;
}

static void set_kind(struct rt_cg_layout *l)
{
	bool v1 = false;
	for (size_t i = 0; i < l->n; i++)
		if (!l->m[i].v2 && l->m[i].ctls)
			v1 = true;
	if (l->unified >= 0)
		l->kind = v1 ? RT_CGROUP_HYBRID : RT_CGROUP_V2;
	else
		l->kind = RT_CGROUP_V1;
}

int rt_cg_layout_parse(const char *mountinfo, const char *self_cgroup, struct rt_cg_layout *out,
		       struct brig_err *e)
{
	struct rt_cg_layout l = { .unified = -1 };
	_cleanup_free_ char *mi = strdup(mountinfo);
	_cleanup_free_ char *cg = strdup(self_cgroup);
	if (!mi || !cg)
		return brig_err_set(e, -ENOMEM, "out of memory");
	char *save = NULL;
	int r = 0;
	for (char *line = strtok_r(mi, "\n", &save); line && r >= 0;
	     line = strtok_r(NULL, "\n", &save))
		r = mountinfo_line(&l, line, e);
	if (r >= 0 && l.n == 0)
		r = brig_err_set(e, -ENOENT, "no cgroup filesystem is mounted");
	if (r >= 0)
		r = assign_own(&l, cg, e);
	if (r < 0) {
		rt_cg_layout_clear(&l);
		return r;
	}
	set_kind(&l);
	*out = l;
	return 0;
}

int rt_cg_layout_read(struct rt_cg_layout *out, struct brig_err *e)
{
	_cleanup_free_ char *mi = NULL, *cg = NULL;
	int r = brig_read_file(AT_FDCWD, "/proc/self/mountinfo", RT_CG_PROC_MAX, &mi, NULL, e);
	if (r < 0)
		return r;
	r = brig_read_file(AT_FDCWD, "/proc/self/cgroup", RT_CG_PROC_MAX, &cg, NULL, e);
	if (r < 0)
		return r;
	return rt_cg_layout_parse(mi, cg, out, e);
}

int rt_cgroup_host_layout(enum rt_cgroup_layout *out, struct brig_err *e)
{
	struct rt_cg_layout l;
	int r = rt_cg_layout_read(&l, e);
	if (r < 0)
		return r;
	*out = l.kind;
	rt_cg_layout_clear(&l);
	return 0;
}

uint64_t rt_cgroup_shares_to_weight(uint64_t shares)
{
	if (shares == 0)
		return 0;
	if (shares < 2)
		shares = 2;
	if (shares > 262144)
		shares = 262144;
	return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t rt_cgroup_blkio_to_io_weight(uint64_t weight)
{
	if (weight == 0)
		return 0;
	if (weight < 10)
		weight = 10;
	if (weight > 1000)
		weight = 1000;
	return 1 + ((weight - 10) * 9999) / 990;
}
