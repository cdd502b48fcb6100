/* SPDX-License-Identifier: Apache-2.0 */
/* The effective configuration as JSON, in the file's own shape. */
#include "engine/config/config-internal.h"

#include <stdio.h>

static json_t *ulimits_json(const struct eng_config *c)
{
	json_t *o = json_object();
	for (size_t i = 0; o && i < c->n_ulimits; i++) {
		const struct eng_config_ulimit *u = &c->ulimits[i];
		if (json_object_set_new(o, u->name,
					json_pack("{s:I,s:I}", "Soft", (json_int_t)u->soft, "Hard",
						  (json_int_t)u->hard)) < 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

void eng_config_format_size(int64_t bytes, char *buf, size_t size)
{
	cfg_format_size(bytes, buf, size);
}

static json_t *size_json(int64_t v)
{
	char buf[32];
	cfg_format_size(v, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *remap_json(const struct eng_config_remap *m)
{
	char buf[3 * 12];
	switch (m->kind) {
	case ENG_REMAP_IDS:
		(void)snprintf(buf, sizeof(buf), "%u:%u:%u", m->uid, m->gid, m->size);
		return json_string(buf);
	case ENG_REMAP_USER:
		return m->group ? json_sprintf("%s:%s", m->user, m->group) : json_string(m->user);
	case ENG_REMAP_NONE:
		break;
	}
	return json_null();
}

static json_t *caps_json(char *const *caps)
{
	json_t *a = json_array();
	for (; a && caps && *caps; caps++)
		if (json_array_append_new(a, json_string(*caps + 4)) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *opt_string(const char *s)
{
	return s ? json_string(s) : json_null();
}

int eng_config_dump(const struct eng_config *c, json_t **out)
{
	char backoff[32];
	cfg_format_duration(c->restart_backoff_max_ms, backoff, sizeof(backoff));
	json_t *swap = c->memory_swap == -1 ? json_integer(-1)
		: c->memory_swap == 0       ? json_null()
					    : size_json(c->memory_swap);
	json_t *j = json_pack(
		"{s:o*,s:o*,s:o*,s:I,s:I,s:I,s:s,s:o*,s:s,s:o*,s:s,s:s,s:{s:o*,s:I},s:o*,s:b,s:b,"
		"s:o*,s:b,s:s}",
		"default-ulimits", ulimits_json(c), "default-memory",
		c->memory ? size_json(c->memory) : json_null(), "default-memory-swap", swap,
		"default-pids-limit", (json_int_t)c->pids_limit, "default-cpu-shares",
		(json_int_t)c->cpu_shares, "restart-ceiling", (json_int_t)c->restart_ceiling,
		"restart-backoff-max", backoff, "storage-driver",
		opt_string(eng_config_storage_name(c->storage_driver)), "userns",
		eng_config_userns_name(c->userns), "userns-remap", remap_json(&c->userns_remap),
		"subid-user", c->subid_user, "userns-registry", c->userns_registry, "log-opts",
		"max-size", size_json((int64_t)c->log_max_size), "max-file",
		(json_int_t)c->log_max_files, "seccomp-profile", opt_string(c->seccomp_profile),
		"no-new-privileges", c->no_new_privileges, "read-only-rootfs", c->read_only_rootfs,
		"default-capabilities", caps_json(c->capabilities), "content-trust",
		c->content_trust, "registry-certs-dir", c->registry_certs_dir);
	/* json_pack's "o*" turns a failed (NULL) member into a missing key:
	 * every key must be there. */
	if (j &&
	    (json_object_set_new(j, "default-storage-size",
				 c->storage_size ? size_json(c->storage_size) : json_null()) < 0 ||
	     json_object_set_new(j, "registries-conf", opt_string(c->registries_conf)) < 0 ||
	     json_object_set_new(j, "detach-keys", opt_string(c->detach_keys)) < 0 ||
	     json_object_set_new(j, "max-concurrent-downloads",
				 json_integer((json_int_t)c->max_downloads)) < 0)) {
		json_decref(j);
		j = NULL;
	}
	if (!j || json_object_size(j) != 23 ||
	    json_object_size(json_object_get(j, "log-opts")) != 2) {
		json_decref(j);
		return -ENOMEM;
	}
	*out = j;
	return 0;
}
