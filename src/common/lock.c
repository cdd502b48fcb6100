/* SPDX-License-Identifier: Apache-2.0 */
/* flock(2) helpers. */
#include "common/common.h"

#include <fcntl.h>
#include <sys/file.h>

int brig_lock_fd(int fd, enum brig_lock_mode mode, bool wait)
{
	int op = (mode == BRIG_LOCK_EXCLUSIVE ? LOCK_EX : LOCK_SH) | (wait ? 0 : LOCK_NB);
	if (BRIG_RETRY(flock(fd, op)) < 0)
		return -errno;
	return 0;
}

int brig_unlock_fd(int fd)
{
	if (BRIG_RETRY(flock(fd, LOCK_UN)) < 0)
		return -errno;
	return 0;
}

int brig_lock_path(int dirfd, const char *name, enum brig_lock_mode mode, bool wait,
		   struct brig_err *e)
{
	_cleanup_close_ int fd = BRIG_RETRY(
		openat(dirfd, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600));
	if (fd < 0)
		return brig_err_sys(e, errno, "opening lock file %s", name);
	int r = brig_lock_fd(fd, mode, wait);
	if (r == -EWOULDBLOCK)
		return brig_err_set(e, r, "%s is locked by another process", name);
	if (r < 0)
		return brig_err_sys(e, -r, "locking %s", name);
	return brig_steal_fd(fd);
}
