/* SPDX-License-Identifier: Apache-2.0 */
/* registries.conf: checking and storing the values the reader found
 * (regconf-internal.h), and the checks across the file. */
#include "registry/regconf-internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* A host: [A-Za-z0-9.-] (not starting with '.' or '-'), an optional
 * :PORT of 1-5 digits. */
static bool valid_host(const char *s, size_t n)
{
	const char *colon = memchr(s, ':', n);
	size_t hn = colon ? (size_t)(colon - s) : n;
	if (hn == 0 || s[0] == '.' || s[0] == '-')
		return false;
	for (size_t i = 0; i < hn; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '-'))
			return false;
	if (!colon)
		return true;
	size_t pn = n - hn - 1;
	if (pn == 0 || pn > 5)
		return false;
	for (size_t i = hn + 1; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Repository components: [a-z0-9._-]+ separated by single '/'. */
static bool valid_path(const char *s)
{
	if (!*s)
		return false;
	for (const char *c = s; *c; c++) {
		if (*c == '/' && (c == s || c[1] == '/' || c[1] == 0))
			return false;
		if (*c != '/' &&
		    !((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '.' ||
		      *c == '_' || *c == '-'))
			return false;
	}
	return strstr(s, "..") == NULL;
}

/* Does the first component name a registry (Docker's rule)? */
static bool names_host(const char *s)
{
	size_t n = strcspn(s, "/");
	return memchr(s, '.', n) || memchr(s, ':', n) ||
		(n == 9 && strncmp(s, "localhost", 9) == 0);
}

/* "host[:port][/namespace...]" without scheme, tag or digest; NULL when
 * fine, else what is wrong. */
static const char *location_problem(const char *s)
{
	if (strstr(s, "://"))
		return "no scheme is written (host[:port][/namespace...]); insecure = true "
		       "allows plain http";
	if (s[0] == '*')
		return "wildcard prefixes are not supported by brig";
	size_t hn = strcspn(s, "/");
	if (!valid_host(s, hn))
		return "expected host[:port][/namespace...]";
	if (!names_host(s))
		return "the first component must name a registry host (with a '.' or a ':', "
		       "or localhost)";
	if (s[hn] && !valid_path(s + hn + 1))
		return "expected host[:port][/namespace...] (lower-case repository path; no "
		       "tag or digest)";
	return NULL;
}

static int want_string(const struct regconf_val *v, const char *key, const char *file,
		       unsigned line, struct brig_err *e)
{
	if (!v->s)
		return regconf_fail(file, line, key, e, "expected a string");
	return 0;
}

static int want_bool(const struct regconf_val *v, const char *key, const char *file, unsigned line,
		     struct brig_err *e)
{
	if (v->b < 0)
		return regconf_fail(file, line, key, e, "expected true or false");
	return 0;
}

static int set_location(char **slot, const struct regconf_val *v, const char *key, const char *file,
			unsigned line, struct brig_err *e)
{
	int r = want_string(v, key, file, line, e);
	const char *why = r == 0 ? location_problem(v->s) : NULL;
	if (r < 0 || why)
		return r < 0 ? r : regconf_fail(file, line, key, e, "\"%.100s\": %s", v->s, why);
	if (!(*slot = strdup(v->s)))
		return brig_err_oom(e);
	return 0;
}

int regconf_new_registry(struct reg_conf *c, const char *file, unsigned line, struct brig_err *e)
{
	if (c->n_regs == REG_CONF_MAX_REGISTRIES)
		return regconf_fail(file, line, NULL, e, "more than %d [[registry]] tables",
				    REG_CONF_MAX_REGISTRIES);
	struct reg_conf_registry *n = realloc(c->regs, (c->n_regs + 1) * sizeof(*n));
	if (!n)
		return brig_err_oom(e);
	c->regs = n;
	n[c->n_regs++] = (struct reg_conf_registry){ .line = line };
	return 0;
}

int regconf_new_mirror(struct reg_conf *c, const char *file, unsigned line, struct brig_err *e)
{
	if (c->n_regs == 0)
		return regconf_fail(file, line, NULL, e,
				    "[[registry.mirror]] before any [[registry]]");
	struct reg_conf_registry *reg = &c->regs[c->n_regs - 1];
	if (reg->n_mirrors == REG_CONF_MAX_MIRRORS)
		return regconf_fail(file, line, NULL, e, "more than %d mirrors for one registry",
				    REG_CONF_MAX_MIRRORS);
	struct reg_conf_mirror *m = realloc(reg->mirrors, (reg->n_mirrors + 1) * sizeof(*m));
	if (!m)
		return brig_err_oom(e);
	reg->mirrors = m;
	m[reg->n_mirrors++] = (struct reg_conf_mirror){ .line = line };
	return 0;
}

static bool valid_short(const char *s)
{
	return valid_path(s) && !names_host(s);
}

int regconf_set_alias(struct reg_conf *c, const char *name, const char *value, const char *file,
		      unsigned line, struct brig_err *e)
{
	if (!value)
		return regconf_fail(file, line, name, e, "expected a string");
	if (!valid_short(name))
		return regconf_fail(file, line, name, e,
				    "an alias is a short name: lower-case repository path "
				    "without registry, tag or digest");
	const char *why = location_problem(value);
	if (!why && (!names_host(value) || !strchr(value, '/')))
		why = "the alias must name a registry and a repository (host[:port]/repo)";
	if (why)
		return regconf_fail(file, line, name, e, "\"%.100s\": %s", value, why);
	for (size_t i = 0; i < c->n_aliases; i++)
		if (strcmp(c->aliases[i].name, name) == 0)
			return regconf_fail(file, line, name, e, "alias given twice");
	if (c->n_aliases == REG_CONF_MAX_ALIASES)
		return regconf_fail(file, line, name, e, "more than %d aliases",
				    REG_CONF_MAX_ALIASES);
	struct reg_conf_alias *n = realloc(c->aliases, (c->n_aliases + 1) * sizeof(*n));
	if (!n)
		return brig_err_oom(e);
	c->aliases = n;
	struct reg_conf_alias *a = &n[c->n_aliases];
	if (!(a->name = strdup(name)) || !(a->value = strdup(value))) {
		free(a->name);
		return brig_err_oom(e);
	}
	c->n_aliases++;
	return 0;
}

int regconf_set_top(struct reg_conf *c, const char *key, const struct regconf_val *v,
		    const char *file, unsigned line, struct brig_err *e)
{
	if (!v->arr)
		return regconf_fail(file, line, key, e, "expected an array of strings");
	bool only_hub = true;
	for (char *const *s = v->arr; *s; s++) {
		const char *why = location_problem(*s);
		if (why || strchr(*s, '/'))
			return regconf_fail(file, line, key, e, "\"%.100s\": expected host[:port]",
					    *s);
		if (strcmp(*s, "docker.io") != 0)
			only_hub = false;
	}
	if (only_hub)
		return 0;
	free(c->notice);
	if (asprintf(&c->notice,
		     "%s:%u: %s: brig ignores these; a short name resolves only through "
		     "[aliases] or to docker.io/library/",
		     file, line, key) < 0) {
		c->notice = NULL;
		return brig_err_oom(e);
	}
	return 0;
}

/* authfile (brig's own key): an absolute path to an auth.json whose
 * credentials this registry gets when the command names no --authfile. */
static int set_authfile(struct reg_conf_registry *r, const struct regconf_val *v, const char *key,
			const char *file, unsigned line, struct brig_err *e)
{
	int rc = want_string(v, key, file, line, e);
	if (rc < 0)
		return rc;
	if (v->s[0] != '/' || strlen(v->s) >= PATH_MAX)
		return regconf_fail(file, line, key, e, "\"%.100s\": expected an absolute path",
				    v->s);
	free(r->authfile);
	r->authfile = strdup(v->s);
	return r->authfile ? 0 : brig_err_oom(e);
}

int regconf_set_registry(struct reg_conf *c, const char *key, const struct regconf_val *v,
			 const char *file, unsigned line, struct brig_err *e)
{
	struct reg_conf_registry *r = &c->regs[c->n_regs - 1];
	if (strcmp(key, "prefix") == 0)
		return set_location(&r->prefix, v, key, file, line, e);
	if (strcmp(key, "location") == 0)
		return set_location(&r->location, v, key, file, line, e);
	if (strcmp(key, "authfile") == 0)
		return set_authfile(r, v, key, file, line, e);
	int rc = want_bool(v, key, file, line, e);
	if (rc == 0 && strcmp(key, "insecure") == 0)
		r->insecure = v->b;
	else if (rc == 0)
		r->blocked = v->b;
	return rc;
}

int regconf_set_mirror(struct reg_conf *c, const char *key, const struct regconf_val *v,
		       const char *file, unsigned line, struct brig_err *e)
{
	struct reg_conf_registry *r = &c->regs[c->n_regs - 1];
	struct reg_conf_mirror *m = &r->mirrors[r->n_mirrors - 1];
	if (strcmp(key, "location") == 0)
		return set_location(&m->location, v, key, file, line, e);
	if (strcmp(key, "insecure") == 0) {
		int rc = want_bool(v, key, file, line, e);
		if (rc == 0)
			m->insecure = v->b;
		return rc;
	}
	int rc = want_string(v, key, file, line, e);
	if (rc < 0)
		return rc;
	if (strcmp(v->s, "digest-only") == 0)
		m->pull_from = REG_MIRROR_DIGEST_ONLY;
	else if (strcmp(v->s, "all") == 0)
		m->pull_from = REG_MIRROR_ALL;
	else if (strcmp(v->s, "tag-only") == 0)
		m->pull_from = REG_MIRROR_TAG_ONLY;
	else
		return regconf_fail(file, line, key, e,
				    "\"%.32s\": expected \"all\", \"digest-only\" or \"tag-only\"",
				    v->s);
	return 0;
}

int regconf_check(struct reg_conf *c, const char *file, struct brig_err *e)
{
	for (size_t i = 0; i < c->n_regs; i++) {
		struct reg_conf_registry *r = &c->regs[i];
		if (!r->location && !r->prefix)
			return regconf_fail(file, r->line, "[[registry]]", e,
					    "needs a location or a prefix");
		if (!r->location && !(r->location = strdup(r->prefix)))
			return brig_err_oom(e);
		if (!r->prefix && !(r->prefix = strdup(r->location)))
			return brig_err_oom(e);
		for (size_t k = 0; k < i; k++)
			if (strcmp(c->regs[k].prefix, r->prefix) == 0)
				return regconf_fail(file, r->line, "[[registry]]", e,
						    "prefix \"%.100s\" is already configured at "
						    "line %u",
						    r->prefix, c->regs[k].line);
		for (size_t k = 0; k < r->n_mirrors; k++)
			if (!r->mirrors[k].location)
				return regconf_fail(file, r->mirrors[k].line, "[[registry.mirror]]",
						    e, "needs a location");
	}
	return 0;
}
