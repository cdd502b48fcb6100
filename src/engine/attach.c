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
 *
 * This half makes the socket and each run's stdin or terminal, in brig;
 * serving clients while the run lasts is attach_srv.c, which runs in
 * brig-monitor's confined relay once brig hands the fds over.
 */
#include "engine/attach-srv.h"
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

#define CONSOLE_SOCK "console.sock"

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
	struct eng_attsrv *a = eng_attach_alloc(dirfd, tty, stdin_open, hold);
	if (!a)
		return brig_err_set(e, -ENOMEM, "out of memory");
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
	eng_att_close(&a->in_w);
	a->pend_len = 0;
	if (a->tty) {
		eng_att_close(&a->console_fd);
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
	eng_att_close(&a->in_r);
	if (!a->tty)
		return 0;
	int r = recv_master(a, e);
	eng_att_close(&a->console_fd);
	(void)unlinkat(a->dirfd, CONSOLE_SOCK, 0);
	if (r < 0)
		return r;
	if ((*out_r = fcntl(a->in_w, F_DUPFD_CLOEXEC, 3)) < 0)
		return brig_err_sys(e, errno, "dup");
	if (fcntl(a->in_w, F_SETFL, O_NONBLOCK) < 0)
		return brig_err_sys(e, errno, "fcntl");
	return 0;
}

void eng_attach_free(struct eng_attsrv *a)
{
	if (!a)
		return;
	a->hold = false;
	eng_attach_run_end(a, 255);
	int *fds[] = { &a->listen_fd, &a->console_fd, &a->in_r };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(fds); i++)
		eng_att_close(fds[i]);
	(void)unlinkat(a->dirfd, ENG_ATTACH_SOCK, 0);
	(void)unlinkat(a->dirfd, CONSOLE_SOCK, 0);
	free(a->early);
	free(a);
}

void eng_attach_handoff(const struct eng_attsrv *a, int *listen_fd, int *in_w, unsigned *flags)
{
	*listen_fd = a->listen_fd;
	*in_w = a->in_w;
	*flags = (a->tty ? ENG_ATT_F_TTY : 0) | (a->stdin_open ? ENG_ATT_F_STDIN : 0) |
		(a->hold ? ENG_ATT_F_HOLD : 0);
}
