/* SPDX-License-Identifier: Apache-2.0 */
/* The engine-wide defaults applied to an OCI runtime config. */
#include "engine/config/config-internal.h"
#include "engine/flags/flags.h"

#include <string.h>

/* parent[key] as an object, created when absent; NULL (error set) when it
 * is something else. */
static json_t *child_obj(json_t *parent, const char *path, const char *key, struct brig_err *e)
{
	json_t *v = json_object_get(parent, key);
	if (json_is_object(v))
		return v;
	if (v) {
		brig_err_set(e, -EINVAL, "OCI config: %s%s%s is not an object", path,
			     *path ? "." : "", key);
		return NULL;
	}
	if (json_object_set_new(parent, key, v = json_object()) < 0 || !v) {
		brig_err_oom(e);
		return NULL;
	}
	return v;
}

static int set_new(json_t *obj, const char *key, json_t *v, struct brig_err *e)
{
	return json_object_set_new(obj, key, v) < 0 ? brig_err_oom(e) : 0;
}

static json_int_t rlim_json(int64_t v)
{
	return v == -1 ? ENG_RLIM_UNLIMITED_JSON : v;
}

/* process.rlimits: each default replaces an entry of its type or is
 * appended. */
static int apply_rlimits(const struct eng_config *c, json_t *proc, struct brig_err *e)
{
	json_t *rl = json_object_get(proc, "rlimits");
	if (!rl && json_object_set_new(proc, "rlimits", rl = json_array()) < 0)
		return brig_err_oom(e);
	if (!json_is_array(rl))
		return brig_err_set(e, -EINVAL, "OCI config: process.rlimits is not an array");
	for (size_t i = 0; i < c->n_ulimits; i++) {
		const struct eng_config_ulimit *u = &c->ulimits[i];
		json_t *obj = json_pack("{s:s,s:I,s:I}", "type", u->oci, "hard", rlim_json(u->hard),
					"soft", rlim_json(u->soft));
		if (!obj)
			return brig_err_oom(e);
		size_t j, at = json_array_size(rl);
		json_t *old;
		json_array_foreach(rl, j, old)
		{
			const char *t = json_string_value(json_object_get(old, "type"));
			if (t && strcmp(t, u->oci) == 0)
				at = j;
		}
		int r = at < json_array_size(rl) ? json_array_set_new(rl, at, obj)
						 : json_array_append_new(rl, obj);
		if (r < 0)
			return brig_err_oom(e);
	}
	return 0;
}

static int apply_caps(const struct eng_config *c, json_t *proc, struct brig_err *e)
{
	static const char *const sets[] = { "bounding", "effective", "permitted" };
	json_t *caps = child_obj(proc, "process", "capabilities", e);
	if (!caps)
		return e->code;
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(sets); i++) {
		json_t *a = json_array();
		for (char **p = c->capabilities; a && p && *p; p++)
			if (json_array_append_new(a, json_string(*p)) < 0) {
				json_decref(a);
				a = NULL;
			}
		if (!a || json_object_set_new(caps, sets[i], a) < 0)
			return brig_err_oom(e);
	}
	(void)json_object_del(caps, "inheritable");
	(void)json_object_del(caps, "ambient");
	return 0;
}

static int apply_process(const struct eng_config *c, json_t *oci, struct brig_err *e)
{
	json_t *proc = child_obj(oci, "", "process", e);
	if (!proc)
		return e->code;
	int r = apply_rlimits(c, proc, e);
	if (r == 0)
		r = apply_caps(c, proc, e);
	if (r == 0)
		r = set_new(proc, "noNewPrivileges", json_boolean(c->no_new_privileges), e);
	return r;
}

static int apply_resources(const struct eng_config *c, json_t *oci, struct brig_err *e)
{
	json_t *lx = child_obj(oci, "", "linux", e);
	json_t *res = lx ? child_obj(lx, "linux", "resources", e) : NULL;
	if (!res)
		return e->code;
	int r = 0;
	if (c->memory > 0) {
		json_t *mem = child_obj(res, "linux.resources", "memory", e);
		if (!mem)
			return e->code;
		/* Without a swap default, memory+swap == memory: no swap. */
		int64_t swap = c->memory_swap ? c->memory_swap : c->memory;
		if ((r = set_new(mem, "limit", json_integer(c->memory), e)) < 0 ||
		    (r = set_new(mem, "swap", json_integer(swap), e)) < 0)
			return r;
	}
	json_t *pids = child_obj(res, "linux.resources", "pids", e);
	json_t *cpu = pids ? child_obj(res, "linux.resources", "cpu", e) : NULL;
	if (!cpu)
		return e->code;
	if ((r = set_new(pids, "limit", json_integer(c->pids_limit), e)) < 0)
		return r;
	return set_new(cpu, "shares", json_integer(c->cpu_shares), e);
}

int eng_config_apply_defaults(const struct eng_config *c, json_t *oci, struct brig_err *e)
{
	if (!json_is_object(oci))
		return brig_err_set(e, -EINVAL, "OCI config: not an object");
	int r = apply_process(c, oci, e);
	if (r < 0 || (r = apply_resources(c, oci, e)) < 0)
		return brig_err_wrap(e, "engine config%s%s", c->source ? " " : "",
				     c->source ? c->source : "");
	json_t *root = child_obj(oci, "", "root", e);
	if (!root)
		return e->code;
	return set_new(root, "readonly", json_boolean(c->read_only_rootfs), e);
}
