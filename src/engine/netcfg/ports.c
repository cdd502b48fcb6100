/* SPDX-License-Identifier: Apache-2.0 */
/*
 * -p [IP:][HOSTPORT:]CONTAINERPORT[/tcp|udp] and --expose PORT[-PORT][/PROTO]
 * into struct eng_port, Docker's forms and refusals.  An address left out
 * is 127.0.0.1 (and, for TCP on a bridge network, ::1 as well): a
 * published port is reachable from this host only unless the user names a
 * wider address.
 */
#include "engine/netcfg/netcfg.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "N" or "N-M", 1..65535 (0 allowed for a host port: any). */
static int parse_range(const char *s, size_t n, bool zero_ok, uint16_t *lo, uint16_t *hi)
{
	unsigned v[2] = { 0, 0 };
	int k = 0;
	size_t digits = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '-' && k == 0 && digits) {
			k = 1;
			digits = 0;
		} else if (c >= '0' && c <= '9' && digits < 5) {
			v[k] = v[k] * 10 + (unsigned)(c - '0');
			digits++;
		} else {
			return -EINVAL;
		}
	}
	if (!digits)
		return -EINVAL;
	if (k == 0)
		v[1] = v[0];
	if (v[0] > 65535 || v[1] > 65535 || v[1] < v[0] || (v[0] == 0 && (!zero_ok || k)))
		return -EINVAL;
	*lo = (uint16_t)v[0];
	*hi = (uint16_t)v[1];
	return 0;
}

/* Cut "/tcp" or "/udp" off the end of s (length *n). */
static int parse_proto(const char *arg, const char *s, size_t *n, bool *udp, struct brig_err *e)
{
	const char *slash = memchr(s, '/', *n);
	*udp = false;
	if (!slash)
		return 0;
	const char *p = slash + 1;
	size_t pl = *n - (size_t)(p - s);
	*n = (size_t)(slash - s);
	if (pl == 3 && strncmp(p, "tcp", 3) == 0)
		return 0;
	if (pl == 3 && strncmp(p, "udp", 3) == 0) {
		*udp = true;
		return 0;
	}
	return brig_err_set(e, -EINVAL, "\"%.200s\": protocol \"%.*s\": tcp or udp", arg,
			    (int)(pl > 16 ? 16 : pl), p);
}

int eng_expose_parse(const char *s, struct eng_port *out, struct brig_err *e)
{
	*out = (struct eng_port){ 0 };
	size_t n = strlen(s);
	int r = parse_proto(s, s, &n, &out->udp, e);
	if (r < 0)
		return r;
	if (parse_range(s, n, false, &out->ctr_lo, &out->ctr_hi) < 0)
		return brig_err_set(e, -EINVAL, "\"%.200s\": invalid port or range", s);
	return 0;
}

/* [IP] in brackets, or up to the colons: split s into ip, host, ctr. */
static int split_spec(const char *s, size_t n, const char *part[3], size_t len[3],
		      struct brig_err *e)
{
	const char *rest = s, *end = s + n;
	part[0] = part[1] = NULL;
	len[0] = len[1] = 0;
	if (n && s[0] == '[') {
		const char *rb = memchr(s, ']', n);
		if (!rb || rb + 1 >= end || rb[1] != ':')
			return brig_err_set(e, -EINVAL, "\"%.200s\": use [IPv6]:HOSTPORT:PORT", s);
		part[0] = s + 1;
		len[0] = (size_t)(rb - s - 1);
		rest = rb + 2;
		const char *c = memchr(rest, ':', (size_t)(end - rest));
		if (!c)
			return brig_err_set(e, -EINVAL, "\"%.200s\": use [IPv6]:HOSTPORT:PORT", s);
		part[1] = rest;
		len[1] = (size_t)(c - rest);
		rest = c + 1;
	} else {
		int colons = 0;
		for (const char *p = s; p < end; p++)
			colons += *p == ':';
		if (colons > 2)
			return brig_err_set(e, -EINVAL,
					    "\"%.200s\": too many colons (an IPv6 address goes in "
					    "brackets: [::1]:8080:80)",
					    s);
		for (int k = 3 - colons - 1; k < 2; k++) {
			const char *c = memchr(rest, ':', (size_t)(end - rest));
			part[k] = rest;
			len[k] = (size_t)(c - rest);
			rest = c + 1;
		}
	}
	if (memchr(rest, ':', (size_t)(end - rest)))
		return brig_err_set(e, -EINVAL, "\"%.200s\": too many colons", s);
	part[2] = rest;
	len[2] = (size_t)(end - rest);
	return 0;
}

static int parse_ip(const char *arg, const char *s, size_t n, bool v6, struct eng_port *out,
		    struct brig_err *e)
{
	unsigned char buf[sizeof(struct in6_addr)];
	if (n == 0) /* ":8080:80": no address given */
		return 0;
	if (n >= sizeof(out->ip))
		return brig_err_set(e, -EINVAL, "\"%.200s\": invalid IP address", arg);
	memcpy(out->ip, s, n);
	out->ip[n] = '\0';
	if (inet_pton(v6 ? AF_INET6 : AF_INET, out->ip, buf) != 1)
		return brig_err_set(e, -EINVAL, "\"%.200s\": invalid IP address \"%s\"%s", arg,
				    out->ip, v6 ? "" : " (IPv6 goes in brackets)");
	out->ip_given = true;
	return 0;
}

int eng_port_parse(const char *s, struct eng_port *out, struct brig_err *e)
{
	*out = (struct eng_port){ 0 };
	size_t n = strlen(s), len[3];
	const char *part[3];
	int r = parse_proto(s, s, &n, &out->udp, e);
	if (r < 0 || (r = split_spec(s, n, part, len, e)) < 0 ||
	    (part[0] && (r = parse_ip(s, part[0], len[0], s[0] == '[', out, e)) < 0))
		return r;
	if (!out->ip_given)
		(void)snprintf(out->ip, sizeof(out->ip), "127.0.0.1");
	if (!len[2])
		return brig_err_set(e, -EINVAL, "\"%.200s\": no container port", s);
	if (parse_range(part[2], len[2], false, &out->ctr_lo, &out->ctr_hi) < 0)
		return brig_err_set(e, -EINVAL, "\"%.200s\": invalid container port \"%.*s\"", s,
				    (int)(len[2] > 16 ? 16 : len[2]), part[2]);
	if (part[1] && len[1] &&
	    parse_range(part[1], len[1], true, &out->host_lo, &out->host_hi) < 0)
		return brig_err_set(e, -EINVAL, "\"%.200s\": invalid host port \"%.*s\"", s,
				    (int)(len[1] > 16 ? 16 : len[1]), part[1]);
	unsigned nc = out->ctr_hi - out->ctr_lo, nh = out->host_hi - out->host_lo;
	if (out->host_lo && nc && nc != nh)
		return brig_err_set(e, -EINVAL,
				    "\"%.200s\": the host range and the container range differ in "
				    "size",
				    s);
	return 0;
}

void eng_port_key(const struct eng_port *p, uint16_t ctr, char *buf, size_t size)
{
	(void)snprintf(buf, size, "%u/%s", (unsigned)ctr, p->udp ? "udp" : "tcp");
}

static bool published(const struct eng_port *v, size_t n, uint16_t port, bool udp)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].ctr_lo == port && v[i].udp == udp)
			return true;
	return false;
}

static int push(struct eng_port **v, size_t *n, const struct eng_port *p, struct brig_err *e)
{
	if (*n >= 65536 * 2)
		return brig_err_set(e, -E2BIG, "-p: too many ports");
	struct eng_port *nv = realloc(*v, (*n + 1) * sizeof(**v));
	if (!nv)
		return brig_err_oom(e);
	nv[(*n)++] = *p;
	*v = nv;
	return 0;
}

/* -P: each exposed port (the image's, then --expose) not published by -p,
 * on 127.0.0.1 with a host port chosen later. */
static int expand_exposed(char *const *list, struct eng_port **v, size_t *n, size_t n_p,
			  struct brig_err *e)
{
	for (char *const *x = list; x && *x; x++) {
		struct eng_port p;
		int r = eng_expose_parse(*x, &p, e);
		if (r < 0)
			return brig_err_wrap(e, "exposed port");
		(void)snprintf(p.ip, sizeof(p.ip), "127.0.0.1");
		for (unsigned c = p.ctr_lo; c <= p.ctr_hi; c++) {
			struct eng_port one = p;
			one.ctr_lo = one.ctr_hi = (uint16_t)c;
			if (!published(*v, n_p, (uint16_t)c, p.udp) &&
			    (r = push(v, n, &one, e)) < 0)
				return r;
		}
	}
	return 0;
}

int eng_net_ports_expand(const struct eng_netcfg *nc, char *const *image_exposed,
			 struct eng_port **v, size_t *n, struct brig_err *e)
{
	*v = NULL;
	*n = 0;
	int r = 0;
	for (size_t i = 0; r == 0 && i < nc->n_ports; i++) {
		const struct eng_port *p = &nc->ports[i];
		for (unsigned c = p->ctr_lo; r == 0 && c <= p->ctr_hi; c++) {
			struct eng_port one = *p;
			one.ctr_lo = one.ctr_hi = (uint16_t)c;
			/* a host range for one container port: its first port */
			one.host_lo = one.host_hi = p->host_lo
				? (uint16_t)(p->host_lo + (c - p->ctr_lo))
				: 0;
			r = push(v, n, &one, e);
		}
	}
	size_t n_p = *n;
	if (r == 0 && nc->publish_all)
		r = expand_exposed(image_exposed, v, n, n_p, e);
	if (r == 0 && nc->publish_all)
		r = expand_exposed(nc->expose, v, n, n_p, e);
	if (r < 0) {
		free(*v);
		*v = NULL;
		*n = 0;
	}
	return r;
}

int eng_net_ports_loopback6(struct eng_port **v, size_t *n, struct brig_err *e)
{
	struct eng_port *out = NULL;
	size_t k = 0;
	int r = 0;
	for (size_t i = 0; r == 0 && i < *n; i++) {
		struct eng_port six = (*v)[i];
		(void)snprintf(six.ip, sizeof(six.ip), "::1");
		r = push(&out, &k, &(*v)[i], e);
		if (r == 0 && !(*v)[i].ip_given && !(*v)[i].udp)
			r = push(&out, &k, &six, e);
	}
	if (r < 0) {
		free(out);
		return r;
	}
	free(*v);
	*v = out;
	*n = k;
	return 0;
}
