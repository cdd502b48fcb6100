/* SPDX-License-Identifier: Apache-2.0 */
/* exec and top: processes in a running container, through the runtime. */
#include "engine/monitor-internal.h"
#include "engine/record-internal.h"
#include "engine/user-internal.h"

#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

/* The supplementary groups of an exec as USER: USER's own (from the
 * container's /etc/group) plus the container's --group-add, never those of
 * the container's main user (Docker's behaviour). */
static int exec_groups(struct eng *g, const struct eng_record *rec, const struct eng_files *f,
		       const struct eng_user *u, json_t **out, struct brig_err *e)
{
	_cleanup_json_ json_t *gids = json_array();
	if (!gids)
		return brig_err_set(e, -ENOMEM, "out of memory");
	for (size_t i = 0; i < u->n_groups; i++)
		if (json_array_append_new(gids, json_integer(u->groups[i])) < 0)
			return brig_err_set(e, -ENOMEM, "out of memory");
	for (char **v = rec->group_add; v && *v; v++) {
		uint32_t gid;
		int r = eng_group_lookup(g, f, *v, &gid, e);
		if (r < 0)
			return brig_err_wrap(e, "--group-add %s", *v);
		if (json_array_append_new(gids, json_integer(gid)) < 0)
			return brig_err_set(e, -ENOMEM, "out of memory");
	}
	*out = brig_steal_ptr(gids);
	return 0;
}

/* K=V replaces K in env or is appended. */
static int env_put(json_t *env, const char *kv, struct brig_err *e)
{
	const char *eq = strchr(kv, '=');
	size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);
	for (size_t i = json_array_size(env); i-- > 0;) {
		const char *cur = json_string_value(json_array_get(env, i));
		if (cur && strncmp(cur, kv, klen) == 0 && cur[klen] == '=')
			(void)json_array_remove(env, i);
	}
	return json_array_append_new(env, json_string(kv)) < 0
		? brig_err_set(e, -ENOMEM, "out of memory")
		: 0;
}

/* The whole process of an exec as USER (-u): the container's process with
 * USER's ids and groups, the command, env, cwd and terminal asked for. */
static int exec_process(struct eng *g, const struct eng_record *rec, const struct eng_exec_opts *o,
			json_t **out, struct brig_err *e)
{
	/* USER as the container knows it now (it may have added users). */
	bool whole = false;
	_cleanup_close_ int upper = eng_ctr_changes_open(g, rec, &whole, e);
	if (upper < 0)
		return upper;
	struct eng_files f = { whole ? NULL : rec->layers, upper };
	struct eng_user u;
	int r = eng_user_resolve(g, &f, o->user, &u, e);
	if (r < 0)
		return r;
	_cleanup_json_ json_t *gids = NULL;
	r = exec_groups(g, rec, &f, &u, &gids, e);
	/* The OCI process of Brig.Spec, changed for the exec. */
	_cleanup_json_ json_t *p = json_deep_copy(json_object_get(rec->spec, "process"));
	json_t *args = json_array(), *env = p ? json_object_get(p, "env") : NULL;
	for (size_t i = 0; args && o->args && o->args[i]; i++)
		(void)json_array_append_new(args, json_string(o->args[i]));
	if (r == 0 && (!p || !args || !json_is_array(env)))
		r = brig_err_set(e, p && args ? -EINVAL : -ENOMEM,
				 "the container's process "
				 "has no env");
	for (size_t i = 0; r == 0 && i < o->n_env; i++)
		r = env_put(env, o->env[i], e);
	if (r == 0 &&
	    (json_object_set_new(p, "args", brig_steal_ptr(args)) < 0 ||
	     json_object_set_new(p, "user",
				 json_pack("{s:I,s:I,s:O}", "uid", (json_int_t)u.uid, "gid",
					   (json_int_t)u.gid, "additionalGids", gids)) < 0 ||
	     json_object_set_new(p, "terminal", json_boolean(o->tty)) < 0 ||
	     json_object_set_new(p, "noNewPrivileges", json_true()) < 0 ||
	     (o->workdir && json_object_set_new(p, "cwd", json_string(o->workdir)) < 0)))
		r = brig_err_set(e, -ENOMEM, "out of memory");
	json_decref(args);
	eng_user_clear(&u);
	if (r == 0)
		*out = brig_steal_ptr(p);
	return r;
}

/* The process as a file the runtime reads (--process): a sealed memfd. */
static int process_memfd(const json_t *p, struct brig_err *e)
{
	_cleanup_free_ char *s = json_dumps(p, JSON_COMPACT);
	if (!s)
		return brig_err_set(e, -ENOMEM, "out of memory");
	_cleanup_close_ int fd = memfd_create("brig-exec-process", MFD_CLOEXEC);
	if (fd < 0)
		return brig_err_sys(e, errno, "memfd_create");
	int r = brig_write_all(fd, s, strlen(s));
	if (r < 0)
		return brig_err_sys(e, -r, "writing the exec's process");
	return brig_steal_fd(fd);
}

int eng_exec(struct eng *g, const char *id, const struct eng_exec_opts *o, struct brig_err *e)
{
	if (!eng_running(g, id))
		return brig_err_set(e, -ESRCH, "container %.12s is not running", id);
	if (eng_paused(g, id) == 1)
		return brig_err_set(e, -EINVAL,
				    "container %s is paused, unpause the container before exec",
				    id);
	_cleanup_strv_ char **env = calloc(o->n_env + 1, sizeof(char *));
	if (!env)
		return brig_err_set(e, -ENOMEM, "out of memory");
	for (size_t i = 0; i < o->n_env; i++)
		if (!(env[i] = strdup(o->env[i])))
			return brig_err_set(e, -ENOMEM, "out of memory");
	struct rt_detach_keys keys = { .n = 0 };
	if (o->n_detach_keys > sizeof(keys.seq))
		return brig_err_set(e, -EINVAL, "too many detach keys");
	memcpy(keys.seq, o->detach_keys ? o->detach_keys : keys.seq, o->n_detach_keys);
	keys.n = o->n_detach_keys;
	struct rt_exec_opts x = {
		.id = id,
		.args = o->args,
		.env = env,
		.cwd = o->workdir,
		.tty = o->tty,
		.detach = o->detach,
		.pid_out = o->pid,
		.detach_keys = &keys,
		.no_new_privs = true,
		.no_new_privs_set = true,
		.tty_relay = eng_exec_tty_relay,
	};
	if (!o->user)
		return rt_exec(&g->rt, &x, e);
	/* -u: the runtime would add USER's groups to the main user's; give it
	 * the whole process instead. */
	_cleanup_json_ json_t *proc = NULL;
	_cleanup_close_ int dirfd = eng_ctr_open(g, id, e);
	if (dirfd < 0)
		return dirfd;
	_cleanup_record_ struct eng_record rec;
	int r = eng_record_load(dirfd, id, &rec, e);
	if (r < 0 || (r = exec_process(g, &rec, o, &proc, e)) < 0)
		return r;
	_cleanup_close_ int fd = process_memfd(proc, e);
	if (fd < 0)
		return fd;
	char path[64];
	(void)snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	x.process_file = path;
	return rt_exec(&g->rt, &x, e);
}

int eng_top(struct eng *g, const char *id, pid_t **pids, size_t *n, struct brig_err *e)
{
	if (!eng_running(g, id))
		return brig_err_set(e, -ESRCH, "container %.12s is not running", id);
	return rt_ps(&g->rt, id, pids, n, e);
}
