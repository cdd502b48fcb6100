/* SPDX-License-Identifier: Apache-2.0 */
/* eng_flags_apply: every topic's changes on a copy, swapped in on success. */
#include "engine/flags/flags-internal.h"

#include <string.h>

json_t *eng_json_obj(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	if (v)
		return json_is_object(v) ? v : NULL;
	v = json_object();
	if (!v || json_object_set_new(obj, key, v) < 0)
		return NULL;
	return v;
}

json_t *eng_json_arr(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	if (v)
		return json_is_array(v) ? v : NULL;
	v = json_array();
	if (!v || json_object_set_new(obj, key, v) < 0)
		return NULL;
	return v;
}

int eng_json_set(json_t *obj, const char *key, json_t *v, struct brig_err *e)
{
	if (!v || json_object_set_new(obj, key, v) < 0)
		return brig_err_oom(e);
	return 0;
}

json_t *eng_strv_json(char *const *v)
{
	json_t *a = json_array();
	for (size_t i = 0; a && v && v[i]; i++)
		if (json_array_append_new(a, json_string(v[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* Whether the config asks for a new namespace of this type (listed, and
 * without a path to join). */
bool eng_ns_private(const json_t *oci, const char *type)
{
	json_t *ns = json_object_get(json_object_get(oci, "linux"), "namespaces");
	size_t i;
	json_t *n;
	json_array_foreach(ns, i, n)
	{
		const char *t = json_string_value(json_object_get(n, "type"));
		const char *path = json_string_value(json_object_get(n, "path"));
		if (t && strcmp(t, type) == 0)
			return !path || !*path;
	}
	return false;
}

typedef int (*applier)(const struct eng_flags *, json_t *, struct brig_err *);

int eng_flags_apply_resources(const struct eng_flags *f, json_t *oci, struct brig_err *e)
{
	if (!json_is_object(oci))
		return brig_err_set(e, -EINVAL, "the OCI config is not a JSON object");
	_cleanup_json_ json_t *work = json_deep_copy(oci);
	if (!work)
		return brig_err_oom(e);
	int r = eng_apply_resources(f, work, e);
	if (r < 0)
		return r;
	if (json_object_clear(oci) < 0 || json_object_update(oci, work) < 0)
		return brig_err_oom(e);
	return 0;
}

int eng_flags_apply(const struct eng_flags *f, json_t *oci, struct brig_err *e)
{
	/* Privileged first so that explicit flags (--cap-drop, mask=) still
	 * narrow what it opens up. */
	static const applier steps[] = {
		eng_apply_privileged, eng_apply_resources, eng_apply_ulimits,
		eng_apply_caps,       eng_apply_devices,   eng_apply_sysctls,
		eng_apply_mounts,     eng_apply_security,  eng_apply_process,
	};
	if (!json_is_object(oci))
		return brig_err_set(e, -EINVAL, "the OCI config is not a JSON object");
	_cleanup_json_ json_t *work = json_deep_copy(oci);
	if (!work)
		return brig_err_oom(e);
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(steps); i++) {
		int r = steps[i](f, work, e);
		if (r < 0)
			return r;
	}
	if (json_object_clear(oci) < 0 || json_object_update(oci, work) < 0)
		return brig_err_oom(e);
	return 0;
}
