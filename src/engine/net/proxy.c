/* SPDX-License-Identifier: Apache-2.0 */
/* engine/net: the ::1 side of a TCP port published on a bridge network
 * (docs/network.md, "::1").  Linux routes no ::1 traffic into a bridge
 * (IPv6 has no route_localnet), so a left-out -p address, which is
 * 127.0.0.1 by DNAT and ::1, gets the second one from a small process, as
 * Docker's docker-proxy does: one per running container that publishes
 * such a port.  The monitor binds [::1]:HOSTPORT (publish.c: the port is
 * checked and held as any other) and listens on it; once the container is
 * attached it forks the proxy, which keeps those sockets and nothing else
 * (not the monitor's lock), confines itself (proxy_jail.c), and copies
 * each connection it accepts to and from CONTAINER-IPv4:PORT.  It ends
 * when the container's init exits (a pidfd of it), when the monitor dies
 * (PR_SET_PDEATHSIG) or when the monitor ends the run. */
#include "engine/net/net-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif

#define PX_PORTS 64
#define PX_CONNS 128
#define PX_BUF 16384

struct px_port {
	int fd; /* [::1]:HOSTPORT, listening */
	struct sockaddr_in to;
};
static struct px_port ports[PX_PORTS];
static size_t nports;
static pid_t proxy_pid = -1;

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

int net_proxy_add(int fd, struct in_addr ctr, uint16_t port, struct brig_err *e)
{
	if (nports == PX_PORTS) {
		(void)close(fd);
		return brig_err_set(e, -E2BIG, "-p: more than %d ports on ::1", PX_PORTS);
	}
	/* SO_REUSEADDR once it listens (Linux shares no port with a listening
	 * socket): its connections inherit it, so those the proxy closed
	 * first, in TIME_WAIT after it ended, do not keep the next run's
	 * bind with SO_REUSEADDR (publish.c) from taking the port. */
	int one = 1;
	if (listen(fd, 128) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0) {
		int x = brig_err_sys(e, errno, "-p: listening on [::1]");
		(void)close(fd);
		return x;
	}
	ports[nports++] = (struct px_port){
		.fd = fd,
		.to = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr = ctr },
	};
	return 0;
}

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

static _Noreturn void loop(int pidfd)
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

/* Every fd but the listeners, the pidfd and stderr (for a last word, see
 * proxy_main) closed: the monitor's lock above all, whose holder is taken
 * for the monitor. */
static int keep_only(int pidfd)
{
	int keep[PX_PORTS + 1];
	size_t n = 0;
	keep[n++] = pidfd;
	for (size_t i = 0; i < nports; i++)
		keep[n++] = ports[i].fd;
	int r = brig_close_all_but(keep, n);
	if (r < 0)
		return r;
	return syscall(SYS_close_range, 0, 1, 0) < 0 ? -errno : 0; /* stdin and stdout too */
}

static _Noreturn void proxy_main(pid_t parent, int pidfd)
{
	sigset_t all;
	sigemptyset(&all);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != parent)
		_exit(1);
	(void)prctl(PR_SET_NAME, "brig-proxy", 0, 0, 0); /* ss -p, ps */
	(void)setsid(); /* out of the terminal's process group (^C, ^\) */
	(void)sigprocmask(SIG_SETMASK, &all, NULL);
	(void)signal(SIGPIPE, SIG_IGN);
	(void)signal(SIGHUP, SIG_IGN);
	(void)signal(SIGINT, SIG_IGN);
	int x = keep_only(pidfd);
	if (x == 0)
		x = net_proxy_confine();
	if (x < 0) {
		char msg[160];
		int n = snprintf(msg, sizeof(msg),
				 "brig: -p on ::1: the proxy cannot confine itself: %s\n",
				 strerror(-x));
		(void)!write(2, msg, n > 0 ? (size_t)n : 0);
		_exit(3);
	}
	(void)close(2);
	loop(pidfd);
}

static void net_proxy_drop(void)
{
	for (size_t i = 0; i < nports; i++)
		(void)close(ports[i].fd);
	nports = 0;
}

int net_proxy_start(pid_t init, struct brig_err *e)
{
	if (nports == 0)
		return 0;
	int pidfd = (int)syscall(__NR_pidfd_open, init, 0);
	if (pidfd < 0) {
		net_proxy_drop();
		return brig_err_sys(e, errno, "-p on ::1: pidfd_open");
	}
	pid_t parent = getpid();
	(void)fflush(NULL);
	pid_t p = fork();
	if (p == 0)
		proxy_main(parent, pidfd);
	int x = p < 0 ? brig_err_sys(e, errno, "-p on ::1: fork") : 0;
	(void)close(pidfd);
	net_proxy_drop(); /* the proxy's now: a copy here would keep them */
	proxy_pid = p > 0 ? p : -1;
	return x;
}

void net_proxy_stop(void)
{
	net_proxy_drop();
	if (proxy_pid <= 0)
		return;
	(void)kill(proxy_pid, SIGKILL);
	(void)BRIG_RETRY(waitpid(proxy_pid, NULL, 0));
	proxy_pid = -1;
}
