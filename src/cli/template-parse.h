/* SPDX-License-Identifier: Apache-2.0 */
/* What template_lex.c gives template_parse.c: the tokens of one action. */
#ifndef BRIG_CLI_TEMPLATE_PARSE_H
#define BRIG_CLI_TEMPLATE_PARSE_H

#include "cli/template-internal.h"

#define MAX_TOKENS 256

enum tok_kind {
	K_EOF,
	K_FIELD,
	K_VAR,
	K_IDENT,
	K_STRING,
	K_RAW,
	K_CHAR,
	K_NUMBER,
	K_LPAREN,
	K_RPAREN,
	K_PIPE,
	K_DECLARE,
	K_ASSIGN,
	K_COMMA,
};

struct tok {
	enum tok_kind kind;
	size_t pos, len;
	bool space; /* white space before it */
};

enum term { TERM_EOF, TERM_END, TERM_ELSE };

struct parser {
	const char *s;
	size_t pos; /* where the text not yet parsed starts */
	bool trim_next; /* a -}} asked to trim the next text's leading space */
	struct brig_err *e;
	struct tok tk[MAX_TOKENS]; /* the current action's tokens */
	size_t ntk, ti;
	int in_range;
};

/* "template: LINE:COL: msg" at offset pos; -EINVAL. */
int tpl_parse_fail(struct parser *p, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int tpl_parse_oom(struct parser *p);
/* Lex the action that starts at p->pos (after "{{" and any "- ") up to its
 * "}}" into p->tk; p->pos then follows the "}}".  open: where "{{" is. */
int tpl_lex_action(struct parser *p, size_t open);
/* A quoted token ("..", `..` or '..', n bytes with its quotes) -> its text;
 * -EINVAL for a bad escape, -ENOMEM. */
int tpl_unquote(const char *s, size_t n, char **out);

#endif