/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runtime/seccomp: linux.seccomp of an OCI config -> a BPF program.
 *
 * Private to the runtime module.  The whole filter is validated and compiled
 * with libseccomp in the runtime process (rt_seccomp_parse); the container
 * process only calls seccomp(2) with the ready program just before execve
 * (rt_seccomp_install), so no libseccomp code and no allocation runs after
 * the fork.
 *
 * SCMP_ACT_NOTIFY flow (runtime-spec "listenerPath"):
 *
 *   container process                       runtime (parent)
 *   prctl(PR_SET_NO_NEW_PRIVS)
 *   rt_seccomp_install(s, &nfd)
 *   rt_seccomp_pass_listener(sock, nfd) --> rt_seccomp_recv_listener(sock, &fd)
 *   close(nfd); execve(...)                  rt_seccomp_send_listener(s, fd, pid,
 *                                                                     state)
 *
 * rt_seccomp_pass_listener() must be the first thing the container process
 * does after the install: until the runtime holds the listener, a notified
 * syscall would block for ever.  rt_seccomp_parse() therefore refuses
 * SCMP_ACT_NOTIFY as the default action and for the syscalls the hand-over
 * uses (sendmsg, socketcall).
 */
#ifndef BRIG_RUNTIME_SECCOMP_H
#define BRIG_RUNTIME_SECCOMP_H

#include "common/common.h"

#include <linux/filter.h>
#include <sys/types.h>

struct rt_seccomp;

/*
 * Parse and fully validate linux.seccomp.  obj is the "seccomp" member (NULL
 * or JSON null: *out = NULL, no filter); at is its location, e.g. file
 * "config.json", path "linux.seccomp".  Errors name the field:
 * "config.json: linux.seccomp.syscalls[3].action: unknown action SCMP_ACT_FOO".
 * Requested flags and actions are checked against the running kernel here.
 */
int rt_seccomp_parse(const json_t *obj, const struct bj_loc *at, struct rt_seccomp **out,
		     struct brig_err *e);

/*
 * In the container process, after PR_SET_NO_NEW_PRIVS (or with CAP_SYS_ADMIN
 * in its user namespace): seccomp(SECCOMP_SET_MODE_FILTER, flags, prog).
 * *notify_fd is the listener fd (O_CLOEXEC) when rt_seccomp_wants_notify(),
 * else -1.  s == NULL installs nothing.  Allocation-free on success; pass
 * e == NULL for a strictly allocation-free call (the negative errno is still
 * returned).
 */
int rt_seccomp_install(const struct rt_seccomp *s, int *notify_fd, struct brig_err *e);

bool rt_seccomp_wants_notify(const struct rt_seccomp *s);
/* NULL when no listener is used (also when listenerPath was set but no rule
 * uses SCMP_ACT_NOTIFY: the spec says the path is then ignored). */
const char *rt_seccomp_listener_path(const struct rt_seccomp *s);
const char *rt_seccomp_listener_metadata(const struct rt_seccomp *s);

/*
 * Hand the listener fd from the container process to the runtime over a
 * connected AF_UNIX socket (one byte plus SCM_RIGHTS).  Allocation-free on
 * success, e may be NULL as for rt_seccomp_install.
 */
int rt_seccomp_pass_listener(int sock, int notify_fd, struct brig_err *e);
/* The runtime's side: receive exactly one fd (O_CLOEXEC) into *notify_fd. */
int rt_seccomp_recv_listener(int sock, int *notify_fd, struct brig_err *e);

/*
 * Connect to the listenerPath socket (AF_UNIX, SOCK_STREAM), send the
 * container process state {"ociVersion", "fds": ["seccompFd"], "pid",
 * "metadata" (when set), "state"} as JSON with notify_fd attached by
 * SCM_RIGHTS to the first sendmsg, and close the connection.  state is the
 * container's state object (its "ociVersion" is reused when present).
 */
int rt_seccomp_send_listener(const struct rt_seccomp *s, int notify_fd, pid_t pid,
			     const json_t *state, struct brig_err *e);

void rt_seccomp_free(struct rt_seccomp *s);
/* Keep compiled programs in dir (created 0700; used only when it is a
 * private directory of the caller).  NULL turns the cache off. */
int rt_seccomp_set_cache_dir(const char *dir, struct brig_err *e);
static inline void rt_seccomp_freep(struct rt_seccomp **s)
{
	rt_seccomp_free(*s);
}
#define _cleanup_rt_seccomp_ _cleanup_(rt_seccomp_freep)

/*
 * `brig-runtime features`: sets linux_features["seccomp"] to {"enabled",
 * "actions", "operators", "archs", "knownFlags", "supportedFlags"} as in
 * runtime-spec features-linux.md; supportedFlags is probed with seccomp(2).
 */
void rt_seccomp_features(json_t *linux_features);

/* Whether the running kernel takes the seccomp filter flag NAME (as the
 * OCI config spells it, "SECCOMP_FILTER_FLAG_..."); false for a name brig
 * does not know. */
bool rt_seccomp_flag_supported(const char *name);

/* Introspection (tests, debugging): the compiled program and the flags that
 * rt_seccomp_install passes to seccomp(2). */
const struct sock_filter *rt_seccomp_program(const struct rt_seccomp *s, size_t *len);
unsigned int rt_seccomp_install_flags(const struct rt_seccomp *s);

#endif /* BRIG_RUNTIME_SECCOMP_H */
