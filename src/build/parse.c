/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A Dockerfile's logical lines (lex.c) as instructions: the keyword (any
 * case), the leading --flags of the instructions that take them, the rest
 * in exec form (a JSON array of strings) or shell form, a RUN heredoc's
 * body, and the stages (FROM ... [AS name]).  Variables are substituted
 * later, as each instruction is evaluated (eval.c).
 */
#include "build/build-internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char *const known[] = { "FROM",       "RUN",         "CMD",     "LABEL", "MAINTAINER",
				     "EXPOSE",     "ENV",         "ADD",     "COPY",  "ENTRYPOINT",
				     "VOLUME",     "USER",        "WORKDIR", "ARG",   "ONBUILD",
				     "STOPSIGNAL", "HEALTHCHECK", "SHELL" };

static bool has_flags(const char *cmd)
{
	return !strcmp(cmd, "FROM") || !strcmp(cmd, "RUN") || !strcmp(cmd, "COPY") ||
		!strcmp(cmd, "ADD") || !strcmp(cmd, "HEALTHCHECK");
}

static bool json_allowed(const char *cmd)
{
	static const char *const v[] = { "RUN",  "CMD", "ENTRYPOINT", "SHELL",
					 "COPY", "ADD", "VOLUME",     "HEALTHCHECK" };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(v); i++)
		if (!strcmp(cmd, v[i]))
			return true;
	return false;
}

void bld_instr_clear(struct bld_instr *in)
{
	free(in->cmd);
	brig_strv_free(in->flags);
	free(in->rest);
	brig_strv_free(in->argv);
	free(in->heredoc);
	*in = (struct bld_instr){ 0 };
}

void bld_file_clear(struct bld_file *f)
{
	for (size_t i = 0; i < f->n; i++)
		bld_instr_clear(&f->v[i]);
	free(f->v);
	for (size_t i = 0; i < f->n_stages; i++)
		free(f->stages[i].name);
	free(f->stages);
	*f = (struct bld_file){ 0 };
}

static int strv_push(char ***v, size_t *n, char *s)
{
	char **nv = s ? realloc(*v, (*n + 2) * sizeof(**v)) : NULL;
	if (!nv) {
		free(s);
		return -ENOMEM;
	}
	nv[(*n)++] = s;
	nv[*n] = NULL;
	*v = nv;
	return 0;
}

/* ["a", "b"]: argv; anything else is shell form (as Docker). */
static int exec_form(struct bld_instr *in, struct brig_err *e)
{
	json_error_t je;
	_cleanup_json_ json_t *a = json_loads(in->rest, JSON_REJECT_DUPLICATES, &je);
	size_t i;
	json_t *s;
	if (!json_is_array(a))
		return 0;
	json_array_foreach(a, i, s) if (!json_is_string(s)) return 0;
	in->argv = calloc(1, sizeof(char *));
	if (!in->argv)
		return brig_err_oom(e);
	json_array_foreach(a, i,
			   s) if (strv_push(&in->argv, &in->argc, strdup(json_string_value(s))) <
				  0) return brig_err_oom(e);
	in->exec = true;
	return 0;
}

/* The leading "--name[=value]" words. */
static const char *take_flags(struct bld_instr *in, const char *p, struct brig_err *e)
{
	while (p[0] == '-' && p[1] == '-') {
		size_t n = strcspn(p, " \t");
		if (strv_push(&in->flags, &in->n_flags, strndup(p, n)) < 0) {
			brig_err_oom(e);
			return NULL;
		}
		p += n;
		p += strspn(p, " \t");
	}
	return p;
}

/* "<<EOF", "<<-EOF", "<<'EOF'", "<<\"EOF\"" in a RUN: the delimiter. */
static bool heredoc_word(const char *rest, char *delim, size_t size, bool *tabs, size_t *at,
			 size_t *wlen)
{
	const char *h = strstr(rest, "<<");
	if (!h)
		return false;
	const char *p = h + 2;
	*tabs = *p == '-';
	p += *tabs;
	char q = (*p == '\'' || *p == '"') ? *p++ : 0;
	size_t n = 0;
	while ((isalnum((unsigned char)p[n]) || p[n] == '_') && n + 1 < size)
		n++;
	if (n == 0 || (q && p[n] != q))
		return false;
	memcpy(delim, p, n);
	delim[n] = '\0';
	*at = (size_t)(h - rest);
	*wlen = (size_t)(p + n + (q ? 1 : 0) - h);
	return true;
}

static int heredoc(struct bld_lexer *x, struct bld_instr *in, struct brig_err *e)
{
	char delim[64];
	bool tabs;
	size_t at, wlen;
	if (strcmp(in->cmd, "RUN") != 0 || in->exec ||
	    !heredoc_word(in->rest, delim, sizeof(delim), &tabs, &at, &wlen))
		return 0;
	int r = bld_lex_heredoc(x, delim, tabs, &in->heredoc, e);
	if (r < 0)
		return r;
	const char *after = in->rest + at + wlen;
	in->heredoc_bare = at == strspn(in->rest, " \t") && !after[strspn(after, " \t")];
	if (in->heredoc_bare)
		return 0;
	/* With a command, the shell reads the heredoc itself: give it the
	 * body and the end line back. */
	size_t n = strlen(in->heredoc), dl = strlen(delim);
	char *b = realloc(in->heredoc, n + dl + 2);
	if (!b)
		return brig_err_oom(e);
	memcpy(b + n, delim, dl);
	memcpy(b + n + dl, "\n", 2);
	in->heredoc = b;
	return 0;
}

static int instr_parse(struct bld_lexer *x, const char *text, unsigned line, struct bld_instr *in,
		       struct brig_err *e)
{
	const char *p = text + strspn(text, " \t");
	size_t kw = strcspn(p, " \t");
	in->line = line;
	if (!(in->cmd = strndup(p, kw)))
		return brig_err_oom(e);
	for (char *c = in->cmd; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	size_t i = 0;
	while (i < BRIG_ARRAY_SIZE(known) && strcmp(known[i], in->cmd) != 0)
		i++;
	if (i == BRIG_ARRAY_SIZE(known))
		return brig_err_set(e, -EINVAL, "%s:%u: unknown instruction: %.*s", x->name, line,
				    (int)(kw > 40 ? 40 : kw), p);
	p += kw;
	p += strspn(p, " \t");
	if (has_flags(in->cmd) && !(p = take_flags(in, p, e)))
		return e->code;
	size_t n = strlen(p);
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (!(in->rest = strndup(p, n)))
		return brig_err_oom(e);
	if (!in->rest[0])
		return brig_err_set(e, -EINVAL, "%s:%u: %s requires at least one argument", x->name,
				    line, in->cmd);
	int r = json_allowed(in->cmd) && in->rest[0] == '[' ? exec_form(in, e) : 0;
	if (r == 0 && !strcmp(in->cmd, "SHELL") && !in->exec)
		r = brig_err_set(e, -EINVAL, "%s:%u: SHELL requires a JSON array of strings",
				 x->name, line);
	return r < 0 ? r : heredoc(x, in, e);
}

/* "FROM [--platform=..] image [AS name]": a new stage. */
static int stage_add(struct bld_file *f, const char *name, struct brig_err *e)
{
	const struct bld_instr *in = &f->v[f->n - 1];
	struct bld_stage *ns = realloc(f->stages, (f->n_stages + 1) * sizeof(*ns));
	if (!ns)
		return brig_err_oom(e);
	f->stages = ns;
	if (f->n_stages > 0)
		ns[f->n_stages - 1].end = f->n - 1;
	struct bld_stage *s = &ns[f->n_stages++];
	*s = (struct bld_stage){ .from = f->n - 1, .end = f->n };
	char img[512], as[8], nm[256], extra[8];
	int k = sscanf(in->rest, "%511s %7s %255s %7s", img, as, nm, extra);
	if (k == 2 || k == 4 || (k == 3 && strcasecmp(as, "AS") != 0))
		return brig_err_set(e, -EINVAL, "%s:%u: FROM: expected IMAGE [AS NAME]", name,
				    in->line);
	if (k == 3) {
		for (char *c = nm; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		if (!(s->name = strdup(nm)))
			return brig_err_oom(e);
	}
	return 0;
}

static int file_add(struct bld_file *f, const char *name, struct bld_instr *in, struct brig_err *e)
{
	struct bld_instr *nv = realloc(f->v, (f->n + 1) * sizeof(*nv));
	if (!nv)
		return brig_err_oom(e);
	f->v = nv;
	f->v[f->n++] = *in;
	*in = (struct bld_instr){ 0 };
	const struct bld_instr *last = &f->v[f->n - 1];
	if (!strcmp(last->cmd, "FROM"))
		return stage_add(f, name, e);
	if (f->n_stages == 0 && strcmp(last->cmd, "ARG") != 0)
		return brig_err_set(e, -EINVAL, "%s:%u: %s before the first FROM (only ARG may be)",
				    name, last->line, last->cmd);
	if (f->n_stages > 0)
		f->stages[f->n_stages - 1].end = f->n;
	return 0;
}

int bld_parse(const char *name, const char *text, size_t len, struct bld_file *out,
	      struct brig_err *e)
{
	struct bld_lexer x = { .name = name, .text = text, .len = len, .escape = '\\' };
	*out = (struct bld_file){ 0 };
	if (len > BLD_MAX_FILE)
		return brig_err_set(e, -E2BIG, "%s: larger than %zu bytes", name, BLD_MAX_FILE);
	if (memchr(text, '\0', len))
		return brig_err_set(e, -EINVAL, "%s: a NUL byte (not a text file)", name);
	int r;
	for (;;) {
		_cleanup_free_ char *l = NULL;
		unsigned line = 0;
		struct bld_instr in = { 0 };
		if ((r = bld_lex_next(&x, &l, &line, e)) <= 0)
			break;
		out->escape = x.escape;
		r = instr_parse(&x, l, line, &in, e);
		if (r == 0)
			r = file_add(out, name, &in, e);
		bld_instr_clear(&in);
		if (r < 0)
			break;
	}
	out->escape = x.escape;
	if (r == 0 && out->n_stages == 0)
		r = brig_err_set(e, -EINVAL, "%s: no FROM instruction", name);
	if (r < 0)
		bld_file_clear(out);
	return r;
}
