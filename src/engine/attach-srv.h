/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The attach server's state, shared by its two halves: attach.c (making
 * the socket and a run's stdio, in brig) and attach_srv.c (serving clients
 * and copying the output while a run lasts, in brig or in brig-monitor's
 * confined relay).  docs/attach.md.
 */
#ifndef BRIG_ENG_ATTACH_SRV_H
#define BRIG_ENG_ATTACH_SRV_H

#include "engine/attach-internal.h"

#include <unistd.h>

#define CLIENTS_MAX 16

struct client {
	int fd;
	size_t len;
	unsigned char buf[3 + ENG_ATT_FRAME_MAX];
};

struct eng_attsrv {
	int dirfd; /* not owned */
	bool tty, stdin_open; /* -t; -i (without it nothing typed goes in) */
	int listen_fd, console_fd, in_r, in_w;
	/* >= 0: a signal frame is written here as one byte (brig-monitor's
	 * relay, which may not signal the init itself), else sent with kill */
	int sig_fd;
	struct client cl[CLIENTS_MAX];
	char console_path[64];
	size_t pend_len; /* stdin not yet taken by the container */
	unsigned char pend[ENG_ATT_FRAME_MAX];
	/* hold: frames kept for the client on its way (run -it), until it came */
	bool hold;
	unsigned char *early;
	size_t early_len;
};

static inline void eng_att_close(int *fd)
{
	if (*fd >= 0) {
		(void)close(*fd);
		*fd = -1;
	}
}

/* A server with no fds, or NULL (out of memory). */
struct eng_attsrv *eng_attach_alloc(int dirfd, bool tty, bool stdin_open, bool hold);

#endif
