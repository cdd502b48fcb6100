/* SPDX-License-Identifier: Apache-2.0 */
/* Private to engine/net: the netlink layer (libmnl), the network records,
 * the IPAM and the nftables table.  One concept per file:
 *   nl.c       a NETLINK_ROUTE socket (ours, or in a container's netns),
 *              one request and its acknowledgement, dumps
 *   nl_link.c  links: bridge, veth pair, up, master, port isolation, delete
 *   nl_addr.c  addresses, the default route, the host's routes, proxy NDP
 *   netrec.c   ROOT/networks/<id>/network.json, the networks lock, names
 *   ipam.c     leases (ROOT/networks/<id>/leases.json)
 *   nft.c      the `inet brig` table, made from the records
 *   nft_stamp.c  whether the kernel's table is already what nft.c would
 *              write (no transaction then)
 *   hostobj.c  a network's objects in the host namespace, made and removed
 *   network.c  create, ls, inspect, rm, prune
 *   attach.c   a container's claim, attach (veths into its netns), release
 *   connect.c  network connect and disconnect
 *   hosts.c    the names of a container's peers in its /etc/hosts
 *   publish.c  published ports: published.json, the held host ports
 *   proxy.c    the ::1 side of published TCP ports (starts brig-proxy,
 *              src/proxy/) */
#ifndef BRIG_ENG_NET_INT_H
#define BRIG_ENG_NET_INT_H

#include "engine/net/net.h"
#include "common/common.h"

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct mnl_socket;
struct net_rec;
struct nlmsghdr;

/* nl.c */
struct net_nl {
	struct mnl_socket *sock;
	unsigned portid, seq;
};
/* A NETLINK_ROUTE socket in our own network namespace. */
int net_nl_open(struct net_nl *nl, struct brig_err *e);
/* Another netlink family (NETLINK_NETFILTER: nft_stamp.c). */
int net_nl_open_proto(struct net_nl *nl, int proto, struct brig_err *e);
/* One in the network namespace of nsfd (an open /proc/PID/ns/net): the
 * socket is bound to the namespace it is made in. */
int net_nl_open_in(struct net_nl *nl, int nsfd, struct brig_err *e);
void net_nl_close(struct net_nl *nl);
/* Begin a request in buf (NET_NL_BUF bytes) with a zeroed header of
 * hdrlen bytes after it. */
#define NET_NL_BUF 8192
struct nlmsghdr *net_nl_msg(struct net_nl *nl, void *buf, uint16_t type, uint16_t flags,
			    size_t hdrlen);
/* Send n asking for an acknowledgement; a refusal is an error naming
 * what ("creating bridge brig-0123abcd: File exists"). */
int net_nl_talk(struct net_nl *nl, struct nlmsghdr *n, const char *what, struct brig_err *e);
/* A request answered by data (cb) and the acknowledgement. */
typedef int (*net_nl_cb)(const struct nlmsghdr *n, void *data);
int net_nl_get(struct net_nl *nl, struct nlmsghdr *n, net_nl_cb cb, void *data, const char *what,
	       struct brig_err *e);
/* A dump request: cb for every message (libmnl's callback). */
int net_nl_dump(struct net_nl *nl, struct nlmsghdr *n, net_nl_cb cb, void *data, const char *what,
		struct brig_err *e);

/* nl_link.c */
int net_link_index(struct net_nl *nl, const char *name, unsigned *index, struct brig_err *e);
int net_bridge_add(struct net_nl *nl, const char *name, struct brig_err *e);
/* Absent is success. */
int net_link_del(struct net_nl *nl, const char *name, struct brig_err *e);
/* A veth pair: host in our namespace, up and a port of bridge master (an
 * index), peer (named peer, with MAC address mac unless NULL, down)
 * created directly in the namespace of nsfd; one request. */
int net_veth_add(struct net_nl *nl, const char *host, const char *peer, int nsfd,
		 const uint8_t *mac, unsigned master, struct brig_err *e);
/* Up, and (master > 0) a port of that bridge. */
int net_link_up(struct net_nl *nl, unsigned index, unsigned master, struct brig_err *e);
/* A bridge port that may talk to the bridge only, never to another
 * isolated port (IFLA_BRPORT_ISOLATED). */
int net_brport_isolate(struct net_nl *nl, unsigned index, struct brig_err *e);

/* nl_addr.c */
int net_addr_add(struct net_nl *nl, unsigned index, struct in_addr a, unsigned plen,
		 struct brig_err *e);
int net_route_default(struct net_nl *nl, struct in_addr gw, struct brig_err *e);
/* IPv6: an address (no duplicate address detection: the prefix is the
 * network's own) and the default route. */
int net_addr_add6(struct net_nl *nl, unsigned index, const struct in6_addr *a, unsigned plen,
		  struct brig_err *e);
int net_route_default6(struct net_nl *nl, const struct in6_addr *gw, struct brig_err *e);
/* The link (a bridge) answers neighbour solicitations for a (add), or no
 * longer (absent is success). */
int net_neigh_proxy6(struct net_nl *nl, unsigned index, const struct in6_addr *a, bool add,
		     struct brig_err *e);
/* The link's proxy NDP entries, address strings appended to arr. */
int net_proxy6_list(struct net_nl *nl, unsigned index, json_t *arr, struct brig_err *e);
/* As net_route_overlap, for an IPv6 prefix (hit: at least 64 bytes). */
int net_route_overlap6(struct net_nl *nl, const struct in6_addr *net, unsigned plen, char *hit,
		       struct brig_err *e);
/* The first route of the main table (other than a default route) whose
 * destination overlaps net/plen, as "DST/LEN", in hit (at least 32
 * bytes); "" when none. */
int net_route_overlap(struct net_nl *nl, struct in_addr net, unsigned plen, char *hit,
		      struct brig_err *e);
/* The IPv4 and global IPv6 addresses of a link, "ADDR/LEN" strings,
 * appended to arr. */
int net_addr_list(struct net_nl *nl, unsigned index, json_t *arr, struct brig_err *e);

/* Addresses and prefixes (ipam.c). */
int net_parse_cidr(const char *s, struct in_addr *net, unsigned *plen, struct brig_err *e);
bool net_overlap(struct in_addr a, unsigned alen, struct in_addr b, unsigned blen);
uint32_t net_mask(unsigned plen);
/* IPv6: a prefix of 48 to 96 bits, host bits clear (--subnet fdxx::/64). */
int net_parse_cidr6(const char *s, struct in6_addr *net, unsigned *plen, struct brig_err *e);
bool net_overlap6(const struct in6_addr *a, unsigned alen, const struct in6_addr *b, unsigned blen);
/* The IPv6 address of network r that matches its IPv4 address a. */
void net_addr6_of(const struct net_rec *r, struct in_addr a, struct in6_addr *out);

/* netrec.c: a network's record. */
#define NET_ID_LEN 64
#define NET_BRIDGE_LEN 16
#define NET_DEFAULT_NAME "bridge"
#define NET_DEFAULT_SUBNET "10.88.0.0/16"
struct net_rec {
	char id[NET_ID_LEN + 1];
	char name[128];
	char bridge[NET_BRIDGE_LEN]; /* brig-<first 8 hex of id> */
	char created[64];
	struct in_addr subnet, gateway;
	unsigned plen;
	bool internal, icc;
	bool egress_none; /* -o egress=none: nothing leaves the bridge */
	/* --ipv6: a second subnet; a container's IPv6 address is the subnet's
	 * address plus the host part of its IPv4 lease (ipam.c), the
	 * gateway's likewise, so the IPv4 leases are the only ones kept. */
	bool ipv6;
	struct in6_addr subnet6, gateway6;
	unsigned plen6;
};
/* ROOT/networks, made on first use (create), and its lock (held
 * exclusively by every change: create, rm, prune, claim, release).
 * Without create, -ENOENT (no error set) when there is none: a store
 * that never used a network. */
int net_dir_open(struct eng *g, bool create, int *dirfd, int *lockfd, struct brig_err *e);
int net_rec_load(int netsfd, const char *id, struct net_rec *r, struct brig_err *e);
/* Every record (the default network's made first when missing). */
int net_rec_all(int netsfd, struct net_rec **out, size_t *n, struct brig_err *e);
/* By name, id or unique id prefix: -ENOENT "network NAME not found". */
int net_rec_find(const struct net_rec *all, size_t n, const char *what, size_t *idx,
		 struct brig_err *e);
int net_rec_new_id(struct net_rec *r, struct brig_err *e); /* id and bridge name */
/* Publish a new network: written in .tmp-<id>, renamed to <id>. */
int net_rec_publish(int netsfd, const struct net_rec *r, struct brig_err *e);
int net_rec_remove(int netsfd, const char *id, struct brig_err *e);
json_t *net_rec_json(const struct net_rec *r);
bool net_name_valid(const char *name);
/* The networks directory, locked, with every record. */
struct net_dir {
	int fd, lock;
	struct net_rec *all;
	size_t n;
};
int net_dir_load(struct eng *g, bool create, struct net_dir *d, struct brig_err *e);
void net_dir_close(struct net_dir *d);
#define _cleanup_netdir_ __attribute__((cleanup(net_dir_close)))

/* attach.c: a container on a network. */
/* The host end of ctr's pair on r: vb<8 hex of ctr><5 hex of r's id>. */
void net_veth_name(const char *ctr, const struct net_rec *r, char out[NET_BRIDGE_LEN]);
/* NetworkSettings.Networks' entry (mac may be NULL). */
json_t *net_settings(const struct net_rec *r, struct in_addr a, bool asked, const char *mac,
		     const char *ifname);
/* A lease on network i for ctr_id (want: --ip, or NULL), written. */
int net_claim_in(struct net_dir *h, size_t i, const char *want, const char *ctr_id,
		 struct in_addr *a, struct brig_err *e);
/* The entry of nets (NetworkSettings.Networks) with NetworkID netid:
 * its key, the container's interface (Interface, "eth0" when absent),
 * MacAddress. */
struct net_ent {
	char name[128];
	char ifname[16];
	uint8_t mac[6];
	bool has_mac;
	bool egress_none; /* the container's --egress none */
};
int net_ent_parse(const json_t *nets, const char *netid, struct net_ent *ent);
/* --egress none, as a container's record (doc) keeps it. */
bool net_doc_egress_none(const json_t *doc);
int net_live_all(const struct net_dir *h, bool **live, struct brig_err *e);
/* A running container (init pid) plugged into network i now. */
int net_plug_one(const struct net_dir *h, size_t i, const char *ctr_id, pid_t pid, struct in_addr a,
		 const struct net_ent *ent, struct brig_err *e);
/* The container's limit in network i's egress.json, as ent says. */
int net_egress_apply(const struct net_dir *h, size_t i, const char *ctr_id,
		     const struct net_ent *ent, struct brig_err *e);
/* ctr_id leaves network i: its lease, published ports, egress limit and
 * veth pair go (*found: it had a lease; *changed: the table must be
 * written again). */
int net_leave(struct eng *g, const struct net_dir *h, size_t i, const char *ctr_id, bool *found,
	      bool *changed, struct brig_err *e);

/* hosts.c: the /etc/hosts of every container on network idx (when it is
 * --icc) and of also (or NULL) rewritten with their peers' names.
 * Errors are warned. */
void net_hosts_refresh(struct eng *g, const struct net_dir *h, size_t idx, const char *also);

/* egress.c: ROOT/networks/<id>/egress.json, {"<container id>": "none"}:
 * the containers of the network that may send nothing out. */
int net_egress_set(int netsfd, const char *netid, const char *ctr, bool none, bool *changed,
		   struct brig_err *e);
int net_egress_load(int netsfd, const char *netid, json_t **out, struct brig_err *e);
/* The forward and input rules of the limits of the live networks that are
 * not internal (an internal one sends nothing out anyway), appended. */
int net_egress_rules(int netsfd, const struct net_rec *all, size_t n, const bool *live, char **buf,
		     size_t *len, struct brig_err *e);

/* links.c: --link.  links.json of a network: {"<ctr>": {"<target>":
 * "ALIAS"}}. */
int net_links_load(int netsfd, const char *netid, json_t **out, struct brig_err *e);
/* ctr's entry made from its record's links that hold a lease on network
 * i (the record: doc, or read when NULL), or dropped (gone); *changed
 * when it changed. */
int net_links_set(struct eng *g, const struct net_dir *h, size_t i, const char *ctr,
		  const json_t *doc, bool gone, bool *changed, struct brig_err *e);
/* The forward rules of the links of the live networks without --icc. */
int net_link_rules(int netsfd, const struct net_rec *all, size_t n, const bool *live, char **buf,
		   size_t *len, struct brig_err *e);
/* ctr's /etc/hosts lines for its links on r ("IP\tALIAS NAME"). */
int net_link_hosts(struct eng *g, int netsfd, const struct net_rec *r, const json_t *leases,
		   const char *ctr, char **buf, size_t *len);

/* ipam.c: leases.json: {"A.B.C.D": "<container id>"}. */
int net_leases_load(int netsfd, const char *id, json_t **out, struct brig_err *e);
/* durable (fsynced) for a new lease, which must not be lost once the
 * container's record names it; a release need not be: a crash that loses
 * it leaves a lease of a container that is gone, which network prune
 * drops (as one left by a crash inside brig rm). */
int net_leases_write(int netsfd, const char *id, const json_t *leases, bool durable,
		     struct brig_err *e);
/* The lowest free address of r (not the network, gateway or broadcast). */
int net_ipam_next(const struct net_rec *r, const json_t *leases, struct in_addr *out,
		  struct brig_err *e);
/* want (--ip): a host address of r's subnet, not its gateway, not leased. */
int net_ipam_want(const struct net_rec *r, const json_t *leases, const char *want,
		  struct in_addr *out, struct brig_err *e);
/* The address held by ctr in leases, or -ENOENT. */
int net_lease_of(const json_t *leases, const char *ctr, struct in_addr *out);

/* publish.c: one published port of a running container. */
struct net_pub {
	struct in_addr host; /* 0.0.0.0: every address of the host */
	struct in6_addr host6; /* when v6 (--ipv6 networks; ::1 on any: proxy.c) */
	bool v6;
	uint16_t host_port, port;
	bool udp;
};
/* ::1: relayed by the proxy (proxy.c), no DNAT rule. */
bool net_pub_proxied(const struct net_pub *p);
/* A JSON object file of a network's directory ({} when missing); written
 * atomically (and durably when asked), removed when empty. */
int net_obj_load(int netsfd, const char *id, const char *name, json_t **out, struct brig_err *e);
int net_obj_write(int netsfd, const char *id, const char *name, const json_t *obj, bool durable,
		  struct brig_err *e);
int net_pub_load(int netsfd, const char *id, json_t **out, struct brig_err *e);
int net_pub_parse(const json_t *v, const struct bj_loc *at, struct net_pub *p, struct brig_err *e);
/* The container's ports (its record doc's NetworkSettings.Ports), each
 * checked to be free, written to the published.json of network
 * h->all[idx]. */
struct net_dir;
int net_pub_attach(const struct net_dir *h, size_t idx, const char *ctr, const json_t *doc,
		   struct brig_err *e);
/* ctr's entry dropped (*changed set when there was one). */
int net_pub_drop(int netsfd, const char *netid, const char *ctr, bool *changed, struct brig_err *e);
/* A DNAT rule's facts: network all[net], to ctr_ip. */
struct net_dnat {
	size_t net;
	struct in_addr ctr_ip;
	char ctr[13];
	struct net_pub p;
};
/* Every published port of the live networks that are not internal. */
int net_pub_collect(int netsfd, const struct net_rec *all, size_t n, const bool *live,
		    struct net_dnat **v, size_t *nv, struct brig_err *e);

/* nft.c: the `inet brig` table as the networks in all[] (with their
 * bridges up) and their published ports require; deleted when none is
 * left. */
int net_nft_sync(int netsfd, const struct net_rec *all, size_t n, const bool *live,
		 struct brig_err *e);
/* One nft(8) command buffer through libnftables; *out (when out is not
 * NULL) the listing, as JSON when json. */
int net_nft_run(const char *cmds, bool json, char **out, struct brig_err *e);
/* The table's rules that name bridge ("forward: iifname ... drop"), with
 * the table's name and chains; JSON null when there is no table, NULL on
 * error. */
json_t *net_nft_list(const char *bridge, struct brig_err *e);

/* nft_stamp.c: the namespace's nftables ruleset generation, where it is
 * (boot, network namespace); 0 or -EOPNOTSUPP (unknown: the table is
 * written). */
struct net_nft_state {
	char boot[40];
	uint64_t cookie;
	uint32_t gen;
};
int net_nft_state(struct net_nft_state *st);
/* Whether ROOT/networks/table.stamp says the kernel's table is cmds (the
 * commands net_nft_sync would run) now, as st finds it. */
bool net_nft_stamp_same(int netsfd, const struct net_nft_state *st, const char *cmds);
/* After cmds were written with the ruleset as before found it: the stamp,
 * when that was the only change since; else none. */
void net_nft_stamp_write(int netsfd, const struct net_nft_state *before, const char *cmds);
/* No stamp (absent is success; a failure is warned): the next write is
 * made. */
void net_nft_stamp_drop(int netsfd);
/* The commands the stamp holds when st is its state (malloc'd), else
 * NULL. */
char *net_nft_stamp_cmds(int netsfd, const struct net_nft_state *st);
/* The process's NETLINK_NETFILTER socket, made at first use and never
 * closed (the kernel closes it when the process ends): closing one right
 * after a transaction that deleted rules waits for an RCU grace period
 * (nf_tables flushes its destroy work on release).  NULL when it cannot
 * be made. */
struct net_nl *net_nfnl(void);
/* A published port's DNAT rule as nft.c writes it (appended to *buf;
 * nothing for a loopback address in prerouting). */
int net_nft_dnat_line(char **buf, size_t *len, const struct net_rec *all, const struct net_dnat *d,
		      bool prerouting);

/* nft_delta.c: cmds written as the published ports that differ from the
 * stamp's commands, added or deleted in one small batch, when the kernel's
 * table is the stamp's (st) and nothing else differs: 0, else -1 (nothing
 * was changed: the table is to be written whole). */
int net_nft_delta(int netsfd, const struct net_nft_state *st, const char *cmds,
		  const struct net_rec *all, const struct net_dnat *dn, size_t ndn);

/* hostobj.c: a network's bridge with its gateway address, up (idempotent:
 * kept when it is there); and its removal (absent is success). */
int net_host_ensure(const struct net_rec *r, struct brig_err *e);
int net_host_remove(const struct net_rec *r, struct brig_err *e);
/* Whether a network has host objects: user networks always; the default
 * one while it has leases. */
int net_live(int netsfd, const struct net_rec *r, bool *live, struct brig_err *e);
/* Ensure/remove the host objects and the nft table for every record. */
int net_sync_all(int netsfd, struct brig_err *e);
/* The nft table alone (the bridges are as they were). */
int net_sync_table(int netsfd, struct brig_err *e);

/* proxy.c: fd, bound to [::1]:HOSTPORT, listens (and is the proxy's,
 * closed on failure) for CTR:PORT; net_proxy_start spawns the proxy for the
 * container whose init is init (nothing when no port was added);
 * net_proxy_stop ends it (and drops ports not yet handed over). */
int net_proxy_add(int fd, struct in_addr ctr, uint16_t port, struct brig_err *e);
int net_proxy_start(pid_t init, struct brig_err *e);
void net_proxy_stop(void);

#endif
