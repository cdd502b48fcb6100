/* SPDX-License-Identifier: Apache-2.0 */
/* --network, --add-host, --dns*: values checked as they are given. */
#include "engine/netcfg/netcfg.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const mode_names[] = {
	[ENG_NET_NONE] = "none",   [ENG_NET_HOST] = "host",     [ENG_NET_CONTAINER] = "container",
	[ENG_NET_PASTA] = "pasta", [ENG_NET_BRIDGE] = "bridge",
};

const char *eng_net_mode_name(enum eng_net_mode m)
{
	return (size_t)m < BRIG_ARRAY_SIZE(mode_names) ? mode_names[m] : "none";
}

/* A bridge network's name or id (engine/net checks it at create). */
static int net_named(const char *name, char *target, size_t size, struct brig_err *e)
{
	if (strcmp(name, "slirp4netns") == 0 || strcmp(name, "private") == 0 ||
	    strcmp(name, "default") == 0)
		return brig_err_set(e, -EINVAL, "--network %s is not supported by brig", name);
	if (strlen(name) >= size)
		return brig_err_set(e, -EINVAL, "--network %.64s...: not a network name", name);
	memcpy(target, name, strlen(name) + 1);
	return 0;
}

int eng_net_mode_parse(const char *s, enum eng_net_mode *mode, char *target, size_t size,
		       struct brig_err *e)
{
	target[0] = '\0';
	if (!s || strcmp(s, "none") == 0 || strcmp(s, "") == 0) {
		*mode = ENG_NET_NONE;
		return 0;
	}
	if (strcmp(s, "host") == 0 || strcmp(s, "pasta") == 0) {
		*mode = s[0] == 'h' ? ENG_NET_HOST : ENG_NET_PASTA;
		return 0;
	}
	if (strncmp(s, "container:", 10) == 0) {
		if (!s[10])
			return brig_err_set(e, -EINVAL,
					    "--network container: needs a container name or id");
		if (brig_snprintf(target, size, "%s", s + 10) < 0)
			return brig_err_set(e, -EINVAL, "--network container: name too long");
		*mode = ENG_NET_CONTAINER;
		return 0;
	}
	*mode = ENG_NET_BRIDGE;
	return net_named(s, target, size, e);
}

static bool ip_ok(const char *s)
{
	unsigned char buf[sizeof(struct in6_addr)];
	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* RFC 1123 names, dots allowed (Docker checks only for a non-empty name
 * without whitespace; brig refuses what a hosts file cannot hold). */
static bool host_ok(const char *s, size_t n)
{
	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9');
		if (!alnum && !((c == '-' || c == '.' || c == '_') && i > 0))
			return false;
	}
	return true;
}

int eng_add_host_check(const char *s, struct brig_err *e)
{
	const char *colon = strchr(s, ':');
	if (!colon)
		return brig_err_set(e, -EINVAL, "--add-host \"%.200s\": use HOST:IP", s);
	if (!host_ok(s, (size_t)(colon - s)))
		return brig_err_set(e, -EINVAL, "--add-host \"%.200s\": invalid host name", s);
	char ip[INET6_ADDRSTRLEN + 2];
	const char *v = colon + 1;
	size_t n = strlen(v);
	if (n >= 2 && v[0] == '[' && v[n - 1] == ']') {
		v++;
		n -= 2;
	}
	if (strcmp(v, "host-gateway") == 0)
		return brig_err_set(e, -EINVAL,
				    "--add-host \"%.200s\": host-gateway needs a bridge network",
				    s);
	if (n >= sizeof(ip) || (memcpy(ip, v, n), ip[n] = '\0', !ip_ok(ip)))
		return brig_err_set(e, -EINVAL,
				    "--add-host \"%.200s\": \"%.*s\" is not an IP address", s,
				    (int)(n > 64 ? 64 : n), v);
	return 0;
}

static bool has_space(const char *s)
{
	return strpbrk(s, " \t\r\n") != NULL;
}

static int check_dns(const struct eng_netcfg *n, struct brig_err *e)
{
	for (char **p = n->dns; p && *p; p++)
		if (!ip_ok(*p))
			return brig_err_set(e, -EINVAL, "--dns \"%.200s\": not an IP address", *p);
	for (char **p = n->dns_search; p && *p; p++)
		if (!**p || has_space(*p) || strlen(*p) > 253)
			return brig_err_set(e, -EINVAL, "--dns-search \"%.200s\": not a domain",
					    *p);
	for (char **p = n->dns_options; p && *p; p++)
		if (!**p || has_space(*p))
			return brig_err_set(e, -EINVAL, "--dns-option \"%.200s\": invalid option",
					    *p);
	for (char **p = n->add_hosts; p && *p; p++) {
		int r = eng_add_host_check(*p, e);
		if (r < 0)
			return r;
	}
	for (char **p = n->aliases; p && *p; p++)
		if (!host_ok(*p, strlen(*p)))
			return brig_err_set(e, -EINVAL, "--network-alias \"%.200s\": invalid name",
					    *p);
	for (char **p = n->links; p && *p; p++) {
		const char *colon = strchr(*p, ':');
		size_t nl = colon ? (size_t)(colon - *p) : strlen(*p);
		if (!nl || !host_ok(*p, nl) || (colon && !host_ok(colon + 1, strlen(colon + 1))))
			return brig_err_set(e, -EINVAL, "--link \"%.200s\": NAME[:ALIAS]", *p);
	}
	return 0;
}

/* A unicast MAC address, not zero: six colon-separated hex pairs. */
static bool mac_ok(const char *s)
{
	unsigned v[6];
	char end;
	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &end) != 6)
		return false;
	for (size_t i = 2; i < 17; i += 3)
		if (s[i] != ':')
			return false;
	return !(v[0] & 1) && (v[0] | v[1] | v[2] | v[3] | v[4] | v[5]);
}

static int check_addrs(const struct eng_netcfg *n, struct brig_err *e)
{
	struct in_addr a;
	if ((n->ip[0] || n->mac[0]) && n->mode != ENG_NET_BRIDGE)
		return brig_err_set(
			e, -EINVAL,
			"--ip and --mac-address need a bridge network (--network NAME)");
	if (n->ip[0] && inet_pton(AF_INET, n->ip, &a) != 1)
		return brig_err_set(e, -EINVAL, "--ip \"%s\": not an IPv4 address", n->ip);
	if (n->mac[0] && !mac_ok(n->mac))
		return brig_err_set(e, -EINVAL,
				    "--mac-address \"%s\": not a unicast MAC address "
				    "(XX:XX:XX:XX:XX:XX, first octet even)",
				    n->mac);
	return 0;
}

int eng_netcfg_check(const struct eng_netcfg *n, struct brig_err *e)
{
	int r = check_dns(n, e);
	if (r < 0 || (r = check_addrs(n, e)) < 0)
		return r;
	bool own_files = n->mode != ENG_NET_CONTAINER;
	if (!own_files && (n->dns || n->dns_search || n->dns_options || n->add_hosts))
		return brig_err_set(
			e, -EINVAL,
			"--dns, --dns-search, --dns-option and --add-host cannot be "
			"used with --network container: (it has the other container's)");
	if (n->aliases && n->mode != ENG_NET_PASTA && n->mode != ENG_NET_NONE &&
	    n->mode != ENG_NET_BRIDGE)
		return brig_err_set(e, -EINVAL, "--network-alias cannot be used with --network %s",
				    eng_net_mode_name(n->mode));
	if (n->links && n->mode != ENG_NET_BRIDGE)
		return brig_err_set(e, -EINVAL,
				    "--link needs a bridge network (--network NAME|bridge), not %s",
				    eng_net_mode_name(n->mode));
	if (n->egress_none && n->mode != ENG_NET_NONE && n->mode != ENG_NET_BRIDGE)
		return brig_err_set(e, -EINVAL,
				    "--egress none cannot be used with --network %s: brig limits "
				    "the egress of bridge networks only",
				    eng_net_mode_name(n->mode));
	bool publish = n->n_ports || n->publish_all;
	if (publish && (n->mode == ENG_NET_HOST || n->mode == ENG_NET_CONTAINER))
		return brig_err_set(e, -EINVAL,
				    "-p/-P cannot be used with --network %s: the container has "
				    "%s ports",
				    eng_net_mode_name(n->mode),
				    n->mode == ENG_NET_HOST ? "the host's"
							    : "the other container's");
	if (publish && n->mode == ENG_NET_NONE)
		return brig_err_set(e, -EINVAL,
				    "-p/-P: --network none has no network to publish from "
				    "(use --network pasta)");
	return 0;
}

void eng_netcfg_clear(struct eng_netcfg *n)
{
	brig_strv_free(n->add_hosts);
	brig_strv_free(n->dns);
	brig_strv_free(n->dns_search);
	brig_strv_free(n->dns_options);
	brig_strv_free(n->aliases);
	brig_strv_free(n->links);
	brig_strv_free(n->expose);
	free(n->ports);
	*n = (struct eng_netcfg){ 0 };
}
