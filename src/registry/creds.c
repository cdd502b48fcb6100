/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where a registry's credentials come from: --authfile, else brig's own
 * auth.json (reg_authfile_default), else Docker's config.json (its
 * credential helpers, then its auths).  See docs/registry.md,
 * "Credentials".
 */
#include "registry/registry-internal.h"

#include <fcntl.h>
#include <string.h>

#define HUB_SERVER "https://index.docker.io/v1/"

/* The keys host may have in an auths object, most specific first. */
static const char *const *host_keys(const char *host, const char *one[2])
{
	static const char *const hub[] = { "docker.io", HUB_SERVER, "index.docker.io",
					   "registry-1.docker.io", NULL };
	if (strcmp(host, "docker.io") == 0)
		return hub;
	one[0] = host;
	one[1] = NULL;
	return one;
}

/* auths lookup in one file under every key host may have; an absent file
 * has nothing. */
static int file_lookup(const char *path, const char *host, bool must_exist, char **user,
		       char **password, struct brig_err *e)
{
	const char *one[2];
	for (const char *const *k = host_keys(host, one); *k; k++) {
		int r = reg_authfile_lookup(path, *k, user, password, e);
		if (r == -ENOENT && !must_exist) {
			brig_err_clear(e);
			return 0;
		}
		if (r != 0)
			return r;
	}
	return 0;
}

static int docker_config_path(char **out, struct brig_err *e)
{
	const char *d = getenv("DOCKER_CONFIG");
	const char *home = getenv("HOME");
	*out = NULL;
	if (d && d[0])
		return asprintf(out, "%s/config.json", d) < 0 ? brig_err_oom(e) : 0;
	if (home && home[0] == '/')
		return asprintf(out, "%s/.docker/config.json", home) < 0 ? brig_err_oom(e) : 0;
	return 0;
}

/* credHelpers[key] for one of host's keys, else credsStore, from doc. */
static int helper_in(const json_t *doc, const char *path, const char *host, const char **name,
		     struct brig_err *e)
{
	struct bj_loc root, at;
	bj_root(&root, path);
	json_t *helpers = NULL;
	int r = bj_get_obj(doc, &root, "credHelpers", false, &helpers, e);
	if (r < 0)
		return r;
	const char *one[2];
	bj_key(&at, &root, "credHelpers");
	for (const char *const *k = host_keys(host, one); helpers && *k; k++)
		if ((r = bj_get_str(helpers, &at, *k, false, name, e)) <= 0)
			return r;
	r = bj_get_str(doc, &root, "credsStore", false, name, e);
	return r < 0 ? r : 0;
}

int reg_docker_helper(const char *host, char **name, struct brig_err *e)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_json_ json_t *doc = NULL;
	*name = NULL;
	int r = docker_config_path(&path, e);
	if (r < 0 || !path)
		return r;
	if ((r = bj_load_file(AT_FDCWD, path, REG_AUTHFILE_MAX, &doc, e)) == -ENOENT) {
		brig_err_clear(e);
		return 0;
	}
	const char *n = NULL;
	if (r == 0 && (r = helper_in(doc, path, host, &n, e)) == 0 && n && n[0] &&
	    !(*name = strdup(n)))
		r = brig_err_oom(e);
	return r;
}

/* What a helper is asked for: Docker Hub's server URL for docker.io. */
const char *reg_helper_server(const char *host)
{
	return strcmp(host, "docker.io") == 0 ? HUB_SERVER : host;
}

static int docker_lookup(const char *host, char **user, char **password, struct brig_err *e)
{
	_cleanup_free_ char *path = NULL, *helper = NULL;
	int r = reg_docker_helper(host, &helper, e);
	if (r == 0 && helper)
		r = reg_helper_get(helper, reg_helper_server(host), user, password, e);
	if (r == 0 && (r = docker_config_path(&path, e)) == 0 && path)
		r = file_lookup(path, host, false, user, password, e);
	return r;
}

int reg_credentials_find(const char *host, const char *authfile, char **user, char **password,
			 struct brig_err *e)
{
	*user = *password = NULL;
	if (authfile)
		return file_lookup(authfile, host, true, user, password, e);
	_cleanup_free_ char *own = NULL;
	int r = reg_authfile_default(&own, e);
	if (r == 0)
		r = file_lookup(own, host, false, user, password, e);
	if (r == 0)
		r = docker_lookup(host, user, password, e);
	return r;
}
