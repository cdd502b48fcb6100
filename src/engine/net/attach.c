/* SPDX-License-Identifier: Apache-2.0 */
/* engine/net: a container on a network.  Its address is leased when the
 * container is made (eng_net_claim) and released when it is removed
 * (eng_net_release).  Each start attaches it (eng_net_attach), between the
 * runtime's create (the init waits in its new namespaces) and start (it
 * execs the user's process): a veth pair whose container end, eth0, is
 * made directly in the container's network namespace; the host end
 * vb-<12 hex of the id> becomes a port of the network's bridge.  The pair
 * dies with the namespace, so a container killed in any way leaves no
 * link behind. */
#include "engine/net/net-internal.h"
#include "engine/engine-internal.h"
#include "engine/record-internal.h"

#include <arpa/inet.h>
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

bool eng_net_bridge_mode(const char *mode)
{
	static const char *const others[] = { "none", "host", "pasta", "slirp4netns", "private" };
	if (!mode || strncmp(mode, "container:", 10) == 0)
		return false;
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(others); i++)
		if (strcmp(mode, others[i]) == 0)
			return false;
	return true;
}

static json_t *settings(const struct net_rec *r, struct in_addr a, bool asked, const char *mac)
{
	char ip[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN];
	(void)inet_ntop(AF_INET, &a, ip, sizeof(ip));
	(void)inet_ntop(AF_INET, &r->gateway, gw, sizeof(gw));
	json_t *s = json_pack("{s:s,s:s,s:i,s:s,s:s}", "NetworkID", r->id, "IPAddress", ip,
			      "IPPrefixLen", (int)r->plen, "Gateway", r->internal ? "" : gw,
			      "MacAddress", mac ? mac : "");
	if (s && asked &&
	    json_object_set_new(s, "IPAMConfig", json_pack("{s:s}", "IPv4Address", ip)) < 0) {
		json_decref(s);
		return NULL;
	}
	return s;
}

int eng_net_claim(struct eng *g, const char *network, const char *want, const char *mac,
		  const char *ctr_id, json_t **out, struct brig_err *e)
{
	_cleanup_netdir_ struct net_dir h = { .fd = -1, .lock = -1 };
	_cleanup_json_ json_t *leases = NULL;
	struct in_addr a;
	size_t i;
	char ip[INET_ADDRSTRLEN];
	int x;
	if ((x = net_dir_load(g, true, &h, e)) < 0 ||
	    (x = net_rec_find(h.all, h.n, network, &i, e)) < 0 ||
	    (x = net_leases_load(h.fd, h.all[i].id, &leases, e)) < 0)
		return x;
	x = want ? net_ipam_want(&h.all[i], leases, want, &a, e)
		 : net_ipam_next(&h.all[i], leases, &a, e);
	if (x < 0)
		return x;
	(void)inet_ntop(AF_INET, &a, ip, sizeof(ip));
	if (json_object_set_new(leases, ip, json_string(ctr_id)) < 0)
		return brig_err_oom(e);
	if ((x = net_leases_write(h.fd, h.all[i].id, leases, e)) < 0)
		return x;
	*out = settings(&h.all[i], a, want != NULL, mac);
	return *out ? 0 : brig_err_oom(e);
}

/* The host end of the container's pair, now rather than when the kernel
 * gets round to its ended namespace. */
static int unplug(const char *ctr_id, struct brig_err *e)
{
	__attribute__((cleanup(nl_closep))) struct net_nl nl = { 0 };
	char veth[NET_BRIDGE_LEN];
	(void)snprintf(veth, sizeof(veth), "vb-%.12s", ctr_id);
	int x = net_nl_open(&nl, e);
	return x < 0 ? x : net_link_del(&nl, veth, e);
}

int eng_net_release(struct eng *g, const char *ctr_id, struct brig_err *e)
{
	_cleanup_netdir_ struct net_dir h = { .fd = -1, .lock = -1 };
	int x = net_dir_load(g, false, &h, e);
	bool changed = false;
	if (x == -ENOENT)
		return 0; /* no network was ever made */
	for (size_t i = 0; x == 0 && i < h.n; i++) {
		_cleanup_json_ json_t *leases = NULL;
		struct in_addr a;
		char ip[INET_ADDRSTRLEN];
		if ((x = net_leases_load(h.fd, h.all[i].id, &leases, e)) < 0)
			break;
		if (net_lease_of(leases, ctr_id, &a) < 0)
			continue;
		(void)inet_ntop(AF_INET, &a, ip, sizeof(ip));
		(void)json_object_del(leases, ip);
		if ((x = net_leases_write(h.fd, h.all[i].id, leases, e)) == 0 &&
		    (x = net_pub_drop(h.fd, h.all[i].id, ctr_id, &changed, e)) == 0)
			x = unplug(ctr_id, e);
		/* The table depends on leases only through the default
		 * network's, whose bridge goes with its last container; a
		 * transaction costs tens of ms, so none when nothing changes. */
		changed |= strcmp(h.all[i].name, NET_DEFAULT_NAME) == 0 &&
			!json_object_size(leases);
	}
	return x < 0 || !changed ? x : net_sync_all(h.fd, e);
}

/* Inside the container's namespace: eth0's address, eth0 up, the default
 * route (not for an internal network). */
static int inside(int nsfd, const struct net_rec *r, struct in_addr a, struct brig_err *e)
{
	__attribute__((cleanup(nl_closep))) struct net_nl nl = { 0 };
	unsigned idx;
	int x;
	if ((x = net_nl_open_in(&nl, nsfd, e)) < 0 ||
	    (x = net_link_index(&nl, "eth0", &idx, e)) < 0 ||
	    (x = net_addr_add(&nl, idx, a, r->plen, e)) < 0 ||
	    (x = net_link_up(&nl, idx, 0, e)) < 0)
		return x;
	return r->internal ? 0 : net_route_default(&nl, r->gateway, e);
}

/* --mac-address, as the record keeps it (MacAddress of the entry of
 * NetworkSettings.Networks with the network's id, checked at create);
 * false when there is none. */
static bool mac_of(struct eng *g, const char *ctr, const char *netid, uint8_t mac[6])
{
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_close_ int fd = eng_ctr_open(g, ctr, &e);
	_cleanup_record_ struct eng_record rec = { 0 };
	if (fd < 0 || eng_record_load(fd, ctr, &rec, &e) < 0)
		return false;
	json_t *nets = json_object_get(json_object_get(rec.doc, "NetworkSettings"), "Networks");
	const char *k, *s = NULL;
	json_t *ent;
	json_object_foreach(nets, k, ent)
	{
		const char *id = json_string_value(json_object_get(ent, "NetworkID"));
		if (id && strcmp(id, netid) == 0)
			s = json_string_value(json_object_get(ent, "MacAddress"));
	}
	unsigned v[6];
	if (!s || strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
		return false;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return true;
}

static int plug(const struct net_rec *r, const char *ctr_id, int nsfd, struct in_addr a,
		const uint8_t *mac, struct brig_err *e)
{
	__attribute__((cleanup(nl_closep))) struct net_nl nl = { 0 };
	char veth[NET_BRIDGE_LEN];
	unsigned br, port;
	(void)snprintf(veth, sizeof(veth), "vb-%.12s", ctr_id);
	int x = net_nl_open(&nl, e);
	if (x < 0 || (x = net_link_index(&nl, r->bridge, &br, e)) < 0)
		return x;
	/* The pair of an earlier run of this container may not be gone yet:
	 * the kernel destroys a namespace's links after it ends. */
	if ((x = net_link_del(&nl, veth, e)) < 0 ||
	    (x = net_veth_add(&nl, veth, "eth0", nsfd, mac, e)) < 0 ||
	    (x = net_link_index(&nl, veth, &port, e)) < 0 ||
	    (x = net_link_up(&nl, port, br, e)) < 0 ||
	    (!r->icc && (x = net_brport_isolate(&nl, port, e)) < 0))
		return x;
	return inside(nsfd, r, a, e);
}

int eng_net_attach(struct eng *g, const char *ctr_id, pid_t pid, struct brig_err *e)
{
	_cleanup_netdir_ struct net_dir h = { .fd = -1, .lock = -1 };
	int x = net_dir_load(g, false, &h, e);
	if (x == -ENOENT)
		return 0; /* no network was ever made */
	for (size_t i = 0; x == 0 && i < h.n; i++) {
		_cleanup_json_ json_t *leases = NULL;
		struct in_addr a;
		if ((x = net_leases_load(h.fd, h.all[i].id, &leases, e)) < 0)
			break;
		if (net_lease_of(leases, ctr_id, &a) < 0)
			continue;
		char path[64];
		uint8_t mac[6];
		(void)snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
		_cleanup_close_ int nsfd = open(path, O_RDONLY | O_CLOEXEC);
		if (nsfd < 0)
			return brig_err_sys(e, errno, "%s", path);
		/* The bridge and the rules may be missing (the default
		 * network's first container, a reboot). */
		_cleanup_free_ bool *live = calloc(h.n, sizeof(*live));
		if (!live)
			return brig_err_oom(e);
		for (size_t j = 0; j < h.n; j++)
			if ((x = net_live(h.fd, &h.all[j], &live[j], e)) < 0)
				return x;
		if ((x = net_host_ensure(&h.all[i], e)) < 0 ||
		    (!h.all[i].internal && (x = net_pub_attach(g, &h, i, ctr_id, e)) < 0) ||
		    (x = net_nft_sync(h.fd, h.all, h.n, live, e)) < 0 ||
		    (x = plug(&h.all[i], ctr_id, nsfd, a,
			      mac_of(g, ctr_id, h.all[i].id, mac) ? mac : NULL, e)) < 0)
			return brig_err_wrap(e, "network %s", h.all[i].name);
	}
	return x;
}
