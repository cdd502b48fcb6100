/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Rootless brig's limits (docs/rootless.md).  A user other than root can
 * make cgroups only where one was delegated to it (systemd's user@.service
 * on a cgroup v2 host); on this project's v1 hosts there is none.  Then the
 * container's linux.resources cannot be enforced: brig says once which
 * limits are not, turns the pids limit into RLIMIT_NPROC (which the kernel
 * counts per user, not per container: the message says so), removes
 * linux.resources so that the runtime goes on without a cgroup, and
 * records what is in force for `brig inspect` (Brig.Effective.Limits).
 */
#include "engine/engine-internal.h"
#include "runtime/cgroup/cgroup.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Is a cgroup v2 subtree ours to write (delegated)?  Never on v1/hybrid. */
bool eng_rootless_cgroup_delegated(void)
{
	enum rt_cgroup_layout l = 0;
	_cleanup_err_ struct brig_err e = { 0 };
	if (rt_cgroup_host_layout(&l, &e) < 0 || l != RT_CGROUP_V2)
		return false;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	if (brig_read_file(AT_FDCWD, "/proc/self/cgroup", 1 << 16, &buf, &len, &e) < 0 ||
	    strncmp(buf, "0::", 3) != 0)
		return false;
	buf[strcspn(buf, "\n")] = '\0';
	char path[4096];
	if (brig_snprintf(path, sizeof(path), "/sys/fs/cgroup%s/cgroup.subtree_control", buf + 3) <
	    0)
		return false;
	return access(path, W_OK) == 0;
}

/* The limits linux.resources asks for, by section name. */
static json_t *sections(const json_t *res)
{
	json_t *a = json_array();
	const char *k;
	const json_t *v;
	json_object_foreach((json_t *)res, k, v)
	{
		if (a && strcmp(k, "devices") != 0 && !json_is_null(v))
			(void)json_array_append_new(a, json_string(k));
	}
	return a;
}

/* Names of the rlimits in process.rlimits ("RLIMIT_NOFILE" -> "nofile"). */
static json_t *rlimit_names(const json_t *spec)
{
	json_t *a = json_array();
	size_t i;
	const json_t *rl;
	json_array_foreach(json_object_get(json_object_get(spec, "process"), "rlimits"), i, rl)
	{
		const char *t = json_string_value(json_object_get(rl, "type"));
		char low[32];
		size_t n = 0;
		if (!a || !t || strncmp(t, "RLIMIT_", 7) != 0)
			continue;
		for (t += 7; *t && n < sizeof(low) - 1; t++)
			low[n++] = (char)(*t >= 'A' && *t <= 'Z' ? *t - 'A' + 'a' : *t);
		low[n] = '\0';
		(void)json_array_append_new(a, json_string(low));
	}
	return a;
}

/* pids.limit N as RLIMIT_NPROC N:N, unless the container sets nproc. */
static int pids_as_nproc(json_t *spec, json_int_t n, struct brig_err *e)
{
	json_t *proc = json_object_get(spec, "process"), *rls = json_object_get(proc, "rlimits");
	size_t i;
	const json_t *rl;
	json_array_foreach(rls, i, rl)
	{
		const char *t = json_string_value(json_object_get(rl, "type"));
		if (t && strcmp(t, "RLIMIT_NPROC") == 0)
			return 0; /* --ulimit nproc wins */
	}
	if (!rls && json_object_set_new(proc, "rlimits", rls = json_array()) < 0)
		return brig_err_oom(e);
	json_t *ent = json_pack("{s:s,s:I,s:I}", "type", "RLIMIT_NPROC", "hard", n, "soft", n);
	return json_array_append_new(rls, ent) < 0 ? brig_err_oom(e) : 0;
}

/* What limits: {"Cgroup": bool, "InForce": [...], "NotEnforced": [...],
 * "Note": "..."} into *limits; rootless without a delegated cgroup, the
 * spec changed as said above and a warning printed. */
int eng_limits(json_t *spec, json_t **limits, struct brig_err *e)
{
	json_t *lx = json_object_get(spec, "linux"), *res = json_object_get(lx, "resources");
	json_t *asked = sections(res);
	if (!asked)
		return brig_err_oom(e);
	if (!eng_rootless() || eng_rootless_cgroup_delegated()) {
		json_t *in = rlimit_names(spec);
		*limits = in && json_array_extend(in, asked) == 0
			? json_pack("{s:b,s:o,s:[]}", "Cgroup", true, "InForce", in, "NotEnforced")
			: NULL;
		json_decref(asked);
		return *limits ? 0 : brig_err_oom(e);
	}
	json_int_t pids = json_integer_value(
		json_object_get(json_object_get(res, "pids"), "limit"));
	int r = pids > 0 ? pids_as_nproc(spec, pids, e) : 0;
	char note[512] = "";
	if (r == 0 && pids > 0)
		(void)snprintf(note, sizeof(note),
			       "the pids limit is RLIMIT_NPROC, which the kernel counts per user "
			       "(uid %u's processes), not per container",
			       (unsigned)getuid());
	_cleanup_free_ char *names = json_array_size(asked) ? NULL : strdup("none");
	size_t i;
	const json_t *v;
	json_array_foreach(asked, i, v)
	{
		char *n = NULL;
		if (asprintf(&n, "%s%s%s", names ? names : "", names ? ", " : "",
			     json_string_value(v)) < 0) {
			r = brig_err_oom(e);
			break;
		}
		free(names);
		names = n;
	}
	if (r < 0) {
		json_decref(asked);
		return r;
	}
	(void)json_object_del(lx, "resources");
	if (json_array_size(asked) > 0 || note[0])
		brig_warn("rootless without a delegated cgroup: limits not enforced: %s%s%s",
			  names ? names : "", note[0] ? "; " : "", note);
	json_t *in = rlimit_names(spec);
	*limits = in ? json_pack("{s:b,s:o,s:o,s:s}", "Cgroup", false, "InForce", in, "NotEnforced",
				 asked, "Note", note)
		     : NULL;
	return *limits ? 0 : brig_err_oom(e);
}
