/* SPDX-License-Identifier: Apache-2.0 */
/* engine/net: links over rtnetlink: a bridge, a veth pair with one end in a
 * container's network namespace, up and enslaved, isolated bridge ports,
 * removal. */
#include "engine/net/net-internal.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static struct ifinfomsg *ifi_of(struct nlmsghdr *n)
{
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(n);
	ifi->ifi_family = AF_UNSPEC;
	return ifi;
}

static int index_cb(const struct nlmsghdr *n, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(n);
	*(unsigned *)data = (unsigned)ifi->ifi_index;
	return MNL_CB_OK;
}

int net_link_index(struct net_nl *nl, const char *name, unsigned *index, struct brig_err *e)
{
	char buf[NET_NL_BUF], what[64];
	struct nlmsghdr *n = net_nl_msg(nl, buf, RTM_GETLINK, 0, sizeof(struct ifinfomsg));
	(void)ifi_of(n);
	mnl_attr_put_strz(n, IFLA_IFNAME, name);
	*index = 0;
	(void)snprintf(what, sizeof(what), "looking up link %s", name);
	_cleanup_err_ struct brig_err e2 = { 0 };
	int r = net_nl_get(nl, n, index_cb, index, what, &e2);
	if (r == -ENODEV)
		return -ENODEV;
	if (r < 0)
		return brig_err_set(e, r, "%s", brig_err_str(&e2));
	return *index ? 0 : brig_err_set(e, -EPROTO, "%s: no answer", what);
}

int net_bridge_add(struct net_nl *nl, const char *name, struct brig_err *e)
{
	char buf[NET_NL_BUF], what[64];
	struct nlmsghdr *n = net_nl_msg(nl, buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL,
					sizeof(struct ifinfomsg));
	(void)ifi_of(n);
	mnl_attr_put_strz(n, IFLA_IFNAME, name);
	struct nlattr *info = mnl_attr_nest_start(n, IFLA_LINKINFO);
	mnl_attr_put_strz(n, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(n, info);
	(void)snprintf(what, sizeof(what), "creating bridge %s", name);
	return net_nl_talk(nl, n, what, e);
}

int net_link_del(struct net_nl *nl, const char *name, struct brig_err *e)
{
	char buf[NET_NL_BUF], what[64];
	struct nlmsghdr *n = net_nl_msg(nl, buf, RTM_DELLINK, 0, sizeof(struct ifinfomsg));
	(void)ifi_of(n);
	mnl_attr_put_strz(n, IFLA_IFNAME, name);
	(void)snprintf(what, sizeof(what), "removing link %s", name);
	_cleanup_err_ struct brig_err e2 = { 0 };
	int r = net_nl_talk(nl, n, what, &e2);
	if (r == -ENODEV || r == 0)
		return 0;
	return brig_err_set(e, r, "%s", brig_err_str(&e2));
}

int net_veth_add(struct net_nl *nl, const char *host, const char *peer, int nsfd,
		 const uint8_t *mac, unsigned master, struct brig_err *e)
{
	char buf[NET_NL_BUF], what[96];
	struct nlmsghdr *n = net_nl_msg(nl, buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL,
					sizeof(struct ifinfomsg));
	struct ifinfomsg *ifi = ifi_of(n);
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	mnl_attr_put_strz(n, IFLA_IFNAME, host);
	mnl_attr_put_u32(n, IFLA_MASTER, master);
	struct nlattr *info = mnl_attr_nest_start(n, IFLA_LINKINFO);
	mnl_attr_put_strz(n, IFLA_INFO_KIND, "veth");
	struct nlattr *data = mnl_attr_nest_start(n, IFLA_INFO_DATA);
	struct nlattr *p = mnl_attr_nest_start(n, VETH_INFO_PEER);
	struct ifinfomsg *pi = mnl_nlmsg_put_extra_header(n, sizeof(*pi));
	pi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(n, IFLA_IFNAME, peer);
	mnl_attr_put_u32(n, IFLA_NET_NS_FD, (uint32_t)nsfd);
	if (mac)
		mnl_attr_put(n, IFLA_ADDRESS, 6, mac);
	mnl_attr_nest_end(n, p);
	mnl_attr_nest_end(n, data);
	mnl_attr_nest_end(n, info);
	(void)snprintf(what, sizeof(what), "creating veth pair %s (container end %s)", host, peer);
	return net_nl_talk(nl, n, what, e);
}

int net_link_up(struct net_nl *nl, unsigned index, unsigned master, struct brig_err *e)
{
	char buf[NET_NL_BUF], what[64];
	struct nlmsghdr *n = net_nl_msg(nl, buf, RTM_NEWLINK, 0, sizeof(struct ifinfomsg));
	struct ifinfomsg *ifi = ifi_of(n);
	ifi->ifi_index = (int)index;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	if (master)
		mnl_attr_put_u32(n, IFLA_MASTER, master);
	(void)snprintf(what, sizeof(what), "setting link %u up", index);
	return net_nl_talk(nl, n, what, e);
}

int net_brport_isolate(struct net_nl *nl, unsigned index, struct brig_err *e)
{
	char buf[NET_NL_BUF], what[64];
	struct nlmsghdr *n = net_nl_msg(nl, buf, RTM_SETLINK, 0, sizeof(struct ifinfomsg));
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(n);
	ifi->ifi_family = AF_BRIDGE;
	ifi->ifi_index = (int)index;
	struct nlattr *pi = mnl_attr_nest_start(n, IFLA_PROTINFO);
	mnl_attr_put_u8(n, IFLA_BRPORT_ISOLATED, 1);
	mnl_attr_nest_end(n, pi);
	(void)snprintf(what, sizeof(what), "isolating bridge port %u", index);
	return net_nl_talk(nl, n, what, e);
}
