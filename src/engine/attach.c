/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The attach server of a monitor: a container started in the background
 * with -i or -t keeps its stdin (a pipe, or its terminal's master) with its
 * monitor, which listens on ROOT/containers/<id>/attach.sock (mode 0600;
 * a peer must have the monitor's uid or be root, checked with
 * SO_PEERCRED).  Each client gets the container's output as it comes, and
 * its frames go to the container: stdin, the terminal's size, signals
 * (attach's --sig-proxy).  Detach keys are the client's business: it
 * simply goes away.  Frames: attach_proto.c.  docs/attach.md.
 */
#include "engine/attach-internal.h"
#include "engine/logs/logs.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#define CLIENTS_MAX 16
#define CONSOLE_SOCK "console.sock"

struct client {
	int fd;
	size_t len;
	unsigned char buf[3 + ENG_ATT_FRAME_MAX];
};

struct eng_attsrv {
	int dirfd; /* not owned */
	bool tty, stdin_open; /* -t; -i (without it nothing typed goes in) */
	int listen_fd, console_fd, in_r, in_w;
	struct client cl[CLIENTS_MAX];
	char console_path[64];
	size_t pend_len; /* stdin not yet taken by the container */
	unsigned char pend[ENG_ATT_FRAME_MAX];
	/* hold: frames kept for the client on its way (run -it), until it came */
	bool hold;
	unsigned char *early;
	size_t early_len;
};

static void close_fd(int *fd)
{
	if (*fd >= 0) {
		(void)close(*fd);
		*fd = -1;
	}
}

/* A listening socket named name in dirfd, mode 0600 before anyone can
 * connect (connect fails until listen). */
static int listen_at(int dirfd, const char *name, struct brig_err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (brig_snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dirfd, name) < 0)
		return brig_err_set(e, -ENAMETOOLONG, "%s: path too long", name);
	if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
		return brig_err_sys(e, errno, "removing the old %s", name);
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return brig_err_sys(e, errno, "socket");
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return brig_err_sys(e, errno, "binding %s", name);
	if (fchmodat(dirfd, name, 0600, 0) < 0 || listen(fd, 4) < 0)
		return brig_err_sys(e, errno, "%s", name);
	int r = fd;
	fd = -1;
	return r;
}

int eng_attach_new(int dirfd, bool tty, bool stdin_open, bool hold, struct eng_attsrv **out,
		   struct brig_err *e)
{
	struct eng_attsrv *a = calloc(1, sizeof(*a));
	if (!a || (hold && !(a->early = malloc(ENG_ATTACH_EARLY_MAX)))) {
		free(a);
		return brig_err_set(e, -ENOMEM, "out of memory");
	}
	a->hold = hold;
	a->dirfd = dirfd;
	a->tty = tty;
	a->stdin_open = stdin_open;
	a->console_fd = a->in_r = a->in_w = -1;
	for (size_t i = 0; i < CLIENTS_MAX; i++)
		a->cl[i].fd = -1;
	a->listen_fd = listen_at(dirfd, ENG_ATTACH_SOCK, e);
	if (a->listen_fd < 0) {
		int r = a->listen_fd;
		free(a->early);
		free(a);
		return r;
	}
	*out = a;
	return 0;
}

int eng_attach_stdio(struct eng_attsrv *a, const char **console, int *child_in, struct brig_err *e)
{
	close_fd(&a->in_w);
	a->pend_len = 0;
	if (a->tty) {
		close_fd(&a->console_fd);
		if ((a->console_fd = listen_at(a->dirfd, CONSOLE_SOCK, e)) < 0)
			return a->console_fd;
		(void)snprintf(a->console_path, sizeof(a->console_path),
			       "/proc/self/fd/%d/" CONSOLE_SOCK, a->dirfd);
		*console = a->console_path;
		return 0;
	}
	if (!a->stdin_open)
		return 0; /* no -i: /dev/null, as Docker's */
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return brig_err_sys(e, errno, "pipe");
	a->in_r = *child_in = p[0];
	a->in_w = p[1];
	if (fcntl(a->in_w, F_SETFL, O_NONBLOCK) < 0)
		return brig_err_sys(e, errno, "fcntl");
	return 0;
}

/* The master of the run's terminal, sent by its init on the console
 * socket (it connected while the runtime made it). */
static int recv_master(struct eng_attsrv *a, struct brig_err *e)
{
	struct pollfd p = { .fd = a->console_fd, .events = POLLIN };
	if (BRIG_RETRY(poll(&p, 1, 10000)) <= 0)
		return brig_err_set(e, -ETIMEDOUT, "the container's terminal did not come");
	_cleanup_close_ int c = accept4(a->console_fd, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return brig_err_sys(e, errno, "accepting the console");
	struct timeval tv = { .tv_sec = 10 };
	(void)setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return rt_recv_pty(c, &a->in_w, e);
}

int eng_attach_created(struct eng_attsrv *a, int *out_r, struct brig_err *e)
{
	close_fd(&a->in_r);
	if (!a->tty)
		return 0;
	int r = recv_master(a, e);
	close_fd(&a->console_fd);
	(void)unlinkat(a->dirfd, CONSOLE_SOCK, 0);
	if (r < 0)
		return r;
	if ((*out_r = fcntl(a->in_w, F_DUPFD_CLOEXEC, 3)) < 0)
		return brig_err_sys(e, errno, "dup");
	if (fcntl(a->in_w, F_SETFL, O_NONBLOCK) < 0)
		return brig_err_sys(e, errno, "fcntl");
	return 0;
}

size_t eng_attach_pollfds(struct eng_attsrv *a, struct pollfd *p, size_t max)
{
	size_t n = 0;
	if (!a || max < 2)
		return 0;
	p[n++] = (struct pollfd){ .fd = a->listen_fd, .events = POLLIN };
	p[n++] = (struct pollfd){ .fd = a->pend_len ? a->in_w : -1, .events = POLLOUT };
	for (size_t i = 0; i < CLIENTS_MAX && n < max; i++)
		p[n++] = (struct pollfd){ .fd = a->cl[i].fd, .events = a->pend_len ? 0 : POLLIN };
	return n;
}

/* Only the monitor's own user (or root) may attach. */
static void accept_client(struct eng_attsrv *a)
{
	int fd = accept4(a->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	struct ucred cr;
	socklen_t len = sizeof(cr);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0 ||
	    (cr.uid != geteuid() && cr.uid != 0)) {
		brig_debug("attach: refused a peer of uid %u", (unsigned)cr.uid);
		(void)close(fd);
		return;
	}
	/* A client that stops reading is let go rather than stopping the
	 * container's output. */
	struct timeval tv = { .tv_sec = 5 };
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	/* The client that was on its way gets what it missed. */
	if (a->hold && brig_write_all(fd, a->early, a->early_len) < 0) {
		(void)close(fd);
		return;
	}
	a->hold = false;
	free(a->early);
	a->early = NULL;
	for (size_t i = 0; i < CLIENTS_MAX; i++)
		if (a->cl[i].fd < 0) {
			a->cl[i].fd = fd;
			a->cl[i].len = 0;
			return;
		}
	(void)close(fd);
}

static void flush_stdin(struct eng_attsrv *a)
{
	while (a->pend_len > 0 && a->in_w >= 0) {
		ssize_t n = write(a->in_w, a->pend, a->pend_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) { /* the container closed its stdin */
			a->pend_len = 0;
			return;
		}
		memmove(a->pend, a->pend + n, a->pend_len - (size_t)n);
		a->pend_len -= (size_t)n;
	}
}

static void on_frame(struct eng_attsrv *a, int type, const unsigned char *b, size_t len, pid_t pid)
{
	if (type == ENG_ATT_STDIN && a->stdin_open && a->in_w >= 0) {
		memcpy(a->pend, b, len); /* pend is empty: clients are read only then */
		a->pend_len = len;
		flush_stdin(a);
	} else if (type == ENG_ATT_RESIZE && len == 4 && a->tty && a->in_w >= 0) {
		struct winsize ws = { .ws_row = (unsigned short)(b[0] << 8 | b[1]),
				      .ws_col = (unsigned short)(b[2] << 8 | b[3]) };
		(void)ioctl(a->in_w, TIOCSWINSZ, &ws);
	} else if (type == ENG_ATT_SIGNAL && len == 1 && b[0] > 0 && b[0] < 65 && pid > 0) {
		(void)kill(pid, b[0]);
	}
}

/* Act on a client's whole frames, one at a time: the next waits until the
 * container took this one's stdin. */
static void client_frames(struct eng_attsrv *a, struct client *c, pid_t pid)
{
	while (c->fd >= 0 && c->len >= 3 && a->pend_len == 0) {
		size_t flen = (size_t)c->buf[1] << 8 | c->buf[2];
		if (flen > ENG_ATT_FRAME_MAX) {
			close_fd(&c->fd);
			return;
		}
		if (c->len < 3 + flen)
			return;
		on_frame(a, c->buf[0], c->buf + 3, flen, pid);
		memmove(c->buf, c->buf + 3 + flen, c->len - 3 - flen);
		c->len -= 3 + flen;
	}
}

static void client_read(struct eng_attsrv *a, struct client *c, pid_t pid)
{
	ssize_t n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		close_fd(&c->fd);
		return;
	}
	c->len += (size_t)n;
	client_frames(a, c, pid);
}

void eng_attach_events(struct eng_attsrv *a, const struct pollfd *p, size_t n, pid_t pid)
{
	if (!a || n < 2)
		return;
	if (p[1].revents) {
		flush_stdin(a);
		for (size_t i = 0; i < CLIENTS_MAX; i++)
			client_frames(a, &a->cl[i], pid);
	}
	for (size_t i = 2; i < n; i++) {
		struct client *c = &a->cl[i - 2];
		if (p[i].revents && c->fd >= 0)
			client_read(a, c, pid);
	}
	if (p[0].revents)
		accept_client(a);
}

/* A frame kept for the client on its way (what does not fit is lost). */
static void keep_early(struct eng_attsrv *a, int type, const void *buf, size_t len)
{
	if (len > ENG_ATT_FRAME_MAX || a->early_len + 3 + len > ENG_ATTACH_EARLY_MAX)
		return;
	unsigned char *p = a->early + a->early_len;
	p[0] = (unsigned char)type;
	p[1] = (unsigned char)(len >> 8);
	p[2] = (unsigned char)len;
	memcpy(p + 3, buf, len);
	a->early_len += 3 + len;
}

static void broadcast(struct eng_attsrv *a, int type, const void *buf, size_t len)
{
	if (a->hold)
		keep_early(a, type, buf, len);
	for (size_t i = 0; i < CLIENTS_MAX; i++)
		if (a->cl[i].fd >= 0 && eng_att_send(a->cl[i].fd, type, buf, len) < 0)
			close_fd(&a->cl[i].fd);
}

ssize_t eng_attach_relay(struct eng_attsrv *a, struct eng_logw *log, int stream, int fd,
			 struct brig_err *e)
{
	char buf[ENG_ATT_FRAME_MAX];
	ssize_t n = read(fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return -errno;
	if (n < 0 && errno == EIO && a->tty)
		return 0; /* a terminal whose every slave is closed */
	if (n < 0)
		return brig_err_sys(e, errno, "reading the container's output");
	if (n == 0)
		return 0;
	broadcast(a, stream == ENG_LOG_STDERR ? ENG_ATT_STDERR : ENG_ATT_STDOUT, buf, (size_t)n);
	int r = log ? eng_logw_feed(log, stream, buf, (size_t)n, e) : 0;
	return r < 0 ? r : n;
}

void eng_attach_run_end(struct eng_attsrv *a, int status)
{
	if (!a)
		return;
	/* The client on its way has not come yet: wait for it (bounded). */
	struct pollfd p = { .fd = a->listen_fd, .events = POLLIN };
	if (a->hold && BRIG_RETRY(poll(&p, 1, ENG_ATTACH_WAIT_MS)) > 0)
		accept_client(a);
	a->hold = false;
	unsigned char st = (unsigned char)status;
	broadcast(a, ENG_ATT_EXIT, &st, 1);
	for (size_t i = 0; i < CLIENTS_MAX; i++)
		close_fd(&a->cl[i].fd);
	close_fd(&a->in_w);
	a->pend_len = 0;
}

void eng_attach_free(struct eng_attsrv *a)
{
	if (!a)
		return;
	a->hold = false;
	eng_attach_run_end(a, 255);
	int *fds[] = { &a->listen_fd, &a->console_fd, &a->in_r };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(fds); i++)
		close_fd(fds[i]);
	(void)unlinkat(a->dirfd, ENG_ATTACH_SOCK, 0);
	(void)unlinkat(a->dirfd, CONSOLE_SOCK, 0);
	free(a->early);
	free(a);
}
