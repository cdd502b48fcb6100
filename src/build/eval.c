/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A build: the Dockerfile parsed, the target stage built (and only the
 * stages it needs, each once: by FROM or COPY --from, a stage still being
 * built being a cycle), instruction by instruction, then the final image
 * stored with the build's labels and named.  Every step's history entry
 * and the config's "created" carry the build's one time, so the image
 * depends only on the Dockerfile, the context and the base.
 */
#include "build/build-internal.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void bld_progress(struct bld_ctx *c, const char *fmt, ...)
{
	if (!c->o->progress)
		return;
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	c->o->progress(c->o->ctx, line);
}

/* 0 and idx when name is a stage's name (or number) before `before`'s
 * stage; -ENOENT when none; -ELOOP when it is that stage or a later one. */
int bld_stage_find(struct bld_ctx *c, const char *name, size_t before, size_t *idx)
{
	char *end = NULL;
	unsigned long k = strtoul(name, &end, 10);
	size_t here = 0;
	while (here + 1 < c->f->n_stages && c->f->stages[here + 1].from <= before)
		here++;
	if (isdigit((unsigned char)name[0]) && end && !*end && k < c->f->n_stages) {
		*idx = k;
		return k < here || before == SIZE_MAX ? 0 : -ELOOP;
	}
	for (size_t i = 0; i < c->f->n_stages; i++)
		if (c->f->stages[i].name && !strcasecmp(c->f->stages[i].name, name)) {
			*idx = i;
			return i < here || before == SIZE_MAX ? 0 : -ELOOP;
		}
	return -ENOENT;
}

/* FROM --platform=P: only this host's platform (or nothing) is built. */
static int from_flags(struct bld_ctx *c, const struct bld_instr *in, const struct bld_vars *vars,
		      struct brig_err *e)
{
	char host[64];
	snprintf(host, sizeof(host), "linux/%s", eng_host_arch());
	for (size_t k = 0; k < in->n_flags; k++) {
		_cleanup_strv_ char **w = NULL;
		size_t n = 0;
		if (strncmp(in->flags[k], "--platform=", 11) != 0)
			return brig_err_set(e, -EINVAL, "%s:%u: FROM: unknown flag %s", c->df_name,
					    in->line, in->flags[k]);
		int r = bld_expand(in->flags[k] + 11, c->f->escape, vars, false, &w, &n, e);
		if (r < 0)
			return brig_err_wrap(e, "%s:%u: FROM", c->df_name, in->line);
		if (w[0][0] && strcmp(w[0], host) != 0)
			return brig_err_set(
				e, -ENOTSUP,
				"%s:%u: FROM --platform=%s: only this host's (%s) is built",
				c->df_name, in->line, w[0], host);
	}
	return 0;
}

static int from(struct bld_ctx *c, size_t i, struct brig_err *e)
{
	const struct bld_instr *in = &c->f->v[c->f->stages[i].from];
	struct bld_state *st = &c->st[i];
	struct bld_varsrc src = { c, NULL };
	struct bld_vars vars = { bld_var_get, &src };
	_cleanup_strv_ char **w = NULL;
	size_t n = 0, j;
	int r = bld_expand(in->rest, c->f->escape, &vars, true, &w, &n, e);
	if (r < 0)
		return brig_err_wrap(e, "%s:%u: FROM", c->df_name, in->line);
	if ((r = from_flags(c, in, &vars, e)) < 0)
		return r;
	if (!strcasecmp(w[0], "scratch"))
		return bld_image_scratch(st, e);
	r = bld_stage_find(c, w[0], c->f->stages[i].from, &j);
	if (r == -ELOOP)
		return brig_err_set(e, -ELOOP,
				    "%s:%u: FROM %s: that stage is this one or a later one "
				    "(a cycle between stages?)",
				    c->df_name, in->line, w[0]);
	if (r == 0) {
		if ((r = bld_stage_build(c, j, e)) < 0)
			return r;
		return bld_state_copy(st, &c->st[j], e);
	}
	r = bld_image_base(c, w[0], st, e);
	return r < 0 ? brig_err_wrap(e, "%s:%u: FROM %s", c->df_name, in->line, w[0]) : 0;
}

static int config_step(struct bld_ctx *c, struct bld_state *st, const struct bld_instr *in,
		       struct brig_err *e);

static int layer_step(struct bld_ctx *c, struct bld_state *st, const struct bld_instr *in,
		      struct brig_err *e)
{
	size_t layers = st->n_layers;
	int r = 0;
	if (!strcmp(in->cmd, "RUN")) {
		r = bld_run(c, st, in, e);
	} else {
		_cleanup_strv_ char **w = NULL;
		size_t n = 0;
		struct bld_varsrc src = { c, st };
		struct bld_vars vars = { bld_var_get, &src };
		r = in->exec ? ((w = brig_strv_dup(in->argv)) ? 0 : brig_err_oom(e))
			     : bld_expand(in->rest, c->f->escape, &vars, true, &w, &n, e);
		n = in->exec ? in->argc : n;
		r = r < 0 ? r : bld_copy(c, st, in, w, n, e);
	}
	/* the setuid/setgid files and capabilities the step added, cached or not */
	if (r == 0 && st->n_layers > layers)
		r = bld_step_findings(c, in, &st->layers[st->n_layers - 1], e);
	return r;
}

static int step(struct bld_ctx *c, struct bld_state *st, const struct bld_instr *in,
		struct brig_err *e)
{
	bld_progress(c, "STEP %u: %s %s", ++c->step, in->cmd, in->rest);
	/* COPY --from may build its stage first: its steps are nested in ours */
	const struct bld_instr *outer = c->cur;
	json_t *outer_defanged = c->defanged, *outer_replay = c->replay;
	c->cur = in;
	c->defanged = c->replay = NULL;
	int r = strcmp(in->cmd, "RUN") != 0 && strcmp(in->cmd, "COPY") != 0 &&
			strcmp(in->cmd, "ADD") != 0
		? config_step(c, st, in, e)
		: layer_step(c, st, in, e);
	json_decref(c->defanged);
	json_decref(c->replay);
	c->cur = outer;
	c->defanged = outer_defanged;
	c->replay = outer_replay;
	return r;
}

static int config_step(struct bld_ctx *c, struct bld_state *st, const struct bld_instr *in,
		       struct brig_err *e)
{
	size_t layers = st->n_layers;
	int r = bld_instr_config(c, st, in, e);
	if (r < 0)
		return r;
	_cleanup_free_ char *by = NULL,
			    *cfg = json_dumps(bld_cfg(st), JSON_COMPACT | JSON_SORT_KEYS);
	if (asprintf(&by, "%s %s", in->cmd, in->rest) < 0 || !cfg)
		return brig_err_oom(e);
	bld_key_next(st->key, by, cfg);
	/* WORKDIR may have added a layer (with its history entry) already */
	return st->n_layers > layers ? 0 : bld_add_history(c, st, by, e);
}

/* The base's ONBUILD triggers, run first (as Docker, then dropped from
 * the new image's config); an error names the FROM line. */
static int triggers(struct bld_ctx *c, struct bld_state *st, unsigned line, struct brig_err *e)
{
	_cleanup_json_ json_t *ob = json_incref(json_object_get(bld_cfg(st), "OnBuild"));
	json_object_del(bld_cfg(st), "OnBuild");
	size_t i;
	json_t *t;
	json_array_foreach(json_is_array(ob) ? ob : NULL, i, t)
	{
		_cleanup_free_ char *text = NULL;
		struct bld_file f = { 0 };
		if (!json_is_string(t) ||
		    asprintf(&text, "FROM scratch\n%s\n", json_string_value(t)) < 0)
			return brig_err_set(e, -EINVAL,
					    "%s:%u: the base's OnBuild[%zu]: not a string",
					    c->df_name, line, i);
		int r = bld_parse("the base's ONBUILD", text, strlen(text), &f, e);
		if (r == 0 && f.n != 2)
			r = brig_err_set(e, -EINVAL,
					 "the base's ONBUILD: one instruction expected");
		if (r == 0 && (!strcmp(f.v[1].cmd, "ONBUILD") || !strcmp(f.v[1].cmd, "FROM")))
			r = brig_err_set(e, -EINVAL, "the base's ONBUILD %s is not allowed",
					 f.v[1].cmd);
		if (r == 0) {
			f.v[1].line = line;
			bld_progress(c, "ONBUILD trigger of the base:");
			r = step(c, st, &f.v[1], e);
		}
		bld_file_clear(&f);
		if (r < 0)
			return brig_err_wrap(e, "%s:%u: FROM (ONBUILD triggers)", c->df_name, line);
	}
	return 0;
}

int bld_stage_build(struct bld_ctx *c, size_t i, struct brig_err *e)
{
	struct bld_state *st = &c->st[i];
	const struct bld_stage *sg = &c->f->stages[i];
	if (st->built)
		return 0;
	if (st->building)
		return brig_err_set(e, -ELOOP, "%s:%u: stage %zu uses itself (a cycle)", c->df_name,
				    c->f->v[sg->from].line, i);
	st->building = true;
	bld_progress(c, "STEP %u: FROM %s", ++c->step, c->f->v[sg->from].rest);
	int r = from(c, i, e);
	/* --defang-setuid makes other layers: other cache keys */
	if (r == 0 && c->o->defang_setuid)
		bld_key_next(st->key, "--defang-setuid", NULL);
	if (r == 0)
		r = triggers(c, st, c->f->v[sg->from].line, e);
	for (size_t k = sg->from + 1; r == 0 && k < sg->end; k++)
		r = step(c, st, &c->f->v[k], e);
	st->building = false;
	st->built = r == 0;
	return r;
}
