/* SPDX-License-Identifier: Apache-2.0 */
/* engine/net: brig network connect and disconnect.  The container's record
 * lock is taken first, then the networks lock (the order of start, whose
 * monitor attaches under the record lock, and of the reaping of an
 * orphan).  Connect leases an address, adds the entry
 * NetworkSettings.Networks.NAME (Interface: the lowest free ethN) and,
 * when the container runs, plugs a veth pair into its namespace at once;
 * disconnect does the reverse (removing the host end takes the pair).
 * Both rewrite the /etc/hosts of the network's containers (hosts.c). */
#include "engine/net/net-internal.h"
#include "engine/engine-internal.h"
#include "engine/record-internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct conn {
	struct eng *g;
	const struct eng_net_connect_opts *o;
	char netname[128];
	size_t idx;
};

static json_t *nets_of(struct eng_record *rec)
{
	json_t *ns = json_object_get(rec->doc, "NetworkSettings");
	json_t *nets = json_object_get(ns, "Networks");
	if (!json_is_object(ns))
		return NULL;
	if (!json_is_object(nets) && json_object_set_new(ns, "Networks", nets = json_object()) < 0)
		return NULL;
	return nets;
}

/* Bridge networks only: host, container: and pasta have no namespace of
 * the container's own to plug into (none has: it may join). */
static int mode_ok(const struct eng_record *rec, struct brig_err *e)
{
	const char *mode = json_string_value(
		json_object_get(json_object_get(rec->doc, "HostConfig"), "NetworkMode"));
	if (!mode || strcmp(mode, "none") == 0 || eng_net_bridge_mode(mode))
		return 0;
	return brig_err_set(e, -EINVAL,
			    "container %.12s uses --network %.20s: it cannot be connected to a "
			    "bridge network",
			    rec->id, mode);
}

/* The lowest ethN no entry of the container uses. */
static void free_ifname(const json_t *nets, char out[16])
{
	for (unsigned n = 0; n < 1000; n++) {
		(void)snprintf(out, 16, "eth%u", n);
		bool used = false;
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)nets, k, v)
		{
			struct net_ent ent;
			const char *id = json_string_value(json_object_get(v, "NetworkID"));
			if (id && net_ent_parse(nets, id, &ent) == 0 &&
			    strcmp(ent.ifname, out) == 0)
				used = true;
		}
		if (!used)
			return;
	}
}

/* The container runs (its monitor is alive): its init's pid, else 0. */
static pid_t running_pid(struct eng *g, const struct eng_record *rec)
{
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_close_ int fd = eng_ctr_open(g, rec->id, &e);
	if (fd < 0 || rec->state.status != ENG_ST_RUNNING || rec->state.pid <= 0 ||
	    !eng_monitor_alive(fd))
		return 0;
	return rec->state.pid;
}

/* The entry: NetworkSettings.Networks.NAME with Aliases, and the links
 * to this network (Links as Docker's EndpointSettings, LinkIds for
 * links.c). */
static json_t *entry_new(const struct net_dir *h, size_t i, struct in_addr a,
			 const struct eng_net_connect_opts *o, const char *ifname, json_t *links,
			 json_t *link_ids)
{
	json_t *ent = net_settings(&h->all[i], a, o->ip != NULL, NULL, ifname);
	json_t *al = json_array();
	for (const char *const *p = o->aliases; ent && al && p && *p; p++)
		(void)json_array_append_new(al, json_string(*p));
	if (!ent || !al || json_object_set_new(ent, "Aliases", al) < 0 ||
	    (json_array_size(links) &&
	     (json_object_set(ent, "Links", links) < 0 ||
	      json_object_set(ent, "LinkIds", link_ids) < 0))) {
		json_decref(ent);
		return NULL;
	}
	return ent;
}

static int join(struct eng_record *rec, struct conn *c, struct net_dir *h, json_t *nets,
		struct brig_err *e)
{
	size_t i = c->idx;
	struct in_addr a;
	char ifname[16];
	bool found, changed = false;
	_cleanup_json_ json_t *links = json_array(), *ids = json_object();
	free_ifname(nets, ifname);
	int x = links && ids ? eng_net_links_resolve(c->g, c->o->links, links, ids, e)
			     : brig_err_oom(e);
	if (x < 0 || (x = net_claim_in(h, i, c->o->ip, rec->id, &a, e)) < 0)
		return x;
	_cleanup_json_ json_t *ent = entry_new(h, i, a, c->o, ifname, links, ids);
	struct net_ent pe;
	pid_t pid = running_pid(c->g, rec);
	if (!ent || json_object_set(nets, h->all[i].name, ent) < 0)
		x = brig_err_oom(e);
	else
		(void)json_object_del(nets, "none"); /* Docker's entry of --network none */
	if (x == 0)
		x = net_ent_parse(nets, h->all[i].id, &pe);
	pe.egress_none = net_doc_egress_none(rec->doc);
	if (x == 0)
		x = net_links_set(c->g, h, i, rec->id, rec->doc, false, &changed, e);
	/* Running: plugged now (its limit with it); else at its next start. */
	if (x == 0 && pid)
		x = net_plug_one(h, i, rec->id, pid, a, &pe, e);
	else if (x == 0)
		x = net_egress_apply(h, i, rec->id, &pe, e);
	if (x < 0) {
		_cleanup_err_ struct brig_err e2 = { 0 };
		(void)net_leave(c->g, h, i, rec->id, &found, &changed, &e2);
	}
	return x;
}

static int connect_fn(struct eng_record *rec, void *arg, struct brig_err *e)
{
	struct conn *c = arg;
	_cleanup_netdir_ struct net_dir h = { .fd = -1, .lock = -1 };
	_cleanup_json_ json_t *leases = NULL;
	json_t *nets = nets_of(rec);
	struct in_addr a;
	int x;
	if (!nets)
		return brig_err_set(e, -EINVAL, "container %.12s: no NetworkSettings", rec->id);
	if ((x = mode_ok(rec, e)) < 0 || (x = net_dir_load(c->g, true, &h, e)) < 0 ||
	    (x = net_rec_find(h.all, h.n, c->o->network, &c->idx, e)) < 0 ||
	    (x = net_leases_load(h.fd, h.all[c->idx].id, &leases, e)) < 0)
		return x;
	(void)snprintf(c->netname, sizeof(c->netname), "%s", h.all[c->idx].name);
	if (net_lease_of(leases, rec->id, &a) == 0)
		return brig_err_set(e, -EEXIST, "container %.12s is already on network %s", rec->id,
				    h.all[c->idx].name);
	for (const char *const *p = c->o->aliases; p && *p; p++)
		if (!eng_name_valid(*p))
			return brig_err_set(e, -EINVAL, "--alias \"%.64s\": not a valid name", *p);
	return join(rec, c, &h, nets, e);
}

static int disconnect_fn(struct eng_record *rec, void *arg, struct brig_err *e)
{
	struct conn *c = arg;
	_cleanup_netdir_ struct net_dir h = { .fd = -1, .lock = -1 };
	json_t *nets = nets_of(rec);
	bool found, changed = false;
	int x;
	if ((x = net_dir_load(c->g, true, &h, e)) < 0 ||
	    (x = net_rec_find(h.all, h.n, c->o->network, &c->idx, e)) < 0)
		return x;
	(void)snprintf(c->netname, sizeof(c->netname), "%s", h.all[c->idx].name);
	if ((x = net_leave(c->g, &h, c->idx, rec->id, &found, &changed, e)) < 0)
		return x;
	if (!found)
		return brig_err_set(e, -ENOENT, "container %.12s is not on network %s", rec->id,
				    h.all[c->idx].name);
	const char *k;
	json_t *v;
	void *tmp;
	json_object_foreach_safe(nets, tmp, k, v)
	{
		const char *id = json_string_value(json_object_get(v, "NetworkID"));
		if (id && strcmp(id, h.all[c->idx].id) == 0)
			(void)json_object_del(nets, k);
	}
	return changed ? net_sync_all(h.fd, e) : 0;
}

/* The network's containers' /etc/hosts, once the record is written (the
 * container's aliases are read from it); also: the container itself. */
static void refresh(struct conn *c, const char *also)
{
	_cleanup_netdir_ struct net_dir h = { .fd = -1, .lock = -1 };
	_cleanup_err_ struct brig_err e = { 0 };
	size_t i;
	if (net_dir_load(c->g, false, &h, &e) < 0 ||
	    net_rec_find(h.all, h.n, c->netname, &i, &e) < 0)
		return;
	net_hosts_refresh(c->g, &h, i, also);
}

/* -f: the lease of a container that no longer exists (by full id). */
static int drop_orphan(struct eng *g, const char *network, const char *ctr, struct brig_err *e)
{
	_cleanup_netdir_ struct net_dir h = { .fd = -1, .lock = -1 };
	bool found, changed = false;
	size_t i;
	int x;
	if (!eng_id_valid(ctr))
		return brig_err_set(e, -ENOENT, "no such container: %.64s", ctr);
	if ((x = net_dir_load(g, true, &h, e)) < 0 ||
	    (x = net_rec_find(h.all, h.n, network, &i, e)) < 0 ||
	    (x = net_leave(g, &h, i, ctr, &found, &changed, e)) < 0)
		return x;
	if (!found)
		return brig_err_set(e, -ENOENT, "container %.12s is not on network %s", ctr,
				    h.all[i].name);
	return changed ? net_sync_all(h.fd, e) : 0;
}

int eng_network_connect(struct eng *g, const struct eng_net_connect_opts *o, struct brig_err *e)
{
	char id[ENG_ID_LEN + 1];
	struct conn c = { .g = g, .o = o };
	int x = eng_find(g, o->container, id, e);
	if (x < 0 && o->disconnect && o->force && x == -ENOENT) {
		brig_err_clear(e);
		return drop_orphan(g, o->network, o->container, e);
	}
	if (x < 0 ||
	    (x = eng_record_update(g, id, o->disconnect ? disconnect_fn : connect_fn, &c, e)) < 0)
		return x;
	refresh(&c, o->disconnect ? id : NULL);
	return 0;
}
