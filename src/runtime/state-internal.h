/* SPDX-License-Identifier: Apache-2.0 */
/* Private: the on-disk state of a container (ROOT/ID/). */
#ifndef BRIG_RT_STATE_H
#define BRIG_RT_STATE_H

#include "runtime/runtime-internal.h"

#include <sys/socket.h>

struct rt_cgroup;

#define RT_STATE_FILE "state.json"
#define RT_CONFIG_COPY "config.json"
#define RT_START_SOCK "start.sock"
#define RT_LOCK_FILE ".lock"

struct rt_container {
	char *id;
	int dirfd; /* ROOT/ID */
	int lockfd; /* flock on ROOT/ID/.lock */
	json_t *state; /* state.json */
	pid_t pid;
	uint64_t start_time; /* /proc/PID/stat field 22, guards pid reuse */
	struct rt_cgroup *cgroup;
};

/* Open ROOT (creating it 0700) and return its fd. */
int rt_root_open(const char *root, bool create, struct brig_err *e);
/* Load a container: lock (exclusive), read state.json. */
int rt_container_load(const struct rt_global *g, const char *id, struct rt_container **out,
		      struct brig_err *e);
void rt_container_free(struct rt_container *c);
/* "created", "running", "paused" or "stopped". */
const char *rt_container_status(struct rt_container *c);
int rt_container_save(struct rt_container *c, struct brig_err *e);
/* Start time of a pid from /proc (0 when gone). */
uint64_t rt_pid_start_time(pid_t pid);
bool rt_container_alive(const struct rt_container *c);
/* The public state object (what `state` prints and hooks get on stdin). */
json_t *rt_state_public(struct rt_container *c);
/* Signal the container's init process (pidfd: no pid-reuse race). */
int rt_container_signal(struct rt_container *c, int sig, struct brig_err *e);
/* Keep compiled seccomp programs in ROOT/.seccomp-cache. */
void rt_use_seccomp_cache(const struct rt_global *g);
/* Remove ROOT/ID entirely. */
int rt_state_remove(int rootfd, const char *id, struct brig_err *e);

struct sockaddr_un;
/* AF_UNIX address of DIRFD/NAME through /proc/self/fd (paths stay short). */
int rt_unix_addr(int dirfd, const char *name, struct sockaddr_un *sa, socklen_t *len);

/* run without -d: forward signals (and relay the pty master when >= 0),
 * wait, delete; the exit status. */
int rt_run_foreground(const struct rt_global *g, const char *id, pid_t pid, int master, bool keep,
		      struct brig_err *e);

#endif
