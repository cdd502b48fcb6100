/* SPDX-License-Identifier: Apache-2.0 */
/*
 * registry/regconf: /etc/brig/registries.conf, a documented subset of the
 * TOML of containers-registries.conf(5) version 2 (docs/registry.md,
 * "Names and registries.conf"):
 *
 *   unqualified-search-registries = ["docker.io"]   # read, never searched
 *   [aliases]
 *   "myimg" = "registry.example:5000/team/img"
 *   [[registry]]
 *   prefix = "docker.io"          # optional: defaults to location
 *   location = "registry.example"
 *   insecure = false               # true: plain http and unverified TLS
 *   blocked = false                # true: pulls refused
 *   authfile = "/etc/brig/team.json"   # brig's own: credentials when no --authfile
 *   [[registry.mirror]]
 *   location = "mirror.example/hub"
 *   insecure = false
 *   pull-from-mirror = "digest-only"   # or "all", "tag-only"
 *
 * Strict: at most REG_CONF_MAX bytes, unknown keys and tables, wrong types,
 * a key given twice, two registries with one prefix, bad names: each is an
 * error "FILE:LINE: KEY: what is wrong".  A short name resolves only
 * through [aliases] or to docker.io/library/ (never by searching
 * unqualified-search-registries, so a name cannot be squatted).
 */
#ifndef BRIG_REGISTRY_REGCONF_H
#define BRIG_REGISTRY_REGCONF_H

#include <stdbool.h>
#include <stddef.h>

#include "common/common.h"

#define REG_CONF_DEFAULT_PATH "/etc/brig/registries.conf"
#define REG_CONF_ENV "BRIG_REGISTRIES_CONF"
#define REG_CONF_MAX ((size_t)1 << 20)
#define REG_CONF_MAX_REGISTRIES 256
#define REG_CONF_MAX_MIRRORS 16
#define REG_CONF_MAX_ALIASES 4096

enum reg_pull_from_mirror {
	REG_MIRROR_DIGEST_ONLY = 0, /* brig's default */
	REG_MIRROR_ALL,
	REG_MIRROR_TAG_ONLY,
};

struct reg_conf_mirror {
	char *location; /* "host[:port][/namespace...]" */
	bool insecure;
	enum reg_pull_from_mirror pull_from;
	unsigned line;
};

struct reg_conf_registry {
	char *prefix; /* what names are matched against (default: location) */
	char *location; /* what the prefix is replaced with */
	bool insecure, blocked;
	char *authfile; /* brig's own key: this registry's auth.json, or NULL */
	struct reg_conf_mirror *mirrors;
	size_t n_mirrors;
	unsigned line;
};

struct reg_conf_alias {
	char *name; /* a short name: "myimg", "team/img" */
	char *value; /* "registry.example:5000/team/img" */
};

struct reg_conf {
	char *source; /* the file read; NULL when there was none */
	struct reg_conf_alias *aliases;
	size_t n_aliases;
	struct reg_conf_registry *regs;
	size_t n_regs;
	/* Set when the file lists unqualified-search-registries other than
	 * docker.io: the line to print once (brig ignores them). */
	char *notice;
};

/* Parse a document in memory (name is used in messages). */
int reg_conf_parse(const char *buf, size_t len, const char *name, struct reg_conf **out,
		   struct brig_err *e);
/*
 * Load path, or $BRIG_REGISTRIES_CONF, or REG_CONF_DEFAULT_PATH when path
 * is NULL.  A missing file is an empty configuration unless the path was
 * given (path non-NULL or the environment variable set).  The file must be
 * a regular file owned by root or the caller and not writable by others.
 */
int reg_conf_load(const char *path, struct reg_conf **out, struct brig_err *e);
void reg_conf_free(struct reg_conf *c);
static inline void reg_conf_freep(struct reg_conf **c)
{
	reg_conf_free(*c);
}
#define _cleanup_reg_conf_ _cleanup_(reg_conf_freep)

/*
 * A reference as the user typed it ("myimg:1", "busybox",
 * "host:5000/a/b@sha256:..."): when its name part is a short name (no
 * registry) with an alias, *out is the alias's value with the tag or
 * digest appended; otherwise a copy of ref.  *out is malloc'ed.
 */
int reg_conf_expand(const struct reg_conf *c, const char *ref, char **out, struct brig_err *e);

/* The [[registry]] whose prefix is the longest match of NAME
 * ("host[:port]/repository", on a '/' boundary), or NULL. */
const struct reg_conf_registry *reg_conf_match(const struct reg_conf *c, const char *name);

/* NAME with the matched prefix replaced by location (a mirror's or the
 * registry's), malloc'ed; NULL on ENOMEM. */
char *reg_conf_rewrite(const struct reg_conf_registry *r, const char *location, const char *name);

#endif /* BRIG_REGISTRY_REGCONF_H */
