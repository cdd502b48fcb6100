/* SPDX-License-Identifier: Apache-2.0 */
/* A small Go text/template subset over JSON values (see template.h). */
#include "cli/template.h"

#include <string.h>

#define TPL_MAX_TEXT (64u << 10)
#define TPL_MAX_DEPTH 32
#define TPL_MAX_OUT (16u << 20)
#define TPL_MAX_KEYS 8

enum node_kind { N_TEXT, N_PRINT, N_JSON, N_INDEX, N_RANGE };

struct expr {
	char var[32]; /* "" for the dot, else a $variable name */
	char **path; /* member chain, NULL-terminated */
};

struct key {
	bool is_int;
	long long n;
	char *s;
};

struct node {
	enum node_kind kind;
	char *text; /* N_TEXT */
	struct expr x; /* every other kind */
	struct key keys[TPL_MAX_KEYS];
	size_t n_keys; /* N_INDEX */
	char kvar[32], vvar[32]; /* N_RANGE */
	struct node *body; /* N_RANGE */
	size_t n_body;
};

struct tpl {
	struct node *nodes;
	size_t n;
};

struct parser {
	const char *s;
	size_t pos;
	size_t err_pos; /* where the action being parsed starts */
	bool trim_next; /* a -}} asked to trim the next text's leading space */
	struct brig_err *e;
};

static void expr_clear(struct expr *x)
{
	brig_strv_free(x->path);
	x->path = NULL;
}

static void nodes_free(struct node *n, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		free(n[i].text);
		expr_clear(&n[i].x);
		for (size_t k = 0; k < n[i].n_keys; k++)
			free(n[i].keys[k].s);
		nodes_free(n[i].body, n[i].n_body);
	}
	free(n);
}

void tpl_free(struct tpl *t)
{
	if (!t)
		return;
	nodes_free(t->nodes, t->n);
	free(t);
}

static int fail_at(struct parser *p, const char *msg)
{
	int line = 1, col = 1;
	for (size_t i = 0; i < p->err_pos && p->s[i]; i++, col++)
		if (p->s[i] == '\n') {
			line++;
			col = 0;
		}
	return brig_err_set(p->e, -EINVAL, "template: %d:%d: %s", line, col, msg);
}

static struct node *push(struct node **list, size_t *n)
{
	struct node *nl = realloc(*list, (*n + 1) * sizeof(**list));
	if (!nl)
		return NULL;
	*list = nl;
	memset(&nl[*n], 0, sizeof(nl[*n]));
	return &nl[(*n)++];
}

/* ".A.B", ".", "$v", "$v.A" -> expr; w is one word. */
static int parse_expr(struct parser *p, const char *w, struct expr *x)
{
	memset(x, 0, sizeof(*x));
	const char *rest = w;
	if (w[0] == '$') {
		size_t n = strcspn(w, ".");
		if (n < 2 || n >= sizeof(x->var))
			return fail_at(p, "bad variable name");
		memcpy(x->var, w, n);
		rest = w + n;
	} else if (w[0] != '.') {
		return fail_at(p, "expected .Field, . or $variable");
	}
	size_t count = 0;
	for (const char *c = rest; *c; c++)
		count += *c == '.';
	x->path = calloc(count + 1, sizeof(char *));
	if (!x->path)
		return brig_err_set(p->e, -ENOMEM, "out of memory");
	size_t i = 0;
	while (*rest == '.') {
		rest++;
		size_t n = strcspn(rest, ".");
		if (n == 0) {
			if (*rest == '\0' && i == 0 && !x->var[0])
				break; /* just "." */
			return fail_at(p, "empty field name");
		}
		if (!(x->path[i++] = strndup(rest, n)))
			return brig_err_set(p->e, -ENOMEM, "out of memory");
		rest += n;
	}
	if (*rest)
		return fail_at(p, "bad field reference");
	return 0;
}

/* Split an action into words, keeping "quoted strings" whole. */
static int split_words(struct parser *p, char *a, char **w, size_t max, size_t *n)
{
	*n = 0;
	while (*a) {
		a += strspn(a, " \t\n");
		if (!*a)
			break;
		if (*n == max)
			return fail_at(p, "too many words in action");
		w[(*n)++] = a;
		if (*a == '"') {
			char *end = a + 1;
			while (*end && *end != '"')
				end += *end == '\\' && end[1] ? 2 : 1;
			if (*end != '"')
				return fail_at(p, "unterminated string");
			a = end + 1;
		} else {
			a += strcspn(a, " \t\n");
		}
		if (*a)
			*a++ = '\0';
	}
	return 0;
}

static int parse_key(struct parser *p, const char *w, struct key *k)
{
	memset(k, 0, sizeof(*k));
	if (w[0] == '"') {
		size_t len = strlen(w);
		if (!(k->s = malloc(len)))
			return brig_err_set(p->e, -ENOMEM, "out of memory");
		size_t o = 0;
		for (size_t i = 1; i + 1 < len; i++) {
			if (w[i] == '\\' && i + 2 < len)
				i++;
			k->s[o++] = w[i];
		}
		k->s[o] = '\0';
		return 0;
	}
	int64_t v;
	if (brig_parse_i64(w, &v) < 0)
		return fail_at(p, "index takes a \"string\" or an integer");
	k->is_int = true;
	k->n = v;
	return 0;
}

static int parse_range(struct parser *p, char **w, size_t n, struct node *nd)
{
	nd->kind = N_RANGE;
	size_t at = 1;
	if (n >= 4 && strcmp(w[n - 2], ":=") == 0) {
		if (n == 5) { /* range $k, $v := X */
			size_t kl = strlen(w[1]);
			if (kl < 3 || w[1][kl - 1] != ',' || w[1][0] != '$' ||
			    kl > sizeof(nd->kvar))
				return fail_at(p, "expected range $k, $v := ...");
			memcpy(nd->kvar, w[1], kl - 1);
			at = 2;
		} else if (n != 4) {
			return fail_at(p, "bad range declaration");
		}
		if (w[at][0] != '$' || strlen(w[at]) >= sizeof(nd->vvar))
			return fail_at(p, "bad range variable");
		memcpy(nd->vvar, w[at], strlen(w[at]) + 1);
		at = n - 1;
	} else if (n != 2) {
		return fail_at(p, "range takes one value");
	}
	return parse_expr(p, w[at], &nd->x);
}

static int parse_list(struct parser *p, struct node **list, size_t *n, int depth, bool *saw_end);

/* One {{action}}; the text between the braces is in a (modifiable). */
static int parse_action(struct parser *p, char *a, struct node **list, size_t *n, int depth,
			bool *end)
{
	char *w[4 + TPL_MAX_KEYS];
	size_t nw = 0;
	int r = split_words(p, a, w, BRIG_ARRAY_SIZE(w), &nw);
	if (r < 0)
		return r;
	if (nw == 0)
		return fail_at(p, "empty action");
	if (strcmp(w[0], "end") == 0 && nw == 1) {
		*end = true;
		return 0;
	}
	struct node *nd = push(list, n);
	if (!nd)
		return brig_err_set(p->e, -ENOMEM, "out of memory");
	if (strcmp(w[0], "range") == 0) {
		if (depth >= TPL_MAX_DEPTH)
			return fail_at(p, "nested too deep");
		bool saw_end = false;
		if ((r = parse_range(p, w, nw, nd)) < 0 ||
		    (r = parse_list(p, &nd->body, &nd->n_body, depth + 1, &saw_end)) < 0)
			return r;
		return saw_end ? 0 : fail_at(p, "range without end");
	}
	if (strcmp(w[0], "json") == 0 && nw == 2) {
		nd->kind = N_JSON;
		return parse_expr(p, w[1], &nd->x);
	}
	if (strcmp(w[0], "index") == 0 && nw >= 3) {
		nd->kind = N_INDEX;
		if (nw - 2 > TPL_MAX_KEYS)
			return fail_at(p, "index takes at most 8 keys");
		for (size_t i = 2; i < nw; i++)
			if ((r = parse_key(p, w[i], &nd->keys[nd->n_keys++])) < 0)
				return r;
		return parse_expr(p, w[1], &nd->x);
	}
	if (nw != 1)
		return fail_at(p, "unknown function (json, index and range are supported)");
	nd->kind = N_PRINT;
	return parse_expr(p, w[0], &nd->x);
}

static int add_text(struct parser *p, const char *t, size_t len, struct node **list, size_t *n)
{
	if (p->trim_next) {
		while (len && strchr(" \t\n\r", *t)) {
			t++;
			len--;
		}
		p->trim_next = false;
	}
	if (!len)
		return 0;
	struct node *nd = push(list, n);
	if (!nd || !(nd->text = strndup(t, len)))
		return brig_err_set(p->e, -ENOMEM, "out of memory");
	nd->kind = N_TEXT;
	return 0;
}

static int parse_list(struct parser *p, struct node **list, size_t *n, int depth, bool *saw_end)
{
	for (;;) {
		const char *open = strstr(p->s + p->pos, "{{");
		size_t tlen = open ? (size_t)(open - (p->s + p->pos)) : strlen(p->s + p->pos);
		bool trim_prev = open && open[2] == '-' && (open[3] == ' ' || open[3] == '\t');
		size_t keep = tlen;
		while (trim_prev && keep && strchr(" \t\n\r", p->s[p->pos + keep - 1]))
			keep--;
		int r = add_text(p, p->s + p->pos, keep, list, n);
		if (r < 0 || !open)
			return r;
		p->pos += tlen;
		p->err_pos = p->pos;
		const char *close = strstr(open + 2, "}}");
		if (!close)
			return fail_at(p, "unclosed action");
		const char *b = open + 2 + (trim_prev ? 1 : 0);
		const char *eend = close;
		bool trim_after = close - b >= 2 && close[-1] == '-' &&
			(close[-2] == ' ' || close[-2] == '\t');
		if (trim_after)
			eend--;
		_cleanup_free_ char *a = strndup(b, (size_t)(eend - b));
		if (!a)
			return brig_err_set(p->e, -ENOMEM, "out of memory");
		bool end = false;
		p->err_pos = p->pos; /* messages point at this action */
		p->pos = (size_t)(close + 2 - p->s);
		p->trim_next = trim_after;
		r = parse_action(p, a, list, n, depth, &end);
		if (r < 0)
			return r;
		if (end) {
			if (depth == 0)
				return fail_at(p, "end without range");
			*saw_end = true;
			return 0;
		}
	}
}

int tpl_parse(const char *text, struct tpl **out, struct brig_err *e)
{
	if (strlen(text) > TPL_MAX_TEXT)
		return brig_err_set(e, -E2BIG, "template: longer than %u bytes", TPL_MAX_TEXT);
	struct tpl *t = calloc(1, sizeof(*t));
	if (!t)
		return brig_err_set(e, -ENOMEM, "out of memory");
	struct parser p = { .s = text, .e = e };
	bool end = false;
	int r = parse_list(&p, &t->nodes, &t->n, 0, &end);
	if (r < 0) {
		tpl_free(t);
		return r;
	}
	*out = t;
	return 0;
}

/* ---------------------------------------------------------------- render */

struct scope {
	const struct scope *up;
	const char *kvar, *vvar;
	json_t *kval;
	const json_t *vval;
	const json_t *dot;
};

struct out {
	char *buf;
	size_t len, cap;
	struct brig_err *e;
};

static int put(struct out *o, const char *s, size_t n)
{
	if (o->len + n + 1 > TPL_MAX_OUT)
		return brig_err_set(o->e, -E2BIG, "template: output larger than %u bytes",
				    TPL_MAX_OUT);
	if (o->len + n + 1 > o->cap) {
		size_t cap = (o->len + n + 1) * 2;
		char *b = realloc(o->buf, cap);
		if (!b)
			return brig_err_set(o->e, -ENOMEM, "out of memory");
		o->buf = b;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
	return 0;
}

static int puts_(struct out *o, const char *s)
{
	return put(o, s, strlen(s));
}

/* A value from the data: its control characters escaped (termsafe.c), so
 * a label or command cannot drive the reader's terminal or forge a line. */
static int put_value(struct out *o, const char *s, size_t n)
{
	if (brig_term_safe(s, n))
		return put(o, s, n);
	_cleanup_free_ char *safe = brig_term_escape(s, n);
	return safe ? puts_(o, safe) : brig_err_set(o->e, -ENOMEM, "out of memory");
}

static int cmp_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The members of an object, sorted (Go prints and ranges maps in order). */
static const char **sorted_keys(const json_t *obj, size_t *n)
{
	*n = json_object_size(obj);
	const char **k = calloc(*n ? *n : 1, sizeof(char *));
	if (!k)
		return NULL;
	size_t i = 0;
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)obj, key, v) k[i++] = key;
	qsort(k, *n, sizeof(char *), cmp_keys);
	return k;
}

static int print_value(struct out *o, const json_t *v, int depth)
{
	char num[64];
	if (depth > TPL_MAX_DEPTH)
		return brig_err_set(o->e, -ELOOP, "template: value nested too deep");
	switch (json_typeof(v)) {
	case JSON_STRING:
		return put_value(o, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		return puts_(o, num);
	case JSON_REAL:
		snprintf(num, sizeof(num), "%g", json_real_value(v));
		return puts_(o, num);
	case JSON_TRUE:
		return puts_(o, "true");
	case JSON_FALSE:
		return puts_(o, "false");
	case JSON_NULL:
		return puts_(o, "<no value>");
	case JSON_ARRAY: {
		int r = puts_(o, "[");
		for (size_t i = 0; r == 0 && i < json_array_size(v); i++)
			if ((r = i ? puts_(o, " ") : 0) == 0)
				r = print_value(o, json_array_get(v, i), depth + 1);
		return r ? r : puts_(o, "]");
	}
	case JSON_OBJECT: {
		size_t n;
		_cleanup_free_ const char **k = sorted_keys(v, &n);
		if (!k)
			return brig_err_set(o->e, -ENOMEM, "out of memory");
		int r = puts_(o, "map[");
		for (size_t i = 0; r == 0 && i < n; i++) {
			if ((r = i ? puts_(o, " ") : 0) == 0 &&
			    (r = put_value(o, k[i], strlen(k[i]))) == 0 && (r = puts_(o, ":")) == 0)
				r = print_value(o, json_object_get(v, k[i]), depth + 1);
		}
		return r ? r : puts_(o, "]");
	}
	}
	return 0;
}

static int eval_expr(struct out *o, const struct scope *sc, const struct expr *x,
		     const json_t **res)
{
	const json_t *v = sc->dot;
	if (x->var[0]) {
		const struct scope *s = sc;
		for (; s; s = s->up) {
			if (s->vvar && strcmp(s->vvar, x->var) == 0) {
				v = s->vval;
				break;
			}
			if (s->kvar && strcmp(s->kvar, x->var) == 0) {
				v = s->kval;
				break;
			}
		}
		if (!s)
			return brig_err_set(o->e, -EINVAL, "template: undefined variable %s",
					    x->var);
	}
	char chain[512] = "";
	for (char **f = x->path; f && *f; f++) {
		size_t l = strlen(chain);
		snprintf(chain + l, sizeof(chain) - l, ".%s", *f);
		if (!json_is_object(v))
			return brig_err_set(o->e, -EINVAL,
					    "template: can't evaluate field %s in %s%s", *f,
					    v ? bj_type_name(v) : "nothing", x->var);
		v = json_object_get(v, *f);
		if (!v)
			return brig_err_set(o->e, -ENOENT, "template: no field %s in %s%s", *f,
					    x->var[0] ? x->var : "", chain);
	}
	*res = v;
	return 0;
}

static int render_list(struct out *o, const struct node *n, size_t count, const struct scope *sc);

static int render_index(struct out *o, const struct node *nd, const json_t *v)
{
	for (size_t i = 0; i < nd->n_keys && v; i++) {
		const struct key *k = &nd->keys[i];
		if (k->is_int && json_is_array(v)) {
			if (k->n < 0 || (size_t)k->n >= json_array_size(v))
				return brig_err_set(o->e, -ERANGE,
						    "template: index %lld out of range", k->n);
			v = json_array_get(v, (size_t)k->n);
		} else if (!k->is_int && json_is_object(v)) {
			v = json_object_get(v, k->s);
		} else if (json_is_null(v)) {
			v = NULL;
		} else {
			return brig_err_set(o->e, -EINVAL, "template: can't index %s with %s",
					    bj_type_name(v), k->is_int ? "an integer" : "a string");
		}
	}
	/* A missing key is the map's zero value, as in Go: nothing printed. */
	return v ? print_value(o, v, 0) : 0;
}

static int render_range(struct out *o, const struct node *nd, const json_t *v,
			const struct scope *sc)
{
	struct scope in = { .up = sc,
			    .kvar = nd->kvar[0] ? nd->kvar : NULL,
			    .vvar = nd->vvar[0] ? nd->vvar : NULL };
	int r = 0;
	if (json_is_array(v)) {
		for (size_t i = 0; r == 0 && i < json_array_size(v); i++) {
			in.dot = in.vval = json_array_get(v, i);
			in.kval = json_integer((json_int_t)i);
			r = render_list(o, nd->body, nd->n_body, &in);
			json_decref(in.kval);
		}
		return r;
	}
	if (json_is_object(v)) {
		size_t n;
		_cleanup_free_ const char **k = sorted_keys(v, &n);
		if (!k)
			return brig_err_set(o->e, -ENOMEM, "out of memory");
		for (size_t i = 0; r == 0 && i < n; i++) {
			in.dot = in.vval = json_object_get(v, k[i]);
			in.kval = json_string(k[i]);
			r = render_list(o, nd->body, nd->n_body, &in);
			json_decref(in.kval);
		}
		return r;
	}
	if (json_is_null(v))
		return 0;
	return brig_err_set(o->e, -EINVAL, "template: range can't iterate over %s",
			    bj_type_name(v));
}

static int render_list(struct out *o, const struct node *n, size_t count, const struct scope *sc)
{
	for (size_t i = 0; i < count; i++) {
		const struct node *nd = &n[i];
		const json_t *v = NULL;
		int r = nd->kind == N_TEXT ? puts_(o, nd->text) : eval_expr(o, sc, &nd->x, &v);
		if (r < 0)
			return r;
		if (nd->kind == N_PRINT) {
			r = print_value(o, v, 0);
		} else if (nd->kind == N_JSON) {
			_cleanup_free_ char *j = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
			/* the same JSON, with DEL and C1 as \u escapes */
			_cleanup_free_ char *safe = j ? brig_term_escape_json(j, strlen(j)) : NULL;
			r = safe ? puts_(o, safe) : brig_err_set(o->e, -ENOMEM, "out of memory");
		} else if (nd->kind == N_INDEX) {
			r = render_index(o, nd, v);
		} else if (nd->kind == N_RANGE) {
			r = render_range(o, nd, v, sc);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

int tpl_render(const struct tpl *t, const json_t *v, char **out, struct brig_err *e)
{
	struct out o = { .e = e };
	struct scope sc = { .dot = v };
	int r = puts_(&o, "");
	if (r == 0)
		r = render_list(&o, t->nodes, t->n, &sc);
	if (r < 0) {
		free(o.buf);
		return r;
	}
	*out = o.buf;
	return 0;
}
