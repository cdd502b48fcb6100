/* SPDX-License-Identifier: Apache-2.0 */
/* engine/net: brig's own nftables table, `inet brig`, written whole from the
 * network records in one transaction (libnftables): made with the first
 * network that has a bridge, replaced at each change, deleted with the
 * last.  It holds nothing else, so it is always exactly what the records
 * say, whatever crashed before.
 *
 * forward (filter): per network X with bridge bX, in this order
 *   iifname bX oifname bX accept|drop      --icc, or not (traffic routed
 *                                          back through the gateway;
 *                                          bridged traffic is stopped by
 *                                          port isolation, hostobj.c)
 *   --internal:  iifname bX drop; oifname bX drop
 *   otherwise:   oifname bX ct state established,related accept;
 *                oifname bX drop           (nothing new comes in, not
 *                                          from another network either)
 * postrouting (nat): ip saddr SUBNET oifname != bX masquerade, for every
 * network that is not internal. */
#include "engine/net/net-internal.h"
#include "engine/net/nft-shim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void nft_freep(struct nft_ctx **c)
{
	if (*c)
		nft_ctx_free(*c);
}

static int nft_run(const char *cmds, bool json, char **out, struct brig_err *e)
{
	int lr = eng_nft_load(e);
	if (lr < 0)
		return lr;
	__attribute__((cleanup(nft_freep))) struct nft_ctx *c = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!c)
		return brig_err_oom(e);
	if (nft_ctx_buffer_output(c) < 0 || nft_ctx_buffer_error(c) < 0)
		return brig_err_oom(e);
	if (json)
		nft_ctx_output_set_flags(c, NFT_CTX_OUTPUT_JSON);
	if (nft_run_cmd_from_buffer(c, cmds) != 0) {
		const char *err = nft_ctx_get_error_buffer(c);
		size_t n = err ? strcspn(err, "\n") : 0;
		return brig_err_set(e, -EIO, "nftables: %.*s", (int)(n > 200 ? 200 : n),
				    n ? err : "refused (no error text)");
	}
	if (out && !(*out = strdup(nft_ctx_get_output_buffer(c))))
		return brig_err_oom(e);
	return 0;
}

static int net_rules(char **buf, size_t *len, const struct net_rec *r)
{
	const char *b = r->bridge;
	int x = brig_appendf(buf, len, "iifname \"%s\" oifname \"%s\" %s\n", b, b,
			     r->icc ? "accept" : "drop");
	if (x == 0 && r->internal)
		x = brig_appendf(buf, len, "iifname \"%s\" drop\noifname \"%s\" drop\n", b, b);
	else if (x == 0)
		x = brig_appendf(buf, len,
				 "oifname \"%s\" ct state established,related accept\n"
				 "oifname \"%s\" drop\n",
				 b, b);
	return x;
}

static int nat_rules(char **buf, size_t *len, const struct net_rec *r)
{
	char sub[INET_ADDRSTRLEN];
	if (r->internal)
		return 0;
	(void)inet_ntop(AF_INET, &r->subnet, sub, sizeof(sub));
	return brig_appendf(buf, len, "ip saddr %s/%u oifname != \"%s\" masquerade\n", sub, r->plen,
			    r->bridge);
}

int net_nft_sync(const struct net_rec *all, size_t n, const bool *live, struct brig_err *e)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, nlive = 0;
	int x = brig_appendf(&buf, &len, "add table inet brig\ndelete table inet brig\n");
	for (size_t i = 0; i < n; i++)
		nlive += live[i];
	if (x == 0 && nlive)
		x = brig_appendf(&buf, &len,
				 "table inet brig {\nchain forward {\n"
				 "type filter hook forward priority filter; policy accept;\n");
	for (size_t i = 0; x == 0 && i < n; i++)
		if (live[i])
			x = net_rules(&buf, &len, &all[i]);
	if (x == 0 && nlive)
		x = brig_appendf(&buf, &len,
				 "}\nchain postrouting {\n"
				 "type nat hook postrouting priority srcnat; policy accept;\n");
	for (size_t i = 0; x == 0 && i < n; i++)
		if (live[i])
			x = nat_rules(&buf, &len, &all[i]);
	if (x == 0 && nlive)
		x = brig_appendf(&buf, &len, "}\n}\n");
	if (x < 0)
		return brig_err_oom(e);
	x = nft_run(buf, false, NULL, e);
	return x < 0 ? brig_err_wrap(e, "writing the table inet brig") : 0;
}

/* A line of the listing that belongs to the network: it names its bridge
 * (every rule of a network does). */
static int add_line(json_t *rules, const char *chain, const char *line, size_t n)
{
	char buf[512];
	while (n && (*line == '\t' || *line == ' '))
		line++, n--;
	(void)snprintf(buf, sizeof(buf), "%s: %.*s", chain, (int)n, line);
	return json_array_append_new(rules, json_string(buf));
}

json_t *net_nft_list(const char *bridge, struct brig_err *e)
{
	_cleanup_free_ char *out = NULL;
	_cleanup_err_ struct brig_err e2 = { 0 };
	if (nft_run("list table inet brig", false, &out, &e2) < 0)
		return json_null(); /* no such table */
	_cleanup_json_ json_t *rules = json_array();
	char chain[64] = "";
	if (!rules)
		return brig_err_oom(e), NULL;
	for (char *p = out, *nl; *p; p = nl + (*nl != 0)) {
		nl = p + strcspn(p, "\n");
		size_t n = (size_t)(nl - p);
		const char *c = memmem(p, n, "chain ", 6);
		if (c && n > 2 && p[n - 1] == '{')
			(void)snprintf(chain, sizeof(chain), "%.*s", (int)(p + n - 2 - (c + 6)),
				       c + 6);
		else if (memmem(p, n, bridge, strlen(bridge)) && add_line(rules, chain, p, n) < 0)
			return brig_err_oom(e), NULL;
	}
	return json_pack("{s:s,s:[s,s],s:O}", "Table", "inet brig", "Chains", "forward",
			 "postrouting", "Rules", rules);
}
