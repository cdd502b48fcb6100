/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Idmapped bind mounts (mount_setattr MOUNT_ATTR_IDMAP, Linux 5.12).
 *
 * The mapping is given to the kernel as a user namespace.  For a mount's own
 * uidMappings/gidMappings (or the container's, when the mount has none and
 * no user namespace fd is supplied) a short-lived helper child unshares a
 * user namespace, the maps are written from here, and its /proc/PID/ns/user
 * is kept open: the namespace lives on as long as that fd.  The same
 * helper makes a network namespace inside a given user namespace
 * (rt_netns_make, for rootless pasta).
 */
#include "runtime/mount/mount-internal.h"
#include "runtime/runtime.h"

#include <signal.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#ifndef __NR_mount_setattr
#define __NR_mount_setattr 442
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

struct idmap_attr {
	uint64_t attr_set;
	uint64_t attr_clr;
	uint64_t propagation;
	uint64_t userns_fd;
};

static int write_map(pid_t pid, const char *which, const struct rt_idmaps *m, struct brig_err *e)
{
	char buf[340 * 36 + 1];
	size_t o = 0;
	for (size_t i = 0; i < m->n; i++) {
		int n = snprintf(buf + o, sizeof(buf) - o, "%u %u %u\n", m->v[i].container_id,
				 m->v[i].host_id, m->v[i].size);
		if (n < 0 || (size_t)n >= sizeof(buf) - o)
			return brig_err_set(e, -E2BIG, "%s: too many mappings", which);
		o += (size_t)n;
	}
	char path[64];
	(void)snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, which);
	_cleanup_close_ int fd = BRIG_RETRY(open(path, O_WRONLY | O_CLOEXEC));
	if (fd < 0)
		return brig_err_sys(e, errno, "opening %s", path);
	ssize_t w = BRIG_RETRY(write(fd, buf, o));
	if (w < 0)
		return brig_err_sys(e, errno, "writing %s", path);
	if ((size_t)w != o)
		return brig_err_set(e, -EIO, "writing %s: short write", path);
	return 0;
}

/* The helper: join usfd's user namespace (when given), enter a new
 * namespace of kind flag, say so, wait for EOF on done (it must not hold
 * the write end itself).  It runs in our memory (CLONE_VM: ns_make), on a
 * stack of its own, with a copy of our fd table: it makes system calls
 * only, and writes nothing of ours but errno when one fails (nor do the
 * sanitizers' instrumentation and stack bookkeeping, which are ours). */
struct ns_child_arg {
	int ready[2], done[2];
	int usfd, flag;
};

__attribute__((no_sanitize("address", "undefined"))) static int ns_child(void *p)
{
	const struct ns_child_arg *a = p;
	char c = 0;
	(void)close(a->ready[0]);
	(void)close(a->done[1]);
	if ((a->usfd >= 0 && setns(a->usfd, CLONE_NEWUSER) < 0) || unshare(a->flag) < 0)
		return 1;
	if (write(a->ready[1], &c, 1) != 1)
		return 1;
	while (read(a->done[0], &c, 1) < 0 && errno == EINTR)
		;
	return 0;
}

/* The helper's stack: it calls a few system calls' wrappers, nothing
 * deeper. */
#define NS_CHILD_STACK (64 * 1024)

static int ns_open(pid_t pid, int ready, const char *which,
		   int (*map)(pid_t, void *, struct brig_err *), void *arg, struct brig_err *e)
{
	char c;
	ssize_t n = BRIG_RETRY(read(ready, &c, 1));
	if (n != 1)
		return brig_err_set(e, -ECHILD, "the %s namespace helper failed", which);
	int r = map ? map(pid, arg, e) : 0;
	if (r < 0)
		return r;
	char path[64];
	(void)snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, which);
	int fd = BRIG_RETRY(open(path, O_RDONLY | O_CLOEXEC));
	if (fd < 0)
		return brig_err_sys(e, errno, "opening %s", path);
	return fd;
}

/* A new namespace of kind flag ("which" in /proc/PID/ns) made by a helper
 * (in usfd's user namespace, when given): an fd of it, O_CLOEXEC. */
static int ns_make(int usfd, int flag, const char *which,
		   int (*map)(pid_t pid, void *arg, struct brig_err *e), void *arg,
		   struct brig_err *e)
{
	struct ns_child_arg a = { .usfd = usfd, .flag = flag };
	if (pipe2(a.ready, O_CLOEXEC) < 0)
		return brig_err_sys(e, errno, "pipe");
	if (pipe2(a.done, O_CLOEXEC) < 0) {
		(void)close(a.ready[0]);
		(void)close(a.ready[1]);
		return brig_err_sys(e, errno, "pipe");
	}
	/* Not fork: brig's heap is megabytes, and a fork write-protects every
	 * page of it, each then faulted and flushed from the TLB on brig's
	 * next write (a good part of `brig run`'s system time).  The helper
	 * shares our memory instead and only blocks in read. */
	void *stack = mmap(NULL, NS_CHILD_STACK, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	pid_t pid = stack == MAP_FAILED
		? -1
		: clone(ns_child, (char *)stack + NS_CHILD_STACK, CLONE_VM | SIGCHLD, &a);
	int err = errno;
	(void)close(a.ready[1]);
	(void)close(a.done[0]);
	int fd = pid < 0 ? brig_err_sys(e, err, "clone")
			 : ns_open(pid, a.ready[0], which, map, arg, e);
	(void)close(a.ready[0]);
	(void)close(a.done[1]); /* the helper exits */
	if (pid > 0) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	/* Only once it has exited: it ran on this stack. */
	if (stack != MAP_FAILED)
		(void)munmap(stack, NS_CHILD_STACK);
	return fd;
}

int rt_userns_make(int (*map)(pid_t pid, void *arg, struct brig_err *e), void *arg,
		   struct brig_err *e)
{
	return ns_make(-1, CLONE_NEWUSER, "user", map, arg, e);
}

int rt_netns_make(int usfd, struct brig_err *e)
{
	return ns_make(usfd, CLONE_NEWNET, "net", NULL, NULL, e);
}

struct both_maps {
	const struct rt_idmaps *uids, *gids;
};

static int write_maps(pid_t pid, void *arg, struct brig_err *e)
{
	const struct both_maps *m = arg;
	int r = write_map(pid, "uid_map", m->uids, e);
	return r < 0 ? r : write_map(pid, "gid_map", m->gids, e);
}

int rt_userns_from_maps(const struct rt_idmaps *uids, const struct rt_idmaps *gids,
			struct brig_err *e)
{
	if (uids->n == 0 || gids->n == 0)
		return brig_err_set(e, -EINVAL, "no uid/gid mappings for the idmapped mount");
	struct both_maps m = { uids, gids };
	return rt_userns_make(write_maps, &m, e);
}

int rt_idmap_clone(const struct rt_rootfs_cfg *cfg, const struct rt_mount *m, int userns_fd,
		   struct brig_err *e)
{
	_cleanup_close_ int tree = rt_tree_clone(AT_FDCWD, m->source, m->flags & MS_REC, e);
	if (tree < 0)
		return tree;
	_cleanup_close_ int own = -1;
	if (userns_fd < 0) {
		const struct rt_idmaps *u = m->uids.n ? &m->uids : &cfg->uids;
		const struct rt_idmaps *g = m->gids.n ? &m->gids : &cfg->gids;
		own = rt_userns_from_maps(u, g, e);
		if (own < 0)
			return own;
		userns_fd = own;
	}
	struct idmap_attr a = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns_fd };
	unsigned fl = AT_EMPTY_PATH | (m->idmap_rec ? AT_RECURSIVE : 0);
	if (syscall(__NR_mount_setattr, tree, "", fl, &a, sizeof(a)) < 0) {
		int err = errno;
		if (err == ENOSYS)
			return brig_err_set(e, -ENOSYS, "idmapped mounts need Linux 5.12");
		return brig_err_sys(e, err, "idmapping %s", m->source);
	}
	return brig_steal_fd(tree);
}

/* On the host side: the bind's attributes on its detached tree now, while
 * this process may still change it. */
static int prepare_attrs(const struct rt_rootfs_cfg *cfg, struct rt_mount *m, struct brig_err *e)
{
	struct rt_tree_attrs a;
	rt_bind_attrs(cfg, m, m->idmap_fd, &a);
	int r = rt_tree_set_detached(m->idmap_fd, &a, m->dest, e);
	if (r < 0)
		return r;
	m->attrs_done = r > 0;
	return 0;
}

int rt_rootfs_prepare_idmaps(struct rt_rootfs_cfg *cfg, struct brig_err *e)
{
	_cleanup_close_ int shared = -1; /* the container's mapping, made once */
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		struct rt_mount *m = &cfg->mounts[i];
		if (!m->idmap || m->idmap_fd >= 0)
			continue;
		if (m->uids.n == 0 && shared < 0) {
			shared = rt_userns_from_maps(&cfg->uids, &cfg->gids, e);
			if (shared < 0)
				return brig_err_wrap(e, "mounts[%zu]", i);
		}
		int fd = rt_idmap_clone(cfg, m, m->uids.n ? -1 : shared, e);
		if (fd < 0)
			return brig_err_wrap(e, "mounts[%zu]: %s on %s", i, m->source, m->dest);
		m->idmap_fd = fd;
		if (prepare_attrs(cfg, m, e) < 0)
			return brig_err_wrap(e, "mounts[%zu]: %s on %s", i, m->source, m->dest);
	}
	return 0;
}

int rt_rootfs_prepare_sources(struct rt_rootfs_cfg *cfg, struct brig_err *e)
{
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		struct rt_mount *m = &cfg->mounts[i];
		if (!(m->flags & MS_BIND) || m->idmap || m->idmap_fd >= 0)
			continue;
		int fd = rt_tree_clone(AT_FDCWD, m->source, m->flags & MS_REC, e);
		if (fd < 0)
			return brig_err_wrap(e, "mounts[%zu]", i);
		m->idmap_fd = fd;
		if (prepare_attrs(cfg, m, e) < 0)
			return brig_err_wrap(e, "mounts[%zu]: %s on %s", i, m->source, m->dest);
	}
	return 0;
}

int rt_rootfs_next_idmap_fd(const struct rt_rootfs_cfg *cfg, size_t *idx)
{
	for (size_t i = *idx; i < cfg->n_mounts; i++) {
		if (cfg->mounts[i].idmap_fd >= 0) {
			*idx = i;
			return cfg->mounts[i].idmap_fd;
		}
	}
	*idx = cfg->n_mounts;
	return -1;
}

int rt_rootfs_set_idmap_fd(struct rt_rootfs_cfg *cfg, size_t idx, int fd, struct brig_err *e)
{
	if (idx >= cfg->n_mounts || !cfg->mounts[idx].idmap)
		return brig_err_set(e, -EINVAL, "mounts[%zu] is not an idmapped mount", idx);
	struct rt_mount *m = &cfg->mounts[idx];
	if (m->idmap_fd >= 0)
		(void)close(m->idmap_fd);
	m->idmap_fd = fd;
	m->attrs_done = false;
	return 0;
}

int rt_userns_open(uint32_t host_uid, uint32_t host_gid, uint32_t size, struct brig_err *e)
{
	struct rt_idmap u = { .container_id = 0, .host_id = host_uid, .size = size };
	struct rt_idmap g = { .container_id = 0, .host_id = host_gid, .size = size };
	struct rt_idmaps uids = { .v = &u, .n = 1 }, gids = { .v = &g, .n = 1 };
	return rt_userns_from_maps(&uids, &gids, e);
}
