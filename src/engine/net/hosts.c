/* SPDX-License-Identifier: Apache-2.0 */
/* engine/net: the names of a container's peers in its /etc/hosts.  A peer
 * is a container it may talk to: another container on one of its --icc
 * networks.  Each peer is a line "IP NAME ALIAS..." (its address on the
 * shared network, its name, its --network-alias/--alias names there)
 * after the line NET_HOSTS_MARK of the container's hosts file, which the
 * engine wrote at create (netcfg/files.c).  Kept current when a container
 * is started (attach.c), connected, disconnected (connect.c) or removed:
 * every container of the network is rewritten.  The file is rewritten in
 * place (the container has it bind-mounted: a rename would not reach
 * it), as Docker does. */
#include "engine/net/net-internal.h"
#include "engine/engine-internal.h"
#include "engine/record-internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NET_HOSTS_MARK "# brig: the containers it may reach\n"
#define HOSTS_MAX ((size_t)1 << 20)

/* "\tname alias..." of ctr on network r (from its record), appended to buf;
 * nothing when the record cannot be read (a container being made). */
static int names_of(struct eng *g, const char *ctr, const struct net_rec *r, char **buf,
		    size_t *len)
{
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_close_ int fd = eng_ctr_open(g, ctr, &e);
	_cleanup_record_ struct eng_record rec = { 0 };
	if (fd < 0 || eng_record_load(fd, ctr, &rec, &e) < 0 || !rec.name ||
	    !eng_name_valid(rec.name + (rec.name[0] == '/')))
		return 0;
	int x = brig_appendf(buf, len, "\t%s", rec.name + (rec.name[0] == '/'));
	json_t *ent = json_object_get(
		json_object_get(json_object_get(rec.doc, "NetworkSettings"), "Networks"), r->name);
	json_t *al = json_object_get(ent, "Aliases");
	size_t i;
	json_t *v;
	json_array_foreach(al, i, v)
	{
		const char *s = json_string_value(v);
		if (x == 0 && s && eng_name_valid(s))
			x = brig_appendf(buf, len, " %s", s);
	}
	return x;
}

/* The line(s) of peer p, leased ip on network r: "IP\tNAME ALIAS...", and
 * on an --ipv6 network the same names after its IPv6 address; none when
 * p has no name (a container being made). */
static int peer_line(struct eng *g, const struct net_rec *r, const char *ip, const char *p,
		     char **buf, size_t *len)
{
	_cleanup_free_ char *names = NULL;
	size_t n = 0;
	struct in_addr a;
	struct in6_addr a6;
	char ip6[INET6_ADDRSTRLEN];
	if (brig_appendf(&names, &n, "%s", "") < 0 || names_of(g, p, r, &names, &n) < 0)
		return -ENOMEM;
	if (n == 0)
		return 0;
	if (brig_appendf(buf, len, "%s%s\n", ip, names) < 0)
		return -ENOMEM;
	if (!r->ipv6 || inet_pton(AF_INET, ip, &a) != 1)
		return 0;
	net_addr6_of(r, a, &a6);
	(void)inet_ntop(AF_INET6, &a6, ip6, sizeof(ip6));
	return brig_appendf(buf, len, "%s%s\n", ip6, names) < 0 ? -ENOMEM : 0;
}

/* The peer lines of ctr: every other holder of a lease on each of its
 * --icc networks (leases[j] is network j's, or NULL). */
static int peer_lines(struct eng *g, const struct net_dir *h, json_t *const *leases,
		      const char *ctr, char **buf, size_t *len)
{
	int x = 0;
	for (size_t j = 0; x == 0 && j < h->n; j++) {
		struct in_addr a;
		if (!leases[j] || net_lease_of(leases[j], ctr, &a) < 0)
			continue;
		if (!h->all[j].icc) {
			x = net_link_hosts(g, h->fd, &h->all[j], leases[j], ctr, buf, len);
			continue;
		}
		const char *ip;
		json_t *v;
		json_object_foreach(leases[j], ip, v)
		{
			const char *p = json_string_value(v);
			if (p && strcmp(p, ctr) != 0 && eng_id_valid(p) &&
			    (x = peer_line(g, &h->all[j], ip, p, buf, len)) < 0)
				break;
		}
	}
	return x;
}

/* ctr's hosts file: what is before the mark kept, the peers after it. */
static int rewrite(struct eng *g, const char *ctr, const char *peers, struct brig_err *e)
{
	_cleanup_close_ int dfd = eng_ctr_open(g, ctr, e);
	_cleanup_free_ char *old = NULL, *text = NULL;
	size_t len, n = 0;
	if (dfd < 0)
		return dfd;
	int x = brig_read_file(dfd, "hosts", HOSTS_MAX, &old, &len, e);
	if (x == -ENOENT) /* --network container: uses the other's */
		return 0;
	if (x < 0)
		return x;
	char *mark = strstr(old, NET_HOSTS_MARK);
	if (mark)
		*mark = '\0';
	if (!mark && !peers[0])
		return 0;
	if (brig_appendf(&text, &n, "%s%s%s", old, peers[0] ? NET_HOSTS_MARK : "", peers) < 0)
		return brig_err_oom(e);
	_cleanup_close_ int fd = openat(dfd, "hosts", O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || brig_write_all(fd, text, n) < 0)
		return brig_err_sys(e, errno, "containers/%.12s/hosts", ctr);
	return 0;
}

static void refresh_one(struct eng *g, const struct net_dir *h, json_t *const *leases,
			const char *ctr)
{
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_free_ char *peers = NULL;
	size_t len = 0;
	int x = brig_appendf(&peers, &len, "%s", "");
	if (x == 0)
		x = peer_lines(g, h, leases, ctr, &peers, &len);
	if (x < 0)
		(void)brig_err_oom(&e);
	else
		x = rewrite(g, ctr, peers, &e);
	if (x < 0)
		brig_warn("container %.12s: /etc/hosts: %s", ctr, brig_err_str(&e));
}

void net_hosts_refresh(struct eng *g, const struct net_dir *h, size_t idx, const char *also)
{
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_json_ json_t *links = NULL;
	/* no container of it may reach another but its links: their names */
	if (!h->all[idx].icc && net_links_load(h->fd, h->all[idx].id, &links, &e) < 0)
		brig_err_clear(&e);
	if (!h->all[idx].icc && !json_object_size(links) && !also)
		return;
	json_t **leases = calloc(h->n ? h->n : 1, sizeof(*leases));
	if (!leases) {
		brig_warn("/etc/hosts of network %s: out of memory", h->all[idx].name);
		return;
	}
	for (size_t j = 0; j < h->n; j++)
		if (net_leases_load(h->fd, h->all[j].id, &leases[j], &e) < 0) {
			brig_warn("/etc/hosts of network %s: %s", h->all[idx].name,
				  brig_err_str(&e));
			brig_err_clear(&e);
		}
	const char *ip;
	json_t *v;
	json_object_foreach(leases[idx], ip, v)
	{
		const char *c = json_string_value(v);
		if (c && eng_id_valid(c) && (h->all[idx].icc || json_object_get(links, c)))
			refresh_one(g, h, leases, c);
	}
	if (also)
		refresh_one(g, h, leases, also);
	for (size_t j = 0; j < h->n; j++)
		json_decref(leases[j]);
	free(leases);
}
