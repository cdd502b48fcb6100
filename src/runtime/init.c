/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's init process, from clone() to execve().
 *
 * It is a clone of brig-runtime: it already holds the parsed config and
 * never re-reads anything from disk.  It talks to the runtime over the sync
 * socket and, once ready, waits on start.sock for `brig-runtime start`.
 */
#include "runtime/launch-internal.h"
#include "runtime/cgroup/cgroup.h"
#include "runtime/final-internal.h"
#include "runtime/mount/mount.h"
#include "runtime/landlock-internal.h"
#include "runtime/seccomp/runtime-seccomp.h"
#include "runtime/sync-internal.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#define START_MSG_MAX (256u << 10)

static int set_ids_root(struct brig_err *e)
{
	if (setresgid(0, 0, 0) < 0)
		return brig_err_sys(e, errno, "becoming gid 0 in the user namespace");
	if (setresuid(0, 0, 0) < 0)
		return brig_err_sys(e, errno, "becoming uid 0 in the user namespace");
	return 0;
}

static int write_sysctls(const struct rt_spec *s, struct brig_err *e)
{
	for (size_t i = 0; i < s->n_sysctl; i++) {
		char path[300] = "/proc/sys/";
		size_t n = strlen(path);
		for (const char *k = s->sysctl[i].key; *k && n + 1 < sizeof(path); k++)
			path[n++] = *k == '.' ? '/' : *k;
		path[n] = '\0';
		int r = brig_write_file(AT_FDCWD, path, s->sysctl[i].value, e);
		if (r < 0)
			return brig_err_wrap(e, "linux.sysctl %s", s->sysctl[i].key);
	}
	return 0;
}

static int set_uts(const struct rt_spec *s, struct brig_err *e)
{
	if (s->hostname && *s->hostname && sethostname(s->hostname, strlen(s->hostname)) < 0)
		return brig_err_sys(e, errno, "sethostname");
	if (s->domainname && *s->domainname &&
	    setdomainname(s->domainname, strlen(s->domainname)) < 0)
		return brig_err_sys(e, errno, "setdomainname");
	return 0;
}

/* A new network namespace starts with lo down; bring it up as runc does. */
static int loopback_up(struct brig_err *e)
{
	_cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return brig_err_sys(e, errno, "socket for lo");
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, "lo", 3);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return brig_err_sys(e, errno, "reading flags of lo");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		return brig_err_sys(e, errno, "bringing lo up");
	return 0;
}

/* A session keyring of the container's own, so the host's keys are not
 * shared (runc does the same unless --no-new-keyring). */
static int join_keyring(const char *id, struct brig_err *e)
{
	char name[1100];
	(void)snprintf(name, sizeof(name), "_ses.%s", id);
	if (syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, name) < 0 && errno != ENOSYS)
		return brig_err_sys(e, errno, "joining a new session keyring");
	return 0;
}

/* Before pivot_root: the runtime's createRuntime hooks, then ours. */
static int before_pivot(void *data, struct brig_err *e)
{
	struct rt_launch *l = data;
	const struct rt_spec *s = l->spec;
	if (s->n_hooks[RT_HOOK_PRESTART] || s->n_hooks[RT_HOOK_CREATE_RUNTIME] ||
	    s->n_hooks[RT_HOOK_CREATE_CONTAINER]) {
		int r = rt_sync_send(l->sync_fd, RT_MSG_HOOKS, 0, NULL, -1);
		if (r < 0)
			return brig_err_sys(e, -r, "asking for hooks");
		struct rt_msg m;
		r = rt_sync_expect(l->sync_fd, RT_MSG_HOOKS_DONE, &m, NULL, "hooks", e);
		if (r < 0)
			return r;
		if (s->n_hooks[RT_HOOK_CREATE_CONTAINER]) {
			_cleanup_json_ json_t *st = json_loads(m.text, 0, NULL);
			if (!st)
				return brig_err_set(e, -EPROTO, "bad state from the runtime");
			return rt_hooks_run(s, RT_HOOK_CREATE_CONTAINER, st, e);
		}
	}
	return 0;
}

/* The tree is complete: move into the runtime's copy of it in which every
 * mount is locked to the container (lock.c). */
static int lock_mounts(struct rt_launch *l, struct brig_err *e)
{
	if (!l->lock_mounts)
		return 0;
	int r = rt_sync_send(l->sync_fd, RT_MSG_LOCK_MOUNTS, 0, NULL, -1);
	if (r < 0)
		return brig_err_sys(e, -r, "asking to lock the mounts");
	struct rt_msg m;
	_cleanup_close_ int fd = -1;
	if ((r = rt_sync_expect(l->sync_fd, RT_MSG_MOUNTS_LOCKED, &m, &fd, "locking mounts", e)) <
	    0)
		return r;
	if (fd < 0)
		return brig_err_set(e, -EPROTO, "locking mounts: no namespace fd");
	return rt_mntns_enter_locked(fd, e);
}

static int setup_namespaces(struct rt_launch *l, struct brig_err *e)
{
	const struct rt_spec *s = l->spec;
	int r;
	bool userns = s->ns[RT_NS_USER].wanted;
	if (userns && !s->ns[RT_NS_USER].path && (r = set_ids_root(e)) < 0)
		return r;
	if (s->ns[RT_NS_CGROUP].wanted && !s->ns[RT_NS_CGROUP].path && unshare(CLONE_NEWCGROUP) < 0)
		return brig_err_sys(e, errno, "unshare(CLONE_NEWCGROUP)");
	if (s->ns[RT_NS_NET].wanted && !s->ns[RT_NS_NET].path && (r = loopback_up(e)) < 0)
		return r;
	if ((r = set_uts(s, e)) < 0 || (r = write_sysctls(s, e)) < 0)
		return r;
	struct rt_rootfs_ctx ctx = {
		.userns = userns,
		.new_netns = s->ns[RT_NS_NET].wanted && !s->ns[RT_NS_NET].path,
		.new_cgroupns = s->ns[RT_NS_CGROUP].wanted,
		.no_pivot = l->opts->no_pivot,
		.userns_fd = l->idmap_userns_fd,
		.console_fd = -1,
		.before_pivot = before_pivot,
		.before_pivot_data = l,
		.cwd = s->process.cwd,
		.root_mount_fd = l->opts->rootfs_mount_fd,
	};
	if ((r = rt_rootfs_setup(s->rootfs, &ctx, e)) < 0 || (r = lock_mounts(l, e)) < 0)
		return r;
	if (s->has_personality && personality(s->personality) < 0)
		return brig_err_sys(e, errno, "personality");
	return rt_mempolicy_apply(&s->mempolicy, e);
}

/* Wait for `start` (a connection on start.sock) or for the runtime's START
 * on the sync socket (run).  Returns the fd to report exec errors on. */
static int wait_start(struct rt_launch *l, char **state, struct brig_err *e)
{
	struct pollfd p[2] = { { .fd = l->listen_fd, .events = POLLIN },
			       { .fd = l->sync_fd, .events = POLLIN } };
	for (;;) {
		int n = poll(p, 2, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return brig_err_sys(e, errno, "waiting for start");
		if (p[1].revents) {
			struct rt_msg m;
			int r = rt_sync_recv(l->sync_fd, &m, NULL);
			if (r == 0 && m.type == RT_MSG_START) {
				*state = strdup(m.text);
				return l->sync_fd;
			}
			p[1].fd = -1; /* the runtime went away: only start.sock now */
		}
		if (p[0].revents & POLLIN)
			break;
	}
	int conn = BRIG_RETRY(accept4(l->listen_fd, NULL, NULL, SOCK_CLOEXEC));
	if (conn < 0)
		return brig_err_sys(e, errno, "accepting start");
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r = brig_read_fd(conn, "start request", START_MSG_MAX, &buf, &len, e);
	if (r < 0) {
		(void)close(conn);
		return r;
	}
	*state = brig_steal_ptr(buf);
	return conn;
}

static int report(int fd, bool sync, struct brig_err *e)
{
	if (sync)
		return rt_sync_send(fd, RT_MSG_ERROR, e->code, brig_err_str(e), -1);
	const char *msg = brig_err_str(e);
	return brig_write_all(fd, msg, strlen(msg));
}

static void after_start(struct rt_launch *l, const char *path)
{
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_free_ char *state = NULL;
	int fd = wait_start(l, &state, &e);
	if (fd < 0)
		_exit(1);
	bool sync = fd == l->sync_fd;
	if (!sync)
		(void)shutdown(fd, SHUT_RD);
	const struct rt_spec *s = l->spec;
	if (s->n_hooks[RT_HOOK_START_CONTAINER]) {
		_cleanup_json_ json_t *st = state ? json_loads(state, 0, NULL) : NULL;
		if (!st || rt_hooks_run(s, RT_HOOK_START_CONTAINER, st, &e) < 0) {
			if (!st)
				brig_err_set(&e, -EPROTO, "bad state from start");
			(void)report(fd, sync, &e);
			_exit(1);
		}
	}
	(void)close(l->listen_fd);
	(void)rt_final_exec(&l->proc, path, l->opts->preserve_fds, &e);
	(void)report(fd, sync, &e);
	_exit(127);
}

void rt_init_main(struct rt_launch *l)
{
	_cleanup_err_ struct brig_err e = { 0 };
	const struct rt_spec *s = l->spec;
	struct rt_msg m;
	char path[PATH_MAX];
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(l->close_fds); i++)
		if (l->close_fds[i] >= 0)
			(void)close(l->close_fds[i]);
	for (size_t i = 0; i < l->opts->n_close_in_child; i++)
		if (l->opts->close_in_child[i] >= 0)
			(void)close(l->opts->close_in_child[i]);
	/* Nothing in this process may be reopened through /proc by the
	 * container before execve replaces it. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		brig_err_sys(&e, errno, "prctl(PR_SET_DUMPABLE)");
	else if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		brig_err_sys(&e, errno, "prctl(PR_SET_PDEATHSIG)");
	if (e.code)
		rt_sync_die(l->sync_fd, &e);
	/* Into the cgroups before anything the limits should count.  Without
	 * a user namespace (whose id maps the parent writes before GO) that
	 * is now, while the parent does its part of the start on the other
	 * CPU, instead of after GO. */
	bool early = !s->ns[RT_NS_USER].wanted;
	if (early && rt_cgroup_self_enter(l->cg_fds, l->n_cg_fds, &e) < 0)
		rt_sync_die(l->sync_fd, &e);
	if (rt_sync_expect(l->sync_fd, RT_MSG_GO, &m, NULL, "init", &e) < 0)
		_exit(1);
	if (!early && rt_cgroup_self_enter(l->cg_fds, l->n_cg_fds, &e) < 0)
		rt_sync_die(l->sync_fd, &e);
	rt_trace("cgroup-self");
	if (setup_namespaces(l, &e) < 0)
		rt_sync_die(l->sync_fd, &e);
	rt_trace("mounts");
	if (!l->opts->no_new_keyring && join_keyring(l->opts->id, &e) < 0)
		rt_sync_die(l->sync_fd, &e);
	if (setsid() < 0 && errno != EPERM) {
		brig_err_sys(&e, errno, "setsid");
		rt_sync_die(l->sync_fd, &e);
	}
	/* A private copy: HOME may be added to the environment. */
	l->proc = s->process;
	struct rt_process *p = &l->proc;
	int later = 0;
	if ((p->terminal && l->console_fd >= 0 && rt_final_console(p, l->console_fd, &e) < 0) ||
	    rt_final_limits(p, &e) < 0 || rt_final_home(p, &e) < 0 ||
	    (later = rt_final_cwd(p, true, &e)) < 0 || rt_landlock_apply(s->landlock, &e) < 0 ||
	    rt_final_identity(p, s->seccomp, l->sync_fd, &e) < 0 ||
	    (later && rt_final_cwd(p, false, &e) < 0) || rt_find_exec(p, path, &e) < 0 ||
	    rt_final_seccomp(p, s->seccomp, l->sync_fd, &e) < 0)
		rt_sync_die(l->sync_fd, &e);
	if (l->console_fd >= 0)
		(void)close(l->console_fd);
	/* The runtime that created us may exit now (create); the pdeath
	 * signal only guarded the setup. */
	if (prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0) < 0) {
		brig_err_sys(&e, errno, "prctl(PR_SET_PDEATHSIG, 0)");
		rt_sync_die(l->sync_fd, &e);
	}
	if (rt_sync_send(l->sync_fd, RT_MSG_READY, 0, NULL, -1) < 0)
		_exit(1);
	after_start(l, path);
	_exit(1);
}
