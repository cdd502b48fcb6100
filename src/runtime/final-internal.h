/* SPDX-License-Identifier: Apache-2.0 */
/* Private: the last steps of a container process before execve, shared by
 * the container's init and by processes started with exec. */
#ifndef BRIG_RT_FINAL_H
#define BRIG_RT_FINAL_H

#include "runtime/runtime-internal.h"

#include <limits.h>

/* Open a pty inside the container, send its master over console_sock and
 * make the slave our controlling terminal and stdio. */
int rt_final_console(const struct rt_process *p, int console_sock, struct brig_err *e);
/* rlimits, io priority, scheduler. */
int rt_final_limits(const struct rt_process *p, struct brig_err *e);
/* Check, before anything is created, that the rlimits can be applied. */
int rt_check_rlimits(const struct rt_process *p, const char *file, struct brig_err *e);
/* LSM labels for the exec, groups, gid, uid, capabilities, no_new_privs,
 * seccomp (listener fd sent over sync_fd when notify is used). */
int rt_final_identity(const struct rt_process *p, const struct rt_seccomp *sc, int sync_fd,
		      struct brig_err *e);
/* With no_new_privs, the seccomp filter: the last step before waiting to
 * execve, after the cwd and executable checks. */
int rt_final_seccomp(const struct rt_process *p, const struct rt_seccomp *sc, int sync_fd,
		     struct brig_err *e);
/* chdir to process.cwd inside the container and check it is reachable.
 * early (as root, before the identity switch): returns 1 when the
 * directory is not accessible to root, to be tried again after it. */
int rt_final_cwd(const struct rt_process *p, bool early, struct brig_err *e);
/* Add HOME from the container's /etc/passwd (or "/") when env lacks it,
 * as runc does.  Call in the container, before changing uid. */
int rt_final_home(struct rt_process *p, struct brig_err *e);
/* Resolve args[0] against PATH from the process environment. */
int rt_find_exec(const struct rt_process *p, char out[PATH_MAX], struct brig_err *e);
/* Close every fd above 2 + preserve (CLOEXEC) and execve; on failure e. */
int rt_final_exec(const struct rt_process *p, const char *path, unsigned preserve,
		  struct brig_err *e);
/* Whether an LSM is active ("apparmor", "selinux"). */
bool rt_lsm_active(const char *name);

#endif
