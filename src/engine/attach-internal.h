/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the engine: the attach server of a monitor (attach.c).  A
 * container started in the background with -i or -t keeps its stdin (a
 * pipe, or the master of its terminal) with its monitor, which listens on
 * ROOT/containers/<id>/attach.sock for `brig attach` (docs/attach.md).
 */
#ifndef BRIG_ENG_ATTACH_INTERNAL_H
#define BRIG_ENG_ATTACH_INTERNAL_H

#include "engine/engine-internal.h"

#include <poll.h>

struct eng_attsrv;
struct eng_logw;

/* A server for a container with a terminal (tty) or an open stdin
 * (stdin_open: -i; a terminal without it takes nothing typed, as Docker's
 * -t alone); the listening socket is made in the container directory
 * dirfd, mode 0600.  hold: a client is on its way (run -it): the output
 * until it comes is kept for it (ENG_ATTACH_EARLY_MAX bytes) and the end
 * of the run waits for it (ENG_ATTACH_WAIT_MS at most). */
int eng_attach_new(int dirfd, bool tty, bool stdin_open, bool hold, struct eng_attsrv **out,
		   struct brig_err *e);
/* Before a run is created: the console socket to give the runtime (tty),
 * or the stdin the init gets (*child_in, a pipe's read end). */
int eng_attach_stdio(struct eng_attsrv *a, const char **console, int *child_in, struct brig_err *e);
/* After the runtime made the run: the output to read (*out_r, the
 * terminal's master for a tty). */
int eng_attach_created(struct eng_attsrv *a, int *out_r, struct brig_err *e);
/* The fds to poll (at most max), and what came on them. */
size_t eng_attach_pollfds(struct eng_attsrv *a, struct pollfd *p, size_t max);
void eng_attach_events(struct eng_attsrv *a, const struct pollfd *p, size_t n, pid_t pid);
/* Read what the container wrote on fd: into the log and to every client.
 * As eng_logw_feed_fd: > 0 read, 0 at EOF, < 0 error. */
ssize_t eng_attach_relay(struct eng_attsrv *a, struct eng_logw *log, int stream, int fd,
			 struct brig_err *e);
/* The run ended with status: clients are told and let go. */
void eng_attach_run_end(struct eng_attsrv *a, int status);
void eng_attach_free(struct eng_attsrv *a);

/* What brig-monitor's relay takes over (monitor_handoff.c): the listening
 * socket, the container's stdin or terminal (-1: none), ENG_ATT_F_*. */
#define ENG_ATT_F_TTY 1u
#define ENG_ATT_F_STDIN 2u
#define ENG_ATT_F_HOLD 4u
void eng_attach_handoff(const struct eng_attsrv *a, int *listen_fd, int *in_w, unsigned *flags);
/* In brig-monitor's relay: a server on those fds (not owned: they live as
 * long as the relay); signal frames are written to sig_fd as one byte.
 * NULL when out of memory. */
struct eng_attsrv *eng_attach_adopt(int dirfd, int listen_fd, int in_w, unsigned flags, int sig_fd);

#define ENG_ATTACH_POLL_MAX 18 /* the listener, stdin, 16 clients */
#define ENG_ATTACH_SOCK "attach.sock"
#define ENG_ATTACH_EARLY_MAX (64 * 1024)
#define ENG_ATTACH_WAIT_MS 10000

#endif
