/* SPDX-License-Identifier: Apache-2.0 */
/* An AF_PACKET socket (CAP_NET_RAW: sniff and forge link-layer frames).
 * Opened, never bound or used. */
#include "probe.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fd < 0)
		return probe_blocked(errno, "socket(AF_PACKET, SOCK_RAW, ETH_P_ALL)");
	(void)close(fd);
	return probe_escaped("opened an AF_PACKET socket");
}
