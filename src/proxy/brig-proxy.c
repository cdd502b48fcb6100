/* SPDX-License-Identifier: Apache-2.0 */
/* brig-proxy: the ::1 side of TCP ports published on a bridge network
 * (docs/network.md, "::1"), one per running container that publishes such
 * a port.  A small static program that the monitor spawns (posix_spawn, a
 * vfork: no copy of the monitor's address space, which a fork of it cost
 * in page tables and copy-on-write faults on every start):
 *
 *   brig-proxy PARENT-PID IPV4:PORT...
 *
 * with the pidfd of the container's init at fd 3 and the listening
 * [::1]:HOSTPORT sockets at fds 4... in the order of the arguments (each
 * relayed to its IPV4:PORT).  It keeps those and stderr (closed once
 * confined) and nothing else, confines itself (jail.c) and relays
 * (relay.c) until the init exits, the monitor kills it, or the monitor
 * dies (PR_SET_PDEATHSIG, checked against PARENT-PID: a monitor that died
 * before the prctl is no longer the parent). */
#include "proxy/proxy.h"
#include "common/common.h"
#include "common/files.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static struct px_port ports[PX_PORTS];

/* "IPV4:PORT" into *to; 0 or -1. */
static int parse_to(const char *s, struct sockaddr_in *to)
{
	char ip[INET_ADDRSTRLEN];
	const char *c = strrchr(s, ':');
	if (!c || (size_t)(c - s) >= sizeof(ip))
		return -1;
	memcpy(ip, s, (size_t)(c - s));
	ip[c - s] = '\0';
	char *end;
	errno = 0;
	unsigned long port = strtoul(c + 1, &end, 10);
	if (errno || *end || end == c + 1 || port == 0 || port > 65535)
		return -1;
	*to = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	return inet_pton(AF_INET, ip, &to->sin_addr) == 1 ? 0 : -1;
}

/* Every fd but the listeners, the pidfd and stderr (for a last word)
 * closed: whatever a parent let through, the monitor's lock above all. */
static int keep_only(size_t nports)
{
	int keep[PX_PORTS + 1];
	size_t n = 0;
	keep[n++] = PX_FD_PIDFD;
	for (size_t i = 0; i < nports; i++)
		keep[n++] = ports[i].fd;
	int r = brig_close_all_but(keep, n);
	if (r < 0)
		return r;
	return syscall(SYS_close_range, 0, 1, 0) < 0 ? -errno : 0; /* stdin and stdout too */
}

static _Noreturn void fail(const char *what, int err)
{
	char msg[160];
	int n = snprintf(msg, sizeof(msg), "brig: -p on ::1: the proxy %s: %s\n", what,
			 strerror(err));
	(void)!write(2, msg, n > 0 ? (size_t)n : 0);
	_exit(3);
}

int main(int argc, char **argv)
{
	/* Before anything: a monitor that is gone ends us. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		_exit(1);
	char *end;
	long parent = argc > 1 ? strtol(argv[1], &end, 10) : 0;
	if (argc < 3 || *end || parent <= 0 || getppid() != (pid_t)parent)
		_exit(1);
	size_t nports = (size_t)argc - 2;
	if (nports > PX_PORTS)
		fail("has too many ports", E2BIG);
	for (size_t i = 0; i < nports; i++) {
		ports[i].fd = PX_FD_PORT0 + (int)i;
		if (parse_to(argv[2 + i], &ports[i].to) < 0)
			fail("has a bad address", EINVAL);
	}
	/* The spawn gave a new session (out of the terminal's process
	 * group: ^C, ^\), no blocked signal and every one at its default. */
	(void)signal(SIGPIPE, SIG_IGN);
	(void)signal(SIGHUP, SIG_IGN);
	(void)signal(SIGINT, SIG_IGN);
	int x = keep_only(nports);
	if (x == 0)
		x = px_confine();
	if (x < 0)
		fail("cannot confine itself", -x);
	(void)close(2);
	px_relay(PX_FD_PIDFD, ports, nports);
}
