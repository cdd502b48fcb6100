/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The instructions that change only the image config: ENV, ARG, LABEL,
 * USER, WORKDIR (which may also make the directory), CMD, ENTRYPOINT,
 * EXPOSE, VOLUME, STOPSIGNAL, SHELL, MAINTAINER, ONBUILD, HEALTHCHECK.
 * Each writes the field Docker writes, so `brig image inspect` shows
 * them as it shows a pulled image's.
 */
#include "build/build-internal.h"

#include "engine/logs/logs.h"
#include "engine/netcfg/netcfg.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char *bld_var_get(void *arg, const char *name, size_t len)
{
	struct bld_varsrc *v = arg;
	if (v->st) {
		json_t *env = json_object_get(bld_cfg(v->st), "Env"), *x;
		size_t i;
		json_array_foreach(env, i, x)
		{
			const char *s = json_string_value(x);
			if (s && strncmp(s, name, len) == 0 && s[len] == '=')
				return s + len + 1;
		}
	}
	char key[256];
	if (len >= sizeof(key))
		return NULL;
	memcpy(key, name, len);
	key[len] = '\0';
	json_t *args = v->st ? v->st->args : v->c->global_args;
	return json_string_value(json_object_get(args, key));
}

static int words(struct bld_ctx *c, struct bld_state *st, const char *s, bool split, char ***out,
		 size_t *n, const struct bld_instr *in, struct brig_err *e)
{
	struct bld_varsrc src = { c, st };
	struct bld_vars vars = { bld_var_get, &src };
	int r = bld_expand(s, c->f->escape, &vars, split, out, n, e);
	return r < 0 ? brig_err_wrap(e, "%s:%u: %s", c->df_name, in->line, in->cmd) : 0;
}

int bld_env_set(json_t *cfg, const char *k, size_t klen, const char *v, struct brig_err *e)
{
	json_t *env = json_object_get(cfg, "Env"), *x;
	if (!json_is_array(env) && json_object_set_new(cfg, "Env", env = json_array()) < 0)
		return brig_err_oom(e);
	size_t i;
	json_array_foreach(env, i, x)
	{
		const char *s = json_string_value(x);
		if (s && strncmp(s, k, klen) == 0 && s[klen] == '=')
			break;
	}
	json_t *item = json_sprintf("%.*s=%s", (int)klen, k, v);
	if (!item ||
	    (i < json_array_size(env) ? json_array_set_new(env, i, item)
				      : json_array_append_new(env, item)) < 0)
		return brig_err_set(e, -EINVAL, "ENV %.*s: not valid UTF-8", (int)klen, k);
	return 0;
}

/* ENV/LABEL/ARG's "k=v" words (ENV also "k v..."). */
static int pairs(struct bld_ctx *c, struct bld_state *st, const struct bld_instr *in, json_t *cfg,
		 struct brig_err *e)
{
	bool env = !strcmp(in->cmd, "ENV");
	size_t kl = strcspn(in->rest, "= \t");
	_cleanup_strv_ char **w = NULL;
	size_t n = 0;
	if (env && in->rest[kl] != '=') { /* ENV NAME value */
		const char *v = in->rest + kl + strspn(in->rest + kl, " \t");
		if (!*v)
			return brig_err_set(e, -EINVAL, "%s:%u: ENV %s needs a value", c->df_name,
					    in->line, in->rest);
		int r = words(c, st, v, false, &w, &n, in, e);
		return r < 0 ? r : bld_env_set(cfg, in->rest, kl, w[0], e);
	}
	int r = words(c, st, in->rest, true, &w, &n, in, e);
	for (size_t i = 0; r == 0 && i < n; i++) {
		const char *eq = strchr(w[i], '=');
		if (!eq || eq == w[i])
			return brig_err_set(e, -EINVAL, "%s:%u: %s: \"%s\" is not NAME=VALUE",
					    c->df_name, in->line, in->cmd, w[i]);
		json_t *labels = json_object_get(cfg, "Labels");
		if (env) {
			r = bld_env_set(cfg, w[i], (size_t)(eq - w[i]), eq + 1, e);
			continue;
		}
		if (!json_is_object(labels) &&
		    json_object_set_new(cfg, "Labels", labels = json_object()) < 0)
			return brig_err_oom(e);
		_cleanup_free_ char *k = strndup(w[i], (size_t)(eq - w[i]));
		if (!k || json_object_set_new(labels, k, json_string(eq + 1)) < 0)
			return brig_err_set(e, -EINVAL, "%s:%u: LABEL: not valid UTF-8", c->df_name,
					    in->line);
	}
	return r;
}

/* ARG NAME[=default]: --build-arg wins, then the default, then a global
 * ARG of that name. */
static int arg(struct bld_ctx *c, struct bld_state *st, const struct bld_instr *in,
	       struct brig_err *e)
{
	_cleanup_strv_ char **w = NULL;
	size_t n = 0;
	int r = words(c, st, in->rest, true, &w, &n, in, e);
	for (size_t i = 0; r == 0 && i < n; i++) {
		char *eq = strchr(w[i], '=');
		if (eq)
			*eq = '\0';
		json_t *v = json_object_get(c->build_args, w[i]);
		if (!v && eq)
			v = json_string(eq + 1);
		else if (!v && st)
			v = json_incref(json_object_get(c->global_args, w[i]));
		else
			json_incref(v);
		json_t *into = st ? st->args : c->global_args;
		if (!w[i][0] || json_object_set_new(into, w[i], v ? v : json_null()) < 0)
			r = brig_err_set(e, -EINVAL, "%s:%u: ARG: bad name \"%s\"", c->df_name,
					 in->line, w[i]);
	}
	return r;
}

/* CMD/ENTRYPOINT/HEALTHCHECK's command: exec form, or the SHELL with the text. */
json_t *bld_argv_json(struct bld_state *st, const struct bld_instr *in)
{
	if (in->exec) {
		json_t *a = json_array();
		for (size_t i = 0; a && i < in->argc; i++)
			json_array_append_new(a, json_string(in->argv[i]));
		return a;
	}
	json_t *sh = json_object_get(bld_cfg(st), "Shell");
	json_t *a = json_is_array(sh) ? json_deep_copy(sh) : json_pack("[s, s]", "/bin/sh", "-c");
	if (a && json_array_append_new(a, json_string(in->rest)) < 0) {
		json_decref(a);
		return NULL;
	}
	return a;
}

static int set_list(struct bld_ctx *c, struct bld_state *st, const struct bld_instr *in,
		    json_t *cfg, const char *key, bool ports, struct brig_err *e)
{
	_cleanup_strv_ char **w = NULL;
	size_t n = 0;
	int r = in->exec ? 0 : words(c, st, in->rest, true, &w, &n, in, e);
	char **v = in->exec ? in->argv : w;
	n = in->exec ? in->argc : n;
	json_t *obj = json_object_get(cfg, key);
	if (r == 0 && !json_is_object(obj) &&
	    json_object_set_new(cfg, key, obj = json_object()) < 0)
		return brig_err_oom(e);
	for (size_t i = 0; r == 0 && i < n; i++) {
		struct eng_port p;
		_cleanup_err_ struct brig_err e2 = { 0 };
		char k[PATH_MAX];
		if (ports && eng_expose_parse(v[i], &p, &e2) < 0)
			return brig_err_set(e, -EINVAL, "%s:%u: EXPOSE %s: %s", c->df_name,
					    in->line, v[i], brig_err_str(&e2));
		if (!ports && v[i][0] != '/')
			return brig_err_set(e, -EINVAL, "%s:%u: VOLUME %s: not an absolute path",
					    c->df_name, in->line, v[i]);
		snprintf(k, sizeof(k), "%s%s", v[i], ports && !strchr(v[i], '/') ? "/tcp" : "");
		if (json_object_set_new(obj, k, json_object()) < 0)
			return brig_err_oom(e);
	}
	return r;
}

static int one_word(struct bld_ctx *c, struct bld_state *st, const struct bld_instr *in, char **out,
		    struct brig_err *e)
{
	_cleanup_strv_ char **w = NULL;
	size_t n = 0;
	int r = words(c, st, in->rest, false, &w, &n, in, e);
	if (r == 0 && !(*out = strdup(w[0])))
		r = brig_err_oom(e);
	return r;
}

static int workdir(struct bld_ctx *c, struct bld_state *st, const struct bld_instr *in, json_t *cfg,
		   struct brig_err *e)
{
	_cleanup_free_ char *w = NULL;
	int r = one_word(c, st, in, &w, e);
	if (r < 0)
		return r;
	const char *cur = json_string_value(json_object_get(cfg, "WorkingDir"));
	char joined[PATH_MAX], clean[PATH_MAX];
	if (brig_snprintf(joined, sizeof(joined), "%s/%s", w[0] == '/' || !cur ? "" : cur, w) < 0 ||
	    brig_path_clean(joined, BRIG_PATH_ABSOLUTE | BRIG_PATH_CLAMP, clean, sizeof(clean)) < 0)
		return brig_err_set(e, -EINVAL, "%s:%u: WORKDIR %s: a bad path", c->df_name,
				    in->line, w);
	if (json_object_set_new(cfg, "WorkingDir", json_string(clean)) < 0)
		return brig_err_oom(e);
	return bld_workdir_layer(c, st, clean, e);
}

static int onbuild(struct bld_ctx *c, const struct bld_instr *in, json_t *cfg, struct brig_err *e)
{
	size_t kw = strcspn(in->rest, " \t");
	static const char *const bad[] = { "ONBUILD", "FROM", "MAINTAINER" };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(bad); i++)
		if (kw == strlen(bad[i]) && strncasecmp(in->rest, bad[i], kw) == 0)
			return brig_err_set(e, -EINVAL, "%s:%u: ONBUILD %s is not allowed",
					    c->df_name, in->line, bad[i]);
	json_t *ob = json_object_get(cfg, "OnBuild");
	if (!json_is_array(ob) && json_object_set_new(cfg, "OnBuild", ob = json_array()) < 0)
		return brig_err_oom(e);
	return json_array_append_new(ob, json_string(in->rest)) < 0 ? brig_err_oom(e) : 0;
}

/* --interval, --timeout, --start-period, --start-interval, --retries. */
static int health_opts(struct bld_ctx *c, const struct bld_instr *in, json_t *hc,
		       struct brig_err *e)
{
	static const char *const names[][2] = { { "--interval=", "Interval" },
						{ "--timeout=", "Timeout" },
						{ "--start-period=", "StartPeriod" },
						{ "--start-interval=", "StartInterval" },
						{ "--retries=", "Retries" } };
	for (size_t i = 0; i < in->n_flags; i++) {
		size_t k = 0;
		while (k < BRIG_ARRAY_SIZE(names) &&
		       strncmp(in->flags[i], names[k][0], strlen(names[k][0])) != 0)
			k++;
		const char *v = k < BRIG_ARRAY_SIZE(names) ? in->flags[i] + strlen(names[k][0])
							   : "";
		char *end = NULL;
		int64_t n = -1;
		if (k == 4)
			n = strtoll(v, &end, 10);
		else if (k < 4 && eng_parse_duration(v, &n) < 0)
			n = -1;
		if (k == BRIG_ARRAY_SIZE(names) || n < 0 || (k == 4 && (end == v || *end)))
			return brig_err_set(e, -EINVAL, "%s:%u: HEALTHCHECK %s: a bad option",
					    c->df_name, in->line, in->flags[i]);
		if (json_object_set_new(hc, names[k][1], json_integer(n)) < 0)
			return brig_err_oom(e);
	}
	return 0;
}

static int healthcheck(struct bld_ctx *c, struct bld_state *st, const struct bld_instr *in,
		       json_t *cfg, struct brig_err *e)
{
	json_t *hc = NULL;
	if (!strcasecmp(in->rest, "NONE")) {
		hc = json_pack("{s:[s]}", "Test", "NONE");
	} else if (!strncasecmp(in->rest, "CMD", 3) &&
		   (in->rest[3] == ' ' || in->rest[3] == '\t')) {
		struct bld_instr sub = *in;
		sub.rest = in->rest + 4 + strspn(in->rest + 4, " \t");
		sub.exec = false;
		_cleanup_json_ json_t *a = NULL;
		json_error_t je;
		json_t *j = sub.rest[0] == '[' ? json_loads(sub.rest, 0, &je) : NULL;
		a = json_is_array(j) ? j : json_pack("[s, s]", "CMD-SHELL", sub.rest);
		if (json_is_array(j))
			json_array_insert_new(a, 0, json_string("CMD"));
		hc = a ? json_pack("{s:O}", "Test", a) : NULL;
	} else {
		return brig_err_set(e, -EINVAL, "%s:%u: HEALTHCHECK: expected CMD or NONE",
				    c->df_name, in->line);
	}
	(void)st;
	if (!hc || json_object_set_new(cfg, "Healthcheck", hc) < 0)
		return brig_err_oom(e);
	return health_opts(c, in, hc, e);
}

static int set_json(json_t *cfg, const char *key, json_t *v, struct brig_err *e)
{
	return !v || json_object_set_new(cfg, key, v) < 0 ? brig_err_oom(e) : 0;
}

static int stopsignal(struct bld_ctx *c, struct bld_state *st, const struct bld_instr *in,
		      json_t *cfg, struct brig_err *e)
{
	_cleanup_free_ char *w = NULL;
	int r = one_word(c, st, in, &w, e);
	if (r == 0 && brig_parse_signal(w) <= 0)
		r = brig_err_set(e, -EINVAL, "%s:%u: STOPSIGNAL %s: not a signal", c->df_name,
				 in->line, w);
	return r < 0 ? r : set_json(cfg, "StopSignal", json_string(w), e);
}

int bld_instr_config(struct bld_ctx *c, struct bld_state *st, const struct bld_instr *in,
		     struct brig_err *e)
{
	json_t *cfg = st ? bld_cfg(st) : NULL;
	const char *k = in->cmd;
	_cleanup_free_ char *w = NULL;
	if (!strcmp(k, "ARG"))
		return arg(c, st, in, e);
	if (!cfg)
		return brig_err_oom(e);
	if (!strcmp(k, "ENV") || !strcmp(k, "LABEL"))
		return pairs(c, st, in, cfg, e);
	if (!strcmp(k, "USER"))
		return one_word(c, st, in, &w, e) ?: set_json(cfg, "User", json_string(w), e);
	if (!strcmp(k, "WORKDIR"))
		return workdir(c, st, in, cfg, e);
	if (!strcmp(k, "CMD")) {
		st->cmd_set = true;
		return set_json(cfg, "Cmd", bld_argv_json(st, in), e);
	}
	if (!strcmp(k, "ENTRYPOINT")) {
		if (!st->cmd_set)
			json_object_del(cfg, "Cmd");
		return set_json(cfg, "Entrypoint", bld_argv_json(st, in), e);
	}
	if (!strcmp(k, "EXPOSE") || !strcmp(k, "VOLUME"))
		return set_list(c, st, in, cfg, k[0] == 'E' ? "ExposedPorts" : "Volumes",
				k[0] == 'E', e);
	if (!strcmp(k, "STOPSIGNAL"))
		return stopsignal(c, st, in, cfg, e);
	if (!strcmp(k, "SHELL"))
		return set_json(cfg, "Shell", bld_argv_json(st, in), e);
	if (!strcmp(k, "MAINTAINER"))
		return set_json(st->config, "author", json_string(in->rest), e);
	if (!strcmp(k, "ONBUILD"))
		return onbuild(c, in, cfg, e);
	if (!strcmp(k, "HEALTHCHECK"))
		return healthcheck(c, st, in, cfg, e);
	return brig_err_set(e, -EINVAL, "%s:%u: %s is not handled here", c->df_name, in->line, k);
}
