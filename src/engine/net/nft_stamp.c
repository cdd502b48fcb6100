/* SPDX-License-Identifier: Apache-2.0 */
/* engine/net: whether the kernel's `inet brig` is already the table nft.c
 * would write, so that a start that changes nothing in it (a container
 * without published ports, links or egress limit on a network whose
 * bridge is up) costs no libnftables and no transaction (tens of ms of a
 * start otherwise; issue #13).
 *
 * After each write of the table that was the only change of the
 * namespace's ruleset in between (its generation, NFT_MSG_GETGEN, went up
 * by exactly one), ROOT/networks/table.stamp holds
 *   brig-nft 1 BOOT-ID NETNS-COOKIE GENERATION\n
 * and then the commands written.  The table is taken to be as they say
 * while the boot, the network namespace (SO_NETNS_COOKIE: never reused
 * within a boot) and the generation are the same: any change of the
 * ruleset, by brig or anyone (nft flush ruleset, another tool), bumps the
 * generation.  The commands are what the records say now, so records
 * changed without the table being written (a crash in between) differ
 * from them.  Anything unreadable or unknown: the table is written. */
#include "engine/net/net-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

#define STAMP "table.stamp"
#define STAMP_MAX ((size_t)4 << 20)

static int gen_cb(const struct nlmsghdr *n, void *data)
{
	const struct nlattr *a;
	if (n->nlmsg_type != ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWGEN))
		return MNL_CB_OK;
	mnl_attr_for_each(a, n, sizeof(struct nfgenmsg))
	{
		if (mnl_attr_get_type(a) == NFTA_GEN_ID &&
		    mnl_attr_validate(a, MNL_TYPE_U32) == 0) {
			*(uint64_t *)data = ntohl(mnl_attr_get_u32(a));
			return MNL_CB_OK;
		}
	}
	return MNL_CB_OK;
}

static int boot_id(char out[40])
{
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_free_ char *s = NULL;
	size_t len;
	if (brig_read_file(AT_FDCWD, "/proc/sys/kernel/random/boot_id", 64, &s, &len, &e) < 0 ||
	    len < 36)
		return -EIO;
	(void)snprintf(out, 40, "%.36s", s);
	return 0;
}

/* The generation, asked on nl (a NETLINK_NETFILTER socket). */
static int ask_gen(struct net_nl *nl, uint32_t *gen)
{
	_cleanup_err_ struct brig_err e = { 0 };
	char buf[NET_NL_BUF];
	uint64_t got = UINT64_MAX;
	struct nlmsghdr *n = net_nl_msg(nl, buf, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETGEN, 0,
					sizeof(struct nfgenmsg));
	struct nfgenmsg *g = mnl_nlmsg_get_payload(n);
	g->nfgen_family = AF_UNSPEC;
	g->version = NFNETLINK_V0;
	if (net_nl_get(nl, n, gen_cb, &got, "nftables: its generation", &e) < 0 ||
	    got == UINT64_MAX)
		return -EOPNOTSUPP;
	*gen = (uint32_t)got;
	return 0;
}

struct net_nl *net_nfnl(void)
{
	static struct net_nl nl;
	static bool failed;
	_cleanup_err_ struct brig_err e = { 0 };
	char buf[NET_NL_BUF];
	if (!nl.sock && !failed && net_nl_open_proto(&nl, NETLINK_NETFILTER, &e) < 0)
		failed = true;
	/* what an earlier request that failed half-way left unread */
	for (ssize_t r = 1; nl.sock && r != 0;) {
		r = recv(mnl_socket_get_fd(nl.sock), buf, sizeof(buf), MSG_DONTWAIT);
		if (r < 0 && errno != EINTR)
			break;
	}
	return nl.sock ? &nl : NULL;
}

int net_nft_state(struct net_nft_state *st)
{
	struct net_nl *nl = net_nfnl();
	socklen_t len = sizeof(st->cookie);
	return boot_id(st->boot) < 0 || !nl ||
			getsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_NETNS_COOKIE,
				   &st->cookie, &len) < 0 ||
			len != sizeof(st->cookie)
		? -EOPNOTSUPP
		: ask_gen(nl, &st->gen);
}

static char *stamp_text(const struct net_nft_state *st, const char *cmds)
{
	char *s = NULL;
	return asprintf(&s, "brig-nft 1 %s %" PRIu64 " %" PRIu32 "\n%s", st->boot, st->cookie,
			st->gen, cmds) < 0
		? NULL
		: s;
}

bool net_nft_stamp_same(int netsfd, const struct net_nft_state *st, const char *cmds)
{
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_free_ char *want = stamp_text(st, cmds), *have = NULL;
	size_t len;
	return want && brig_read_file(netsfd, STAMP, STAMP_MAX, &have, &len, &e) == 0 &&
		len == strlen(want) && memcmp(have, want, len) == 0;
}

char *net_nft_stamp_cmds(int netsfd, const struct net_nft_state *st)
{
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_free_ char *head = stamp_text(st, ""), *have = NULL;
	size_t len, hl = head ? strlen(head) : 0;
	if (!head || brig_read_file(netsfd, STAMP, STAMP_MAX, &have, &len, &e) < 0 || len < hl ||
	    memcmp(have, head, hl) != 0 || memchr(have, 0, len))
		return NULL;
	return strndup(have + hl, len - hl);
}

void net_nft_stamp_write(int netsfd, const struct net_nft_state *before, const char *cmds)
{
	_cleanup_err_ struct brig_err e = { 0 };
	struct net_nft_state now;
	/* Only brig's transaction since `before`: the generation it made. */
	bool ours = net_nft_state(&now) == 0 && now.cookie == before->cookie &&
		strcmp(now.boot, before->boot) == 0 &&
		now.gen == (before->gen + 1 ? before->gen + 1 : 1);
	_cleanup_free_ char *text = ours ? stamp_text(&now, cmds) : NULL;
	if (!text || brig_atomic_replace(netsfd, STAMP, text, strlen(text), 0600, false, &e) < 0)
		net_nft_stamp_drop(netsfd);
}

void net_nft_stamp_drop(int netsfd)
{
	if (unlinkat(netsfd, STAMP, 0) < 0 && errno != ENOENT)
		brig_warn("networks/" STAMP ": %s", strerror(errno));
}
