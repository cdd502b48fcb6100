/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the record says about a container's network, in Docker's shape:
 * HostConfig.NetworkMode, Dns, DnsSearch, DnsOptions, ExtraHosts,
 * PortBindings (as asked), PublishAllPorts; NetworkSettings.Ports (as
 * bound: the host ports chosen) and .Networks (aliases); and
 * Brig.Effective.Network, which flags a container on the host's network.
 */
#include "engine/engine-internal.h"
#include "engine/netcfg/net-internal.h"
#include "engine/net/net.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *strv(char *const *v)
{
	json_t *a = json_array();
	for (; a && v && *v; v++)
		(void)json_array_append_new(a, json_string(*v));
	return a;
}

static int add_binding(json_t *obj, const struct eng_port *p, uint16_t ctr, uint16_t host)
{
	char key[16], hp[8] = "";
	eng_port_key(p, ctr, key, sizeof(key));
	if (host)
		(void)snprintf(hp, sizeof(hp), "%u", (unsigned)host);
	json_t *list = json_object_get(obj, key);
	if (!list && json_object_set_new(obj, key, list = json_array()) < 0)
		return -ENOMEM;
	return json_array_append_new(list, json_pack("{s:s,s:s}", "HostIp", p->ip, "HostPort", hp));
}

/* HostConfig.PortBindings: -p as given, one key per container port. */
static json_t *port_bindings(const struct eng_netcfg *n)
{
	json_t *o = json_object();
	for (size_t i = 0; o && i < n->n_ports; i++) {
		const struct eng_port *p = &n->ports[i];
		for (unsigned c = p->ctr_lo; c <= p->ctr_hi; c++) {
			uint16_t h = p->host_lo ? (uint16_t)(p->host_lo + (c - p->ctr_lo)) : 0;
			if (p->host_lo && p->host_hi > p->host_lo && p->ctr_lo == p->ctr_hi)
				h = 0; /* a host range: Docker records "8000-8010" */
			if (add_binding(o, p, (uint16_t)c, h) < 0) {
				json_decref(o);
				return NULL;
			}
		}
	}
	return o;
}

static json_t *exposed(const struct eng_netcfg *n, char *const *image_exposed,
		       const struct eng_port *ports, size_t np)
{
	json_t *o = json_object();
	char key[16];
	for (char *const *x = image_exposed; o && x && *x; x++)
		(void)json_object_set_new(o, *x, json_object());
	for (char *const *x = n->expose; o && x && *x; x++) {
		struct eng_port p;
		_cleanup_err_ struct brig_err e = { 0 };
		if (eng_expose_parse(*x, &p, &e) < 0)
			continue;
		for (unsigned c = p.ctr_lo; c <= p.ctr_hi; c++) {
			eng_port_key(&p, (uint16_t)c, key, sizeof(key));
			(void)json_object_set_new(o, key, json_object());
		}
	}
	for (size_t i = 0; o && i < np; i++) {
		eng_port_key(&ports[i], ports[i].ctr_lo, key, sizeof(key));
		(void)json_object_set_new(o, key, json_object());
	}
	return o;
}

static json_t *effective(const struct eng_netcfg *n, const char *target_id)
{
	const char *why = n->mode == ENG_NET_HOST
		? "the container shares the host's network stack: its interfaces, ports and "
		  "loopback services (not isolated)"
		: NULL;
	json_t *o = json_pack("{s:s,s:b}", "Mode", eng_net_mode_name(n->mode), "HostNetwork",
			      n->mode == ENG_NET_HOST);
	if (o && why)
		(void)json_object_set_new(o, "Warning", json_string(why));
	if (o && target_id && target_id[0])
		(void)json_object_set_new(o, "Container", json_string(target_id));
	if (o && n->egress_none)
		(void)json_object_set_new(o, "Egress", json_string("none"));
	return o;
}

json_t *eng_net_record(const struct eng_netcfg *n, const char *target_id,
		       const struct eng_port *ports, size_t np, char *const *image_exposed)
{
	char mode[ENG_ID_LEN + 16];
	if (n->mode == ENG_NET_CONTAINER)
		(void)snprintf(mode, sizeof(mode), "container:%s", target_id);
	else
		(void)snprintf(mode, sizeof(mode), "%s", eng_net_mode_name(n->mode));
	json_t *bound = json_object();
	for (size_t i = 0; bound && i < np; i++)
		if (add_binding(bound, &ports[i], ports[i].ctr_lo, ports[i].host_lo) < 0) {
			json_decref(bound);
			bound = NULL;
		}
	json_t *nets = json_pack("{s:{s:o}}", eng_net_mode_name(n->mode), "Aliases",
				 n->aliases ? strv(n->aliases) : json_null());
	return json_pack("{s:{s:s,s:o,s:o,s:o,s:o,s:o,s:b},s:{s:o,s:o},s:o,s:o}", "HostConfig",
			 "NetworkMode", mode, "Dns", strv(n->dns), "DnsSearch", strv(n->dns_search),
			 "DnsOptions", strv(n->dns_options), "ExtraHosts", strv(n->add_hosts),
			 "PortBindings", port_bindings(n), "PublishAllPorts", n->publish_all,
			 "NetworkSettings", "Ports", bound, "Networks", nets, "Network",
			 effective(n, target_id), "ExposedPorts",
			 exposed(n, image_exposed, ports, np));
}

/* pasta's -t/-u options for the ports, as one annotation:
 * "t:127.0.0.1/8080:80 u:::1/5353:53". */
static int pasta_ports(const struct eng_port *v, size_t n, char **out, struct brig_err *e)
{
	char *s = NULL;
	size_t len = 0;
	int r = brig_appendf(&s, &len, "%s", "");
	for (size_t i = 0; r == 0 && i < n; i++)
		r = brig_appendf(&s, &len, "%s%c:%s/%u:%u", i ? " " : "", v[i].udp ? 'u' : 't',
				 v[i].ip, (unsigned)v[i].host_lo, (unsigned)v[i].ctr_lo);
	if (r < 0) {
		free(s);
		return brig_err_oom(e);
	}
	*out = s;
	return 0;
}

static int spec_net(const struct eng_netcfg *n, const char *target_id, const char *pasta,
		    json_t *spec, struct brig_err *e)
{
	json_t *nss = json_object_get(json_object_get(spec, "linux"), "namespaces");
	json_t *ann = json_object_get(spec, "annotations");
	size_t i;
	json_t *ns;
	json_array_foreach(nss, i, ns)
	{
		const char *t = json_string_value(json_object_get(ns, "type"));
		if (t && strcmp(t, "network") == 0 && n->mode == ENG_NET_HOST) {
			(void)json_array_remove(nss, i);
			break;
		}
	}
	int r = 0;
	if (!ann && json_object_set_new(spec, "annotations", ann = json_object()) < 0)
		return brig_err_oom(e);
	if (n->mode == ENG_NET_CONTAINER)
		r = json_object_set_new(ann, ENG_ANN_NET_CONTAINER, json_string(target_id));
	else if (n->mode == ENG_NET_PASTA)
		r = json_object_set_new(ann, ENG_ANN_NET_PASTA, json_string(pasta));
	return r < 0 ? brig_err_oom(e) : 0;
}

/* --link NAME[:ALIAS]: HostConfig.Links as given (ALIAS defaulted to
 * NAME), and Network.Links {"<id>": "ALIAS"} for engine/net (links.c):
 * each NAME must be a container now. */
static int links_record(struct eng *g, char *const *links, json_t *doc, struct brig_err *e)
{
	json_t *given = json_array(), *ids = json_object();
	json_t *host = json_object_get(doc, "HostConfig"), *eff = json_object_get(doc, "Network");
	if (!given || !ids || json_object_set_new(host, "Links", given) < 0 ||
	    json_object_set_new(eff, "Links", ids) < 0)
		return brig_err_oom(e);
	return eng_net_links_resolve(g, (const char *const *)links, given, ids, e);
}

int eng_net_create(struct eng *g, const struct eng_create_opts *o, const struct eng_image *im,
		   json_t *spec, json_t **doc, struct brig_err *e)
{
	const struct eng_netcfg *n = eng_net_of(o);
	char target[ENG_ID_LEN + 1] = "";
	struct eng_port *ports = NULL;
	size_t np = 0;
	_cleanup_free_ char *pasta = NULL;
	int r = eng_netcfg_check(n, e);
	if (r == 0 && n->mode == ENG_NET_CONTAINER)
		r = eng_net_target(g, n->target, target, e);
	if (r == 0 && n->mode == ENG_NET_BRIDGE && (n->n_ports || n->publish_all)) {
		_cleanup_free_ const char **ips = calloc(n->n_ports + 1, sizeof(*ips));
		_cleanup_free_ bool *udp = calloc(n->n_ports + 1, sizeof(*udp));
		for (size_t i = 0; ips && udp && i < n->n_ports; i++) {
			ips[i] = n->ports[i].ip;
			udp[i] = n->ports[i].udp;
		}
		r = ips && udp ? eng_net_publish_check(g, n->target, ips, udp, e) : brig_err_oom(e);
	}
	if (r == 0)
		r = eng_net_ports_resolve(n, im->config.exposed_ports, &ports, &np, e);
	if (r == 0 && n->mode == ENG_NET_PASTA)
		r = pasta_ports(ports, np, &pasta, e);
	if (r == 0)
		r = spec_net(n, target, pasta, spec, e);
	if (r == 0 && !(*doc = eng_net_record(n, target, ports, np, im->config.exposed_ports)))
		r = brig_err_oom(e);
	if (r == 0 && n->links)
		r = links_record(g, n->links, *doc, e);
	free(ports);
	return r;
}

int eng_net_merge(json_t *doc, const json_t *net)
{
	if (!net)
		return 0;
	json_t *host = json_object_get(doc, "HostConfig");
	json_t *eff = json_object_get(json_object_get(doc, "Brig"), "Effective");
	json_t *cfg = json_object_get(doc, "Config");
	json_t *exp = json_object_get(net, "ExposedPorts");
	if (!host || !eff || !cfg ||
	    json_object_update(host, json_object_get(net, "HostConfig")) < 0 ||
	    json_object_set(doc, "NetworkSettings", json_object_get(net, "NetworkSettings")) < 0 ||
	    json_object_set(eff, "Network", json_object_get(net, "Network")) < 0 ||
	    (json_object_size(exp) && json_object_set(cfg, "ExposedPorts", exp) < 0))
		return -ENOMEM;
	return 0;
}
