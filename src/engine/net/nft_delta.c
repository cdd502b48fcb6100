/* SPDX-License-Identifier: Apache-2.0 */
/* engine/net: a start or the end of a run that changes only published
 * ports in `inet brig` (issue #13): their DNAT rules added to, or taken
 * from, the kept chains in one small nfnetlink batch (libmnl), instead of
 * the table written whole through libnftables (its load, its cache and
 * the flushed rules: most of the time -p added to a start).
 *
 * Only when the kernel's table is known to be the stamp's commands
 * (nft_stamp.c: same boot, namespace and generation), everything but the
 * rules of the chains prerouting and output is the same in the stamp and
 * in the commands wanted now, and each rule to add is one this file can
 * write: an IPv4 host address (ip daddr A tcp|udp dport P dnat ip to
 * CTR:PORT comment "bX <ctr>", the rule nft(8) makes of that line).  A
 * rule goes by its comment: all of a container's rules of a chain at
 * once.  The batch carries the generation it was computed for
 * (NFNL_BATCH_GENID): any change of the ruleset since, and the kernel
 * refuses it whole.  Anything else, or any refusal: the caller writes the
 * table whole, as always.  The order of the DNAT rules does not matter
 * (each is for one host address and port, never published twice), so the
 * table is then what the commands say. */
#include "engine/net/net-internal.h"

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define MAX_LINES 1024
#define COMMENT_UDATA 0 /* NFTNL_UDATA_RULE_COMMENT */

static const char *const chains[2] = { "prerouting", "output" };

/* The commands split: the lines of the two DNAT chains, and the rest. */
struct split {
	char *rest;
	size_t restlen;
	const char *line[2][MAX_LINES];
	size_t len[2][MAX_LINES], n[2];
};

static int split(char *cmds, struct split *s)
{
	int in = -1, head = 0;
	for (char *p = cmds, *nl; *p; p = nl + 1) {
		if (!(nl = strchr(p, '\n')))
			return -1;
		size_t n = (size_t)(nl - p);
		if (in >= 0 && !head && n == 1 && *p == '}')
			in = -1;
		else if (in >= 0 && !head) {
			if (s->n[in] == MAX_LINES)
				return -1;
			s->line[in][s->n[in]] = p;
			s->len[in][s->n[in]++] = n;
			continue;
		}
		head = 0;
		for (int c = 0; c < 2; c++)
			if (n == 8 + strlen(chains[c]) && strncmp(p, "chain ", 6) == 0 &&
			    strncmp(p + 6, chains[c], n - 8) == 0 &&
			    strncmp(p + n - 2, " {", 2) == 0)
				in = c, head = 1; /* its next line (type, hook) is kept too */
		if (brig_appendf(&s->rest, &s->restlen, "%.*s\n", (int)n, p) < 0)
			return -1;
	}
	return 0;
}

static bool has(const struct split *s, int c, const char *l, size_t n)
{
	for (size_t i = 0; i < s->n[c]; i++)
		if (s->len[c][i] == n && memcmp(s->line[c][i], l, n) == 0)
			return true;
	return false;
}

/* The comment of a DNAT line ("bX <ctr>"), or NULL. */
static const char *comment_of(const char *l, size_t n, size_t *clen)
{
	const char *k = memmem(l, n, "comment \"", 9);
	if (!k || n < 1 || l[n - 1] != '"')
		return NULL;
	k += 9;
	*clen = (size_t)(l + n - 1 - k);
	return k;
}

struct want {
	const struct net_dnat *add[MAX_LINES];
	int add_chain[MAX_LINES];
	size_t nadd;
	const char *del[MAX_LINES]; /* comments */
	size_t dellen[MAX_LINES], delcount[MAX_LINES];
	int del_chain[MAX_LINES];
	size_t ndel;
};

/* A removed line: its comment must go whole from chain c. */
static int plan_del(const struct split *old, const struct split *now, int c, const char *l,
		    size_t n, struct want *w)
{
	size_t cl;
	const char *cm = comment_of(l, n, &cl);
	if (!cm)
		return -1;
	for (size_t i = 0; i < now->n[c]; i++) {
		size_t cl2;
		const char *c2 = comment_of(now->line[c][i], now->len[c][i], &cl2);
		if (c2 && cl2 == cl && memcmp(c2, cm, cl) == 0)
			return -1; /* part of a container's rules: not this way */
	}
	for (size_t j = 0; j < w->ndel; j++)
		if (w->del_chain[j] == c && w->dellen[j] == cl && memcmp(w->del[j], cm, cl) == 0)
			return 0;
	if (w->ndel == MAX_LINES)
		return -1;
	size_t count = 0;
	for (size_t i = 0; i < old->n[c]; i++) {
		size_t cl2;
		const char *c2 = comment_of(old->line[c][i], old->len[c][i], &cl2);
		count += c2 && cl2 == cl && memcmp(c2, cm, cl) == 0;
	}
	w->del[w->ndel] = cm;
	w->dellen[w->ndel] = cl;
	w->delcount[w->ndel] = count;
	w->del_chain[w->ndel++] = c;
	return 0;
}

static bool writable(const struct net_dnat *d)
{
	return !d->p.v6 && d->p.host.s_addr != htonl(INADDR_ANY);
}

/* What to add and take away, or -1: not this way. */
static int plan(const struct split *old, const struct split *now, const struct net_rec *all,
		const struct net_dnat *dn, size_t ndn, struct want *w)
{
	if (!old->rest || !now->rest || strcmp(old->rest, now->rest) != 0)
		return -1;
	for (int c = 0; c < 2; c++)
		for (size_t i = 0; i < old->n[c]; i++)
			if (!has(now, c, old->line[c][i], old->len[c][i]) &&
			    plan_del(old, now, c, old->line[c][i], old->len[c][i], w) < 0)
				return -1;
	for (size_t i = 0; i < ndn; i++)
		for (int c = 0; c < 2; c++) {
			_cleanup_free_ char *l = NULL;
			size_t len = 0;
			if (net_nft_dnat_line(&l, &len, all, &dn[i], c == 0) < 0)
				return -1;
			if (!l || !len || has(old, c, l, len - 1))
				continue;
			if (!writable(&dn[i]) || w->nadd == MAX_LINES)
				return -1;
			w->add[w->nadd] = &dn[i];
			w->add_chain[w->nadd++] = c;
		}
	return w->nadd + w->ndel ? 0 : -1;
}

/* ---- nfnetlink */

static struct nlmsghdr *msg(char *buf, uint16_t type, uint16_t flags, uint32_t seq, int family)
{
	struct nlmsghdr *n = mnl_nlmsg_put_header(buf);
	n->nlmsg_type = type;
	n->nlmsg_flags = NLM_F_REQUEST | flags;
	n->nlmsg_seq = seq;
	struct nfgenmsg *g = mnl_nlmsg_put_extra_header(n, sizeof(*g));
	g->nfgen_family = (uint8_t)family;
	g->version = NFNETLINK_V0;
	g->res_id = 0;
	return n;
}

static void put_data(struct nlmsghdr *n, uint16_t type, const void *v, size_t len)
{
	struct nlattr *d = mnl_attr_nest_start(n, type);
	mnl_attr_put(n, NFTA_DATA_VALUE, len, v);
	mnl_attr_nest_end(n, d);
}

struct nest {
	struct nlattr *el, *data;
};

static struct nest expr(struct nlmsghdr *n, const char *name)
{
	struct nest x;
	x.el = mnl_attr_nest_start(n, NFTA_LIST_ELEM);
	mnl_attr_put_strz(n, NFTA_EXPR_NAME, name);
	x.data = mnl_attr_nest_start(n, NFTA_EXPR_DATA);
	return x;
}

static void end(struct nlmsghdr *n, struct nest x)
{
	mnl_attr_nest_end(n, x.data);
	mnl_attr_nest_end(n, x.el);
}

static void match(struct nlmsghdr *n, const char *load, uint32_t key_or_base, uint32_t off,
		  uint32_t len, const void *v, size_t vlen)
{
	struct nest el = expr(n, load);
	if (strcmp(load, "meta") == 0) {
		mnl_attr_put_u32(n, NFTA_META_DREG, htonl(NFT_REG_1));
		mnl_attr_put_u32(n, NFTA_META_KEY, htonl(key_or_base));
	} else {
		mnl_attr_put_u32(n, NFTA_PAYLOAD_DREG, htonl(NFT_REG_1));
		mnl_attr_put_u32(n, NFTA_PAYLOAD_BASE, htonl(key_or_base));
		mnl_attr_put_u32(n, NFTA_PAYLOAD_OFFSET, htonl(off));
		mnl_attr_put_u32(n, NFTA_PAYLOAD_LEN, htonl(len));
	}
	end(n, el);
	el = expr(n, "cmp");
	mnl_attr_put_u32(n, NFTA_CMP_SREG, htonl(NFT_REG_1));
	mnl_attr_put_u32(n, NFTA_CMP_OP, htonl(NFT_CMP_EQ));
	put_data(n, NFTA_CMP_DATA, v, vlen);
	end(n, el);
}

static void immediate(struct nlmsghdr *n, uint32_t reg, const void *v, size_t vlen)
{
	struct nest el = expr(n, "immediate");
	mnl_attr_put_u32(n, NFTA_IMMEDIATE_DREG, htonl(reg));
	put_data(n, NFTA_IMMEDIATE_DATA, v, vlen);
	end(n, el);
}

/* ip daddr H tcp|udp dport P dnat ip to CTR:PORT comment "bX <ctr>" */
static void add_rule(char *buf, uint32_t seq, const struct net_rec *all, const struct net_dnat *d,
		     int c)
{
	struct nlmsghdr *n = msg(buf, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWRULE,
				 NLM_F_CREATE | NLM_F_APPEND | NLM_F_ACK, seq, NFPROTO_INET);
	mnl_attr_put_strz(n, NFTA_RULE_TABLE, "brig");
	mnl_attr_put_strz(n, NFTA_RULE_CHAIN, chains[c]);
	struct nlattr *list = mnl_attr_nest_start(n, NFTA_RULE_EXPRESSIONS);
	uint8_t ipv4 = NFPROTO_IPV4, l4 = d->p.udp ? IPPROTO_UDP : IPPROTO_TCP;
	uint16_t hport = htons(d->p.host_port), cport = htons(d->p.port);
	match(n, "meta", NFT_META_NFPROTO, 0, 0, &ipv4, 1);
	match(n, "payload", NFT_PAYLOAD_NETWORK_HEADER, 16, 4, &d->p.host.s_addr, 4);
	match(n, "meta", NFT_META_L4PROTO, 0, 0, &l4, 1);
	match(n, "payload", NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, &hport, 2);
	immediate(n, NFT_REG_1, &d->ctr_ip.s_addr, 4);
	immediate(n, NFT_REG_2, &cport, 2);
	struct nest el = expr(n, "nat");
	mnl_attr_put_u32(n, NFTA_NAT_TYPE, htonl(NFT_NAT_DNAT));
	mnl_attr_put_u32(n, NFTA_NAT_FAMILY, htonl(NFPROTO_IPV4));
	mnl_attr_put_u32(n, NFTA_NAT_REG_ADDR_MIN, htonl(NFT_REG_1));
	mnl_attr_put_u32(n, NFTA_NAT_REG_PROTO_MIN, htonl(NFT_REG_2));
	mnl_attr_put_u32(n, NFTA_NAT_FLAGS, htonl(NF_NAT_RANGE_PROTO_SPECIFIED));
	end(n, el);
	mnl_attr_nest_end(n, list);
	char ud[80]; /* a bridge's name and 12 digits: well under 253 */
	int cl = snprintf(ud + 2, sizeof(ud) - 2, "%s %s", all[d->net].bridge, d->ctr);
	ud[0] = COMMENT_UDATA;
	ud[1] = (char)(cl + 1);
	mnl_attr_put(n, NFTA_RULE_USERDATA, (size_t)cl + 3, ud);
}

/* The handles of chain c's rules whose comment is w's j-th. */
struct found {
	const struct want *w;
	int c;
	uint64_t *h;
	size_t *of; /* which removal each handle is for */
	size_t n, max;
};

static const char *udata_comment(const struct nlattr *a, size_t *len)
{
	const uint8_t *p = mnl_attr_get_payload(a);
	size_t n = mnl_attr_get_payload_len(a);
	for (size_t i = 0; i + 2 <= n && i + 2 + p[i + 1] <= n; i += 2u + p[i + 1])
		if (p[i] == COMMENT_UDATA && p[i + 1] > 0 && p[i + 2 + p[i + 1] - 1] == 0) {
			*len = p[i + 1] - 1u;
			return (const char *)p + i + 2;
		}
	return NULL;
}

static int rule_cb(const struct nlmsghdr *n, void *data)
{
	struct found *f = data;
	const struct nlattr *a;
	const char *table = NULL, *chain = NULL, *cm = NULL;
	size_t cl = 0;
	uint64_t handle = 0;
	if (n->nlmsg_type != ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWRULE))
		return MNL_CB_OK;
	mnl_attr_for_each(a, n, sizeof(struct nfgenmsg))
	{
		uint16_t t = mnl_attr_get_type(a);
		if ((t == NFTA_RULE_TABLE || t == NFTA_RULE_CHAIN) &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			*(t == NFTA_RULE_TABLE ? &table : &chain) = mnl_attr_get_str(a);
		else if (t == NFTA_RULE_HANDLE && mnl_attr_validate(a, MNL_TYPE_U64) == 0)
			handle = be64toh(mnl_attr_get_u64(a));
		else if (t == NFTA_RULE_USERDATA)
			cm = udata_comment(a, &cl);
	}
	if (!table || !chain || !cm || strcmp(table, "brig") != 0 || strcmp(chain, chains[f->c]))
		return MNL_CB_OK;
	for (size_t j = 0; j < f->w->ndel; j++)
		if (f->w->del_chain[j] == f->c && f->w->dellen[j] == cl &&
		    memcmp(f->w->del[j], cm, cl) == 0) {
			if (f->n == f->max)
				return MNL_CB_ERROR;
			f->of[f->n] = j;
			f->h[f->n++] = handle;
		}
	return MNL_CB_OK;
}

/* Every handle to delete, each removal's count as the stamp says. */
static int handles(struct net_nl *nl, const struct want *w, struct found *f)
{
	_cleanup_err_ struct brig_err e = { 0 };
	char buf[NET_NL_BUF];
	for (int c = 0; c < 2; c++) {
		bool any = false;
		for (size_t j = 0; j < w->ndel; j++)
			any |= w->del_chain[j] == c;
		if (!any)
			continue;
		f->c = c;
		memset(buf, 0, sizeof(buf));
		struct nlmsghdr *n = msg(buf, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETRULE, 0,
					 ++nl->seq, NFPROTO_INET);
		mnl_attr_put_strz(n, NFTA_RULE_TABLE, "brig");
		mnl_attr_put_strz(n, NFTA_RULE_CHAIN, chains[c]);
		if (net_nl_dump(nl, n, rule_cb, f, "nftables: the rules of inet brig", &e) < 0)
			return -1;
	}
	for (size_t j = 0; j < w->ndel; j++) {
		size_t k = 0;
		for (size_t i = 0; i < f->n; i++)
			k += f->of[i] == j;
		if (k != w->delcount[j])
			return -1;
	}
	return 0;
}

/* Send the batch; every message acknowledged, none refused. */
static int send_batch(struct net_nl *nl, const char *b, size_t len, size_t acks)
{
	ssize_t sent;
	do
		sent = mnl_socket_sendto(nl->sock, b, len);
	while (sent < 0 && errno == EINTR);
	if (sent != (ssize_t)len)
		return -1;
	/* nfnetlink handles a batch within sendmsg: its answers are queued */
	_cleanup_free_ char *buf = malloc(NET_NL_BUF * 4);
	size_t got_acks = 0;
	bool refused = false;
	for (ssize_t got; buf;) {
		got = recv(mnl_socket_get_fd(nl->sock), buf, NET_NL_BUF * 4, MSG_DONTWAIT);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		int rest = (int)got;
		for (struct nlmsghdr *n = (struct nlmsghdr *)buf; mnl_nlmsg_ok(n, rest);
		     n = mnl_nlmsg_next(n, &rest))
			if (n->nlmsg_type == NLMSG_ERROR &&
			    n->nlmsg_len >= mnl_nlmsg_size(sizeof(struct nlmsgerr))) {
				const struct nlmsgerr *er = mnl_nlmsg_get_payload(n);
				refused |= er->error != 0;
				got_acks += er->error == 0;
			}
	}
	return buf && !refused && got_acks == acks ? 0 : -1;
}

static int apply(struct net_nl *nl, const struct net_nft_state *st, const struct net_rec *all,
		 const struct want *w, const struct found *f)
{
	size_t cap = (w->nadd + f->n) * 1024 + 256, len;
	_cleanup_free_ char *b = calloc(1, cap);
	if (!b)
		return -1;
	struct mnl_nlmsg_batch *batch = mnl_nlmsg_batch_start(b, cap);
	struct nlmsghdr *n = msg(mnl_nlmsg_batch_current(batch), NFNL_MSG_BATCH_BEGIN, 0, ++nl->seq,
				 AF_UNSPEC);
	((struct nfgenmsg *)mnl_nlmsg_get_payload(n))->res_id = htons(NFNL_SUBSYS_NFTABLES);
	mnl_attr_put_u32(n, NFNL_BATCH_GENID, htonl(st->gen));
	(void)mnl_nlmsg_batch_next(batch);
	for (size_t i = 0; i < f->n; i++) {
		n = msg(mnl_nlmsg_batch_current(batch),
			(NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_DELRULE, NLM_F_ACK, ++nl->seq,
			NFPROTO_INET);
		mnl_attr_put_strz(n, NFTA_RULE_TABLE, "brig");
		mnl_attr_put_strz(n, NFTA_RULE_CHAIN, chains[w->del_chain[f->of[i]]]);
		mnl_attr_put_u64(n, NFTA_RULE_HANDLE, htobe64(f->h[i]));
		(void)mnl_nlmsg_batch_next(batch);
	}
	for (size_t i = 0; i < w->nadd; i++) {
		add_rule(mnl_nlmsg_batch_current(batch), ++nl->seq, all, w->add[i],
			 w->add_chain[i]);
		(void)mnl_nlmsg_batch_next(batch);
	}
	n = msg(mnl_nlmsg_batch_current(batch), NFNL_MSG_BATCH_END, 0, ++nl->seq, AF_UNSPEC);
	((struct nfgenmsg *)mnl_nlmsg_get_payload(n))->res_id = htons(NFNL_SUBSYS_NFTABLES);
	(void)mnl_nlmsg_batch_next(batch);
	len = mnl_nlmsg_batch_size(batch);
	mnl_nlmsg_batch_stop(batch);
	return send_batch(nl, b, len, f->n + w->nadd);
}

struct delta {
	struct split old, now;
	struct want w;
	uint64_t h[MAX_LINES];
	size_t of[MAX_LINES];
};

int net_nft_delta(int netsfd, const struct net_nft_state *st, const char *cmds,
		  const struct net_rec *all, const struct net_dnat *dn, size_t ndn)
{
	_cleanup_free_ char *old = net_nft_stamp_cmds(netsfd, st), *now = strdup(cmds);
	_cleanup_free_ struct delta *d = calloc(1, sizeof(*d));
	struct net_nl *nl = net_nfnl();
	int x = -1;
	if (old && now && d && nl && split(old, &d->old) == 0 && split(now, &d->now) == 0 &&
	    plan(&d->old, &d->now, all, dn, ndn, &d->w) == 0) {
		struct found f = { .w = &d->w, .h = d->h, .of = d->of, .max = MAX_LINES };
		x = handles(nl, &d->w, &f) < 0 ? -1 : apply(nl, st, all, &d->w, &f);
	}
	if (d) {
		free(d->old.rest);
		free(d->now.rest);
	}
	return x;
}
