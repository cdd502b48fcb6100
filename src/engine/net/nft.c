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
 *   and, before the drops, oifname bX ct status dnat accept (a
 *   published port)
 *   then the egress limits (egress.c): iifname bX [ip saddr CTR] ct state
 *   established,related accept; iifname bX [ip saddr CTR] drop
 *   and first of all, the links (links.c): iifname bX oifname bX ip saddr
 *   A ip daddr B accept, both ways
 * input (filter): the egress limits again (nothing new to the host
 * either).
 * guard (filter, prerouting, priority raw): iifname bX ip saddr|daddr
 * 127.0.0.0/8 drop (and ip6 saddr|daddr ::1 on an --ipv6 network), for
 * every network that is not internal.
 * prerouting, output (nat): the published ports (publish.c): output for
 * every one, prerouting for those not on 127.0.0.0/8, each
 *   ip daddr HOST|fib daddr type local tcp dport P dnat ip to CTR:PORT
 *   comment "bX <container>"
 * postrouting (nat): ip saddr SUBNET oifname != bX masquerade (and ip6
 * saddr SUBNET6 ... on an --ipv6 network), and
 * ip saddr 127.0.0.0/8 oifname bX masquerade (a published loopback port),
 * for every network that is not internal. */
#include "engine/net/net-internal.h"
#include "engine/net/nft-shim.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* The libnftables socket without FD_CLOEXEC (libnftables opens it so):
 * marked, so that no program brig executes inherits a netfilter socket
 * opened with brig's privileges. */
static void nft_sock_cloexec(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	while (d && (de = readdir(d))) {
		int fd = atoi(de->d_name), fl, v;
		socklen_t n = sizeof(v);
		if (fd < 3 || fd == dirfd(d) || (fl = fcntl(fd, F_GETFD)) < 0 ||
		    (fl & FD_CLOEXEC) || getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &n) < 0 ||
		    v != AF_NETLINK || getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &n) < 0 ||
		    v != NETLINK_NETFILTER)
			continue;
		(void)fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
	}
	if (d)
		(void)closedir(d);
}

/* One context for the process, made at first use and never freed: the
 * kernel closes its socket when the process ends.  Closing it right after
 * a transaction that removed rules waits for their release (an RCU grace
 * period, 10-15 ms here: the close flushes nf_tables' destroy work); kept,
 * that wait overlaps whatever the process does next (the container's
 * start, brig rm). */
static struct nft_ctx *nft_kept(struct brig_err *e)
{
	static struct nft_ctx *c;
	if (c)
		return c;
	if (eng_nft_load(e) < 0)
		return NULL;
	c = nft_ctx_new(NFT_CTX_DEFAULT);
	if (c && (nft_ctx_buffer_output(c) < 0 || nft_ctx_buffer_error(c) < 0)) {
		nft_ctx_free(c);
		c = NULL;
	}
	if (!c)
		(void)brig_err_oom(e);
	return c;
}

int net_nft_run(const char *cmds, bool json, char **out, struct brig_err *e)
{
	static bool marked;
	struct nft_ctx *c = nft_kept(e);
	if (!c)
		return e->code ? e->code : -ENOMEM;
	nft_ctx_output_set_flags(c, json ? NFT_CTX_OUTPUT_JSON : 0);
	(void)nft_ctx_get_output_buffer(c); /* both emptied */
	(void)nft_ctx_get_error_buffer(c);
	int r = nft_run_cmd_from_buffer(c, cmds);
	if (!marked) {
		nft_sock_cloexec(); /* the socket is open by now */
		marked = true;
	}
	if (r != 0) {
		const char *err = nft_ctx_get_error_buffer(c);
		size_t n = err ? strcspn(err, "\n") : 0;
		return brig_err_set(e, -EIO, "nftables: %.*s", (int)(n > 200 ? 200 : n),
				    n ? err : "refused (no error text)");
	}
	const char *o = nft_ctx_get_output_buffer(c);
	if (out && !(*out = strdup(o ? o : "")))
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
				 "oifname \"%s\" ct status dnat accept\n"
				 "oifname \"%s\" ct state established,related accept\n"
				 "oifname \"%s\" drop\n",
				 b, b, b);
	return x;
}

/* The bridge has route_localnet (hostobj.c) so that a published loopback
 * port can be forwarded to it: nothing from the containers may use it to
 * reach the host's loopback (CVE-2020-8558's hole). */
static int guard_rules(char **buf, size_t *len, const struct net_rec *r)
{
	int x = r->internal ? 0
			    : brig_appendf(buf, len,
					   "iifname \"%s\" ip saddr 127.0.0.0/8 drop\n"
					   "iifname \"%s\" ip daddr 127.0.0.0/8 drop\n",
					   r->bridge, r->bridge);
	/* The kernel drops these itself (RFC 4291); said here as well. */
	if (x == 0 && !r->internal && r->ipv6)
		x = brig_appendf(buf, len,
				 "iifname \"%s\" ip6 saddr ::1 drop\n"
				 "iifname \"%s\" ip6 daddr ::1 drop\n",
				 r->bridge, r->bridge);
	return x;
}

static int nat_rules(char **buf, size_t *len, const struct net_rec *r)
{
	char sub[INET_ADDRSTRLEN];
	if (r->internal)
		return 0;
	(void)inet_ntop(AF_INET, &r->subnet, sub, sizeof(sub));
	int x = brig_appendf(buf, len,
			     "ip saddr %s/%u oifname != \"%s\" masquerade\n"
			     "ip saddr 127.0.0.0/8 oifname \"%s\" masquerade\n",
			     sub, r->plen, r->bridge, r->bridge);
	char sub6[INET6_ADDRSTRLEN];
	if (x < 0 || !r->ipv6)
		return x;
	(void)inet_ntop(AF_INET6, &r->subnet6, sub6, sizeof(sub6));
	return brig_appendf(buf, len, "ip6 saddr %s/%u oifname != \"%s\" masquerade\n", sub6,
			    r->plen6, r->bridge);
}

/* A published port: on 127.0.0.0/8 only for connections made on this
 * host (output); otherwise from outside too (prerouting), where a packet
 * sent to a loopback address is never forwarded. */
/* The same for an IPv6 host address (never ::1: publish.c refuses it);
 * [::] is every address of the host but ::1. */
static int dnat_rule6(char **buf, size_t *len, const struct net_rec *all, const struct net_dnat *d)
{
	char host[INET6_ADDRSTRLEN], ctr[INET6_ADDRSTRLEN], match[96];
	struct in6_addr c6;
	net_addr6_of(&all[d->net], d->ctr_ip, &c6);
	(void)inet_ntop(AF_INET6, &d->p.host6, host, sizeof(host));
	(void)inet_ntop(AF_INET6, &c6, ctr, sizeof(ctr));
	if (IN6_IS_ADDR_UNSPECIFIED(&d->p.host6))
		(void)snprintf(match, sizeof(match),
			       "meta nfproto ipv6 ip6 daddr != ::1 fib daddr type local");
	else
		(void)snprintf(match, sizeof(match), "ip6 daddr %s", host);
	return brig_appendf(buf, len, "%s %s dport %u dnat ip6 to [%s]:%u comment \"%s %s\"\n",
			    match, d->p.udp ? "udp" : "tcp", (unsigned)d->p.host_port, ctr,
			    (unsigned)d->p.port, all[d->net].bridge, d->ctr);
}

int net_nft_dnat_line(char **buf, size_t *len, const struct net_rec *all, const struct net_dnat *d,
		      bool prerouting)
{
	char host[INET_ADDRSTRLEN], ctr[INET_ADDRSTRLEN], match[64];
	if (d->p.v6)
		return all[d->net].ipv6 ? dnat_rule6(buf, len, all, d) : 0;
	bool any = d->p.host.s_addr == htonl(INADDR_ANY);
	bool loop = (ntohl(d->p.host.s_addr) >> 24) == 127;
	if (prerouting && loop)
		return 0;
	(void)inet_ntop(AF_INET, &d->p.host, host, sizeof(host));
	(void)inet_ntop(AF_INET, &d->ctr_ip, ctr, sizeof(ctr));
	if (any)
		(void)snprintf(match, sizeof(match), "%sfib daddr type local",
			       prerouting ? "ip daddr != 127.0.0.0/8 " : "");
	else
		(void)snprintf(match, sizeof(match), "ip daddr %s", host);
	const char *proto = d->p.udp ? "udp" : "tcp";
	return brig_appendf(buf, len, "%s %s dport %u dnat ip to %s:%u comment \"%s %s\"\n", match,
			    proto, (unsigned)d->p.host_port, ctr, (unsigned)d->p.port,
			    all[d->net].bridge, d->ctr);
}

struct table {
	char *buf;
	size_t len;
	const struct net_rec *all;
	size_t n;
	const bool *live;
	const struct net_dnat *dn;
	size_t ndn;
	const char *egress; /* egress.c's rules */
	const char *links; /* links.c's, first in forward */
};

/* A chain: its header, then per live network rules(), or the DNAT rules. */
static int chain(struct table *t, const char *head,
		 int (*rules)(char **, size_t *, const struct net_rec *), int dnat, bool egress)
{
	int x = brig_appendf(&t->buf, &t->len, "chain %s; policy accept;\n%s", head,
			     rules == net_rules ? t->links : "");
	for (size_t i = 0; x == 0 && rules && i < t->n; i++)
		if (t->live[i])
			x = rules(&t->buf, &t->len, &t->all[i]);
	if (x == 0 && egress)
		x = brig_appendf(&t->buf, &t->len, "%s", t->egress);
	for (size_t i = 0; x == 0 && dnat && i < t->ndn; i++)
		x = net_nft_dnat_line(&t->buf, &t->len, t->all, &t->dn[i], dnat == 1);
	return x == 0 ? brig_appendf(&t->buf, &t->len, "}\n") : x;
}

/* fast (flush and refill; when any network is live), else whole (the
 * table made afresh, or deleted); nothing when the kernel's table is
 * fast's already (nft_stamp.c).  With the table the stamp goes: the
 * networks directory is left as it was before the first network. */
static int write_table(int netsfd, bool live, const char *fast, const char *whole,
		       const struct table *t, struct brig_err *e)
{
	struct net_nft_state st;
	bool known = live && net_nft_state(&st) == 0;
	if (known && net_nft_stamp_same(netsfd, &st, fast))
		return 0;
	if (known && net_nft_delta(netsfd, &st, fast, t->all, t->dn, t->ndn) == 0) {
		net_nft_stamp_write(netsfd, &st, fast);
		return 0;
	}
	int x = live ? net_nft_run(fast, false, NULL, e) : -1;
	if (x < 0) {
		brig_err_clear(e);
		x = net_nft_run(whole, false, NULL, e);
	}
	if (x < 0)
		return brig_err_wrap(e, "writing the table inet brig");
	if (known)
		net_nft_stamp_write(netsfd, &st, fast);
	else
		net_nft_stamp_drop(netsfd);
	return 0;
}

int net_nft_sync(int netsfd, const struct net_rec *all, size_t n, const bool *live,
		 struct brig_err *e)
{
	_cleanup_free_ struct net_dnat *dn = NULL;
	_cleanup_free_ char *eg = NULL, *ln = NULL;
	struct table t = { .all = all, .n = n, .live = live };
	size_t nlive = 0, eglen = 0, lnlen = 0;
	int x = net_pub_collect(netsfd, all, n, live, &dn, &t.ndn, e);
	if (x == 0)
		x = net_egress_rules(netsfd, all, n, live, &eg, &eglen, e);
	if (x == 0)
		x = net_link_rules(netsfd, all, n, live, &ln, &lnlen, e);
	if (x < 0)
		return brig_err_wrap(e, "writing the table inet brig");
	t.dn = dn;
	t.egress = eg;
	t.links = ln;
	for (size_t i = 0; i < n; i++)
		nlive += live[i];
	/* The table's rules are flushed and written again: its base chains
	 * stay, since taking a hook away and back costs the kernel RCU grace
	 * periods (tens of ms a start); the whole table is made afresh only
	 * when that fails (a chain of another shape, from an older brig). */
	x = brig_appendf(&t.buf, &t.len, "%s", nlive ? "table inet brig {\n" : "");
	if (x == 0 && nlive)
		x = chain(&t, "guard {\ntype filter hook prerouting priority raw", guard_rules, 0,
			  false);
	if (x == 0 && nlive)
		x = chain(&t, "forward {\ntype filter hook forward priority filter", net_rules, 0,
			  true);
	if (x == 0 && nlive)
		x = chain(&t, "input {\ntype filter hook input priority filter", NULL, 0, true);
	if (x == 0 && nlive)
		x = chain(&t, "prerouting {\ntype nat hook prerouting priority dstnat", NULL, 1,
			  false);
	if (x == 0 && nlive)
		x = chain(&t, "output {\ntype nat hook output priority -100", NULL, 2, false);
	if (x == 0 && nlive)
		x = chain(&t, "postrouting {\ntype nat hook postrouting priority srcnat", nat_rules,
			  0, false);
	if (x == 0 && nlive)
		x = brig_appendf(&t.buf, &t.len, "}\n");
	_cleanup_free_ char *body = t.buf, *fast = NULL, *whole = NULL;
	if (x < 0 || asprintf(&fast, "add table inet brig\nflush table inet brig\n%s", body) < 0 ||
	    asprintf(&whole, "add table inet brig\ndelete table inet brig\n%s", body) < 0)
		return brig_err_oom(e);
	return write_table(netsfd, nlive > 0, fast, whole, &t, e);
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
	if (net_nft_run("list table inet brig", false, &out, &e2) < 0)
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
	return json_pack("{s:s,s:[s,s,s,s,s,s],s:O}", "Table", "inet brig", "Chains", "guard",
			 "forward", "input", "prerouting", "output", "postrouting", "Rules", rules);
}
