/* SPDX-License-Identifier: Apache-2.0 */
/* Private to the runtime module: the parsed OCI config and its helpers. */
#ifndef BRIG_RT_H
#define BRIG_RT_H

#include "runtime/runtime.h"

#include <sys/resource.h>

struct rt_rootfs_cfg;
struct rt_cgroup_cfg;
struct rt_seccomp;
struct brig_landlock_rules;

#define RT_MAX_CONFIG (4u << 20) /* config.json size limit */
#define RT_MAX_ARGS 65536
#define RT_MAX_ENV 65536
#define RT_DEFAULT_ROOT "/run/brig-runtime"
#define RT_OCI_VERSION "1.3.0"

struct rt_caps {
	uint64_t sets[5]; /* bounding, effective, inheritable, permitted, ambient */
};
enum { RT_CAP_BND, RT_CAP_EFF, RT_CAP_INH, RT_CAP_PRM, RT_CAP_AMB };

struct rt_rlimit {
	int resource;
	uint64_t soft, hard;
};

struct rt_process {
	char **args;
	char **env;
	char *cwd;
	uint32_t uid, gid;
	bool has_umask;
	mode_t umask;
	gid_t *groups;
	size_t n_groups;
	bool has_caps; /* the key was given (exec --process falls back) */
	struct rt_caps caps;
	struct rt_rlimit *rlimits;
	size_t n_rlimits;
	bool no_new_privs;
	bool has_oom_score_adj;
	int oom_score_adj;
	char *apparmor;
	char *selinux;
	bool terminal;
	unsigned short console_h, console_w;
	bool has_ioprio;
	int ioprio;
	bool has_sched;
	int sched_policy, sched_prio, sched_nice;
	uint64_t sched_flags, sched_runtime, sched_deadline, sched_period; /* ns */
};

enum rt_ns_kind {
	RT_NS_PID,
	RT_NS_NET,
	RT_NS_MNT,
	RT_NS_IPC,
	RT_NS_UTS,
	RT_NS_USER,
	RT_NS_CGROUP,
	RT_NS_TIME,
	RT_NS_COUNT
};

struct rt_ns {
	bool wanted;
	char *path; /* join this one instead of creating it */
};

struct rt_idmap {
	uint32_t container, host, size;
};

enum rt_hook_kind {
	RT_HOOK_PRESTART,
	RT_HOOK_CREATE_RUNTIME,
	RT_HOOK_CREATE_CONTAINER,
	RT_HOOK_START_CONTAINER,
	RT_HOOK_POSTSTART,
	RT_HOOK_POSTSTOP,
	RT_HOOK_COUNT
};

struct rt_hook {
	char *path;
	char **args;
	char **env;
	int timeout; /* seconds, 0 = none */
};

struct rt_kv {
	char *key, *value;
};

#define RT_MPOL_MAX_NODES 1024
struct rt_mempolicy {
	bool set, has_nodes;
	int mode; /* MPOL_* */
	unsigned flags; /* MPOL_F_* */
	unsigned long nodes[RT_MPOL_MAX_NODES / (8 * sizeof(unsigned long))];
};

struct rt_spec {
	json_t *json; /* the whole document */
	char *file; /* path of config.json, for messages */
	char *bundle; /* absolute bundle directory */
	struct rt_process process;
	char *hostname, *domainname;
	struct rt_ns ns[RT_NS_COUNT];
	struct rt_idmap *uid_maps, *gid_maps;
	size_t n_uid_maps, n_gid_maps;
	struct rt_kv *sysctl;
	size_t n_sysctl;
	bool has_personality;
	unsigned long personality;
	struct rt_hook *hooks[RT_HOOK_COUNT];
	size_t n_hooks[RT_HOOK_COUNT];
	bool has_time_offsets;
	int64_t mono_secs, boot_secs;
	uint32_t mono_nsecs, boot_nsecs;
	struct rt_rootfs_cfg *rootfs;
	struct rt_cgroup_cfg *cgroup;
	struct rt_seccomp *seccomp;
	struct rt_mempolicy mempolicy;
	struct brig_landlock_rules *landlock; /* run.brig.landlock, or NULL */
};

/* spec.c */
/* config: path of the config to read (NULL: BUNDLE/config.json), or, with
 * doc, only the name it is known by in messages; doc: the config in memory
 * (copied), or NULL to read the file. */
int rt_spec_load(const char *bundle, const char *config, const json_t *doc, const char *id,
		 bool systemd_cgroup, struct rt_spec **out, struct brig_err *e);
/* Only the hooks of dirfd/name (for start and delete). */
int rt_spec_load_hooks(int dirfd, const char *name, struct rt_spec **out, struct brig_err *e);
void rt_spec_free(struct rt_spec *s);
int rt_ns_clone_flag(enum rt_ns_kind k);
const char *rt_ns_proc_name(enum rt_ns_kind k);

/* process.c */
int rt_process_parse(const json_t *proc, const struct bj_loc *at, struct rt_process *p,
		     struct brig_err *e);
void rt_process_clear(struct rt_process *p);
int rt_rlimit_from_name(const char *name);
const char *rt_rlimit_name(int resource);

/* caps.c */
int rt_caps_parse(const json_t *obj, const struct bj_loc *at, struct rt_caps *out,
		  struct brig_err *e);
/* In the container process: bounding set, then keep caps across the uid
 * change (call before setresuid), then apply the sets (after). */
int rt_caps_drop_bounding(const struct rt_caps *c, struct brig_err *e);
int rt_caps_apply(const struct rt_caps *c, struct brig_err *e);
json_t *rt_caps_names(void); /* every known name, for features */

/* mempolicy.c: linux.memoryPolicy */
int rt_mempolicy_parse(const json_t *lx, const struct bj_loc *ll, struct rt_mempolicy *m,
		       struct brig_err *e);
int rt_mempolicy_apply(const struct rt_mempolicy *m, struct brig_err *e);

/* hooks.c */
int rt_hooks_run(const struct rt_spec *s, enum rt_hook_kind k, const json_t *state,
		 struct brig_err *e);
/* poststop: a failing hook is a warning and the rest still run. */
void rt_hooks_run_warn(const struct rt_spec *s, enum rt_hook_kind k, const json_t *state,
		       const char *id);
int rt_hook_parse_all(const json_t *config, const struct bj_loc *root, struct rt_spec *s,
		      struct brig_err *e);
void rt_hooks_free(struct rt_spec *s);

#endif /* BRIG_RT_H */
