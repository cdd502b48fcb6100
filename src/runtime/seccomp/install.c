/* SPDX-License-Identifier: Apache-2.0 */
/* Installing the compiled program in the container process, and handing the
 * SCMP_ACT_NOTIFY listener to the runtime and on to the seccomp agent. */
#include "runtime/seccomp/seccomp-internal.h"

#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

/* Used when the state has no ociVersion of its own (runtime-internal.h: RT_OCI_VERSION). */
#define SC_OCI_VERSION "1.2.0"
#define SC_MAX_STATE (1u << 20) /* container process state document */

int rt_seccomp_install(const struct rt_seccomp *s, int *notify_fd, struct brig_err *e)
{
	*notify_fd = -1;
	if (!s)
		return 0;
	long r = sc_sys_seccomp(SECCOMP_SET_MODE_FILTER, s->flags, (void *)&s->prog);
	if (r < 0) {
		int err = errno;
		if (err == EACCES)
			return brig_err_sys(
				e, err,
				"seccomp: installing the filter needs no_new_privs or CAP_SYS_ADMIN");
		return brig_err_sys(e, err, "seccomp: installing the filter (flags 0x%x)",
				    s->flags);
	}
	if (s->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) {
		*notify_fd = (int)r;
		return 0;
	}
	if (r > 0) /* TSYNC: thread r could not be synchronized; nothing installed */
		return brig_err_set(e, -EAGAIN, "seccomp: thread %ld could not be synchronized", r);
	return 0;
}

/* sendmsg of len bytes (at least 1) with fd attached; returns the number of
 * bytes sent or -errno.  No allocation. */
static ssize_t send_with_fd(int sock, const void *data, size_t len, int fd)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	memset(&u, 0, sizeof(u));
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = u.buf,
		.msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	ssize_t n = BRIG_RETRY(sendmsg(sock, &msg, MSG_NOSIGNAL));
	return n < 0 ? -errno : n;
}

int rt_seccomp_pass_listener(int sock, int notify_fd, struct brig_err *e)
{
	static const char tag = 'S';
	ssize_t n = send_with_fd(sock, &tag, 1, notify_fd);
	if (n < 0)
		return brig_err_sys(e, (int)-n, "seccomp: passing the listener fd");
	if (n != 1)
		return brig_err_set(e, -EIO, "seccomp: passing the listener fd: short send");
	return 0;
}

/* Count the fds carried by msg: the first goes to *first, the others are
 * closed. */
static size_t take_fds(struct msghdr *msg, int *first)
{
	size_t count = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (count++ == 0)
				*first = fd;
			else
				(void)close(fd);
		}
	}
	return count;
}

int rt_seccomp_recv_listener(int sock, int *notify_fd, struct brig_err *e)
{
	*notify_fd = -1;
	char tag = 0;
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(4 * sizeof(int))];
	} u;
	memset(&u, 0, sizeof(u));
	struct iovec iov = { .iov_base = &tag, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = u.buf,
		.msg_controllen = sizeof(u.buf),
	};
	ssize_t n = BRIG_RETRY(recvmsg(sock, &msg, MSG_CMSG_CLOEXEC));
	if (n < 0)
		return brig_err_sys(e, errno, "seccomp: receiving the listener fd");
	int fd = -1;
	size_t count = take_fds(&msg, &fd);
	_cleanup_close_ int owned = fd;
	if (n == 0)
		return brig_err_set(
			e, -EPIPE,
			"seccomp: the container process closed the socket before passing the listener fd");
	if (tag != 'S' || count != 1 || (msg.msg_flags & MSG_CTRUNC))
		return brig_err_set(e, -EPROTO, "seccomp: expected one listener fd, got %zu%s",
				    count, (msg.msg_flags & MSG_CTRUNC) ? " (truncated)" : "");
	*notify_fd = brig_steal_fd(owned);
	return 0;
}

/* The container process state of config-linux.md, as compact JSON. */
static char *state_payload(const struct rt_seccomp *s, pid_t pid, const json_t *state)
{
	const char *ver = json_string_value(json_object_get(state, "ociVersion"));
	_cleanup_json_ json_t *o = json_pack("{s:s, s:[s], s:I, s:O}", "ociVersion",
					     ver ? ver : SC_OCI_VERSION, "fds", "seccompFd", "pid",
					     (json_int_t)pid, "state", (json_t *)state);
	if (!o)
		return NULL;
	if (s->listener_metadata &&
	    json_object_set_new(o, "metadata", json_string(s->listener_metadata)) < 0)
		return NULL;
	return json_dumps(o, JSON_COMPACT);
}

/* A path too long for sun_path is reached through /proc/self/fd. */
static int connect_listener(const char *path, struct brig_err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char proc[64];
	_cleanup_close_ int pathfd = -1;
	const char *target = path;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		pathfd = open(path, O_PATH | O_CLOEXEC);
		if (pathfd < 0)
			return brig_err_sys(e, errno, "seccomp listener %s", path);
		(void)snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pathfd);
		target = proc;
	}
	memcpy(sa.sun_path, target, strlen(target) + 1);
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return brig_err_sys(e, errno, "seccomp listener %s: socket", path);
	if (BRIG_RETRY(connect(fd, (struct sockaddr *)&sa, sizeof(sa))) < 0)
		return brig_err_sys(e, errno, "seccomp listener %s: connect", path);
	return brig_steal_fd(fd);
}

static int send_rest(int sock, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = BRIG_RETRY(send(sock, p, len, MSG_NOSIGNAL));
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int rt_seccomp_send_listener(const struct rt_seccomp *s, int notify_fd, pid_t pid,
			     const json_t *state, struct brig_err *e)
{
	if (!s || !s->notify || !s->listener_path)
		return brig_err_set(e, -EINVAL, "seccomp: no listener is configured");
	if (notify_fd < 0 || pid <= 0 || !json_is_object(state))
		return brig_err_set(e, -EINVAL, "seccomp: bad listener arguments");
	_cleanup_free_ char *payload = state_payload(s, pid, state);
	if (!payload)
		return brig_err_set(e, -ENOMEM, "seccomp: building the container process state");
	size_t len = strlen(payload);
	if (len > SC_MAX_STATE)
		return brig_err_set(e, -E2BIG, "seccomp: container process state of %zu bytes",
				    len);
	_cleanup_close_ int sock = connect_listener(s->listener_path, e);
	if (sock < 0)
		return sock;
	/* The fd rides on the first sendmsg only, as the spec requires. */
	ssize_t n = send_with_fd(sock, payload, len, notify_fd);
	int r = n < 0 ? (int)n : send_rest(sock, payload + n, len - (size_t)n);
	if (r < 0)
		return brig_err_sys(e, -r, "seccomp listener %s: sending the state",
				    s->listener_path);
	if (close(brig_steal_fd(sock)) < 0 && errno != EINTR)
		return brig_err_sys(e, errno, "seccomp listener %s: close", s->listener_path);
	return 0;
}
