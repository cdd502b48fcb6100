/* SPDX-License-Identifier: Apache-2.0 */
/* engine/net: IPv4 prefixes and the IPAM.  A network's leases are one
 * file, ROOT/networks/<id>/leases.json ({"A.B.C.D": "<container id>"}),
 * replaced atomically (temporary file, fsync, rename) under the networks
 * lock: a crash leaves the old leases or the new. */
#include "engine/net/net-internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LEASES "leases.json"
#define LEASES_MAX ((size_t)4 << 20)

uint32_t net_mask(unsigned plen)
{
	return plen == 0 ? 0 : 0xffffffffU << (32 - plen);
}

bool net_overlap(struct in_addr a, unsigned alen, struct in_addr b, unsigned blen)
{
	uint32_t m = net_mask(alen < blen ? alen : blen);
	return (ntohl(a.s_addr) & m) == (ntohl(b.s_addr) & m);
}

int net_parse_cidr(const char *s, struct in_addr *net, unsigned *plen, struct brig_err *e)
{
	const char *slash = strchr(s, '/');
	char addr[INET_ADDRSTRLEN];
	uint64_t len;
	if (!slash || (size_t)(slash - s) >= sizeof(addr) || brig_parse_u64(slash + 1, &len) < 0 ||
	    len < 8 || len > 30)
		return brig_err_set(
			e, -EINVAL,
			"--subnet \"%.64s\": not an IPv4 prefix A.B.C.D/LEN (LEN 8 to 30)", s);
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = 0;
	if (inet_pton(AF_INET, addr, net) != 1)
		return brig_err_set(e, -EINVAL, "--subnet \"%.64s\": \"%s\" is not an IPv4 address",
				    s, addr);
	*plen = (unsigned)len;
	if (ntohl(net->s_addr) & ~net_mask(*plen))
		return brig_err_set(
			e, -EINVAL, "--subnet \"%.64s\": host bits are set (the prefix is %s/%u?)",
			s,
			inet_ntop(AF_INET,
				  &(struct in_addr){ htonl(ntohl(net->s_addr) & net_mask(*plen)) },
				  addr, sizeof(addr)),
			*plen);
	return 0;
}

int net_leases_load(int netsfd, const char *id, json_t **out, struct brig_err *e)
{
	char path[NET_ID_LEN + 32];
	(void)snprintf(path, sizeof(path), "%s/" LEASES, id);
	json_t *doc = NULL;
	int r = bj_load_file(netsfd, path, LEASES_MAX, &doc, e);
	if (r == -ENOENT) {
		brig_err_clear(e);
		*out = json_object();
		return *out ? 0 : brig_err_oom(e);
	}
	if (r < 0)
		return r;
	const char *k;
	json_t *v;
	struct in_addr a;
	json_object_foreach(doc, k, v)
	{
		if (inet_pton(AF_INET, k, &a) != 1 || !json_is_string(v)) {
			json_decref(doc);
			return brig_err_set(e, -EINVAL, "networks/%s: lease \"%.32s\" is malformed",
					    path, k);
		}
	}
	if (!json_is_object(doc)) {
		json_decref(doc);
		return brig_err_set(e, -EINVAL, "networks/%s: expected an object", path);
	}
	*out = doc;
	return 0;
}

int net_leases_write(int netsfd, const char *id, const json_t *leases, bool durable,
		     struct brig_err *e)
{
	_cleanup_close_ int dfd = openat(netsfd, id,
					 O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd < 0)
		return brig_err_sys(e, errno, "networks/%.12s", id);
	_cleanup_free_ char *text = json_dumps(leases, JSON_SORT_KEYS | JSON_COMPACT);
	if (!text)
		return brig_err_oom(e);
	return brig_atomic_replace(dfd, LEASES, text, strlen(text), 0644, durable, e);
}

int net_lease_of(const json_t *leases, const char *ctr, struct in_addr *out)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)leases, k, v)
	{
		if (strcmp(json_string_value(v), ctr) == 0)
			return inet_pton(AF_INET, k, out) == 1 ? 0 : -EINVAL;
	}
	return -ENOENT;
}

int net_ipam_next(const struct net_rec *r, const json_t *leases, struct in_addr *out,
		  struct brig_err *e)
{
	uint32_t base = ntohl(r->subnet.s_addr), size = ~net_mask(r->plen);
	for (uint32_t i = 1; i < size; i++) {
		struct in_addr a = { htonl(base + i) };
		char txt[INET_ADDRSTRLEN];
		if (a.s_addr == r->gateway.s_addr)
			continue;
		(void)inet_ntop(AF_INET, &a, txt, sizeof(txt));
		if (!json_object_get(leases, txt)) {
			*out = a;
			return 0;
		}
	}
	return brig_err_set(e, -ENOSPC, "network %s: no free address left in its subnet", r->name);
}

int net_ipam_want(const struct net_rec *r, const json_t *leases, const char *want,
		  struct in_addr *out, struct brig_err *e)
{
	char sub[INET_ADDRSTRLEN];
	if (inet_pton(AF_INET, want, out) != 1)
		return brig_err_set(e, -EINVAL, "--ip \"%.64s\": not an IPv4 address", want);
	uint32_t a = ntohl(out->s_addr), base = ntohl(r->subnet.s_addr);
	(void)inet_ntop(AF_INET, &r->subnet, sub, sizeof(sub));
	if ((a & net_mask(r->plen)) != base || a == base || a == (base | ~net_mask(r->plen)))
		return brig_err_set(e, -EINVAL, "--ip %s: not a host address of network %s (%s/%u)",
				    want, r->name, sub, r->plen);
	if (out->s_addr == r->gateway.s_addr)
		return brig_err_set(e, -EADDRINUSE, "--ip %s: the gateway of network %s", want,
				    r->name);
	const json_t *by = json_object_get(leases, want);
	if (by)
		return brig_err_set(e, -EADDRINUSE, "--ip %s: in use by container %.12s", want,
				    json_string_value(by));
	return 0;
}

int net_parse_cidr6(const char *s, struct in6_addr *net, unsigned *plen, struct brig_err *e)
{
	const char *slash = strchr(s, '/');
	char addr[INET6_ADDRSTRLEN];
	uint64_t len;
	if (!slash || (size_t)(slash - s) >= sizeof(addr) || brig_parse_u64(slash + 1, &len) < 0 ||
	    len < 48 || len > 96)
		return brig_err_set(
			e, -EINVAL,
			"--subnet \"%.64s\": not an IPv6 prefix ADDR/LEN (LEN 48 to 96)", s);
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = 0;
	if (inet_pton(AF_INET6, addr, net) != 1)
		return brig_err_set(e, -EINVAL, "--subnet \"%.64s\": \"%s\" is not an IPv6 address",
				    s, addr);
	*plen = (unsigned)len;
	for (unsigned bit = *plen; bit < 128; bit++)
		if (net->s6_addr[bit / 8] & (0x80 >> (bit % 8)))
			return brig_err_set(e, -EINVAL, "--subnet \"%.64s\": host bits are set", s);
	return 0;
}

bool net_overlap6(const struct in6_addr *a, unsigned alen, const struct in6_addr *b, unsigned blen)
{
	unsigned len = alen < blen ? alen : blen;
	for (unsigned bit = 0; bit < len; bit++) {
		unsigned char m = (unsigned char)(0x80 >> (bit % 8));
		if ((a->s6_addr[bit / 8] & m) != (b->s6_addr[bit / 8] & m))
			return false;
	}
	return true;
}

/* The host part of an IPv4 address (at most 24 bits: a prefix is 8 to 30)
 * added to the low 32 bits of the IPv6 subnet (a prefix of 96 bits at
 * most, so they are host bits, clear). */
void net_addr6_of(const struct net_rec *r, struct in_addr a, struct in6_addr *out)
{
	uint32_t host = ntohl(a.s_addr) & ~net_mask(r->plen), low;
	*out = r->subnet6;
	memcpy(&low, &out->s6_addr[12], 4);
	low = htonl(ntohl(low) | host);
	memcpy(&out->s6_addr[12], &low, 4);
}
