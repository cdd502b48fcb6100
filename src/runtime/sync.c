/* SPDX-License-Identifier: Apache-2.0 */
/* Messages (and fd passing) between brig-runtime and its children. */
#include "runtime/sync-internal.h"

#include <string.h>
#include <sys/socket.h>

int rt_sync_pair(int fds[2], struct brig_err *e)
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
		return brig_err_sys(e, errno, "socketpair");
	return 0;
}

int rt_sync_send(int sock, enum rt_msg_type type, int32_t value, const char *text, int fd)
{
	struct rt_msg m = { .type = type, .value = value };
	size_t len = offsetof(struct rt_msg, text);
	if (text) {
		size_t n = strnlen(text, sizeof(m.text) - 1);
		memcpy(m.text, text, n);
		m.text[n] = '\0';
		len += n + 1;
	}
	struct iovec iov = { .iov_base = &m, .iov_len = len };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (fd >= 0) {
		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	ssize_t n = BRIG_RETRY(sendmsg(sock, &mh, MSG_NOSIGNAL));
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

int rt_sync_recv(int sock, struct rt_msg *m, int *fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} u;
	memset(m, 0, sizeof(*m));
	struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	if (fd)
		*fd = -1;
	ssize_t n = BRIG_RETRY(recvmsg(sock, &mh, MSG_CMSG_CLOEXEC));
	if (n < 0)
		return -errno;
	if (n == 0)
		return -EPIPE;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < nfd; i++) {
			int got;
			memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (fd && *fd < 0)
				*fd = got;
			else
				(void)close(got);
		}
	}
	if ((size_t)n < offsetof(struct rt_msg, text) || (mh.msg_flags & MSG_TRUNC))
		return -EBADMSG;
	m->text[sizeof(m->text) - 1] = '\0';
	return 0;
}

int rt_sync_expect(int sock, enum rt_msg_type type, struct rt_msg *m, int *fd, const char *what,
		   struct brig_err *e)
{
	int r = rt_sync_recv(sock, m, fd);
	if (r == -EPIPE)
		return brig_err_set(e, -EPIPE, "%s: the container process exited early", what);
	if (r < 0)
		return brig_err_sys(e, -r, "%s: reading from the container process", what);
	if (m->type == RT_MSG_ERROR)
		return brig_err_set(e, m->value ? -abs(m->value) : -EIO, "%s", m->text);
	if (m->type != type)
		return brig_err_set(e, -EPROTO, "%s: unexpected message %u", what, m->type);
	return 0;
}

void rt_sync_die(int sock, struct brig_err *e)
{
	(void)rt_sync_send(sock, RT_MSG_ERROR, e->code, brig_err_str(e), -1);
	_exit(1);
}
