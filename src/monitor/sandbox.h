/* SPDX-License-Identifier: Apache-2.0 */
/* brig-monitor's log relay, confined (sandbox.c). */
#ifndef BRIG_MONITOR_SANDBOX_H
#define BRIG_MONITOR_SANDBOX_H

#include <stdbool.h>

/* In brig-monitor, once: compile the relay's seccomp filter.  attach: the
 * relay also serves attach.sock (accepting, checking and writing to
 * clients); tty_fd >= 0: the terminal whose size it may set.  0, or a
 * negative errno (then mon_sandbox fails at its seccomp step). */
int mon_filter_build(bool attach, int tty_fd);

/* The same for a relay without attach, in the calling process, which
 * does not live long (brig's foreground relays, engine/fg_relay.c): no
 * fork, libseccomp's heap is the caller's.  tty_fd >= 0: the relay of a
 * terminal's master (`run -t`), which may set that terminal's size from
 * its stdout's (TIOCSWINSZ on tty_fd, TIOCGWINSZ on fd 1, no other
 * ioctl).  The program must fit in a pipe's buffer (it does: at most
 * BPF_MAXINSNS). */
int mon_filter_build_here(int tty_fd);

/* Confine the calling process for the rest of its life: no capabilities
 * (effective, permitted, inheritable, ambient, bounding), no_new_privs,
 * Landlock (files beneath `dirfd` only, none at all when it is negative;
 * no TCP, no signals or abstract sockets outside), and the seccomp
 * allow-list mon_filter_build made
 * (anything else: EPERM).  Returns 0, or a negative errno naming the step
 * in *what. */
int mon_sandbox(int dirfd, const char **what);

#endif
