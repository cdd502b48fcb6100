/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig audit engine: brig's configuration (brig.conf, registries.conf),
 * the store's permissions and the user namespace ranges
 * (docs/audit.md, "Engine checks").
 */
#include "audit/audit-internal.h"
#include "engine/config/engine-config.h"
#include "engine/engine.h"
#include "registry/regconf.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CIS "https://www.cisecurity.org/benchmark/docker"

static const struct au_check c_owner = {
	"3.17", AUDIT_MEDIUM, "chown root:root the file: it decides how containers are confined",
	CIS
};
static const struct au_check c_perm = { "3.18", AUDIT_HIGH,
					"chmod 644 (or stricter) the file: only root may change it",
					CIS };
static const struct au_check c_store = {
	"brig.engine.store-perms", AUDIT_HIGH,
	"chmod go-w the store: who writes it controls every image and container", NULL
};
static const struct au_check c_userns = {
	"2.8", AUDIT_HIGH,
	"remove \"userns\": \"host\" from brig.conf (user namespaces are brig's default)", CIS
};
static const struct au_check c_trust = { "4.5", AUDIT_MEDIUM,
					 "set \"content-trust\": true in brig.conf", CIS };
static const struct au_check c_seccomp = {
	"brig.engine.seccomp", AUDIT_HIGH,
	"remove \"seccomp-profile\": \"unconfined\" from brig.conf", NULL
};
static const struct au_check c_nnp = { "2.18", AUDIT_MEDIUM,
				       "set \"no-new-privileges\": true in brig.conf", CIS };
static const struct au_check c_ro = { "brig.engine.read-only", AUDIT_LOW,
				      "set \"read-only-rootfs\": true in brig.conf", NULL };
static const struct au_check c_mem = { "brig.engine.memory", AUDIT_MEDIUM,
				       "set \"default-memory\" in brig.conf", NULL };
static const struct au_check c_pids = { "brig.engine.pids", AUDIT_MEDIUM,
					"set \"default-pids-limit\" in brig.conf", NULL };
static const struct au_check c_ulimit = {
	"2.7", AUDIT_LOW, "give \"default-ulimits\" a bounded nofile (brig's default 1024:4096)",
	CIS
};
static const struct au_check c_log = {
	"brig.engine.log-limits", AUDIT_LOW,
	"set \"log-opts\": {\"max-size\": \"10m\", \"max-file\": 3} in brig.conf", NULL
};
static const struct au_check c_insecure = {
	"2.4", AUDIT_HIGH,
	"remove insecure = true from registries.conf; give the registry a CA instead", CIS
};
static const struct au_check c_subuid = {
	"brig.engine.subuid", AUDIT_MEDIUM,
	"give the subid-user a range in /etc/subuid and /etc/subgid (brig's default user: brig)",
	NULL
};

static int file_perms(struct au *a, const char *path, struct brig_err *e)
{
	struct stat st;
	if (!path || stat(path, &st) < 0)
		return 0;
	int r = 0;
	if (st.st_uid != 0)
		r = au_add(a, &c_owner, path, e, "owned by uid %u, not root", (unsigned)st.st_uid);
	if (r == 0 && (st.st_mode & 022))
		r = au_add(a, &c_perm, path, e, "mode %04o: writable by others than its owner",
			   (unsigned)(st.st_mode & 07777));
	return r;
}

static int store_perms(struct au *a, struct brig_err *e)
{
	static const char *const dirs[] = { "", "/containers", "/blobs", "/volumes" };
	char p[4096];
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(dirs); i++) {
		struct stat st;
		(void)snprintf(p, sizeof(p), "%s%s", eng_root(a->g), dirs[i]);
		if (lstat(p, &st) < 0 || !(st.st_mode & 022) || (st.st_mode & S_ISVTX))
			continue;
		int r = au_add(a, &c_store, p, e, "mode %04o: writable by others than its owner",
			       (unsigned)(st.st_mode & 07777));
		if (r < 0)
			return r;
	}
	return 0;
}

static int defaults(struct au *a, const struct eng_config *c, const char *t, struct brig_err *e)
{
	int r = 0;
	if (c->userns == ENG_USERNS_HOST)
		r = au_add(a, &c_userns, t, e, "containers share the host's user namespace");
	if (r == 0 && !c->content_trust)
		r = au_add(a, &c_trust, t, e, "content trust is off");
	if (r == 0 && c->seccomp_profile && strcmp(c->seccomp_profile, "unconfined") == 0)
		r = au_add(a, &c_seccomp, t, e,
			   "containers run without a seccomp filter by default");
	if (r == 0 && !c->no_new_privileges)
		r = au_add(a, &c_nnp, t, e, "no_new_privs is off by default");
	if (r == 0 && !c->read_only_rootfs)
		r = au_add(a, &c_ro, t, e, "containers' root filesystems are writable by default");
	if (r == 0 && c->memory == 0)
		r = au_add(a, &c_mem, t, e, "no default memory limit");
	if (r == 0 && c->pids_limit < 0)
		r = au_add(a, &c_pids, t, e, "no default pids limit");
	if (r == 0 && c->log_max_size == 0)
		r = au_add(a, &c_log, t, e, "container logs grow without a bound");
	bool nofile = false;
	for (size_t i = 0; i < c->n_ulimits; i++)
		if (strcmp(c->ulimits[i].name, "nofile") == 0)
			nofile = c->ulimits[i].hard >= 0;
	if (r == 0 && !nofile)
		r = au_add(a, &c_ulimit, t, e, "no bounded default nofile ulimit");
	return r;
}

static int registries(struct au *a, const struct eng_config *c, struct brig_err *e)
{
	_cleanup_reg_conf_ struct reg_conf *rc = NULL;
	int r = reg_conf_load(c->registries_conf, &rc, e);
	if (r < 0)
		return r;
	const char *src = rc->source ? rc->source : REG_CONF_DEFAULT_PATH;
	r = file_perms(a, rc->source, e);
	for (size_t i = 0; r == 0 && i < rc->n_regs; i++) {
		const struct reg_conf_registry *g = &rc->regs[i];
		if (g->insecure)
			r = au_add(a, &c_insecure, src, e, "registry %s (line %u) is insecure",
				   g->location, g->line);
		for (size_t j = 0; r == 0 && j < g->n_mirrors; j++)
			if (g->mirrors[j].insecure)
				r = au_add(a, &c_insecure, src, e,
					   "mirror %s (line %u) is insecure",
					   g->mirrors[j].location, g->mirrors[j].line);
	}
	return r;
}

int au_engine(struct au *a, struct brig_err *e)
{
	const json_t *brig = json_object_get(a->info, "Brig");
	const char *cf = json_string_value(json_object_get(brig, "ConfigFile"));
	struct eng_config *c = NULL;
	int r = eng_config_load(cf, cf != NULL, &c, e);
	if (r < 0)
		return r;
	const char *t = cf ? cf : "brig.conf (built-in defaults)";
	r = file_perms(a, cf, e);
	if (r == 0)
		r = store_perms(a, e);
	if (r == 0)
		r = defaults(a, c, t, e);
	if (r == 0)
		r = registries(a, c, e);
	const json_t *u = json_object_get(brig, "Userns");
	const char *mode = json_string_value(json_object_get(u, "Mode"));
	if (r == 0 && mode && strcmp(mode, "auto") == 0 &&
	    !json_is_object(json_object_get(u, "Range")))
		r = au_add(a, &c_subuid, "/etc/subuid", e, "no subordinate range for %s",
			   c->subid_user ? c->subid_user : "brig");
	eng_config_free(c);
	return r;
}
