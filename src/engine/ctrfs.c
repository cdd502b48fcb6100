/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's whole filesystem, for export and cp: while it runs, its
 * root as its init sees it (/proc/PID/root, checked to be that process
 * with a pidfd); otherwise its root mounted as a start would mount it (a
 * detached mount, never attached to the host's tree), with the container's
 * lock held so that it is not started meanwhile.  Paths inside it are
 * resolved by the caller with the safe resolver (RESOLVE_IN_ROOT).
 */
#include "engine/record-internal.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif
#ifndef __NR_pidfd_send_signal
#define __NR_pidfd_send_signal 424
#endif

void eng_ctr_root_close(struct eng_ctr_root *r)
{
	if (r->fd >= 0)
		(void)close(r->fd);
	if (r->lockfd >= 0)
		(void)close(r->lockfd);
	eng_record_clear(&r->rec);
	*r = (struct eng_ctr_root){ .fd = -1, .lockfd = -1 };
}

/* The running container's root: the pid is pinned by a pidfd, and still
 * the container's init (alive, the record unchanged) once it is opened. */
static int running_root(struct eng *g, struct eng_ctr_root *root, struct brig_err *e)
{
	pid_t pid = root->rec.state.pid;
	if (root->rec.state.status != ENG_ST_RUNNING || pid <= 0)
		return brig_err_set(e, -EAGAIN, "container %.12s is restarting: try again",
				    root->rec.id);
	_cleanup_close_ int pidfd = (int)syscall(__NR_pidfd_open, pid, 0);
	if (pidfd < 0)
		return brig_err_sys(e, errno, "container %.12s: its init %d", root->rec.id,
				    (int)pid);
	char path[64];
	(void)snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
	root->fd = BRIG_RETRY(open(path, O_PATH | O_DIRECTORY | O_CLOEXEC));
	if (root->fd < 0)
		return brig_err_sys(e, errno, "opening %s", path);
	_cleanup_record_ struct eng_record now;
	if (syscall(__NR_pidfd_send_signal, pidfd, 0, NULL, 0) < 0 ||
	    eng_record_current(g, root->rec.id, &now, e) < 0 ||
	    now.state.status != ENG_ST_RUNNING || now.state.pid != pid) {
		brig_err_clear(e);
		return brig_err_set(e, -ESRCH, "container %.12s ended or restarted meanwhile",
				    root->rec.id);
	}
	return 0;
}

int eng_ctr_root_open(struct eng *g, const char *id, struct eng_ctr_root *root, struct brig_err *e)
{
	*root = (struct eng_ctr_root){ .fd = -1, .lockfd = -1 };
	int r = eng_record_current(g, id, &root->rec, e);
	if (r < 0)
		return r;
	_cleanup_close_ int dirfd = eng_ctr_open(g, id, e);
	if (dirfd < 0)
		return dirfd;
	root->running = eng_monitor_alive(dirfd);
	if (!root->running) {
		/* No start while we use its upper and work directories. */
		root->lockfd = brig_lock_path(dirfd, ENG_LOCK, BRIG_LOCK_EXCLUSIVE, true, e);
		if (root->lockfd < 0)
			return root->lockfd;
		root->running = eng_monitor_alive(dirfd);
		if (root->running) {
			(void)close(root->lockfd);
			root->lockfd = -1;
		}
	}
	if (root->running)
		return running_root(g, root, e);
	root->fd = eng_rootfs_mount(g, dirfd, root->rec.layers, root->rec.driver, e);
	return root->fd < 0 ? brig_err_wrap(e, "mounting the root of %.12s", id) : 0;
}
