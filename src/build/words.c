/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Substitution as Docker does it for ADD, COPY, ENV, EXPOSE, FROM, LABEL,
 * STOPSIGNAL, USER, VOLUME, WORKDIR (and ARG): $NAME, ${NAME},
 * ${NAME:-word}, ${NAME:+word} (and "-"/"+" without the colon, which test
 * for set rather than non-empty), single quotes literal, double quotes
 * expanding, the escape character quoting the next one.  Unset names
 * expand to nothing.  Nothing is ever given to a shell.
 */
#include "build/build-internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define EXPAND_MAX ((size_t)1 << 20)
#define EXPAND_DEPTH 8

struct xp {
	const char *s;
	size_t i;
	char esc;
	const struct bld_vars *vars;
	struct brig_err *e;
	int depth;
};

struct sbuf {
	char *p;
	size_t n, cap;
	bool any; /* a word was started (even an empty quoted one) */
};

static int sb_add(struct sbuf *b, const char *p, size_t n, struct brig_err *e)
{
	if (b->n + n + 1 > EXPAND_MAX)
		return brig_err_set(e, -E2BIG, "a word expands past %zu bytes", EXPAND_MAX);
	if (b->n + n + 1 > b->cap) {
		size_t cap = (b->n + n + 1) * 2;
		char *np = realloc(b->p, cap);
		if (!np)
			return brig_err_oom(e);
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
	b->p[b->n] = '\0';
	b->any = true;
	return 0;
}

static int expand_until(struct xp *x, struct sbuf *b, char stop);

static size_t name_len(const char *p)
{
	size_t n = 0;
	if (!isalpha((unsigned char)p[0]) && p[0] != '_')
		return 0;
	while (isalnum((unsigned char)p[n]) || p[n] == '_')
		n++;
	return n;
}

/* ${NAME...}: at x->i just past "${". */
static int braced(struct xp *x, struct sbuf *b)
{
	size_t n = name_len(x->s + x->i);
	if (n == 0)
		return brig_err_set(x->e, -EINVAL, "bad substitution in \"%s\"", x->s);
	const char *v = x->vars->get(x->vars->arg, x->s + x->i, n);
	x->i += n;
	char op = 0;
	bool colon = false;
	if (x->s[x->i] == ':' && (x->s[x->i + 1] == '-' || x->s[x->i + 1] == '+'))
		colon = true, x->i++;
	if (x->s[x->i] == '-' || x->s[x->i] == '+')
		op = x->s[x->i++];
	else if (x->s[x->i] != '}')
		return brig_err_set(x->e, -EINVAL, "unsupported substitution in \"%s\"", x->s);
	struct sbuf word = { 0 };
	int r = 0;
	if (op) {
		if (++x->depth > EXPAND_DEPTH)
			return brig_err_set(x->e, -ELOOP, "substitutions nested too deep");
		r = expand_until(x, &word, '}');
		x->depth--;
	}
	if (r == 0 && x->s[x->i] != '}')
		r = brig_err_set(x->e, -EINVAL, "missing '}' in \"%s\"", x->s);
	x->i++;
	bool set = v && (!colon || v[0]);
	const char *out = !op ? v : op == '-' ? (set ? v : word.p) : (set ? word.p : "");
	if (r == 0 && out)
		r = sb_add(b, out, strlen(out), x->e);
	free(word.p);
	return r;
}

static int dollar(struct xp *x, struct sbuf *b)
{
	x->i++; /* '$' */
	if (x->s[x->i] == '{') {
		x->i++;
		return braced(x, b);
	}
	size_t n = name_len(x->s + x->i);
	if (n == 0)
		return sb_add(b, "$", 1, x->e);
	const char *v = x->vars->get(x->vars->arg, x->s + x->i, n);
	x->i += n;
	return v ? sb_add(b, v, strlen(v), x->e) : 0;
}

static int dquoted(struct xp *x, struct sbuf *b)
{
	int r = sb_add(b, "", 0, x->e);
	for (x->i++; r == 0 && x->s[x->i] && x->s[x->i] != '"';) {
		char c = x->s[x->i];
		char c1 = x->s[x->i + 1];
		if (c == x->esc && c1 && (c1 == '"' || c1 == '$' || c1 == x->esc)) {
			r = sb_add(b, x->s + x->i + 1, 1, x->e);
			x->i += 2;
		} else if (c == '$') {
			r = dollar(x, b);
		} else {
			r = sb_add(b, &c, 1, x->e);
			x->i++;
		}
	}
	if (r == 0 && x->s[x->i] != '"')
		return brig_err_set(x->e, -EINVAL, "unterminated quote in \"%s\"", x->s);
	x->i++;
	return r;
}

static int squoted(struct xp *x, struct sbuf *b)
{
	const char *end = strchr(x->s + x->i + 1, '\'');
	if (!end)
		return brig_err_set(x->e, -EINVAL, "unterminated quote in \"%s\"", x->s);
	size_t start = x->i + 1;
	x->i = (size_t)(end - x->s) + 1;
	return sb_add(b, x->s + start, x->i - 1 - start, x->e);
}

/* One piece at x->i into b; stop (0: none) ends a ${...:-word}. */
static int piece(struct xp *x, struct sbuf *b)
{
	char c = x->s[x->i];
	if (c == x->esc && x->s[x->i + 1]) {
		x->i += 2;
		return sb_add(b, x->s + x->i - 1, 1, x->e);
	}
	if (c == '\'')
		return squoted(x, b);
	if (c == '"')
		return dquoted(x, b);
	if (c == '$')
		return dollar(x, b);
	x->i++;
	return sb_add(b, &c, 1, x->e);
}

static int expand_until(struct xp *x, struct sbuf *b, char stop)
{
	int r = 0;
	while (r == 0 && x->s[x->i] && x->s[x->i] != stop)
		r = piece(x, b);
	return r;
}

static int push_word(char ***v, size_t *n, struct sbuf *b, struct brig_err *e)
{
	char **nv = realloc(*v, (*n + 2) * sizeof(**v));
	if (!nv)
		return brig_err_oom(e);
	*v = nv;
	nv[(*n)++] = b->p ? b->p : strdup("");
	nv[*n] = NULL;
	*b = (struct sbuf){ 0 };
	return nv[*n - 1] ? 0 : brig_err_oom(e);
}

int bld_expand(const char *s, char esc, const struct bld_vars *vars, bool split, char ***out,
	       size_t *n, struct brig_err *e)
{
	struct xp x = { .s = s, .esc = esc, .vars = vars, .e = e };
	struct sbuf b = { 0 };
	_cleanup_strv_ char **v = calloc(1, sizeof(char *));
	size_t cnt = 0;
	int r = v ? 0 : brig_err_oom(e);
	while (r == 0 && s[x.i]) {
		if (split && (s[x.i] == ' ' || s[x.i] == '\t' || s[x.i] == '\n')) {
			x.i++;
			if (b.any)
				r = push_word(&v, &cnt, &b, e);
			continue;
		}
		r = piece(&x, &b);
	}
	if (r == 0 && (b.any || !split))
		r = push_word(&v, &cnt, &b, e);
	free(b.p);
	if (r < 0)
		return r;
	*out = brig_steal_ptr(v);
	*n = cnt;
	return 0;
}
