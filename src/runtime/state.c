/* SPDX-License-Identifier: Apache-2.0 */
/* Container state on disk: ROOT/ID/{state.json,config.json,start.sock}. */
#include "runtime/state-internal.h"
#include "runtime/cgroup/cgroup.h"
#include "runtime/seccomp/runtime-seccomp.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define RT_MAX_STATE (1u << 20)

bool rt_id_valid(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > 1024)
		return false;
	if (!((id[0] >= 'a' && id[0] <= 'z') || (id[0] >= 'A' && id[0] <= 'Z') ||
	      (id[0] >= '0' && id[0] <= '9')))
		return false;
	return strspn(id,
		      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789_+.-") == n;
}

int rt_root_open(const char *root, bool create, struct brig_err *e)
{
	if (create) {
		int r = brig_mkdir_p(AT_FDCWD, root, 0700, e);
		if (r < 0)
			return brig_err_wrap(e, "state root");
	}
	int fd = BRIG_RETRY(open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (fd < 0)
		return brig_err_sys(e, errno, "opening state root %s", root);
	return fd;
}

uint64_t rt_pid_start_time(pid_t pid)
{
	if (pid <= 0)
		return 0; /* no process yet (a provisional state) */
	char path[64];
	(void)snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	_cleanup_free_ char *buf = NULL;
	if (brig_read_file(AT_FDCWD, path, 8192, &buf, NULL, NULL) < 0)
		return 0;
	/* The command name may hold spaces and parentheses: skip past the
	 * last ')' then count fields (state is field 3, starttime 22). */
	char *p = strrchr(buf, ')');
	if (!p)
		return 0;
	p++;
	for (int field = 3; field < 22 && p; field++) {
		p = strchr(p + 1, ' ');
	}
	if (!p)
		return 0;
	/* Zombies count as gone: they are no longer running anything. */
	char *st = strrchr(buf, ')') + 2;
	if (*st == 'Z' || *st == 'X')
		return 0;
	return strtoull(p + 1, NULL, 10);
}

bool rt_container_alive(const struct rt_container *c)
{
	if (c->pid <= 0)
		return false;
	uint64_t st = rt_pid_start_time(c->pid);
	return st != 0 && st == c->start_time;
}

void rt_container_free(struct rt_container *c)
{
	if (!c)
		return;
	free(c->id);
	if (c->dirfd >= 0)
		(void)close(c->dirfd);
	if (c->lockfd >= 0)
		(void)close(c->lockfd);
	json_decref(c->state);
	rt_cgroup_free(c->cgroup);
	free(c);
}

static int load_fields(struct rt_container *c, const char *file, struct brig_err *e)
{
	struct bj_loc root;
	bj_root(&root, file);
	int64_t pid = 0, st = 0;
	int r;
	if ((r = bj_get_int(c->state, &root, "pid", true, 0, INT32_MAX, &pid, e)) < 0 ||
	    (r = bj_get_int(c->state, &root, "brigStartTime", true, 0, INT64_MAX, &st, e)) < 0)
		return r;
	c->pid = (pid_t)pid;
	c->start_time = (uint64_t)st;
	json_t *cg = json_object_get(c->state, "brigCgroup");
	if (cg && !json_is_null(cg) && (r = rt_cgroup_from_json(cg, &c->cgroup, e)) < 0)
		return brig_err_wrap(e, "%s: brigCgroup", file);
	return 0;
}

int rt_container_load(const struct rt_global *g, const char *id, struct rt_container **out,
		      struct brig_err *e)
{
	if (!rt_id_valid(id))
		return brig_err_set(e, -EINVAL, "invalid container id \"%s\"", id);
	_cleanup_close_ int rootfd = rt_root_open(g->root, false, e);
	if (rootfd < 0) {
		if (rootfd == -ENOENT)
			return brig_err_set(e, -ENOENT, "container \"%s\" does not exist", id);
		return rootfd;
	}
	struct rt_container *c = calloc(1, sizeof(*c));
	if (!c)
		return brig_err_set(e, -ENOMEM, "out of memory");
	c->lockfd = -1;
	c->dirfd = BRIG_RETRY(openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	int r;
	if (c->dirfd < 0) {
		r = errno == ENOENT
			? brig_err_set(e, -ENOENT, "container \"%s\" does not exist", id)
			: brig_err_sys(e, errno, "opening state of %s", id);
		goto fail;
	}
	if ((c->lockfd = brig_lock_path(c->dirfd, RT_LOCK_FILE, BRIG_LOCK_EXCLUSIVE, true, e)) <
	    0) {
		r = c->lockfd;
		goto fail;
	}
	if (!(c->id = strdup(id))) {
		r = brig_err_set(e, -ENOMEM, "out of memory");
		goto fail;
	}
	char file[64 + 1024];
	(void)snprintf(file, sizeof(file), "%s/%s/%s", g->root, id, RT_STATE_FILE);
	r = bj_load_file(c->dirfd, RT_STATE_FILE, RT_MAX_STATE, &c->state, e);
	if (r == -ENOENT) {
		r = brig_err_set(e, -ENOENT, "container \"%s\" does not exist", id);
		goto fail;
	}
	if (r < 0 || (r = load_fields(c, file, e)) < 0)
		goto fail;
	*out = c;
	return 0;
fail:
	rt_container_free(c);
	return r;
}

const char *rt_container_status(struct rt_container *c)
{
	if (!rt_container_alive(c))
		return "stopped";
	if (faccessat(c->dirfd, RT_START_SOCK, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return "created";
	bool frozen = false;
	if (c->cgroup && rt_cgroup_is_frozen(c->cgroup, &frozen, NULL) == 0 && frozen)
		return "paused";
	return "running";
}

int rt_container_save(struct rt_container *c, struct brig_err *e)
{
	_cleanup_free_ char *text = json_dumps(c->state, JSON_COMPACT);
	if (!text)
		return brig_err_set(e, -ENOMEM, "out of memory");
	/* Runtime state lives for one boot (under /run): no fsync. */
	return brig_atomic_replace(c->dirfd, RT_STATE_FILE, text, strlen(text), 0600, false, e);
}

json_t *rt_state_public(struct rt_container *c)
{
	json_t *s = json_object();
	if (!s)
		return NULL;
	static const char *const copy[] = { "ociVersion", "id",    "bundle",     "rootfs",
					    "created",    "owner", "annotations" };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(copy); i++) {
		json_t *v = json_object_get(c->state, copy[i]);
		if (v)
			(void)json_object_set(s, copy[i], v);
	}
	const char *status = rt_container_status(c);
	(void)json_object_set_new(s, "status", json_string(status));
	(void)json_object_set_new(s, "pid", json_integer(strcmp(status, "stopped") ? c->pid : 0));
	return s;
}

int rt_container_signal(struct rt_container *c, int sig, struct brig_err *e)
{
	int pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
	if (pidfd < 0 && errno != ENOSYS)
		return brig_err_sys(e, errno == ESRCH ? ESRCH : errno, "container %s: process %d",
				    c->id, (int)c->pid);
	/* Check identity after taking the pidfd: from here a reused pid
	 * cannot be signalled by mistake. */
	if (!rt_container_alive(c)) {
		if (pidfd >= 0)
			(void)close(pidfd);
		return brig_err_set(e, -ESRCH, "container %s is not running", c->id);
	}
	int r = pidfd >= 0 ? (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0)
			   : kill(c->pid, sig);
	int err = errno;
	if (pidfd >= 0)
		(void)close(pidfd);
	if (r < 0)
		return brig_err_sys(e, err, "signalling container %s", c->id);
	return 0;
}

void rt_use_seccomp_cache(const struct rt_global *g)
{
	char dir[4096];
	if (g->seccomp_cache) {
		if (brig_mkdir_p(AT_FDCWD, g->seccomp_cache, 0700, NULL) == 0)
			(void)rt_seccomp_set_cache_dir(g->seccomp_cache, NULL);
		return;
	}
	if (brig_mkdir_p(AT_FDCWD, g->root, 0700, NULL) == 0 &&
	    brig_snprintf(dir, sizeof(dir), "%s/.seccomp-cache", g->root) >= 0)
		(void)rt_seccomp_set_cache_dir(dir, NULL);
}

int rt_state_remove(int rootfd, const char *id, struct brig_err *e)
{
	return brig_rm_rf(rootfd, id, e);
}
