/* SPDX-License-Identifier: Apache-2.0 */
/* engine/net: brig network create, ls, inspect, rm, prune.  Every check is
 * made before anything is written; a network is published (one rename)
 * and then its bridge and the nft table are made; if that fails, both are
 * taken back. */
#include "engine/net/net-internal.h"
#include "engine/engine-internal.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

static void nl_closep(struct net_nl *nl)
{
	net_nl_close(nl);
}

static int pick_gateway(const struct eng_net_create_opts *o, struct net_rec *r, struct brig_err *e)
{
	uint32_t first = ntohl(r->subnet.s_addr), last = first | ~net_mask(r->plen);
	if (!o->gateway) {
		r->gateway.s_addr = htonl(first + 1);
		return 0;
	}
	if (inet_pton(AF_INET, o->gateway, &r->gateway) != 1)
		return brig_err_set(e, -EINVAL, "--gateway \"%.64s\": not an IPv4 address",
				    o->gateway);
	uint32_t gw = ntohl(r->gateway.s_addr);
	if (gw <= first || gw >= last)
		return brig_err_set(e, -EINVAL, "--gateway %s: not a host address of the subnet %s",
				    o->gateway, o->subnet ? o->subnet : "chosen");
	return 0;
}

/* A subnet no network and no host route overlaps. */
static int check_subnet(const struct net_dir *d, struct net_nl *nl, const struct net_rec *r,
			const char *shown, struct brig_err *e)
{
	char hit[48], txt[INET_ADDRSTRLEN];
	for (size_t i = 0; i < d->n; i++) {
		if (!net_overlap(d->all[i].subnet, d->all[i].plen, r->subnet, r->plen))
			continue;
		(void)inet_ntop(AF_INET, &d->all[i].subnet, txt, sizeof(txt));
		return brig_err_set(e, -EEXIST, "subnet %s overlaps network %s (%s/%u)", shown,
				    d->all[i].name, txt, d->all[i].plen);
	}
	int x = net_route_overlap(nl, r->subnet, r->plen, hit, e);
	if (x < 0)
		return x;
	if (hit[0])
		return brig_err_set(e, -EEXIST, "subnet %s collides with the host route %s", shown,
				    hit);
	return 0;
}

static int pick_subnet(const struct net_dir *d, struct net_nl *nl,
		       const struct eng_net_create_opts *o, struct net_rec *r, struct brig_err *e)
{
	if (o->subnet) {
		int x = net_parse_cidr(o->subnet, &r->subnet, &r->plen, e);
		return x < 0 ? x : check_subnet(d, nl, r, o->subnet, e);
	}
	for (unsigned i = 0; i < 256; i++) {
		char cidr[32];
		(void)snprintf(cidr, sizeof(cidr), "10.89.%u.0/24", i);
		_cleanup_err_ struct brig_err e2 = { 0 };
		if (net_parse_cidr(cidr, &r->subnet, &r->plen, e) < 0)
			return e->code;
		int x = check_subnet(d, nl, r, cidr, &e2);
		if (x == 0)
			return 0;
		if (x != -EEXIST)
			return brig_err_set(e, x, "%s", brig_err_str(&e2));
	}
	return brig_err_set(e, -ENOSPC, "no free subnet in 10.89.0.0/16: give one with --subnet");
}

/* A v6 prefix no network and no host route overlaps. */
static int check_subnet6(const struct net_dir *d, struct net_nl *nl, const struct net_rec *r,
			 const char *shown, struct brig_err *e)
{
	char hit[64], txt[INET6_ADDRSTRLEN];
	for (size_t i = 0; i < d->n; i++) {
		if (!d->all[i].ipv6 ||
		    !net_overlap6(&d->all[i].subnet6, d->all[i].plen6, &r->subnet6, r->plen6))
			continue;
		(void)inet_ntop(AF_INET6, &d->all[i].subnet6, txt, sizeof(txt));
		return brig_err_set(e, -EEXIST, "subnet %s overlaps network %s (%s/%u)", shown,
				    d->all[i].name, txt, d->all[i].plen6);
	}
	int x = net_route_overlap6(nl, &r->subnet6, r->plen6, hit, e);
	if (x < 0)
		return x;
	if (hit[0])
		return brig_err_set(e, -EEXIST, "subnet %s collides with the host route %s", shown,
				    hit);
	return 0;
}

/* --subnet fdxx::/LEN, or a unique local /64 (RFC 4193: fd, a random
 * 40-bit global id, subnet 0), drawn again when it collides. */
static int pick_subnet6(const struct net_dir *d, struct net_nl *nl,
			const struct eng_net_create_opts *o, struct net_rec *r, struct brig_err *e)
{
	if (!o->ipv6)
		return o->subnet6
			? brig_err_set(e, -EINVAL, "--subnet %.64s: an IPv6 subnet needs --ipv6",
				       o->subnet6)
			: 0;
	r->ipv6 = true;
	if (o->subnet6) {
		int x = net_parse_cidr6(o->subnet6, &r->subnet6, &r->plen6, e);
		return x < 0 ? x : check_subnet6(d, nl, r, o->subnet6, e);
	}
	for (int tries = 0; tries < 16; tries++) {
		char addr[INET6_ADDRSTRLEN], shown[INET6_ADDRSTRLEN + 4];
		_cleanup_err_ struct brig_err e2 = { 0 };
		memset(&r->subnet6, 0, sizeof(r->subnet6));
		r->subnet6.s6_addr[0] = 0xfd;
		if (BRIG_RETRY(getrandom(&r->subnet6.s6_addr[1], 5, 0)) != 5)
			return brig_err_sys(e, EIO, "getrandom");
		r->plen6 = 64;
		if (!inet_ntop(AF_INET6, &r->subnet6, addr, sizeof(addr)))
			return brig_err_sys(e, errno, "inet_ntop");
		snprintf(shown, sizeof(shown), "%s/64", addr);
		int x = check_subnet6(d, nl, r, shown, &e2);
		if (x != -EEXIST)
			return x < 0 ? brig_err_set(e, x, "%s", brig_err_str(&e2)) : 0;
	}
	return brig_err_set(e, -ENOSPC, "no free IPv6 subnet found: give one with --subnet");
}

static int make_rec(struct net_dir *d, const struct eng_net_create_opts *o, struct net_rec *r,
		    struct brig_err *e)
{
	if (!net_name_valid(o->name))
		return brig_err_set(
			e, -EINVAL,
			"invalid network name \"%.64s\": use [a-zA-Z0-9][a-zA-Z0-9_.-]*, "
			"at most 64 characters",
			o->name);
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->all[i].name, o->name) == 0)
			return brig_err_set(e, -EEXIST, "network %s already exists", o->name);
	__attribute__((cleanup(nl_closep))) struct net_nl nl = { 0 };
	memset(r, 0, sizeof(*r));
	int x;
	if ((x = net_nl_open(&nl, e)) < 0 || (x = pick_subnet(d, &nl, o, r, e)) < 0 ||
	    (x = pick_gateway(o, r, e)) < 0 || (x = pick_subnet6(d, &nl, o, r, e)) < 0 ||
	    (x = net_rec_new_id(r, e)) < 0)
		return x;
	if (r->ipv6 && 128 - r->plen6 < 32 - r->plen)
		return brig_err_set(e, -EINVAL,
				    "--subnet: the IPv6 prefix /%u has fewer host addresses than "
				    "the IPv4 one /%u",
				    r->plen6, r->plen);
	if (r->ipv6)
		net_addr6_of(r, r->gateway, &r->gateway6);
	(void)snprintf(r->name, sizeof(r->name), "%s", o->name);
	eng_now(r->created);
	r->internal = o->internal;
	r->icc = o->icc;
	r->egress_none = o->egress_none;
	return 0;
}

int eng_network_create(struct eng *g, const struct eng_net_create_opts *o, json_t **out,
		       struct brig_err *e)
{
	_cleanup_netdir_ struct net_dir d = { .fd = -1, .lock = -1 };
	struct net_rec r;
	int x;
	if ((x = net_dir_load(g, true, &d, e)) < 0 || (x = make_rec(&d, o, &r, e)) < 0 ||
	    (x = net_rec_publish(d.fd, &r, e)) < 0)
		return x;
	if ((x = net_sync_all(d.fd, e)) < 0) {
		_cleanup_err_ struct brig_err e2 = { 0 };
		(void)net_rec_remove(d.fd, r.id, &e2);
		(void)net_host_remove(&r, &e2);
		(void)net_sync_all(d.fd, &e2);
		return brig_err_wrap(e, "network %s", o->name);
	}
	*out = net_rec_json(&r);
	return *out ? 0 : brig_err_oom(e);
}

static json_t *containers_json(int netsfd, const struct net_rec *r, struct brig_err *e)
{
	_cleanup_json_ json_t *leases = NULL, *out = json_object();
	if (!out)
		return brig_err_oom(e), NULL;
	if (net_leases_load(netsfd, r->id, &leases, e) < 0)
		return NULL;
	const char *ip;
	json_t *ctr;
	json_object_foreach(leases, ip, ctr)
	{
		char cidr[48], a6[INET6_ADDRSTRLEN], cidr6[INET6_ADDRSTRLEN + 4] = "";
		struct in_addr a;
		struct in6_addr six;
		(void)snprintf(cidr, sizeof(cidr), "%s/%u", ip, r->plen);
		if (r->ipv6 && inet_pton(AF_INET, ip, &a) == 1) {
			net_addr6_of(r, a, &six);
			(void)inet_ntop(AF_INET6, &six, a6, sizeof(a6));
			(void)snprintf(cidr6, sizeof(cidr6), "%s/%u", a6, r->plen6);
		}
		if (json_object_set_new(
			    out, json_string_value(ctr),
			    json_pack("{s:s,s:s}", "IPv4Address", cidr, "IPv6Address", cidr6)) < 0)
			return brig_err_oom(e), NULL;
	}
	return brig_steal_ptr(out);
}

/* Docker's shape of a network. */
static json_t *doc_of(int netsfd, const struct net_rec *r, struct brig_err *e)
{
	_cleanup_json_ json_t *rec = net_rec_json(r);
	json_t *ctrs = containers_json(netsfd, r, e);
	if (!ctrs)
		return NULL;
	json_t *doc = rec
		? json_pack("{s:O,s:O,s:O,s:s,s:s,s:b,s:{s:s,s:{},s:[{s:O,s:O}]},s:O,"
			    "s:b,s:b,s:o,s:{s:s,s:s,s:s},s:{},s:{s:O,s:O}}",
			    "Name", json_object_get(rec, "Name"), "Id", json_object_get(rec, "Id"),
			    "Created", json_object_get(rec, "Created"), "Scope", "local", "Driver",
			    "bridge", "EnableIPv6", r->ipv6, "IPAM", "Driver", "default", "Options",
			    "Config", "Subnet", json_object_get(rec, "Subnet"), "Gateway",
			    json_object_get(rec, "Gateway"), "Internal",
			    json_object_get(rec, "Internal"), "Attachable", 0, "Ingress", 0,
			    "Containers", ctrs, "Options", "com.docker.network.bridge.name",
			    r->bridge, "com.docker.network.bridge.enable_icc",
			    r->icc ? "true" : "false", "egress", r->egress_none ? "none" : "all",
			    "Labels", "Brig", "ICC", json_object_get(rec, "ICC"), "Egress",
			    json_object_get(rec, "Egress"))
		: NULL;
	if (!doc) {
		if (!rec)
			json_decref(ctrs);
		(void)brig_err_oom(e);
	}
	json_t *cfg = json_object_get(json_object_get(doc, "IPAM"), "Config");
	if (doc && r->ipv6 &&
	    json_array_append_new(cfg,
				  json_pack("{s:O,s:O}", "Subnet", json_object_get(rec, "Subnet6"),
					    "Gateway", json_object_get(rec, "Gateway6"))) < 0) {
		json_decref(doc);
		return brig_err_oom(e), NULL;
	}
	return doc;
}

int eng_network_list(struct eng *g, json_t **out, struct brig_err *e)
{
	_cleanup_netdir_ struct net_dir d = { .fd = -1, .lock = -1 };
	int x = net_dir_load(g, true, &d, e);
	if (x < 0)
		return x;
	_cleanup_json_ json_t *arr = json_array();
	if (!arr)
		return brig_err_oom(e);
	for (size_t i = 0; i < d.n; i++) {
		json_t *doc = doc_of(d.fd, &d.all[i], e);
		if (!doc || json_array_append_new(arr, doc) < 0)
			return doc ? brig_err_oom(e) : e->code;
	}
	*out = brig_steal_ptr(arr);
	return 0;
}

/* Brig.Host: the bridge (when there), its addresses and proxy NDP entries
 * (links.c), the host ends of the containers' veth pairs, the nft table. */
static int host_objects(const struct net_rec *r, const json_t *ctrs, json_t **out,
			struct brig_err *e)
{
	__attribute__((cleanup(nl_closep))) struct net_nl nl = { 0 };
	_cleanup_json_ json_t *addrs = json_array(), *veths = json_array(), *links = json_array(),
			      *proxy = json_array();
	unsigned idx;
	int x = net_nl_open(&nl, e);
	if (x < 0)
		return x;
	if (!addrs || !veths || !links || !proxy)
		return brig_err_oom(e);
	if ((x = net_link_index(&nl, r->bridge, &idx, e)) == 0) {
		if ((x = net_addr_list(&nl, idx, addrs, e)) < 0 ||
		    (x = net_proxy6_list(&nl, idx, proxy, e)) < 0)
			return x;
		(void)json_array_append_new(links, json_string(r->bridge));
	} else if (x != -ENODEV) {
		return x;
	}
	const char *id;
	json_t *v;
	json_object_foreach((json_t *)ctrs, id, v)
	{
		char veth[NET_BRIDGE_LEN];
		net_veth_name(id, r, veth);
		if ((x = net_link_index(&nl, veth, &idx, e)) == 0)
			(void)json_array_append_new(veths, json_string(veth));
		else if (x != -ENODEV)
			return x;
	}
	json_t *nft = net_nft_list(r->bridge, e);
	if (!nft)
		return e->code;
	*out = json_pack("{s:O,s:O,s:O,s:O,s:o}", "Links", links, "Addresses", addrs, "ProxyNDP",
			 proxy, "Veths", veths, "Nftables", nft);
	return *out ? 0 : brig_err_oom(e);
}

int eng_network_inspect(struct eng *g, const char *what, json_t **out, struct brig_err *e)
{
	_cleanup_netdir_ struct net_dir d = { .fd = -1, .lock = -1 };
	size_t i;
	int x = net_dir_load(g, true, &d, e);
	if (x < 0 || (x = net_rec_find(d.all, d.n, what, &i, e)) < 0)
		return x;
	_cleanup_json_ json_t *doc = doc_of(d.fd, &d.all[i], e);
	json_t *host = NULL;
	if (!doc)
		return e->code;
	if ((x = host_objects(&d.all[i], json_object_get(doc, "Containers"), &host, e)) < 0)
		return x;
	(void)json_object_set_new(json_object_get(doc, "Brig"), "Host", host);
	*out = brig_steal_ptr(doc);
	return 0;
}

/* The first container with a lease on r, or "" (at least 65 bytes). */
static int user_of(int netsfd, const struct net_rec *r, char *ctr, struct brig_err *e)
{
	_cleanup_json_ json_t *leases = NULL;
	int x = net_leases_load(netsfd, r->id, &leases, e);
	if (x < 0)
		return x;
	ctr[0] = 0;
	void *it = json_object_iter(leases);
	if (it)
		(void)snprintf(ctr, NET_ID_LEN + 1, "%s",
			       json_string_value(json_object_iter_value(it)));
	return 0;
}

static int remove_one(struct net_dir *d, size_t i, struct brig_err *e)
{
	const struct net_rec *r = &d->all[i];
	int x = net_rec_remove(d->fd, r->id, e);
	if (x < 0)
		return x;
	d->all[i] = d->all[--d->n];
	return 0;
}

int eng_network_remove(struct eng *g, const char *what, struct brig_err *e)
{
	_cleanup_netdir_ struct net_dir d = { .fd = -1, .lock = -1 };
	char ctr[NET_ID_LEN + 1];
	size_t i;
	int x = net_dir_load(g, true, &d, e);
	if (x < 0 || (x = net_rec_find(d.all, d.n, what, &i, e)) < 0)
		return x;
	struct net_rec r = d.all[i];
	if (strcmp(r.name, NET_DEFAULT_NAME) == 0)
		return brig_err_set(e, -EPERM,
				    "network %s is the default network: it cannot be removed",
				    r.name);
	if ((x = user_of(d.fd, &r, ctr, e)) < 0)
		return x;
	if (ctr[0])
		return brig_err_set(e, -EBUSY, "network %s is in use by container %.12s", r.name,
				    ctr);
	if ((x = remove_one(&d, i, e)) < 0 || (x = net_host_remove(&r, e)) < 0)
		return x;
	return net_sync_all(d.fd, e);
}

/* A container's directory, or the one it is being made in (the lease is
 * taken before the record is published). */
static int ctr_exists(struct eng *g, const char *id, bool *there, struct brig_err *e)
{
	char tmp[ENG_ID_LEN + 8];
	(void)snprintf(tmp, sizeof(tmp), ".tmp-%s", id);
	const char *names[] = { id, tmp };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(names); i++) {
		if (faccessat(g->ctrsfd, names[i], F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
			*there = true;
			return 0;
		}
		if (errno != ENOENT)
			return brig_err_sys(e, errno, "containers/%.12s", names[i]);
	}
	*there = false;
	return 0;
}

/* Leases of containers that no longer exist (a crash inside brig rm). */
static int drop_stale(struct eng *g, int netsfd, const struct net_rec *r, struct brig_err *e)
{
	_cleanup_json_ json_t *leases = NULL;
	int x = net_leases_load(netsfd, r->id, &leases, e);
	if (x < 0)
		return x;
	const char *ip;
	json_t *ctr;
	void *tmp;
	bool changed = false;
	json_object_foreach_safe(leases, tmp, ip, ctr)
	{
		const char *id = json_string_value(ctr);
		bool there = false;
		if (eng_id_valid(id) && (x = ctr_exists(g, id, &there, e)) < 0)
			return x;
		if (there)
			continue;
		(void)json_object_del(leases, ip);
		changed = true;
	}
	return changed ? net_leases_write(netsfd, r->id, leases, false, e) : 0;
}

/* .tmp-<id> and .rm-<id> left by a create or rm that crashed (every
 * create and rm holds the lock we hold). */
static int drop_leftovers(int netsfd, struct brig_err *e)
{
	_cleanup_close_ int fd = openat(netsfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	if (!d)
		return brig_err_sys(e, errno, "networks: listing");
	(void)brig_steal_fd(fd);
	int x = 0;
	struct dirent *de;
	while (x == 0 && (de = readdir(d))) {
		const char *n = de->d_name;
		if ((strncmp(n, ".tmp-", 5) == 0 && eng_id_valid(n + 5)) ||
		    (strncmp(n, ".rm-", 4) == 0 && eng_id_valid(n + 4)))
			x = brig_rm_rf(netsfd, n, e);
	}
	(void)closedir(d);
	return x;
}

int eng_network_prune(struct eng *g, json_t **removed, struct brig_err *e)
{
	_cleanup_netdir_ struct net_dir d = { .fd = -1, .lock = -1 };
	_cleanup_json_ json_t *names = json_array();
	char ctr[NET_ID_LEN + 1];
	int x = net_dir_load(g, true, &d, e);
	if (x < 0)
		return x;
	if (!names)
		return brig_err_oom(e);
	if ((x = drop_leftovers(d.fd, e)) < 0)
		return x;
	for (size_t i = 0; i < d.n;) {
		struct net_rec r = d.all[i];
		if ((x = drop_stale(g, d.fd, &r, e)) < 0 || (x = user_of(d.fd, &r, ctr, e)) < 0)
			return x;
		if (ctr[0] || strcmp(r.name, NET_DEFAULT_NAME) == 0) {
			i++;
			continue;
		}
		if ((x = remove_one(&d, i, e)) < 0 || (x = net_host_remove(&r, e)) < 0)
			return x;
		(void)json_array_append_new(names, json_string(r.name));
	}
	if ((x = net_sync_all(d.fd, e)) < 0)
		return x;
	*removed = brig_steal_ptr(names);
	return 0;
}
