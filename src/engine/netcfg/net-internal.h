/* SPDX-License-Identifier: Apache-2.0 */
/* The engine's side of engine/netcfg (net.c, net_record.c, net_start.c, pasta.c). */
#ifndef BRIG_ENGINE_NETCFG_NET_INTERNAL_H
#define BRIG_ENGINE_NETCFG_NET_INTERNAL_H

#include "engine/engine.h"
#include "engine/netcfg/netcfg.h"

/* Annotations of Brig.Spec that start reads: the container whose network
 * namespace this one joins (its id), and pasta with its port options. */
#define ENG_ANN_NET_CONTAINER "org.brig.network.container"
#define ENG_ANN_NET_PASTA "org.brig.network.pasta"

/* o->net, or the default (none). */
const struct eng_netcfg *eng_net_of(const struct eng_create_opts *o);
/* container:NAME|ID -> the id of a running container (-ESRCH when it is
 * not running). */
int eng_net_target(struct eng *g, const char *what, char id[ENG_ID_LEN + 1], struct brig_err *e);
/* The host name the mode implies (the host's; the other container's),
 * left alone for the others. */
void eng_net_hostname(struct eng *g, const struct eng_netcfg *n, char *buf, size_t size);
/* Write hostname, hosts, resolv.conf into ctrfd, the directory eng_create
 * is assembling (files it must not hold yet), and bind them in mounts (for
 * container: the other's, written nothing); their data fsync'ed when
 * durable (not for a --rm container, which no crash should bring back),
 * the directory's entries by the record's durable write after them. */
int eng_net_files(struct eng *g, const struct eng_netcfg *n, int ctrfd, const char *ctrdir,
		  const char *hostname, json_t *mounts, bool ro, bool durable, struct brig_err *e);
/* The network namespace in spec, the ports chosen, and what the record
 * shows: *doc is {"HostConfig":{...}, "NetworkSettings":{...},
 * "Network":{...} (Brig.Effective.Network), "ExposedPorts":{...}}. */
int eng_net_create(struct eng *g, const struct eng_create_opts *o, const struct eng_image *im,
		   json_t *spec, json_t **doc, struct brig_err *e);
/* doc (the record being made) with net's members put in place. */
int eng_net_merge(json_t *doc, const json_t *net);
/* Every -p and -P port, host ports chosen. */
int eng_net_ports_resolve(const struct eng_netcfg *n, char *const *image_exposed,
			  struct eng_port **out, size_t *n_out, struct brig_err *e);
json_t *eng_net_record(const struct eng_netcfg *n, const char *target_id,
		       const struct eng_port *ports, size_t np, char *const *image_exposed);

/* Start time (net_start.c): a container: mode's namespace path put in
 * spec; *pasta set when pasta must be started once the container exists. */
int eng_net_start(struct eng *g, const char *id, json_t *spec, bool *pasta, struct brig_err *e);
/* The network namespace in spec: path, to be joined. */
int eng_net_spec_join(json_t *spec, const char *path, struct brig_err *e);
struct eng_pasta_arg {
	struct eng *g;
	const char *id;
	const json_t *spec;
	int netns_fd, userns_fd; /* rootless (eng_net_pasta_prepare), else -1 */
};
/* Before the container is made, for --network pasta (pasta.c): rootless,
 * the network namespace made in the container's user namespace (*usfd;
 * made and joined in spec here when there is none yet) and named in spec,
 * its fd in a->netns_fd for the caller to close once the container is
 * made.  Root: nothing. */
int eng_net_pasta_prepare(struct eng_pasta_arg *a, json_t *spec, const struct eng_userns *u,
			  int *usfd, struct brig_err *e);
/* rt_create_opts.created (pasta.c): pasta attached to the new network
 * namespace (root: bound at a file; rootless: handed by pid). */
int eng_net_pasta_created(void *arg, pid_t pid, struct brig_err *e);
/* The container ended or is removed: its pasta ends (root: its bound
 * namespace goes; rootless: pasta is ended by its pid, and gone when this
 * returns).  No error when there was none. */
void eng_netns_release(struct eng *g, const char *id);

#endif
