/* SPDX-License-Identifier: Apache-2.0 */
/* Private: messages between brig-runtime and the processes it starts. */
#ifndef BRIG_RT_SYNC_H
#define BRIG_RT_SYNC_H

#include "runtime/runtime-internal.h"

enum rt_msg_type {
	RT_MSG_GO = 1, /* parent -> child: maps written, cgroup joined */
	RT_MSG_HOOKS, /* child -> parent: run prestart/createRuntime hooks */
	RT_MSG_HOOKS_DONE, /* parent -> child */
	RT_MSG_SECCOMP_FD, /* child -> parent: seccomp listener fd attached */
	RT_MSG_READY, /* child -> parent: waiting for start */
	RT_MSG_START, /* parent -> child: go ahead and exec */
	RT_MSG_ERROR, /* child -> parent: text is the error */
	RT_MSG_PID, /* intermediate -> parent: value is the pid */
	RT_MSG_LOCK_MOUNTS, /* child -> parent: tree done, lock it */
	RT_MSG_MOUNTS_LOCKED, /* parent -> child: fd of the locked mount namespace */
};

struct rt_msg {
	uint32_t type;
	int32_t value;
	char text[16384];
};

/* SOCK_SEQPACKET socketpair, both ends close-on-exec. */
int rt_sync_pair(int fds[2], struct brig_err *e);
/* Send a message, optionally with one fd (SCM_RIGHTS); fd < 0 for none. */
int rt_sync_send(int sock, enum rt_msg_type type, int32_t value, const char *text, int fd);
/* Receive one message; *fd gets a passed fd (or -1). Returns 0, -EPIPE on
 * EOF, or a negative errno. */
int rt_sync_recv(int sock, struct rt_msg *m, int *fd);
/* Receive and require type; an RT_MSG_ERROR becomes e's message. */
int rt_sync_expect(int sock, enum rt_msg_type type, struct rt_msg *m, int *fd, const char *what,
		   struct brig_err *e);
/* Child side: report e to the parent and _exit(1). */
__attribute__((noreturn)) void rt_sync_die(int sock, struct brig_err *e);

#endif
