/* SPDX-License-Identifier: Apache-2.0 */
/* Private to src/runtime/seccomp: name tables, kernel probes, the validated
 * configuration between parsing and compiling. */
#ifndef BRIG_RUNTIME_SC_PRIV_H
#define BRIG_RUNTIME_SC_PRIV_H

#include "runtime/seccomp/runtime-seccomp.h"

#include <linux/seccomp.h>
#include <seccomp.h>

#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

/* Input limits (config.json itself is size-limited by the caller). */
#define SC_MAX_SYSCALLS 4096 /* syscalls[] entries */
#define SC_MAX_NAMES 4096 /* names per entry */
#define SC_MAX_TOTAL_NAMES 65536 /* names over all entries */
#define SC_MAX_ARGS 64 /* args per entry */
#define SC_MAX_ARCHS 64
#define SC_MAX_FLAGS 16
#define SC_MAX_NAME_LEN 64 /* a syscall name */
#define SC_MAX_METADATA 65536 /* listenerMetadata bytes */
#define SC_MAX_ERRNO 4094 /* libseccomp: errno < MAX_ERRNO (4095) */
#define SC_MAX_RET_DATA 0xffff /* SECCOMP_RET_DATA */
#define SC_ARGS_PER_SYSCALL 6

/* ---- name tables (tables.c) ---- */

struct sc_action_def {
	const char *name; /* "SCMP_ACT_ERRNO" */
	uint32_t scmp; /* libseccomp action without data */
	uint32_t kernel; /* SECCOMP_RET_* for SECCOMP_GET_ACTION_AVAIL */
	bool takes_data; /* errnoRet allowed */
	uint32_t max_data; /* largest errnoRet */
};
struct sc_flag_def {
	const char *name;
	unsigned int bit;
};

const struct sc_action_def *sc_action_lookup(const char *name);
int sc_op_lookup(const char *name, enum scmp_compare *out);
int sc_arch_lookup(const char *name, uint32_t *out);
const struct sc_flag_def *sc_flag_lookup(const char *name);
/* The action word for libseccomp: base action plus errnoRet data. */
uint32_t sc_action_value(const struct sc_action_def *a, uint32_t data);
/* Whether the action does not stop the syscall (ALLOW, LOG). */
bool sc_action_permits(uint32_t action);

/* ---- kernel probes (tables.c) ---- */

/* SECCOMP_GET_ACTION_AVAIL; kernels without it know the classic actions. */
bool sc_kernel_has_action(uint32_t kernel_action);
/* seccomp(SECCOMP_SET_MODE_FILTER, flags, NULL) fails with EFAULT rather
 * than EINVAL when every flag is known (and the combination allowed). */
bool sc_kernel_accepts_flags(unsigned int flags);
long sc_sys_seccomp(unsigned int op, unsigned int flags, void *args);

/* ---- the validated configuration (parse.c) ---- */

struct sc_arg {
	unsigned int index;
	enum scmp_compare op;
	uint64_t value, value_two;
};

struct sc_rule {
	size_t json_idx; /* position in syscalls[], for messages */
	uint32_t action; /* libseccomp action word */
	char **names;
	struct sc_arg *args;
	size_t n_args;
};

struct sc_config {
	uint32_t default_action;
	uint32_t *archs;
	size_t n_archs;
	unsigned int flags; /* SECCOMP_FILTER_FLAG_* from "flags" */
	bool notify; /* some rule uses SCMP_ACT_NOTIFY */
	char *listener_path;
	char *listener_metadata;
	struct sc_rule *rules;
	size_t n_rules;
};

int sc_config_parse(const json_t *obj, const struct bj_loc *at, struct sc_config *cfg,
		    struct brig_err *e);
void sc_config_clear(struct sc_config *cfg);

/* ---- compiling (compile.c) ---- */

/* What the container process needs: no pointers into libseccomp state. */
struct rt_seccomp {
	struct sock_fprog prog; /* .filter points at insns */
	struct sock_filter *insns;
	unsigned int flags; /* for seccomp(2), NEW_LISTENER included */
	bool notify;
	char *listener_path;
	char *listener_metadata;
};

/* Build the libseccomp filter for cfg and export it; *insns is malloc'ed. */
/* cache.c: compiled programs keyed by the seccomp object, the libseccomp
 * version and the machine. */
struct sc_cache_key {
	char *text; /* what the program depends on, as text */
	size_t len;
	char name[17]; /* its entry's file name */
};
int sc_cache_key(const json_t *obj, struct sc_cache_key *key);
void sc_cache_key_clear(struct sc_cache_key *key);
int sc_cache_lookup(const struct sc_cache_key *key, struct sock_filter **insns, size_t *n);
void sc_cache_store(const struct sc_cache_key *key, const struct sock_filter *insns, size_t n);

int sc_compile(const struct sc_config *cfg, const struct bj_loc *at, struct sock_filter **insns,
	       size_t *n_insns, struct brig_err *e);

/* ---- errors (parse.c) ---- */

/* "FILE: PATH: msg" with a chosen code (bj_fail always uses -EINVAL). */
int sc_fail(struct brig_err *e, int code, const struct bj_loc *at, const char *fmt, ...)
	BRIG_PRINTF(4, 5);
/* Same, followed by ": strerror(err)". */
int sc_fail_sys(struct brig_err *e, int err, const struct bj_loc *at, const char *fmt, ...)
	BRIG_PRINTF(4, 5);

#endif /* BRIG_RUNTIME_SC_PRIV_H */
