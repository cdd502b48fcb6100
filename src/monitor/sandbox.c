/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The confinement of brig-monitor's log relay: the one part of a detached
 * container's monitor that reads what the container writes.  After it, the
 * relay can read its pipes, write and rotate the log files in its
 * container's directory, and nothing else (docs/monitor.md, "The monitor's
 * sandbox").  Each step fails closed: the relay does not run unconfined.
 */
#include "monitor/sandbox.h"
#include "common/confine.h"
#include "common/landlock.h"

#include <errno.h>
#include <seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Files beneath the container's directory: the log, its rotations. */
#define RELAY_FS                                                              \
	(BRIG_LL_FS_READ_FILE | BRIG_LL_FS_WRITE_FILE | BRIG_LL_FS_MAKE_REG | \
	 BRIG_LL_FS_REMOVE_FILE)

static int landlock(int dirfd)
{
	int abi = brig_landlock_abi();
	if (abi == -ENOSYS || abi == -EOPNOTSUPP)
		return 0; /* the kernel has none: caps and seccomp still hold */
	if (abi < 0)
		return abi;
	uint64_t net = abi >= 4 ? BRIG_LL_NET_BIND_TCP | BRIG_LL_NET_CONNECT_TCP : 0;
	uint64_t scoped = abi >= 6 ? BRIG_LL_SCOPE_ABSTRACT_UNIX | BRIG_LL_SCOPE_SIGNAL : 0;
	uint64_t allow = RELAY_FS | (abi >= 3 ? BRIG_LL_FS_TRUNCATE : 0);
	int rs = brig_landlock_ruleset(brig_landlock_fs_all(abi), net, scoped);
	if (rs < 0)
		return rs;
	int r = brig_landlock_allow_path(rs, dirfd, allow);
	if (r == 0)
		r = brig_landlock_enforce(rs);
	(void)close(rs);
	return r;
}

/* What the relay calls: poll and read its pipes and the init's pidfd,
 * write the log, open/rename/unlink for rotation, malloc, time, exit. */
static const int relay_calls[] = {
	SCMP_SYS(read),         SCMP_SYS(write),          SCMP_SYS(pread64),
	SCMP_SYS(close),        SCMP_SYS(poll),           SCMP_SYS(ppoll),
	SCMP_SYS(openat),       SCMP_SYS(fstat),          SCMP_SYS(newfstatat),
	SCMP_SYS(statx),        SCMP_SYS(lseek),          SCMP_SYS(fcntl),
	SCMP_SYS(renameat),     SCMP_SYS(renameat2),      SCMP_SYS(unlinkat),
	SCMP_SYS(brk),          SCMP_SYS(munmap),         SCMP_SYS(mremap),
	SCMP_SYS(madvise),      SCMP_SYS(clock_gettime),  SCMP_SYS(gettimeofday),
	SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask), SCMP_SYS(restart_syscall),
	SCMP_SYS(exit),         SCMP_SYS(exit_group),     SCMP_SYS(getpid),
};

int mon_sandbox(int dirfd, const char **what)
{
	int r;
	if ((r = brig_caps_drop_all()) < 0) {
		*what = "dropping capabilities";
		return r;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		*what = "setting no_new_privs";
		return -errno;
	}
	if ((r = landlock(dirfd)) < 0) {
		*what = "Landlock";
		return r;
	}
	if ((r = brig_seccomp_allow(relay_calls, sizeof(relay_calls) / sizeof(relay_calls[0]),
				    -1)) < 0) {
		*what = "seccomp";
		return r;
	}
	return 0;
}
