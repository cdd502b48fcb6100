/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The attach server while a run lasts: it accepts clients on attach.sock
 * (the monitor's own uid or root), copies the container's output to the
 * log and to every client, and hands what clients send to the container
 * (stdin, the terminal's size, signals).  It runs in brig-monitor's
 * confined relay (src/monitor), or in brig when brig-monitor is missing;
 * so it uses nothing but the log writer and common.  docs/attach.md.
 */
#include "engine/attach-srv.h"
#include "engine/logs/logs.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

struct eng_attsrv *eng_attach_alloc(int dirfd, bool tty, bool stdin_open, bool hold)
{
	struct eng_attsrv *a = calloc(1, sizeof(*a));
	if (!a || (hold && !(a->early = malloc(ENG_ATTACH_EARLY_MAX)))) {
		free(a);
		return NULL;
	}
	a->hold = hold;
	a->dirfd = dirfd;
	a->tty = tty;
	a->stdin_open = stdin_open;
	a->listen_fd = a->console_fd = a->in_r = a->in_w = a->sig_fd = -1;
	for (size_t i = 0; i < CLIENTS_MAX; i++)
		a->cl[i].fd = -1;
	return a;
}
struct eng_attsrv *eng_attach_adopt(int dirfd, int listen_fd, int in_w, unsigned flags, int sig_fd)
{
	struct eng_attsrv *a = eng_attach_alloc(dirfd, flags & ENG_ATT_F_TTY,
						flags & ENG_ATT_F_STDIN, flags & ENG_ATT_F_HOLD);
	if (a) {
		a->listen_fd = listen_fd;
		a->in_w = in_w;
		a->sig_fd = sig_fd;
	}
	return a;
}

int eng_att_send(int fd, int type, const void *buf, size_t len)
{
	if (len > ENG_ATT_FRAME_MAX)
		return -EMSGSIZE;
	unsigned char f[3 + ENG_ATT_FRAME_MAX];
	f[0] = (unsigned char)type;
	f[1] = (unsigned char)(len >> 8);
	f[2] = (unsigned char)len;
	if (len)
		memcpy(f + 3, buf, len);
	size_t off = 0, all = 3 + len;
	while (off < all) {
		ssize_t n = send(fd, f + off, all - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		off += (size_t)n;
	}
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
		if (a->sig_fd >= 0) {
			/* brig-monitor sends it; a full pipe loses it */
			if (BRIG_RETRY(write(a->sig_fd, b, 1)) != 1)
				brig_debug("attach: signal %u not passed on", b[0]);
		} else
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
			eng_att_close(&c->fd);
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
		eng_att_close(&c->fd);
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
			eng_att_close(&a->cl[i].fd);
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
		eng_att_close(&a->cl[i].fd);
	eng_att_close(&a->in_w);
	a->pend_len = 0;
}
