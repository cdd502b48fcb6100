/* SPDX-License-Identifier: Apache-2.0 */
/* Private to src/engine/seccomp: name tables, limits and the filter logic
 * shared by the converter's files. */
#ifndef BRIG_ENGINE_SECCOMP_SP_PRIV_H
#define BRIG_ENGINE_SECCOMP_SP_PRIV_H

#include "engine/seccomp/profile.h"

/* Input limits, the same as brig-runtime's for the OCI object. */
#define SP_MAX_SYSCALLS 4096 /* syscalls[] entries */
#define SP_MAX_NAMES 4096 /* names of one entry */
#define SP_MAX_TOTAL_NAMES 65536 /* names over all entries */
#define SP_MAX_ARGS 64 /* args of one entry */
#define SP_MAX_ARCHS 64 /* architectures, archMap, arches */
#define SP_MAX_SUBARCHS 16 /* subArchitectures of one archMap entry */
#define SP_MAX_CAPS 128 /* caps of one filter */
#define SP_MAX_FLAGS 16
#define SP_MAX_NAME_LEN 64 /* a syscall name */
#define SP_MAX_CAP_LEN 64 /* a capability name */
#define SP_MAX_COMMENT 4096 /* a comment */
#define SP_MAX_METADATA 65536 /* listenerMetadata */
#define SP_MAX_PATH 4095 /* listenerPath */
#define SP_ARGS_PER_SYSCALL 6

struct sp_action {
	const char *name; /* "SCMP_ACT_ERRNO" */
	bool takes_data; /* errnoRet allowed */
	unsigned max_data; /* largest errnoRet */
};

/* tables.c */
const struct sp_action *sp_action_lookup(const char *name);
bool sp_op_known(const char *name);
bool sp_oci_arch_known(const char *name); /* "SCMP_ARCH_X86_64" */
/* Docker's name of an architecture ("amd64") -> the OCI one, or NULL. */
const char *sp_docker_arch_to_oci(const char *name);
bool sp_flag_known(const char *name);
bool sp_syscall_name_valid(const char *s);
bool sp_cap_name_valid(const char *s);

/* What a syscalls[] entry's filters are matched against. */
struct sp_target {
	const char *const *caps; /* NULL-terminated, may be NULL */
	const char *arch; /* Docker's name */
	const char *kernel; /* a release string */
};

/* filter.c: validate an "includes"/"excludes" object at `at` (absent: *out
 * true for includes), and decide whether it matches t.  include selects
 * the meaning: all conditions must hold (includes) or any one excludes. */
int sp_filter_eval(const json_t *entry, const struct bj_loc *at, const char *key, bool include,
		   const struct sp_target *t, bool *keep, struct brig_err *e);

/* rules.c: helpers.  sp_put owns val also on failure; sp_unset: the member
 * is absent or null (Go writes null for an empty list). */
int sp_put(json_t *obj, const char *key, json_t *val, struct brig_err *e);
bool sp_unset(const json_t *obj, const char *key);
/* action_key and its errno member (defaultAction/defaultErrnoRet or
 * action/errnoRet) of in, checked and copied into out. */
int sp_conv_action(const json_t *in, const struct bj_loc *at, const char *action_key,
		   const char *errno_key, json_t *out, struct brig_err *e);
/* rules.c: check every syscalls[] entry of in and add those whose filters
 * match t to out["syscalls"]. */
int sp_conv_syscalls(const json_t *in, const struct bj_loc *at, const struct sp_target *t,
		     json_t *out, struct brig_err *e);

#endif /* BRIG_ENGINE_SECCOMP_SP_PRIV_H */
