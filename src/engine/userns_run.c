/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Rootless brig and the files of a container (docs/rootless.md).  A
 * rootless container's ids 1..65535 are the user's subordinate ids, which
 * the user may neither read (a file of mode 0600 of the container's uid
 * 1000) nor give files to outside a user namespace.  So what reads or
 * writes them (the overlay's mount, commit, export, cp) runs in a child
 * that joins a user namespace with the container's own mapping, made with
 * newuidmap/newgidmap: there it holds every capability over exactly the
 * container's ids, and stat shows owners as the container sees them.
 */
#include "engine/engine-internal.h"

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The container's mapping, by newuidmap/newgidmap: the user's own ids
 * (as its root, or with keep-id as themselves), the rest the slot of the
 * user's subordinate ids (eng_userns_extents). */
static int map_container(pid_t pid, void *arg, struct brig_err *e)
{
	const struct eng_userns *u = arg;
	uint32_t um[ENG_USERNS_EXTENTS][3], gm[ENG_USERNS_EXTENTS][3];
	size_t nu = eng_userns_extents(u, false, um), ng = eng_userns_extents(u, true, gm);
	int r = rt_newidmap(pid, false, (const uint32_t(*)[3])um, nu, e);
	return r < 0 ? r : rt_newidmap(pid, true, (const uint32_t(*)[3])gm, ng, e);
}

int eng_userns_open(const struct eng_userns *u, struct brig_err *e)
{
	return rt_userns_make(map_container, (void *)u, e);
}

/* The child's side: its error (code, then text), or 0 and ret, to fd. */
static void report(int fd, struct brig_err *ce, const void *ret, size_t ret_len)
{
	char buf[1024];
	int32_t code = ce ? (ce->code ? ce->code : -EIO) : 0;
	memcpy(buf, &code, sizeof(code));
	size_t len = sizeof(code), room = sizeof(buf) - sizeof(code);
	if (ce) {
		int n = snprintf(buf + len, room, "%s", brig_err_str(ce));
		len += n < 0 ? 0 : (size_t)n >= room ? room - 1 : (size_t)n;
	} else if (ret && ret_len <= room) {
		memcpy(buf + len, ret, ret_len);
		len += ret_len;
	}
	(void)BRIG_RETRY(write(fd, buf, len));
}

static int child_result(pid_t pid, int fd, void *ret, size_t ret_len, struct brig_err *e)
{
	char buf[1024];
	size_t got = 0;
	for (;;) {
		ssize_t n = BRIG_RETRY(read(fd, buf + got, sizeof(buf) - 1 - got));
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	int st = 0;
	if (BRIG_RETRY(waitpid(pid, &st, 0)) < 0)
		return brig_err_sys(e, errno, "waiting for the user namespace's child");
	int32_t code = -ECHILD;
	if (got >= sizeof(code))
		memcpy(&code, buf, sizeof(code));
	if (code < 0 && got > sizeof(code)) {
		buf[got] = '\0';
		return brig_err_set(e, code, "%s", buf + sizeof(code));
	}
	if (code != 0 || got != sizeof(code) + ret_len || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return brig_err_set(e, -ECHILD, "the child in the container's user namespace died");
	if (ret && ret_len)
		memcpy(ret, buf + sizeof(code), ret_len);
	return 0;
}

int eng_userns_run(const struct eng_userns *u, int (*fn)(void *arg, struct brig_err *e), void *arg,
		   void *ret, size_t ret_len, struct brig_err *e)
{
	if (!u->enabled || !u->own_root)
		return fn(arg, e);
	if (ret_len > 512)
		return brig_err_set(e, -E2BIG,
				    "a user namespace child's answer is at most 512 bytes");
	_cleanup_close_ int usfd = eng_userns_open(u, e);
	if (usfd < 0)
		return usfd;
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return brig_err_sys(e, errno, "pipe");
	pid_t pid = fork();
	if (pid < 0) {
		int err = errno;
		(void)close(p[0]);
		(void)close(p[1]);
		return brig_err_sys(e, err, "fork");
	}
	if (pid == 0) {
		struct brig_err ce = { 0 };
		(void)close(p[0]);
		int r = setns(usfd, CLONE_NEWUSER) < 0
			? brig_err_sys(&ce, errno, "joining the container's user namespace")
			: fn(arg, &ce);
		report(p[1], r < 0 ? &ce : NULL, ret, ret_len);
		_exit(r < 0);
	}
	(void)close(p[1]);
	int r = child_result(pid, p[0], ret, ret_len, e);
	(void)close(p[0]);
	return r;
}

int eng_userns_spec_join(json_t *spec, int usfd, struct brig_err *e)
{
	json_t *lx = json_object_get(spec, "linux");
	json_t *ns = json_object_get(lx, "namespaces"), *n;
	size_t i;
	char path[64];
	(void)snprintf(path, sizeof(path), "/proc/self/fd/%d", usfd);
	json_array_foreach(ns, i, n)
	{
		if (!json_is_object(n) ||
		    strcmp(json_string_value(json_object_get(n, "type")) ?: "", "user") != 0)
			continue;
		if (json_object_set_new(n, "path", json_string(path)) < 0)
			return brig_err_oom(e);
		(void)json_object_del(lx, "uidMappings");
		(void)json_object_del(lx, "gidMappings");
		return 0;
	}
	return brig_err_set(e, -EINVAL, "the container's config has no user namespace to join");
}
