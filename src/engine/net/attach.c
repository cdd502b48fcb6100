/* SPDX-License-Identifier: Apache-2.0 */
/* engine/net: a container on its networks.  Its address on a network is
 * leased when the container is made (eng_net_claim) or connected
 * (connect.c) and released when it is removed (eng_net_release) or
 * disconnected.  Each start attaches it (eng_net_attach), between the
 * runtime's create (the init waits in its new namespaces) and start (it
 * execs the user's process): per network a veth pair whose container end
 * (eth0, eth1, ...: the entry's Interface in its record) is made directly
 * in the container's network namespace; the host end vb<8 hex of the
 * container id><5 hex of the network id> becomes a port of the network's
 * bridge.  The pairs die with the namespace, so a container killed in any
 * way leaves no link behind. */
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

void net_veth_name(const char *ctr, const struct net_rec *r, char out[NET_BRIDGE_LEN])
{
	(void)snprintf(out, NET_BRIDGE_LEN, "vb%.8s%.5s", ctr, r->id);
}

json_t *net_settings(const struct net_rec *r, struct in_addr a, bool asked, const char *mac,
		     const char *ifname)
{
	char ip[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN];
	(void)inet_ntop(AF_INET, &a, ip, sizeof(ip));
	(void)inet_ntop(AF_INET, &r->gateway, gw, sizeof(gw));
	json_t *s = json_pack("{s:s,s:s,s:i,s:s,s:s,s:s}", "NetworkID", r->id, "IPAddress", ip,
			      "IPPrefixLen", (int)r->plen, "Gateway", r->internal ? "" : gw,
			      "MacAddress", mac ? mac : "", "Interface", ifname);
	char ip6[INET6_ADDRSTRLEN] = "", gw6[INET6_ADDRSTRLEN] = "";
	struct in6_addr six;
	if (r->ipv6) {
		net_addr6_of(r, a, &six);
		(void)inet_ntop(AF_INET6, &six, ip6, sizeof(ip6));
		(void)inet_ntop(AF_INET6, &r->gateway6, gw6, sizeof(gw6));
	}
	if (s &&
	    (json_object_set_new(s, "GlobalIPv6Address", json_string(ip6)) < 0 ||
	     json_object_set_new(s, "GlobalIPv6PrefixLen", json_integer(r->ipv6 ? r->plen6 : 0)) <
		     0 ||
	     json_object_set_new(s, "IPv6Gateway", json_string(r->internal ? "" : gw6)) < 0 ||
	     (asked &&
	      json_object_set_new(s, "IPAMConfig", json_pack("{s:s}", "IPv4Address", ip)) < 0))) {
		json_decref(s);
		return NULL;
	}
	return s;
}

int net_claim_in(struct net_dir *h, size_t i, const char *want, const char *ctr_id,
		 struct in_addr *a, struct brig_err *e)
{
	_cleanup_json_ json_t *leases = NULL;
	char ip[INET_ADDRSTRLEN];
	int x = net_leases_load(h->fd, h->all[i].id, &leases, e);
	if (x < 0)
		return x;
	x = want ? net_ipam_want(&h->all[i], leases, want, a, e)
		 : net_ipam_next(&h->all[i], leases, a, e);
	if (x < 0)
		return x;
	(void)inet_ntop(AF_INET, a, ip, sizeof(ip));
	if (json_object_set_new(leases, ip, json_string(ctr_id)) < 0)
		return brig_err_oom(e);
	return net_leases_write(h->fd, h->all[i].id, leases, true, e);
}

int eng_net_claim(struct eng *g, const char *network, const char *want, const char *mac,
		  const char *ctr_id, json_t **out, struct brig_err *e)
{
	_cleanup_netdir_ struct net_dir h = { .fd = -1, .lock = -1 };
	struct in_addr a;
	size_t i;
	int x;
	if ((x = net_dir_load(g, true, &h, e)) < 0 ||
	    (x = net_rec_find(h.all, h.n, network, &i, e)) < 0 ||
	    (x = net_claim_in(&h, i, want, ctr_id, &a, e)) < 0)
		return x;
	*out = net_settings(&h.all[i], a, want != NULL, mac, "eth0");
	return *out ? 0 : brig_err_oom(e);
}

/* The veth pair, and the bridge's proxy NDP entry for the container's
 * IPv6 address (plug). */
static int net_unplug(const char *ctr_id, const struct net_rec *r, struct in_addr a,
		      struct brig_err *e)
{
	__attribute__((cleanup(nl_closep))) struct net_nl nl = { 0 };
	char veth[NET_BRIDGE_LEN];
	struct in6_addr six;
	unsigned br;
	net_veth_name(ctr_id, r, veth);
	net_addr6_of(r, a, &six);
	int x = net_nl_open(&nl, e);
	if (x < 0 || (x = net_link_del(&nl, veth, e)) < 0 || r->icc || !r->ipv6)
		return x;
	x = net_link_index(&nl, r->bridge, &br, e);
	if (x == -ENODEV)
		return brig_err_clear(e), 0; /* the entries went with it */
	return x < 0 ? x : net_neigh_proxy6(&nl, br, &six, false, e);
}

static int net_lease_drop(int netsfd, const struct net_rec *r, const char *ctr_id, bool *found,
			  struct in_addr *a, struct brig_err *e)
{
	_cleanup_json_ json_t *leases = NULL;
	char ip[INET_ADDRSTRLEN];
	int x = net_leases_load(netsfd, r->id, &leases, e);
	*found = false;
	if (x < 0 || net_lease_of(leases, ctr_id, a) < 0)
		return x;
	*found = true;
	(void)inet_ntop(AF_INET, a, ip, sizeof(ip));
	(void)json_object_del(leases, ip);
	return net_leases_write(netsfd, r->id, leases, false, e);
}

int net_leave(struct eng *g, const struct net_dir *h, size_t i, const char *ctr_id, bool *found,
	      bool *changed, struct brig_err *e)
{
	struct in_addr a;
	int x = net_lease_drop(h->fd, &h->all[i], ctr_id, found, &a, e);
	if (x < 0 || !*found)
		return x;
	if ((x = net_pub_drop(h->fd, h->all[i].id, ctr_id, changed, e)) < 0 ||
	    (x = net_egress_set(h->fd, h->all[i].id, ctr_id, false, changed, e)) < 0 ||
	    (x = net_links_set(g, h, i, ctr_id, NULL, true, changed, e)) < 0 ||
	    (x = net_unplug(ctr_id, &h->all[i], a, e)) < 0)
		return x;
	net_hosts_refresh(g, h, i, NULL);
	/* The table depends on leases only through the default network's,
	 * whose bridge goes with its last container; a transaction costs
	 * tens of ms, so none when nothing changes. */
	bool live = false;
	if (strcmp(h->all[i].name, NET_DEFAULT_NAME) == 0 &&
	    (x = net_live(h->fd, &h->all[i], &live, e)) == 0)
		*changed |= !live;
	return x;
}

int eng_net_release(struct eng *g, const char *ctr_id, struct brig_err *e)
{
	_cleanup_netdir_ struct net_dir h = { .fd = -1, .lock = -1 };
	int x = net_dir_load(g, false, &h, e);
	bool changed = false, found;
	if (x == -ENOENT)
		return 0; /* no network was ever made */
	for (size_t i = 0; x == 0 && i < h.n; i++)
		x = net_leave(g, &h, i, ctr_id, &found, &changed, e);
	return x < 0 || !changed ? x : net_sync_all(h.fd, e);
}

/* Inside the container's namespace: the interface's address, up, the
 * default route (not for an internal network; kept when another network
 * of the container gave one already). */
static int inside(int nsfd, const struct net_rec *r, const char *ifname, struct in_addr a,
		  struct brig_err *e)
{
	__attribute__((cleanup(nl_closep))) struct net_nl nl = { 0 };
	_cleanup_err_ struct brig_err e2 = { 0 };
	unsigned idx;
	int x;
	struct in6_addr six;
	net_addr6_of(r, a, &six);
	if ((x = net_nl_open_in(&nl, nsfd, e)) < 0 ||
	    (x = net_link_index(&nl, ifname, &idx, e)) < 0 ||
	    (x = net_addr_add(&nl, idx, a, r->plen, e)) < 0 ||
	    (r->ipv6 && (x = net_addr_add6(&nl, idx, &six, r->plen6, e)) < 0) ||
	    (x = net_link_up(&nl, idx, 0, e)) < 0 || r->internal)
		return x;
	x = net_route_default(&nl, r->gateway, &e2);
	if (x == 0 || x == -EEXIST)
		x = r->ipv6 ? net_route_default6(&nl, &r->gateway6, &e2) : 0;
	return x == -EEXIST ? 0 : x < 0 ? brig_err_set(e, x, "%s", brig_err_str(&e2)) : 0;
}

/* The container's record, read once for all its networks. */
static int record_of(struct eng *g, const char *ctr, struct eng_record *rec, struct brig_err *e)
{
	_cleanup_close_ int fd = eng_ctr_open(g, ctr, e);
	return fd < 0 ? fd : eng_record_load(fd, ctr, rec, e);
}

/* The container's entry for network netid in its record doc
 * (NetworkSettings.Networks.*: NetworkID, Interface, MacAddress). */
static int entry_of(const json_t *doc, const char *netid, struct net_ent *ent)
{
	json_t *nets = json_object_get(json_object_get(doc, "NetworkSettings"), "Networks");
	int x = net_ent_parse(nets, netid, ent);
	ent->egress_none = net_doc_egress_none(doc);
	return x;
}

bool net_doc_egress_none(const json_t *doc)
{
	const json_t *n = json_object_get(
		json_object_get(json_object_get(doc, "Brig"), "Effective"), "Network");
	const char *s = json_string_value(json_object_get(n, "Egress"));
	return s && strcmp(s, "none") == 0;
}

int net_egress_apply(const struct net_dir *h, size_t i, const char *ctr_id,
		     const struct net_ent *ent, struct brig_err *e)
{
	bool changed = false;
	return net_egress_set(h->fd, h->all[i].id, ctr_id, ent->egress_none, &changed, e);
}

int net_ent_parse(const json_t *nets, const char *netid, struct net_ent *ent)
{
	const char *k, *mac = NULL, *ifname = NULL;
	json_t *v;
	*ent = (struct net_ent){ .ifname = "eth0" };
	json_object_foreach((json_t *)nets, k, v)
	{
		const char *id = json_string_value(json_object_get(v, "NetworkID"));
		if (!id || strcmp(id, netid) != 0)
			continue;
		mac = json_string_value(json_object_get(v, "MacAddress"));
		ifname = json_string_value(json_object_get(v, "Interface"));
		(void)snprintf(ent->name, sizeof(ent->name), "%s", k);
	}
	unsigned n, m[6];
	char tail;
	/* Written by brig (ethN), but the record is the container's directory:
	 * only that form names a link. */
	if (ifname && sscanf(ifname, "eth%u%c", &n, &tail) == 1 && n < 1000)
		(void)snprintf(ent->ifname, sizeof(ent->ifname), "eth%u", n);
	if (!mac || strlen(mac) != 17 ||
	    sscanf(mac, "%2x:%2x:%2x:%2x:%2x:%2x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
		return 0;
	for (int i = 0; i < 6; i++)
		ent->mac[i] = (uint8_t)m[i];
	ent->has_mac = true;
	return 0;
}

/* The pair, its host end up and a port of bridge br, in one request.  The
 * pair of an earlier run of this container may not be gone yet (the
 * kernel destroys a namespace's links after it ends): then it is removed
 * and the pair made again. */
static int new_pair(struct net_nl *nl, const char *veth, const struct net_ent *ent, int nsfd,
		    unsigned br, struct brig_err *e)
{
	const uint8_t *mac = ent->has_mac ? ent->mac : NULL;
	_cleanup_err_ struct brig_err e2 = { 0 };
	int x = net_veth_add(nl, veth, ent->ifname, nsfd, mac, br, &e2);
	if (x != -EEXIST)
		return x < 0 ? brig_err_set(e, x, "%s", brig_err_str(&e2)) : 0;
	if ((x = net_link_del(nl, veth, e)) < 0)
		return x;
	return net_veth_add(nl, veth, ent->ifname, nsfd, mac, br, e);
}

static int plug(const struct net_rec *r, const char *ctr_id, int nsfd, struct in_addr a,
		const struct net_ent *ent, struct brig_err *e)
{
	__attribute__((cleanup(nl_closep))) struct net_nl nl = { 0 };
	char veth[NET_BRIDGE_LEN];
	unsigned br, port;
	net_veth_name(ctr_id, r, veth);
	int x = net_nl_open(&nl, e);
	if (x < 0 || (x = net_link_index(&nl, r->bridge, &br, e)) < 0 ||
	    (x = new_pair(&nl, veth, ent, nsfd, br, e)) < 0)
		return x;
	if (!r->icc &&
	    ((x = net_link_index(&nl, veth, &port, e)) < 0 ||
	     (x = net_brport_isolate(&nl, port, e)) < 0))
		return x;
	/* isolated: the bridge answers its neighbours for it, as for IPv4 */
	struct in6_addr six;
	net_addr6_of(r, a, &six);
	if (!r->icc && r->ipv6 && (x = net_neigh_proxy6(&nl, br, &six, true, e)) < 0)
		return x;
	return inside(nsfd, r, ent->ifname, a, e);
}

int net_live_all(const struct net_dir *h, bool **live, struct brig_err *e)
{
	*live = calloc(h->n ? h->n : 1, sizeof(**live));
	if (!*live)
		return brig_err_oom(e);
	for (size_t j = 0; j < h->n; j++) {
		int x = net_live(h->fd, &h->all[j], &(*live)[j], e);
		if (x < 0) {
			free(*live);
			*live = NULL;
			return x;
		}
	}
	return 0;
}

static int open_ns(pid_t pid, struct brig_err *e)
{
	char path[64];
	(void)snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? brig_err_sys(e, errno, "%s", path) : fd;
}

/* The bridge (it may be missing: the default network's first container,
 * a reboot) and the published ports of network i. */
static int prepare(struct eng *g, const struct net_dir *h, size_t i, const char *ctr_id,
		   const json_t *doc, const struct net_ent *ent, struct brig_err *e)
{
	int x = net_host_ensure(&h->all[i], e);
	bool changed = false;
	if (x == 0)
		x = net_egress_apply(h, i, ctr_id, ent, e);
	if (x == 0)
		x = net_links_set(g, h, i, ctr_id, doc, false, &changed, e);
	if (x == 0 && !h->all[i].internal)
		x = net_pub_attach(h, i, ctr_id, doc, e);
	return x < 0 ? brig_err_wrap(e, "network %s", h->all[i].name) : 0;
}

static int sync_table(const struct net_dir *h, struct brig_err *e)
{
	_cleanup_free_ bool *live = NULL;
	int x = net_live_all(h, &live, e);
	return x < 0 ? x : net_nft_sync(h->fd, h->all, h->n, live, e);
}

static int plug_in(struct eng *g, const struct net_dir *h, size_t i, const char *ctr_id, int nsfd,
		   struct in_addr a, const struct net_ent *ent, struct brig_err *e)
{
	int x = plug(&h->all[i], ctr_id, nsfd, a, ent, e);
	if (x < 0)
		return brig_err_wrap(e, "network %s", h->all[i].name);
	net_hosts_refresh(g, h, i, NULL);
	return 0;
}

int net_plug_one(const struct net_dir *h, size_t i, const char *ctr_id, pid_t pid, struct in_addr a,
		 const struct net_ent *ent, struct brig_err *e)
{
	_cleanup_close_ int nsfd = open_ns(pid, e);
	int x = nsfd;
	if (x < 0 || (x = net_host_ensure(&h->all[i], e)) < 0 ||
	    (x = net_egress_apply(h, i, ctr_id, ent, e)) < 0 || (x = sync_table(h, e)) < 0 ||
	    (x = plug(&h->all[i], ctr_id, nsfd, a, ent, e)) < 0)
		return brig_err_wrap(e, "network %s", h->all[i].name);
	return 0;
}

/* Every network the container has a lease on: bridges and ports made
 * ready, the table written once, then a pair per network. */
int eng_net_attach(struct eng *g, const char *ctr_id, pid_t pid, struct brig_err *e)
{
	_cleanup_netdir_ struct net_dir h = { .fd = -1, .lock = -1 };
	int x = net_dir_load(g, false, &h, e);
	if (x == -ENOENT)
		return 0; /* no network was ever made */
	_cleanup_free_ struct in_addr *a = calloc(h.n ? h.n : 1, sizeof(*a));
	_cleanup_free_ struct net_ent *ent = calloc(h.n ? h.n : 1, sizeof(*ent));
	_cleanup_free_ bool *on = calloc(h.n ? h.n : 1, sizeof(*on));
	_cleanup_record_ struct eng_record rec = { 0 };
	size_t n = 0;
	if (x < 0 || !a || !on || !ent)
		return x < 0 ? x : brig_err_oom(e);
	for (size_t i = 0; x == 0 && i < h.n; i++) {
		_cleanup_json_ json_t *leases = NULL;
		if ((x = net_leases_load(h.fd, h.all[i].id, &leases, e)) < 0)
			break;
		on[i] = net_lease_of(leases, ctr_id, &a[i]) == 0;
		if (on[i] && n++ == 0)
			x = record_of(g, ctr_id, &rec, e);
		if (on[i] && x == 0 && (x = entry_of(rec.doc, h.all[i].id, &ent[i])) == 0)
			x = prepare(g, &h, i, ctr_id, rec.doc, &ent[i], e);
	}
	if (x < 0 || n == 0 || (x = sync_table(&h, e)) < 0) {
		eng_net_held_release();
		return x;
	}
	_cleanup_close_ int nsfd = open_ns(pid, e);
	x = nsfd < 0 ? nsfd : 0;
	for (size_t i = 0; x == 0 && i < h.n; i++)
		if (on[i])
			x = plug_in(g, &h, i, ctr_id, nsfd, a[i], &ent[i], e);
	if (x == 0)
		x = net_proxy_start(pid, e); /* its ports on ::1 */
	if (x < 0)
		eng_net_held_release(); /* the start fails */
	return x;
}
