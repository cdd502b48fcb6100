/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The seccomp profile of a container: brig's own allow-list profile
 * (profiles/seccomp.json, Docker's format) unless another file or
 * "unconfined" was asked for, converted for the container's capabilities,
 * this architecture and this kernel.  Without a profile to load, brig
 * refuses to run the container rather than run it unconfined.
 */
#include "engine/engine-internal.h"
#include "engine/seccomp/profile.h"
#include "brig-config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* $BRIG_SECCOMP_PROFILE, the installed profile, or (uninstalled) the
 * build tree's copy. */
const char *eng_seccomp_default_profile(void)
{
	const char *p = eng_seccomp_default_path();
	if (getenv(ENG_SECCOMP_PROFILE_ENV) || access(p, R_OK) == 0)
		return p;
	static const char build[] = BRIG_BUILD_PROFILES "/seccomp.json";
	return access(build, R_OK) == 0 ? build : p;
}

/* The capability names of the bounding set (what the container may hold). */
static const char **cap_names(const json_t *spec)
{
	const json_t *b = json_object_get(
		json_object_get(json_object_get(spec, "process"), "capabilities"), "bounding");
	size_t n = json_array_size(b), i;
	const char **v = calloc(n + 1, sizeof(*v));
	json_t *c;
	json_array_foreach(b, i, c) if (v) v[i] = json_string_value(c);
	return v;
}

int eng_init_apply(json_t *spec, struct brig_err *e)
{
	const char *path = brig_helper_exe(BRIG_LIBEXECDIR "/brig-init", BRIG_BUILD_INIT);
	if (access(path, X_OK) < 0)
		return brig_err_sys(e, errno, "--init: %s", path);
	json_t *proc = json_object_get(spec, "process");
	json_t *args = json_pack("[s,s]", "/dev/init", "--");
	if (!args || json_array_extend(args, json_object_get(proc, "args")) < 0 ||
	    json_object_set_new(proc, "args", args) < 0 ||
	    json_array_append_new(json_object_get(spec, "mounts"),
				  json_pack("{s:s,s:s,s:s,s:[s,s,s,s]}", "destination", "/dev/init",
					    "type", "bind", "source", path, "options", "bind", "ro",
					    "nosuid", "nodev")) < 0)
		return brig_err_set(e, -ENOMEM, "out of memory");
	return 0;
}

int eng_seccomp_apply(json_t *spec, const char *profile, json_t **info, struct brig_err *e)
{
	json_t *lx = json_object_get(spec, "linux");
	if (profile && strcmp(profile, "unconfined") == 0) {
		json_object_del(lx, "seccomp");
		*info = json_pack("{s:s}", "Profile", "unconfined");
		return *info ? 0 : brig_err_set(e, -ENOMEM, "out of memory");
	}
	const char *path = profile ? profile : eng_seccomp_default_profile();
	_cleanup_free_ const char **caps = cap_names(spec);
	if (!caps)
		return brig_err_set(e, -ENOMEM, "out of memory");
	struct eng_seccomp_ctx ctx = { .caps = caps };
	json_t *oci = NULL;
	char digest[ENG_SECCOMP_DIGEST_LEN];
	int r = eng_seccomp_load_file(path, &ctx, &oci, digest, e);
	if (r < 0)
		return brig_err_wrap(e, "seccomp profile%s",
				     profile ? ""
					     : " (brig's default; "
					       "set " ENG_SECCOMP_PROFILE_ENV " or install brig)");
	if (json_object_set_new(lx, "seccomp", oci) < 0 ||
	    !(*info = json_pack("{s:s,s:s,s:b}", "Profile", path, "Digest", digest, "Default",
				!profile)))
		return brig_err_set(e, -ENOMEM, "out of memory");
	return 0;
}

static json_t *get_path(const json_t *j, const char *a, const char *b, const char *c)
{
	const json_t *v = json_object_get(j, a);
	if (b)
		v = json_object_get(v, b);
	if (c)
		v = json_object_get(v, c);
	return v ? json_deep_copy(v) : json_null();
}

/* The container's mounts as they will be: destination, type, source and
 * every option (nosuid, ro, ...). */
static json_t *effective_mounts(const json_t *spec)
{
	json_t *out = json_array();
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(spec, "mounts"), i, m)
	{
		json_t *o = json_object_get(m, "options");
		(void)json_array_append_new(
			out,
			json_pack("{s:O,s:O,s:O,s:O}", "Destination",
				  json_object_get(m, "destination"), "Type",
				  json_object_get(m, "type") ? json_object_get(m, "type")
							     : json_null(),
				  "Source",
				  json_object_get(m, "source") ? json_object_get(m, "source")
							       : json_null(),
				  "Options", o ? o : json_null()));
	}
	return out;
}

json_t *eng_effective(const json_t *spec, const json_t *security, const json_t *userns)
{
	const json_t *proc = json_object_get(spec, "process");
	const json_t *lx = json_object_get(spec, "linux");
	const json_t *res = json_object_get(lx, "resources");
	json_t *o = json_pack(
		"{s:o,s:O,s:o,s:o,s:o,s:o,s:O,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "User",
		get_path(proc, "user", NULL, NULL), "UserNamespace", userns, "Capabilities",
		get_path(proc, "capabilities", NULL, NULL), "NoNewPrivileges",
		get_path(proc, "noNewPrivileges", NULL, NULL), "ReadonlyRootfs",
		get_path(spec, "root", "readonly", NULL), "Seccomp",
		get_path(security, "Seccomp", NULL, NULL), "Privileged",
		json_object_get(security, "Privileged") ? json_object_get(security, "Privileged")
							: json_false(),
		"Ulimits", get_path(proc, "rlimits", NULL, NULL), "Memory",
		get_path(res, "memory", NULL, NULL), "Cpu", get_path(res, "cpu", NULL, NULL),
		"PidsLimit", get_path(res, "pids", "limit", NULL), "Mounts", effective_mounts(spec),
		"MaskedPaths", get_path(lx, "maskedPaths", NULL, NULL), "ReadonlyPaths",
		get_path(lx, "readonlyPaths", NULL, NULL), "AppArmorProfile",
		get_path(proc, "apparmorProfile", NULL, NULL), "SelinuxLabel",
		get_path(proc, "selinuxLabel", NULL, NULL));
	/* Which limits are in force (rootless: rootless.c) */
	json_t *lim = json_object_get(security, "Limits");
	if (o && lim && json_object_set(o, "Limits", lim) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}
