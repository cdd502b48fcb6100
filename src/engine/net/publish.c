/* SPDX-License-Identifier: Apache-2.0 */
/* engine/net: published ports (-p, -P) of containers on bridge networks.
 *
 * While a container runs, its bindings (NetworkSettings.Ports of its
 * record) are in ROOT/networks/<id>/published.json ({"<container id>":
 * [{"Proto":"tcp","HostIp":"127.0.0.1","HostPort":8080,"Port":80}]}),
 * written when it is attached and dropped when it ends or is removed
 * (eng_net_unpublish, eng_net_release); nft.c turns them into DNAT rules.
 * A port another container publishes, or a program of the host has bound,
 * is refused at start; the port is then held (bound) by the container's
 * monitor while it runs (docs/network.md).  IPv6 host addresses on
 * --ipv6 networks only (nftables does not translate between families),
 * but ::1 (TCP) on any: Linux has no route_localnet for IPv6, so a small
 * proxy relays it to the container's IPv4 address (proxy.c,
 * docs/network.md). */
#include "engine/net/net-internal.h"
#include "engine/engine-internal.h"
#include "engine/record-internal.h"
#include "engine/netcfg/netcfg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PUBLISHED "published.json"
#define PUBLISHED_MAX ((size_t)4 << 20)

int net_obj_load(int netsfd, const char *id, const char *name, json_t **out, struct brig_err *e)
{
	char path[NET_ID_LEN + 32];
	(void)snprintf(path, sizeof(path), "%s/%s", id, name);
	json_t *doc = NULL;
	int r = bj_load_file(netsfd, path, PUBLISHED_MAX, &doc, e);
	if (r == -ENOENT) {
		brig_err_clear(e);
		*out = json_object();
		return *out ? 0 : brig_err_oom(e);
	}
	if (r < 0)
		return r;
	if (!json_is_object(doc)) {
		json_decref(doc);
		return brig_err_set(e, -EINVAL, "networks/%s: expected an object", path);
	}
	*out = doc;
	return 0;
}

int net_pub_load(int netsfd, const char *id, json_t **out, struct brig_err *e)
{
	return net_obj_load(netsfd, id, PUBLISHED, out, e);
}

int net_obj_write(int netsfd, const char *id, const char *name, const json_t *obj, bool durable,
		  struct brig_err *e)
{
	_cleanup_close_ int dfd = openat(netsfd, id,
					 O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd < 0)
		return brig_err_sys(e, errno, "networks/%.12s", id);
	if (json_object_size(obj) == 0) {
		if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
			return brig_err_sys(e, errno, "networks/%.12s/%s", id, name);
		return 0;
	}
	_cleanup_free_ char *text = json_dumps(obj, JSON_SORT_KEYS | JSON_COMPACT);
	if (!text)
		return brig_err_oom(e);
	return brig_atomic_replace(dfd, name, text, strlen(text), 0644, durable, e);
}

int net_pub_parse(const json_t *v, const struct bj_loc *at, struct net_pub *p, struct brig_err *e)
{
	const char *proto, *ip;
	int64_t hp, cp;
	int x;
	if ((x = bj_get_str(v, at, "Proto", true, &proto, e)) < 0 ||
	    (x = bj_get_str(v, at, "HostIp", true, &ip, e)) < 0 ||
	    (x = bj_get_int(v, at, "HostPort", true, 1, 65535, &hp, e)) < 0 ||
	    (x = bj_get_int(v, at, "Port", true, 1, 65535, &cp, e)) < 0)
		return x;
	if (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0)
		return bj_fail(e, at, "Proto: tcp or udp");
	p->v6 = strchr(ip, ':') != NULL;
	if (p->v6 ? inet_pton(AF_INET6, ip, &p->host6) != 1 : inet_pton(AF_INET, ip, &p->host) != 1)
		return bj_fail(e, at, "HostIp: not an IP address");
	p->udp = proto[0] == 'u';
	p->host_port = (uint16_t)hp;
	p->port = (uint16_t)cp;
	return 0;
}

static const char *pub_ip(const struct net_pub *p, char ip[INET6_ADDRSTRLEN])
{
	return inet_ntop(p->v6 ? AF_INET6 : AF_INET, p->v6 ? (const void *)&p->host6 : &p->host, ip,
			 INET6_ADDRSTRLEN);
}

static json_t *pub_json(const struct net_pub *p)
{
	char ip[INET6_ADDRSTRLEN];
	(void)pub_ip(p, ip);
	return json_pack("{s:s,s:s,s:i,s:i}", "Proto", p->udp ? "udp" : "tcp", "HostIp", ip,
			 "HostPort", (int)p->host_port, "Port", (int)p->port);
}

/* One binding of NetworkSettings.Ports ("80/tcp": {"HostIp", "HostPort"}). */
static int binding(const struct net_rec *r, const char *key, const json_t *b, struct net_pub *p,
		   struct brig_err *e)
{
	struct eng_port k;
	const char *ip = json_string_value(json_object_get(b, "HostIp"));
	const char *hp = json_string_value(json_object_get(b, "HostPort"));
	uint64_t port;
	if (eng_expose_parse(key, &k, e) < 0 || !ip || !hp || brig_parse_u64(hp, &port) < 0 ||
	    port == 0 || port > 65535)
		return brig_err_set(e, -EINVAL, "NetworkSettings.Ports: \"%.32s\" is malformed",
				    key);
	*p = (struct net_pub){ .v6 = strchr(ip, ':') != NULL };
	int x = p->v6 ? eng_net_publish_ip6(r->name, r->ipv6, ip, k.udp, e) : 0;
	if (x < 0)
		return x;
	if (p->v6 ? inet_pton(AF_INET6, ip, &p->host6) != 1 : inet_pton(AF_INET, ip, &p->host) != 1)
		return brig_err_set(e, -EINVAL, "NetworkSettings.Ports: \"%.64s\" is malformed",
				    ip);
	p->udp = k.udp;
	p->port = k.ctr_lo;
	p->host_port = (uint16_t)port;
	return 0;
}

/* The container's bindings, from its record doc: on the network it was
 * made with (HostConfig.NetworkMode) only, not on those it was connected
 * to. */
static int ports_of(const json_t *doc, const struct net_rec *r, struct net_pub **v, size_t *n,
		    struct brig_err *e)
{
	const json_t *ports = json_object_get(json_object_get(doc, "NetworkSettings"), "Ports");
	const char *mode = json_string_value(
		json_object_get(json_object_get(doc, "HostConfig"), "NetworkMode"));
	const char *key;
	json_t *list, *b;
	size_t i;
	int x;
	*v = NULL;
	*n = 0;
	if (!mode || !mode[0] ||
	    (strcmp(mode, r->name) != 0 && strncmp(r->id, mode, strlen(mode)) != 0))
		return 0;
	json_object_foreach((json_t *)ports, key, list) json_array_foreach(list, i, b)
	{
		struct net_pub *nv = realloc(*v, (*n + 1) * sizeof(**v));
		if (!nv)
			return brig_err_oom(e);
		*v = nv;
		if ((x = binding(r, key, b, &nv[*n], e)) < 0)
			return x;
		(*n)++;
	}
	return 0;
}

/* The host ports of the container this process runs, bound (not
 * listening: the DNAT rules take every connection first) for as long as
 * it runs, so that no program of the host and no other container can bind
 * them meanwhile.  The process is the container's monitor: its exec into
 * brig-monitor keeps them (monitor_handoff.c), brig-monitor's exec back
 * into brig at the end of the run closes them, and a monitor that is
 * killed takes them with it. */
#define HELD_MAX 1024
static int held[HELD_MAX];
static size_t nheld;

static void hold(int fd)
{
	if (nheld < HELD_MAX)
		held[nheld++] = fd;
	else
		(void)close(fd); /* checked, not held */
}

void eng_net_held(const int **fds, size_t *n)
{
	*fds = held;
	*n = nheld;
}

void eng_net_held_release(void)
{
	net_proxy_stop();
	for (size_t i = 0; i < nheld; i++)
		(void)close(held[i]);
	nheld = 0;
}

bool net_pub_proxied(const struct net_pub *p)
{
	return p->v6 && IN6_IS_ADDR_LOOPBACK(&p->host6);
}

/* One family only: the held IPv6 sockets are IPV6_V6ONLY. */
static bool clash(const struct net_pub *a, const struct net_pub *b)
{
	if (a->udp != b->udp || a->host_port != b->host_port || a->v6 != b->v6)
		return false;
	if (a->v6)
		return IN6_IS_ADDR_UNSPECIFIED(&a->host6) || IN6_IS_ADDR_UNSPECIFIED(&b->host6) ||
			IN6_ARE_ADDR_EQUAL(&a->host6, &b->host6);
	bool any = a->host.s_addr == htonl(INADDR_ANY) || b->host.s_addr == htonl(INADDR_ANY);
	return any || a->host.s_addr == b->host.s_addr;
}

static int in_use(const struct net_pub *p, const char *by, struct brig_err *e)
{
	char ip[INET6_ADDRSTRLEN];
	(void)pub_ip(p, ip);
	return brig_err_set(e, -EADDRINUSE, "-p %s:%u:%u/%s: %s:%u is already in use%s%.12s", ip,
			    (unsigned)p->host_port, (unsigned)p->port, p->udp ? "udp" : "tcp", ip,
			    (unsigned)p->host_port, by[0] ? " by container " : "", by);
}

/* Bind the host port and keep the socket.  A TCP port whose only other
 * users are connections in TIME_WAIT (a host server that ended) is bound
 * again with SO_REUSEADDR, as a server restarting would; SO_REUSEADDR is
 * then cleared, so that a program binding the port later, with it or
 * not, still finds it taken (Linux shares a port between two sockets
 * that both set it and neither listens).  Only after a first bind
 * without it failed: a free port is bound as it always was. */
static int hold_port(const struct net_pub *p, int *out, struct brig_err *e)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(p->host_port),
				  .sin_addr = p->host };
	struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6,
				    .sin6_port = htons(p->host_port),
				    .sin6_addr = p->host6 };
	const struct sockaddr *a = p->v6 ? (struct sockaddr *)&sa6 : (struct sockaddr *)&sa;
	socklen_t alen = p->v6 ? sizeof(sa6) : sizeof(sa);
	int one = 1, zero = 0;
	for (int reuse = 0; reuse <= !p->udp; reuse++) {
		_cleanup_close_ int fd = socket(p->v6 ? AF_INET6 : AF_INET,
						(p->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC,
						0);
		if (fd < 0 ||
		    (p->v6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) ||
		    (reuse && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0))
			return brig_err_sys(e, errno, "-p: socket");
		if (bind(fd, a, alen) == 0) {
			/* (kept for ::1: it listens, which Linux checks again) */
			if (reuse && !net_pub_proxied(p) &&
			    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &zero, sizeof(zero)) < 0)
				return brig_err_sys(e, errno, "-p: socket");
			*out = brig_steal_fd(fd);
			return 0;
		}
		if (errno != EADDRINUSE)
			return brig_err_sys(e, errno, "-p: binding port %u to check it",
					    (unsigned)p->host_port);
	}
	return in_use(p, "", e);
}

/* Not published by another container (published.json of every network),
 * nor bound by a program of the host (hold_port); held by this process,
 * or for ::1 by the proxy (it listens there, to CTR:PORT). */
static int port_free(const struct net_dir *h, const char *ctr, struct in_addr to,
		     const struct net_pub *p, struct brig_err *e)
{
	for (size_t i = 0; i < h->n; i++) {
		_cleanup_json_ json_t *pub = NULL;
		int x = net_pub_load(h->fd, h->all[i].id, &pub, e);
		if (x < 0)
			return x;
		const char *other;
		json_t *list, *v;
		size_t k;
		json_object_foreach(pub, other, list) json_array_foreach(list, k, v)
		{
			struct net_pub q;
			struct bj_loc at;
			bj_root(&at, PUBLISHED);
			if (strcmp(other, ctr) != 0 && net_pub_parse(v, &at, &q, e) == 0 &&
			    clash(p, &q))
				return in_use(p, other, e);
			brig_err_clear(e);
		}
	}
	int fd = -1, x = hold_port(p, &fd, e);
	if (x < 0)
		return x;
	if (net_pub_proxied(p))
		return net_proxy_add(fd, to, p->port, e);
	hold(fd);
	return 0;
}

int net_pub_attach(const struct net_dir *h, size_t idx, const char *ctr, const json_t *doc,
		   struct brig_err *e)
{
	_cleanup_free_ struct net_pub *v = NULL;
	_cleanup_json_ json_t *pub = NULL, *leases = NULL, *arr = json_array();
	const char *netid = h->all[idx].id;
	struct in_addr to = { 0 };
	size_t n;
	int x = ports_of(doc, &h->all[idx], &v, &n, e);
	if (x < 0 || (x = net_pub_load(h->fd, netid, &pub, e)) < 0 ||
	    (x = net_leases_load(h->fd, netid, &leases, e)) < 0)
		return x;
	if (!arr)
		return brig_err_oom(e);
	(void)net_lease_of(leases, ctr, &to);
	for (size_t i = 0; i < n; i++) {
		if ((x = port_free(h, ctr, to, &v[i], e)) < 0)
			return x;
		if (json_array_append_new(arr, pub_json(&v[i])) < 0)
			return brig_err_oom(e);
	}
	if (n == 0 && !json_object_get(pub, ctr))
		return 0;
	x = n ? json_object_set(pub, ctr, arr) : json_object_del(pub, ctr);
	return x < 0 ? brig_err_oom(e) : net_obj_write(h->fd, netid, PUBLISHED, pub, false, e);
}

int net_pub_drop(int netsfd, const char *netid, const char *ctr, bool *changed, struct brig_err *e)
{
	_cleanup_json_ json_t *pub = NULL;
	int x = net_pub_load(netsfd, netid, &pub, e);
	if (x < 0 || !json_object_get(pub, ctr))
		return x;
	*changed = true;
	(void)json_object_del(pub, ctr);
	return net_obj_write(netsfd, netid, PUBLISHED, pub, false, e);
}

void eng_net_unpublish(struct eng *g, const char *ctr)
{
	_cleanup_netdir_ struct net_dir h = { .fd = -1, .lock = -1 };
	_cleanup_err_ struct brig_err e = { 0 };
	bool changed = false;
	eng_net_held_release(); /* a run of this process ended */
	int x = net_dir_load(g, false, &h, &e);
	if (x == -ENOENT)
		return; /* no network was ever made */
	for (size_t i = 0; x == 0 && i < h.n; i++)
		x = net_pub_drop(h.fd, h.all[i].id, ctr, &changed, &e);
	if (x == 0 && changed)
		x = net_sync_table(h.fd, &e);
	if (x < 0)
		brig_warn("container %.12s: removing its published ports: %s", ctr,
			  brig_err_str(&e));
}

/* One network's published ports with the address of their container. */
static int collect_one(int netsfd, const struct net_rec *r, size_t idx, struct net_dnat **v,
		       size_t *n, struct brig_err *e)
{
	_cleanup_json_ json_t *pub = NULL, *leases = NULL;
	int x;
	if ((x = net_pub_load(netsfd, r->id, &pub, e)) < 0 ||
	    (x = net_leases_load(netsfd, r->id, &leases, e)) < 0)
		return x;
	const char *ctr;
	json_t *list, *p;
	size_t i;
	json_object_foreach(pub, ctr, list)
	{
		struct in_addr a;
		if (!eng_id_valid(ctr) || net_lease_of(leases, ctr, &a) < 0)
			continue; /* no address: nothing to forward to */
		json_array_foreach(list, i, p)
		{
			struct bj_loc at;
			bj_root(&at, PUBLISHED);
			struct net_dnat *nv = realloc(*v, (*n + 1) * sizeof(**v));
			if (!nv)
				return brig_err_oom(e);
			*v = nv;
			nv[*n] = (struct net_dnat){ .net = idx, .ctr_ip = a };
			(void)snprintf(nv[*n].ctr, sizeof(nv[*n].ctr), "%.12s", ctr);
			if ((x = net_pub_parse(p, &at, &nv[*n].p, e)) < 0)
				return brig_err_wrap(e, "networks/%.12s", r->id);
			*n += !net_pub_proxied(&nv[*n].p); /* no rule: the proxy's */
		}
	}
	return 0;
}

int net_pub_collect(int netsfd, const struct net_rec *all, size_t n, const bool *live,
		    struct net_dnat **v, size_t *nv, struct brig_err *e)
{
	*v = NULL;
	*nv = 0;
	int x = 0;
	for (size_t i = 0; x == 0 && i < n; i++)
		if (live[i] && !all[i].internal)
			x = collect_one(netsfd, &all[i], i, v, nv, e);
	if (x < 0) {
		free(*v);
		*v = NULL;
		*nv = 0;
	}
	return x;
}

int eng_net_publish_ip6(const char *network, bool ipv6, const char *ip, bool udp,
			struct brig_err *e)
{
	struct in6_addr a;
	if (inet_pton(AF_INET6, ip, &a) != 1)
		return brig_err_set(e, -EINVAL, "-p [%.64s]: not an IPv6 address", ip);
	if (IN6_IS_ADDR_LOOPBACK(&a))
		return udp ? brig_err_set(e, -EINVAL,
					  "-p [::1]:...:.../udp: a bridge network publishes UDP "
					  "on ::1 not at all (its proxy is TCP's): use 127.0.0.1, "
					  "or --network pasta")
			   : 0; /* proxy.c */
	if (!ipv6)
		return brig_err_set(e, -EINVAL,
				    "-p [%.64s]: network %s has no IPv6 (network create --ipv6)",
				    ip, network);
	return 0;
}

int eng_net_publish_check(struct eng *g, const char *network, const char *const *ips,
			  const bool *udp, struct brig_err *e)
{
	_cleanup_netdir_ struct net_dir h = { .fd = -1, .lock = -1 };
	size_t i;
	int x = net_dir_load(g, true, &h, e);
	if (x < 0 || (x = net_rec_find(h.all, h.n, network, &i, e)) < 0)
		return x;
	if (h.all[i].internal)
		return brig_err_set(e, -EINVAL,
				    "-p/-P: network %s is internal: nothing is published from it",
				    h.all[i].name);
	for (size_t k = 0; ips && ips[k] && x == 0; k++)
		if (strchr(ips[k], ':'))
			x = eng_net_publish_ip6(h.all[i].name, h.all[i].ipv6, ips[k], udp[k], e);
	return x;
}
