/* SPDX-License-Identifier: Apache-2.0 */
/* engine/net: user-defined bridge networks (docs/network.md).  A network
 * is a record in ROOT/networks/<id>/ with its leases; in the host's network
 * namespace it is a Linux bridge with the gateway's address and rules in
 * brig's own nftables table, `inet brig`.  No process of brig stays
 * running for a network. */
#ifndef BRIG_ENG_NET_H
#define BRIG_ENG_NET_H

#include "common/common.h"

#include <stdbool.h>
#include <sys/types.h>

struct eng;

struct eng_net_create_opts {
	const char *name;
	const char *subnet; /* A.B.C.D/LEN, or NULL: a free 10.89.N.0/24 */
	const char *gateway; /* NULL: the subnet's first address */
	bool internal; /* no route out, no masquerade */
	bool icc; /* containers on it may reach each other */
	bool egress_none; /* -o egress=none: nothing leaves the bridge but answers */
	bool ipv6; /* --ipv6: containers get an IPv6 address too */
	const char *subnet6; /* fdxx::/LEN, or NULL: a random ULA /64 (with ipv6) */
};

/* Every check (name, subnet, gateway, overlap with another network or a
 * host route) before anything is made; out: the network as inspect
 * shows it. */
int eng_network_create(struct eng *g, const struct eng_net_create_opts *o, json_t **out,
		       struct brig_err *e);
/* Every network (the default one, `bridge`, included), as inspect shows
 * them. */
int eng_network_list(struct eng *g, json_t **out, struct brig_err *e);
/* One network by name, id or id prefix: Docker's shape plus
 * "Brig.Host": everything brig put in the host's namespace for it. */
int eng_network_inspect(struct eng *g, const char *what, json_t **out, struct brig_err *e);
/* Refused for the default network and for one a container uses. */
int eng_network_remove(struct eng *g, const char *what, struct brig_err *e);
/* Remove every user-defined network no container uses (leases of
 * containers that no longer exist are dropped first); removed: an array
 * of their names. */
int eng_network_prune(struct eng *g, json_t **removed, struct brig_err *e);

/* Whether --network MODE names a bridge network (not NULL, none, host,
 * pasta, slirp4netns or container:...). */
bool eng_net_bridge_mode(const char *mode);
/* A container joins a network (at create): its address (ip, or the
 * lowest free one when NULL) is leased now and kept until
 * eng_net_release.  mac (or NULL) is recorded for eth0.  out:
 * NetworkSettings.Networks' entry. */
int eng_net_claim(struct eng *g, const char *network, const char *ip, const char *mac,
		  const char *ctr_id, json_t **out, struct brig_err *e);
/* Every lease of ctr_id released (at rm, and when create fails). */
int eng_net_release(struct eng *g, const char *ctr_id, struct brig_err *e);
/* The container's init (pid) exists, its network namespace too, and it
 * has not run the user's process yet: a veth pair, one end (eth0) in the
 * container with its address and default route, the other a port of the
 * network's bridge.  Nothing when the container has no lease.  The pair
 * goes away with the container's network namespace. */
int eng_net_attach(struct eng *g, const char *ctr_id, pid_t pid, struct brig_err *e);

/* --link NAME[:ALIAS] of run/create and `network connect` (links.c):
 * each NAME a container now, ALIAS (NAME when left out) a valid name;
 * given gets "NAME:ALIAS" (Docker's Links), ids {"<id>": "ALIAS"}. */
int eng_net_links_resolve(struct eng *g, const char *const *specs, json_t *given, json_t *ids,
			  struct brig_err *e);

/* brig network connect|disconnect NETWORK CONTAINER (connect.c). */
struct eng_net_connect_opts {
	const char *network, *container;
	const char *ip; /* --ip, or NULL: the lowest free address */
	const char *const *aliases; /* --alias, NULL-terminated, or NULL */
	const char *const *links; /* --link NAME[:ALIAS], NULL-terminated, or NULL */
	bool disconnect;
	bool force; /* disconnect -f: also a container that no longer exists */
};
/* Connect: a lease and NetworkSettings.Networks.NAME in the record (the
 * next ethN, the links: Links as given, LinkIds by id); a running
 * container gets its interface at once.
 * Disconnect: the reverse.  The network's containers' /etc/hosts are
 * rewritten. */
int eng_network_connect(struct eng *g, const struct eng_net_connect_opts *o, struct brig_err *e);

/* -p/-P on network (at create): it exists and is not internal; each
 * IPv6 host address of ips (NULL-terminated, or NULL; udp[i]: of a UDP
 * port) passes eng_net_publish_ip6. */
int eng_net_publish_check(struct eng *g, const char *network, const char *const *ips,
			  const bool *udp, struct brig_err *e);
/* An IPv6 host address of -p on a bridge network: ::1 for TCP (a proxy
 * relays it), else the network has IPv6. */
int eng_net_publish_ip6(const char *network, bool ipv6, const char *ip, bool udp,
			struct brig_err *e);
/* The host ports this process holds bound for the container it runs
 * (at attach); the monitor keeps them open across its exec into
 * brig-monitor.  Released when the run ends (eng_net_unpublish). */
void eng_net_held(const int **fds, size_t *n);
void eng_net_held_release(void);
/* The container ended: the DNAT rules of its published ports go (they
 * come back at its next attach).  Errors are warned, not returned. */
void eng_net_unpublish(struct eng *g, const char *ctr_id);
/* brig audit (nft_dnat.c): every rule with a dnat statement the kernel
 * holds in this network namespace, of every table, as [{"Table": "inet
 * brig", "Chain", "Hook": "prerouting"|"output"|..., "Comment", "Proto":
 * "tcp"|"udp", "Dport": PORT or "LO-HI" or "?", "Daddr": the one address
 * matched or null, "Local": matches `fib daddr type local`, "Iif" and
 * "Saddr": the input interface and source it is limited to ("lo",
 * "10.0.0.0/8", "!= eth0", "?"), "To": the address, "ToPort"}]; a field
 * the rule does not match is absent or null. */
int eng_net_dnat_rules(json_t **out, struct brig_err *e);

#endif
