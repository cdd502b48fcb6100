/* SPDX-License-Identifier: Apache-2.0 */
/* Test helpers for runtime/mount: temporary bundles, configs, and running a
 * check in a forked child inside new namespaces. */
#ifndef BRIG_TEST_MOUNT_HELPERS_H
#define BRIG_TEST_MOUNT_HELPERS_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "common/common.h"

struct tbundle {
	char dir[64]; /* /tmp/brig-mnt-XXXXXX */
	char rootfs[80]; /* dir/rootfs */
};

/* Create an empty bundle with rootfs/ and a marker file rootfs/marker. */
void tb_create(struct tbundle *b);
/* Remove it (never crossing mount points). */
void tb_destroy(struct tbundle *b);
/* Paths relative to the bundle directory. */
void tb_mkdir(const struct tbundle *b, const char *rel, mode_t mode);
void tb_write(const struct tbundle *b, const char *rel, const char *content);
void tb_symlink(const struct tbundle *b, const char *target, const char *rel);
void tb_chown_tree(const struct tbundle *b, uid_t uid, gid_t gid);

/* A JSON value from a printf format in which ' stands for ". */
json_t *tb_json(const char *fmt, ...) BRIG_PRINTF(1, 2);

/*
 * Run fn in a forked child that first unshares flags (CLONE_NEWNS always).
 * With CLONE_NEWUSER the parent writes "0 hostid 65536" maps and the child
 * becomes uid/gid 0.  pre_user, when set, runs before unsharing the user
 * namespace (in the child's own new mount namespace, still host root).
 * fn returns 0 on success or fills msg; run_child returns 0 when the child
 * succeeded and copies its message into msg otherwise.
 */
typedef int (*tchild_fn)(void *arg, char *msg, size_t len);
int run_child(tchild_fn fn, void *arg, int flags, uid_t hostid, tchild_fn pre_user, char *msg,
	      size_t len);

/* Fail the child: format into msg and return 1. */
int ck_fail(char *msg, size_t len, int line, const char *fmt, ...) BRIG_PRINTF(4, 5);
#define CK(cond, ...)                                                    \
	do {                                                             \
		if (!(cond))                                             \
			return ck_fail(msg, len, __LINE__, __VA_ARGS__); \
	} while (0)

/* The mountinfo line of the top mount at point in the calling process:
 * fills fstype, root, per-mount options and optional fields; false if
 * none. */
struct tmount {
	char fstype[64];
	char root[PATH_MAX];
	char opts[256];
	char optional[256];
};
bool find_mount(const char *point, struct tmount *out);
/* Whether any mount point of the calling process lies at or under prefix. */
bool any_mount_under(const char *prefix);
/* statvfs flags of path, or ~0 on error. */
unsigned long vfs_flags(const char *path);

#endif
