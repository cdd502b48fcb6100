/* SPDX-License-Identifier: Apache-2.0 */
/* Private to engine/flags: the recorded flag values and the helpers the
 * topic files share. */
#ifndef BRIG_ENGINE_FLAGS_INT_H
#define BRIG_ENGINE_FLAGS_INT_H

#include "engine/flags/flags.h"

struct opt_i64 {
	bool set;
	int64_t v;
};

struct opt_bool {
	bool set;
	bool v;
};

struct eng_ulimit {
	const char *name; /* Docker's name: "nofile" */
	const char *oci; /* "RLIMIT_NOFILE" */
	int64_t soft, hard; /* -1: unlimited */
};

struct eng_device {
	char *host, *ctr;
	char perms[4];
	char type; /* 'c' or 'b' */
	int64_t major, minor;
	uint32_t mode; /* permission bits of the host node */
};

struct eng_sysctl {
	char *key, *value;
};

enum eng_mount_kind { ENG_MNT_BIND, ENG_MNT_VOLUME, ENG_MNT_TMPFS };
enum eng_mount_from { ENG_FROM_TMPFS, ENG_FROM_VOLUME, ENG_FROM_MOUNT };

struct eng_mount {
	enum eng_mount_kind kind;
	enum eng_mount_from from;
	char *raw; /* the flag value as given */
	char *src; /* bind: host path; volume: name ("" anonymous) */
	char *dst;
	char *host_path; /* a volume's resolved directory */
	bool readonly, nocopy;
	bool chown_u; /* -v SRC:DST:U: the source given to the container's user */
	char *propagation; /* NULL: rprivate */
	int64_t tmpfs_size; /* 0: not given */
	int64_t tmpfs_mode; /* -1: not given */
	char **opts; /* OCI options (without the source) */
};

struct eng_flags {
	/* resources */
	struct opt_i64 memory, memory_swap, memory_reservation, memory_swappiness;
	struct opt_bool oom_kill_disable;
	struct opt_i64 cpu_shares, nano_cpus, cpu_quota, cpu_period, pids_limit;
	struct opt_i64 blkio_weight;
	char *cpuset_cpus, *cpuset_mems;
	/* process */
	struct eng_ulimit *ulimits;
	size_t n_ulimits;
	struct opt_i64 oom_score_adj;
	char *hostname;
	char *stop_signal_s;
	int stop_signal;
	struct opt_i64 stop_timeout;
	char **group_add; /* as given */
	char **group_names; /* the non-numeric ones */
	/* privileges */
	struct opt_bool privileged;
	char **cap_add, **cap_drop; /* "CAP_X" or "ALL" */
	struct eng_device *devices;
	size_t n_devices;
	struct eng_sysctl *sysctls;
	size_t n_sysctls;
	/* filesystem */
	struct eng_mount *mounts; /* --tmpfs, -v, --mount in command-line order */
	size_t n_mounts;
	struct opt_bool read_only;
	struct opt_i64 shm_size;
	/* --security-opt */
	char **security_opt; /* as given */
	struct opt_bool no_new_privs;
	char *seccomp, *apparmor;
	char *landlock; /* run.brig.landlock's rules */
	bool label_disable;
	char **labels; /* "user:X", ... */
	char **mask, **unmask;
	bool unmask_all;
	char **notices;
};

/* One flag's setter: value is never NULL (booleans get ""), errors are
 * reported without the flag name (the caller prefixes "--NAME: "). */
typedef int (*eng_setter)(struct eng_flags *f, const char *value, struct brig_err *e);

/* flags.c */
int eng_strv_push(char ***v, const char *s, struct brig_err *e);
bool eng_strv_has(char *const *v, const char *s);
int eng_notice(struct eng_flags *f, struct brig_err *e, const char *fmt, ...) BRIG_PRINTF(3, 4);
int eng_parse_bool(const char *s, bool *out);
/* An absolute path without "." or ".." components, not "/" itself. */
bool eng_path_ok(const char *p);

/* size.c */
int eng_parse_int(const char *s, int64_t min, int64_t max, int64_t *out, struct brig_err *e);
int eng_parse_cpus(const char *s, int64_t *nano, struct brig_err *e);
int eng_parse_cpulist(const char *s, struct brig_err *e);

/* json helpers (apply.c) */
/* obj[key] as an object, created when absent; NULL when it is not one. */
json_t *eng_json_obj(json_t *obj, const char *key);
json_t *eng_json_arr(json_t *obj, const char *key);
int eng_json_set(json_t *obj, const char *key, json_t *v, struct brig_err *e);
json_t *eng_strv_json(char *const *v);
bool eng_ns_private(const json_t *oci, const char *type);

/* setters, per topic */
int eng_set_memory(struct eng_flags *f, const char *v, struct brig_err *e);
int eng_set_memory_swap(struct eng_flags *f, const char *v, struct brig_err *e);
int eng_set_memory_reservation(struct eng_flags *f, const char *v, struct brig_err *e);
int eng_set_memory_swappiness(struct eng_flags *f, const char *v, struct brig_err *e);
int eng_set_oom_kill_disable(struct eng_flags *f, const char *v, struct brig_err *e);
int eng_set_cpu_shares(struct eng_flags *f, const char *v, struct brig_err *e);
int eng_set_cpus(struct eng_flags *f, const char *v, struct brig_err *e);
int eng_set_cpu_quota(struct eng_flags *f, const char *v, struct brig_err *e);
int eng_set_cpu_period(struct eng_flags *f, const char *v, struct brig_err *e);
int eng_set_cpuset_cpus(struct eng_flags *f, const char *v, struct brig_err *e);
int eng_set_cpuset_mems(struct eng_flags *f, const char *v, struct brig_err *e);
int eng_set_pids_limit(struct eng_flags *f, const char *v, struct brig_err *e);
int eng_set_blkio_weight(struct eng_flags *f, const char *v, struct brig_err *e);
int eng_set_ulimit(struct eng_flags *f, const char *v, struct brig_err *e);
int eng_set_cap_add(struct eng_flags *f, const char *v, struct brig_err *e);
int eng_set_cap_drop(struct eng_flags *f, const char *v, struct brig_err *e);
int eng_set_privileged(struct eng_flags *f, const char *v, struct brig_err *e);
int eng_set_device(struct eng_flags *f, const char *v, struct brig_err *e);
int eng_set_sysctl(struct eng_flags *f, const char *v, struct brig_err *e);
int eng_set_tmpfs(struct eng_flags *f, const char *v, struct brig_err *e);
int eng_set_volume(struct eng_flags *f, const char *v, struct brig_err *e);
int eng_set_mount(struct eng_flags *f, const char *v, struct brig_err *e);
int eng_set_read_only(struct eng_flags *f, const char *v, struct brig_err *e);
int eng_set_read_write(struct eng_flags *f, const char *v, struct brig_err *e);
int eng_set_shm_size(struct eng_flags *f, const char *v, struct brig_err *e);
int eng_set_security_opt(struct eng_flags *f, const char *v, struct brig_err *e);
int eng_set_group_add(struct eng_flags *f, const char *v, struct brig_err *e);
int eng_set_oom_score_adj(struct eng_flags *f, const char *v, struct brig_err *e);
int eng_set_hostname(struct eng_flags *f, const char *v, struct brig_err *e);
int eng_set_stop_signal(struct eng_flags *f, const char *v, struct brig_err *e);
int eng_set_stop_timeout(struct eng_flags *f, const char *v, struct brig_err *e);

/* appliers, per topic; each works on the copy eng_flags_apply hands it */
int eng_apply_resources(const struct eng_flags *f, json_t *oci, struct brig_err *e);
int eng_apply_ulimits(const struct eng_flags *f, json_t *oci, struct brig_err *e);
int eng_apply_caps(const struct eng_flags *f, json_t *oci, struct brig_err *e);
int eng_apply_privileged(const struct eng_flags *f, json_t *oci, struct brig_err *e);
int eng_apply_devices(const struct eng_flags *f, json_t *oci, struct brig_err *e);
int eng_apply_sysctls(const struct eng_flags *f, json_t *oci, struct brig_err *e);
int eng_apply_mounts(const struct eng_flags *f, json_t *oci, struct brig_err *e);
int eng_apply_security(const struct eng_flags *f, json_t *oci, struct brig_err *e);
int eng_apply_process(const struct eng_flags *f, json_t *oci, struct brig_err *e);

/* per-topic cleanup and HostConfig members */
void eng_mounts_free(struct eng_flags *f);
void eng_devices_free(struct eng_flags *f);
void eng_sysctls_free(struct eng_flags *f);
int eng_hc_mounts(const struct eng_flags *f, json_t *hc);
int eng_hc_devices(const struct eng_flags *f, json_t *hc);
int eng_hc_ulimits(const struct eng_flags *f, json_t *hc);
int eng_hc_sysctls(const struct eng_flags *f, json_t *hc);

/* caps.c: "chown", "CAP_CHOWN", "cap_chown" -> "CAP_CHOWN" (or "ALL"). */
int eng_cap_normalize(const char *name, const char **out);

#endif /* BRIG_ENGINE_FLAGS_INT_H */
