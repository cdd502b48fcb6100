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

#include "common/common.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/ioctl.h>
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
	int r = dirfd >= 0 ? brig_landlock_allow_path(rs, dirfd, allow) : 0;
	if (r == 0)
		r = brig_landlock_enforce(rs);
	(void)close(rs);
	return r;
}

/* What the relay calls: poll and read its pipes and the init's pidfd,
 * write the log, open/rename/unlink for rotation, malloc, time, exit.
 * (With -i or -t: write is also the container's stdin, and the signals
 * and the exit status crossing to and from brig-monitor.) */
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

/* With -i or -t, for attach.sock: accept a client, check its uid
 * (SO_PEERCRED, geteuid), bound its sends (SO_SNDTIMEO), send frames. */
static const int attach_calls[] = {
	SCMP_SYS(accept4), SCMP_SYS(getsockopt), SCMP_SYS(setsockopt),
	SCMP_SYS(sendto),  SCMP_SYS(geteuid),
};

static int allow_all(scmp_filter_ctx ctx, const int *calls, size_t n)
{
	int r = 0;
	for (size_t i = 0; r == 0 && i < n; i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, calls[i], 0);
	return r;
}

/* The filter, compiled by brig-monitor once (mon_filter_build) and loaded
 * by each relay it forks: a relay runs no libseccomp code, so its heap
 * and stack stay as small as brig-monitor's.  BPF_MAXINSNS at most. */
static struct sock_filter filter[BPF_MAXINSNS];
static unsigned short filter_len;

/* tty_fd >= 0: the terminal whose size it may set; size_fd >= 0: the one
 * whose size it may read (brig's stdout, for a foreground `run -t`). */
static int compile(scmp_filter_ctx ctx, bool attach, int tty_fd, int size_fd)
{
	int r = allow_all(ctx, relay_calls, sizeof(relay_calls) / sizeof(relay_calls[0]));
	if (r == 0)
		r = brig_seccomp_allow_sanitizer(ctx);
	if (r == 0 && attach)
		r = allow_all(ctx, attach_calls, sizeof(attach_calls) / sizeof(attach_calls[0]));
	/* The terminal's size, on the terminal only: no other ioctl. */
	if (r == 0 && tty_fd >= 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 2,
				     SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)tty_fd, 0),
				     SCMP_A1(SCMP_CMP_EQ, TIOCSWINSZ, 0));
	if (r == 0 && size_fd >= 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 2,
				     SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)size_fd, 0),
				     SCMP_A1(SCMP_CMP_EQ, TIOCGWINSZ, 0));
	if (r == 0)
		r = brig_seccomp_allow_noexec_memory(ctx);
	return r;
}

/* The compiled program into filter[], read back from fd (a pipe). */
static int take(int fd)
{
	ssize_t n = brig_read_all(fd, filter, sizeof(filter));
	if (n <= 0 || (size_t)n % sizeof(filter[0]) != 0 || (size_t)n == sizeof(filter))
		return -EPROTO;
	filter_len = (unsigned short)((size_t)n / sizeof(filter[0]));
	return 0;
}

/* Compile and write the program to fd (libseccomp 2.5 exports to an fd
 * only). */
static int export(bool attach, int tty_fd, int size_fd, int fd)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	if (!ctx)
		return -ENOMEM;
	int r = compile(ctx, attach, tty_fd, size_fd);
	if (r == 0)
		r = seccomp_export_bpf(ctx, fd);
	seccomp_release(ctx);
	return r;
}

/* In a child of its own, which exits: libseccomp's allocations (many,
 * and kept in the C library's caches once freed) never reach the heap of
 * brig-monitor, nor of the relays it forks.  The program comes back on a
 * pipe into filter[]. */
int mon_filter_build(bool attach, int tty_fd)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid_t c = fork();
	if (c == 0) {
		(void)close(p[0]);
		_exit(export(attach, tty_fd, -1, p[1]) < 0);
	}
	(void)close(p[1]);
	int r = c < 0 ? -EAGAIN : take(p[0]);
	(void)close(p[0]);
	int st = 1;
	if (c < 0 || BRIG_RETRY(waitpid(c, &st, 0)) != c)
		return -ECHILD;
	return st != 0 ? -EPROTO : r;
}

int mon_filter_build_here(int tty_fd)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	int r = export(false, tty_fd, tty_fd >= 0 ? STDOUT_FILENO : -1, p[1]);
	(void)close(p[1]);
	if (r == 0)
		r = take(p[0]);
	(void)close(p[0]);
	return r;
}

static int seccomp(void)
{
	struct sock_fprog prog = { .len = filter_len, .filter = filter };
	if (filter_len == 0)
		return -ENOEXEC; /* not built: fail closed */
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0 ? -errno : 0;
}

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
	if ((r = seccomp()) < 0) {
		*what = "seccomp";
		return r;
	}
	return 0;
}
