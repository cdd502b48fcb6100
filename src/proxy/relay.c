/* SPDX-License-Identifier: Apache-2.0 */
/* brig-proxy: the relay.  One poll loop over the listeners, the pidfd of
 * the container's init and every connection: each accepted connection is
 * copied to and from CONTAINER-IPv4:PORT (16 KiB per direction, up to 128
 * connections at once, half-closes passed on). */
#include "proxy/proxy.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <unistd.h>

#define PX_CONNS 128
#define PX_BUF 16384

/* One direction of a connection: read from fd[d], written to fd[!d]. */
struct px_half {
	size_t len, off;
	bool eof;
	char buf[PX_BUF];
};
struct px_conn {
	int fd[2]; /* the client's, the container's; -1: a free slot */
	bool connecting;
	struct px_half h[2];
};
static struct px_conn conns[PX_CONNS];

static void conn_close(struct px_conn *c)
{
	for (int d = 0; d < 2; d++)
		if (c->fd[d] >= 0)
			(void)close(c->fd[d]);
	c->fd[0] = c->fd[1] = -1;
}

static void accept_one(const struct px_port *p)
{
	struct px_conn *c = NULL;
	for (size_t i = 0; !c && i < PX_CONNS; i++)
		if (conns[i].fd[0] < 0)
			c = &conns[i];
	int fd = accept4(p->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0 || !c) {
		if (fd >= 0)
			(void)close(fd);
		return;
	}
	c->fd[0] = fd;
	c->fd[1] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	c->connecting = false;
	for (int d = 0; d < 2; d++)
		c->h[d].len = c->h[d].off = 0, c->h[d].eof = false;
	if (c->fd[1] < 0) {
		conn_close(c);
		return;
	}
	if (connect(c->fd[1], (const struct sockaddr *)&p->to, sizeof(p->to)) == 0)
		return;
	if (errno == EINPROGRESS)
		c->connecting = true;
	else
		conn_close(c);
}

/* Direction d can move: read when its buffer is empty, else write. */
static void pump(struct px_conn *c, int d)
{
	struct px_half *h = &c->h[d];
	if (h->len == 0) {
		ssize_t n = recv(c->fd[d], h->buf, sizeof(h->buf), 0);
		if (n > 0) {
			h->len = (size_t)n;
			h->off = 0;
		} else if (n == 0) {
			h->eof = true;
			(void)shutdown(c->fd[!d], SHUT_WR);
		} else if (errno != EAGAIN && errno != EINTR) {
			conn_close(c);
		}
		return;
	}
	ssize_t n = send(c->fd[!d], h->buf + h->off, h->len - h->off, MSG_NOSIGNAL);
	if (n < 0 && errno != EAGAIN && errno != EINTR) {
		conn_close(c);
		return;
	}
	if (n > 0 && (h->off += (size_t)n) == h->len)
		h->len = 0;
}

static void connected(struct px_conn *c)
{
	int err = 0;
	socklen_t len = sizeof(err);
	if (getsockopt(c->fd[1], SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err)
		conn_close(c);
	else
		c->connecting = false;
}

/* The pollfds of connection c (at most 2), their owners in who[]. */
static size_t want_conn(struct px_conn *c, struct pollfd *p, int *who, int ci)
{
	size_t k = 0;
	if (c->connecting) {
		p[k] = (struct pollfd){ .fd = c->fd[1], .events = POLLOUT };
		who[k++] = ci * 2;
		return k;
	}
	for (int d = 0; d < 2; d++) {
		struct px_half *h = &c->h[d];
		if (h->len == 0 && h->eof)
			continue;
		p[k] = (struct pollfd){ .fd = h->len ? c->fd[!d] : c->fd[d],
					.events = h->len ? POLLOUT : POLLIN };
		who[k++] = ci * 2 + d;
	}
	return k;
}

_Noreturn void px_relay(int pidfd, const struct px_port *ports, size_t nports)
{
	static struct pollfd p[PX_PORTS + 1 + PX_CONNS * 2];
	static int who[PX_PORTS + 1 + PX_CONNS * 2];
	for (size_t i = 0; i < PX_CONNS; i++)
		conns[i].fd[0] = conns[i].fd[1] = -1;
	for (;;) {
		size_t n = 0;
		p[n++] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
		for (size_t i = 0; i < nports; i++)
			p[n++] = (struct pollfd){ .fd = ports[i].fd, .events = POLLIN };
		for (int i = 0; i < PX_CONNS; i++)
			if (conns[i].fd[0] >= 0)
				n += want_conn(&conns[i], p + n, who + n, i);
		if (poll(p, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		if (p[0].revents)
			_exit(0); /* the container's init has exited */
		for (size_t i = 0; i < nports; i++)
			if (p[1 + i].revents)
				accept_one(&ports[i]);
		for (size_t k = 1 + nports; k < n; k++) {
			struct px_conn *c = &conns[who[k] / 2];
			if (!p[k].revents || c->fd[0] < 0)
				continue;
			if (c->connecting)
				connected(c);
			else
				pump(c, who[k] % 2);
			if (c->fd[0] >= 0 && c->h[0].eof && c->h[1].eof && !c->h[0].len &&
			    !c->h[1].len)
				conn_close(c);
		}
	}
}
