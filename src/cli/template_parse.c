/* SPDX-License-Identifier: Apache-2.0 */
/* Parsing a template into the tree of template-internal.h: the text is cut
 * into literal text and {{actions}}; an action is lexed into tokens, then
 * parsed as a control word (if, range, with, else, end...) or a pipeline. */
#include "cli/template-parse.h"

#include <ctype.h>
#include <string.h>

/* ------------------------------------------------------------ pipelines */

static struct tok *peek(struct parser *p)
{
	return &p->tk[p->ti];
}

static bool tok_is(const struct parser *p, const struct tok *t, const char *word)
{
	return t->kind == K_IDENT && t->len == strlen(word) &&
		memcmp(p->s + t->pos, word, t->len) == 0;
}

static void pipe_free(struct tpl_pipe *pp);

static void arg_clear(struct targ *a)
{
	json_decref(a->value);
	free(a->name);
	brig_strv_free(a->path);
	pipe_free(a->pipe);
}

static void pipe_free(struct tpl_pipe *pp)
{
	if (!pp)
		return;
	for (size_t i = 0; i < pp->n; i++) {
		for (size_t k = 0; k < pp->cmds[i].n; k++)
			arg_clear(&pp->cmds[i].args[k]);
		free(pp->cmds[i].args);
	}
	free(pp->cmds);
	free(pp->decl[0]);
	free(pp->decl[1]);
	free(pp);
}

void tpl_list_free(struct tlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].text);
		pipe_free(l->v[i].pipe);
		tpl_list_free(&l->v[i].body);
		tpl_list_free(&l->v[i].alt);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* ".A.B" (from s, n bytes) -> {"A", "B", NULL}; "" or "." -> NULL. */
static int split_path(struct parser *p, const char *s, size_t n, char ***out)
{
	size_t count = 0;
	for (size_t i = 0; i < n; i++)
		count += s[i] == '.';
	*out = NULL;
	if (n <= 1)
		return 0;
	char **v = calloc(count + 1, sizeof(char *));
	if (!v)
		return tpl_parse_oom(p);
	size_t k = 0;
	for (size_t i = 0; i < n; k++) {
		size_t l = 1;
		while (i + l < n && s[i + l] != '.')
			l++;
		if (!(v[k] = strndup(s + i + 1, l - 1))) {
			brig_strv_free(v);
			return tpl_parse_oom(p);
		}
		i += l;
	}
	*out = v;
	return 0;
}

static int parse_const(struct parser *p, const struct tok *t, struct targ *a)
{
	const char *s = p->s + t->pos;
	a->kind = A_CONST;
	if (t->kind == K_NUMBER) {
		_cleanup_free_ char *w = strndup(s, t->len);
		char *end = NULL;
		if (!w)
			return tpl_parse_oom(p);
		errno = 0;
		long long n = strtoll(w, &end, 0);
		if (!errno && *end == '\0') {
			a->value = json_integer(n);
		} else {
			double d = strtod(w, &end);
			if (*end != '\0' || errno)
				return tpl_parse_fail(p, t->pos, "bad number syntax: \"%s\"", w);
			a->value = json_real(d);
		}
		return a->value ? 0 : tpl_parse_oom(p);
	}
	_cleanup_free_ char *str = NULL;
	if (tpl_unquote(s, t->len, &str) < 0)
		return tpl_parse_fail(p, t->pos, "bad quoted string");
	if (t->kind == K_CHAR) {
		unsigned char *u = (unsigned char *)str;
		long long c = u[0];
		if (c >= 0x80 && strlen(str) > 1) /* one UTF-8 character */
			c = (u[0] & 0x1f) << 6 | (u[1] & 0x3f);
		a->value = json_integer(c);
	} else {
		a->value = json_string(str);
	}
	return a->value ? 0 : tpl_parse_oom(p);
}

static int parse_pipe(struct parser *p, bool decl_ok, bool in_paren, int depth,
		      struct tpl_pipe **out);

static int parse_operand(struct parser *p, int depth, struct targ *a)
{
	struct tok *t = peek(p);
	int r = 0;
	a->pos = t->pos;
	p->ti++;
	switch (t->kind) {
	case K_FIELD:
		a->kind = A_FIELD;
		return split_path(p, p->s + t->pos, t->len, &a->path);
	case K_VAR: {
		size_t n = strcspn(p->s + t->pos + 1, ".") + 1;
		n = n > t->len ? t->len : n;
		a->kind = A_VAR;
		if (!(a->name = strndup(p->s + t->pos, n)))
			return tpl_parse_oom(p);
		return split_path(p, p->s + t->pos + n, t->len - n, &a->path);
	}
	case K_IDENT:
		if (tok_is(p, t, "true") || tok_is(p, t, "false") || tok_is(p, t, "nil")) {
			a->kind = A_CONST;
			a->value = tok_is(p, t, "nil") ? json_null()
						       : json_boolean(tok_is(p, t, "true"));
			return 0;
		}
		a->kind = A_FUNC;
		if (!(a->name = strndup(p->s + t->pos, t->len)))
			return tpl_parse_oom(p);
		if (!tpl_func_find(a->name))
			return tpl_parse_fail(p, t->pos, "function \"%s\" not defined", a->name);
		return 0;
	case K_LPAREN:
		a->kind = A_PIPE;
		if ((r = parse_pipe(p, false, true, depth + 1, &a->pipe)) < 0)
			return r;
		if (peek(p)->kind != K_RPAREN)
			return tpl_parse_fail(p, t->pos, "unclosed left paren");
		p->ti++;
		t = peek(p);
		if (t->kind == K_FIELD && !t->space && t->len > 1) {
			p->ti++;
			return split_path(p, p->s + t->pos, t->len, &a->path);
		}
		return 0;
	case K_STRING:
	case K_RAW:
	case K_CHAR:
	case K_NUMBER:
		return parse_const(p, t, a);
	default:
		return tpl_parse_fail(p, t->pos, "unexpected \"%.*s\" in operand", (int)t->len,
				      p->s + t->pos);
	}
}

/* Docker's method {{.Label "key"}} of ps and volume ls rows. */
static bool is_label_method(const struct targ *a)
{
	size_t n = 0;
	while (a->kind == A_FIELD && a->path && a->path[n])
		n++;
	return n && strcmp(a->path[n - 1], "Label") == 0;
}

/* .A.Label "k" -> label .A "k" (template_func.c). */
static int label_call(struct parser *p, struct tpl_cmd *c)
{
	struct targ *na = realloc(c->args, 3 * sizeof(*na));
	if (!na)
		return tpl_parse_oom(p);
	c->args = na;
	memmove(&na[1], &na[0], 2 * sizeof(*na));
	memset(&na[0], 0, sizeof(*na));
	na[0].kind = A_FUNC;
	na[0].pos = na[1].pos;
	c->n = 3;
	size_t n = 0;
	while (na[1].path[n])
		n++;
	free(na[1].path[n - 1]);
	na[1].path[n - 1] = NULL;
	return (na[0].name = strdup("label")) ? 0 : tpl_parse_oom(p);
}

static int parse_cmd(struct parser *p, int depth, struct tpl_cmd *c)
{
	while (peek(p)->kind != K_EOF && peek(p)->kind != K_PIPE && peek(p)->kind != K_RPAREN) {
		if (c->n == TPL_MAX_ARGS)
			return tpl_parse_fail(p, peek(p)->pos, "too many arguments");
		struct targ *na = realloc(c->args, (c->n + 1) * sizeof(*na));
		if (!na)
			return tpl_parse_oom(p);
		c->args = na;
		memset(&na[c->n], 0, sizeof(*na));
		int r = parse_operand(p, depth, &na[c->n++]);
		if (r < 0)
			return r;
	}
	if (c->n == 0)
		return tpl_parse_fail(p, peek(p)->pos, "missing value for command");
	if (c->n == 2 && is_label_method(&c->args[0]))
		return label_call(p, c);
	if (c->args[0].kind != A_FUNC && c->n > 1)
		return tpl_parse_fail(p, c->args[1].pos, "can't give argument to non-function");
	return 0;
}

/* "$x :=", "$x =", "$k, $v :=" at the start of a pipeline. */
static int parse_decl(struct parser *p, bool two_ok, struct tpl_pipe *pp)
{
	struct tok *t = peek(p), *n1 = t + 1;
	size_t nvars = 0;
	if (t->kind != K_VAR)
		return 0;
	if (n1->kind == K_DECLARE || n1->kind == K_ASSIGN)
		nvars = 1;
	else if (two_ok && n1->kind == K_COMMA && n1[1].kind == K_VAR && n1[2].kind == K_DECLARE)
		nvars = 2;
	if (!nvars)
		return 0;
	for (size_t i = 0; i < nvars; i++) {
		struct tok *v = &p->tk[p->ti + 2 * i];
		if (memchr(p->s + v->pos, '.', v->len))
			return tpl_parse_fail(p, v->pos, "can't declare a field");
		if (!(pp->decl[i] = strndup(p->s + v->pos, v->len)))
			return tpl_parse_oom(p);
	}
	pp->ndecl = nvars;
	pp->assign = p->tk[p->ti + 2 * nvars - 1].kind == K_ASSIGN;
	p->ti += 2 * nvars;
	return 0;
}

static int parse_pipe(struct parser *p, bool decl_ok, bool in_paren, int depth,
		      struct tpl_pipe **out)
{
	if (depth >= TPL_MAX_DEPTH)
		return tpl_parse_fail(p, peek(p)->pos, "nested too deep");
	struct tpl_pipe *pp = calloc(1, sizeof(*pp));
	if (!pp)
		return tpl_parse_oom(p);
	*out = pp;
	pp->pos = peek(p)->pos;
	int r = parse_decl(p, decl_ok, pp);
	for (bool more = true; r == 0 && more;) {
		struct tpl_cmd *nc = realloc(pp->cmds, (pp->n + 1) * sizeof(*nc));
		if (!nc)
			return tpl_parse_oom(p);
		pp->cmds = nc;
		memset(&nc[pp->n], 0, sizeof(*nc));
		if ((r = parse_cmd(p, depth, &nc[pp->n++])) < 0)
			return r;
		if (pp->n > 1 && nc[pp->n - 1].args[0].kind != A_FUNC)
			return tpl_parse_fail(p, nc[pp->n - 1].args[0].pos,
					      "non executable command in pipeline stage %zu",
					      pp->n);
		more = peek(p)->kind == K_PIPE;
		p->ti += more;
	}
	if (r == 0 && !in_paren && peek(p)->kind != K_EOF)
		r = tpl_parse_fail(p, peek(p)->pos, "unexpected \"%.*s\" in action",
				   (int)peek(p)->len, p->s + peek(p)->pos);
	return r;
}

/* ------------------------------------------------------------ the lists */

static struct tnode *push(struct parser *p, struct tlist *l, enum tnode_kind kind, size_t pos)
{
	struct tnode *nl = realloc(l->v, (l->n + 1) * sizeof(*nl));
	if (!nl) {
		tpl_parse_oom(p);
		return NULL;
	}
	l->v = nl;
	memset(&nl[l->n], 0, sizeof(*nl));
	nl[l->n].kind = kind;
	nl[l->n].pos = pos;
	return &nl[l->n++];
}

static int add_text(struct parser *p, size_t from, size_t len, struct tlist *l)
{
	const char *t = p->s + from;
	if (p->trim_next)
		while (len && strchr(" \t\n\r", *t)) {
			t++;
			len--;
		}
	p->trim_next = false;
	if (!len)
		return 0;
	struct tnode *nd = push(p, l, T_TEXT, from);
	if (!nd || !(nd->text = strndup(t, len)))
		return tpl_parse_oom(p);
	nd->tlen = len;
	return 0;
}

static int parse_list(struct parser *p, struct tlist *l, int depth, enum term *term);

static const char *kind_word(enum tnode_kind k)
{
	return k == T_IF ? "if" : k == T_RANGE ? "range" : "with";
}

/* if/range/with: the pipeline, the body, an else part; consumes the end. */
static int parse_control(struct parser *p, struct tnode *nd, int depth)
{
	enum term term;
	if (depth >= TPL_MAX_DEPTH)
		return tpl_parse_fail(p, nd->pos, "nested too deep");
	int r = parse_pipe(p, true, false, depth, &nd->pipe);
	if (r == 0 && nd->kind != T_RANGE && nd->pipe->ndecl > 1)
		return tpl_parse_fail(p, nd->pos, "too many declarations in %s",
				      kind_word(nd->kind));
	p->in_range += nd->kind == T_RANGE;
	if (r == 0)
		r = parse_list(p, &nd->body, depth + 1, &term);
	p->in_range -= nd->kind == T_RANGE;
	if (r == 0 && term == TERM_ELSE) {
		struct tok *t = peek(p);
		if (nd->kind != T_RANGE && tok_is(p, t, kind_word(nd->kind))) {
			p->ti++; /* else if / else with: a nested block that ends with ours */
			struct tnode *in = push(p, &nd->alt, nd->kind, t->pos);
			return in ? parse_control(p, in, depth + 1) : -ENOMEM;
		}
		if (t->kind != K_EOF)
			return tpl_parse_fail(p, t->pos, "unexpected \"%.*s\" after else",
					      (int)t->len, p->s + t->pos);
		r = parse_list(p, &nd->alt, depth + 1, &term);
		if (r == 0 && term == TERM_ELSE)
			return tpl_parse_fail(p, p->tk[0].pos, "{{else}} after {{else}}");
	}
	if (r == 0 && term == TERM_EOF)
		return tpl_parse_fail(p, nd->pos, "%s without end", kind_word(nd->kind));
	return r;
}

static int parse_keyword(struct parser *p, struct tlist *l, int depth, enum term *term, bool *done)
{
	struct tok *t = peek(p);
	static const char *const ctl[] = { "if", "range", "with" };
	static const enum tnode_kind kinds[] = { T_IF, T_RANGE, T_WITH };
	*done = true;
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(ctl); i++)
		if (tok_is(p, t, ctl[i])) {
			p->ti++;
			struct tnode *nd = push(p, l, kinds[i], t->pos);
			return nd ? parse_control(p, nd, depth) : -ENOMEM;
		}
	if (tok_is(p, t, "end") || tok_is(p, t, "else")) {
		p->ti++;
		if (depth == 0)
			return tpl_parse_fail(p, t->pos, "unexpected {{%.*s}}", (int)t->len,
					      p->s + t->pos);
		if (tok_is(p, t, "end") && peek(p)->kind != K_EOF)
			return tpl_parse_fail(p, peek(p)->pos, "unexpected \"%.*s\" in end",
					      (int)peek(p)->len, p->s + peek(p)->pos);
		*term = tok_is(p, t, "end") ? TERM_END : TERM_ELSE;
		return 0;
	}
	if (tok_is(p, t, "break") || tok_is(p, t, "continue")) {
		if (!p->in_range)
			return tpl_parse_fail(p, t->pos, "{{%.*s}} outside {{range}}", (int)t->len,
					      p->s + t->pos);
		p->ti++;
		if (peek(p)->kind != K_EOF)
			return tpl_parse_fail(p, peek(p)->pos, "unexpected \"%.*s\" in %.*s",
					      (int)peek(p)->len, p->s + peek(p)->pos, (int)t->len,
					      p->s + t->pos);
		return push(p, l, tok_is(p, t, "break") ? T_BREAK : T_CONTINUE, t->pos) ? 0
											: -ENOMEM;
	}
	if (tok_is(p, t, "define") || tok_is(p, t, "template") || tok_is(p, t, "block"))
		return tpl_parse_fail(p, t->pos, "{{%.*s}} is not supported", (int)t->len,
				      p->s + t->pos);
	*done = false;
	return 0;
}

/* A comment action ("{{" slash-star ... star-slash "}}", trim markers allowed);
 * true when the action is one. */
static bool skip_comment(struct parser *p, size_t open, int *r)
{
	const char *s = p->s + p->pos;
	if (s[0] != '/' || s[1] != '*')
		return false;
	const char *end = strstr(s + 2, "*/");
	if (!end) {
		*r = tpl_parse_fail(p, open, "unclosed comment");
		return true;
	}
	const char *after = end + 2;
	bool trim = after[0] == ' ' && after[1] == '-' && after[2] == '}' && after[3] == '}';
	if (!trim && (after[0] != '}' || after[1] != '}')) {
		*r = tpl_parse_fail(p, open, "comment ends before closing delimiter");
		return true;
	}
	p->trim_next = trim;
	p->pos = (size_t)(after - p->s) + (trim ? 4 : 2);
	*r = 0;
	return true;
}

static int parse_list(struct parser *p, struct tlist *l, int depth, enum term *term)
{
	*term = TERM_EOF;
	for (;;) {
		const char *open = strstr(p->s + p->pos, "{{");
		size_t tlen = open ? (size_t)(open - (p->s + p->pos)) : strlen(p->s + p->pos);
		bool trim_prev = open && open[2] == '-' && open[3] && strchr(" \t\r\n", open[3]);
		size_t keep = tlen;
		while (trim_prev && keep && strchr(" \t\n\r", p->s[p->pos + keep - 1]))
			keep--;
		int r = add_text(p, p->pos, keep, l);
		if (r < 0 || !open)
			return r;
		size_t at = p->pos + tlen;
		p->pos = at + 2 + (trim_prev ? 2 : 0);
		if (skip_comment(p, at, &r)) {
			if (r < 0)
				return r;
			continue;
		}
		bool done;
		if ((r = tpl_lex_action(p, at)) < 0 ||
		    (r = parse_keyword(p, l, depth, term, &done)) < 0)
			return r;
		if (*term != TERM_EOF)
			return 0;
		if (done)
			continue;
		if (p->ntk == 0)
			return tpl_parse_fail(p, at, "missing value for command");
		struct tnode *nd = push(p, l, T_ACTION, at);
		if (!nd || (r = parse_pipe(p, true, false, depth, &nd->pipe)) < 0)
			return nd ? r : -ENOMEM;
		if (nd->pipe->ndecl > 1)
			return tpl_parse_fail(p, at, "too many declarations in action");
	}
}

int tpl_parse(const char *text, struct tpl **out, struct brig_err *e)
{
	if (strlen(text) > TPL_MAX_TEXT)
		return brig_err_set(e, -E2BIG, "template: longer than %u bytes", TPL_MAX_TEXT);
	struct tpl *t = calloc(1, sizeof(*t));
	if (!t || !(t->src = strdup(text))) {
		free(t);
		return brig_err_set(e, -ENOMEM, "out of memory");
	}
	struct parser p = { .s = t->src, .e = e };
	enum term term;
	int r = parse_list(&p, &t->root, 0, &term);
	if (r < 0) {
		tpl_free(t);
		return r;
	}
	*out = t;
	return 0;
}

void tpl_free(struct tpl *t)
{
	if (!t)
		return;
	tpl_list_free(&t->root);
	free(t->src);
	free(t);
}
