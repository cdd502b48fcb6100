/* SPDX-License-Identifier: Apache-2.0 */
/* common: files and fds: whole reads and writes, atomic replacement, trees.  Included through common/common.h. */
#ifndef BRIG_COMMON_FILES_H
#define BRIG_COMMON_FILES_H

#include "common/errors.h"
#include <stdint.h>
#include <sys/types.h>
#include <stdbool.h>
#include <stddef.h>

/* Write/read everything, retrying on EINTR and short transfers. */
int brig_write_all(int fd, const void *buf, size_t len);
ssize_t brig_read_all(int fd, void *buf, size_t len);
/* Read a whole file of at most max bytes (NUL-terminated; *len excludes the
 * NUL). A larger file is an error (-EFBIG) naming the file. */
int brig_read_file(int dirfd, const char *path, size_t max, char **out, size_t *len,
		   struct brig_err *e);
/* Same, from an open fd (read from its current offset). */
int brig_read_fd(int fd, const char *name, size_t max, char **out, size_t *len, struct brig_err *e);
/* Write a string into an existing file (e.g. a cgroup or /proc knob). */
int brig_write_file(int dirfd, const char *path, const char *data, struct brig_err *e);
/* Atomically replace dirfd/name with data: temp file in the same directory,
 * fsync, rename, fsync of the directory. */
int brig_atomic_write(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
		      struct brig_err *e);
/* The same without the fsyncs when !durable: readers still see the old or
 * the new content, never a mix, but a crash may lose the change.  For
 * state that does not outlive a boot (the runtime's, under /run). */
int brig_atomic_replace(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
			bool durable, struct brig_err *e);
/* mkdir -p relative to dirfd (plain path, for trusted host paths only). */
int brig_mkdir_p(int dirfd, const char *path, mode_t mode, struct brig_err *e);
/* A configuration file that decides how containers are confined or where
 * images come from: a regular file, owned by root or the caller, not
 * writable by every user.  path names it in errors. */
int brig_file_trusted(int fd, const char *path, struct brig_err *e);
/* Disk usage (st_blocks) of at/name and everything beneath it, without
 * following symlinks or crossing mounts: iterative, at most 256
 * directories open at once (deeper ones are counted but not entered:
 * *truncated, when given, says so).  A container-made tree of any depth
 * or width is safe to measure.  0 or -errno (at/name itself). */
/* Visit the tree at/name, name itself first, without following a symlink
 * and without crossing a mount: fn(dirfd, entry name, its lstat, arg) for
 * each entry, the walk iterative, at most BRIG_WALK_MAX_DEPTH directories
 * deep (deeper ones are not entered: *truncated, when given).  A negative
 * return from fn ends the walk with it; an entry that vanishes is skipped. */
#define BRIG_WALK_MAX_DEPTH 256
struct stat;
typedef int (*brig_walk_fn)(int dirfd, const char *name, const struct stat *st, void *arg);
int brig_walk(int at, const char *name, brig_walk_fn fn, void *arg, bool *truncated);
int brig_du(int at, const char *name, uint64_t *bytes, bool *truncated);
/* Remove a directory tree beneath dirfd without following symlinks and
 * without crossing mount points. Absent is success. */
int brig_rm_rf(int dirfd, const char *name, struct brig_err *e);
/* One of brig's helper programs (brig-init, brig-monitor, brig-proxy): the
 * installed one when it is executable, else the build tree's (brig run
 * from its build directory; the caller's exec or access check fails on it
 * when that is missing too). */
const char *brig_helper_exe(const char *installed, const char *built);
/* Mark every fd >= from close-on-exec (close_range with a /proc fallback). */
int brig_cloexec_from(int from);
/* Close every fd above 2 but the n of keep[] (any order, -1 ignored; the
 * array is sorted in place).  0 or a negative errno. */
int brig_close_all_but(int *keep, size_t n);

#endif
