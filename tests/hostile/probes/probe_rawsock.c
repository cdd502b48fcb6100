/* SPDX-License-Identifier: Apache-2.0 */
/* A raw ICMP socket (CAP_NET_RAW: spoofed packets).  Opened, never used. */
#include "probe.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
	int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (fd < 0)
		return probe_blocked(errno, "socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)");
	(void)close(fd);
	return probe_escaped("opened a raw ICMP socket");
}
