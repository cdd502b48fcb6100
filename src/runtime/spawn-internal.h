/* SPDX-License-Identifier: Apache-2.0 */
/* Private: starting a process in new or joined namespaces. */
#ifndef BRIG_RT_SPAWN_H
#define BRIG_RT_SPAWN_H

#include "runtime/runtime-internal.h"

/*
 * Start a child in the namespaces of spec: join the ones with a path, create
 * the others.  The child runs fn(arg) and must not return.  Returns the
 * child's pid (a direct child of the caller) or a negative errno.  With
 * cgroup_fd >= 0 (rt_cgroup_clone_fd) the child may be started in that v2
 * cgroup: *in_cgroup says whether it was.
 */
pid_t rt_spawn(const struct rt_spec *s, void (*fn)(void *), void *arg, int cgroup_fd,
	       bool *in_cgroup, struct brig_err *e);
/* Write uid_map/gid_map of pid (directly as root, else newuidmap/newgidmap). */
int rt_write_idmaps(pid_t pid, const struct rt_spec *s, struct brig_err *e);
/* Join every namespace of pid named in flags (CLONE_NEW*), user first. */
int rt_join_namespaces_of(pid_t pid, int flags, struct brig_err *e);

#endif
