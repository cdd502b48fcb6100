/* SPDX-License-Identifier: Apache-2.0 */
/* engine/net: egress limits.  A network made with -o egress=none, or a
 * container made with --egress none, sends nothing out of the bridge but
 * answers (to its published ports) and traffic to its peers on the bridge
 * (nft.c).  The containers with a limit are listed per network in
 * ROOT/networks/<id>/egress.json ({"<container id>": "none"}), written
 * when the container joins the network and dropped when it leaves, so the
 * table is made from the networks' directories alone. */
#include "engine/net/net-internal.h"
#include "engine/engine-internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define EGRESS "egress.json"

int net_egress_set(int netsfd, const char *netid, const char *ctr, bool none, bool *changed,
		   struct brig_err *e)
{
	_cleanup_json_ json_t *eg = NULL;
	int x = net_obj_load(netsfd, netid, EGRESS, &eg, e);
	if (x < 0 || none == (json_object_get(eg, ctr) != NULL))
		return x;
	*changed = true;
	if (none ? json_object_set_new(eg, ctr, json_string("none")) < 0
		 : json_object_del(eg, ctr) < 0)
		return brig_err_oom(e);
	return net_obj_write(netsfd, netid, EGRESS, eg, true, e);
}

int net_egress_load(int netsfd, const char *netid, json_t **out, struct brig_err *e)
{
	return net_obj_load(netsfd, netid, EGRESS, out, e);
}

/* The rules for the sources sel ("" for the whole bridge, "ip saddr A "
 * for one container): answers go, nothing new does. */
static int limit(char **buf, size_t *len, const char *bridge, const char *sel)
{
	return brig_appendf(buf, len,
			    "iifname \"%s\" %sct state established,related accept\n"
			    "iifname \"%s\" %sdrop\n",
			    bridge, sel, bridge, sel);
}

static int one_net(int netsfd, const struct net_rec *r, char **buf, size_t *len, struct brig_err *e)
{
	if (r->egress_none)
		return limit(buf, len, r->bridge, "") < 0 ? brig_err_oom(e) : 0;
	_cleanup_json_ json_t *eg = NULL, *leases = NULL;
	int x;
	if ((x = net_egress_load(netsfd, r->id, &eg, e)) < 0 || !json_object_size(eg) ||
	    (x = net_leases_load(netsfd, r->id, &leases, e)) < 0)
		return x;
	const char *ctr;
	json_t *v;
	json_object_foreach(eg, ctr, v)
	{
		struct in_addr a;
		struct in6_addr six;
		char sel[INET6_ADDRSTRLEN + 16], txt[INET6_ADDRSTRLEN];
		if (!eng_id_valid(ctr) || net_lease_of(leases, ctr, &a) < 0)
			continue;
		(void)snprintf(sel, sizeof(sel), "ip saddr %s ", inet_ntoa(a));
		if (limit(buf, len, r->bridge, sel) < 0)
			return brig_err_oom(e);
		if (!r->ipv6)
			continue;
		net_addr6_of(r, a, &six);
		(void)inet_ntop(AF_INET6, &six, txt, sizeof(txt));
		(void)snprintf(sel, sizeof(sel), "ip6 saddr %s ", txt);
		if (limit(buf, len, r->bridge, sel) < 0)
			return brig_err_oom(e);
	}
	return 0;
}

int net_egress_rules(int netsfd, const struct net_rec *all, size_t n, const bool *live, char **buf,
		     size_t *len, struct brig_err *e)
{
	int x = brig_appendf(buf, len, "%s", "") < 0 ? brig_err_oom(e) : 0;
	for (size_t i = 0; x == 0 && i < n; i++)
		if (live[i] && !all[i].internal)
			x = one_net(netsfd, &all[i], buf, len, e);
	return x;
}
