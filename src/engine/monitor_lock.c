/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The monitor's lock, ROOT/containers/<id>/monitor.lock.  Whether a
 * container runs is not trusted from its record alone: a running container
 * has a monitor that holds this lock, so a monitor killed with SIGKILL
 * never leaves a container that claims to run.
 */
#include "engine/engine-internal.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
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

/* The exit code a monitor of a --rm container left in monitor.lock ("N\n")
 * before it removed the container: -1 when there is none. */
static int exit_noted(int fd)
{
	char buf[8] = { 0 };
	ssize_t n = BRIG_RETRY(pread(fd, buf, sizeof(buf) - 1, 0));
	if (n < 2 || buf[n - 1] != '\n')
		return -1;
	int code = 0;
	for (ssize_t i = 0; i < n - 1; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return -1;
		code = code * 10 + (buf[i] - '0');
	}
	return code <= 255 ? code : -1;
}

int eng_monitor_wait(int dirfd, int *exit_code, struct brig_err *e)
{
	if (exit_code)
		*exit_code = -1;
	_cleanup_close_ int fd = BRIG_RETRY(
		openat(dirfd, ENG_MONITOR_LOCK, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
	if (fd < 0)
		return errno == ENOENT ? 0 : brig_err_sys(e, errno, "opening %s", ENG_MONITOR_LOCK);
	int r = ofd_lock(fd, F_RDLCK, F_OFD_SETLKW);
	if (r < 0)
		return brig_err_sys(e, -r, "waiting on %s", ENG_MONITOR_LOCK);
	if (exit_code)
		*exit_code = exit_noted(fd);
	return 0;
}

void eng_monitor_note_exit(int lockfd, int status)
{
	char buf[8];
	int n = snprintf(buf, sizeof(buf), "%d\n", status & 0xff);
	if (lockfd >= 0 && BRIG_RETRY(pwrite(lockfd, buf, (size_t)n, 0)) != n)
		brig_debug("%s: the exit code not noted: %s", ENG_MONITOR_LOCK, strerror(errno));
}

int eng_wait_monitor(int dirfd, struct brig_err *e)
{
	return eng_monitor_wait(dirfd, NULL, e);
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
