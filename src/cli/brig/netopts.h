/* SPDX-License-Identifier: Apache-2.0 */
/* run/create's network options (netopts.c) and `brig port` (port.c). */
#ifndef BRIG_CLI_BRIG_NETOPTS_H
#define BRIG_CLI_BRIG_NETOPTS_H

#include "cli/opts.h"
#include "engine/netcfg/netcfg.h"

/* clang-format off */
#define NET_OPTS \
	OPT_VALUE("network", 0, "MODE", "none (default), host (NOT isolated), container:NAME|ID, pasta (user-mode: passt), or a network's NAME"), \
	OPT_VALUE("ip", 0, "IPv4", "the container's address on its bridge network (default: the lowest free one)"), \
	OPT_VALUE("mac-address", 0, "MAC", "the MAC address of the container's eth0 on its bridge network"), \
	OPT_MULTI("add-host", 0, "HOST:IP", "a line of /etc/hosts"), \
	OPT_MULTI("dns", 0, "IP", "a resolver for /etc/resolv.conf (default: the host's)"), \
	OPT_MULTI("dns-search", 0, "DOMAIN", "a search domain for /etc/resolv.conf"), \
	OPT_MULTI("dns-option", 0, "OPT", "an option for /etc/resolv.conf"), \
	OPT_MULTI("network-alias", 0, "NAME", "another name of the container for its peers on its network"), \
	OPT_MULTI("link", 0, "NAME[:ALIAS]", "a container this one may reach (and be reached by) on its network, named ALIAS in its /etc/hosts"), \
	OPT_VALUE("egress", 0, "none|all", "none: the container sends nothing out of its bridge networks but answers"), \
	OPT_MULTI("publish", 'p', "[IP:][HOST:]PORT[/PROTO]", "publish a port (IP left out: 127.0.0.1, and ::1 on a bridge)"), \
	OPT_FLAG("publish-all", 'P', "publish every exposed port on 127.0.0.1, each on a free port"), \
	OPT_MULTI("expose", 0, "PORT[/PROTO]", "expose a port or range (published with -P)")
/* clang-format on */

/* The options of NET_OPTS into n (checked; a warning for --network host
 * and a notice for an address open to every interface on stderr). */
int brig_net_opts(struct opt *o, struct eng_netcfg *n, struct brig_err *e);

#endif
