/* SPDX-License-Identifier: Apache-2.0 */
/* Starting the container's first process in its namespaces. */
#include "runtime/spawn-internal.h"
#include "runtime/sync-internal.h"

#include <fcntl.h>
#include <sched.h>
#include <spawn.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif

/* struct clone_args of linux/sched.h up to its cgroup field (Linux 5.7). */
struct clone3_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
		set_tid_size, cgroup;
};

/* fork()-like clone with namespace flags: returns 0 in the child.  With
 * cgroup_fd >= 0 the child starts in that v2 cgroup where the kernel can do
 * it (*into set: the result is clone3's); a kernel or seccomp filter
 * without clone3 or CLONE_INTO_CGROUP gets the plain clone (*into clear). */
static pid_t clone_ns(int flags, int cgroup_fd, bool *into)
{
	*into = false;
	if (cgroup_fd >= 0) {
		struct clone3_args a = {
			.flags = (uint64_t)(unsigned)flags | CLONE_INTO_CGROUP,
			.exit_signal = SIGCHLD,
			.cgroup = (uint64_t)cgroup_fd,
		};
		pid_t pid = (pid_t)syscall(SYS_clone3, &a, sizeof(a));
		if (pid >= 0 || (errno != ENOSYS && errno != E2BIG && errno != EINVAL)) {
			*into = true;
			return pid;
		}
	}
	return (pid_t)syscall(SYS_clone, (unsigned long)flags | SIGCHLD, NULL, NULL, NULL, NULL);
}

static int new_ns_flags(const struct rt_spec *s, bool with_time)
{
	int flags = 0;
	for (int k = 0; k < RT_NS_COUNT; k++) {
		if (!s->ns[k].wanted || s->ns[k].path)
			continue;
		/* cgroup: unshared by the child once it is in its cgroup; time:
		 * unshared by the intermediate process so offsets can be set. */
		if (k == RT_NS_CGROUP || (k == RT_NS_TIME && !with_time))
			continue;
		flags |= rt_ns_clone_flag(k);
	}
	return flags;
}

static int join_paths(const struct rt_spec *s, struct brig_err *e)
{
	/* The user namespace first: it grants the rights to join the rest. */
	static const enum rt_ns_kind order[] = { RT_NS_USER, RT_NS_PID,    RT_NS_NET,  RT_NS_IPC,
						 RT_NS_UTS,  RT_NS_CGROUP, RT_NS_TIME, RT_NS_MNT };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(order); i++) {
		const struct rt_ns *ns = &s->ns[order[i]];
		if (!ns->wanted || !ns->path)
			continue;
		_cleanup_close_ int fd = BRIG_RETRY(open(ns->path, O_RDONLY | O_CLOEXEC));
		if (fd < 0)
			return brig_err_sys(e, errno, "opening namespace %s", ns->path);
		if (setns(fd, rt_ns_clone_flag(order[i])) < 0)
			return brig_err_sys(e, errno, "joining %s namespace %s",
					    rt_ns_proc_name(order[i]), ns->path);
	}
	return 0;
}

static int set_time_offsets(const struct rt_spec *s, struct brig_err *e)
{
	if (unshare(CLONE_NEWTIME) < 0)
		return brig_err_sys(e, errno, "unshare(CLONE_NEWTIME)");
	if (!s->has_time_offsets)
		return 0;
	char buf[128];
	(void)snprintf(buf, sizeof(buf), "monotonic %lld %u\nboottime %lld %u\n",
		       (long long)s->mono_secs, s->mono_nsecs, (long long)s->boot_secs,
		       s->boot_nsecs);
	return brig_write_file(AT_FDCWD, "/proc/self/timens_offsets", buf, e);
}

static bool needs_intermediate(const struct rt_spec *s)
{
	for (int k = 0; k < RT_NS_COUNT; k++)
		if (s->ns[k].wanted && s->ns[k].path)
			return true;
	return s->ns[RT_NS_TIME].wanted;
}

/* The intermediate process: join, unshare time, clone the real child as a
 * sibling (CLONE_PARENT) and report its pid. */
static void intermediate(const struct rt_spec *s, int sock, void (*fn)(void *), void *arg)
{
	_cleanup_err_ struct brig_err e = { 0 };
	if (join_paths(s, &e) < 0)
		rt_sync_die(sock, &e);
	bool new_time = s->ns[RT_NS_TIME].wanted && !s->ns[RT_NS_TIME].path;
	if (new_time && set_time_offsets(s, &e) < 0)
		rt_sync_die(sock, &e);
	pid_t pid = (pid_t)syscall(SYS_clone,
				   (unsigned long)new_ns_flags(s, false) | CLONE_PARENT | SIGCHLD,
				   NULL, NULL, NULL, NULL);
	if (pid < 0) {
		brig_err_sys(&e, errno, "clone");
		rt_sync_die(sock, &e);
	}
	if (pid == 0) {
		(void)close(sock);
		fn(arg);
		_exit(1);
	}
	(void)rt_sync_send(sock, RT_MSG_PID, pid, NULL, -1);
	_exit(0);
}

pid_t rt_spawn(const struct rt_spec *s, void (*fn)(void *), void *arg, int cgroup_fd,
	       bool *in_cgroup, struct brig_err *e)
{
	*in_cgroup = false;
	if (!needs_intermediate(s)) {
		pid_t pid = clone_ns(new_ns_flags(s, true), cgroup_fd, in_cgroup);
		if (pid < 0)
			return brig_err_sys(e, errno,
					    *in_cgroup ? "clone into the container's cgroup"
						       : "clone");
		if (pid == 0) {
			fn(arg);
			_exit(1);
		}
		return pid;
	}
	int sv[2];
	int r = rt_sync_pair(sv, e);
	if (r < 0)
		return r;
	pid_t mid = fork();
	if (mid < 0) {
		r = brig_err_sys(e, errno, "fork");
		(void)close(sv[0]);
		(void)close(sv[1]);
		return r;
	}
	if (mid == 0) {
		(void)close(sv[0]);
		intermediate(s, sv[1], fn, arg);
	}
	(void)close(sv[1]);
	struct rt_msg m;
	r = rt_sync_expect(sv[0], RT_MSG_PID, &m, NULL, "joining namespaces", e);
	(void)close(sv[0]);
	int status;
	(void)BRIG_RETRY(waitpid(mid, &status, 0));
	if (r < 0)
		return r;
	return (pid_t)m.value;
}

static int map_text(const struct rt_idmap *m, size_t n, char *buf, size_t size)
{
	size_t pos = 0;
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(buf + pos, size - pos, "%u %u %u\n", m[i].container, m[i].host,
				 m[i].size);
		if (w < 0 || (size_t)w >= size - pos)
			return -ENAMETOOLONG;
		pos += (size_t)w;
	}
	return 0;
}

int rt_newidmap(pid_t pid, bool gid, const uint32_t (*m)[3], size_t n, struct brig_err *e)
{
	const char *helper = gid ? "newgidmap" : "newuidmap";
	char *argv[2 + 3 * 340 + 1];
	char nums[3 * 340 + 1][12];
	size_t a = 0;
	if (n > 340)
		return brig_err_set(e, -E2BIG, "%s: too many mappings", helper);
	argv[a++] = (char *)helper;
	(void)snprintf(nums[0], sizeof(nums[0]), "%d", (int)pid);
	argv[a++] = nums[0];
	for (size_t i = 0; i < n; i++) {
		for (int j = 0; j < 3; j++) {
			(void)snprintf(nums[1 + 3 * i + (size_t)j], 12, "%u", m[i][j]);
			argv[a++] = nums[1 + 3 * i + (size_t)j];
		}
	}
	argv[a] = NULL;
	/* posix_spawn (a vfork): no copy of our page tables for a helper
	 * that runs on every rootless start.  Found where Debian's uidmap
	 * puts it, else on PATH. */
	char *const env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	char path[32];
	(void)snprintf(path, sizeof(path), "/usr/bin/%s", helper);
	pid_t h;
	int err = posix_spawn(&h, path, NULL, NULL, argv, env);
	if (err == ENOENT)
		err = posix_spawnp(&h, helper, NULL, NULL, argv, env);
	if (err != 0)
		return brig_err_sys(e, err, "running %s", helper);
	int status;
	if (BRIG_RETRY(waitpid(h, &status, 0)) < 0)
		return brig_err_sys(e, errno, "waiting for %s", helper);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return brig_err_set(e, -EPERM,
				    "%s failed (status %d): check /etc/subuid and /etc/subgid",
				    helper, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}

static int run_idmap_helper(pid_t pid, bool gid, const struct rt_idmap *m, size_t n,
			    struct brig_err *e)
{
	uint32_t t[340][3];
	if (n > 340)
		return brig_err_set(e, -E2BIG, "too many id mappings");
	for (size_t i = 0; i < n; i++) {
		t[i][0] = m[i].container;
		t[i][1] = m[i].host;
		t[i][2] = m[i].size;
	}
	return rt_newidmap(pid, gid, (const uint32_t(*)[3])t, n, e);
}

int rt_write_idmaps(pid_t pid, const struct rt_spec *s, struct brig_err *e)
{
	if (geteuid() != 0) {
		int r = run_idmap_helper(pid, false, s->uid_maps, s->n_uid_maps, e);
		return r < 0 ? r : run_idmap_helper(pid, true, s->gid_maps, s->n_gid_maps, e);
	}
	char buf[340 * 36], path[64];
	if (map_text(s->uid_maps, s->n_uid_maps, buf, sizeof(buf)) < 0)
		return brig_err_set(e, -E2BIG, "uidMappings too large");
	(void)snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
	int r = brig_write_file(AT_FDCWD, path, buf, e);
	if (r < 0)
		return brig_err_wrap(e, "linux.uidMappings");
	if (map_text(s->gid_maps, s->n_gid_maps, buf, sizeof(buf)) < 0)
		return brig_err_set(e, -E2BIG, "gidMappings too large");
	(void)snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
	r = brig_write_file(AT_FDCWD, path, buf, e);
	return r < 0 ? brig_err_wrap(e, "linux.gidMappings") : 0;
}

int rt_join_namespaces_of(pid_t pid, int flags, struct brig_err *e)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd >= 0) {
		int r = setns(pidfd, flags);
		int err = errno;
		(void)close(pidfd);
		if (r == 0)
			return 0;
		if (err != EINVAL)
			return brig_err_sys(e, err, "joining the namespaces of %d", (int)pid);
	}
	/* Kernels before 5.8: one /proc/PID/ns/ file at a time, user first. */
	static const enum rt_ns_kind order[] = { RT_NS_USER, RT_NS_PID,    RT_NS_NET,  RT_NS_IPC,
						 RT_NS_UTS,  RT_NS_CGROUP, RT_NS_TIME, RT_NS_MNT };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(order); i++) {
		int f = rt_ns_clone_flag(order[i]);
		if (!(flags & f))
			continue;
		char path[64];
		(void)snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid,
			       rt_ns_proc_name(order[i]));
		_cleanup_close_ int fd = BRIG_RETRY(open(path, O_RDONLY | O_CLOEXEC));
		if (fd < 0 || setns(fd, f) < 0)
			return brig_err_sys(e, errno, "joining %s", path);
	}
	return 0;
}
