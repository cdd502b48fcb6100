/* SPDX-License-Identifier: Apache-2.0 */
/*
 * create (and run): parse and validate everything first, then make the state
 * directory, the cgroup and the container's init, and tear every one of them
 * down again if any later step fails.
 */
#include "runtime/launch-internal.h"
#include "runtime/final-internal.h"
#include "runtime/spawn-internal.h"
#include "runtime/state-internal.h"
#include "runtime/sync-internal.h"
#include "runtime/wait-internal.h"
#include "runtime/cgroup/cgroup.h"
#include "runtime/mount/mount.h"
#include "runtime/seccomp/runtime-seccomp.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

struct creation {
	const struct rt_global *g;
	const struct rt_create_opts *o;
	struct rt_spec *spec;
	int rootfd, dirfd, lockfd, listen_fd, console_fd, sync[2];
	int console_peer; /* run without --console-socket: we relay the pty */
	bool made_dir;
	struct rt_cgroup *cg;
	pid_t pid;
	json_t *state;
};

/* AF_UNIX paths are short: reach a socket through /proc/self/fd/DIRFD/. */
int rt_unix_addr(int dirfd, const char *name, struct sockaddr_un *sa, socklen_t *len)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	int n = brig_snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/%s", dirfd,
			      name);
	if (n < 0)
		return n;
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)n + 1);
	return 0;
}

static int make_listener(struct creation *c, struct brig_err *e)
{
	struct sockaddr_un sa;
	socklen_t len;
	if (rt_unix_addr(c->dirfd, RT_START_SOCK, &sa, &len) < 0)
		return brig_err_set(e, -ENAMETOOLONG, "start socket path too long");
	c->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->listen_fd < 0)
		return brig_err_sys(e, errno, "socket");
	if (bind(c->listen_fd, (struct sockaddr *)&sa, len) < 0)
		return brig_err_sys(e, errno, "binding the start socket");
	if (fchmodat(c->dirfd, RT_START_SOCK, 0600, 0) < 0)
		return brig_err_sys(e, errno, "chmod of the start socket");
	if (listen(c->listen_fd, 1) < 0)
		return brig_err_sys(e, errno, "listen on the start socket");
	return 0;
}

static int connect_console(struct creation *c, struct brig_err *e)
{
	if (!c->spec->process.terminal) {
		if (c->o->console_socket)
			return brig_err_set(e, -EINVAL,
					    "--console-socket given but process.terminal "
					    "is false: there is no console to send");
		return 0;
	}
	if (!c->o->console_socket) {
		if (!c->o->foreground)
			return brig_err_set(
				e, -EINVAL,
				"process.terminal is true: "
				"--console-socket is required unless run in the foreground");
		int sv[2];
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
			return brig_err_sys(e, errno, "socketpair");
		c->console_peer = sv[0];
		c->console_fd = sv[1];
		return 0;
	}
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (brig_snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", c->o->console_socket) < 0)
		return brig_err_set(e, -ENAMETOOLONG, "--console-socket path too long");
	c->console_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->console_fd < 0)
		return brig_err_sys(e, errno, "socket");
	if (BRIG_RETRY(connect(c->console_fd, (struct sockaddr *)&sa, sizeof(sa))) < 0)
		return brig_err_sys(e, errno, "connecting to console socket %s",
				    c->o->console_socket);
	return 0;
}

static void format_time(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	(void)gmtime_r(&ts.tv_sec, &tm);
	(void)snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900,
		       tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
}

static int build_state(struct creation *c, struct brig_err *e)
{
	char created[64];
	format_time(created, sizeof(created));
	json_t *root = json_object_get(c->spec->json, "root");
	const char *rootpath = json_string_value(json_object_get(root, "path"));
	_cleanup_free_ char *rootfs = NULL;
	if (rootpath && rootpath[0] != '/' &&
	    asprintf(&rootfs, "%s/%s", c->spec->bundle, rootpath) < 0)
		rootfs = NULL;
	json_t *cgj = NULL;
	if (c->cg && rt_cgroup_to_json(c->cg, &cgj, e) < 0)
		return e->code;
	json_t *ann = json_object_get(c->spec->json, "annotations");
	c->state = json_pack(
		"{s:s,s:s,s:i,s:s,s:s,s:s,s:s,s:s,s:I,s:o,s:o}", "ociVersion", RT_OCI_VERSION, "id",
		c->o->id, "pid", (int)c->pid, "status", "created", "bundle", c->spec->bundle,
		"rootfs", rootfs ? rootfs : (rootpath ? rootpath : ""), "created", created, "owner",
		"", "brigStartTime", (json_int_t)rt_pid_start_time(c->pid), "brigCgroup",
		cgj ? cgj : json_null(), "annotations", ann ? json_incref(ann) : json_object());
	if (!c->state)
		return brig_err_set(e, -ENOMEM, "out of memory");
	return 0;
}

/* The state as hooks see it, with a status. */
static char *state_text(struct creation *c, const char *status)
{
	json_t *s = json_deep_copy(c->state);
	if (!s)
		return NULL;
	(void)json_object_set_new(s, "status", json_string(status));
	json_object_del(s, "brigStartTime");
	json_object_del(s, "brigCgroup");
	char *t = json_dumps(s, JSON_COMPACT);
	json_decref(s);
	return t;
}

static int run_runtime_hooks(struct creation *c, struct brig_err *e)
{
	_cleanup_free_ char *text = state_text(c, "creating");
	_cleanup_json_ json_t *st = text ? json_loads(text, 0, NULL) : NULL;
	if (!st)
		return brig_err_set(e, -ENOMEM, "out of memory");
	int r = rt_hooks_run(c->spec, RT_HOOK_PRESTART, st, e);
	if (r == 0)
		r = rt_hooks_run(c->spec, RT_HOOK_CREATE_RUNTIME, st, e);
	if (r < 0)
		return r;
	if (strlen(text) >= sizeof(((struct rt_msg *)0)->text))
		return brig_err_set(e, -E2BIG, "container state too large for hooks");
	r = rt_sync_send(c->sync[0], RT_MSG_HOOKS_DONE, 0, text, -1);
	return r < 0 ? brig_err_sys(e, -r, "sync with init") : 0;
}

static int forward_notify(struct creation *c, int fd, struct brig_err *e)
{
	_cleanup_free_ char *text = state_text(c, "creating");
	_cleanup_json_ json_t *st = text ? json_loads(text, 0, NULL) : NULL;
	int r = rt_seccomp_send_listener(c->spec->seccomp, fd, c->pid, st, e);
	(void)close(fd);
	return r;
}

/* The init's mount tree is complete: give it a copy where every mount is
 * locked (lock.c). */
static int send_locked_mntns(struct creation *c, struct brig_err *e)
{
	_cleanup_close_ int fd = rt_mntns_locked_copy(c->pid, e);
	if (fd < 0)
		return fd;
	int r = rt_sync_send(c->sync[0], RT_MSG_MOUNTS_LOCKED, 0, NULL, fd);
	return r < 0 ? brig_err_sys(e, -r, "sync with init") : 0;
}

/* Talk to init until it says it is ready for start. */
static int init_dialogue(struct creation *c, struct brig_err *e)
{
	for (;;) {
		struct rt_msg m;
		int fd = -1;
		int r = rt_sync_recv(c->sync[0], &m, &fd);
		if (r == -EPIPE)
			return brig_err_set(e, -EPIPE, "container init exited during setup");
		if (r < 0)
			return brig_err_sys(e, -r, "reading from container init");
		switch (m.type) {
		case RT_MSG_ERROR:
			return brig_err_set(e, m.value ? -abs(m.value) : -EIO, "%s", m.text);
		case RT_MSG_HOOKS:
			if ((r = run_runtime_hooks(c, e)) < 0)
				return r;
			break;
		case RT_MSG_LOCK_MOUNTS:
			if ((r = send_locked_mntns(c, e)) < 0)
				return r;
			break;
		case RT_MSG_SECCOMP_FD:
			if (fd < 0)
				return brig_err_set(e, -EPROTO, "seccomp listener fd missing");
			if ((r = forward_notify(c, fd, e)) < 0)
				return r;
			break;
		case RT_MSG_READY:
			return 0;
		default:
			if (fd >= 0)
				(void)close(fd);
			return brig_err_set(e, -EPROTO, "unexpected message %u from init", m.type);
		}
	}
}

static void init_entry(void *arg)
{
	struct rt_launch *l = arg;
	rt_init_main(l);
}

static int spawn_init(struct creation *c, struct brig_err *e)
{
	int r;
	if ((r = rt_sync_pair(c->sync, e)) < 0)
		return r;
	struct rt_launch l = {
		.spec = c->spec,
		.opts = c->o,
		.sync_fd = c->sync[1],
		.listen_fd = c->listen_fd,
		.console_fd = c->console_fd,
		.idmap_userns_fd = -1,
		/* As the kernel would for mounts it hands to a less privileged
		 * namespace; only real root can make the copy (lock.c). */
		.lock_mounts = c->spec->ns[RT_NS_USER].wanted && c->spec->ns[RT_NS_MNT].wanted &&
			!c->spec->ns[RT_NS_MNT].path && geteuid() == 0,
		.close_fds = { c->lockfd, c->dirfd, c->rootfd, c->sync[0], c->console_peer, -1 },
	};
	int *cg_fd = &l.close_fds[BRIG_ARRAY_SIZE(l.close_fds) - 1];
	bool in_cg = false;
	if (c->cg &&
	    (r = rt_cgroup_self_open(c->cg, l.cg_fds, RT_LAUNCH_CG_MAX, &l.n_cg_fds, e)) < 0)
		return r;
	if (c->cg && (r = rt_cgroup_clone_fd(c->cg, cg_fd, e)) < 0)
		goto close_cg;
	c->pid = rt_spawn(c->spec, init_entry, &l, *cg_fd, &in_cg, e);
	rt_trace("clone");
	if (*cg_fd >= 0)
		(void)close(*cg_fd);
close_cg:
	for (size_t i = 0; i < l.n_cg_fds; i++)
		(void)close(l.cg_fds[i]);
	if (r < 0)
		return r;
	(void)close(c->sync[1]);
	c->sync[1] = -1;
	if (c->pid < 0) {
		r = (int)c->pid;
		c->pid = 0;
		return r;
	}
	const struct rt_spec *s = c->spec;
	if (s->ns[RT_NS_USER].wanted && !s->ns[RT_NS_USER].path &&
	    (r = rt_write_idmaps(c->pid, s, e)) < 0)
		return r;
	if (c->cg && (r = rt_cgroup_enter_rest(c->cg, c->pid, l.n_cg_fds, in_cg, e)) < 0)
		return r;
	if (s->process.has_oom_score_adj) {
		char path[64], val[16];
		(void)snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)c->pid);
		(void)snprintf(val, sizeof(val), "%d", s->process.oom_score_adj);
		if ((r = brig_write_file(AT_FDCWD, path, val, e)) < 0)
			return brig_err_wrap(e, "process.oomScoreAdj");
	}
	rt_trace("cgroup-attach");
	json_decref(c->state);
	c->state = NULL;
	if ((r = build_state(c, e)) < 0)
		return r;
	if ((r = rt_sync_send(c->sync[0], RT_MSG_GO, 0, NULL, -1)) < 0)
		return brig_err_sys(e, -r, "starting container init");
	if ((r = init_dialogue(c, e)) < 0)
		return r;
	rt_trace("init-ready");
	/* The device nodes exist now: from here the device rules hold. */
	return c->cg ? rt_cgroup_apply_devices(c->cg, c->spec->cgroup, e) : 0;
}

static int validate(struct creation *c, struct brig_err *e)
{
	const struct rt_process *p = &c->spec->process;
	int r = rt_check_rlimits(p, c->spec->file, e);
	if (r < 0)
		return r;
	if (p->apparmor && !rt_lsm_active("apparmor"))
		return brig_err_set(
			e, -EOPNOTSUPP,
			"%s: process.apparmorProfile is set but AppArmor is not enabled on this host",
			c->spec->file);
	if (p->selinux && !rt_lsm_active("selinux"))
		return brig_err_set(
			e, -EOPNOTSUPP,
			"%s: process.selinuxLabel is set but SELinux is not enabled on this host",
			c->spec->file);
	if (!c->spec->ns[RT_NS_MNT].wanted)
		return brig_err_set(e, -EINVAL,
				    "%s: linux.namespaces: a mount namespace is required",
				    c->spec->file);
	return 0;
}

static int prepare(struct creation *c, struct brig_err *e)
{
	int r;
	if ((c->rootfd = rt_root_open(c->g->root, true, e)) < 0)
		return c->rootfd;
	if (mkdirat(c->rootfd, c->o->id, 0700) < 0) {
		if (errno == EEXIST)
			return brig_err_set(e, -EEXIST, "container with id \"%s\" already exists",
					    c->o->id);
		return brig_err_sys(e, errno, "creating state for %s", c->o->id);
	}
	c->made_dir = true;
	c->dirfd = BRIG_RETRY(
		openat(c->rootfd, c->o->id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	if (c->dirfd < 0)
		return brig_err_sys(e, errno, "opening state of %s", c->o->id);
	if ((c->lockfd = brig_lock_path(c->dirfd, RT_LOCK_FILE, BRIG_LOCK_EXCLUSIVE, true, e)) < 0)
		return c->lockfd;
	_cleanup_free_ char *cfg = json_dumps(c->spec->json, JSON_COMPACT);
	if (!cfg)
		return brig_err_set(e, -ENOMEM, "out of memory");
	if ((r = brig_atomic_replace(c->dirfd, RT_CONFIG_COPY, cfg, strlen(cfg), 0600, false, e)) <
		    0 ||
	    (r = make_listener(c, e)) < 0 || (r = connect_console(c, e)) < 0)
		return r;
	/* Idmapped mounts need host privileges: make them now; the init
	 * inherits the detached mounts and attaches them. */
	if (rt_rootfs_wants_idmap(c->spec->rootfs) &&
	    (r = rt_rootfs_prepare_idmaps(c->spec->rootfs, e)) < 0)
		return r;
	/* A container in a new user namespace, made by real root: its root
	 * may not reach the bind sources by path; hand them over as mounts. */
	bool userns = c->spec->ns[RT_NS_USER].wanted && !c->spec->ns[RT_NS_USER].path;
	if (userns && geteuid() == 0 && (r = rt_rootfs_prepare_sources(c->spec->rootfs, e)) < 0)
		return r;

	rt_trace("state");
	if (c->spec->cgroup) {
		rt_cgroup_cfg_defer_devices(c->spec->cgroup);
		r = rt_cgroup_create(c->spec->cgroup, &c->cg, e);
		if (r < 0 && !rt_cgroup_cfg_optional(c->spec->cgroup, r))
			return r;
		if (r < 0) {
			brig_debug("no cgroup: %s", brig_err_str(e));
			brig_err_clear(e);
			c->cg = NULL;
		}
	}
	rt_trace("cgroup-create");
	/* A provisional state, so that `delete` can remove the cgroups
	 * even if this process is killed before the container is ready. */
	if ((r = build_state(c, e)) < 0)
		return r;
	return rt_container_save(&(struct rt_container){ .dirfd = c->dirfd, .state = c->state }, e);
}

/* Undo whatever was made; e keeps the original error. */
static void teardown(struct creation *c)
{
	if (c->pid > 0) {
		(void)kill(c->pid, SIGKILL);
		(void)BRIG_RETRY(waitpid(c->pid, NULL, 0));
	}
	_cleanup_err_ struct brig_err e2 = { 0 };
	if (c->cg) {
		(void)rt_cgroup_kill(c->cg, SIGKILL, &e2);
		if (rt_cgroup_destroy(c->cg, &e2) < 0)
			brig_warn("cleaning up: %s", brig_err_str(&e2));
	}
	if (c->made_dir && rt_state_remove(c->rootfd, c->o->id, &e2) < 0)
		brig_warn("cleaning up: %s", brig_err_str(&e2));
}

static void creation_free(struct creation *c)
{
	int *fds[] = { &c->rootfd,     &c->dirfd,   &c->lockfd,  &c->listen_fd,
		       &c->console_fd, &c->sync[0], &c->sync[1], &c->console_peer };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(fds); i++)
		if (*fds[i] >= 0)
			(void)close(*fds[i]);
	rt_cgroup_free(c->cg);
	json_decref(c->state);
	rt_spec_free(c->spec);
}

static int write_pid_file(const char *path, pid_t pid, struct brig_err *e)
{
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
	return brig_atomic_replace(AT_FDCWD, path, buf, (size_t)n, 0644, false, e);
}

int rt_create(const struct rt_global *g, const struct rt_create_opts *o, struct brig_err *e)
{
	if (!rt_id_valid(o->id))
		return brig_err_set(e, -EINVAL, "invalid container id \"%s\"", o->id);
	struct creation c = { .g = g,
			      .o = o,
			      .rootfd = -1,
			      .dirfd = -1,
			      .lockfd = -1,
			      .listen_fd = -1,
			      .console_fd = -1,
			      .sync = { -1, -1 },
			      .console_peer = -1 };
	_cleanup_close_ int master = -1;
	rt_use_seccomp_cache(g);
	int r = rt_spec_load(o->bundle ? o->bundle : ".", o->config ? o->config_name : NULL,
			     o->config, o->id, g->systemd_cgroup, &c.spec, e);
	if (r < 0)
		return r;
	rt_trace("config");
	if ((r = validate(&c, e)) < 0 || (r = prepare(&c, e)) < 0 || (r = spawn_init(&c, e)) < 0 ||
	    (r = rt_container_save(&(struct rt_container){ .dirfd = c.dirfd, .state = c.state },
				   e)) < 0 ||
	    (o->pid_file && (r = write_pid_file(o->pid_file, c.pid, e)) < 0) ||
	    (c.console_peer >= 0 && (r = rt_recv_pty(c.console_peer, &master, e)) < 0)) {
		teardown(&c);
		creation_free(&c);
		return r;
	}
	rt_trace("created");
	pid_t pid = c.pid;
	if (o->pid_out)
		*o->pid_out = pid;
	brig_debug("container %s created: init pid %d, bundle %s", o->id, (int)pid, c.spec->bundle);
	/* Release the lock before start takes it. */
	creation_free(&c);
	if (o->created && (r = o->created(o->created_arg, pid, e)) < 0) {
		_cleanup_err_ struct brig_err e2 = { 0 };
		(void)rt_delete(g, o->id, true, &e2);
		return r;
	}
	if (!o->start)
		return 0;
	if ((r = rt_start(g, o->id, e)) < 0) {
		_cleanup_err_ struct brig_err e2 = { 0 };
		(void)rt_delete(g, o->id, true, &e2);
		return r;
	}
	rt_trace("started");
	if (!o->foreground)
		return 0;
	if (o->master_out) {
		*o->master_out = master;
		master = -1;
		return 0;
	}
	return rt_run_foreground(g, o->id, pid, master, o->keep, e);
}
