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

#include <limits.h>
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

/* Which check a host path src mounted into container id falls under, or
 * NULL.  The container's own directory (its hosts, hostname, resolv.conf)
 * and named volumes are beneath the store, and are what a container may
 * have. */
static const struct au_check *mount_kind(struct au *a, const char *src, const char *id)
{
	static const char *const sensitive[] = { "/etc",  "/proc", "/sys",     "/dev",
						 "/boot", "/run",  "/var/run", "/lib/modules",
						 "/usr",  "/root", "/var/lib" };
	char own[PATH_MAX], vols[PATH_MAX];
	(void)snprintf(own, sizeof(own), "%s/containers/%s", eng_root(a->g), id);
	(void)snprintf(vols, sizeof(vols), "%s/volumes", eng_root(a->g));
	if (under(src, own) || under(src, vols))
		return NULL;
	const json_t *brig = json_object_get(a->info, "Brig");
	const char *rt = json_string_value(json_object_get(brig, "RuntimeRoot"));
	if (under(src, eng_root(a->g)) || (rt && under(src, rt)))
		return &c_store;
	if (strcmp(src, "/") == 0)
		return &c_sensitive_root;
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(sensitive); i++)
		if (under(src, sensitive[i]))
			return &c_sensitive;
	return NULL;
}

static int mount_check(struct au *a, const char *src, const char *dst, const char *id,
		       const char *t, struct brig_err *e)
{
	const struct au_check *c = mount_kind(a, src, id);
	if (!c)
		return 0;
	if (c == &c_sensitive_root)
		return au_add(a, c, t, e, "the host's / is mounted at %s", dst);
	return au_add(a, c, t, e, "%s%s is mounted at %s", c == &c_store ? "" : "the host's ", src,
		      dst);
}

/* Bind mounts of Brig.Spec (brig's own files, hosts, hostname,
 * resolv.conf, live in the container's directory and are not reported). */
static int mounts_check(struct au *a, const json_t *spec, const char *id, const char *t,
			struct brig_err *e)
{
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(spec, "mounts"), i, m)
	{
		const char *type = json_string_value(json_object_get(m, "type"));
		const char *src = json_string_value(json_object_get(m, "source"));
		const char *dst = json_string_value(json_object_get(m, "destination"));
		if (!type || strcmp(type, "bind") || !src || !dst || src[0] != '/')
			continue;
		int r = mount_check(a, src, dst, id, t, e);
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

static const struct au_check d_mount = {
	"brig.drift.mount", AUDIT_HIGH,
	"a host path was mounted into the container behind brig's back: investigate (brig "
	"forensics), then recreate the container",
	NULL
};
static const struct au_check d_mount_root = {
	"brig.drift.mount", AUDIT_CRITICAL,
	"the host's / was mounted into the container behind brig's back: investigate (brig "
	"forensics), then recreate the container",
	NULL
};

/* Is src a bind source of the record, or beneath one (a submount), or a
 * device node the runtime binds (the default devices, which also mask
 * paths, and those of linux.devices)? */
static bool recorded(const json_t *spec, const char *src)
{
	static const char *const devs[] = { "/dev/null",   "/dev/zero",    "/dev/full",
					    "/dev/random", "/dev/urandom", "/dev/tty" };
	for (size_t k = 0; k < BRIG_ARRAY_SIZE(devs); k++)
		if (strcmp(src, devs[k]) == 0)
			return true;
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(json_object_get(spec, "linux"), "devices"), i, m)
	{
		const char *p = json_string_value(json_object_get(m, "path"));
		if (p && strcmp(p, src) == 0)
			return true;
	}
	json_array_foreach(json_object_get(spec, "mounts"), i, m)
	{
		const char *s = json_string_value(json_object_get(m, "source"));
		if (s && s[0] == '/' && (strcmp(s, "/") == 0 || under(src, s)))
			return true;
	}
	return false;
}

static const struct au_check d_flags = {
	"brig.drift.mount-flags", AUDIT_HIGH,
	"a mount's ro, nosuid, nodev or noexec was removed behind brig's back: investigate "
	"(brig forensics), then recreate the container",
	NULL
};

static bool has_opt(const char *list, const char *o)
{
	size_t n = strlen(o);
	for (const char *p = list; p; p = strchr(p, ','), p = p ? p + 1 : NULL)
		if (strncmp(p, o, n) == 0 && (p[n] == ',' || !p[n]))
			return true;
	return false;
}

/* The flags of the record's mount at dst (a bind, or a kernel
 * filesystem's: proc, tmpfs...) that the kernel's top mount there (the
 * last in binds) lacks. */
static int flags_drift(struct au *a, const json_t *spec, const json_t *binds, const char *t,
		       struct brig_err *e)
{
	static const char *const flags[] = { "ro", "nosuid", "nodev", "noexec" };
	size_t i, j;
	json_t *m, *b;
	json_array_foreach(json_object_get(spec, "mounts"), i, m)
	{
		const char *dst = json_string_value(json_object_get(m, "destination"));
		const char *type = json_string_value(json_object_get(m, "type"));
		const char *kopts = NULL;
		json_array_foreach(binds, j, b)
		{
			const char *d = json_string_value(json_object_get(b, "Destination"));
			if (dst && d && type && strcmp(d, dst) == 0)
				kopts = json_string_value(json_object_get(b, "Options"));
		}
		for (size_t k = 0; kopts && k < BRIG_ARRAY_SIZE(flags); k++) {
			json_t *o;
			bool want = false;
			json_array_foreach(json_object_get(m, "options"), j, o) want = want ||
				(json_is_string(o) && strcmp(json_string_value(o), flags[k]) == 0);
			if (!want || has_opt(kopts, flags[k]))
				continue;
			int r = au_add(
				a, &d_flags, t, e,
				"%s: the record mounts it %s; the kernel's mount is not (%s)", dst,
				flags[k], kopts);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* Host paths the kernel shows mounted that the record does not have;
 * 1 when process pid could not be read (it ended: try another). */
static int mount_drift(struct au *a, const json_t *spec, const char *id, pid_t pid, const char *t,
		       struct brig_err *e)
{
	_cleanup_json_ json_t *binds = NULL;
	_cleanup_err_ struct brig_err e2 = { 0 };
	if (au_kernel_binds(pid, id, &binds, &e2) < 0)
		return 1;
	size_t i;
	json_t *b;
	json_array_foreach(binds, i, b)
	{
		const char *src = json_string_value(json_object_get(b, "Source"));
		const char *dst = json_string_value(json_object_get(b, "Destination"));
		const struct au_check *c = src ? mount_kind(a, src, id) : NULL;
		if (!c || recorded(spec, src))
			continue;
		int r = au_add(a, c == &c_sensitive_root ? &d_mount_root : &d_mount, t, e,
			       "the kernel shows %s mounted at %s; the record has no such mount",
			       src, dst);
		if (r < 0)
			return r;
	}
	return flags_drift(a, spec, binds, t, e);
}

/* The kernel's view of a running container, checked and compared. */
static int running_checks(struct au *a, const json_t *rec, const char *id, const json_t *spec,
			  const struct au_view *rv, const char *t, struct brig_err *e)
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
	/* one process shows the container's mount namespace */
	for (size_t i = 0; r == 0 && i < n; i++)
		if ((r = mount_drift(a, spec, id, pids[i], t, e)) == 1)
			r = 0;
		else
			break;
	if (r == 0)
		r = au_host_sockets(a, rec, pids, n, t, e);
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
	if (r == 0)
		r = au_ctr_image(a, rec, t, e);
	bool running = json_is_true(json_object_get(json_object_get(rec, "State"), "Running"));
	if (r == 0)
		r = running ? running_checks(a, rec, id, spec, &rv, t, e)
			    : au_view_checks(a, &rv, t, e);
	json_int_t pid = json_integer_value(json_object_get(json_object_get(rec, "State"), "Pid"));
	if (r == 0 && running && pid > 0)
		r = au_port_drift(a, rec, (pid_t)pid, t, e);
	if (r == 0 && running && pid > 0)
		r = au_bridge_ports(a, rec, t, e);
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
