/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig audit: what the kernel enforces on a running container, read from
 * the host's /proc (docs/audit.md, "Containers: the kernel's view").
 * Per process: CapEff and CapBnd, NoNewPrivs and Seccomp (status), the
 * uid map, the namespaces compared with brig's own, the root mount's
 * flags (mountinfo), the rlimits (limits), the LSM label; per container:
 * the memory and pids limits of the cgroups the process is in.
 */
#include "audit/audit-internal.h"

#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *const au_ns_names[AU_NS_N] = { "net", "pid", "ipc", "uts", "user" };

void au_view_clear(struct au_view *v)
{
	free(v->lsm);
	memset(v, 0, sizeof(*v));
}

/* The value of "Key:\t..." in a status file, or NULL. */
static const char *status_field(const char *st, const char *key)
{
	size_t n = strlen(key);
	for (const char *p = st; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, key, n) == 0 && p[n] == ':')
			return p + n + 1 + strspn(p + n + 1, " \t");
	return NULL;
}

static int proc_status(int pdir, struct au_view *v, struct brig_err *e)
{
	_cleanup_free_ char *st = NULL;
	int r = au_read(pdir, "status", &st);
	if (r < 0)
		return r;
	const char *eff = status_field(st, "CapEff"), *bnd = status_field(st, "CapBnd");
	const char *nnp = status_field(st, "NoNewPrivs"), *sc = status_field(st, "Seccomp");
	const char *uid = status_field(st, "Uid");
	if (!eff || !bnd || !nnp || !sc || !uid)
		return brig_err_set(e, -EPROTO,
				    "/proc/PID/status: CapEff, CapBnd, NoNewPrivs, "
				    "Seccomp or Uid missing");
	v->caps_eff |= strtoull(eff, NULL, 16);
	v->caps |= strtoull(bnd, NULL, 16);
	v->nnp = v->nnp && *nnp == '1';
	v->seccomp = v->seccomp && *sc == '2';
	unsigned long ruid = strtoul(uid, NULL, 10);
	unsigned long euid = strtoul(uid + strcspn(uid, " \t"), NULL, 10);
	/* status shows ids as the host sees them: 0 is the host's root */
	v->host_root = v->host_root || ruid == 0 || euid == 0;
	_cleanup_free_ char *map = NULL;
	long long in, out, len;
	if (au_read(pdir, "uid_map", &map) == 0 &&
	    sscanf(map, "%lld %lld %lld", &in, &out, &len) == 3) {
		if (v->map.len == AU_UNKNOWN)
			v->map = (struct au_idmap){ in, out, len };
		else if (v->map.in != in || v->map.out != out || v->map.len != len)
			v->map_mixed = true;
	}
	return 0;
}

static void proc_ns(int pdir, struct au_view *v)
{
	char path[32];
	for (size_t i = 0; i < AU_NS_N; i++) {
		struct stat a, b;
		(void)snprintf(path, sizeof(path), "ns/%s", au_ns_names[i]);
		char self[48];
		(void)snprintf(self, sizeof(self), "/proc/self/ns/%s", au_ns_names[i]);
		if (fstatat(pdir, path, &a, 0) == 0 && stat(self, &b) == 0 &&
		    a.st_ino == b.st_ino && a.st_dev == b.st_dev)
			v->shares[i] = true;
	}
}

/* Is the mount at "/" (the process's root) read-only?  mountinfo:
 * ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS ... */
static void proc_root_mount(int pdir, struct au_view *v)
{
	_cleanup_free_ char *mi = NULL;
	if (au_read(pdir, "mountinfo", &mi) < 0)
		return;
	bool ro = false, found = false;
	for (char *save = NULL, *l = strtok_r(mi, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		char mp[4096], opts[1024];
		if (sscanf(l, "%*s %*s %*s %*s %4095s %1023s", mp, opts) != 2 || strcmp(mp, "/"))
			continue;
		found = true; /* the last mount on / is the one seen */
		ro = strncmp(opts, "ro", 2) == 0 && (opts[2] == ',' || !opts[2]);
	}
	if (found)
		v->root_ro = v->root_ro && ro;
	else
		v->root_ro = false;
}

static const struct {
	const char *oci, *label;
} rl_names[] = {
	{ "RLIMIT_CPU", "Max cpu time" },
	{ "RLIMIT_FSIZE", "Max file size" },
	{ "RLIMIT_DATA", "Max data size" },
	{ "RLIMIT_STACK", "Max stack size" },
	{ "RLIMIT_CORE", "Max core file size" },
	{ "RLIMIT_RSS", "Max resident set" },
	{ "RLIMIT_NPROC", "Max processes" },
	{ "RLIMIT_NOFILE", "Max open files" },
	{ "RLIMIT_MEMLOCK", "Max locked memory" },
	{ "RLIMIT_AS", "Max address space" },
	{ "RLIMIT_LOCKS", "Max file locks" },
	{ "RLIMIT_SIGPENDING", "Max pending signals" },
	{ "RLIMIT_MSGQUEUE", "Max msgqueue size" },
	{ "RLIMIT_NICE", "Max nice priority" },
	{ "RLIMIT_RTPRIO", "Max realtime priority" },
	{ "RLIMIT_RTTIME", "Max realtime timeout" },
};

static int64_t rl_value(const char *s)
{
	return strncmp(s, "unlimited", 9) == 0 ? AU_UNLIMITED : strtoll(s, NULL, 10);
}

/* The highest soft and hard value of each limit over the processes. */
static void proc_limits(int pdir, struct au_view *v)
{
	_cleanup_free_ char *l = NULL;
	if (au_read(pdir, "limits", &l) < 0)
		return;
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(rl_names) && i < AU_RLIMITS; i++) {
		const char *p = strstr(l, rl_names[i].label);
		if (!p)
			continue;
		p += 26; /* the values' column */
		char *end = (char *)p + strspn(p, " ");
		int64_t soft = rl_value(end);
		end += strcspn(end, " ");
		int64_t hard = rl_value(end + strspn(end, " "));
		struct au_rlimit *r = &v->rl[i];
		r->oci = rl_names[i].oci;
		r->soft = r->soft > soft ? r->soft : soft;
		r->hard = r->hard > hard ? r->hard : hard;
	}
	v->n_rl = BRIG_ARRAY_SIZE(rl_names);
}

/* Where the hierarchy holding controller ctrl ("" for cgroup v2) is
 * mounted in brig's mount namespace, and the cgroup at its root. */
static int cg_mount(const char *ctrl, char mp[PATH_MAX], char root[PATH_MAX])
{
	_cleanup_free_ char *mi = NULL;
	int r = au_read(AT_FDCWD, "/proc/self/mountinfo", &mi);
	if (r < 0)
		return r;
	for (char *save = NULL, *l = strtok_r(mi, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		char fstype[32], super[1024];
		const char *sep = strstr(l, " - ");
		if (!sep || sscanf(l, "%*s %*s %*s %4095s %4095s", root, mp) != 2 ||
		    sscanf(sep + 3, "%31s %*s %1023s", fstype, super) != 2)
			continue;
		if (!*ctrl && strcmp(fstype, "cgroup2") == 0)
			return 0;
		if (*ctrl && strcmp(fstype, "cgroup") == 0) {
			for (char *s2 = NULL, *o = strtok_r(super, ",", &s2); o;
			     o = strtok_r(NULL, ",", &s2))
				if (strcmp(o, ctrl) == 0)
					return 0;
		}
	}
	return -ENOENT;
}

/* The cgroup of process pdir in the hierarchy of ctrl ("" for v2). */
static int cg_path(int pdir, const char *ctrl, char path[PATH_MAX])
{
	_cleanup_free_ char *cg = NULL;
	int r = au_read(pdir, "cgroup", &cg);
	if (r < 0)
		return r;
	for (char *save = NULL, *l = strtok_r(cg, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(l, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = '\0';
		bool match = !*ctrl ? c1[1] == '\0' : false;
		for (char *s2 = NULL, *o = *ctrl ? strtok_r(c1 + 1, ",", &s2) : NULL; o;
		     o = strtok_r(NULL, ",", &s2))
			match = match || strcmp(o, ctrl) == 0;
		if (match)
			return brig_snprintf(path, PATH_MAX, "%s", c2 + 1) < 0 ? -ENAMETOOLONG : 0;
	}
	return -ENOENT;
}

/* The lowest value of file in the cgroup of pdir and its ancestors up to
 * the hierarchy's mounted root: the limit the kernel enforces. */
static int64_t cg_limit(int pdir, const char *ctrl, const char *file)
{
	char mp[PATH_MAX], root[PATH_MAX], path[PATH_MAX], f[PATH_MAX * 2 + 64];
	if (cg_mount(ctrl, mp, root) < 0 || cg_path(pdir, ctrl, path) < 0)
		return AU_UNKNOWN;
	size_t rl = strcmp(root, "/") == 0 ? 0 : strlen(root);
	if (rl && (strncmp(path, root, rl) || (path[rl] && path[rl] != '/')))
		return AU_UNKNOWN; /* outside what brig's namespace shows */
	int64_t min = AU_UNLIMITED;
	bool any = false;
	for (char *rel = path + rl;;) {
		int64_t v;
		(void)snprintf(f, sizeof(f), "%s%s/%s", mp, rel, file);
		if (au_read_i64(AT_FDCWD, f, &v) == 0) {
			any = true;
			if (v >= ((int64_t)1 << 62))
				v = AU_UNLIMITED; /* v1's "no limit" is a huge number */
			min = v < min ? v : min;
		}
		char *slash = strrchr(rel, '/');
		if (!slash || slash == rel)
			break;
		*slash = '\0';
	}
	return any ? min : AU_UNKNOWN;
}

static int64_t proc_cg(int pdir, const char *ctrl, const char *v1, const char *v2)
{
	int64_t v = cg_limit(pdir, ctrl, v1);
	return v != AU_UNKNOWN ? v : cg_limit(pdir, "", v2);
}

static int64_t lower(int64_t a, int64_t b)
{
	if (a == AU_UNKNOWN)
		return b;
	if (b == AU_UNKNOWN)
		return a;
	return a > b ? a : b; /* the weakest process decides */
}

/* Is the process of pdir in container id's cgroup?  A pid listed a moment
 * ago may have ended and been reused by another process: a /proc/PID
 * directory opened is bound to one process, so once this holds for it,
 * everything read through pdir is the container's (or fails). */
static bool in_container(int pdir, const char *id)
{
	_cleanup_free_ char *cg = NULL;
	return au_read(pdir, "cgroup", &cg) == 0 && strstr(cg, id) != NULL;
}

static int one_proc(pid_t pid, const char *id, struct au_view *v, bool first, struct brig_err *e)
{
	char p[32];
	(void)snprintf(p, sizeof(p), "/proc/%d", (int)pid);
	_cleanup_close_ int pdir = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (pdir < 0)
		return -errno;
	if (!in_container(pdir, id))
		return -ESRCH;
	int r = proc_status(pdir, v, e);
	if (r < 0)
		return r;
	proc_ns(pdir, v);
	proc_root_mount(pdir, v);
	proc_limits(pdir, v);
	v->memory = lower(v->memory,
			  proc_cg(pdir, "memory", "memory.limit_in_bytes", "memory.max"));
	v->pids = lower(v->pids, proc_cg(pdir, "pids", "pids.max", "pids.max"));
	_cleanup_free_ char *lsm = NULL;
	if (first && au_read(pdir, "attr/current", &lsm) == 0) {
		lsm[strcspn(lsm, "\n")] = '\0';
		v->lsm = brig_steal_ptr(lsm);
	}
	return 0;
}

int au_view_kernel(const char *id, const pid_t *pids, size_t n, struct au_view *v,
		   struct brig_err *e)
{
	*v = (struct au_view){ .from = "kernel",
			       .map = { AU_UNKNOWN, AU_UNKNOWN, AU_UNKNOWN },
			       .seccomp = true,
			       .nnp = true,
			       .root_ro = true,
			       .memory = AU_UNKNOWN,
			       .pids = AU_UNKNOWN };
	for (size_t i = 0; i < AU_RLIMITS; i++)
		v->rl[i] = (struct au_rlimit){ rl_names[i].oci, AU_UNKNOWN, AU_UNKNOWN };
	size_t seen = 0;
	for (size_t i = 0; i < n; i++) {
		int r = one_proc(pids[i], id, v, seen == 0, e);
		if (r == -ENOENT || r == -ESRCH)
			continue; /* ended meanwhile */
		if (r < 0)
			return brig_err_set(e, r, "reading /proc/%d", (int)pids[i]);
		seen++;
	}
	v->n_rl = AU_RLIMITS;
	return seen ? 0 : brig_err_set(e, -ESRCH, "no process left to read");
}

/* The record's view: Brig.Spec as the runtime was given it. */
uint64_t au_caps_mask(const json_t *arr)
{
	uint64_t m = 0;
	size_t i;
	json_t *c;
	json_array_foreach(arr, i, c)
	{
		int n = json_is_string(c) ? brig_cap_from_name(json_string_value(c)) : -1;
		if (n >= 0 && n < 64)
			m |= (uint64_t)1 << n;
	}
	return m;
}

static bool spec_has_ns(const json_t *lx, const char *type)
{
	size_t i;
	json_t *ns;
	json_array_foreach(json_object_get(lx, "namespaces"), i, ns)
	{
		const char *t = json_string_value(json_object_get(ns, "type"));
		if (t && strcmp(t, type) == 0 && !json_object_get(ns, "path"))
			return true;
	}
	return false;
}

static int64_t spec_limit(const json_t *res, const char *what, const char *key)
{
	json_t *l = json_object_get(json_object_get(res, what), key);
	if (!json_is_integer(l) || json_integer_value(l) <= 0)
		return AU_UNLIMITED;
	return json_integer_value(l);
}

static void spec_rlimits(const json_t *proc, struct au_view *v)
{
	for (size_t i = 0; i < AU_RLIMITS; i++)
		v->rl[i] = (struct au_rlimit){ rl_names[i].oci, AU_UNKNOWN, AU_UNKNOWN };
	v->n_rl = AU_RLIMITS;
	size_t j;
	json_t *rl;
	json_array_foreach(json_object_get(proc, "rlimits"), j, rl)
	{
		const char *t = json_string_value(json_object_get(rl, "type"));
		for (size_t i = 0; t && i < AU_RLIMITS; i++) {
			if (strcmp(t, rl_names[i].oci))
				continue;
			json_int_t s = json_integer_value(json_object_get(rl, "soft"));
			json_int_t h = json_integer_value(json_object_get(rl, "hard"));
			/* RLIM_INFINITY as a uint64 in JSON reads back as -1 */
			v->rl[i].soft = s < 0 ? AU_UNLIMITED : s;
			v->rl[i].hard = h < 0 ? AU_UNLIMITED : h;
		}
	}
}

int au_view_record(const json_t *spec, struct au_view *v, struct brig_err *e)
{
	const json_t *proc = json_object_get(spec, "process");
	const json_t *lx = json_object_get(spec, "linux");
	if (!json_is_object(proc) || !json_is_object(lx))
		return brig_err_set(e, -EINVAL, "Brig.Spec: process or lx missing");
	const json_t *caps = json_object_get(proc, "capabilities");
	*v = (struct au_view){
		.from = "record",
		.caps = au_caps_mask(json_object_get(caps, "bounding")),
		.caps_eff = au_caps_mask(json_object_get(caps, "effective")),
		.seccomp = json_object_get(lx, "seccomp") != NULL,
		.nnp = json_is_true(json_object_get(proc, "noNewPrivileges")),
		.root_ro = json_is_true(json_object_get(json_object_get(spec, "root"), "readonly")),
		.memory = spec_limit(json_object_get(lx, "resources"), "memory", "limit"),
		.pids = spec_limit(json_object_get(lx, "resources"), "pids", "limit"),
	};
	for (size_t i = 0; i < AU_NS_N; i++)
		v->shares[i] = !spec_has_ns(lx, i == AU_NS_NET ? "network" : au_ns_names[i]);
	json_int_t uid = json_integer_value(json_object_get(json_object_get(proc, "user"), "uid"));
	const json_t *map = json_array_get(json_object_get(lx, "uidMappings"), 0);
	v->host_root = uid == 0 && !map;
	/* no mapping: the host's namespace, whose uid_map is the identity */
	v->map = map ? (struct au_idmap){ json_integer_value(json_object_get(map, "containerID")),
					  json_integer_value(json_object_get(map, "hostID")),
					  json_integer_value(json_object_get(map, "size")) }
		     : (struct au_idmap){ 0, 0, 4294967295LL };
	spec_rlimits(proc, v);
	return 0;
}
