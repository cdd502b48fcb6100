/* SPDX-License-Identifier: Apache-2.0 */
/* exec and top: processes in a running container, through the runtime. */
#include "engine/eng_int.h"
#include "engine/user.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "uid:gid" of a user named as `brig exec -u` takes it. */
static int exec_user(struct eng *g, const char *id, const char *spec, char *out, size_t size,
		     char ***gids, struct brig_err *e)
{
	_cleanup_json_ json_t *rec = NULL;
	int r = eng_inspect(g, id, &rec, e);
	if (r < 0)
		return r;
	struct eng_user u;
	json_t *layers = json_object_get(json_object_get(rec, "Brig"), "Layers");
	if ((r = eng_user_resolve(g, layers, spec, &u, e)) < 0)
		return r;
	(void)snprintf(out, size, "%u:%u", u.uid, u.gid);
	*gids = calloc(u.n_groups + 1, sizeof(char *));
	for (size_t i = 0; *gids && i < u.n_groups; i++)
		if (asprintf(&(*gids)[i], "%u", u.groups[i]) < 0)
			(*gids)[i] = NULL;
	eng_user_clear(&u);
	return *gids ? 0 : brig_err_set(e, -ENOMEM, "out of memory");
}

int eng_exec(struct eng *g, const char *id, const struct eng_exec_opts *o, struct brig_err *e)
{
	if (!eng_running(g, id))
		return brig_err_set(e, -ESRCH, "container %.12s is not running", id);
	char user[32];
	_cleanup_strv_ char **gids = NULL;
	_cleanup_strv_ char **env = calloc(o->n_env + 1, sizeof(char *));
	if (!env)
		return brig_err_set(e, -ENOMEM, "out of memory");
	for (size_t i = 0; i < o->n_env; i++)
		if (!(env[i] = strdup(o->env[i])))
			return brig_err_set(e, -ENOMEM, "out of memory");
	int r;
	if (o->user && (r = exec_user(g, id, o->user, user, sizeof(user), &gids, e)) < 0)
		return r;
	struct rt_exec_opts x = {
		.id = id, .args = o->args, .env = env, .cwd = o->workdir,
		.user = o->user ? user : NULL, .additional_gids = gids && gids[0] ? gids : NULL,
		.tty = o->tty, .detach = o->detach, .no_new_privs = true, .no_new_privs_set = true,
	};
	return rt_exec(&g->rt, &x, e);
}

int eng_top(struct eng *g, const char *id, pid_t **pids, size_t *n, struct brig_err *e)
{
	if (!eng_running(g, id))
		return brig_err_set(e, -ESRCH, "container %.12s is not running", id);
	return rt_ps(&g->rt, id, pids, n, e);
}
