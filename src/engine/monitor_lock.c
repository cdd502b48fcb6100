/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The monitor's lock, ROOT/containers/<id>/monitor.lock.  Whether a
 * container runs is not trusted from its record alone: a running container
 * has a monitor that holds this lock, so a monitor killed with SIGKILL
 * never leaves a container that claims to run.
 */
#include "engine/engine-internal.h"

#include <fcntl.h>
#include <unistd.h>

/*
 * monitor.lock carries an OFD write lock for as long as a monitor looks
 * after the container.  OFD locks can be tested without being taken
 * (F_OFD_GETLK), so a `brig ps` never makes a starting monitor fail.
 */
static int ofd_lock(int fd, short type, int cmd)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET };
	return BRIG_RETRY(fcntl(fd, cmd, &fl)) < 0 ? -errno : 0;
}

int eng_monitor_lock(int dirfd, struct brig_err *e)
{
	int fd = BRIG_RETRY(
		openat(dirfd, ENG_MONITOR_LOCK, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
	if (fd < 0)
		return brig_err_sys(e, errno, "opening %s", ENG_MONITOR_LOCK);
	int r = ofd_lock(fd, F_WRLCK, F_OFD_SETLKW);
	if (r < 0) {
		(void)close(fd);
		return brig_err_sys(e, -r, "locking %s", ENG_MONITOR_LOCK);
	}
	return fd;
}

int eng_monitor_alive(int dirfd)
{
	_cleanup_close_ int fd = BRIG_RETRY(
		openat(dirfd, ENG_MONITOR_LOCK, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
	if (fd < 0)
		return 0;
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	if (BRIG_RETRY(fcntl(fd, F_OFD_GETLK, &fl)) < 0)
		return 0;
	return fl.l_type != F_UNLCK;
}

int eng_monitor_wait(int dirfd, struct brig_err *e)
{
	_cleanup_close_ int fd = BRIG_RETRY(
		openat(dirfd, ENG_MONITOR_LOCK, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
	if (fd < 0)
		return errno == ENOENT ? 0 : brig_err_sys(e, errno, "opening %s", ENG_MONITOR_LOCK);
	int r = ofd_lock(fd, F_RDLCK, F_OFD_SETLKW);
	return r < 0 ? brig_err_sys(e, -r, "waiting on %s", ENG_MONITOR_LOCK) : 0;
}

bool eng_running(struct eng *g, const char *id)
{
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_close_ int dirfd = eng_ctr_open(g, id, &e);
	if (dirfd < 0)
		return false;
	int o = eng_orphan_reap(g, id, dirfd, false, &e);
	if (o < 0)
		brig_warn("%s", brig_err_str(&e));
	return o < 0 || o == ENG_ORPHAN_MONITORED; /* < 0: processes of it may live on */
}
