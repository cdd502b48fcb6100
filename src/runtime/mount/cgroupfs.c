/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cgroup file systems inside the container.
 *
 * A unified (cgroup2-only) host gets one cgroup2 mount at the destination.
 * A v1 or hybrid host gets a tmpfs at the destination with one directory per
 * hierarchy mounted beneath the host's /sys/fs/cgroup (cpu, memory, ...,
 * systemd, and unified for the hybrid cgroup2), plus symlinks for
 * co-mounted controllers ("cpu,cpuacct" -> "cpu", "cpuacct").
 *
 * With a new cgroup namespace each hierarchy is mounted fresh and shows the
 * namespace's root.  Without one (or when the fresh mount is refused) the
 * process's own cgroup directory of each hierarchy is bind mounted, so the
 * container sees its cgroup and nothing above it.
 */
#include "runtime/mount/mount-internal.h"

#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>

#define HOST_CGROUP "/sys/fs/cgroup"
#define ATTR_MS                                                                    \
	(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_RELATIME | \
	 MS_STRICTATIME | MS_NODIRATIME)

struct cg_self {
	char *buf; /* /proc/self/cgroup, split in place */
	char *ctrls[64]; /* controller list per line ("" for cgroup2) */
	char *paths[64];
	size_t n;
};

static void cg_self_free(struct cg_self *c)
{
	free(c->buf);
}

static int cg_self_read(struct cg_self *c, struct brig_err *e)
{
	memset(c, 0, sizeof(*c));
	int r = brig_read_file(AT_FDCWD, "/proc/self/cgroup", 1 << 16, &c->buf, NULL, e);
	if (r < 0)
		return r;
	for (char *save = NULL, *line = strtok_r(c->buf, "\n", &save);
	     line && c->n < BRIG_ARRAY_SIZE(c->ctrls); line = strtok_r(NULL, "\n", &save)) {
		char *a = strchr(line, ':');
		char *b = a ? strchr(a + 1, ':') : NULL;
		if (!b)
			continue;
		*b = '\0';
		c->ctrls[c->n] = a + 1;
		c->paths[c->n] = b + 1;
		c->n++;
	}
	return 0;
}

/* Whether every controller of list (comma separated) is among the super
 * block options opts. */
static bool ctrls_in(const char *list, const char *opts)
{
	char buf[256];
	if (!*list || strlen(list) >= sizeof(buf))
		return false;
	memcpy(buf, list, strlen(list) + 1);
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		size_t n = strlen(t);
		const char *p = opts;
		bool found = false;
		while (*p && !found) {
			size_t l = strcspn(p, ",");
			found = l == n && strncmp(p, t, n) == 0;
			p += l + (p[l] == ',');
		}
		if (!found)
			return false;
	}
	return true;
}

/* The line of /proc/self/cgroup for a mount; -1 when none matches. */
static int cg_line_for(const struct cg_self *c, const struct rt_mountinfo *mi)
{
	bool v2 = strcmp(mi->fstype, "cgroup2") == 0;
	for (size_t i = 0; i < c->n; i++) {
		if (v2 ? c->ctrls[i][0] == '\0' : ctrls_in(c->ctrls[i], mi->super))
			return (int)i;
	}
	return -1;
}

/* Host path of our own cgroup in the hierarchy mounted at mi. */
static char *own_cgroup_dir(const struct rt_mountinfo *mi, const char *path)
{
	const char *rel = path;
	if (strcmp(mi->root, "/") != 0) {
		size_t n = strlen(mi->root);
		if (strncmp(path, mi->root, n) != 0 || (path[n] && path[n] != '/'))
			return NULL;
		rel = path + n;
	}
	if (strstr(rel, "/..") || strlen(rel) + strlen(mi->point) + 2 > PATH_MAX)
		return NULL;
	char *out = NULL;
	if (asprintf(&out, "%s%s", mi->point, rel) < 0)
		return NULL;
	return out;
}

/* Mount one hierarchy onto fd (a directory): fresh in a new cgroup
 * namespace, else (or when refused) a bind of our own cgroup directory,
 * with its flags set before it is attached.  Returns the new mount's fd. */
static int mount_hierarchy(struct rt_setup_state *st, const struct rt_mount *m, int fd,
			   const struct rt_mountinfo *mi, const char *ctrls, const char *path,
			   struct brig_err *e)
{
	bool v2 = strcmp(mi->fstype, "cgroup2") == 0;
	unsigned long flags = m->flags & ATTR_MS;
	if (st->ctx->new_cgroupns) {
		int mnt = rt_mount_fs_at(fd, "cgroup", mi->fstype, flags, v2 ? NULL : ctrls, e);
		if (mnt >= 0)
			return mnt;
		if (mnt != -EPERM && mnt != -EBUSY && mnt != -EINVAL)
			return brig_err_wrap(e, "mounting %s hierarchy %s", mi->fstype,
					     ctrls[0] ? ctrls : "unified");
		brig_debug("fresh %s mount refused (%s); binding", mi->fstype, strerror(-mnt));
		brig_err_clear(e);
	}
	_cleanup_free_ char *src = own_cgroup_dir(mi, path);
	if (!src)
		return brig_err_set(e, -EINVAL, "cgroup %s is outside the mount %s", path,
				    mi->point);
	_cleanup_close_ int tree = rt_tree_clone(AT_FDCWD, src, false, e);
	if (tree < 0)
		return tree;
	struct rt_tree_attrs a = { 0 };
	rt_ms_to_attrs(flags, 0, &a.set, &a.clr);
	int r = rt_tree_place(tree, fd, &a, m->dest, e);
	return r < 0 ? r : brig_steal_fd(tree);
}

/* The hierarchy's directory in the container: dirfd/name. */
static int cgroup_subdir(struct rt_setup_state *st, const struct rt_mount *m, int dirfd,
			 const char *name, const struct rt_mountinfo *mi, const struct cg_self *cs,
			 int line, struct brig_err *e)
{
	if (mkdirat(dirfd, name, 0755) < 0 && errno != EEXIST)
		return brig_err_sys(e, errno, "creating %s/%s", m->dest, name);
	_cleanup_close_ int fd = BRIG_RETRY(
		openat(dirfd, name, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC));
	if (fd < 0)
		return brig_err_sys(e, errno, "opening %s/%s", m->dest, name);
	int mnt = mount_hierarchy(st, m, fd, mi, cs->ctrls[line], cs->paths[line], e);
	if (mnt < 0)
		return mnt;
	(void)close(mnt);
	return 0;
}

/* "cpu,cpuacct" -> symlinks cpu and cpuacct beside it. */
static void comount_links(int dirfd, const char *name)
{
	if (!strchr(name, ','))
		return;
	char buf[NAME_MAX + 1];
	memcpy(buf, name, strlen(name) + 1);
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (strchr(t, '=') == NULL && symlinkat(name, dirfd, t) < 0 && errno != EEXIST)
			brig_debug("cgroup symlink %s: %s", t, strerror(errno));
	}
}

static bool is_host_hierarchy(const struct rt_mountinfo *mi)
{
	if (strcmp(mi->fstype, "cgroup") != 0 && strcmp(mi->fstype, "cgroup2") != 0)
		return false;
	size_t n = strlen(HOST_CGROUP);
	return strncmp(mi->point, HOST_CGROUP "/", n + 1) == 0 && !strchr(mi->point + n + 1, '/') &&
		strlen(mi->point + n + 1) <= NAME_MAX;
}

static int mount_hierarchies(struct rt_setup_state *st, const struct rt_mount *m, int dirfd,
			     struct brig_err *e)
{
	struct rt_mountinfo *mi = NULL;
	size_t n = 0;
	int r = rt_mountinfo_read(&mi, &n, e);
	if (r < 0)
		return r;
	struct cg_self cs = { 0 };
	r = cg_self_read(&cs, e);
	for (size_t i = 0; r == 0 && i < n; i++) {
		if (!is_host_hierarchy(&mi[i]))
			continue;
		int line = cg_line_for(&cs, &mi[i]);
		if (line < 0)
			continue;
		const char *name = mi[i].point + strlen(HOST_CGROUP) + 1;
		r = cgroup_subdir(st, m, dirfd, name, &mi[i], &cs, line, e);
		if (r == 0)
			comount_links(dirfd, name);
	}
	cg_self_free(&cs);
	rt_mountinfo_free(mi, n);
	return r;
}

/* v1 / hybrid: a tmpfs holding one directory per hierarchy. */
static int mount_v1(struct rt_setup_state *st, const struct rt_mount *m, struct brig_err *e)
{
	_cleanup_close_ int fd = rt_mount_target(st->rootfd, m->dest, true, true, e);
	if (fd < 0)
		return fd;
	unsigned long fl = m->flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC);
	_cleanup_close_ int mnt = rt_mount_fs_at(fd, "tmpfs", "tmpfs", fl, "mode=755", e);
	if (mnt < 0)
		return mnt;
	_cleanup_close_ int dir = BRIG_RETRY(openat(mnt, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (dir < 0)
		return brig_err_sys(e, errno, "%s: opening the tmpfs", m->dest);
	int r = mount_hierarchies(st, m, dir, e);
	if (r == 0 && (m->flags & MS_RDONLY))
		r = rt_mount_set_attrs(dir, MOUNT_ATTR_RDONLY, 0, false, m->dest, e);
	if (r == 0)
		r = rt_mount_set_prop(dir, m->prop, m->dest, e);
	return r;
}

/* The host's cgroup2 mount beside the v1 ones on a hybrid host. */
static const struct rt_mountinfo *find_v2(const struct rt_mountinfo *mi, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (is_host_hierarchy(&mi[i]) && strcmp(mi[i].fstype, "cgroup2") == 0)
			return &mi[i];
	return NULL;
}

static int mount_v2_at(struct rt_setup_state *st, const struct rt_mount *m, int fd, bool hybrid,
		       struct brig_err *e)
{
	struct rt_mountinfo fake = { .root = (char *)"/",
				     .point = (char *)HOST_CGROUP,
				     .fstype = (char *)"cgroup2",
				     .super = (char *)"" };
	const struct rt_mountinfo *use = &fake;
	struct rt_mountinfo *mi = NULL;
	size_t n = 0;
	int r = 0;
	if (hybrid) {
		r = rt_mountinfo_read(&mi, &n, e);
		if (r < 0)
			return r;
		use = find_v2(mi, n);
		if (!use)
			r = brig_err_set(e, -ENOENT, "the host has no cgroup2 hierarchy");
	}
	struct cg_self cs = { 0 };
	if (r == 0)
		r = cg_self_read(&cs, e);
	int line = r == 0 ? cg_line_for(&cs, use) : -1;
	if (r == 0 && line < 0)
		r = brig_err_set(e, -ENOENT, "no cgroup2 entry in /proc/self/cgroup");
	if (r == 0)
		r = mount_hierarchy(st, m, fd, use, "", cs.paths[line], e);
	cg_self_free(&cs);
	rt_mountinfo_free(mi, n);
	return r;
}

/* cgroup2 at the destination itself: the host's unified hierarchy (at
 * /sys/fs/cgroup, or /sys/fs/cgroup/unified on a hybrid host). */
static int mount_v2(struct rt_setup_state *st, const struct rt_mount *m, bool hybrid,
		    struct brig_err *e)
{
	_cleanup_close_ int fd = rt_mount_target(st->rootfd, m->dest, true, true, e);
	if (fd < 0)
		return fd;
	_cleanup_close_ int mnt = mount_v2_at(st, m, fd, hybrid, e);
	if (mnt < 0)
		return mnt;
	return rt_mount_set_prop(mnt, m->prop, m->dest, e);
}

int rt_mount_cgroup(struct rt_setup_state *st, const struct rt_mount *m, struct brig_err *e)
{
	struct statfs sf;
	if (statfs(HOST_CGROUP, &sf) < 0)
		return brig_err_sys(e, errno, "%s", HOST_CGROUP);
	if ((unsigned long)sf.f_type == (unsigned long)CGROUP2_SUPER_MAGIC)
		return mount_v2(st, m, false, e);
	if (strcmp(m->type, "cgroup2") == 0)
		return mount_v2(st, m, true, e);
	return mount_v1(st, m, e);
}
