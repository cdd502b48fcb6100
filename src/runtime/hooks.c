/* SPDX-License-Identifier: Apache-2.0 */
/* OCI hooks: parsed from config.json, run with the state on stdin. */
#include "runtime/runtime-internal.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *const hook_keys[RT_HOOK_COUNT] = {
	[RT_HOOK_PRESTART] = "prestart",
	[RT_HOOK_CREATE_RUNTIME] = "createRuntime",
	[RT_HOOK_CREATE_CONTAINER] = "createContainer",
	[RT_HOOK_START_CONTAINER] = "startContainer",
	[RT_HOOK_POSTSTART] = "poststart",
	[RT_HOOK_POSTSTOP] = "poststop",
};

void rt_hooks_free(struct rt_spec *s)
{
	for (int k = 0; k < RT_HOOK_COUNT; k++) {
		for (size_t i = 0; i < s->n_hooks[k]; i++) {
			free(s->hooks[k][i].path);
			brig_strv_free(s->hooks[k][i].args);
			brig_strv_free(s->hooks[k][i].env);
		}
		free(s->hooks[k]);
		s->hooks[k] = NULL;
		s->n_hooks[k] = 0;
	}
}

static int parse_list(const json_t *arr, const struct bj_loc *al, struct rt_spec *s, int k,
		      struct brig_err *e)
{
	size_t n = json_array_size(arr);
	if (n > 256)
		return bj_fail(e, al, "too many hooks (%zu)", n);
	s->hooks[k] = calloc(n ? n : 1, sizeof(struct rt_hook));
	if (!s->hooks[k])
		return brig_err_set(e, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct bj_loc el;
		bj_idx(&el, al, i);
		json_t *o = json_array_get(arr, i);
		struct rt_hook *h = &s->hooks[k][i];
		s->n_hooks[k] = i + 1;
		const char *path = NULL;
		int64_t timeout = 0;
		int r;
		if ((r = bj_get_str(o, &el, "path", true, &path, e)) < 0 ||
		    (r = bj_get_strv(o, &el, "args", false, 4096, &h->args, e)) < 0 ||
		    (r = bj_get_strv(o, &el, "env", false, 4096, &h->env, e)) < 0 ||
		    (r = bj_get_int(o, &el, "timeout", false, 1, 86400, &timeout, e)) < 0)
			return r;
		if (path[0] != '/')
			return bj_fail(e, &el, "path \"%s\" is not absolute", path);
		if (!(h->path = strdup(path)))
			return brig_err_set(e, -ENOMEM, "out of memory");
		h->timeout = (int)timeout;
	}
	return 0;
}

int rt_hook_parse_all(const json_t *config, const struct bj_loc *root, struct rt_spec *s,
		      struct brig_err *e)
{
	json_t *hooks = NULL;
	int r = bj_get_obj(config, root, "hooks", false, &hooks, e);
	if (r != 0)
		return r < 0 ? r : 0;
	struct bj_loc hl;
	bj_key(&hl, root, "hooks");
	for (int k = 0; k < RT_HOOK_COUNT; k++) {
		json_t *arr = NULL;
		r = bj_get_arr(hooks, &hl, hook_keys[k], false, &arr, e);
		if (r < 0)
			return r;
		if (r > 0)
			continue;
		struct bj_loc al;
		bj_key(&al, &hl, hook_keys[k]);
		if ((r = parse_list(arr, &al, s, k, e)) < 0)
			return r;
	}
	return 0;
}

/* Child side: stdin from the state pipe, stdout/stderr to ours; exec. */
static void hook_child(const struct rt_hook *h, int in_fd)
{
	if (dup2(in_fd, STDIN_FILENO) < 0)
		_exit(126);
	sigset_t none;
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	char *argv0[] = { h->path, NULL };
	/* No env key: the runtime's own environment, as runc passes it (the
	 * spec is silent; hooks written for runc expect it).  env [] is empty. */
	execve(h->path, h->args && h->args[0] ? h->args : argv0, h->env ? h->env : environ);
	_exit(127);
}

static int wait_hook(pid_t pid, int timeout, const struct rt_hook *h, const char *kind,
		     struct brig_err *e)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd >= 0 && timeout > 0) {
		struct pollfd p = { .fd = pidfd, .events = POLLIN };
		struct timespec start, now;
		(void)clock_gettime(CLOCK_MONOTONIC, &start);
		int left = timeout * 1000, pr;
		while ((pr = poll(&p, 1, left)) < 0 && errno == EINTR) {
			(void)clock_gettime(CLOCK_MONOTONIC, &now);
			left = timeout * 1000 -
				(int)((now.tv_sec - start.tv_sec) * 1000 +
				      (now.tv_nsec - start.tv_nsec) / 1000000);
			if (left < 0)
				left = 0;
		}
		if (pr == 0) {
			(void)kill(pid, SIGKILL);
			(void)BRIG_RETRY(waitpid(pid, NULL, 0));
			(void)close(pidfd);
			return brig_err_set(e, -ETIMEDOUT, "%s hook %s timed out after %d s", kind,
					    h->path, timeout);
		}
	}
	if (pidfd >= 0)
		(void)close(pidfd);
	int status;
	if (BRIG_RETRY(waitpid(pid, &status, 0)) < 0)
		return brig_err_sys(e, errno, "waiting for %s hook %s", kind, h->path);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		return brig_err_set(e, -ECHILD, "%s hook %s exited with status %d", kind, h->path,
				    WEXITSTATUS(status));
	return brig_err_set(e, -ECHILD, "%s hook %s killed by signal %d", kind, h->path,
			    WTERMSIG(status));
}

static int run_one(const struct rt_hook *h, const char *kind, const char *state, struct brig_err *e)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0)
		return brig_err_sys(e, errno, "pipe for hook");
	pid_t pid = fork();
	if (pid < 0) {
		int err = errno;
		(void)close(fds[0]);
		(void)close(fds[1]);
		return brig_err_sys(e, err, "forking %s hook", kind);
	}
	if (pid == 0) {
		(void)close(fds[1]);
		hook_child(h, fds[0]);
	}
	(void)close(fds[0]);
	/* A hook that does not read its stdin must not block us: ignore EPIPE. */
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	(void)sigaction(SIGPIPE, &ign, &old);
	(void)brig_write_all(fds[1], state, strlen(state));
	(void)close(fds[1]);
	(void)sigaction(SIGPIPE, &old, NULL);
	return wait_hook(pid, h->timeout, h, kind, e);
}

void rt_hooks_run_warn(const struct rt_spec *s, enum rt_hook_kind k, const json_t *state,
		       const char *id)
{
	_cleanup_free_ char *text = s->n_hooks[k] ? json_dumps(state, JSON_COMPACT) : NULL;
	for (size_t i = 0; text && i < s->n_hooks[k]; i++) {
		_cleanup_err_ struct brig_err e = { 0 };
		if (run_one(&s->hooks[k][i], hook_keys[k], text, &e) < 0)
			brig_warn("container %s: %s", id, brig_err_str(&e));
	}
}

int rt_hooks_run(const struct rt_spec *s, enum rt_hook_kind k, const json_t *state,
		 struct brig_err *e)
{
	if (s->n_hooks[k] == 0)
		return 0;
	_cleanup_free_ char *text = json_dumps(state, JSON_COMPACT);
	if (!text)
		return brig_err_set(e, -ENOMEM, "out of memory");
	for (size_t i = 0; i < s->n_hooks[k]; i++) {
		int r = run_one(&s->hooks[k][i], hook_keys[k], text, e);
		if (r < 0)
			return r;
	}
	return 0;
}
