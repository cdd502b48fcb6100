/* SPDX-License-Identifier: Apache-2.0 */
/* common: safe path resolution inside a root (openat2 RESOLVE_IN_ROOT).  Included through common/common.h. */
#ifndef BRIG_COMMON_SAFEPATH_H
#define BRIG_COMMON_SAFEPATH_H

#include "common/errors.h"
#include <sys/types.h>
#include <stdbool.h>
#include <stddef.h>

enum {
	BRIG_RESOLVE_FORCE_FALLBACK = 1 << 0, /* tests: skip openat2 */
	BRIG_RESOLVE_NOFOLLOW_LAST = 1 << 1, /* do not follow a final symlink */
	BRIG_RESOLVE_NO_SYMLINKS = 1 << 2, /* refuse every symlink (ELOOP) */
};

/*
 * Open path (absolute or relative, always taken relative to rootfd and never
 * escaping it: ".." at the root stays at the root, absolute symlinks are
 * relative to the root, magic links are refused) with open flags oflags
 * (O_CLOEXEC is always added; O_CREAT may be used with mode).
 * Returns the fd or a negative errno.  Uses openat2(RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS) and falls back to a component-by-component walk on
 * kernels without openat2.
 */
int brig_open_in_root(int rootfd, const char *path, int oflags, mode_t mode, unsigned flags,
		      struct brig_err *e);
/* Open a regular file inside the root for reading, without waiting (a
 * FIFO or device there is refused, not opened for good) and without
 * following a final symlink: -EINVAL "... is not a regular file". */
int brig_open_regular_in_root(int rootfd, const char *path, struct brig_err *e);
/* Create every missing directory of path inside the root (as with
 * brig_open_in_root) and return an O_PATH|O_DIRECTORY fd to the last. */
int brig_mkdir_in_root(int rootfd, const char *path, mode_t mode, unsigned flags,
		       struct brig_err *e);
/* Open the parent directory of path inside the root and return its fd; the
 * last component is stored in base (which must hold NAME_MAX+1 bytes).
 * A path whose last component is "." or ".." or empty is refused. */
int brig_open_parent_in_root(int rootfd, const char *path, char *base, unsigned flags,
			     struct brig_err *e);
/* Lexical path cleaning, the one place it is done: "." and empty components
 * go, ".." removes the component before it.  The result is relative
 * ("a/b", "" for the top) unless BRIG_PATH_ABSOLUTE ("/a/b", "/").
 * A ".." at the top stays there with BRIG_PATH_CLAMP (a container path:
 * "/.." is "/"), is -EPERM without it (a name that would climb out of its
 * root), and every ".." is -EINVAL with BRIG_PATH_NO_DOTDOT.  With
 * BRIG_PATH_NAME_MAX a component longer than NAME_MAX is -ENAMETOOLONG, as
 * is a result that does not fit in size bytes.  The input is not checked
 * for a leading "/": callers that need an absolute input check it. */
enum {
	BRIG_PATH_ABSOLUTE = 1 << 0,
	BRIG_PATH_CLAMP = 1 << 1,
	BRIG_PATH_NO_DOTDOT = 1 << 2,
	BRIG_PATH_NAME_MAX = 1 << 3,
};
int brig_path_clean(const char *in, unsigned flags, char *out, size_t size);
/* Whether the running kernel has openat2 (cached). */
bool brig_have_openat2(void);
/* Path of an fd, via /proc/self/fd (for messages and mount targets). */
int brig_fd_path(int fd, char *buf, size_t size);

#endif
