/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sc-probe: a static program that the seccomp integration tests copy into a
 * busybox container to make syscalls busybox has no applet for.  Not built
 * by meson (it must be static even in sanitizer builds): the tests compile
 * it with `cc -static`.
 *
 *   sc-probe NAME...   prints "NAME ok" or "NAME ERRNO-NAME" per probe
 *
 * clock_settime sets CLOCK_REALTIME to the value just read, so that even a
 * filter that failed to stop it would leave the clock as it was.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long p_keyctl(void)
{
	return syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
}

static long p_add_key(void)
{
	return syscall(SYS_add_key, "user", "brig-probe", "x", 1, KEY_SPEC_SESSION_KEYRING);
}

static long p_request_key(void)
{
	return syscall(SYS_request_key, "user", "brig-probe", NULL, KEY_SPEC_SESSION_KEYRING);
}

static long p_clock_settime(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return -1;
	return syscall(SYS_clock_settime, CLOCK_REALTIME, &ts);
}

static long p_unshare_user(void)
{
	return syscall(SYS_unshare, CLONE_NEWUSER);
}
static long p_clone3(void)
{
	return syscall(SYS_clone3, NULL, 0);
}
static long p_io_uring(void)
{
	return syscall(SYS_io_uring_setup, 1, NULL);
}
static long p_bpf(void)
{
	return syscall(SYS_bpf, 0, NULL, 0);
}

static long p_socket(int family, int type)
{
	long fd = syscall(SYS_socket, family, type | SOCK_CLOEXEC, 0);
	if (fd >= 0)
		close((int)fd);
	return fd < 0 ? -1 : 0;
}

static long p_socket_inet(void)
{
	return p_socket(AF_INET, SOCK_DGRAM);
}
static long p_socket_packet(void)
{
	return p_socket(AF_PACKET, SOCK_DGRAM);
}

static long p_fork(void)
{
	long pid = syscall(SYS_clone, (unsigned long)SIGCHLD, 0, 0, 0, 0);
	if (pid == 0)
		_exit(0);
	if (pid < 0)
		return -1;
	int st;
	return waitpid((pid_t)pid, &st, 0) == pid && WIFEXITED(st) ? 0 : -1;
}

static const struct {
	const char *name;
	long (*fn)(void);
} probes[] = {
	{ "keyctl", p_keyctl },
	{ "add_key", p_add_key },
	{ "request_key", p_request_key },
	{ "clock_settime", p_clock_settime },
	{ "unshare_user", p_unshare_user },
	{ "clone3", p_clone3 },
	{ "io_uring_setup", p_io_uring },
	{ "bpf", p_bpf },
	{ "socket_inet", p_socket_inet },
	{ "socket_packet", p_socket_packet },
	{ "fork", p_fork },
};

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		size_t k = 0;
		while (k < sizeof(probes) / sizeof(probes[0]) &&
		       strcmp(probes[k].name, argv[i]) != 0)
			k++;
		if (k == sizeof(probes) / sizeof(probes[0])) {
			fprintf(stderr, "sc-probe: unknown probe %s\n", argv[i]);
			return 2;
		}
		errno = 0;
		long r = probes[k].fn();
		printf("%s %s\n", argv[i], r >= 0 ? "ok" : strerrorname_np(errno));
	}
	return 0;
}
