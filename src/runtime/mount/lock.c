/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Locking a finished mount tree (issue 20 B2).
 *
 * The kernel locks mounts (MNT_LOCKED: a submount cannot be unmounted to
 * uncover what it hides; MNT_LOCK_READONLY, _NOSUID, _NODEV, _NOEXEC,
 * _ATIME: the flag cannot be lifted) when it copies a mount namespace into
 * one owned by a different user namespace.  A container's own mount
 * namespace is owned by its user namespace, and whatever its init mounts
 * there (binds of sources cloned on the host side, ro, nosuid, ...) is not
 * locked: given CAP_SYS_ADMIN, the container could unmount or remount it.
 *
 * So once the init has finished its tree, the runtime (real root) has a
 * helper enter that namespace, unshare a copy owned by the host's user
 * namespace (everything locked), enter the container's user namespace and
 * unshare again (a copy owned by it, still locked: the owner differs
 * again).  The init then moves into that last namespace with setns, which
 * also puts its root at the namespace's root, the container's "/".
 */
#include "runtime/mount/mount-internal.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>

/* The helper: both copies, then say so and wait for EOF on done. */
static _Noreturn void lock_child(int mntfd, int userfd, const int ready[2], const int done[2])
{
	unsigned char c = 0;
	(void)close(ready[0]);
	(void)close(done[1]);
	if (setns(mntfd, CLONE_NEWNS) < 0 || unshare(CLONE_NEWNS) < 0 ||
	    setns(userfd, CLONE_NEWUSER) < 0 || unshare(CLONE_NEWNS) < 0) {
		c = (unsigned char)(errno > 0 && errno < 256 ? errno : EIO);
		(void)!write(ready[1], &c, 1);
		_exit(1);
	}
	if (write(ready[1], &c, 1) != 1)
		_exit(1);
	while (read(done[0], &c, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

static int open_ns(pid_t pid, const char *which, struct brig_err *e)
{
	char path[64];
	(void)snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, which);
	int fd = BRIG_RETRY(open(path, O_RDONLY | O_CLOEXEC));
	if (fd < 0)
		return brig_err_sys(e, errno, "opening %s", path);
	return fd;
}

/* Wait for the helper's word, then open its mount namespace. */
static int helper_ns(pid_t pid, int ready, struct brig_err *e)
{
	unsigned char c = 1;
	ssize_t n = BRIG_RETRY(read(ready, &c, 1));
	if (n != 1)
		return brig_err_set(e, -ECHILD, "the mount-locking helper died");
	if (c != 0)
		return brig_err_sys(e, c, "copying the container's mount namespace to lock it");
	return open_ns(pid, "mnt", e);
}

int rt_mntns_locked_copy(pid_t init, struct brig_err *e)
{
	_cleanup_close_ int mntfd = open_ns(init, "mnt", e);
	if (mntfd < 0)
		return mntfd;
	_cleanup_close_ int userfd = open_ns(init, "user", e);
	if (userfd < 0)
		return userfd;
	int ready[2], done[2];
	if (pipe2(ready, O_CLOEXEC) < 0)
		return brig_err_sys(e, errno, "pipe");
	if (pipe2(done, O_CLOEXEC) < 0) {
		int err = errno;
		(void)close(ready[0]);
		(void)close(ready[1]);
		return brig_err_sys(e, err, "pipe");
	}
	pid_t pid = fork();
	if (pid == 0)
		lock_child(mntfd, userfd, ready, done);
	int err = errno;
	(void)close(ready[1]);
	(void)close(done[0]);
	int fd = pid < 0 ? brig_err_sys(e, err, "fork") : helper_ns(pid, ready[0], e);
	(void)close(ready[0]);
	(void)close(done[1]); /* the helper exits */
	if (pid > 0) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	return fd;
}

int rt_mntns_enter_locked(int nsfd, struct brig_err *e)
{
	if (setns(nsfd, CLONE_NEWNS) < 0)
		return brig_err_sys(e, errno, "entering the locked copy of the mount namespace");
	if (chdir("/") < 0)
		return brig_err_sys(e, errno, "chdir /");
	return 0;
}
