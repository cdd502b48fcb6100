/* SPDX-License-Identifier: Apache-2.0 */
/* brig-monitor's log relay, confined (sandbox.c). */
#ifndef BRIG_MONITOR_SANDBOX_H
#define BRIG_MONITOR_SANDBOX_H

/* Confine the calling process for the rest of its life: no capabilities
 * (effective, permitted, inheritable, ambient, bounding), no_new_privs,
 * Landlock (files beneath `dirfd` only; no TCP, no signals or abstract
 * sockets outside), and a seccomp allow-list (anything else: EPERM).
 * Returns 0, or a negative errno naming the step in *what. */
int mon_sandbox(int dirfd, const char **what);

#endif
