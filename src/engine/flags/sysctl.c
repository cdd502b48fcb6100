/* SPDX-License-Identifier: Apache-2.0 */
/* --sysctl KEY=VALUE -> linux.sysctl, namespaced keys only. */
#include "engine/flags/flags-internal.h"

#include <string.h>

#define SYSCTL_KEY_MAX 256

void eng_sysctls_free(struct eng_flags *f)
{
	for (size_t i = 0; i < f->n_sysctls; i++) {
		free(f->sysctls[i].key);
		free(f->sysctls[i].value);
	}
	free(f->sysctls);
}

/* The namespace a key belongs to: "ipc", "net", or NULL (a host-wide key,
 * which a container must not change). */
static const char *sysctl_ns(const char *key)
{
	static const char *const ipc_keys[] = {
		"kernel.sem",    "kernel.shmall",          "kernel.shmmax",
		"kernel.shmmni", "kernel.shm_rmid_forced", "kernel.msgmax",
		"kernel.msgmnb", "kernel.msgmni"
	};
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(ipc_keys); i++)
		if (strcmp(key, ipc_keys[i]) == 0)
			return "ipc";
	if (strncmp(key, "fs.mqueue.", 10) == 0)
		return "ipc";
	if (strncmp(key, "net.", 4) == 0)
		return "net";
	return NULL;
}

/* Dot-separated components of [A-Za-z0-9_-] ('/' is the kernel's other
 * separator and is turned into '.'). */
static bool key_ok(char *key)
{
	size_t n = strlen(key);
	if (n == 0 || n > SYSCTL_KEY_MAX)
		return false;
	for (char *p = key; *p; p++) {
		if (*p == '/')
			*p = '.';
		bool word = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			(*p >= '0' && *p <= '9') || *p == '_' || *p == '-';
		if (!word && *p != '.')
			return false;
	}
	return key[0] != '.' && key[n - 1] != '.' && !strstr(key, "..");
}

int eng_set_sysctl(struct eng_flags *f, const char *v, struct brig_err *e)
{
	const char *eq = strchr(v, '=');
	if (!eq || eq == v || eq[1] == '\0')
		return brig_err_set(e, -EINVAL, "\"%.64s\" is not KEY=VALUE", v);
	_cleanup_free_ char *key = strndup(v, (size_t)(eq - v));
	_cleanup_free_ char *val = strdup(eq + 1);
	if (!key || !val)
		return brig_err_oom(e);
	if (!key_ok(key))
		return brig_err_set(e, -EINVAL, "\"%.64s\" is not a sysctl name", key);
	if (!sysctl_ns(key))
		return brig_err_set(e, -EPERM,
				    "%s is not namespaced: it would change the host "
				    "(allowed: kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*, "
				    "net.*)",
				    key);
	for (size_t i = 0; i < f->n_sysctls; i++)
		if (strcmp(f->sysctls[i].key, key) == 0) { /* the last one wins */
			free(f->sysctls[i].value);
			f->sysctls[i].value = brig_steal_ptr(val);
			return 0;
		}
	struct eng_sysctl *ns = realloc(f->sysctls, (f->n_sysctls + 1) * sizeof(*ns));
	if (!ns)
		return brig_err_oom(e);
	f->sysctls = ns;
	ns[f->n_sysctls].key = brig_steal_ptr(key);
	ns[f->n_sysctls].value = brig_steal_ptr(val);
	f->n_sysctls++;
	return 0;
}

int eng_apply_sysctls(const struct eng_flags *f, json_t *oci, struct brig_err *e)
{
	if (f->n_sysctls == 0)
		return 0;
	json_t *lx = eng_json_obj(oci, "linux");
	json_t *sc = lx ? eng_json_obj(lx, "sysctl") : NULL;
	if (!sc)
		return brig_err_set(e, -EINVAL, "linux.sysctl is not an object");
	for (size_t i = 0; i < f->n_sysctls; i++) {
		const char *key = f->sysctls[i].key;
		const char *ns = sysctl_ns(key);
		const char *oci_ns = strcmp(ns, "net") == 0 ? "network" : ns;
		if (!eng_ns_private(oci, oci_ns))
			return brig_err_set(e, -EINVAL,
					    "--sysctl %s: needs a private %s namespace "
					    "(not with --%s=host)",
					    key, oci_ns,
					    strcmp(ns, "net") == 0 ? "network" : "ipc");
		int r = eng_json_set(sc, key, json_string(f->sysctls[i].value), e);
		if (r < 0)
			return r;
	}
	return 0;
}

int eng_hc_sysctls(const struct eng_flags *f, json_t *hc)
{
	json_t *o = json_object();
	for (size_t i = 0; o && i < f->n_sysctls; i++)
		if (json_object_set_new(o, f->sysctls[i].key, json_string(f->sysctls[i].value)) <
		    0) {
			json_decref(o);
			return -1;
		}
	return json_object_set_new(hc, "Sysctls", o);
}
