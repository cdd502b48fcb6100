/* SPDX-License-Identifier: Apache-2.0 */
/* registries.conf: loading the file, resolving short names through the
 * aliases, choosing the [[registry]] of a name (regconf.h). */
#include "registry/regconf-internal.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void reg_conf_free(struct reg_conf *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_aliases; i++) {
		free(c->aliases[i].name);
		free(c->aliases[i].value);
	}
	for (size_t i = 0; i < c->n_regs; i++) {
		for (size_t k = 0; k < c->regs[i].n_mirrors; k++)
			free(c->regs[i].mirrors[k].location);
		free(c->regs[i].mirrors);
		free(c->regs[i].prefix);
		free(c->regs[i].location);
		free(c->regs[i].authfile);
	}
	free(c->aliases);
	free(c->regs);
	free(c->notice);
	free(c->source);
	free(c);
}

int reg_conf_load(const char *path, struct reg_conf **out, struct brig_err *e)
{
	const char *env = getenv(REG_CONF_ENV);
	bool explicit = path || (env && env[0]);
	if (!path)
		path = env && env[0] ? env : REG_CONF_DEFAULT_PATH;
	_cleanup_close_ int fd = BRIG_RETRY(
		open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
	if (fd < 0 && errno == ENOENT && !explicit) {
		*out = calloc(1, sizeof(**out));
		return *out ? 0 : brig_err_oom(e);
	}
	if (fd < 0)
		return brig_err_sys(e, errno, "registries configuration %s", path);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r = brig_file_trusted(fd, path, e);
	if (r < 0 || (r = brig_read_fd(fd, path, REG_CONF_MAX, &buf, &len, e)) < 0)
		return r;
	return reg_conf_parse(buf, len, path, out, e);
}

/* Length of the name part of a reference (before ":TAG" or "@DIGEST"). */
static size_t name_len(const char *ref)
{
	size_t n = strcspn(ref, "@");
	const char *slash = memrchr(ref, '/', n);
	const char *colon = memrchr(slash ? slash : ref, ':',
				    n - (size_t)((slash ? slash : ref) - ref));
	return colon ? (size_t)(colon - ref) : n;
}

int reg_conf_expand(const struct reg_conf *c, const char *ref, char **out, struct brig_err *e)
{
	size_t n = name_len(ref);
	size_t first = strcspn(ref, "/");
	bool qualified = first < n &&
		(memchr(ref, '.', first) || memchr(ref, ':', first) ||
		 (first == 9 && strncmp(ref, "localhost", 9) == 0));
	for (size_t i = 0; c && !qualified && i < c->n_aliases; i++) {
		const struct reg_conf_alias *a = &c->aliases[i];
		if (strlen(a->name) != n || strncmp(a->name, ref, n) != 0)
			continue;
		if (asprintf(out, "%s%s", a->value, ref + n) < 0)
			return brig_err_oom(e);
		return 0;
	}
	*out = strdup(ref);
	return *out ? 0 : brig_err_oom(e);
}

const struct reg_conf_registry *reg_conf_match(const struct reg_conf *c, const char *name)
{
	const struct reg_conf_registry *best = NULL;
	size_t best_len = 0;
	for (size_t i = 0; c && i < c->n_regs; i++) {
		size_t l = strlen(c->regs[i].prefix);
		if (strncmp(name, c->regs[i].prefix, l) == 0 && (name[l] == 0 || name[l] == '/') &&
		    l > best_len) {
			best = &c->regs[i];
			best_len = l;
		}
	}
	return best;
}

char *reg_conf_rewrite(const struct reg_conf_registry *r, const char *location, const char *name)
{
	char *out = NULL;
	if (asprintf(&out, "%s%s", location, name + strlen(r->prefix)) < 0)
		return NULL;
	return out;
}
