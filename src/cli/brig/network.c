/* SPDX-License-Identifier: Apache-2.0 */
/* brig network create|ls|inspect|rm|prune|connect|disconnect (engine/net/net.h,
 * docs/network.md). */
#include "cli/brig/brig-internal.h"
#include "engine/net/net.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

int brig_cmd_network_create(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = {
		OPT_MULTI("subnet", 0, "CIDR",
			  "the IPv4 subnet (default: a free 10.89.N.0/24); with --ipv6 also an "
			  "IPv6 one (default: a random fdxx::/64)"),
		OPT_VALUE("gateway", 0, "IP", "the bridge's address (default: the subnet's first)"),
		OPT_FLAG("internal", 0, "no route out of the network, no masquerade"),
		OPT_FLAG("icc", 0, "let the network's containers reach each other"),
		OPT_FLAG("ipv6", 0, "containers get an IPv6 address as well"),
		OPT_VALUE("driver", 'd', "DRIVER", "bridge (the only one)"),
		OPT_MULTI("opt", 'o', "KEY=VALUE",
			  "egress=none: nothing leaves the bridge but answers (default: all)"),
		{ 0 }
	};
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = brig_parse("network create", "NAME", o, argc, argv, &pos, &npos, 1, 1);
	if (p <= 0)
		return opts_free(o), p == 0 ? 0 : BRIG_EXIT_FAIL;
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_eng_ struct eng *eng = NULL;
	_cleanup_json_ json_t *doc = NULL;
	const char *driver = opts_find(o, "driver")->value;
	struct eng_net_create_opts c = { .name = pos[0],
					 .gateway = opts_find(o, "gateway")->value,
					 .internal = opts_find(o, "internal")->set,
					 .icc = opts_find(o, "icc")->set,
					 .ipv6 = opts_find(o, "ipv6")->set };
	int r = 0;
	struct opt *sub = opts_find(o, "subnet");
	for (size_t i = 0; r == 0 && i < sub->n; i++) {
		const char **slot = strchr(sub->list[i], ':') ? &c.subnet6 : &c.subnet;
		if (*slot)
			r = brig_err_set(&e, -EINVAL,
					 "--subnet: one IPv4 and one IPv6 subnet at most");
		*slot = sub->list[i];
	}
	if (driver && strcmp(driver, "bridge") != 0)
		r = brig_err_set(&e, -EINVAL, "--driver \"%.64s\": only \"bridge\" exists", driver);
	struct opt *kv = opts_find(o, "opt");
	for (size_t i = 0; r == 0 && i < kv->n; i++) {
		if (strcmp(kv->list[i], "egress=none") == 0)
			c.egress_none = true;
		else if (strcmp(kv->list[i], "egress=all") != 0)
			r = brig_err_set(&e, -EINVAL,
					 "-o \"%.64s\": brig knows egress=none and egress=all only",
					 kv->list[i]);
	}
	if (r == 0)
		r = brig_engine_open(g, &eng, &e);
	if (r == 0)
		r = eng_network_create(eng, &c, &doc, &e);
	if (r == 0)
		printf("%s\n", jstr(doc, "Id"));
	opts_free(o);
	return r < 0 ? brig_fail(&e) : 0;
}

static int no_filters(const struct opt *filters, struct brig_err *e)
{
	return filters->n ? brig_err_set(e, -EINVAL, "--filter is not supported here") : 0;
}

/* One row: Docker's keys (IPv6 too), brig's IPv4 Subnet and Gateway, the
 * IPv6 ones of an --ipv6 network (else ""), and Subnets, both subnets
 * joined by a comma: the SUBNET column. */
static json_t *ls_row(const json_t *net)
{
	char id[13], both[128];
	const json_t *cfgs = json_object_get(json_object_get(net, "IPAM"), "Config");
	const json_t *cfg = json_array_get(cfgs, 0), *cfg6 = json_array_get(cfgs, 1);
	(void)snprintf(id, sizeof(id), "%.12s", jstr(net, "Id"));
	(void)snprintf(both, sizeof(both), "%.60s%s%.60s", jstr(cfg, "Subnet"), cfg6 ? "," : "",
		       jstr(cfg6, "Subnet"));
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:s,s:s,s:s,s:b,s:b,s:s}", "ID", id, "Name",
			 jstr(net, "Name"), "Driver", "bridge", "Scope", "local", "Subnet",
			 jstr(cfg, "Subnet"), "Gateway", jstr(cfg, "Gateway"), "IPv6",
			 json_is_true(json_object_get(net, "EnableIPv6")), "Subnet6",
			 jstr(cfg6, "Subnet"), "Gateway6", jstr(cfg6, "Gateway"), "Subnets", both,
			 "Internal", json_is_true(json_object_get(net, "Internal")), "ICC",
			 json_is_true(json_object_get(json_object_get(net, "Brig"), "ICC")),
			 "CreatedAt", jstr(net, "Created"));
}

static const struct table_col ls_cols[] = {
	{ "NETWORK ID", 12 }, { "NAME", 16 }, { "DRIVER", 8 }, { "SCOPE", 6 }, { "SUBNET", 0 }
};
static const char *const ls_keys[] = { "ID", "Name", "Driver", "Scope", "Subnets" };
static const struct brig_listing ls_listing = { ls_cols, ls_keys, BRIG_ARRAY_SIZE(ls_cols), 0,
						"ID" };

static int ls_rows(struct eng *eng, struct opt *o, json_t *rows, struct brig_err *e)
{
	(void)o;
	_cleanup_json_ json_t *all = NULL;
	int r = eng_network_list(eng, &all, e);
	if (r < 0)
		return r;
	size_t i;
	json_t *net;
	json_array_foreach(all, i, net)
	{
		json_t *row = ls_row(net);
		if (!row || json_array_append_new(rows, row) < 0)
			return brig_err_set(e, -ENOMEM, "out of memory");
	}
	return 0;
}

int brig_cmd_network_ls(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = { OPT_FLAG("quiet", 'q', "only the ids"),
			   OPT_MULTI("filter", 'f', "FILTER", "not supported (refused)"),
			   OPT_VALUE("format", 0, "FORMAT",
				     "table, json (one object a line) or a Go template"),
			   { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = brig_parse("network ls", "", o, argc, argv, &pos, &npos, 0, 0);
	if (p <= 0)
		return opts_free(o), p == 0 ? 0 : BRIG_EXIT_FAIL;
	static const struct brig_lister lister = { no_filters, ls_rows, &ls_listing };
	int rc = brig_list(g, o, &lister);
	opts_free(o);
	return rc;
}

int brig_cmd_network_inspect(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = { OPT_VALUE("format", 'f', "FORMAT",
				     "json, or a Go template applied to each network"),
			   { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = brig_parse("network inspect", "NETWORK...", o, argc, argv, &pos, &npos, 1,
			   SIZE_MAX);
	if (p <= 0)
		return opts_free(o), p == 0 ? 0 : BRIG_EXIT_FAIL;
	int rc = brig_inspect_each(g, pos, npos, opts_find(o, "format")->value,
				   eng_network_inspect);
	opts_free(o);
	return rc;
}

int brig_cmd_network_rm(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = { OPT_FLAG("force", 'f', "no error for a network that does not exist"),
			   { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = brig_parse("network rm", "NETWORK...", o, argc, argv, &pos, &npos, 1, SIZE_MAX);
	bool force = o[0].set;
	opts_free(o);
	if (p <= 0)
		return p == 0 ? 0 : BRIG_EXIT_FAIL;
	return brig_remove_each(g, pos, npos, force, eng_network_remove);
}

int brig_cmd_network_prune(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = { OPT_FLAG("force", 'f', "do not ask for confirmation"), { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = brig_parse("network prune", "", o, argc, argv, &pos, &npos, 0, 0);
	bool force = o[0].set;
	opts_free(o);
	if (p <= 0)
		return p == 0 ? 0 : BRIG_EXIT_FAIL;
	int ok = brig_confirm("network prune",
			      "This will remove all custom networks not used by at least one "
			      "container.",
			      force);
	if (ok <= 0)
		return ok < 0 ? 1 : 0;
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_eng_ struct eng *eng = NULL;
	_cleanup_json_ json_t *removed = NULL;
	if (brig_engine_open(g, &eng, &e) < 0 || eng_network_prune(eng, &removed, &e) < 0)
		return brig_fail(&e);
	size_t i;
	json_t *v;
	if (json_array_size(removed))
		printf("Deleted Networks:\n");
	json_array_foreach(removed, i, v)
	{
		printf("%s\n", json_string_value(v));
	}
	return 0;
}

/* connect and disconnect: NETWORK CONTAINER. */
static int connect_cmd(const struct brig_global *g, const char *name, struct opt *o, int argc,
		       char **argv, bool disconnect)
{
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = brig_parse(name, "NETWORK CONTAINER", o, argc, argv, &pos, &npos, 2, 2);
	if (p <= 0)
		return opts_free(o), p == 0 ? 0 : BRIG_EXIT_FAIL;
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_eng_ struct eng *eng = NULL;
	struct opt *al = disconnect ? NULL : opts_find(o, "alias");
	struct opt *ln = disconnect ? NULL : opts_find(o, "link");
	_cleanup_free_ const char **aliases = calloc((al ? al->n : 0) + 1, sizeof(char *));
	_cleanup_free_ const char **links = calloc((ln ? ln->n : 0) + 1, sizeof(char *));
	struct eng_net_connect_opts c = { .network = pos[0],
					  .container = pos[1],
					  .ip = disconnect ? NULL : opts_find(o, "ip")->value,
					  .aliases = aliases,
					  .links = links,
					  .disconnect = disconnect,
					  .force = disconnect && opts_find(o, "force")->set };
	int r = aliases && links ? 0 : brig_err_oom(&e);
	for (size_t i = 0; r == 0 && al && i < al->n; i++)
		aliases[i] = al->list[i];
	for (size_t i = 0; r == 0 && ln && i < ln->n; i++)
		links[i] = ln->list[i];
	if (r == 0)
		r = brig_engine_open(g, &eng, &e);
	if (r == 0)
		r = eng_network_connect(eng, &c, &e);
	opts_free(o);
	return r < 0 ? brig_fail(&e) : 0;
}

int brig_cmd_network_connect(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = { OPT_VALUE("ip", 0, "IPv4", "the container's address on the network"),
			   OPT_MULTI("alias", 0, "NAME",
				     "another name of the container for its peers there"),
			   OPT_MULTI("link", 0, "NAME[:ALIAS]",
				     "a container this one may reach (and be reached by) on the "
				     "network, named ALIAS in its /etc/hosts"),
			   { 0 } };
	return connect_cmd(g, "network connect", o, argc, argv, false);
}

int brig_cmd_network_disconnect(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = { OPT_FLAG("force", 'f',
				    "also drop the lease of a container that no longer exists"),
			   { 0 } };
	return connect_cmd(g, "network disconnect", o, argc, argv, true);
}
