/* SPDX-License-Identifier: Apache-2.0 */
/* engine/net: the ::1 side of a TCP port published on a bridge network
 * (docs/network.md, "::1").  Linux routes no ::1 traffic into a bridge
 * (IPv6 has no route_localnet), so a left-out -p address, which is
 * 127.0.0.1 by DNAT and ::1, gets the second one from a small process, as
 * Docker's docker-proxy does: one per running container that publishes
 * such a port.  The monitor binds [::1]:HOSTPORT (publish.c: the port is
 * checked and held as any other) and listens on it; once the container is
 * attached it spawns brig-proxy (src/proxy/: a vfork and the exec of a
 * small static program, no copy of the monitor's address space), handing
 * it those sockets and a pidfd of the container's init at fixed fd
 * numbers and nothing else; the proxy confines itself and copies each
 * connection it accepts to and from CONTAINER-IPv4:PORT.  It ends when the
 * container's init exits, when the monitor dies (PR_SET_PDEATHSIG) or when
 * the monitor ends the run. */
#include "engine/net/net-internal.h"
#include "proxy/proxy.h"
#include "brig-config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif

static struct px_port ports[PX_PORTS];
static size_t nports;
static pid_t proxy_pid = -1;

int net_proxy_add(int fd, struct in_addr ctr, uint16_t port, struct brig_err *e)
{
	if (nports == PX_PORTS) {
		(void)close(fd);
		return brig_err_set(e, -E2BIG, "-p: more than %d ports on ::1", PX_PORTS);
	}
	/* SO_REUSEADDR once it listens (Linux shares no port with a listening
	 * socket): its connections inherit it, so those the proxy closed
	 * first, in TIME_WAIT after it ended, do not keep the next run's
	 * bind with SO_REUSEADDR (publish.c) from taking the port. */
	int one = 1;
	if (listen(fd, 128) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0) {
		int x = brig_err_sys(e, errno, "-p: listening on [::1]");
		(void)close(fd);
		return x;
	}
	ports[nports++] = (struct px_port){
		.fd = fd,
		.to = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr = ctr },
	};
	return 0;
}

static void net_proxy_drop(void)
{
	for (size_t i = 0; i < nports; i++)
		(void)close(ports[i].fd);
	nports = 0;
}

static const char *proxy_path(void)
{
	return brig_helper_exe(BRIG_LIBEXECDIR "/brig-proxy", BRIG_BUILD_PROXY);
}

/* The spawn's fds: the pidfd at PX_FD_PIDFD, port i at PX_FD_PORT0 + i.
 * Each is first copied (close-on-exec) above every target number, so no
 * dup2 overwrites a source not yet placed; fds[] gets the copies. */
static int place_fds(posix_spawn_file_actions_t *fa, int pidfd, int *fds)
{
	const int above = PX_FD_PORT0 + PX_PORTS;
	for (size_t i = 0; i <= nports; i++) {
		int src = i == 0 ? pidfd : ports[i - 1].fd;
		if ((fds[i] = fcntl(src, F_DUPFD_CLOEXEC, above)) < 0)
			return errno;
		int r = posix_spawn_file_actions_adddup2(
			fa, fds[i], i == 0 ? PX_FD_PIDFD : PX_FD_PORT0 + (int)i - 1);
		if (r)
			return r;
	}
	return 0;
}

/* argv: brig-proxy PARENT-PID IPV4:PORT... in buf (strings of it). */
static int spawn_proxy(int pidfd, pid_t *pid)
{
	char buf[PX_PORTS + 1][32];
	char *argv[PX_PORTS + 3];
	char *envp[] = { NULL };
	int fds[PX_PORTS + 1];
	for (size_t i = 0; i <= nports; i++)
		fds[i] = -1;
	argv[0] = "brig-proxy";
	(void)snprintf(buf[0], sizeof(buf[0]), "%ld", (long)getpid());
	argv[1] = buf[0];
	for (size_t i = 0; i < nports; i++) {
		char ip[INET_ADDRSTRLEN];
		if (!inet_ntop(AF_INET, &ports[i].to.sin_addr, ip, sizeof(ip)))
			return errno;
		(void)snprintf(buf[1 + i], sizeof(buf[1 + i]), "%s:%u", ip,
			       ntohs(ports[i].to.sin_port));
		argv[2 + i] = buf[1 + i];
	}
	argv[2 + nports] = NULL;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, all;
	sigemptyset(&none);
	sigfillset(&all);
	int r = posix_spawn_file_actions_init(&fa);
	if (r)
		return r;
	if ((r = posix_spawnattr_init(&at)) == 0) {
		/* a session of its own (out of the terminal's process group:
		 * ^C, ^\), no signal blocked, every one at its default */
		r = posix_spawnattr_setflags(
			&at, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
		if (!r)
			r = posix_spawnattr_setsigmask(&at, &none);
		if (!r)
			r = posix_spawnattr_setsigdefault(&at, &all);
		if (!r && !(r = place_fds(&fa, pidfd, fds)))
			r = posix_spawn(pid, proxy_path(), &fa, &at, argv, envp);
		(void)posix_spawnattr_destroy(&at);
	}
	for (size_t i = 0; i <= nports; i++)
		if (fds[i] >= 0)
			(void)close(fds[i]);
	(void)posix_spawn_file_actions_destroy(&fa);
	return r;
}

int net_proxy_start(pid_t init, struct brig_err *e)
{
	if (nports == 0)
		return 0;
	int pidfd = (int)syscall(__NR_pidfd_open, init, 0);
	if (pidfd < 0) {
		net_proxy_drop();
		return brig_err_sys(e, errno, "-p on ::1: pidfd_open");
	}
	pid_t p = -1;
	int r = spawn_proxy(pidfd, &p);
	int x = r ? brig_err_sys(e, r, "-p on ::1: starting %s", proxy_path()) : 0;
	(void)close(pidfd);
	net_proxy_drop(); /* the proxy's now: a copy here would keep them */
	proxy_pid = r ? -1 : p;
	return x;
}

void net_proxy_stop(void)
{
	net_proxy_drop();
	if (proxy_pid <= 0)
		return;
	(void)kill(proxy_pid, SIGKILL);
	(void)BRIG_RETRY(waitpid(proxy_pid, NULL, 0));
	proxy_pid = -1;
}
