/* SPDX-License-Identifier: Apache-2.0 */
/* Loading the engine configuration file: defaults, the key table, the
 * scalar keys and the checks across keys. */
#include "engine/config/config-internal.h"
#include "brig-mutant.h"
#include "engine/flags/flags.h"
#include "engine/logs/logs.h"

#include "brig-config.h" /* the build's BRIG_SYSCONFDIR */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

/* $XDG_<kind>_HOME/brig/NAME, else ~/<fallback>/brig/NAME (rootless brig's
 * files); NULL when neither variable holds an absolute path. */
static char *xdg_path(const char *var, const char *fallback, const char *name)
{
	const char *x = getenv(var), *home = getenv("HOME");
	char *p = NULL;
	if (x && x[0] == '/')
		return asprintf(&p, "%s/brig/%s", x, name) < 0 ? NULL : p;
	if (home && home[0] == '/')
		return asprintf(&p, "%s/%s/brig/%s", home, fallback, name) < 0 ? NULL : p;
	return NULL;
}

const char *eng_config_default_path(void)
{
	static char *user_path;
	/* Rootless: the user's own, $XDG_CONFIG_HOME/brig/brig.conf. */
	if (geteuid() != 0 &&
	    (user_path || (user_path = xdg_path("XDG_CONFIG_HOME", ".config", "brig.conf"))))
		return user_path;
	/* A relative sysconfdir ("etc/brig") is taken from the root. */
	return BRIG_SYSCONFDIR[0] == '/' ? BRIG_SYSCONFDIR "/brig.conf"
					 : "/" BRIG_SYSCONFDIR "/brig.conf";
}

/* The host-wide registry of user namespace slots: root's in /var/lib/brig;
 * rootless, the user's own ranges are recorded in the user's data
 * directory ($XDG_DATA_HOME/brig/userns-registry). */
static char *default_registry(void)
{
	char *p = geteuid() != 0 ? xdg_path("XDG_DATA_HOME", ".local/share", "userns-registry")
				 : NULL;
	return p ? p : strdup(ENG_CONFIG_DEF_USERNS_REGISTRY);
}

const char *eng_config_storage_name(enum eng_storage_choice s)
{
	return s == ENG_STORAGE_OVERLAY ? "overlay" : s == ENG_STORAGE_COPY ? "copy" : NULL;
}

const char *eng_config_userns_name(enum eng_userns_choice u)
{
	return u == ENG_USERNS_HOST ? "host" : "auto";
}

void eng_config_free(struct eng_config *c)
{
	if (!c)
		return;
	free(c->source);
	free(c->userns_remap.user);
	free(c->userns_remap.group);
	free(c->subid_user);
	free(c->userns_registry);
	free(c->registry_certs_dir);
	free(c->registries_conf);
	free(c->seccomp_profile);
	free(c->detach_keys);
	brig_strv_free(c->capabilities);
	free(c);
}

int eng_config_defaults(struct eng_config **out, struct brig_err *e)
{
	_cleanup_eng_config_ struct eng_config *c = calloc(1, sizeof(*c));
	if (!c)
		return brig_err_set(e, -ENOMEM, "out of memory");
	cfg_default_ulimits(c);
	c->memory = ENG_CONFIG_DEF_MEMORY;
	c->memory_swap = 0;
#ifdef BRIG_MUTANT_NO_PIDS_LIMIT
	c->pids_limit = -1; /* mutant build (make mutants): no default pids limit */
#else
	c->pids_limit = ENG_CONFIG_DEF_PIDS;
#endif
	c->cpu_shares = ENG_CONFIG_DEF_CPU_SHARES;
	c->restart_ceiling = ENG_CONFIG_DEF_RESTART_CEILING;
	c->restart_backoff_max_ms = ENG_CONFIG_DEF_BACKOFF_MAX_MS;
	c->log_max_size = ENG_LOG_DEFAULT_MAX_SIZE;
	c->log_max_files = ENG_LOG_DEFAULT_MAX_FILES;
	c->no_new_privileges = true;
#ifndef BRIG_MUTANT_NO_READONLY_ROOT /* mutant build (make mutants): writable root */
	c->read_only_rootfs = true;
#endif
	c->content_trust = true;
	c->max_downloads = ENG_CONFIG_DEF_DOWNLOADS;
	if (!(c->subid_user = strdup(ENG_CONFIG_DEF_SUBID_USER)) ||
	    !(c->userns_registry = default_registry()) ||
	    !(c->registry_certs_dir = strdup(ENG_CONFIG_DEF_CERTS_DIR)))
		return brig_err_set(e, -ENOMEM, "out of memory");
	int r = cfg_default_caps(c, e);
	if (r < 0)
		return r;
	*out = brig_steal_ptr(c);
	return 0;
}

/* ---- scalar keys ---------------------------------------------------------- */

/* A size string into *out (at least min bytes), or "-1" when allow_m1.
 * null leaves *out at null_value. */
static int get_size(const json_t *doc, const struct bj_loc *root, const char *key, int64_t min,
		    int64_t null_value, bool allow_m1, int64_t *out, struct brig_err *e)
{
	json_t *v = json_object_get(doc, key);
	struct bj_loc at;
	bj_key(&at, root, key);
	if (json_is_null(v)) {
		*out = null_value;
		return 0;
	}
	if (allow_m1 && json_is_integer(v) && json_integer_value(v) == -1) {
		*out = -1;
		return 0;
	}
	const char *s = NULL;
	int r = bj_get_str(doc, root, key, true, &s, e);
	if (r < 0)
		return r;
	if (strcmp(s, "-1") == 0) {
		if (!allow_m1)
			return bj_fail(e, &at, "\"-1\" is not a size (null means no limit)");
		*out = -1;
		return 0;
	}
	struct brig_err pe = { 0 };
	int64_t n;
	if ((r = brig_parse_size(s, &n, &pe)) == 0 && n < min)
		r = brig_err_set(&pe, -EINVAL, "%lld is below the minimum of %lld bytes",
				 (long long)n, (long long)min);
	if (r < 0) {
		bj_fail(e, &at, "%s", brig_err_str(&pe));
		brig_err_clear(&pe);
		return -EINVAL;
	}
	*out = n;
	return 0;
}

static int key_memory(const json_t *doc, const struct bj_loc *root, const char *key,
		      struct eng_config *c, struct brig_err *e)
{
	return get_size(doc, root, key, CFG_MIN_MEMORY, 0, false, &c->memory, e);
}

static int key_memory_swap(const json_t *doc, const struct bj_loc *root, const char *key,
			   struct eng_config *c, struct brig_err *e)
{
	return get_size(doc, root, key, CFG_MIN_MEMORY, 0, true, &c->memory_swap, e);
}

static int key_storage_size(const json_t *doc, const struct bj_loc *root, const char *key,
			    struct eng_config *c, struct brig_err *e)
{
	return get_size(doc, root, key, CFG_MIN_STORAGE, 0, false, &c->storage_size, e);
}

static int key_pids(const json_t *doc, const struct bj_loc *root, const char *key,
		    struct eng_config *c, struct brig_err *e)
{
	int r = bj_get_int(doc, root, key, true, -1, INT32_MAX, &c->pids_limit, e);
	if (r == 0 && c->pids_limit == 0) {
		struct bj_loc at;
		bj_key(&at, root, key);
		return bj_fail(e, &at, "0 is not a limit (use -1 for no limit)");
	}
	return r;
}

static int key_shares(const json_t *doc, const struct bj_loc *root, const char *key,
		      struct eng_config *c, struct brig_err *e)
{
	return bj_get_int(doc, root, key, true, CFG_CPU_SHARES_MIN, CFG_CPU_SHARES_MAX,
			  &c->cpu_shares, e);
}

static int key_ceiling(const json_t *doc, const struct bj_loc *root, const char *key,
		       struct eng_config *c, struct brig_err *e)
{
	return bj_get_int(doc, root, key, true, 0, CFG_RESTART_CEILING_MAX, &c->restart_ceiling, e);
}

static int key_backoff(const json_t *doc, const struct bj_loc *root, const char *key,
		       struct eng_config *c, struct brig_err *e)
{
	const char *s = NULL;
	int r = bj_get_str(doc, root, key, true, &s, e);
	if (r < 0)
		return r;
	struct bj_loc at;
	bj_key(&at, root, key);
	int64_t ms = 0;
	if (cfg_parse_duration_ms(s, &ms) < 0 || ms < CFG_BACKOFF_MIN_MS || ms > CFG_BACKOFF_MAX_MS)
		return bj_fail(e, &at,
			       "\"%.32s\" is not a duration from 100ms to 24h "
			       "(NUMBER UNIT terms, units ms s m h: \"60s\", \"1m30s\")",
			       s);
	c->restart_backoff_max_ms = ms;
	return 0;
}

/* A string out of a fixed list (NULL-terminated); null gives index -1. */
static int get_choice(const json_t *doc, const struct bj_loc *root, const char *key,
		      const char *const *choices, bool allow_null, int *idx, struct brig_err *e)
{
	struct bj_loc at;
	bj_key(&at, root, key);
	if (allow_null && json_is_null(json_object_get(doc, key))) {
		*idx = -1;
		return 0;
	}
	const char *s = NULL;
	int r = bj_get_str(doc, root, key, true, &s, e);
	if (r < 0)
		return r;
	for (int i = 0; choices[i]; i++)
		if (strcmp(choices[i], s) == 0) {
			*idx = i;
			return 0;
		}
	return bj_fail(e, &at, "\"%.32s\" is not one of %s%s%s%s", s, choices[0],
		       choices[1] ? ", " : "", choices[1] ? choices[1] : "",
		       allow_null ? " or null" : "");
}

static int key_storage(const json_t *doc, const struct bj_loc *root, const char *key,
		       struct eng_config *c, struct brig_err *e)
{
	static const char *const choices[] = { "overlay", "copy", NULL };
	int idx, r = get_choice(doc, root, key, choices, true, &idx, e);
	if (r == 0)
		c->storage_driver = idx < 0 ? ENG_STORAGE_AUTO
			: idx == 0          ? ENG_STORAGE_OVERLAY
					    : ENG_STORAGE_COPY;
	return r;
}

static int key_userns(const json_t *doc, const struct bj_loc *root, const char *key,
		      struct eng_config *c, struct brig_err *e)
{
	static const char *const choices[] = { "auto", "host", NULL };
	int idx, r = get_choice(doc, root, key, choices, false, &idx, e);
	if (r == 0)
		c->userns = idx == 1 ? ENG_USERNS_HOST : ENG_USERNS_AUTO;
	return r;
}

static int key_subid_user(const json_t *doc, const struct bj_loc *root, const char *key,
			  struct eng_config *c, struct brig_err *e)
{
	const char *s = NULL;
	int r = bj_get_str(doc, root, key, true, &s, e);
	if (r < 0)
		return r;
	struct bj_loc at;
	bj_key(&at, root, key);
	if (!cfg_valid_name(s))
		return bj_fail(e, &at,
			       "\"%.32s\" is not a user name (at most %d of "
			       "A-Z a-z 0-9 _ . -, not only digits)",
			       s, CFG_NAME_MAX);
	char *dup = strdup(s);
	if (!dup)
		return brig_err_set(e, -ENOMEM, "out of memory");
	free(c->subid_user);
	c->subid_user = dup;
	return 0;
}

/* A clean absolute path into *slot (replacing what it held). */
static int clean_path(const json_t *doc, const struct bj_loc *root, const char *key, char **slot,
		      struct brig_err *e)
{
	const char *s = NULL;
	int r = bj_get_str(doc, root, key, true, &s, e);
	if (r < 0)
		return r;
	struct bj_loc at;
	bj_key(&at, root, key);
	if (s[0] != '/' || strlen(s) >= PATH_MAX / 2 || strstr(s, "/../") || strstr(s, "//"))
		return bj_fail(e, &at, "\"%.64s\" is not a clean absolute path", s);
	char *dup = strdup(s);
	if (!dup)
		return brig_err_set(e, -ENOMEM, "out of memory");
	free(*slot);
	*slot = dup;
	return 0;
}

static int key_registry(const json_t *doc, const struct bj_loc *root, const char *key,
			struct eng_config *c, struct brig_err *e)
{
	return clean_path(doc, root, key, &c->userns_registry, e);
}

static int key_certs_dir(const json_t *doc, const struct bj_loc *root, const char *key,
			 struct eng_config *c, struct brig_err *e)
{
	return clean_path(doc, root, key, &c->registry_certs_dir, e);
}

static int key_regconf(const json_t *doc, const struct bj_loc *root, const char *key,
		       struct eng_config *c, struct brig_err *e)
{
	if (json_is_null(json_object_get(doc, key)))
		return 0;
	return clean_path(doc, root, key, &c->registries_conf, e);
}

static int key_downloads(const json_t *doc, const struct bj_loc *root, const char *key,
			 struct eng_config *c, struct brig_err *e)
{
	return bj_get_int(doc, root, key, true, 1, ENG_CONFIG_MAX_DOWNLOADS, &c->max_downloads, e);
}

static int key_seccomp(const json_t *doc, const struct bj_loc *root, const char *key,
		       struct eng_config *c, struct brig_err *e)
{
	if (json_is_null(json_object_get(doc, key)))
		return 0;
	const char *s = NULL;
	int r = bj_get_str(doc, root, key, true, &s, e);
	if (r < 0)
		return r;
	struct bj_loc at;
	bj_key(&at, root, key);
	if (strcmp(s, "unconfined") != 0 && (s[0] != '/' || strlen(s) >= PATH_MAX))
		return bj_fail(e, &at, "expected an absolute path, \"unconfined\" or null");
	if (!(c->seccomp_profile = strdup(s)))
		return brig_err_set(e, -ENOMEM, "out of memory");
	return 0;
}

static int key_nnp(const json_t *doc, const struct bj_loc *root, const char *key,
		   struct eng_config *c, struct brig_err *e)
{
	return bj_get_bool(doc, root, key, true, &c->no_new_privileges, e);
}

static int key_ro(const json_t *doc, const struct bj_loc *root, const char *key,
		  struct eng_config *c, struct brig_err *e)
{
	return bj_get_bool(doc, root, key, true, &c->read_only_rootfs, e);
}

static int key_trust(const json_t *doc, const struct bj_loc *root, const char *key,
		     struct eng_config *c, struct brig_err *e)
{
	return bj_get_bool(doc, root, key, true, &c->content_trust, e);
}

/* ---- the document --------------------------------------------------------- */

static const struct {
	const char *key;
	cfg_key_fn fn;
} keys[] = {
	{ "default-ulimits", cfg_key_ulimits },
	{ "default-memory", key_memory },
	{ "default-memory-swap", key_memory_swap },
	{ "default-pids-limit", key_pids },
	{ "default-cpu-shares", key_shares },
	{ "restart-ceiling", key_ceiling },
	{ "restart-backoff-max", key_backoff },
	{ "storage-driver", key_storage },
	{ "default-storage-size", key_storage_size },
	{ "userns", key_userns },
	{ "userns-remap", cfg_key_remap },
	{ "subid-user", key_subid_user },
	{ "detach-keys", cfg_key_detach_keys },
	{ "userns-registry", key_registry },
	{ "log-opts", cfg_key_log_opts },
	{ "seccomp-profile", key_seccomp },
	{ "no-new-privileges", key_nnp },
	{ "read-only-rootfs", key_ro },
	{ "default-capabilities", cfg_key_caps },
	{ "content-trust", key_trust },
	{ "registry-certs-dir", key_certs_dir },
	{ "registries-conf", key_regconf },
	{ "max-concurrent-downloads", key_downloads },
};

/* Rules that involve more than one key. */
static int check_across(const struct eng_config *c, const struct bj_loc *root, struct brig_err *e)
{
	struct bj_loc at;
	if (c->memory_swap != 0 && c->memory_swap != -1) {
		bj_key(&at, root, "default-memory-swap");
		if (c->memory == 0)
			return bj_fail(e, &at,
				       "needs a default-memory limit (memory+swap "
				       "cannot be limited while memory is not)");
		if (c->memory_swap < c->memory)
			return bj_fail(e, &at,
				       "%lld is below default-memory %lld (the value is "
				       "memory plus swap)",
				       (long long)c->memory_swap, (long long)c->memory);
	}
	if (c->memory == 0 && c->memory_swap == -1) {
		bj_key(&at, root, "default-memory-swap");
		return bj_fail(e, &at, "-1 needs a default-memory limit");
	}
	if (c->userns == ENG_USERNS_HOST && c->userns_remap.kind != ENG_REMAP_NONE) {
		bj_key(&at, root, "userns-remap");
		return bj_fail(e, &at, "cannot be used with \"userns\": \"host\"");
	}
	return 0;
}

static int parse_doc(const json_t *doc, const char *name, struct eng_config *c, struct brig_err *e)
{
	const char *allowed[BRIG_ARRAY_SIZE(keys) + 1];
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(keys); i++)
		allowed[i] = keys[i].key;
	allowed[BRIG_ARRAY_SIZE(keys)] = NULL;
	struct bj_loc root;
	bj_root(&root, name);
	int r = bj_only_keys(doc, &root, allowed, e);
	for (size_t i = 0; r == 0 && i < BRIG_ARRAY_SIZE(keys); i++)
		if (json_object_get(doc, keys[i].key))
			r = keys[i].fn(doc, &root, keys[i].key, c, e);
	return r < 0 ? r : check_across(c, &root, e);
}

int eng_config_parse(const char *buf, size_t len, const char *name, struct eng_config **out,
		     struct brig_err *e)
{
	_cleanup_json_ json_t *doc = NULL;
	_cleanup_eng_config_ struct eng_config *c = NULL;
	int r = bj_parse(buf, len, name, &doc, e);
	if (r < 0 || (r = eng_config_defaults(&c, e)) < 0 || (r = parse_doc(doc, name, c, e)) < 0)
		return r;
	if (!(c->source = strdup(name)))
		return brig_err_set(e, -ENOMEM, "out of memory");
	*out = brig_steal_ptr(c);
	return 0;
}

int eng_config_load(const char *path, bool explicit, struct eng_config **out, struct brig_err *e)
{
	if (!path)
		path = eng_config_default_path();
	_cleanup_close_ int fd = BRIG_RETRY(
		open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
	if (fd < 0) {
		if (errno == ENOENT && !explicit) {
			brig_debug("engine config %s: absent, using the defaults", path);
			return eng_config_defaults(out, e);
		}
		return brig_err_sys(e, errno, "engine config %s", path);
	}
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r = brig_file_trusted(fd, path, e);
	if (r < 0 || (r = brig_read_fd(fd, path, ENG_CONFIG_MAX_SIZE, &buf, &len, e)) < 0)
		return r;
	return eng_config_parse(buf, len, path, out, e);
}
