/* SPDX-License-Identifier: Apache-2.0 */
/* engine/net: what a network puts in the host's network namespace: its
 * bridge, the gateway address on it, the bridge up; then the nft table
 * (nft.c).  Made idempotently (what is there is kept), so a crash between
 * the record and the bridge is mended by the next command that needs it,
 * and removed the same way (absent is success). */
#include "engine/net/net-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void nl_closep(struct net_nl *nl)
{
	net_nl_close(nl);
}

/* Containers on a network that is not internal reach out through the host
 * routing for them (Docker does the same). */
static int ip_forward_on(bool v6, struct brig_err *e)
{
	int r = brig_write_file(AT_FDCWD, "/proc/sys/net/ipv4/ip_forward", "1", e);
	if (r < 0)
		return brig_err_wrap(e, "enabling IPv4 forwarding");
	r = v6 ? brig_write_file(AT_FDCWD, "/proc/sys/net/ipv6/conf/all/forwarding", "1", e) : 0;
	return r < 0 ? brig_err_wrap(e, "enabling IPv6 forwarding") : 0;
}

/* A port published on 127.0.0.1 is forwarded into the bridge with its
 * loopback source (then masqueraded), which the kernel allows only on an
 * interface with route_localnet; the table's guard chain drops what the
 * containers could send to the host's loopback through it (nft.c).  The
 * setting goes with the bridge. */
static int route_localnet(const struct net_rec *r, struct brig_err *e)
{
	char path[80];
	(void)snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/route_localnet", r->bridge);
	int x = brig_write_file(AT_FDCWD, path, "1", e);
	return x < 0 ? brig_err_wrap(e, "allowing published loopback ports") : 0;
}

/* A network without --icc: its ports are isolated, and the bridge
 * answers ARP for each neighbour at once, so that what two containers
 * send each other goes through the host's forward chain, which drops it
 * unless they are linked (links.c).  IPv6 has no proxy_arp_pvlan: the
 * bridge answers neighbour solicitations for each container's address,
 * one proxy NDP entry each (attach.c).  The settings go with the bridge. */
static int pvlan(const struct net_rec *r, struct brig_err *e)
{
	static const char *const files[][2] = { { "ipv4/conf/%s/proxy_arp_pvlan", "1" },
						{ "ipv4/neigh/%s/proxy_delay", "0" },
						{ "ipv6/conf/%s/proxy_ndp", "1" },
						{ "ipv6/neigh/%s/proxy_delay", "0" } };
	char path[96], rel[64];
	int x = 0;
	for (size_t i = 0; x == 0 && i < (r->ipv6 ? 4u : 2u); i++) {
		(void)snprintf(rel, sizeof(rel), files[i][0], r->bridge);
		(void)snprintf(path, sizeof(path), "/proc/sys/net/%s", rel);
		x = brig_write_file(AT_FDCWD, path, files[i][1], e);
	}
	return x < 0 ? brig_err_wrap(e, "routing between isolated ports") : 0;
}

int net_host_ensure(const struct net_rec *r, struct brig_err *e)
{
	__attribute__((cleanup(nl_closep))) struct net_nl nl = { 0 };
	unsigned idx;
	int x = net_nl_open(&nl, e);
	if (x < 0)
		return x;
	x = net_link_index(&nl, r->bridge, &idx, e);
	if (x == -ENODEV) {
		if ((x = net_bridge_add(&nl, r->bridge, e)) < 0 ||
		    (x = net_link_index(&nl, r->bridge, &idx, e)) < 0)
			return x;
	} else if (x < 0) {
		return x;
	}
	if ((x = net_addr_add(&nl, idx, r->gateway, r->plen, e)) < 0 ||
	    (r->ipv6 && (x = net_addr_add6(&nl, idx, &r->gateway6, r->plen6, e)) < 0) ||
	    (x = net_link_up(&nl, idx, 0, e)) < 0 || (!r->icc && (x = pvlan(r, e)) < 0))
		return x;
	if (r->internal)
		return 0;
	return (x = ip_forward_on(r->ipv6, e)) < 0 ? x : route_localnet(r, e);
}

int net_host_remove(const struct net_rec *r, struct brig_err *e)
{
	__attribute__((cleanup(nl_closep))) struct net_nl nl = { 0 };
	int x = net_nl_open(&nl, e);
	return x < 0 ? x : net_link_del(&nl, r->bridge, e);
}

int net_live(int netsfd, const struct net_rec *r, bool *live, struct brig_err *e)
{
	if (strcmp(r->name, NET_DEFAULT_NAME) != 0) {
		*live = true;
		return 0;
	}
	_cleanup_json_ json_t *leases = NULL;
	int x = net_leases_load(netsfd, r->id, &leases, e);
	if (x == 0)
		*live = json_object_size(leases) > 0;
	return x;
}

/* Every network's liveness, then (hosts: each live bridge made, each dead
 * one removed) the nft table written to match. */
static int sync_networks(int netsfd, bool hosts, struct brig_err *e)
{
	_cleanup_free_ struct net_rec *all = NULL;
	size_t n;
	int x = net_rec_all(netsfd, &all, &n, e);
	if (x < 0)
		return x;
	_cleanup_free_ bool *live = calloc(n ? n : 1, sizeof(*live));
	if (!live)
		return brig_err_oom(e);
	for (size_t i = 0; x == 0 && i < n; i++) {
		if ((x = net_live(netsfd, &all[i], &live[i], e)) < 0 || !hosts)
			continue;
		x = live[i] ? net_host_ensure(&all[i], e) : net_host_remove(&all[i], e);
	}
	return x < 0 ? x : net_nft_sync(netsfd, all, n, live, e);
}

int net_sync_all(int netsfd, struct brig_err *e)
{
	return sync_networks(netsfd, true, e);
}

int net_sync_table(int netsfd, struct brig_err *e)
{
	return sync_networks(netsfd, false, e);
}
