/* SPDX-License-Identifier: Apache-2.0 */
/* engine/net: a NETLINK_ROUTE socket, a request and its acknowledgement,
 * dumps (libmnl).  Every message is acknowledged and every refusal named. */
#include "engine/net/net-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Room for a dump's messages (libmnl 1.0.4 has no MNL_SOCKET_DUMP_SIZE). */
#define NET_NL_RECV 32768

int net_nl_open(struct net_nl *nl, struct brig_err *e)
{
	return net_nl_open_proto(nl, NETLINK_ROUTE, e);
}

int net_nl_open_proto(struct net_nl *nl, int proto, struct brig_err *e)
{
	nl->sock = mnl_socket_open2(proto, SOCK_CLOEXEC);
	if (!nl->sock)
		return brig_err_sys(e, errno, "opening a netlink socket");
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		int err = errno;
		net_nl_close(nl);
		return brig_err_sys(e, err, "binding a netlink socket");
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (unsigned)time(NULL);
	return 0;
}

int net_nl_open_in(struct net_nl *nl, int nsfd, struct brig_err *e)
{
	_cleanup_close_ int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return brig_err_sys(e, errno, "opening /proc/thread-self/ns/net");
	if (setns(nsfd, CLONE_NEWNET) < 0)
		return brig_err_sys(e, errno, "entering the container's network namespace");
	int r = net_nl_open(nl, e);
	if (setns(self, CLONE_NEWNET) < 0) {
		/* We hold the fd of the namespace we came from: this cannot
		 * fail short of a kernel bug, and going on in the
		 * container's namespace would be wrong. */
		abort();
	}
	return r;
}

void net_nl_close(struct net_nl *nl)
{
	if (nl->sock)
		(void)mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

struct nlmsghdr *net_nl_msg(struct net_nl *nl, void *buf, uint16_t type, uint16_t flags,
			    size_t hdrlen)
{
	memset(buf, 0, NET_NL_BUF);
	struct nlmsghdr *n = mnl_nlmsg_put_header(buf);
	n->nlmsg_type = type;
	n->nlmsg_flags = NLM_F_REQUEST | flags;
	n->nlmsg_seq = ++nl->seq;
	(void)mnl_nlmsg_put_extra_header(n, hdrlen);
	return n;
}

static ssize_t recv_one(struct net_nl *nl, void *buf, size_t len)
{
	ssize_t got;
	do
		got = mnl_socket_recvfrom(nl->sock, buf, len);
	while (got < 0 && errno == EINTR);
	return got;
}

static int send_one(struct net_nl *nl, const struct nlmsghdr *n)
{
	ssize_t sent;
	do
		sent = mnl_socket_sendto(nl->sock, n, n->nlmsg_len);
	while (sent < 0 && errno == EINTR);
	return sent < 0 ? -errno : 0;
}

/* Read until the answer to seq is complete; cb for data messages. */
static int run_answer(struct net_nl *nl, unsigned seq, net_nl_cb cb, void *data, const char *what,
		      struct brig_err *e)
{
	_cleanup_free_ char *buf = malloc(NET_NL_RECV);
	if (!buf)
		return brig_err_oom(e);
	for (;;) {
		ssize_t got = recv_one(nl, buf, NET_NL_RECV);
		if (got < 0)
			return brig_err_sys(e, errno, "%s: reading the kernel's answer", what);
		int r = mnl_cb_run(buf, (size_t)got, seq, nl->portid, (mnl_cb_t)cb, data);
		if (r == MNL_CB_STOP)
			return 0;
		if (r < 0)
			return brig_err_sys(e, errno, "%s", what);
	}
}

int net_nl_get(struct net_nl *nl, struct nlmsghdr *n, net_nl_cb cb, void *data, const char *what,
	       struct brig_err *e)
{
	n->nlmsg_flags |= NLM_F_ACK;
	int r = send_one(nl, n);
	if (r < 0)
		return brig_err_sys(e, -r, "%s: sending to the kernel", what);
	return run_answer(nl, n->nlmsg_seq, cb, data, what, e);
}

int net_nl_talk(struct net_nl *nl, struct nlmsghdr *n, const char *what, struct brig_err *e)
{
	return net_nl_get(nl, n, NULL, NULL, what, e);
}

int net_nl_dump(struct net_nl *nl, struct nlmsghdr *n, net_nl_cb cb, void *data, const char *what,
		struct brig_err *e)
{
	n->nlmsg_flags |= NLM_F_DUMP;
	int r = send_one(nl, n);
	if (r < 0)
		return brig_err_sys(e, -r, "%s: sending to the kernel", what);
	return run_answer(nl, n->nlmsg_seq, cb, data, what, e);
}
