/* SPDX-License-Identifier: Apache-2.0 */
/* Rendering a parsed template over a JSON value, as Go's text/template
 * executes one: pipelines, variables, if/range/with, and/or. */
#include "cli/template-internal.h"

#include <string.h>

enum { FLOW_BREAK = 1, FLOW_CONTINUE = 2 };

int tpl_fail(struct ev *ev, size_t pos, int err, const char *fmt, ...)
{
	char where[32], msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tpl_where(ev->t->src, pos, where, sizeof(where));
	return brig_err_set(ev->e, err, "template: %s: %s", where, msg);
}

int tbuf_put(struct ev *ev, struct tbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > TPL_MAX_OUT)
		return brig_err_set(ev->e, -E2BIG, "template: output larger than %u bytes",
				    TPL_MAX_OUT);
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *nb = realloc(b->buf, cap);
		if (!nb)
			return brig_err_set(ev->e, -ENOMEM, "out of memory");
		b->buf = nb;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len] = '\0';
	return 0;
}

int tbuf_puts(struct ev *ev, struct tbuf *b, const char *s)
{
	return tbuf_put(ev, b, s, strlen(s));
}

bool tpl_truth(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		return json_string_length(v) > 0;
	case JSON_INTEGER:
		return json_integer_value(v) != 0;
	case JSON_REAL:
		return json_real_value(v) != 0;
	case JSON_TRUE:
		return true;
	case JSON_ARRAY:
		return json_array_size(v) > 0;
	case JSON_OBJECT:
		return json_object_size(v) > 0;
	default:
		return false;
	}
}

static void val_clear(struct val *v)
{
	json_decref(v->j);
	v->j = NULL;
}

/* ------------------------------------------------------------ variables */

static int var_push(struct ev *ev, size_t pos, const char *name, json_t *v)
{
	if (ev->nvars == TPL_MAX_VARS)
		return tpl_fail(ev, pos, -E2BIG, "too many variables");
	ev->vars[ev->nvars].name = name;
	ev->vars[ev->nvars++].v = json_incref(v);
	return 0;
}

static void var_pop_to(struct ev *ev, size_t mark)
{
	while (ev->nvars > mark)
		json_decref(ev->vars[--ev->nvars].v);
}

static json_t **var_find(struct ev *ev, const char *name)
{
	for (size_t i = ev->nvars; i-- > 0;)
		if (strcmp(ev->vars[i].name, name) == 0)
			return &ev->vars[i].v;
	return NULL;
}

/* ------------------------------------------------------------ values */

/* v.A.B; the chain named in messages starts with what (".", "$x"). */
static int walk(struct ev *ev, size_t pos, const char *what, char **path, struct val *v)
{
	char chain[512];
	snprintf(chain, sizeof(chain), "%s", strcmp(what, ".") == 0 ? "" : what);
	for (char **f = path; f && *f; f++) {
		size_t l = strlen(chain);
		snprintf(chain + l, sizeof(chain) - l, ".%s", *f);
		json_t *m = json_is_object(v->j) ? json_object_get(v->j, *f) : NULL;
		if (json_is_null(v->j))
			return tpl_fail(ev, pos, -EINVAL, "nil pointer evaluating %s", chain);
		if (!json_is_object(v->j))
			return tpl_fail(ev, pos, -EINVAL, "can't evaluate field %s in %s", *f,
					bj_type_name(v->j));
		if (!m)
			return tpl_fail(ev, pos, -ENOENT, "no field %s in %s", *f, chain);
		json_incref(m);
		json_decref(v->j);
		v->j = m;
	}
	return 0;
}

static int eval_pipe(struct ev *ev, const struct tpl_pipe *pp, json_t *dot, struct val *res);

/* A field, variable, constant or (pipeline): its value. */
static int eval_arg(struct ev *ev, const struct targ *a, json_t *dot, struct val *res)
{
	json_t **var;
	res->safe = false;
	switch (a->kind) {
	case A_CONST:
		res->j = json_incref(a->value);
		res->safe = true;
		return 0;
	case A_FIELD:
		res->j = json_incref(dot);
		return walk(ev, a->pos, ".", a->path, res);
	case A_VAR:
		if (!(var = var_find(ev, a->name)))
			return tpl_fail(ev, a->pos, -EINVAL, "undefined variable \"%s\"", a->name);
		res->j = json_incref(*var);
		return walk(ev, a->pos, a->name, a->path, res);
	case A_PIPE: {
		int r = eval_pipe(ev, a->pipe, dot, res);
		return r < 0 ? r : walk(ev, a->pos, "", a->path, res);
	}
	default:
		return tpl_fail(ev, a->pos, -EINVAL, "can't use function %s as a value", a->name);
	}
}

/* and/or: the first false (and) or true (or) argument, or the last, with
 * the later ones not evaluated. */
static int eval_logic(struct ev *ev, const struct tpl_cmd *c, json_t *dot, struct val *piped,
		      struct val *res)
{
	bool is_and = strcmp(c->args[0].name, "and") == 0;
	size_t n = c->n - 1 + (piped ? 1 : 0);
	if (n == 0)
		return tpl_fail(ev, c->args[0].pos, -EINVAL,
				"wrong number of args for %s: want at least 1 got 0",
				c->args[0].name);
	for (size_t i = 0; i < n; i++) {
		int r = 0;
		if (i + 1 < c->n) {
			r = eval_arg(ev, &c->args[i + 1], dot, res);
		} else {
			*res = *piped;
			piped->j = NULL;
		}
		if (r < 0)
			return r;
		if (i + 1 == n || tpl_truth(res->j) != is_and)
			return 0;
		val_clear(res);
	}
	return 0;
}

static int call(struct ev *ev, const struct tpl_cmd *c, json_t *dot, struct val *piped,
		struct val *res)
{
	const struct tpl_func *f = tpl_func_find(c->args[0].name);
	if (!f->fn)
		return eval_logic(ev, c, dot, piped, res);
	struct val args[TPL_MAX_ARGS + 1] = { 0 };
	size_t n = 0;
	int r = 0;
	for (size_t i = 1; r == 0 && i < c->n; i++)
		r = eval_arg(ev, &c->args[i], dot, &args[n++]);
	if (r == 0 && piped) {
		args[n++] = *piped;
		piped->j = NULL;
	}
	if (r == 0 && ((int)n < f->min_args || (f->max_args >= 0 && (int)n > f->max_args)))
		r = tpl_fail(ev, c->args[0].pos, -EINVAL,
			     "wrong number of args for %s: want %d got %zu", f->name,
			     (int)n < f->min_args ? f->min_args : f->max_args, n);
	if (r == 0)
		r = f->fn(ev, c->args[0].pos, args, n, res);
	for (size_t i = 0; i < n; i++)
		val_clear(&args[i]);
	return r;
}

static int eval_pipe(struct ev *ev, const struct tpl_pipe *pp, json_t *dot, struct val *res)
{
	struct val cur = { 0 };
	int r = 0;
	if (++ev->depth > TPL_MAX_DEPTH)
		r = tpl_fail(ev, pp->pos, -ELOOP, "nested too deep");
	for (size_t i = 0; r == 0 && i < pp->n; i++) {
		const struct tpl_cmd *c = &pp->cmds[i];
		struct val next = { 0 };
		if (c->args[0].kind == A_FUNC)
			r = call(ev, c, dot, i ? &cur : NULL, &next);
		else
			r = eval_arg(ev, &c->args[0], dot, &next);
		val_clear(&cur);
		cur = next;
	}
	ev->depth--;
	if (r < 0) {
		val_clear(&cur);
		return r;
	}
	if (pp->ndecl == 1 && pp->assign) {
		json_t **v = var_find(ev, pp->decl[0]);
		if (!v) {
			val_clear(&cur);
			return tpl_fail(ev, pp->pos, -EINVAL, "undefined variable \"%s\"",
					pp->decl[0]);
		}
		json_decref(*v);
		*v = json_incref(cur.j);
	} else if (pp->ndecl == 1) {
		r = var_push(ev, pp->pos, pp->decl[0], cur.j);
	}
	*res = cur;
	return r;
}

/* ------------------------------------------------------------ the tree */

static int render_list(struct ev *ev, const struct tlist *l, json_t *dot);

static int render_action(struct ev *ev, const struct tnode *nd, json_t *dot)
{
	struct val v = { 0 };
	int r = eval_pipe(ev, nd->pipe, dot, &v);
	if (r == 0 && nd->pipe->ndecl == 0) {
		if (json_is_null(v.j)) /* a missing value, as Go prints it */
			r = tbuf_puts(ev, &ev->out, "<no value>");
		else
			r = tpl_print_value(ev, &ev->out, v.j, v.safe, 0);
	}
	val_clear(&v);
	return r;
}

/* The body once for an element: . is v, the variables are set. */
static int range_one(struct ev *ev, const struct tnode *nd, json_t *key, json_t *v)
{
	size_t mark = ev->nvars;
	const struct tpl_pipe *pp = nd->pipe;
	int r = 0;
	if (!key || !v)
		r = brig_err_set(ev->e, -ENOMEM, "out of memory");
	if (r == 0 && pp->ndecl == 1)
		r = var_push(ev, pp->pos, pp->decl[0], v);
	else if (r == 0 && pp->ndecl == 2 && (r = var_push(ev, pp->pos, pp->decl[0], key)) == 0)
		r = var_push(ev, pp->pos, pp->decl[1], v);
	if (r == 0)
		r = render_list(ev, &nd->body, v);
	var_pop_to(ev, mark);
	return r;
}

static int render_range(struct ev *ev, const struct tnode *nd, const json_t *over, json_t *dot)
{
	size_t count = json_is_array(over) ? json_array_size(over)
		: json_is_object(over)     ? json_object_size(over)
		: json_is_integer(over) && json_integer_value(over) > 0
		? (size_t)json_integer_value(over)
		: 0;
	if (!json_is_array(over) && !json_is_object(over) && !json_is_integer(over) &&
	    !json_is_null(over))
		return tpl_fail(ev, nd->pos, -EINVAL, "range can't iterate over %s",
				bj_type_name(over));
	if (json_is_integer(over) && nd->pipe->ndecl == 2)
		return tpl_fail(ev, nd->pos, -EINVAL, "can't use two variables over an integer");
	_cleanup_free_ const char **keys = NULL;
	size_t nk = 0;
	if (json_is_object(over) && !(keys = tpl_sorted_keys(over, &nk)))
		return brig_err_set(ev->e, -ENOMEM, "out of memory");
	int r = 0;
	for (size_t i = 0; r >= 0 && r != FLOW_BREAK && i < count; i++) {
		json_t *key = keys ? json_string(keys[i]) : json_integer((json_int_t)i);
		json_t *v = json_is_array(over) ? json_incref(json_array_get(over, i))
			: json_is_object(over)  ? json_incref(json_object_get(over, keys[i]))
						: json_incref(key);
		r = range_one(ev, nd, key, v);
		json_decref(key);
		json_decref(v);
	}
	if (r < 0)
		return r;
	return count == 0 ? render_list(ev, &nd->alt, dot) : 0;
}

static int render_control(struct ev *ev, const struct tnode *nd, json_t *dot)
{
	size_t mark = ev->nvars; /* the pipeline's variables live until end */
	struct val v = { 0 };
	int r = eval_pipe(ev, nd->pipe, dot, &v);
	if (r == 0 && nd->kind == T_RANGE)
		r = render_range(ev, nd, v.j, dot);
	else if (r == 0 && nd->kind == T_IF)
		r = render_list(ev, tpl_truth(v.j) ? &nd->body : &nd->alt, dot);
	else if (r == 0)
		r = tpl_truth(v.j) ? render_list(ev, &nd->body, v.j)
				   : render_list(ev, &nd->alt, dot);
	val_clear(&v);
	var_pop_to(ev, mark);
	return r;
}

/* 0, FLOW_BREAK, FLOW_CONTINUE or a negative errno. */
static int render_list(struct ev *ev, const struct tlist *l, json_t *dot)
{
	if (++ev->depth > TPL_MAX_DEPTH * 2) {
		ev->depth--;
		return brig_err_set(ev->e, -ELOOP, "template: nested too deep");
	}
	int r = 0;
	for (size_t i = 0; r == 0 && i < l->n; i++) {
		const struct tnode *nd = &l->v[i];
		switch (nd->kind) {
		case T_TEXT:
			r = tbuf_put(ev, &ev->out, nd->text, nd->tlen);
			break;
		case T_ACTION:
			r = render_action(ev, nd, dot);
			break;
		case T_BREAK:
			r = FLOW_BREAK;
			break;
		case T_CONTINUE:
			r = FLOW_CONTINUE;
			break;
		default:
			r = render_control(ev, nd, dot);
			break;
		}
	}
	ev->depth--;
	return r;
}

int tpl_render(const struct tpl *t, const json_t *v, char **out, struct brig_err *e)
{
	struct ev *ev = calloc(1, sizeof(*ev));
	if (!ev)
		return brig_err_set(e, -ENOMEM, "out of memory");
	ev->t = t;
	ev->e = e;
	json_t *dot = (json_t *)v;
	int r = var_push(ev, 0, "$", dot);
	if (r == 0)
		r = tbuf_puts(ev, &ev->out, "");
	if (r == 0)
		r = render_list(ev, &t->root, dot);
	var_pop_to(ev, 0);
	if (r < 0)
		free(ev->out.buf);
	else
		*out = ev->out.buf;
	free(ev);
	return r < 0 ? r : 0;
}
