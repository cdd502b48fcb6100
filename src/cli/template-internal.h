/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The template engine's parts (template.h is its interface):
 * template_parse.c turns the text into the tree below, template_eval.c walks
 * it over a JSON value, template_func.c holds the functions and
 * template_fmt.c prints values as Go's fmt does (%v and printf).
 */
#ifndef BRIG_CLI_TEMPLATE_INTERNAL_H
#define BRIG_CLI_TEMPLATE_INTERNAL_H

#include "cli/template.h"

#define TPL_MAX_TEXT (64u << 10) /* template text */
#define TPL_MAX_OUT (16u << 20) /* rendered output */
#define TPL_MAX_DEPTH 32 /* nested blocks and parentheses; nested values */
#define TPL_MAX_ARGS 16 /* arguments of one command */
#define TPL_MAX_VARS 64 /* variables alive at once */

/* ------------------------------------------------------------ the tree */

enum targ_kind {
	A_CONST, /* a string, number, true, false or nil */
	A_FIELD, /* .A.B or . */
	A_VAR, /* $x.A or $ */
	A_FUNC, /* a function's name */
	A_PIPE, /* ( pipeline ), maybe followed by .A.B */
};

struct tpl_pipe;

struct targ {
	enum targ_kind kind;
	size_t pos; /* offset in the text, for messages */
	json_t *value; /* A_CONST */
	char *name; /* A_VAR "$x", A_FUNC "len" */
	char **path; /* member chain after it; NULL-terminated, may be NULL */
	struct tpl_pipe *pipe; /* A_PIPE */
};

struct tpl_cmd {
	struct targ *args;
	size_t n;
};

struct tpl_pipe {
	char *decl[2]; /* $x or $k, $v */
	size_t ndecl;
	bool assign; /* = rather than := */
	struct tpl_cmd *cmds;
	size_t n;
	size_t pos;
};

enum tnode_kind { T_TEXT, T_ACTION, T_IF, T_RANGE, T_WITH, T_BREAK, T_CONTINUE };

struct tnode;

struct tlist {
	struct tnode *v;
	size_t n;
};

struct tnode {
	enum tnode_kind kind;
	size_t pos;
	char *text; /* T_TEXT */
	size_t tlen;
	struct tpl_pipe *pipe; /* the others */
	struct tlist body, alt; /* alt: the else part */
};

struct tpl {
	char *src; /* for positions in run-time messages */
	struct tlist root;
};

void tpl_list_free(struct tlist *l);
/* "LINE:COL" of offset pos in src, into buf. */
void tpl_where(const char *src, size_t pos, char *buf, size_t size);

/* ------------------------------------------------------------ evaluation */

/* A value being computed: j is a reference owned by the holder.  safe is
 * false for anything from the data: its control characters are escaped
 * when it is printed or formatted into a string (termsafe.h). */
struct val {
	json_t *j;
	bool safe;
};

/* A growing output string, bounded by TPL_MAX_OUT. */
struct tbuf {
	char *buf;
	size_t len, cap;
};

struct ev {
	const struct tpl *t;
	struct tbuf out;
	struct brig_err *e;
	struct {
		const char *name;
		json_t *v;
	} vars[TPL_MAX_VARS];
	size_t nvars;
	int depth;
};

/* Fail naming the position: "template: 1:7: <msg>". */
int tpl_fail(struct ev *ev, size_t pos, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

int tbuf_put(struct ev *ev, struct tbuf *b, const char *s, size_t n);
int tbuf_puts(struct ev *ev, struct tbuf *b, const char *s);
/* s, escaped for the terminal unless safe. */
int tbuf_put_text(struct ev *ev, struct tbuf *b, const char *s, size_t n, bool safe);

/* Go's truth: false, 0, nil and empty strings, arrays and objects are false. */
bool tpl_truth(const json_t *v);
/* Go's name for the type of v in fmt's messages: string, int, float64... */
const char *tpl_go_type(const json_t *v);
/* v as Go's %v prints it; null is "<nil>". */
int tpl_print_value(struct ev *ev, struct tbuf *b, const json_t *v, bool safe, int depth);
/* A float as Go's %v prints it (shortest form). */
void tpl_go_float(double d, char *buf, size_t size);
/* The members of an object, sorted (Go prints and ranges maps in order);
 * malloc'ed, NULL when out of memory. */
const char **tpl_sorted_keys(const json_t *obj, size_t *n);
/* printf: format with args, into b; the format's own text is escaped
 * unless fsafe (it came from the data). */
int tpl_printf(struct ev *ev, struct tbuf *b, const char *format, bool fsafe,
	       const struct val *args, size_t n);

typedef int (*tpl_fn)(struct ev *ev, size_t pos, struct val *args, size_t n, struct val *res);

struct tpl_func {
	const char *name;
	tpl_fn fn; /* NULL: and/or, evaluated lazily by template_eval.c */
	int min_args, max_args; /* max -1: any */
};

/* The function called name, or NULL. */
const struct tpl_func *tpl_func_find(const char *name);

#endif
