/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig login / logout: credentials checked against the registry before
 * they are stored (in --authfile, a Docker credential helper, or brig's
 * auth.json), and removed again.  See docs/registry.md, "Credentials".
 */
#include "engine/engine-internal.h"
#include "engine/config/engine-config.h"
#include "registry/registry.h"

#include <string.h>

static void free_secret(char **p)
{
	if (*p) {
		explicit_bzero(*p, strlen(*p));
		free(*p);
	}
}
#define _cleanup_secret_ _cleanup_(free_secret)

static int check_login(const struct eng_login_opts *o, const char *host, struct brig_err *e)
{
	_cleanup_eng_config_ struct eng_config *cfg = NULL;
	_cleanup_reg_client_ struct reg_client *c = NULL;
	int r = eng_config_load(o->config, o->config != NULL, &cfg, e);
	if (r < 0)
		return r;
	struct reg_opts ro = { .host = host,
			       .certs_dir = cfg->registry_certs_dir,
			       .tls_verify = o->tls_verify,
			       .user = o->user,
			       .password = o->password };
	if ((r = reg_client_new(&ro, &c, e)) == 0)
		r = reg_ping(c, e);
	return r;
}

int eng_login(const struct eng_login_opts *o, char **host, struct brig_err *e)
{
	_cleanup_free_ char *h = NULL, *file = NULL, *helper = NULL;
	int r = reg_host_normalize(o->registry, &h, e);
	if (r < 0)
		return r;
	if (!o->user || !o->user[0] || strchr(o->user, ':'))
		return brig_err_set(e, -EINVAL, "a user name is needed, without ':'");
	if (!o->password || !o->password[0])
		return brig_err_set(e, -EINVAL, "a password is needed");
	if ((r = check_login(o, h, e)) < 0)
		return r;
	if (!o->authfile && (r = reg_docker_helper(h, &helper, e)) < 0)
		return r;
	if (helper) {
		r = reg_helper_store(helper, h, o->user, o->password, e);
	} else {
		if (!o->authfile && (r = reg_authfile_default(&file, e)) < 0)
			return r;
		r = reg_authfile_store(o->authfile ? o->authfile : file, h, o->user, o->password,
				       e);
	}
	if (r == 0)
		*host = brig_steal_ptr(h);
	return r;
}

int eng_logout(const char *registry, const char *authfile, bool all, char **host,
	       struct brig_err *e)
{
	_cleanup_free_ char *h = NULL, *file = NULL, *helper = NULL;
	int r = all ? 0 : reg_host_normalize(registry, &h, e);
	if (r == 0 && !authfile)
		r = reg_authfile_default(&file, e);
	if (r == 0)
		r = reg_authfile_erase(authfile ? authfile : file, h, e);
	if (r < 0 || all)
		return r < 0 ? r : 0;
	if (r == 0 && !authfile && (r = reg_docker_helper(h, &helper, e)) == 0 && helper &&
	    (r = reg_helper_erase(helper, h, e)) == 0)
		r = 1;
	if (r < 0)
		return r;
	if (r == 0)
		return brig_err_set(e, -ENOENT, "not logged into %s", h);
	*host = brig_steal_ptr(h);
	return 0;
}

int eng_login_user(const char *registry, const char *authfile, char **user, struct brig_err *e)
{
	_cleanup_free_ char *h = NULL;
	_cleanup_secret_ char *pass = NULL;
	int r = reg_host_normalize(registry, &h, e);
	if (r == 0)
		r = reg_credentials_find(h, authfile, user, &pass, e);
	if (r == 0)
		r = brig_err_set(e, -ENOENT, "not logged into %s", h);
	return r < 0 ? r : 0;
}
