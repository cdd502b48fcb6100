/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Making an unpacked layer durable before its rename (cache.c).
 *
 * syncfs() covers a layer of thousands of small files in one call, but it
 * writes back and waits for everything dirty on the file system, other
 * programs' data too: on a busy machine a pull of a layer of a few large
 * files waited far longer for strangers' writes than for its own.  So a
 * layer of few entries is synced file by file instead: every regular file
 * and directory beneath the layer's directory is fsync'ed (files before
 * their directory, the directory itself last), never following a symlink
 * (symlinks, fifos and devices are entries of a directory that is synced).
 * The large files' writeback was started as they were written (extract.c),
 * so these fsyncs mostly wait for one journal commit.  Anything unexpected
 * on the way (a file that cannot be opened, a tree wider or deeper than the
 * walk allows) falls back to syncfs, which decides.
 */
#include "image/layer/layer-internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define WALK_MAX_ENTRIES 256 /* more tar entries than this: syncfs */
#define WALK_MAX_DEPTH 32

static int sync_dir(int dirfd, size_t *left, int depth);

/* fsync name in dirfd when it is a regular file or a directory (whose
 * contents come first); 0 for anything else. */
static int sync_entry(int dirfd, const struct dirent *de, size_t *left, int depth)
{
	unsigned char t = de->d_type;
	if (t == DT_UNKNOWN) {
		struct stat st;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
		t = S_ISREG(st.st_mode) ? DT_REG : S_ISDIR(st.st_mode) ? DT_DIR : DT_UNKNOWN;
	}
	if (t != DT_REG && t != DT_DIR)
		return 0;
	int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | (t == DT_DIR ? O_DIRECTORY : 0);
	_cleanup_close_ int fd = BRIG_RETRY(openat(dirfd, de->d_name, flags));
	if (fd < 0)
		return -errno;
	if (t == DT_DIR)
		return sync_dir(fd, left, depth + 1);
	return BRIG_RETRY(fsync(fd)) < 0 ? -errno : 0;
}

/* Everything beneath dirfd, then dirfd; -E2BIG past the walk's bounds. */
static int sync_dir(int dirfd, size_t *left, int depth)
{
	if (depth > WALK_MAX_DEPTH)
		return -E2BIG;
	int dfd = BRIG_RETRY(openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (dfd < 0)
		return -errno;
	DIR *d = fdopendir(dfd);
	if (!d) {
		int r = -errno;
		(void)close(dfd);
		return r;
	}
	int r = 0;
	for (;;) {
		errno = 0;
		const struct dirent *de = readdir(d);
		if (!de) {
			r = errno ? -errno : 0;
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (*left == 0) {
			r = -E2BIG;
			break;
		}
		--*left;
		if ((r = sync_entry(dirfd, de, left, depth)) < 0)
			break;
	}
	(void)closedir(d);
	if (r == 0 && BRIG_RETRY(fsync(dirfd)) < 0)
		r = -errno;
	return r;
}

int layer_sync_tree(int dest_fd, uint64_t entries, struct brig_err *e)
{
	if (entries <= WALK_MAX_ENTRIES) {
		size_t left = WALK_MAX_ENTRIES * 2; /* and the directories made for them */
		int r = sync_dir(dest_fd, &left, 0);
		if (r == 0)
			return 0;
		brig_debug("layer: syncing file by file: %s; syncing the file system",
			   strerror(-r));
	}
	if (syncfs(dest_fd) < 0)
		return brig_err_sys(e, errno, "syncing the unpacked layer");
	return 0;
}
