/* SPDX-License-Identifier: Apache-2.0 */
/* exec: start another process inside a running container. */
#include "runtime/final-internal.h"
#include "runtime/spawn-internal.h"
#include "runtime/state-internal.h"
#include "runtime/sync-internal.h"
#include "runtime/wait-internal.h"
#include "runtime/cgroup/cgroup.h"
#include "runtime/landlock-internal.h"
#include "runtime/seccomp/runtime-seccomp.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

#define MAX_PROCESS_JSON (1u << 20)

struct exec_ctx {
	const struct rt_exec_opts *o;
	struct rt_spec *spec; /* the container's config (seccomp, defaults) */
	struct rt_process proc; /* what to run */
	int join_flags;
	pid_t target;
	int sync[2];
	int console_fd;
	int console_peer; /* our end when we relay the pty ourselves */
	int master; /* the pty master received on console_peer */
};

static int strv_add(char ***v, const char *s)
{
	size_t n = brig_strv_len(*v);
	char **nv = realloc(*v, (n + 2) * sizeof(char *));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	if (!(nv[n] = strdup(s)))
		return -ENOMEM;
	nv[n + 1] = NULL;
	return 0;
}

/* --env K=V replaces K or is appended. */
static int env_set(char ***env, const char *kv, struct brig_err *e)
{
	const char *eq = strchr(kv, '=');
	if (!eq || eq == kv)
		return brig_err_set(e, -EINVAL, "--env \"%s\" is not KEY=VALUE", kv);
	size_t klen = (size_t)(eq - kv) + 1;
	for (char **p = *env; p && *p; p++)
		if (strncmp(*p, kv, klen) == 0) {
			char *d = strdup(kv);
			if (!d)
				return brig_err_set(e, -ENOMEM, "out of memory");
			free(*p);
			*p = d;
			return 0;
		}
	return strv_add(env, kv) < 0 ? brig_err_set(e, -ENOMEM, "out of memory") : 0;
}

static int parse_user(const char *u, struct rt_process *p, struct brig_err *e)
{
	char buf[64];
	if (brig_snprintf(buf, sizeof(buf), "%s", u) < 0)
		return brig_err_set(e, -EINVAL, "--user \"%s\": too long", u);
	char *colon = strchr(buf, ':');
	if (colon)
		*colon = '\0';
	uint64_t uid, gid = 0;
	if (brig_parse_u64(buf, &uid) < 0 || uid >= UINT32_MAX ||
	    (colon && (brig_parse_u64(colon + 1, &gid) < 0 || gid >= UINT32_MAX)))
		return brig_err_set(e, -EINVAL, "--user \"%s\": expected UID[:GID] numbers", u);
	p->uid = (uint32_t)uid;
	p->gid = colon ? (uint32_t)gid : p->gid;
	return 0;
}

static int apply_flags(struct exec_ctx *x, struct brig_err *e)
{
	const struct rt_exec_opts *o = x->o;
	struct rt_process *p = &x->proc;
	int r;
	brig_strv_free(p->args);
	if (!o->args || !o->args[0])
		return brig_err_set(e, -EINVAL, "exec needs a command (or --process)");
	if (!(p->args = brig_strv_dup(o->args)))
		return brig_err_set(e, -ENOMEM, "out of memory");
	for (char **kv = o->env; kv && *kv; kv++)
		if ((r = env_set(&p->env, *kv, e)) < 0)
			return r;
	if (o->cwd) {
		free(p->cwd);
		if (!(p->cwd = strdup(o->cwd)))
			return brig_err_set(e, -ENOMEM, "out of memory");
	}
	if (o->user && (r = parse_user(o->user, p, e)) < 0)
		return r;
	for (char **cap = o->caps; cap && *cap; cap++) {
		int c = brig_cap_from_name(*cap);
		if (c < 0)
			return brig_err_set(e, -EINVAL, "--cap: unknown capability \"%s\"", *cap);
		for (int s = 0; s < 5; s++)
			p->caps.sets[s] |= UINT64_C(1) << c;
		p->has_caps = true;
	}
	for (char **g = o->additional_gids; g && *g; g++) {
		uint64_t v;
		if (brig_parse_u64(*g, &v) < 0 || v >= UINT32_MAX)
			return brig_err_set(e, -EINVAL, "--additional-gids: \"%s\" is not a gid",
					    *g);
		gid_t *ng = realloc(p->groups, (p->n_groups + 1) * sizeof(gid_t));
		if (!ng)
			return brig_err_set(e, -ENOMEM, "out of memory");
		p->groups = ng;
		p->groups[p->n_groups++] = (gid_t)v;
	}
	if (o->no_new_privs_set)
		p->no_new_privs = o->no_new_privs;
	if (o->apparmor) {
		free(p->apparmor);
		if (!(p->apparmor = strdup(o->apparmor)))
			return brig_err_set(e, -ENOMEM, "out of memory");
	}
	if (o->process_label) {
		free(p->selinux);
		if (!(p->selinux = strdup(o->process_label)))
			return brig_err_set(e, -ENOMEM, "out of memory");
	}
	p->terminal = o->tty;
	return 0;
}

/* exec --process: what the file leaves out (rlimits, capabilities, the LSM
 * labels) comes from the container's process, as runc does, so the exec'd
 * process is never less confined than the container's own. */
static int inherit_unset(struct rt_process *p, const struct rt_process *c, struct brig_err *e)
{
	if (!p->has_caps) {
		p->caps = c->caps;
		p->has_caps = c->has_caps;
	}
	if (p->n_rlimits == 0 && c->n_rlimits) {
		free(p->rlimits);
		if (!(p->rlimits = calloc(c->n_rlimits, sizeof(*p->rlimits))))
			return brig_err_set(e, -ENOMEM, "out of memory");
		memcpy(p->rlimits, c->rlimits, c->n_rlimits * sizeof(*p->rlimits));
		p->n_rlimits = c->n_rlimits;
	}
	if ((!p->apparmor && c->apparmor && !(p->apparmor = strdup(c->apparmor))) ||
	    (!p->selinux && c->selinux && !(p->selinux = strdup(c->selinux))))
		return brig_err_set(e, -ENOMEM, "out of memory");
	return 0;
}

/* The process to run: --process FILE, or the container's process with the
 * command-line changes, like runc. */
static int build_process(struct exec_ctx *x, struct brig_err *e)
{
	if (x->o->process_file) {
		_cleanup_json_ json_t *j = NULL;
		int r = bj_load_file(AT_FDCWD, x->o->process_file, MAX_PROCESS_JSON, &j, e);
		if (r < 0)
			return r;
		struct bj_loc at;
		bj_root(&at, x->o->process_file);
		if ((r = rt_process_parse(j, &at, &x->proc, e)) < 0)
			return r;
		return inherit_unset(&x->proc, &x->spec->process, e);
	}
	/* Start from a deep copy of the container's process. */
	const struct rt_process *c = &x->spec->process;
	struct rt_process *p = &x->proc;
	*p = *c;
	p->args = NULL;
	p->env = brig_strv_dup(c->env);
	p->cwd = strdup(c->cwd);
	p->groups = calloc(c->n_groups ? c->n_groups : 1, sizeof(gid_t));
	p->rlimits = calloc(c->n_rlimits ? c->n_rlimits : 1, sizeof(*p->rlimits));
	p->apparmor = c->apparmor ? strdup(c->apparmor) : NULL;
	p->selinux = c->selinux ? strdup(c->selinux) : NULL;
	if (!p->env || !p->cwd || !p->groups || !p->rlimits || (c->apparmor && !p->apparmor) ||
	    (c->selinux && !p->selinux))
		return brig_err_set(e, -ENOMEM, "out of memory");
	if (c->n_groups)
		memcpy(p->groups, c->groups, c->n_groups * sizeof(gid_t));
	if (c->n_rlimits)
		memcpy(p->rlimits, c->rlimits, c->n_rlimits * sizeof(*p->rlimits));
	return apply_flags(x, e);
}

static int ns_differs(pid_t pid, const char *name)
{
	char a[64], b[64];
	struct stat sa, sb;
	(void)snprintf(a, sizeof(a), "/proc/%d/ns/%s", (int)pid, name);
	(void)snprintf(b, sizeof(b), "/proc/self/ns/%s", name);
	if (stat(a, &sa) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (stat(b, &sb) < 0)
		return 1;
	return sa.st_ino != sb.st_ino || sa.st_dev != sb.st_dev;
}

static int compute_join_flags(struct exec_ctx *x, struct brig_err *e)
{
	x->join_flags = 0;
	for (int k = 0; k < RT_NS_COUNT; k++) {
		int d = ns_differs(x->target, rt_ns_proc_name(k));
		if (d < 0)
			return brig_err_sys(e, -d, "inspecting namespaces of %d", (int)x->target);
		if (d)
			x->join_flags |= rt_ns_clone_flag(k);
	}
	return 0;
}

/* The process that becomes the exec'd program. */
static void exec_child(struct exec_ctx *x)
{
	_cleanup_err_ struct brig_err e = { 0 };
	int sock = x->sync[1];
	struct rt_msg m;
	char path[PATH_MAX];
	int later = 0;
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 ||
	    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) {
		brig_err_sys(&e, errno, "prctl");
		rt_sync_die(sock, &e);
	}
	if (rt_sync_expect(sock, RT_MSG_GO, &m, NULL, "exec", &e) < 0)
		_exit(1);
	/* Its own session and process group, as run/create give the init:
	 * otherwise kill(0) or kill(-pgid) from inside reaches the caller's
	 * processes on the host.  A terminal becomes its controlling tty. */
	if (setsid() < 0) {
		brig_err_sys(&e, errno, "setsid");
		rt_sync_die(sock, &e);
	}
	if ((x->proc.terminal && rt_final_console(&x->proc, x->console_fd, &e) < 0) ||
	    rt_mempolicy_apply(&x->spec->mempolicy, &e) < 0 || rt_final_limits(&x->proc, &e) < 0 ||
	    rt_final_home(&x->proc, &e) < 0 || (later = rt_final_cwd(&x->proc, true, &e)) < 0 ||
	    rt_landlock_apply(x->spec->landlock, &e) < 0 ||
	    rt_final_identity(&x->proc, x->spec->seccomp, sock, &e) < 0 ||
	    (later && rt_final_cwd(&x->proc, false, &e) < 0) ||
	    rt_find_exec(&x->proc, path, &e) < 0 ||
	    rt_final_seccomp(&x->proc, x->spec->seccomp, sock, &e) < 0)
		rt_sync_die(sock, &e);
	if (x->console_fd >= 0)
		(void)close(x->console_fd);
	if (rt_sync_send(sock, RT_MSG_READY, 0, NULL, -1) < 0 ||
	    rt_sync_expect(sock, RT_MSG_START, &m, NULL, "exec", &e) < 0)
		_exit(1);
	if (prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0) < 0)
		_exit(1);
	(void)rt_final_exec(&x->proc, path, x->o->preserve_fds, &e);
	rt_sync_die(sock, &e);
}

/* Joins the namespaces, then clones the real child as our sibling. */
static void exec_joiner(struct exec_ctx *x)
{
	_cleanup_err_ struct brig_err e = { 0 };
	if (rt_join_namespaces_of(x->target, x->join_flags, &e) < 0)
		rt_sync_die(x->sync[1], &e);
	pid_t pid = (pid_t)syscall(SYS_clone, (unsigned long)(CLONE_PARENT | SIGCHLD), NULL, NULL,
				   NULL, NULL);
	if (pid < 0) {
		brig_err_sys(&e, errno, "clone");
		rt_sync_die(x->sync[1], &e);
	}
	if (pid == 0)
		exec_child(x);
	(void)rt_sync_send(x->sync[1], RT_MSG_PID, pid, NULL, -1);
	_exit(0);
}

static int connect_console(struct exec_ctx *x, struct brig_err *e)
{
	if (!x->proc.terminal)
		return 0;
	if (!x->o->console_socket) {
		/* runc's behaviour: relay the pty ourselves in the foreground. */
		if (x->o->detach)
			return brig_err_set(e, -EINVAL,
					    "--tty with --detach needs --console-socket");
		int sv[2];
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
			return brig_err_sys(e, errno, "socketpair");
		x->console_peer = sv[0];
		x->console_fd = sv[1];
		return 0;
	}
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (brig_snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", x->o->console_socket) < 0)
		return brig_err_set(e, -ENAMETOOLONG, "--console-socket path too long");
	x->console_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (x->console_fd < 0)
		return brig_err_sys(e, errno, "socket");
	if (BRIG_RETRY(connect(x->console_fd, (struct sockaddr *)&sa, sizeof(sa))) < 0)
		return brig_err_sys(e, errno, "connecting to %s", x->o->console_socket);
	return 0;
}

static int launch(struct exec_ctx *x, struct rt_container *c, pid_t *out, struct brig_err *e)
{
	int r = rt_sync_pair(x->sync, e);
	if (r < 0)
		return r;
	pid_t joiner = fork();
	if (joiner < 0)
		return brig_err_sys(e, errno, "fork");
	if (joiner == 0) {
		(void)close(x->sync[0]);
		exec_joiner(x);
	}
	(void)close(x->sync[1]);
	x->sync[1] = -1;
	struct rt_msg m;
	r = rt_sync_expect(x->sync[0], RT_MSG_PID, &m, NULL, "exec", e);
	(void)BRIG_RETRY(waitpid(joiner, NULL, 0));
	if (r < 0)
		return r;
	pid_t pid = (pid_t)m.value;
	*out = pid;
	if (c->cgroup && (r = rt_cgroup_enter(c->cgroup, pid, e)) < 0)
		return r;
	if ((r = rt_sync_send(x->sync[0], RT_MSG_GO, 0, NULL, -1)) < 0)
		return brig_err_sys(e, -r, "exec");
	for (;;) {
		int fd = -1;
		r = rt_sync_recv(x->sync[0], &m, &fd);
		if (r < 0)
			return brig_err_sys(e, -r, "exec: the process exited during setup");
		if (m.type == RT_MSG_READY)
			break;
		if (m.type == RT_MSG_ERROR)
			return brig_err_set(e, m.value ? -abs(m.value) : -EIO, "%s", m.text);
		if (m.type != RT_MSG_SECCOMP_FD || fd < 0) {
			if (fd >= 0)
				(void)close(fd);
			return brig_err_set(e, -EPROTO, "exec: unexpected message %u", m.type);
		}
		_cleanup_json_ json_t *st = rt_state_public(c);
		r = rt_seccomp_send_listener(x->spec->seccomp, fd, pid, st, e);
		(void)close(fd);
		if (r < 0)
			return r;
	}
	if (x->o->pid_file) {
		char buf[16];
		int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
		if ((r = brig_atomic_replace(AT_FDCWD, x->o->pid_file, buf, (size_t)n, 0644, false,
					     e)) < 0)
			return r;
	}
	if (x->console_peer >= 0 && (r = rt_recv_pty(x->console_peer, &x->master, e)) < 0)
		return r;
	if ((r = rt_sync_send(x->sync[0], RT_MSG_START, 0, NULL, -1)) < 0)
		return brig_err_sys(e, -r, "exec");
	/* The child closes its end on a successful execve. */
	r = rt_sync_recv(x->sync[0], &m, NULL);
	if (r == 0 && m.type == RT_MSG_ERROR)
		return brig_err_set(e, m.value ? -abs(m.value) : -EIO, "%s", m.text);
	return 0;
}

static void exec_ctx_clear(struct exec_ctx *x)
{
	rt_process_clear(&x->proc);
	rt_spec_free(x->spec);
	for (int i = 0; i < 2; i++)
		if (x->sync[i] >= 0)
			(void)close(x->sync[i]);
	if (x->console_fd >= 0)
		(void)close(x->console_fd);
	if (x->console_peer >= 0)
		(void)close(x->console_peer);
	if (x->master >= 0)
		(void)close(x->master);
}

/* A foreground exec: its pty relayed by the caller's tty_relay, or here. */
static int wait_exec(struct exec_ctx *x, pid_t pid, struct brig_err *e)
{
	const struct rt_exec_opts *o = x->o;
	const struct rt_detach_keys *keys = o->tty ? o->detach_keys : NULL;
	if (x->master < 0 || !o->tty_relay)
		return rt_wait_forward(pid, x->master, keys, e);
	pid_t relay = o->tty_relay(x->master, pid, keys);
	(void)close(x->master);
	x->master = -1;
	if (relay >= 0)
		return rt_wait_relayed(pid, relay, e);
	int err = errno;
	(void)kill(pid, SIGKILL);
	(void)BRIG_RETRY(waitpid(pid, NULL, 0));
	return brig_err_sys(e, err, "forking the relay of the exec's terminal");
}

int rt_exec(const struct rt_global *g, const struct rt_exec_opts *o, struct brig_err *e)
{
	struct rt_container *c = NULL;
	struct exec_ctx x = {
		.o = o, .sync = { -1, -1 }, .console_fd = -1, .console_peer = -1, .master = -1
	};
	pid_t pid = -1;
	int r = rt_container_load(g, o->id, &c, e);
	if (r < 0)
		return r;
	const char *status = rt_container_status(c);
	char cfg[PATH_MAX];
	if (strcmp(status, "running") != 0 && strcmp(status, "created") != 0) {
		r = brig_err_set(e, -EINVAL, "cannot exec in a container that is %s", status);
		goto out;
	}
	if (brig_snprintf(cfg, sizeof(cfg), "%s/%s/%s", g->root, o->id, RT_CONFIG_COPY) < 0) {
		r = brig_err_set(e, -ENAMETOOLONG, "state path too long");
		goto out;
	}
	const char *bundle = json_string_value(json_object_get(c->state, "bundle"));
	x.target = c->pid;
	rt_use_seccomp_cache(g);
	if ((r = rt_spec_load(bundle ? bundle : "/", cfg, NULL, o->id, false, &x.spec, e)) < 0 ||
	    (r = build_process(&x, e)) < 0 || (r = rt_check_rlimits(&x.proc, "process", e)) < 0 ||
	    (r = compute_join_flags(&x, e)) < 0 || (r = connect_console(&x, e)) < 0)
		goto out;
	/* Release the container lock: the process may run for long. */
	(void)close(c->lockfd);
	c->lockfd = -1;
	r = launch(&x, c, &pid, e);
	if (r == 0 && o->detach && o->pid_out)
		*o->pid_out = pid;
	if (r == 0 && !o->detach)
		r = wait_exec(&x, pid, e);
	else if (r < 0 && pid > 0) {
		(void)kill(pid, SIGKILL);
		(void)BRIG_RETRY(waitpid(pid, NULL, 0));
	}
out:
	exec_ctx_clear(&x);
	rt_container_free(c);
	return r;
}
