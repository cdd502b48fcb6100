/* SPDX-License-Identifier: Apache-2.0 */
/* brig-proxy: the ::1 port proxy of a container (docs/network.md, "::1";
 * started by src/engine/net/proxy.c). */
#ifndef BRIG_PROXY_H
#define BRIG_PROXY_H

#include <netinet/in.h>
#include <stddef.h>

#define PX_PORTS 64 /* the most listeners one proxy holds */
#define PX_FD_PIDFD 3 /* the container's init, a pidfd */
#define PX_FD_PORT0 4 /* the listeners, PX_FD_PORT0 + i */

struct px_port {
	int fd; /* [::1]:HOSTPORT, listening */
	struct sockaddr_in to;
};

/* relay.c: accepts on ports[] and copies each connection to and from its
 * port's address until pidfd is readable (the init has exited). */
_Noreturn void px_relay(int pidfd, const struct px_port *ports, size_t nports);

/* jail.c: the proxy's confinement, for the rest of its life;
 * 0 or a negative errno. */
int px_confine(void);

#endif
