/* SPDX-License-Identifier: Apache-2.0 */
/* engine/net: --link NAME[:ALIAS] on a network without --icc (Docker's
 * legacy links): the two containers may reach each other, and only they.
 * The linking container's record keeps its targets
 * (Brig.Effective.Network.Links, {"<id>": "ALIAS"}); when it is attached,
 * the targets that hold a lease on the same network are written to
 * ROOT/networks/<id>/links.json ({"<ctr>": {"<target>": "ALIAS"}}), and the
 * entry goes when it leaves the network, so the table is made from the
 * networks' directories alone (as egress.json).
 *
 * Such a network's bridge ports are isolated (no frame between two
 * containers) and the bridge answers ARP for every neighbour with its own
 * address (proxy_arp_pvlan, hostobj.c): a container's packet to another
 * goes through the host, whose forward chain drops it unless a link
 * allows it (nft.c): iifname bX oifname bX ip saddr A ip daddr B accept,
 * both ways, and the same for their IPv6 addresses on an --ipv6 network
 * (whose bridge answers neighbour solicitations for its containers'
 * addresses: proxy NDP, attach.c).  `network connect --link` adds links
 * to one network (the entry's LinkIds in the record). */
#include "engine/net/net-internal.h"
#include "engine/engine-internal.h"
#include "engine/record-internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define LINKS "links.json"

int net_links_load(int netsfd, const char *netid, json_t **out, struct brig_err *e)
{
	return net_obj_load(netsfd, netid, LINKS, out, e);
}

/* (net.h) */
int eng_net_links_resolve(struct eng *g, const char *const *specs, json_t *given, json_t *ids,
			  struct brig_err *e)
{
	for (const char *const *p = specs; p && *p; p++) {
		char name[256], id[ENG_ID_LEN + 1], both[520];
		const char *colon = strchr(*p, ':');
		(void)snprintf(name, sizeof(name), "%.*s", colon ? (int)(colon - *p) : 255, *p);
		const char *alias = colon ? colon + 1 : name;
		if (!eng_name_valid(name) || !eng_name_valid(alias))
			return brig_err_set(e, -EINVAL, "--link \"%.200s\": NAME[:ALIAS]", *p);
		int x = eng_find(g, name, id, e);
		if (x < 0)
			return brig_err_wrap(e, "--link %s", *p);
		(void)snprintf(both, sizeof(both), "%s:%s", name, alias);
		if (json_array_append_new(given, json_string(both)) < 0 ||
		    json_object_set_new(ids, id, json_string(alias)) < 0)
			return brig_err_oom(e);
	}
	return 0;
}

/* The targets of want ({"<id>": "ALIAS"}) that hold a lease, into mine. */
static int leased(const json_t *want, const json_t *leases, json_t *mine, struct brig_err *e)
{
	const char *t;
	json_t *alias;
	struct in_addr a;
	json_object_foreach((json_t *)want, t, alias)
	{
		if (eng_id_valid(t) && json_is_string(alias) && net_lease_of(leases, t, &a) == 0 &&
		    json_object_set(mine, t, alias) < 0)
			return brig_err_oom(e);
	}
	return 0;
}

/* The links of a record (doc) on network netid: those of run --link
 * (Brig.Effective.Network.Links, on each of its networks) and those of
 * network connect --link to that network (its entry's LinkIds). */
static int links_of_doc(const json_t *doc, const char *netid, const json_t *leases, json_t *mine,
			struct brig_err *e)
{
	const json_t *run = json_object_get(
		json_object_get(json_object_get(json_object_get(doc, "Brig"), "Effective"),
				"Network"),
		"Links");
	const json_t *nets = json_object_get(json_object_get(doc, "NetworkSettings"), "Networks");
	const char *k;
	json_t *v;
	int x = leased(run, leases, mine, e);
	json_object_foreach((json_t *)nets, k, v)
	{
		const char *id = json_string_value(json_object_get(v, "NetworkID"));
		if (x == 0 && id && strcmp(id, netid) == 0)
			x = leased(json_object_get(v, "LinkIds"), leases, mine, e);
	}
	return x;
}

/* ctr's targets on network i (none when it leaves: gone), from doc, its
 * record, or (NULL) the record on disk. */
int net_links_set(struct eng *g, const struct net_dir *h, size_t i, const char *ctr,
		  const json_t *doc, bool gone, bool *changed, struct brig_err *e)
{
	_cleanup_json_ json_t *links = NULL, *leases = NULL, *mine = json_object();
	_cleanup_record_ struct eng_record rec = { 0 };
	int x;
	if (!mine)
		return brig_err_oom(e);
	if ((x = net_links_load(h->fd, h->all[i].id, &links, e)) < 0 ||
	    (x = net_leases_load(h->fd, h->all[i].id, &leases, e)) < 0)
		return x;
	if (!gone && !doc) {
		_cleanup_close_ int fd = eng_ctr_open(g, ctr, e);
		if (fd < 0 || (x = eng_record_load(fd, ctr, &rec, e)) < 0)
			return fd < 0 ? fd : x;
		doc = rec.doc;
	}
	if (!gone && (x = links_of_doc(doc, h->all[i].id, leases, mine, e)) < 0)
		return x;
	const json_t *had = json_object_get(links, ctr);
	if (json_equal(had, mine) || (!had && !json_object_size(mine)))
		return 0;
	*changed = true;
	x = json_object_size(mine) ? json_object_set(links, ctr, mine)
				   : json_object_del(links, ctr);
	return x < 0 ? brig_err_oom(e) : net_obj_write(h->fd, h->all[i].id, LINKS, links, true, e);
}

/* The pair's accepts, both ways, for their IPv4 and (r->ipv6) IPv6
 * addresses. */
static int pair(char **buf, size_t *len, const struct net_rec *r, struct in_addr x,
		struct in_addr y)
{
	char sx[INET6_ADDRSTRLEN], sy[INET6_ADDRSTRLEN];
	const char *b = r->bridge;
	int v = 0;
	for (int fam = 0; v == 0 && fam < (r->ipv6 ? 2 : 1); fam++) {
		struct in6_addr x6, y6;
		net_addr6_of(r, x, &x6);
		net_addr6_of(r, y, &y6);
		(void)inet_ntop(fam ? AF_INET6 : AF_INET, fam ? (void *)&x6 : (void *)&x, sx,
				sizeof(sx));
		(void)inet_ntop(fam ? AF_INET6 : AF_INET, fam ? (void *)&y6 : (void *)&y, sy,
				sizeof(sy));
		const char *ip = fam ? "ip6" : "ip";
		v = brig_appendf(buf, len,
				 "iifname \"%s\" oifname \"%s\" %s saddr %s %s daddr %s accept\n"
				 "iifname \"%s\" oifname \"%s\" %s saddr %s %s daddr %s accept\n",
				 b, b, ip, sx, ip, sy, b, b, ip, sy, ip, sx);
	}
	return v;
}

static int one_net(int netsfd, const struct net_rec *r, char **buf, size_t *len, struct brig_err *e)
{
	_cleanup_json_ json_t *links = NULL, *leases = NULL;
	int x;
	if ((x = net_links_load(netsfd, r->id, &links, e)) < 0 || !json_object_size(links) ||
	    (x = net_leases_load(netsfd, r->id, &leases, e)) < 0)
		return x;
	const char *ctr, *t;
	json_t *targets, *v;
	json_object_foreach(links, ctr, targets)
	{
		struct in_addr a, b;
		if (!eng_id_valid(ctr) || net_lease_of(leases, ctr, &a) < 0)
			continue;
		json_object_foreach(targets, t, v)
		{
			if (eng_id_valid(t) && net_lease_of(leases, t, &b) == 0 &&
			    pair(buf, len, r, a, b) < 0)
				return brig_err_oom(e);
		}
	}
	return 0;
}

int net_link_rules(int netsfd, const struct net_rec *all, size_t n, const bool *live, char **buf,
		   size_t *len, struct brig_err *e)
{
	int x = brig_appendf(buf, len, "%s", "") < 0 ? brig_err_oom(e) : 0;
	for (size_t i = 0; x == 0 && i < n; i++)
		if (live[i] && !all[i].icc)
			x = one_net(netsfd, &all[i], buf, len, e);
	return x;
}

/* The hosts lines of ctr's links on network r: "IP\tALIAS NAME" (and
 * IPv6's). */
int net_link_hosts(struct eng *g, int netsfd, const struct net_rec *r, const json_t *leases,
		   const char *ctr, char **buf, size_t *len)
{
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_json_ json_t *links = NULL;
	if (r->icc || net_links_load(netsfd, r->id, &links, &e) < 0)
		return 0;
	const char *t;
	json_t *alias;
	int x = 0;
	json_object_foreach(json_object_get(links, ctr), t, alias)
	{
		struct in_addr b;
		char ip[INET6_ADDRSTRLEN];
		const char *al = json_string_value(alias);
		if (!eng_id_valid(t) || !al || !eng_name_valid(al) ||
		    net_lease_of(leases, t, &b) < 0)
			continue;
		_cleanup_close_ int fd = eng_ctr_open(g, t, &e);
		_cleanup_record_ struct eng_record rec = { 0 };
		const char *name = fd >= 0 && eng_record_load(fd, t, &rec, &e) == 0 && rec.name
			? rec.name + (rec.name[0] == '/')
			: "";
		bool also = name[0] && strcmp(name, al) != 0 && eng_name_valid(name);
		struct in6_addr b6;
		net_addr6_of(r, b, &b6);
		for (int fam = 0; x == 0 && fam < (r->ipv6 ? 2 : 1); fam++) {
			(void)inet_ntop(fam ? AF_INET6 : AF_INET, fam ? (void *)&b6 : (void *)&b,
					ip, sizeof(ip));
			x = brig_appendf(buf, len, "%s\t%s%s%s\n", ip, al, also ? " " : "",
					 also ? name : "");
		}
		brig_err_clear(&e);
		if (x < 0)
			break;
	}
	return x;
}
