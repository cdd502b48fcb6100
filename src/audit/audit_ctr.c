/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig audit containers: every container of the store.  What only the
 * record can say (privileged, published ports, host paths mounted,
 * devices, restart policy) is read from it; the rest is checked on the
 * kernel's view of a running container (audit_kernel.c), or on the
 * record's of a stopped one, and for a running one the two views are
 * compared (drift).  docs/audit.md lists the checks.
 */
#include "audit/audit-internal.h"
#include "engine/engine.h"

#include <stdlib.h>
#include <string.h>

#define CIS "https://www.cisecurity.org/benchmark/docker"

static const struct au_check c_priv = { "5.4", AUDIT_CRITICAL,
					"do not run containers with --privileged", CIS };
static const struct au_check c_ports = {
	"5.13", AUDIT_MEDIUM,
	"publish on one address (-p 127.0.0.1:8080:80, brig's default) rather than every interface",
	CIS
};
static const struct au_check c_sensitive = {
	"5.5", AUDIT_HIGH, "do not mount the host's system directories into a container", CIS
};
static const struct au_check c_sensitive_root = { "5.5", AUDIT_CRITICAL,
						  "do not mount the host's / into a container",
						  CIS };
static const struct au_check c_store = {
	"5.31", AUDIT_CRITICAL,
	"do not mount brig's store or runtime state into a container: whoever writes them controls "
	"every container",
	CIS
};
static const struct au_check c_devices = {
	"5.17", AUDIT_MEDIUM, "do not pass host devices (--device) unless the container needs them",
	CIS
};
static const struct au_check c_restart = {
	"5.14", AUDIT_LOW, "use --restart on-failure:5 (a bounded number of restarts)", CIS
};
static const struct au_check c_gone = {
	"brig.ctr.unreadable", AUDIT_INFO,
	"run the audit again; a container that ended while it was read is checked from its record",
	NULL
};

/* Is src the host directory dir, or beneath it? */
static bool under(const char *src, const char *dir)
{
	size_t n = strlen(dir);
	return strncmp(src, dir, n) == 0 && (src[n] == '\0' || src[n] == '/');
}

static int mount_check(struct au *a, const char *src, const char *dst, const char *t,
		       struct brig_err *e)
{
	static const char *const sensitive[] = { "/etc",  "/proc", "/sys",     "/dev",
						 "/boot", "/run",  "/var/run", "/lib/modules",
						 "/usr",  "/root", "/var/lib" };
	const char *rt = json_string_value(json_object_get(a->info, "RuntimeRoot"));
	if (under(src, eng_root(a->g)) || (rt && under(src, rt)))
		return au_add(a, &c_store, t, e, "%s is mounted at %s", src, dst);
	if (strcmp(src, "/") == 0)
		return au_add(a, &c_sensitive_root, t, e, "the host's / is mounted at %s", dst);
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(sensitive); i++)
		if (under(src, sensitive[i]))
			return au_add(a, &c_sensitive, t, e, "the host's %s is mounted at %s", src,
				      dst);
	return 0;
}

/* Bind mounts of Brig.Spec that the user asked for (brig's own files,
 * hosts, hostname, resolv.conf, live in the container's directory and are
 * not reported). */
static int mounts_check(struct au *a, const json_t *spec, const char *id, const char *t,
			struct brig_err *e)
{
	char own[4096];
	(void)snprintf(own, sizeof(own), "%s/containers/%s", eng_root(a->g), id);
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(spec, "mounts"), i, m)
	{
		const char *type = json_string_value(json_object_get(m, "type"));
		const char *src = json_string_value(json_object_get(m, "source"));
		const char *dst = json_string_value(json_object_get(m, "destination"));
		if (!type || strcmp(type, "bind") || !src || !dst || src[0] != '/' ||
		    under(src, own))
			continue;
		int r = mount_check(a, src, dst, t, e);
		if (r < 0)
			return r;
	}
	return 0;
}

static int ports_check(struct au *a, const json_t *hc, const char *t, struct brig_err *e)
{
	const char *port;
	json_t *list;
	json_object_foreach((json_t *)json_object_get(hc, "PortBindings"), port, list)
	{
		size_t i;
		json_t *b;
		json_array_foreach(list, i, b)
		{
			const char *ip = json_string_value(json_object_get(b, "HostIp"));
			if (ip && *ip && strcmp(ip, "0.0.0.0") && strcmp(ip, "::"))
				continue;
			int r = au_add(a, &c_ports, t, e,
				       "port %s is published on every interface (%s)", port,
				       ip && *ip ? ip : "0.0.0.0");
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int record_checks(struct au *a, const json_t *rec, const json_t *spec, const char *id,
			 const char *t, struct brig_err *e)
{
	const json_t *hc = json_object_get(rec, "HostConfig");
	int r = 0;
	if (json_is_true(json_object_get(hc, "Privileged")))
		r = au_add(a, &c_priv, t, e, "runs --privileged");
	if (r == 0)
		r = ports_check(a, hc, t, e);
	if (r == 0)
		r = mounts_check(a, spec, id, t, e);
	size_t nd = json_array_size(json_object_get(hc, "Devices"));
	if (r == 0 && nd)
		r = au_add(a, &c_devices, t, e, "%zu host device(s) passed in", nd);
	const json_t *rp = json_object_get(hc, "RestartPolicy");
	const char *pol = json_string_value(json_object_get(rp, "Name"));
	json_int_t max = json_integer_value(json_object_get(rp, "MaximumRetryCount"));
	if (r == 0 && pol &&
	    (strcmp(pol, "always") == 0 || strcmp(pol, "unless-stopped") == 0 ||
	     (strcmp(pol, "on-failure") == 0 && (max <= 0 || max > 5))))
		r = au_add(a, &c_restart, t, e, "restart policy %s without a small bound", pol);
	return r;
}

/* The kernel's view of a running container, checked and compared. */
static int running_checks(struct au *a, const char *id, const struct au_view *rv, const char *t,
			  struct brig_err *e)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	_cleanup_err_ struct brig_err e2 = { 0 };
	struct au_view kv = { 0 };
	int r = eng_top(a->g, id, &pids, &n, &e2);
	if (r == 0)
		r = au_view_kernel(id, pids, n, &kv, &e2);
	if (r < 0) {
		/* It ended (or is ending) meanwhile: its record is what is left. */
		r = au_add(a, &c_gone, t, e,
			   "its processes could not be read (%s); checked from "
			   "its record",
			   brig_err_str(&e2));
		au_view_clear(&kv);
		return r < 0 ? r : au_view_checks(a, rv, t, e);
	}
	r = au_view_checks(a, &kv, t, e);
	if (r == 0)
		r = au_drift(a, rv, &kv, t, e);
	au_view_clear(&kv);
	return r;
}

static int one(struct au *a, const json_t *rec, struct brig_err *e)
{
	const char *id = json_string_value(json_object_get(rec, "Id"));
	const char *name = json_string_value(json_object_get(rec, "Name"));
	const json_t *spec = json_object_get(json_object_get(rec, "Brig"), "Spec");
	if (!id || !name)
		return brig_err_set(e, -EINVAL, "a container record without Id or Name");
	char t[256];
	(void)snprintf(t, sizeof(t), "container %s (%.12s)", name[0] == '/' ? name + 1 : name, id);
	struct au_view rv = { 0 };
	int r = au_view_record(spec, &rv, e);
	if (r < 0)
		return brig_err_wrap(e, "container %.12s", id);
	r = record_checks(a, rec, spec, id, t, e);
	bool running = json_is_true(json_object_get(json_object_get(rec, "State"), "Running"));
	if (r == 0)
		r = running ? running_checks(a, id, &rv, t, e) : au_view_checks(a, &rv, t, e);
	au_view_clear(&rv);
	return r;
}

int au_containers(struct au *a, struct brig_err *e)
{
	_cleanup_json_ json_t *all = NULL;
	int r = eng_list(a->g, &all, e);
	size_t i;
	json_t *rec;
	json_array_foreach(all, i, rec)
	{
		if (r == 0)
			r = one(a, rec, e);
	}
	return r;
}
