/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig audit containers: published ports of a bridge network as the
 * kernel forwards them (docs/audit.md, "Drift").  Such a port is not a
 * socket but a DNAT rule of `inet brig` (engine/net/nft.c): for each
 * binding of NetworkSettings.Ports, one in the output hook and, unless
 * the address is on 127.0.0.0/8, one in prerouting, forwarding PROTO
 * HOSTIP:HOSTPORT (every local address for 0.0.0.0 or ::) to the
 * container's address on its network and the container port.  The rules
 * the kernel holds, of every table (eng_net_dnat_rules), that forward to
 * one of the container's addresses or name it in their comment are
 * compared with those: a rule that is missing, and one the record does
 * not account for, is drift.  Brig's rules match no input interface and
 * no source address; a rule that does is not brig's.  Who can reach a
 * port through a rule matters too: a loopback binding is for this host's
 * connections only, so a rule that forwards it from other hosts (in a
 * hook other than output, not limited to iifname lo or to sources on
 * 127.0.0.0/8 or ::1) widens it.
 */
#include "audit/audit-internal.h"
#include "engine/net/net.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct au_check d_wide = {
	"brig.drift.ports", AUDIT_HIGH,
	"a DNAT rule forwards a port from more addresses than the record publishes: "
	"investigate (brig forensics, nft list ruleset), then restart the container, which "
	"writes the table inet brig again",
	NULL
};
static const struct au_check d_other = {
	"brig.drift.ports", AUDIT_MEDIUM,
	"a DNAT rule the record does not account for forwards to the container: investigate "
	"(nft list ruleset), remove it, restart the container",
	NULL
};
static const struct au_check d_missing = {
	"brig.drift.ports", AUDIT_INFO,
	"a published port has no DNAT rule (the table inet brig was changed): restart the "
	"container, which writes it again",
	NULL
};
static const struct au_check c_unread = {
	"brig.ctr.unreadable", AUDIT_INFO,
	"run the audit as root (the nftables ruleset needs CAP_NET_ADMIN to be read)", NULL
};

/* One published binding, as brig writes its rules. */
struct want {
	const char *proto, *hostip, *to; /* hostip "" for every address */
	unsigned port, ctr_port;
	bool any, loop;
};

/* Two address texts name the same address (IPv6 has many spellings). */
static bool same_ip(const char *a, const char *b)
{
	unsigned char x[16], y[16];
	if (!a || !b)
		return false;
	int fa = strchr(a, ':') ? AF_INET6 : AF_INET, fb = strchr(b, ':') ? AF_INET6 : AF_INET;
	if (fa != fb || inet_pton(fa, a, x) != 1 || inet_pton(fb, b, y) != 1)
		return strcmp(a, b) == 0;
	return memcmp(x, y, fa == AF_INET6 ? 16 : 4) == 0;
}

static bool rule_any(const json_t *k)
{
	return json_is_true(json_object_get(k, "Local")) || !json_object_get(k, "Daddr");
}

/* Is address or prefix text a ("127.0.0.1", "127.0.0.0/8", "::1/128")
 * on loopback only? */
static bool loopback_only(const char *a)
{
	char ip[INET6_ADDRSTRLEN];
	struct in_addr v4;
	struct in6_addr v6;
	const char *slash = strchr(a, '/');
	size_t n = slash ? (size_t)(slash - a) : strlen(a);
	unsigned long len = slash ? strtoul(slash + 1, NULL, 10) : 128;
	if (n >= sizeof(ip))
		return false;
	memcpy(ip, a, n);
	ip[n] = '\0';
	if (inet_pton(AF_INET, ip, &v4) == 1)
		return (ntohl(v4.s_addr) >> 24) == 127 && len >= 8;
	return inet_pton(AF_INET6, ip, &v6) == 1 && len == 128 && IN6_IS_ADDR_LOOPBACK(&v6);
}

/* Does kernel rule k forward only connections made on this host: in the
 * output hook (locally made packets), or limited to iifname lo or to
 * loopback sources? */
static bool local_only(const json_t *k)
{
	const char *hook = json_string_value(json_object_get(k, "Hook"));
	const char *iif = json_string_value(json_object_get(k, "Iif"));
	const char *src = json_string_value(json_object_get(k, "Saddr"));
	return (hook && strcmp(hook, "output") == 0) || (iif && strcmp(iif, "lo") == 0) ||
		(src && loopback_only(src));
}

/* Does kernel rule k in hook do what brig writes for binding w? */
static bool is_rule_of(const json_t *k, const struct want *w, const char *hook)
{
	const char *kh = json_string_value(json_object_get(k, "Hook"));
	const char *proto = json_string_value(json_object_get(k, "Proto"));
	json_t *dport = json_object_get(k, "Dport"), *toport = json_object_get(k, "ToPort");
	const char *daddr = json_string_value(json_object_get(k, "Daddr"));
	if (json_object_get(k, "Iif") || json_object_get(k, "Saddr"))
		return false; /* brig limits neither */
	return kh && strcmp(kh, hook) == 0 && proto && strcmp(proto, w->proto) == 0 &&
		json_integer_value(dport) == w->port && json_integer_value(toport) == w->ctr_port &&
		same_ip(json_string_value(json_object_get(k, "To")), w->to) &&
		(w->any ? rule_any(k) : (!rule_any(k) && same_ip(daddr, w->hostip)));
}

/* The container's address on the network it publishes on: v6 or not. */
static const char *ctr_addr(const json_t *rec, bool v6)
{
	const json_t *nets = json_object_get(json_object_get(rec, "NetworkSettings"), "Networks");
	const char *mode = json_string_value(
		json_object_get(json_object_get(rec, "HostConfig"), "NetworkMode"));
	const json_t *n = mode ? json_object_get(nets, mode) : NULL;
	const char *ip = json_string_value(
		json_object_get(n, v6 ? "GlobalIPv6Address" : "IPAddress"));
	return ip && *ip ? ip : NULL;
}

/* Is kernel rule k about this container: to one of its addresses, or
 * with brig's comment "BRIDGE ID12"? */
static bool rule_for(const json_t *k, const json_t *rec, const char *id)
{
	const char *to = json_string_value(json_object_get(k, "To"));
	const char *c = json_string_value(json_object_get(k, "Comment"));
	const char *sp = c ? strrchr(c, ' ') : NULL;
	const char *key;
	json_t *n;
	json_object_foreach(json_object_get(json_object_get(rec, "NetworkSettings"), "Networks"),
			    key, n)
	{
		if (same_ip(to, json_string_value(json_object_get(n, "IPAddress"))) ||
		    same_ip(to, json_string_value(json_object_get(n, "GlobalIPv6Address"))))
			return true;
	}
	return sp && strlen(sp + 1) == 12 && strncmp(sp + 1, id, 12) == 0;
}

/* The record's bindings, each into w[] (at most max); *n their count. */
static void wanted(const json_t *rec, struct want *w, size_t max, size_t *n)
{
	const char *key;
	json_t *list;
	*n = 0;
	json_object_foreach(json_object_get(json_object_get(rec, "NetworkSettings"), "Ports"), key,
			    list)
	{
		const char *slash = strchr(key, '/');
		size_t i;
		json_t *b;
		json_array_foreach(list, i, b)
		{
			const char *ip = json_string_value(json_object_get(b, "HostIp"));
			const char *hp = json_string_value(json_object_get(b, "HostPort"));
			if (!slash || !hp || *n == max || same_ip(ip, "::1"))
				continue; /* ::1 is relayed by a proxy, not DNAT */
			ip = ip ? ip : "";
			bool v6 = strchr(ip, ':') != NULL;
			w[*n] = (struct want){
				.proto = slash + 1,
				.hostip = ip,
				.to = ctr_addr(rec, v6),
				.port = (unsigned)strtoul(hp, NULL, 10),
				.ctr_port = (unsigned)strtoul(key, NULL, 10),
				.any = !*ip || !strcmp(ip, "0.0.0.0") || !strcmp(ip, "::"),
				.loop = !v6 && strncmp(ip, "127.", 4) == 0,
			};
			(*n)++;
		}
	}
}

/* "tcp 127.0.0.1:8080 -> 10.88.0.2:80 (table inet brig, chain output)",
 * ", iifname eth0, saddr 10.0.0.0/8" before the ")" when it has them */
static void describe(const json_t *k, char *buf, size_t n)
{
	const char *iif = json_string_value(json_object_get(k, "Iif"));
	const char *src = json_string_value(json_object_get(k, "Saddr"));
	const char *p = json_string_value(json_object_get(k, "Proto"));
	const char *d = json_string_value(json_object_get(k, "Daddr"));
	_cleanup_free_ char *dp = json_dumps(json_object_get(k, "Dport"), JSON_ENCODE_ANY);
	_cleanup_free_ char *tp = json_dumps(json_object_get(k, "ToPort"), JSON_ENCODE_ANY);
	const char *to = json_string_value(json_object_get(k, "To"));
	(void)snprintf(buf, n, "%s %s:%s -> %s:%s (table %s, chain %s%s%s%s%s)", p ? p : "any",
		       rule_any(k) ? "every address" : d, dp ? dp : "any", to ? to : "?",
		       tp ? tp : "?", json_string_value(json_object_get(k, "Table")),
		       json_string_value(json_object_get(k, "Chain")), iif ? ", iifname " : "",
		       iif ? iif : "", src ? ", saddr " : "", src ? src : "");
}

/* A rule of the container's that no binding accounts for. */
static int stray(struct au *a, const json_t *k, const struct want *w, size_t nw, const char *t,
		 struct brig_err *e)
{
	const char *proto = json_string_value(json_object_get(k, "Proto"));
	json_int_t port = json_integer_value(json_object_get(k, "Dport"));
	const struct want *same = NULL;
	bool any = false, remote = false; /* a binding on every address, one not on loopback */
	for (size_t i = 0; i < nw; i++)
		if (proto && strcmp(proto, w[i].proto) == 0 && port == w[i].port) {
			same = &w[i];
			any = any || w[i].any;
			remote = remote || !w[i].loop;
		}
	char what[384];
	describe(k, what, sizeof(what));
	if (!same)
		return au_add(a, rule_any(k) ? &d_wide : &d_other, t, e,
			      "the DNAT rule %s forwards to the container; the record publishes "
			      "no such port (kernel)",
			      what);
	bool from_others = !remote && !local_only(k);
	return au_add(a, (rule_any(k) && !any) || from_others ? &d_wide : &d_other, t, e,
		      "the DNAT rule %s differs from the record's binding %s %s:%u -> %u%s "
		      "(kernel)",
		      what, same->proto, *same->hostip ? same->hostip : "0.0.0.0", same->port,
		      same->ctr_port,
		      from_others ? ": it forwards connections from other hosts, the binding only "
				    "this host's"
				  : "");
}

#define MAX_WANT 256

static int compare(struct au *a, const json_t *rules, const json_t *rec, const char *id,
		   const char *t, struct brig_err *e)
{
	static const char *const hooks[] = { "output", "prerouting" };
	struct want *w = calloc(MAX_WANT, sizeof(*w));
	bool *used = calloc(json_array_size(rules) + 1, sizeof(*used));
	size_t nw, nr = json_array_size(rules);
	int r = w && used ? 0 : brig_err_oom(e);
	if (r == 0)
		wanted(rec, w, MAX_WANT, &nw);
	for (size_t i = 0; r == 0 && i < nw * 2; i++) {
		const struct want *x = &w[i / 2];
		const char *hook = hooks[i % 2];
		bool found = false;
		if (x->loop && i % 2) /* a loopback port is not forwarded from outside */
			continue;
		for (size_t j = 0; j < nr; j++)
			if (is_rule_of(json_array_get(rules, j), x, hook))
				found = used[j] = true;
		if (!found)
			r = au_add(a, &d_missing, t, e,
				   "%s %s:%u -> %u is published; no DNAT rule in the %s hook "
				   "forwards it (kernel)",
				   x->proto, *x->hostip ? x->hostip : "0.0.0.0", x->port,
				   x->ctr_port, hook);
	}
	for (size_t j = 0; r == 0 && j < nr; j++)
		if (!used[j] && rule_for(json_array_get(rules, j), rec, id))
			r = stray(a, json_array_get(rules, j), w, nw, t, e);
	free(w);
	free(used);
	return r;
}

int au_bridge_ports(struct au *a, const json_t *rec, const char *t, struct brig_err *e)
{
	const char *id = json_string_value(json_object_get(rec, "Id"));
	const char *mode = json_string_value(
		json_object_get(json_object_get(rec, "HostConfig"), "NetworkMode"));
	if (!id || !mode || !eng_net_bridge_mode(mode))
		return 0;
	if (!a->dnat && !a->dnat_err) {
		_cleanup_err_ struct brig_err e2 = { 0 };
		if (eng_net_dnat_rules(&a->dnat, &e2) < 0 &&
		    !(a->dnat_err = strdup(brig_err_str(&e2))))
			return brig_err_oom(e);
	}
	if (a->dnat_err)
		return au_add(a, &c_unread, t, e,
			      "the DNAT rules of its published ports could not be read (%s): "
			      "checked from its record only",
			      a->dnat_err);
	return compare(a, a->dnat, rec, id, t, e);
}
