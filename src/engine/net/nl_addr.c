/* SPDX-License-Identifier: Apache-2.0 */
/* engine/net: IPv4 and IPv6 addresses and routes over rtnetlink: an address on a
 * link, the default route, the host's routes a new subnet must not
 * overlap, a link's addresses for `network inspect`. */
#include "engine/net/net-internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

int net_addr_add(struct net_nl *nl, unsigned index, struct in_addr a, unsigned plen,
		 struct brig_err *e)
{
	char buf[NET_NL_BUF], what[96], txt[INET_ADDRSTRLEN];
	struct nlmsghdr *n = net_nl_msg(nl, buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE,
					sizeof(struct ifaddrmsg));
	struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(n);
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (unsigned char)plen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = index;
	struct in_addr brd = { .s_addr = a.s_addr | htonl(~net_mask(plen)) };
	mnl_attr_put(n, IFA_LOCAL, sizeof(a), &a);
	mnl_attr_put(n, IFA_ADDRESS, sizeof(a), &a);
	if (plen < 31)
		mnl_attr_put(n, IFA_BROADCAST, sizeof(brd), &brd);
	(void)inet_ntop(AF_INET, &a, txt, sizeof(txt));
	(void)snprintf(what, sizeof(what), "adding address %s/%u to link %u", txt, plen, index);
	return net_nl_talk(nl, n, what, e);
}

int net_route_default(struct net_nl *nl, struct in_addr gw, struct brig_err *e)
{
	char buf[NET_NL_BUF], what[96], txt[INET_ADDRSTRLEN];
	struct nlmsghdr *n = net_nl_msg(nl, buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL,
					sizeof(struct rtmsg));
	struct rtmsg *rt = mnl_nlmsg_get_payload(n);
	rt->rtm_family = AF_INET;
	rt->rtm_table = RT_TABLE_MAIN;
	rt->rtm_protocol = RTPROT_BOOT;
	rt->rtm_scope = RT_SCOPE_UNIVERSE;
	rt->rtm_type = RTN_UNICAST;
	mnl_attr_put(n, RTA_GATEWAY, sizeof(gw), &gw);
	(void)inet_ntop(AF_INET, &gw, txt, sizeof(txt));
	(void)snprintf(what, sizeof(what), "adding the default route via %s", txt);
	return net_nl_talk(nl, n, what, e);
}

int net_addr_add6(struct net_nl *nl, unsigned index, const struct in6_addr *a, unsigned plen,
		  struct brig_err *e)
{
	char buf[NET_NL_BUF], what[96], txt[INET6_ADDRSTRLEN];
	struct nlmsghdr *n = net_nl_msg(nl, buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE,
					sizeof(struct ifaddrmsg));
	struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(n);
	ifa->ifa_family = AF_INET6;
	ifa->ifa_prefixlen = (unsigned char)plen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = index;
	/* Without it the address is tentative for a second or more: nothing
	 * could connect to a container that just started. */
	ifa->ifa_flags = IFA_F_NODAD;
	mnl_attr_put(n, IFA_LOCAL, sizeof(*a), a);
	mnl_attr_put(n, IFA_ADDRESS, sizeof(*a), a);
	mnl_attr_put_u32(n, IFA_FLAGS, IFA_F_NODAD);
	(void)inet_ntop(AF_INET6, a, txt, sizeof(txt));
	(void)snprintf(what, sizeof(what), "adding address %s/%u to link %u", txt, plen, index);
	return net_nl_talk(nl, n, what, e);
}

int net_route_default6(struct net_nl *nl, const struct in6_addr *gw, struct brig_err *e)
{
	char buf[NET_NL_BUF], what[96], txt[INET6_ADDRSTRLEN];
	struct nlmsghdr *n = net_nl_msg(nl, buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL,
					sizeof(struct rtmsg));
	struct rtmsg *rt = mnl_nlmsg_get_payload(n);
	rt->rtm_family = AF_INET6;
	rt->rtm_table = RT_TABLE_MAIN;
	rt->rtm_protocol = RTPROT_BOOT;
	rt->rtm_scope = RT_SCOPE_UNIVERSE;
	rt->rtm_type = RTN_UNICAST;
	mnl_attr_put(n, RTA_GATEWAY, sizeof(*gw), gw);
	(void)inet_ntop(AF_INET6, gw, txt, sizeof(txt));
	(void)snprintf(what, sizeof(what), "adding the IPv6 default route via %s", txt);
	return net_nl_talk(nl, n, what, e);
}

int net_neigh_proxy6(struct net_nl *nl, unsigned index, const struct in6_addr *a, bool add,
		     struct brig_err *e)
{
	char buf[NET_NL_BUF], what[96], txt[INET6_ADDRSTRLEN];
	struct nlmsghdr *n = net_nl_msg(nl, buf, add ? RTM_NEWNEIGH : RTM_DELNEIGH,
					add ? NLM_F_CREATE | NLM_F_REPLACE : 0,
					sizeof(struct ndmsg));
	struct ndmsg *nd = mnl_nlmsg_get_payload(n);
	nd->ndm_family = AF_INET6;
	nd->ndm_ifindex = (int)index;
	nd->ndm_flags = NTF_PROXY;
	nd->ndm_state = NUD_PERMANENT;
	mnl_attr_put(n, NDA_DST, sizeof(*a), a);
	(void)inet_ntop(AF_INET6, a, txt, sizeof(txt));
	(void)snprintf(what, sizeof(what), "%s the proxy NDP entry of %s on link %u",
		       add ? "adding" : "removing", txt, index);
	_cleanup_err_ struct brig_err e2 = { 0 };
	int r = net_nl_talk(nl, n, what, &e2);
	if (r == 0 || (!add && r == -ENOENT))
		return 0;
	return brig_err_set(e, r, "%s", brig_err_str(&e2));
}

struct overlap {
	struct in_addr net;
	struct in6_addr net6;
	unsigned plen;
	char *hit;
	int family;
};

/* An IPv6 route of the main table with a prefix; link-local and
 * multicast ones are every host's, never a clash with a ULA. */
static bool overlap6(struct overlap *o, const struct rtmsg *rt, const struct nlattr *a)
{
	struct in6_addr dst;
	char txt[INET6_ADDRSTRLEN];
	if (mnl_attr_get_payload_len(a) != 16)
		return false;
	memcpy(&dst, mnl_attr_get_payload(a), 16);
	if (IN6_IS_ADDR_LINKLOCAL(&dst) || IN6_IS_ADDR_MULTICAST(&dst) ||
	    !net_overlap6(&dst, rt->rtm_dst_len, &o->net6, o->plen))
		return false;
	(void)inet_ntop(AF_INET6, &dst, txt, sizeof(txt));
	(void)snprintf(o->hit, 64, "%s/%u", txt, rt->rtm_dst_len);
	return true;
}

static int route_cb(const struct nlmsghdr *n, void *data)
{
	struct overlap *o = data;
	const struct rtmsg *rt = mnl_nlmsg_get_payload(n);
	if (o->hit[0] || rt->rtm_family != o->family || rt->rtm_dst_len == 0 ||
	    rt->rtm_table != RT_TABLE_MAIN || rt->rtm_type != RTN_UNICAST)
		return MNL_CB_OK;
	const struct nlattr *a;
	mnl_attr_for_each(a, n, sizeof(*rt))
	{
		if (mnl_attr_get_type(a) != RTA_DST)
			continue;
		if (o->family == AF_INET6) {
			(void)overlap6(o, rt, a);
			continue;
		}
		if (mnl_attr_get_payload_len(a) != 4)
			continue;
		struct in_addr dst;
		memcpy(&dst, mnl_attr_get_payload(a), 4);
		if (!net_overlap(dst, rt->rtm_dst_len, o->net, o->plen))
			continue;
		char txt[INET_ADDRSTRLEN];
		(void)inet_ntop(AF_INET, &dst, txt, sizeof(txt));
		(void)snprintf(o->hit, 32, "%s/%u", txt, rt->rtm_dst_len);
	}
	return MNL_CB_OK;
}

int net_route_overlap(struct net_nl *nl, struct in_addr net, unsigned plen, char *hit,
		      struct brig_err *e)
{
	char buf[NET_NL_BUF];
	struct nlmsghdr *n = net_nl_msg(nl, buf, RTM_GETROUTE, 0, sizeof(struct rtmsg));
	struct rtmsg *rt = mnl_nlmsg_get_payload(n);
	rt->rtm_family = AF_INET;
	hit[0] = 0;
	struct overlap o = { .net = net, .plen = plen, .hit = hit, .family = AF_INET };
	return net_nl_dump(nl, n, route_cb, &o, "listing the host's routes", e);
}

int net_route_overlap6(struct net_nl *nl, const struct in6_addr *net, unsigned plen, char *hit,
		       struct brig_err *e)
{
	char buf[NET_NL_BUF];
	struct nlmsghdr *n = net_nl_msg(nl, buf, RTM_GETROUTE, 0, sizeof(struct rtmsg));
	struct rtmsg *rt = mnl_nlmsg_get_payload(n);
	rt->rtm_family = AF_INET6;
	hit[0] = 0;
	struct overlap o = { .net6 = *net, .plen = plen, .hit = hit, .family = AF_INET6 };
	return net_nl_dump(nl, n, route_cb, &o, "listing the host's IPv6 routes", e);
}

struct addrs {
	unsigned index;
	json_t *arr;
};

static int addr_cb(const struct nlmsghdr *n, void *data)
{
	struct addrs *s = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(n);
	if (ifa->ifa_index != s->index ||
	    (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6) ||
	    ifa->ifa_scope != RT_SCOPE_UNIVERSE)
		return MNL_CB_OK;
	const struct nlattr *a;
	mnl_attr_for_each(a, n, sizeof(*ifa))
	{
		/* IPv6 addresses have IFA_ADDRESS only */
		int t = mnl_attr_get_type(a);
		if (ifa->ifa_family == AF_INET
			    ? t != IFA_LOCAL || mnl_attr_get_payload_len(a) != 4
			    : t != IFA_ADDRESS || mnl_attr_get_payload_len(a) != 16)
			continue;
		char txt[INET6_ADDRSTRLEN], full[64];
		(void)inet_ntop(ifa->ifa_family, mnl_attr_get_payload(a), txt, sizeof(txt));
		(void)snprintf(full, sizeof(full), "%s/%u", txt, ifa->ifa_prefixlen);
		if (json_array_append_new(s->arr, json_string(full)) < 0)
			return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

int net_addr_list(struct net_nl *nl, unsigned index, json_t *arr, struct brig_err *e)
{
	char buf[NET_NL_BUF];
	struct nlmsghdr *n = net_nl_msg(nl, buf, RTM_GETADDR, 0, sizeof(struct ifaddrmsg));
	struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(n);
	ifa->ifa_family = AF_UNSPEC;
	struct addrs s = { .index = index, .arr = arr };
	return net_nl_dump(nl, n, addr_cb, &s, "listing addresses", e);
}

static int proxy_cb(const struct nlmsghdr *n, void *data)
{
	struct addrs *s = data;
	const struct ndmsg *nd = mnl_nlmsg_get_payload(n);
	if (nd->ndm_ifindex != (int)s->index || nd->ndm_family != AF_INET6 ||
	    !(nd->ndm_flags & NTF_PROXY))
		return MNL_CB_OK;
	const struct nlattr *a;
	mnl_attr_for_each(a, n, sizeof(*nd))
	{
		char txt[INET6_ADDRSTRLEN];
		if (mnl_attr_get_type(a) != NDA_DST || mnl_attr_get_payload_len(a) != 16)
			continue;
		(void)inet_ntop(AF_INET6, mnl_attr_get_payload(a), txt, sizeof(txt));
		if (json_array_append_new(s->arr, json_string(txt)) < 0)
			return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

int net_proxy6_list(struct net_nl *nl, unsigned index, json_t *arr, struct brig_err *e)
{
	char buf[NET_NL_BUF];
	struct nlmsghdr *n = net_nl_msg(nl, buf, RTM_GETNEIGH, 0, sizeof(struct ndmsg));
	struct ndmsg *nd = mnl_nlmsg_get_payload(n);
	nd->ndm_family = AF_INET6;
	nd->ndm_flags = NTF_PROXY; /* the kernel dumps the proxy entries for this */
	struct addrs s = { .index = index, .arr = arr };
	return net_nl_dump(nl, n, proxy_cb, &s, "listing proxy NDP entries", e);
}
