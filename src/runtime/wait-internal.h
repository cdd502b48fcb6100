/* SPDX-License-Identifier: Apache-2.0 */
/* Private: waiting for a foreground process of a container. */
#ifndef BRIG_RT_WAIT_H
#define BRIG_RT_WAIT_H

#include "runtime/runtime-internal.h"

/* Wait for pid (a child of ours), forwarding signals to it; with master >= 0
 * also relay stdin to the pty and the pty to stdout (stdin raw when it is a
 * terminal, window size kept in step).  Returns the exit status: 0-255, or
 * 128 + the signal that killed it; with keys (a terminal's detach keys),
 * RT_EXEC_DETACHED when they were typed (the process is not waited for). */
int rt_wait_forward(pid_t pid, int master, const struct rt_detach_keys *keys, struct brig_err *e);
/* The same with the pty relayed by relay (a child of ours, rt_exec_opts'
 * tty_relay): SIGWINCH goes to it, stdin is raw while it runs, and its
 * exit with RT_RELAY_DETACHED ends the wait as the detach keys do. */
int rt_wait_relayed(pid_t pid, pid_t relay, struct brig_err *e);

#endif
