/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Rootless brig's overlay (docs/rootless.md).  A user other than root may
 * mount overlayfs inside a user namespace it made (Linux 5.11+), not in the
 * host's.  A child process makes one, mapping only our own uid and gid (as
 * its root, so no newuidmap is needed) or, once the container has one, its
 * own mapping (userns_run.c: overlayfs does its work on the upper
 * directory with the mounter's credentials, which must hold the
 * container's ids: a file of its uid 1000 cannot be made otherwise), with
 * a mount namespace, makes the
 * container's overlay there as a detached mount (rootfs.c, with userxattr)
 * and sends it back over a socket.  The runtime then attaches it inside the
 * container's own mount namespace as it does root's.  overlayfs passes the
 * layers' owners through unchanged, so which user namespace made the mount
 * does not matter to the container.
 */
#include "engine/engine-internal.h"

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* A user namespace, and a mount namespace: the container's (usfd, its
 * mapping: userns_run.c), else one with our uid and gid as its root. */
static int own_userns(int usfd, struct brig_err *e)
{
	if (usfd >= 0)
		return setns(usfd, CLONE_NEWUSER) < 0 || unshare(CLONE_NEWNS) < 0
			? brig_err_sys(e, errno, "entering the container's user namespace")
			: 0;
	char map[64];
	uid_t uid = getuid(); /* before: unmapped ids read as the overflow id */
	gid_t gid = getgid();
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		return brig_err_sys(e, errno, "unshare of a user namespace for the overlay");
	int r = brig_write_file(AT_FDCWD, "/proc/self/setgroups", "deny", e);
	(void)snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
	if (r == 0)
		r = brig_write_file(AT_FDCWD, "/proc/self/uid_map", map, e);
	(void)snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
	if (r == 0)
		r = brig_write_file(AT_FDCWD, "/proc/self/gid_map", map, e);
	return r;
}

/* The child's answer: the mount fd, or (no fd) the error's text. */
static void answer(int sock, int fd, const char *text)
{
	char buf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = (void *)text, .iov_len = strlen(text) + 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (fd >= 0) {
		m.msg_control = buf;
		m.msg_controllen = sizeof(buf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	(void)BRIG_RETRY(sendmsg(sock, &m, MSG_NOSIGNAL));
}

static int receive(int sock, struct brig_err *e)
{
	char text[512] = "", buf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = text, .iov_len = sizeof(text) - 1 };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf, .msg_controllen = sizeof(buf)
	};
	ssize_t n = BRIG_RETRY(recvmsg(sock, &m, MSG_CMSG_CLOEXEC));
	if (n <= 0)
		return brig_err_set(e, -EPIPE, "the overlay's helper process said nothing");
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
	    c->cmsg_len == CMSG_LEN(sizeof(int))) {
		int fd;
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
		return fd;
	}
	return brig_err_set(e, -EPERM, "%s", text[0] ? text : "the overlay was not made");
}

int eng_rootfs_overlay_userns(struct eng *g, int ctrfd, const json_t *layers, int usfd,
			      struct brig_err *e)
{
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return brig_err_sys(e, errno, "socketpair");
	pid_t pid = fork();
	if (pid < 0) {
		int err = errno;
		(void)close(sp[0]);
		(void)close(sp[1]);
		return brig_err_sys(e, err, "fork");
	}
	if (pid == 0) {
		struct brig_err ce = { 0 };
		int fd = own_userns(usfd, &ce);
		if (fd == 0)
			fd = eng_rootfs_overlay(g, ctrfd, layers, -1, &ce);
		answer(sp[1], fd, fd < 0 ? brig_err_str(&ce) : "");
		_exit(fd < 0);
	}
	(void)close(sp[1]);
	int fd = receive(sp[0], e);
	(void)close(sp[0]);
	int st;
	if (BRIG_RETRY(waitpid(pid, &st, 0)) < 0 && fd >= 0) {
		(void)close(fd);
		return brig_err_sys(e, errno, "waiting for the overlay's helper");
	}
	return fd;
}
