/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ioctl-probe: a static program that the seccomp integration tests copy into
 * a busybox container to call ioctl with a request number of their choice
 * (all 64 bits are passed, so the high bits can be set).  Not built by meson
 * (it must be static even in sanitizer builds): the tests compile it with
 * `cc -static`.  Prints "ok" or the errno name (EPERM, ...).
 *
 *   ioctl-probe pty REQ          on a new pty that is the caller's controlling
 *                                terminal (a new session), so TIOCSTI would
 *                                be allowed by the kernel
 *   ioctl-probe pipe REQ         on the read end of a pipe holding 2 bytes
 *   ioctl-probe subvol DIR NAME REQ
 *                                on DIR, with struct btrfs_ioctl_vol_args
 *                                naming NAME (BTRFS_IOC_SUBVOL_CREATE)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/btrfs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static union {
	struct btrfs_ioctl_vol_args v1;
	char bytes[8192];
} arg;

static int report(long r)
{
	if (r < 0) {
		const char *n = strerrorname_np(errno);
		printf("%s\n", n ? n : "unknown errno");
	} else
		printf("ok\n");
	return fflush(stdout) == 0 ? 0 : 1;
}

static long on_pty(unsigned long req)
{
	if (setsid() < 0)
		return -1;
	int m = open("/dev/ptmx", O_RDWR | O_CLOEXEC);
	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0)
		return -1;
	const char *name = ptsname(m);
	/* a session leader without a terminal: the pty becomes its terminal */
	int s = name ? open(name, O_RDWR | O_CLOEXEC) : -1;
	if (s < 0)
		return -1;
	arg.bytes[0] = '\n';
	return syscall(SYS_ioctl, s, req, &arg);
}

static int pty_child(unsigned long req)
{
	pid_t pid = fork(); /* setsid needs a process that leads no group */
	if (pid < 0)
		return report(-1);
	if (pid == 0)
		_exit(report(on_pty(req)));
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

static long on_pipe(unsigned long req)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0 || write(p[1], "ab", 2) != 2)
		return -1;
	long r = syscall(SYS_ioctl, p[0], req, &arg);
	if (r == 0 && *(int *)&arg != 2) { /* FIONREAD's answer */
		errno = EPROTO;
		return -1;
	}
	return r;
}

static long on_dir(const char *dir, const char *name, unsigned long req)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	snprintf(arg.v1.name, sizeof(arg.v1.name), "%s", name);
	return syscall(SYS_ioctl, fd, req, &arg);
}

int main(int argc, char **argv)
{
	unsigned long req = strtoul(argv[argc - 1], NULL, 0);
	if (argc == 3 && strcmp(argv[1], "pty") == 0)
		return pty_child(req);
	if (argc == 3 && strcmp(argv[1], "pipe") == 0)
		return report(on_pipe(req));
	if (argc == 5 && strcmp(argv[1], "subvol") == 0)
		return report(on_dir(argv[2], argv[3], req));
	fprintf(stderr, "usage: ioctl-probe pty|pipe REQ | subvol DIR NAME REQ\n");
	return 2;
}
