/* SPDX-License-Identifier: Apache-2.0 */
/* start, state, list, kill, delete, ps, pause/resume, update, and waiting
 * for a foreground container. */
#include "runtime/state-internal.h"
#include "runtime/cgroup/cgroup.h"
#include "runtime/wait-internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

static char *hook_state_text(struct rt_container *c, const char *status)
{
	_cleanup_json_ json_t *s = rt_state_public(c);
	if (!s)
		return NULL;
	if (status)
		(void)json_object_set_new(s, "status", json_string(status));
	(void)json_object_set_new(s, "pid", json_integer(c->pid));
	return json_dumps(s, JSON_COMPACT);
}

static void run_hooks_warn(struct rt_container *c, enum rt_hook_kind k, const char *status)
{
	struct rt_spec *s = NULL;
	_cleanup_err_ struct brig_err e = { 0 };
	if (rt_spec_load_hooks(c->dirfd, RT_CONFIG_COPY, &s, &e) < 0) {
		brig_warn("container %s: %s", c->id, brig_err_str(&e));
		return;
	}
	_cleanup_free_ char *text = hook_state_text(c, status);
	_cleanup_json_ json_t *st = text ? json_loads(text, 0, NULL) : NULL;
	if (st)
		rt_hooks_run_warn(s, k, st, c->id);
	rt_spec_free(s);
}

static int wait_gone(struct rt_container *c, struct brig_err *e);

/* runtime-spec 1.3: a failing poststart hook is an error; the container is
 * stopped and the lifecycle goes on with delete (which runs poststop). */
static int run_poststart(struct rt_container *c, struct brig_err *e)
{
	struct rt_spec *s = NULL;
	int r = rt_spec_load_hooks(c->dirfd, RT_CONFIG_COPY, &s, e);
	if (r < 0)
		return r;
	_cleanup_free_ char *text = s->n_hooks[RT_HOOK_POSTSTART] ? hook_state_text(c, "running")
								  : NULL;
	_cleanup_json_ json_t *st = text ? json_loads(text, 0, NULL) : NULL;
	if (s->n_hooks[RT_HOOK_POSTSTART] && !st)
		r = brig_err_set(e, -ENOMEM, "out of memory");
	else if (st)
		r = rt_hooks_run(s, RT_HOOK_POSTSTART, st, e);
	rt_spec_free(s);
	if (r >= 0)
		return 0;
	_cleanup_err_ struct brig_err e2 = { 0 };
	if (c->cgroup)
		(void)rt_cgroup_kill(c->cgroup, SIGKILL, &e2);
	brig_err_clear(&e2);
	(void)rt_container_signal(c, SIGKILL, &e2);
	brig_err_clear(&e2);
	if (wait_gone(c, &e2) < 0)
		brig_warn("container %s: %s", c->id, brig_err_str(&e2));
	return brig_err_wrap(e, "container %s stopped", c->id);
}

static int send_start(struct rt_container *c, struct brig_err *e)
{
	struct sockaddr_un sa;
	socklen_t len;
	if (rt_unix_addr(c->dirfd, RT_START_SOCK, &sa, &len) < 0)
		return brig_err_set(e, -ENAMETOOLONG, "start socket path too long");
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return brig_err_sys(e, errno, "socket");
	if (BRIG_RETRY(connect(fd, (struct sockaddr *)&sa, len)) < 0)
		return brig_err_sys(e, errno, "container %s: reaching its init", c->id);
	_cleanup_free_ char *text = hook_state_text(c, "created");
	if (!text)
		return brig_err_set(e, -ENOMEM, "out of memory");
	int r = brig_write_all(fd, text, strlen(text));
	if (r < 0 || shutdown(fd, SHUT_WR) < 0)
		return brig_err_sys(e, r < 0 ? -r : errno, "container %s: starting", c->id);
	/* The connection closes on a successful execve; anything read is
	 * the reason it failed. */
	_cleanup_free_ char *reply = NULL;
	size_t n = 0;
	if (brig_read_fd(fd, "start reply", 16384, &reply, &n, e) < 0)
		return e->code;
	if (n > 0)
		return brig_err_set(e, -ENOEXEC, "%s", reply);
	return 0;
}

int rt_start(const struct rt_global *g, const char *id, struct brig_err *e)
{
	struct rt_container *c = NULL;
	int r = rt_container_load(g, id, &c, e);
	if (r < 0)
		return r;
	const char *status = rt_container_status(c);
	if (strcmp(status, "created") != 0) {
		r = brig_err_set(e, -EINVAL, "cannot start a container that is %s", status);
		goto out;
	}
	r = send_start(c, e);
	if (unlinkat(c->dirfd, RT_START_SOCK, 0) < 0 && errno != ENOENT)
		brig_warn("removing start socket: %s", strerror(errno));
	if (r == 0) {
		brig_debug("container %s started", id);
		r = run_poststart(c, e);
	}
out:
	rt_container_free(c);
	return r;
}

int rt_state(const struct rt_global *g, const char *id, json_t **out, struct brig_err *e)
{
	struct rt_container *c = NULL;
	int r = rt_container_load(g, id, &c, e);
	if (r < 0)
		return r;
	*out = rt_state_public(c);
	rt_container_free(c);
	return *out ? 0 : brig_err_set(e, -ENOMEM, "out of memory");
}

int rt_list(const struct rt_global *g, json_t **out, struct brig_err *e)
{
	json_t *arr = json_array();
	if (!arr)
		return brig_err_set(e, -ENOMEM, "out of memory");
	DIR *d = opendir(g->root);
	if (!d) {
		*out = arr;
		return errno == ENOENT ? 0 : brig_err_sys(e, errno, "listing %s", g->root);
	}
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || !rt_id_valid(de->d_name))
			continue;
		struct rt_container *c = NULL;
		_cleanup_err_ struct brig_err e2 = { 0 };
		if (rt_container_load(g, de->d_name, &c, &e2) < 0)
			continue; /* being created or deleted right now */
		json_t *s = rt_state_public(c);
		if (s)
			(void)json_array_append_new(arr, s);
		rt_container_free(c);
	}
	(void)closedir(d);
	*out = arr;
	return 0;
}

int rt_kill(const struct rt_global *g, const char *id, int sig, bool all, struct brig_err *e)
{
	struct rt_container *c = NULL;
	int r = rt_container_load(g, id, &c, e);
	if (r < 0)
		return r;
	const char *status = rt_container_status(c);
	if (strcmp(status, "stopped") == 0)
		r = brig_err_set(e, -ESRCH, "container %s is not running", id);
	else if (all && c->cgroup)
		r = rt_cgroup_kill(c->cgroup, sig, e);
	else
		r = rt_container_signal(c, sig, e);
	rt_container_free(c);
	return r;
}

/* Wait until the init process is gone (it may not be our child). */
static int wait_gone(struct rt_container *c, struct brig_err *e)
{
	int pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
	if (pidfd < 0)
		return errno == ESRCH ? 0 : brig_err_sys(e, errno, "pidfd_open");
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	int n;
	/* Bounded: SIGKILL has been sent; a process stuck in D state for
	 * longer than this is reported rather than waited on forever. */
	while ((n = poll(&p, 1, 10000)) < 0 && errno == EINTR)
		;
	(void)close(pidfd);
	if (n == 0)
		return brig_err_set(e, -ETIMEDOUT, "container %s: init did not exit after SIGKILL",
				    c->id);
	/* Reap it if it is ours (run). */
	(void)waitpid(c->pid, NULL, WNOHANG);
	return 0;
}

/* What a create killed before its first state write leaves: a directory
 * with no state.json whose lock nobody holds.  Only --force removes it. */
static int remove_debris(const struct rt_global *g, const char *id, struct brig_err *e)
{
	_cleanup_close_ int rootfd = rt_root_open(g->root, false, e);
	if (rootfd < 0)
		return rootfd;
	_cleanup_close_ int dfd = BRIG_RETRY(
		openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	if (dfd < 0)
		return brig_err_set(e, -ENOENT, "container \"%s\" does not exist", id);
	_cleanup_close_ int lock = brig_lock_path(dfd, RT_LOCK_FILE, BRIG_LOCK_EXCLUSIVE, false, e);
	if (lock < 0)
		return lock;
	if (faccessat(dfd, RT_STATE_FILE, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return brig_err_set(e, -EAGAIN, "container %s appeared meanwhile", id);
	brig_warn("removing the remains of an interrupted create of %s", id);
	return rt_state_remove(rootfd, id, e);
}

int rt_delete(const struct rt_global *g, const char *id, bool force, struct brig_err *e)
{
	_cleanup_close_ int rootfd = -1;
	struct rt_container *c = NULL;
	int r = rt_container_load(g, id, &c, e);
	if (r == -ENOENT && force && rt_id_valid(id)) {
		brig_err_clear(e);
		return remove_debris(g, id, e);
	}
	if (r < 0)
		return r;
	const char *status = rt_container_status(c);
	if (strcmp(status, "stopped") != 0) {
		/* The spec: deleting a container that is not stopped is an
		 * error without effect; --force kills it first. */
		if (!force) {
			r = brig_err_set(e, -EBUSY,
					 "cannot delete container %s that is %s (use --force)", id,
					 status);
			goto out;
		}
		if (c->cgroup && strcmp(status, "paused") == 0)
			(void)rt_cgroup_freeze(c->cgroup, false, e);
		if (c->cgroup)
			(void)rt_cgroup_kill(c->cgroup, SIGKILL, e);
		(void)rt_container_signal(c, SIGKILL, e);
		brig_err_clear(e);
		if ((r = wait_gone(c, e)) < 0)
			goto out;
	}
	if (c->cgroup) {
		(void)rt_cgroup_kill(c->cgroup, SIGKILL, e);
		brig_err_clear(e);
		if ((r = rt_cgroup_destroy(c->cgroup, e)) < 0)
			goto out;
	}
	run_hooks_warn(c, RT_HOOK_POSTSTOP, "stopped");
	brig_debug("container %s deleted", id);
	rootfd = rt_root_open(g->root, false, e);
	r = rootfd < 0 ? rootfd : rt_state_remove(rootfd, id, e);
out:
	rt_container_free(c);
	return r;
}

int rt_ps(const struct rt_global *g, const char *id, pid_t **pids, size_t *n, struct brig_err *e)
{
	struct rt_container *c = NULL;
	int r = rt_container_load(g, id, &c, e);
	if (r < 0)
		return r;
	if (c->cgroup) {
		r = rt_cgroup_pids(c->cgroup, pids, n, e);
	} else if (rt_container_alive(c)) {
		*pids = malloc(sizeof(pid_t));
		r = *pids ? 0 : brig_err_set(e, -ENOMEM, "out of memory");
		if (r == 0) {
			(*pids)[0] = c->pid;
			*n = 1;
		}
	} else {
		*pids = NULL;
		*n = 0;
	}
	rt_container_free(c);
	return r;
}

int rt_pause(const struct rt_global *g, const char *id, bool pause, struct brig_err *e)
{
	struct rt_container *c = NULL;
	int r = rt_container_load(g, id, &c, e);
	if (r < 0)
		return r;
	const char *status = rt_container_status(c);
	if (!c->cgroup)
		r = brig_err_set(e, -EOPNOTSUPP, "container %s has no cgroup to freeze", id);
	else if (pause && strcmp(status, "running") != 0)
		r = brig_err_set(e, -EINVAL, "container %s is %s, not running", id, status);
	else if (!pause && strcmp(status, "paused") != 0)
		r = brig_err_set(e, -EINVAL, "container %s is %s, not paused", id, status);
	else
		r = rt_cgroup_freeze(c->cgroup, pause, e);
	rt_container_free(c);
	return r;
}

int rt_update(const struct rt_global *g, const char *id, const json_t *resources, const char *file,
	      struct brig_err *e)
{
	struct rt_container *c = NULL;
	int r = rt_container_load(g, id, &c, e);
	if (r < 0)
		return r;
	struct rt_cgroup_resources *res = NULL;
	struct bj_loc at;
	bj_root(&at, file);
	if (!c->cgroup)
		r = brig_err_set(e, -EOPNOTSUPP, "container %s has no cgroup", id);
	else if ((r = rt_cgroup_resources_parse(resources, &at, &res, e)) == 0)
		r = rt_cgroup_update(c->cgroup, res, e);
	rt_cgroup_resources_free(res);
	rt_container_free(c);
	return r;
}

int rt_events_stats(const struct rt_global *g, const char *id, json_t **out, struct brig_err *e)
{
	struct rt_container *c = NULL;
	int r = rt_container_load(g, id, &c, e);
	if (r < 0)
		return r;
	r = c->cgroup ? rt_cgroup_stats(c->cgroup, out, e)
		      : brig_err_set(e, -EOPNOTSUPP, "container %s has no cgroup", id);
	rt_container_free(c);
	return r;
}

/* run without -d: forward signals (and the pty), wait, delete. */
int rt_run_foreground(const struct rt_global *g, const char *id, pid_t pid, int master, bool keep,
		      struct brig_err *e)
{
	int code = rt_wait_forward(pid, master, NULL, e);
	rt_trace("exited");
	_cleanup_err_ struct brig_err e2 = { 0 };
	if (!keep && rt_delete(g, id, true, &e2) < 0)
		brig_warn("removing container %s: %s", id, brig_err_str(&e2));
	rt_trace("deleted");
	return code;
}
