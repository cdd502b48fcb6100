/* SPDX-License-Identifier: Apache-2.0 */
/* run/create: --network, --ip, --mac-address, --add-host, --dns*, --network-alias, --egress,
 * -p, -P, --expose. */
#include "cli/brig/brig-internal.h"
#include "cli/brig/netopts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* NULL when the option was not given (the engine then uses its default). */
static int copy_list(struct opt *o, const char *name, char ***out, struct brig_err *e)
{
	struct opt *x = opts_find(o, name);
	if (!x->n)
		return 0;
	if (!(*out = calloc(x->n + 1, sizeof(char *))))
		return brig_err_oom(e);
	for (size_t i = 0; i < x->n; i++)
		if (!((*out)[i] = strdup(x->list[i])))
			return brig_err_oom(e);
	return 0;
}

static int ports(struct opt *o, struct eng_netcfg *n, struct brig_err *e)
{
	struct opt *p = opts_find(o, "publish");
	if (p->n && !(n->ports = calloc(p->n, sizeof(*n->ports))))
		return brig_err_oom(e);
	for (size_t i = 0; i < p->n; i++) {
		int r = eng_port_parse(p->list[i], &n->ports[i], e);
		if (r < 0)
			return brig_err_wrap(e, "-p");
		n->n_ports++;
		const char *ip = n->ports[i].ip;
		if (strcmp(ip, "0.0.0.0") == 0 || strcmp(ip, "::") == 0)
			fprintf(stderr,
				"brig: notice: -p %s publishes the port on every address of this "
				"host, not only on 127.0.0.1\n",
				p->list[i]);
	}
	int r = copy_list(o, "expose", &n->expose, e);
	for (char **x = n->expose; r == 0 && x && *x; x++) {
		struct eng_port tmp;
		if ((r = eng_expose_parse(*x, &tmp, e)) < 0)
			return brig_err_wrap(e, "--expose");
	}
	if (r < 0)
		return r;
	n->publish_all = opts_find(o, "publish-all")->set;
	return 0;
}

int brig_net_opts(struct opt *o, struct eng_netcfg *n, struct brig_err *e)
{
	*n = (struct eng_netcfg){ 0 };
	int r = eng_net_mode_parse(opts_find(o, "network")->value, &n->mode, n->target,
				   sizeof(n->target), e);
	const char *ip = opts_find(o, "ip")->value, *mac = opts_find(o, "mac-address")->value;
	const char *egress = opts_find(o, "egress")->value;
	if (r == 0 && egress && strcmp(egress, "none") != 0 && strcmp(egress, "all") != 0)
		r = brig_err_set(e, -EINVAL, "--egress \"%.64s\": none or all", egress);
	n->egress_none = egress && strcmp(egress, "none") == 0;
	if (r == 0 && ip && brig_snprintf(n->ip, sizeof(n->ip), "%s", ip) < 0)
		r = brig_err_set(e, -EINVAL, "--ip \"%.64s\": not an IPv4 address", ip);
	if (r == 0 && mac && brig_snprintf(n->mac, sizeof(n->mac), "%s", mac) < 0)
		r = brig_err_set(e, -EINVAL, "--mac-address \"%.64s\": not a MAC address", mac);
	if (r < 0 || (r = copy_list(o, "add-host", &n->add_hosts, e)) < 0 ||
	    (r = copy_list(o, "dns", &n->dns, e)) < 0 ||
	    (r = copy_list(o, "dns-search", &n->dns_search, e)) < 0 ||
	    (r = copy_list(o, "dns-option", &n->dns_options, e)) < 0 ||
	    (r = copy_list(o, "network-alias", &n->aliases, e)) < 0 ||
	    (r = copy_list(o, "link", &n->links, e)) < 0 || (r = ports(o, n, e)) < 0 ||
	    (r = eng_netcfg_check(n, e)) < 0)
		return r;
	if (n->mode == ENG_NET_HOST)
		fputs("brig: WARNING: --network host: this container shares the host's network "
		      "stack (its interfaces, ports and loopback services); it is not isolated\n",
		      stderr);
	return 0;
}
