/* SPDX-License-Identifier: Apache-2.0 */
/* A Docker-format seccomp profile -> the OCI linux.seccomp object for one
 * container: schema check of the whole profile, then the syscalls[] entries
 * whose includes/excludes match, and the archMap entry of this machine. */
#include "engine/seccomp/seccomp-internal.h"

#include <string.h>
#include <sys/utsname.h>

static int append(json_t *arr, json_t *val, struct brig_err *e)
{
	if (!val || json_array_append_new(arr, val) < 0)
		return brig_err_oom(e);
	return 0;
}

/* A string vector as a JSON array of strings. */
static json_t *strv_json(char *const *v)
{
	json_t *a = json_array();
	for (size_t i = 0; a && v && v[i]; i++)
		if (json_array_append_new(a, json_string(v[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* architectures: OCI names, copied as they are. */
static int conv_architectures(const json_t *in, const struct bj_loc *at, json_t *out,
			      struct brig_err *e)
{
	_cleanup_strv_ char **names = NULL;
	struct bj_loc arr, el;
	int r = bj_get_strv(in, at, "architectures", true, SP_MAX_ARCHS, &names, e);
	if (r < 0)
		return r;
	bj_key(&arr, at, "architectures");
	for (size_t i = 0; names[i]; i++) {
		bj_idx(&el, &arr, i);
		if (!sp_oci_arch_known(names[i]))
			return bj_fail(e, &el, "unknown architecture %s", names[i]);
	}
	return names[0] ? sp_put(out, "architectures", strv_json(names), e) : 0;
}

/* One archMap entry; when it is this machine's (oci_arch), add it and its
 * subArchitectures to *chosen. */
static int conv_archmap_entry(const json_t *ent, const struct bj_loc *at, const char *oci_arch,
			      json_t **chosen, struct brig_err *e)
{
	static const char *const keys[] = { "architecture", "subArchitectures", NULL };
	const char *arch = NULL;
	_cleanup_strv_ char **subs = NULL;
	struct bj_loc sub, el;
	int r = bj_only_keys(ent, at, keys, e);
	if (r < 0 || (r = bj_get_str(ent, at, "architecture", true, &arch, e)) < 0)
		return r;
	bj_key(&sub, at, "architecture");
	if (!sp_oci_arch_known(arch))
		return bj_fail(e, &sub, "unknown architecture %s", arch);
	if (!sp_unset(ent, "subArchitectures") &&
	    (r = bj_get_strv(ent, at, "subArchitectures", true, SP_MAX_SUBARCHS, &subs, e)) < 0)
		return r;
	bj_key(&sub, at, "subArchitectures");
	for (size_t i = 0; subs && subs[i]; i++) {
		bj_idx(&el, &sub, i);
		if (!sp_oci_arch_known(subs[i]))
			return bj_fail(e, &el, "unknown architecture %s", subs[i]);
	}
	if (!oci_arch || strcmp(arch, oci_arch) != 0)
		return 0;
	bj_key(&sub, at, "architecture");
	if (*chosen)
		return bj_fail(e, &sub, "%s is mapped twice", arch);
	json_t *list = json_array();
	*chosen = list;
	if (!list || append(list, json_string(arch), e) < 0)
		return brig_err_oom(e);
	for (size_t i = 0; subs && subs[i]; i++)
		if ((r = append(list, json_string(subs[i]), e)) < 0)
			return r;
	return 0;
}

static int conv_archmap(const json_t *in, const struct bj_loc *at, const struct sp_target *t,
			json_t *out, struct brig_err *e)
{
	json_t *map = NULL;
	struct bj_loc arr, el;
	int r = bj_get_arr(in, at, "archMap", true, &map, e);
	if (r < 0)
		return r;
	bj_key(&arr, at, "archMap");
	if (json_array_size(map) > SP_MAX_ARCHS)
		return bj_fail(e, &arr, "%zu elements, at most %d allowed", json_array_size(map),
			       SP_MAX_ARCHS);
	if (!sp_unset(in, "architectures") && json_array_size(map) > 0) {
		bj_key(&el, at, "architectures");
		return bj_fail(e, &el, "cannot be used together with archMap");
	}
	_cleanup_json_ json_t *chosen = NULL;
	const char *oci_arch = sp_docker_arch_to_oci(t->arch);
	for (size_t i = 0; i < json_array_size(map); i++) {
		bj_idx(&el, &arr, i);
		r = conv_archmap_entry(json_array_get(map, i), &el, oci_arch, &chosen, e);
		if (r < 0)
			return r;
	}
	if (!chosen)
		brig_debug("%s: archMap has no entry for %s: native architecture only", at->file,
			   t->arch);
	return chosen ? sp_put(out, "architectures", brig_steal_ptr(chosen), e) : 0;
}

static int conv_flags(const json_t *in, const struct bj_loc *at, json_t *out, struct brig_err *e)
{
	_cleanup_strv_ char **flags = NULL;
	struct bj_loc arr, el;
	int r = bj_get_strv(in, at, "flags", true, SP_MAX_FLAGS, &flags, e);
	if (r < 0)
		return r;
	bj_key(&arr, at, "flags");
	for (size_t i = 0; flags[i]; i++) {
		bj_idx(&el, &arr, i);
		if (!sp_flag_known(flags[i]))
			return bj_fail(e, &el, "unknown seccomp flag %s", flags[i]);
	}
	return sp_put(out, "flags", strv_json(flags), e);
}

static int conv_listener(const json_t *in, const struct bj_loc *at, json_t *out, struct brig_err *e)
{
	const char *path = NULL, *meta = NULL;
	struct bj_loc sub;
	int r;
	if (!sp_unset(in, "listenerPath")) {
		if ((r = bj_get_str(in, at, "listenerPath", true, &path, e)) < 0)
			return r;
		bj_key(&sub, at, "listenerPath");
		if (path[0] != '/' || strlen(path) > SP_MAX_PATH)
			return bj_fail(e, &sub, "must be an absolute path of at most %d bytes",
				       SP_MAX_PATH);
		if ((r = sp_put(out, "listenerPath", json_string(path), e)) < 0)
			return r;
	}
	if (sp_unset(in, "listenerMetadata"))
		return 0;
	if ((r = bj_get_str(in, at, "listenerMetadata", true, &meta, e)) < 0)
		return r;
	bj_key(&sub, at, "listenerMetadata");
	if (!path)
		return bj_fail(e, &sub, "must not be set without listenerPath");
	if (strlen(meta) > SP_MAX_METADATA)
		return bj_fail(e, &sub, "longer than %d bytes", SP_MAX_METADATA);
	return sp_put(out, "listenerMetadata", json_string(meta), e);
}

static int conv_profile(const json_t *in, const struct bj_loc *at, const struct sp_target *t,
			json_t *out, struct brig_err *e)
{
	static const char *const keys[] = {
		"defaultAction", "defaultErrnoRet", "architectures",    "archMap", "syscalls",
		"flags",         "listenerPath",    "listenerMetadata", NULL,
	};
	int r = bj_only_keys(in, at, keys, e);
	if (r < 0)
		return r;
	r = sp_conv_action(in, at, "defaultAction", "defaultErrnoRet", out, e);
	if (r >= 0 && !sp_unset(in, "archMap"))
		r = conv_archmap(in, at, t, out, e);
	/* An empty archMap leaves the choice to architectures. */
	if (r >= 0 && !sp_unset(in, "architectures") && !json_object_get(out, "architectures"))
		r = conv_architectures(in, at, out, e);
	if (r >= 0 && !sp_unset(in, "flags"))
		r = conv_flags(in, at, out, e);
	if (r >= 0)
		r = conv_listener(in, at, out, e);
	if (r >= 0)
		r = sp_conv_syscalls(in, at, t, out, e);
	return r;
}

/* The target of the conversion: ctx with its defaults filled in; uts
 * holds the uname release when ctx gives no kernel. */
static int make_target(const struct eng_seccomp_ctx *ctx, struct sp_target *t, struct utsname *uts,
		       struct brig_err *e)
{
	t->caps = ctx ? ctx->caps : NULL;
	t->arch = ctx && ctx->arch ? ctx->arch : eng_seccomp_native_arch();
	t->kernel = ctx ? ctx->kernel : NULL;
	if (!t->arch)
		return brig_err_set(
			e, -EOPNOTSUPP,
			"seccomp profile: brig does not know this machine's architecture");
	if (!sp_docker_arch_to_oci(t->arch))
		return brig_err_set(e, -EINVAL, "seccomp profile: unknown architecture \"%s\"",
				    t->arch);
	if (!t->kernel) {
		if (uname(uts) < 0)
			return brig_err_sys(e, errno, "uname");
		t->kernel = uts->release;
	}
	return 0;
}

int eng_seccomp_from_docker(const char *buf, size_t len, const char *file,
			    const struct eng_seccomp_ctx *ctx, json_t **oci, struct brig_err *e)
{
	struct sp_target t;
	struct utsname uts;
	struct bj_loc root;
	_cleanup_json_ json_t *in = NULL;
	*oci = NULL;
	if (!file)
		file = "<seccomp profile>";
	if (len > ENG_SECCOMP_MAX_FILE)
		return brig_err_set(e, -EFBIG, "%s: larger than %d bytes", file,
				    ENG_SECCOMP_MAX_FILE);
	int r = make_target(ctx, &t, &uts, e);
	if (r < 0)
		return r;
	if ((r = bj_parse(buf, len, file, &in, e)) < 0)
		return r;
	bj_root(&root, file);
	_cleanup_json_ json_t *out = json_object();
	if (!out)
		return brig_err_oom(e);
	if ((r = bj_expect(in, &root, JSON_OBJECT, e)) < 0 ||
	    (r = conv_profile(in, &root, &t, out, e)) < 0)
		return r;
	*oci = brig_steal_ptr(out);
	return 0;
}
