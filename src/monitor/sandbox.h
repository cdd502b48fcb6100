/* SPDX-License-Identifier: Apache-2.0 */
/* brig-monitor's log relay, confined (sandbox.c). */
#ifndef BRIG_MONITOR_SANDBOX_H
#define BRIG_MONITOR_SANDBOX_H

#include <stdbool.h>

/* Confine the calling process for the rest of its life: no capabilities
 * (effective, permitted, inheritable, ambient, bounding), no_new_privs,
 * Landlock (files beneath `dirfd` only; no TCP, no signals or abstract
 * sockets outside), and a seccomp allow-list (anything else: EPERM).
 * attach: it also serves attach.sock (accepting, checking and writing to
 * clients); tty_fd >= 0: the terminal whose size it may set.
 * Returns 0, or a negative errno naming the step in *what. */
int mon_sandbox(int dirfd, bool attach, int tty_fd, const char **what);

#endif
