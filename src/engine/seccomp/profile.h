/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine/seccomp: Docker-format seccomp profiles -> the OCI runtime-spec
 * linux.seccomp object.
 *
 * A Docker profile is the OCI object plus what a profile needs to serve many
 * containers: "archMap" (the architectures to list, per native architecture)
 * and, on each syscalls[] entry, "includes"/"excludes" filters on the
 * container's capabilities, the machine's architecture and the kernel
 * version, and a free-form "comment".  Conversion resolves those filters for
 * one container (struct eng_seccomp_ctx) and drops them.
 *
 * The schema is strict: an unknown member, a wrong type, an unknown action,
 * operator, architecture or flag, an argument index outside 0..5 or a
 * malformed minKernel is an error that names the file and the JSON path
 * ("seccomp.json: syscalls[12].args[0].op: unknown operator SCMP_CMP_FOO").
 *
 * Argument values above INT64_MAX stay as bj_parse represents them (a marked
 * string that bj_get_u64_bits reads as the number, see common.h), so
 * brig-runtime's parser takes the object as it is.  Written out with plain
 * json_dumps they become that string, which other runtimes would refuse.
 */
#ifndef BRIG_ENGINE_SECCOMP_PROFILE_H
#define BRIG_ENGINE_SECCOMP_PROFILE_H

#include "common/common.h"

/* Largest profile file accepted (Docker's own profile is about 20 KiB). */
#define ENG_SECCOMP_MAX_FILE (1024 * 1024)
/* Environment variable naming the default profile instead of the installed
 * one (tests, uninstalled builds: BRIG_SECCOMP_PROFILE=profiles/seccomp.json). */
#define ENG_SECCOMP_PROFILE_ENV "BRIG_SECCOMP_PROFILE"
/* "sha256:" + 64 hex digits + NUL */
#define ENG_SECCOMP_DIGEST_LEN 72

struct eng_seccomp_ctx {
	/* The container's effective capabilities ("CAP_X"), NULL-terminated;
	 * NULL means none. */
	const char *const *caps;
	/* The architecture as Docker names it ("amd64", "arm64", "x86", ...);
	 * NULL: the one brig was built for. */
	const char *arch;
	/* Kernel release ("6.1.0-18-amd64"); NULL: uname -r. */
	const char *kernel;
};

/*
 * Convert the Docker-format profile in buf (len bytes, from file: used in
 * messages) into a new OCI linux.seccomp object in *oci.  Returns 0, or a
 * negative errno with e filled.
 */
int eng_seccomp_from_docker(const char *buf, size_t len, const char *file,
			    const struct eng_seccomp_ctx *ctx, json_t **oci, struct brig_err *e);

/*
 * Read path (at most ENG_SECCOMP_MAX_FILE bytes) and convert it.  digest gets
 * "sha256:<hex>" of the file's bytes (for `brig inspect`); it may be NULL.
 */
int eng_seccomp_load_file(const char *path, const struct eng_seccomp_ctx *ctx, json_t **oci,
			  char digest[ENG_SECCOMP_DIGEST_LEN], struct brig_err *e);

/* The default profile: $BRIG_SECCOMP_PROFILE when set and non-empty, else
 * BRIG_DATADIR "/seccomp.json". */
const char *eng_seccomp_default_path(void);

/* The architecture brig was built for, as Docker names it ("amd64"), or
 * NULL on an architecture it does not know. */
const char *eng_seccomp_native_arch(void);

/*
 * Compare kernel versions: "X.Y" or "X.Y.Z" followed by anything that does
 * not start with a digit ("6.1.0-18-amd64").  Returns 0 and sets *cmp to
 * <0, 0 or >0 as a is older than, the same as, or newer than b (missing
 * parts count as 0); -EINVAL when either does not parse.
 */
int eng_seccomp_kernel_cmp(const char *a, const char *b, int *cmp);

/*
 * Learned profiles (docs/seccomp-learn.md).  The learning filter: oci (a
 * converted profile) with every SCMP_ACT_ALLOW rule made SCMP_ACT_NOTIFY,
 * but for sendmsg and socketcall, with which the runtime hands the listener
 * over (they stay allowed, and every learned profile has them), and
 * listenerPath set.
 */
int eng_seccomp_learning_filter(json_t *oci, const char *listener_path, struct brig_err *e);
/*
 * The Docker-format allow-list from the agent's record (rt_learn_agent in
 * runtime.h), plus what a runtime needs to exec the workload, plus old (an
 * earlier learned profile read from old_file, or NULL) for merge.
 */
int eng_seccomp_learned_profile(const json_t *record, const json_t *old, const char *old_file,
				json_t **out, struct brig_err *e);

/*
 * `brig seccomp diff`: {"a", "b", "onlyInA": [names A allows and B does
 * not], "onlyInB", "rulesDiffer": [{"name", "a": [rules], "b": [rules]}],
 * "defaultActionA", "defaultActionB"}.  A rule: action, errnoRet,
 * includes, excludes and args of one entry (one condition each when an
 * entry's conditions are alternatives on one argument).
 */
int eng_seccomp_diff(const char *file_a, const char *file_b, json_t **out, struct brig_err *e);
/*
 * `brig seccomp explain`: what file allows beyond def (brig's default):
 * {"file", "default", "allowed": N, "beyondDefault": M, "groups": [{"level":
 * "high"|"medium", "risk", "calls": [{"name", "why"}]}]}, riskiest first.
 */
int eng_seccomp_explain(const char *file, const char *def, json_t **out, struct brig_err *e);

#endif /* BRIG_ENGINE_SECCOMP_PROFILE_H */
