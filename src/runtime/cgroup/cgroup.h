/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runtime/cgroup: the container's control groups.
 *
 * Parses linux.cgroupsPath and linux.resources of an OCI config, creates the
 * container's cgroup in every mounted hierarchy (cgroup v2, v1 or a hybrid of
 * both, detected from /proc/self/mountinfo), applies the resource limits and
 * the device allowlist (v1 devices.allow/deny, v2 an eBPF program), moves
 * processes in, freezes, signals, reports statistics and removes exactly the
 * directories it created.
 *
 * Private to the runtime module: include as "runtime/cgroup/cgroup.h".
 * Every function returns 0 or a negative errno and fills the brig_err.
 */
#ifndef BRIG_RUNTIME_CGROUP_H
#define BRIG_RUNTIME_CGROUP_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "common/common.h"

struct rt_cgroup_cfg; /* parsed linux.cgroupsPath + linux.resources */
struct rt_cgroup_resources; /* parsed resources object */
struct rt_cgroup; /* the live cgroup(s) of one container */

enum rt_cgroup_layout {
	RT_CGROUP_V1 = 1, /* only cgroup v1 controllers */
	RT_CGROUP_V2, /* the unified hierarchy only */
	RT_CGROUP_HYBRID, /* v1 controllers plus a cgroup2 mount */
};

/*
 * Parse the config's "linux" object (or NULL: no cgroupsPath, no resources).
 * at names it (file "config.json", path "linux"); id is the container id,
 * used for the default path "brig/<id>".  systemd: the --systemd-cgroup flag;
 * cgroupsPath is then "slice:prefix:name" and is mapped onto the cgroupfs
 * path systemd would use ("/system.slice/prefix-name.scope"); it fails when
 * systemd is not running.
 */
int rt_cgroup_cfg_parse(const json_t *linux_obj, const struct bj_loc *at, const char *id,
			bool systemd, struct rt_cgroup_cfg **out, struct brig_err *e);
void rt_cgroup_cfg_free(struct rt_cgroup_cfg *cfg);
/* The validated cgroup path ("/abs/path" or "rel/path"). */
/* A rootless caller without limits to apply may go on without a cgroup
 * when making one failed with err (no delegated cgroup, as on a v1 host:
 * runc and crun do the same). */
bool rt_cgroup_cfg_optional(const struct rt_cgroup_cfg *cfg, int err);
const char *rt_cgroup_cfg_path(const struct rt_cgroup_cfg *cfg);
/* The parsed resources (never NULL after a successful parse). */
const struct rt_cgroup_resources *rt_cgroup_cfg_resources(const struct rt_cgroup_cfg *cfg);

/* Parse a resources object, e.g. for `brig-runtime update --resources`. */
int rt_cgroup_resources_parse(const json_t *res, const struct bj_loc *at,
			      struct rt_cgroup_resources **out, struct brig_err *e);
void rt_cgroup_resources_free(struct rt_cgroup_resources *r);

/* Create the cgroup(s) (mkdir, controllers, every resource and the device
 * list).  On failure nothing it created is left behind. */
int rt_cgroup_create(const struct rt_cgroup_cfg *cfg, struct rt_cgroup **out, struct brig_err *e);
/* Move pid into the container's cgroup in every hierarchy. */
int rt_cgroup_enter(struct rt_cgroup *cg, pid_t pid, struct brig_err *e);
/*
 * The container's init moves itself into the v1 hierarchies: "0" written to
 * `tasks` moves one thread, the writer, which the kernel does without its
 * global threadgroup lock (a write of a pid to cgroup.procs takes it, and
 * waits for an RCU grace period, in every hierarchy).  The runtime opens
 * the files before the clone (the init may be in a user namespace that
 * could not open them; the kernel checks the opener), at most max of them:
 * *n says how many.  rt_cgroup_self_enter (in the init) writes and closes
 * them; rt_cgroup_enter_rest (in the runtime) moves pid into the others.
 */
int rt_cgroup_self_open(struct rt_cgroup *cg, int *fds, size_t max, size_t *n, struct brig_err *e);
int rt_cgroup_self_enter(int *fds, size_t n, struct brig_err *e);
int rt_cgroup_enter_rest(struct rt_cgroup *cg, pid_t pid, size_t n_self, bool v2_done,
			 struct brig_err *e);
/*
 * The v2 part of the container's cgroup for CLONE_INTO_CGROUP: *fd is an
 * O_PATH fd of it, or -1 when the container has no v2 cgroup.  A
 * child cloned into it skips the write of its pid to cgroup.procs, which
 * takes the kernel's global threadgroup lock and waits for an RCU grace
 * period; rt_cgroup_enter_rest(v2_done) then leaves the v2 hierarchy alone.
 */
int rt_cgroup_clone_fd(struct rt_cgroup *cg, int *fd, struct brig_err *e);
/* Apply the resources that are set in res (others stay as they are). */
int rt_cgroup_update(struct rt_cgroup *cg, const struct rt_cgroup_resources *res,
		     struct brig_err *e);
/* Freeze or thaw; returns once the kernel reports the new state. */
int rt_cgroup_freeze(struct rt_cgroup *cg, bool frozen, struct brig_err *e);
int rt_cgroup_is_frozen(struct rt_cgroup *cg, bool *frozen, struct brig_err *e);
/* Every pid in the container's cgroup and its descendants (free *pids). */
int rt_cgroup_pids(struct rt_cgroup *cg, pid_t **pids, size_t *n, struct brig_err *e);
/* Send sig to every process (v2 SIGKILL: cgroup.kill). */
int rt_cgroup_kill(struct rt_cgroup *cg, int sig, struct brig_err *e);
/* Remove the directories create() made (and sub-cgroups the container made
 * beneath its own), deepest first; parents only when empty. */
int rt_cgroup_destroy(struct rt_cgroup *cg, struct brig_err *e);
/* Persist in / restore from the container state. */
int rt_cgroup_to_json(const struct rt_cgroup *cg, json_t **out, struct brig_err *e);
int rt_cgroup_from_json(const json_t *j, struct rt_cgroup **out, struct brig_err *e);
/*
 * Statistics like `runc events --stats`:
 *   {"cpu":{"usage":{"total","user","kernel","percpu":[...]},
 *           "throttling":{"periods","throttledPeriods","throttledTime"}},
 *    "memory":{"usage":{"usage","limit","max","failcnt"},"swap":{...},
 *              "cache","oomKill"},
 *    "pids":{"current","limit"}}
 * Times in nanoseconds, sizes in bytes; an unlimited limit is null.
 * Sections whose controller is absent are left out.
 */
int rt_cgroup_stats(struct rt_cgroup *cg, json_t **out, struct brig_err *e);
/* Path of the container cgroup to unshare a cgroup namespace from. */
const char *rt_cgroup_ns_path(const struct rt_cgroup *cg);
enum rt_cgroup_layout rt_cgroup_layout_of(const struct rt_cgroup *cg);
void rt_cgroup_free(struct rt_cgroup *cg);
static inline void rt_cgroup_freep(struct rt_cgroup **cg)
{
	rt_cgroup_free(*cg);
}
static inline void rt_cgroup_cfg_freep(struct rt_cgroup_cfg **cfg)
{
	rt_cgroup_cfg_free(*cfg);
}
static inline void rt_cgroup_resources_freep(struct rt_cgroup_resources **r)
{
	rt_cgroup_resources_free(*r);
}

/* Fill "cgroup": {"v1","v2","systemd","systemdUser","rdma"} (features.md). */
void rt_cgroup_features(json_t *linux_features);

/* Let rt_cgroup_create() leave the device rules out, for the runtime to
 * apply them with rt_cgroup_apply_devices() once the container's device
 * nodes exist (mknod needs the 'm' permission the rules may not give),
 * before the container's own program runs. */
void rt_cgroup_cfg_defer_devices(struct rt_cgroup_cfg *cfg);
int rt_cgroup_apply_devices(struct rt_cgroup *cg, const struct rt_cgroup_cfg *cfg,
			    struct brig_err *e);

/* The host's layout, from /proc/self/mountinfo. */
int rt_cgroup_host_layout(enum rt_cgroup_layout *out, struct brig_err *e);

/* cpu.shares (v1, 2..262144) -> cpu.weight (v2, 1..10000). */
uint64_t rt_cgroup_shares_to_weight(uint64_t shares);
/* blkio.weight (v1, 10..1000) -> io.weight (v2, 1..10000). */
uint64_t rt_cgroup_blkio_to_io_weight(uint64_t weight);

#endif /* BRIG_RUNTIME_CGROUP_H */
