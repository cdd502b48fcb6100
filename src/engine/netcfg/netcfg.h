/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine/netcfg: how a container is networked (docs/network-modes.md).
 *
 *   --network none|host|container:NAME|pasta   the mode (none by default)
 *   --hostname, --add-host, --dns, --dns-search, --dns-option,
 *   --network-alias                            /etc/hosts, /etc/resolv.conf
 *   -p, -P, --expose                           published ports
 *
 * The parsers here are pure (unit-tested in tests/unit/engine_netcfg);
 * the engine's glue (the spec, the record, the namespace to join, pasta)
 * is in net.c, compiled with the engine.
 */
#ifndef BRIG_ENGINE_NETCFG_H
#define BRIG_ENGINE_NETCFG_H

#include "common/common.h"

#include <netinet/in.h>
#include <stdint.h>

/* ENG_NET_BRIDGE: a bridge network (brig network create, or the default
 * "bridge") named in target; engine/net makes and plugs it. */
enum eng_net_mode { ENG_NET_NONE, ENG_NET_HOST, ENG_NET_CONTAINER, ENG_NET_PASTA, ENG_NET_BRIDGE };

/* --network VALUE: mode, and for container: the NAME|ID, for a bridge
 * network its name (in target, which must hold 256 bytes).  Whether that
 * network exists is checked at create (engine/net). */
int eng_net_mode_parse(const char *s, enum eng_net_mode *mode, char *target, size_t size,
		       struct brig_err *e);
/* Docker's name of the mode, as HostConfig.NetworkMode shows it ("bridge"
 * for every bridge network: the record names the network itself). */
const char *eng_net_mode_name(enum eng_net_mode m);

/* One published port (or range) of -p, or an exposed one (-P, --expose). */
struct eng_port {
	char ip[INET6_ADDRSTRLEN]; /* host address; "" until defaulted (127.0.0.1) */
	uint16_t host_lo, host_hi; /* 0: any free port */
	uint16_t ctr_lo, ctr_hi;
	bool udp;
	bool ip_given; /* the user named the address */
};
/* -p [IP:][HOSTPORT:]CONTAINERPORT[/tcp|udp], Docker's forms: ranges
 * (8080-8081:80-81; a host range with one container port), IPv6 in
 * brackets ([::1]:8080:80), an empty host port (127.0.0.1::80).  An
 * address left out is 127.0.0.1. */
int eng_port_parse(const char *s, struct eng_port *out, struct brig_err *e);
/* --expose PORT[-PORT][/tcp|udp] (and an image's ExposedPorts key). */
int eng_expose_parse(const char *s, struct eng_port *out, struct brig_err *e);
/* "80/tcp" for port p of a container range. */
void eng_port_key(const struct eng_port *p, uint16_t ctr, char *buf, size_t size);

/* What the container's /etc/hosts, /etc/resolv.conf and names hold. */
struct eng_netcfg {
	enum eng_net_mode mode;
	char target[256]; /* container:NAME|ID */
	char **add_hosts; /* "HOST:IP", validated */
	char **dns, **dns_search, **dns_options, **aliases;
	char **links; /* --link NAME[:ALIAS], checked; on a bridge network only */
	struct eng_port *ports;
	size_t n_ports;
	bool publish_all; /* -P */
	char **expose; /* --expose, validated */
	char ip[INET_ADDRSTRLEN]; /* --ip on a bridge network, "" when not given */
	char mac[18]; /* --mac-address of eth0, "" when not given */
	bool egress_none; /* --egress none: nothing out of its bridge networks */
};
void eng_netcfg_clear(struct eng_netcfg *n);
/* --add-host HOST:IP (IPv6 may be bracketed; host-gateway is refused:
 * there is no gateway in these modes). */
int eng_add_host_check(const char *s, struct brig_err *e);
/* Checks across the flags: -p only with pasta, no --dns with
 * container:, ... */
int eng_netcfg_check(const struct eng_netcfg *n, struct brig_err *e);

/* One entry per container port: each -p range expanded (a host range
 * for one container port gives its first port), then with -P the exposed
 * ports (image_exposed, "80/tcp" keys, then --expose) that -p did not
 * publish, on 127.0.0.1 with host port 0 (to be chosen). */
int eng_net_ports_expand(const struct eng_netcfg *nc, char *const *image_exposed,
			 struct eng_port **v, size_t *n, struct brig_err *e);

/* A bridge network's TCP ports whose address was left out: each followed
 * by its twin on ::1, the same host port (engine/net/proxy.c serves it). */
int eng_net_ports_loopback6(struct eng_port **v, size_t *n, struct brig_err *e);

/* The files' contents (malloc'd).  host_hosts/host_resolv: the host's
 * files as read (NULL: missing), used for --network host and for the
 * resolvers. */
int eng_hosts_render(const struct eng_netcfg *n, const char *hostname, const char *host_hosts,
		     char **out, struct brig_err *e);
int eng_resolv_render(const struct eng_netcfg *n, const char *host_resolv, char **out,
		      struct brig_err *e);

#endif
