/* SPDX-License-Identifier: Apache-2.0 */
/* Private: what the container's init process is given (in memory: it is a
 * clone of brig-runtime, not a new program). */
#ifndef BRIG_RT_LAUNCH_H
#define BRIG_RT_LAUNCH_H

#include "runtime/runtime-internal.h"

#define RT_LAUNCH_CG_MAX 16

struct rt_launch {
	const struct rt_spec *spec;
	const struct rt_create_opts *opts;
	int sync_fd; /* the child's end of the sync socketpair */
	int listen_fd; /* start.sock, listening */
	int console_fd; /* connected console socket, or -1 */
	int idmap_userns_fd; /* for idmapped mounts, or -1 */
	/* Ask the runtime for a locked copy of the finished mount namespace
	 * (user namespace, new mount namespace, real root: lock.c). */
	bool lock_mounts;
	/* The runtime's own fds, closed first thing: the state lock in
	 * particular must not stay held by the container's copy; the last
	 * is the v2 cgroup the init was cloned into (rt_cgroup_clone_fd). */
	int close_fds[6];
	/* The v1 cgroups' tasks files the init writes "0" to (cgroup.h). */
	int cg_fds[RT_LAUNCH_CG_MAX];
	size_t n_cg_fds;
	struct rt_process proc; /* init's own copy of the process to run */
};

/* The container's init: never returns. */
__attribute__((noreturn)) void rt_init_main(struct rt_launch *l);

#endif
