/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RUN: the stage so far stored as an (unnamed) image, a brig container
 * made from it with brig's secure defaults and only what a build needs
 * besides (a writable root; root inside its own user namespace as for any
 * container that would run as 0; --network none unless the build says
 * host), run attached, and its changes packed as the step's layer with
 * the build's clamped mtimes.  The step's cache key is the stage's key,
 * the command and the build arguments it sees: a hit makes no container.
 */
#include "build/build-internal.h"

#include "engine/netcfg/netcfg.h"

#include <stdlib.h>
#include <string.h>

int bld_ctr_make(struct bld_ctx *c, const char *image_id, char **argv, char **env,
		 char id[ENG_ID_LEN + 1], struct brig_err *e)
{
	struct eng_netcfg net = { .mode = c->o->network_host ? ENG_NET_HOST : ENG_NET_NONE };
	size_t n = 0, ne = 0;
	while (argv && argv[n])
		n++;
	while (env && env[ne])
		ne++;
	struct eng_create_opts o = {
		.image = image_id,
		.cmd = argv,
		.n_cmd = n,
		.entrypoint = argv ? "" : NULL,
		.env = env,
		.n_env = ne,
		.read_write = true,
		.stop_timeout = -1,
		.net = &net,
	};
	return eng_create(c->g, &o, id, e);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The build arguments a RUN sees (declared in its stage, not shadowed by
 * ENV) as NAME=VALUE, sorted: its environment and part of its key. */
static int run_args(struct bld_state *st, char ***env, char **text, struct brig_err *e)
{
	const char *k;
	json_t *v;
	size_t n = 0, len = 0;
	_cleanup_strv_ char **out = calloc(json_object_size(st->args) + 1, sizeof(char *));
	*text = strdup("");
	if (!out || !*text)
		return brig_err_oom(e);
	struct bld_varsrc src = { NULL, st };
	json_object_foreach(st->args, k, v)
	{
		if (!json_is_string(v))
			continue;
		const char *eff = bld_var_get(&src, k, strlen(k));
		if (eff && strcmp(eff, json_string_value(v)) != 0)
			continue; /* ENV of the same name wins */
		if (asprintf(&out[n++], "%s=%s", k, json_string_value(v)) < 0)
			return brig_err_oom(e);
	}
	qsort(out, n, sizeof(char *), str_cmp);
	for (size_t i = 0; i < n; i++)
		if (brig_appendf(text, &len, "%s\n", out[i]) < 0)
			return brig_err_oom(e);
	*env = brig_steal_ptr(out);
	return 0;
}

/* The command: exec form as written, shell form through the SHELL (a
 * heredoc without a command is the script itself). */
static int run_argv(struct bld_state *st, const struct bld_instr *in, char ***argv,
		    struct brig_err *e)
{
	if (in->exec) {
		*argv = brig_strv_dup(in->argv);
		return *argv ? 0 : brig_err_oom(e);
	}
	json_t *sh = json_object_get(bld_cfg(st), "Shell"), *x;
	size_t i, n = json_is_array(sh) ? json_array_size(sh) : 2;
	_cleanup_strv_ char **v = calloc(n + 2, sizeof(char *));
	if (!v)
		return brig_err_oom(e);
	json_array_foreach(
		sh, i, x) if (!(v[i] = strdup(json_string_value(x) ?: ""))) return brig_err_oom(e);
	if (!json_is_array(sh) && (!(v[0] = strdup("/bin/sh")) || !(v[1] = strdup("-c"))))
		return brig_err_oom(e);
	if (!in->heredoc)
		v[n] = strdup(in->rest);
	else if (in->heredoc_bare)
		v[n] = strdup(in->heredoc);
	else if (asprintf(&v[n], "%s\n%s", in->rest, in->heredoc) < 0)
		v[n] = NULL;
	if (!v[n])
		return brig_err_oom(e);
	*argv = brig_steal_ptr(v);
	return 0;
}

/* Run argv in a container of the stage so far; its changes as l. */
static int run_container(struct bld_ctx *c, struct bld_state *st, const struct bld_instr *in,
			 char **argv, char **env, struct bld_layer *l, struct brig_err *e)
{
	char image_id[IMG_DIGEST_SIZE], id[ENG_ID_LEN + 1];
	struct img_descriptor md = { 0 };
	int r = bld_image_put(c, st, image_id, &md, e);
	if (r == 0)
		r = img_store_add(c->s, &md, e);
	if (r == 0 && (r = bld_ctr_make(c, image_id, argv, env, id, e)) == 0) {
		c->res->runs++;
		int status = eng_start(c->g, id, ENG_ATTACH, e);
		if (status > 0)
			r = brig_err_set(e, -ECHILD, "%s:%u: RUN %s: exited with %d", c->df_name,
					 in->line, in->rest, status);
		else if (status < 0)
			r = brig_err_wrap(e, "%s:%u: RUN", c->df_name, in->line);
		struct eng_layer_out out = { 0 };
		if (r == 0 && (r = eng_layer_make(c->g, id, -1, c->o->timestamp, &out, e)) == 0) {
			memcpy(l->digest, out.digest, sizeof(l->digest));
			memcpy(l->diff_id, out.diff_id, sizeof(l->diff_id));
			l->size = out.size;
			l->comp = IMG_COMP_GZIP;
		}
		_cleanup_err_ struct brig_err e2 = { 0 };
		if (eng_remove(c->g, id, true, true, &e2) < 0)
			brig_warn("removing the build container %.12s: %s", id, brig_err_str(&e2));
	}
	_cleanup_err_ struct brig_err e3 = { 0 };
	img_store_remove(c->s, md.digest, &e3); /* the unnamed step image */
	img_descriptor_clear(&md);
	return r;
}

int bld_run(struct bld_ctx *c, struct bld_state *st, const struct bld_instr *in, struct brig_err *e)
{
	_cleanup_strv_ char **argv = NULL, **env = NULL;
	_cleanup_free_ char *args = NULL, *what = NULL, *by = NULL;
	_cleanup_free_ char *cmd = NULL;
	int r = run_argv(st, in, &argv, e);
	if (r == 0)
		r = run_args(st, &env, &args, e);
	if (r < 0)
		return r;
	_cleanup_json_ json_t *aj = json_array();
	for (size_t i = 0; aj && argv[i]; i++)
		json_array_append_new(aj, json_string(argv[i]));
	if (!aj || !(cmd = json_dumps(aj, JSON_COMPACT)) || asprintf(&what, "RUN %s", cmd) < 0 ||
	    asprintf(&by, "RUN %s", in->heredoc_bare ? in->heredoc : in->rest) < 0)
		return brig_err_oom(e);
	bld_key_next(st->key, what, args);
	struct bld_layer l = { 0 };
	r = bld_cache_get(c, st->key, &l, e);
	if (r < 0)
		return r;
	if (r == 1)
		c->res->cached++;
	bld_progress(c, "%s", r == 1 ? " ---> cached" : " ---> running");
	if (r == 0 &&
	    ((r = run_container(c, st, in, argv, env, &l, e)) < 0 ||
	     (r = bld_cache_put(c, st->key, &l, e)) < 0))
		return r;
	return bld_add_layer(c, st, &l, by, e);
}
