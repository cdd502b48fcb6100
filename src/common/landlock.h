/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Landlock, spoken directly (the kernel's headers on build hosts lag the
 * kernels brig runs on, so the constants of later ABIs are spelled here).
 * Used by brig-monitor to confine its log relay and by brig-runtime for
 * `--security-opt landlock=...` (run.brig.landlock).
 */
#ifndef BRIG_COMMON_LANDLOCK_H
#define BRIG_COMMON_LANDLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct brig_err;

/* Filesystem rights (ABI 1 .. 5). */
#define BRIG_LL_FS_EXECUTE (1ULL << 0)
#define BRIG_LL_FS_WRITE_FILE (1ULL << 1)
#define BRIG_LL_FS_READ_FILE (1ULL << 2)
#define BRIG_LL_FS_READ_DIR (1ULL << 3)
#define BRIG_LL_FS_REMOVE_DIR (1ULL << 4)
#define BRIG_LL_FS_REMOVE_FILE (1ULL << 5)
#define BRIG_LL_FS_MAKE_CHAR (1ULL << 6)
#define BRIG_LL_FS_MAKE_DIR (1ULL << 7)
#define BRIG_LL_FS_MAKE_REG (1ULL << 8)
#define BRIG_LL_FS_MAKE_SOCK (1ULL << 9)
#define BRIG_LL_FS_MAKE_FIFO (1ULL << 10)
#define BRIG_LL_FS_MAKE_BLOCK (1ULL << 11)
#define BRIG_LL_FS_MAKE_SYM (1ULL << 12)
#define BRIG_LL_FS_REFER (1ULL << 13) /* ABI 2 */
#define BRIG_LL_FS_TRUNCATE (1ULL << 14) /* ABI 3 */
#define BRIG_LL_FS_IOCTL_DEV (1ULL << 15) /* ABI 5 */

/* Network rights (ABI 4). */
#define BRIG_LL_NET_BIND_TCP (1ULL << 0)
#define BRIG_LL_NET_CONNECT_TCP (1ULL << 1)

/* Scopes (ABI 6). */
#define BRIG_LL_SCOPE_ABSTRACT_UNIX (1ULL << 0)
#define BRIG_LL_SCOPE_SIGNAL (1ULL << 1)

/* Read-only and read-write rights as brig grants them beneath a path. */
#define BRIG_LL_FS_RO (BRIG_LL_FS_EXECUTE | BRIG_LL_FS_READ_FILE | BRIG_LL_FS_READ_DIR)

/* The Landlock ABI the kernel offers: >= 1, or a negative errno
 * (-EOPNOTSUPP: built in but disabled, -ENOSYS: not built in). */
int brig_landlock_abi(void);

/* Every filesystem right the given ABI knows. */
uint64_t brig_landlock_fs_all(int abi);

/* A new ruleset handling the given rights (those the ABI does not know
 * must be 0): its fd (close-on-exec), or a negative errno. */
int brig_landlock_ruleset(uint64_t fs, uint64_t net, uint64_t scoped);

/* Allow `access` beneath the directory (or on the file) open as `fd`. */
int brig_landlock_allow_path(int ruleset, int fd, uint64_t access);

/* Allow `access` (BRIG_LL_NET_*) on a TCP port. */
int brig_landlock_allow_port(int ruleset, uint16_t port, uint64_t access);

/* Confine the calling thread (and what it forks) by the ruleset; the
 * caller has set no_new_privs or holds CAP_SYS_ADMIN. */
int brig_landlock_enforce(int ruleset);

/* The rules of --security-opt landlock= (landlock_rules.c). */
#define BRIG_LL_MAX_RULES 64

enum brig_ll_kind { BRIG_LL_RO, BRIG_LL_RW, BRIG_LL_BIND, BRIG_LL_CONNECT };

struct brig_ll_rule {
	enum brig_ll_kind kind;
	char *path; /* RO, RW: absolute, inside the container */
	uint16_t port; /* BIND, CONNECT */
	bool none; /* bind:none, connect:none: the kind, with no port */
};

struct brig_landlock_rules {
	struct brig_ll_rule rules[BRIG_LL_MAX_RULES];
	size_t n;
	bool fs, bind, connect; /* which kinds of access the ruleset handles */
};

/* "ro:/usr,rw:/tmp,bind:8080,connect:443" into a new *out (free with
 * brig_landlock_rules_free).  A malformed rule is an error naming it. */
int brig_landlock_rules_parse(const char *text, struct brig_landlock_rules **out,
			      struct brig_err *e);
void brig_landlock_rules_free(struct brig_landlock_rules *l);
/* Whether rules is well-formed. */
int brig_landlock_rules_check(const char *rules, struct brig_err *e);

#endif
