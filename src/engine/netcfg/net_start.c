/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The network at start time.  container:ID joins the other container's
 * namespace (it must run).  pasta is started once the runtime has made
 * the container (pasta.c); what a killed monitor left of it goes first.
 */
#include "engine/engine-internal.h"
#include "engine/record-internal.h"
#include "engine/netcfg/net-internal.h"

#include <stdio.h>
#include <string.h>

/* The pid of a running container, from its record. */
static int target_pid(struct eng *g, const char *what, pid_t *pid, struct brig_err *e)
{
	char id[ENG_ID_LEN + 1];
	int r = eng_net_target(g, what, id, e);
	if (r < 0)
		return r;
	_cleanup_close_ int fd = eng_ctr_open(g, id, e);
	if (fd < 0)
		return fd;
	_cleanup_record_ struct eng_record rec = { 0 };
	if ((r = eng_record_load(fd, id, &rec, e)) < 0)
		return r;
	if (rec.state.pid <= 0)
		return brig_err_set(e, -ESRCH, "--network container:%.12s: it is not running", id);
	*pid = rec.state.pid;
	return 0;
}

int eng_net_start(struct eng *g, const char *id, json_t *spec, bool *pasta, struct brig_err *e)
{
	json_t *ann = json_object_get(spec, "annotations");
	const char *target = json_string_value(json_object_get(ann, ENG_ANN_NET_CONTAINER));
	*pasta = json_is_string(json_object_get(ann, ENG_ANN_NET_PASTA));
	eng_netns_release(g, id); /* a namespace left by a monitor that was killed */
	if (!target)
		return 0;
	pid_t pid = 0;
	int r = target_pid(g, target, &pid, e);
	if (r < 0)
		return r;
	char path[64];
	(void)snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	return eng_net_spec_join(spec, path, e);
}

int eng_net_spec_join(json_t *spec, const char *path, struct brig_err *e)
{
	size_t i;
	json_t *ns;
	json_array_foreach(json_object_get(json_object_get(spec, "linux"), "namespaces"), i, ns)
	{
		const char *t = json_string_value(json_object_get(ns, "type"));
		if (t && strcmp(t, "network") == 0)
			return json_object_set_new(ns, "path", json_string(path)) < 0
				? brig_err_oom(e)
				: 0;
	}
	return brig_err_set(e, -EINVAL, "the container's OCI config has no network namespace");
}
