/* SPDX-License-Identifier: Apache-2.0 */
/* Option parsing shared by brig and brig-runtime. */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/opts.h"

#include "common/common.h"

#include "cli/docker_missing.h"

struct opt *opts_find(struct opt *opts, const char *name)
{
	for (struct opt *o = opts; o && o->name; o++)
		if (strcmp(o->name, name) == 0)
			return o;
	return NULL;
}

static struct opt *find_long(struct opt *opts, const char *name, size_t len)
{
	for (struct opt *o = opts; o->name; o++)
		if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
			return o;
	if (len == 1)
		for (struct opt *o = opts; o->name; o++)
			if (o->alias == name[0])
				return o;
	return NULL;
}

/* Whether v is a value of o's type (see enum opt_type). */
static bool typed_ok(const struct opt *o, const char *v)
{
	int64_t i;
	struct brig_err e = { 0 };
	char *end = NULL;
	bool ok = true;
	switch (o->type) {
	case OPT_T_TEXT:
		break;
	case OPT_T_INT:
		ok = brig_parse_i64(v, &i) == 0;
		break;
	case OPT_T_DECIMAL:
		errno = 0;
		(void)strtod(v, &end);
		ok = *v && !isspace((unsigned char)*v) && end && *end == '\0' && errno == 0;
		break;
	case OPT_T_SIZE:
		ok = strcmp(v, "-1") == 0 || brig_parse_size(v, &i, &e) == 0;
		brig_err_clear(&e);
		break;
	}
	return ok;
}

static int store(const char *prog, struct opt *o, const char *value)
{
	if (!typed_ok(o, value)) {
		static const char *const what[] = { [OPT_T_INT] = "a whole number",
						    [OPT_T_DECIMAL] = "a number",
						    [OPT_T_SIZE] = "a size (512m, 1g)" };
		fprintf(stderr, "%s: invalid value \"%.64s\" for option --%s: not %s\n", prog,
			value, o->name, what[o->type]);
		return -1;
	}
	o->set = true;
	if (o->kind == OPT_STR) {
		o->value = value;
		return 0;
	}
	if (o->kind == OPT_LIST) {
		const char **l = realloc(o->list, (o->n + 2) * sizeof(char *));
		if (!l) {
			fprintf(stderr, "%s: out of memory\n", prog);
			return -1;
		}
		o->list = l;
		l[o->n++] = value;
		l[o->n] = NULL;
	}
	return 0;
}

static bool bool_value(const char *v, bool *out)
{
	if (!v || strcmp(v, "true") == 0 || strcmp(v, "1") == 0) {
		*out = true;
		return true;
	}
	if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0) {
		*out = false;
		return true;
	}
	return false;
}

static const char *summary_text;
static char invoked_name[128];
static enum opts_error last_error;

enum opts_error opts_last_error(void)
{
	return last_error;
}

void opts_set_command(const char *invoked, const char *summary)
{
	summary_text = summary;
	invoked_name[0] = '\0';
	if (invoked && strlen(invoked) < sizeof(invoked_name))
		memcpy(invoked_name, invoked, strlen(invoked) + 1);
}

static bool declares(const struct opt *opts, const char *name, char alias)
{
	for (const struct opt *o = opts; o && o->name; o++)
		if (strcmp(o->name, name) == 0 || (alias && o->alias == alias))
			return true;
	return false;
}

/* --help, or -h where the table gives the letter no other meaning, and the
 * table declares no "help" option of its own. */
static bool is_help(const struct opt *opts, const char *w)
{
	if (declares(opts, "help", 0))
		return false;
	if (strcmp(w, "--help") == 0)
		return true;
	return strcmp(w, "-h") == 0 && !declares(opts, "h", 'h');
}

static struct opt *find_alias(struct opt *opts, char c)
{
	for (struct opt *o = opts; o->name; o++)
		if (o->alias && o->alias == c)
			return o;
	return NULL;
}

/*
 * Docker's bundled short options: "-it" is -i -t, "-dit" -d -i -t, and a
 * letter that takes a value takes the rest of the word ("-m128m",
 * "-eA=1") or, at the end of the word, the next word ("-it -e" ...).
 * Used for a single-dash word that names no long option (runc's "-bundle"
 * style still wins).  0, or -1 after a message.
 */
static int short_bundle(const char *prog, struct opt *opts, int argc, char **argv, int *i)
{
	const char *w = argv[*i];
	for (const char *p = w + 1; *p; p++) {
		struct opt *o = find_alias(opts, *p);
		if (!o) {
			if (docker_missing_option_say(prog, p, 1))
				last_error = OPTS_ERR_MISSING;
			else
				fprintf(stderr, "%s: unknown option -%c in %s\n", prog, *p, w);
			return -1;
		}
		/* "-d=false", "-e=A=1": pflag's "-f=value" takes the rest. */
		const char *eq = p[1] == '=' ? p + 2 : NULL;
		if (o->kind == OPT_BOOL) {
			bool b = true;
			if (eq && !bool_value(eq, &b)) {
				fprintf(stderr, "%s: option -%c takes true or false, not \"%s\"\n",
					prog, *p, eq);
				return -1;
			}
			o->set = b;
			o->value = b ? "true" : "false";
			if (eq)
				return 0;
			continue;
		}
		const char *v = eq ? eq : p[1] ? p + 1 : NULL;
		if (!v) {
			if (*i + 1 >= argc) {
				fprintf(stderr, "%s: option -%c needs a value\n", prog, *p);
				return -1;
			}
			v = argv[++*i];
		}
		return store(prog, o, v);
	}
	return 0;
}

/* Edit distance (insertions, deletions, substitutions, swaps of neighbours)
 * between a and the first blen bytes of b, for names of options. */
static size_t distance(const char *a, const char *b, size_t blen)
{
	size_t alen = strlen(a);
	if (alen > 63 || blen > 63)
		return SIZE_MAX;
	size_t d[64][64];
	for (size_t i = 0; i <= alen; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= blen; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= alen; i++)
		for (size_t j = 1; j <= blen; j++) {
			size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	return d[alen][blen];
}

/* "unknown option --rn (did you mean --rm?)": the closest declared long
 * name within two edits (one for short names). */
static void unknown_option(const char *prog, const struct opt *opts, const char *w,
			   const char *name, size_t len)
{
	if (docker_missing_option_say(prog, name, len)) {
		last_error = OPTS_ERR_MISSING;
		return;
	}
	const struct opt *best = NULL;
	size_t bestd = len <= 3 ? 1 : 2;
	for (const struct opt *o = opts; o->name; o++) {
		size_t d = distance(o->name, name, len);
		if (d <= bestd && (!best || d < bestd)) {
			best = o;
			bestd = d;
		}
	}
	int shown = (int)(len + (size_t)(name - w));
	if (best)
		fprintf(stderr, "%s: unknown option %.*s (did you mean --%s?)\n", prog, shown, w,
			best->name);
	else
		fprintf(stderr, "%s: unknown option %.*s\n", prog, shown, w);
}

/* One option word at argv[*i]; may consume the next word as its value. */
static int one_option(const char *prog, struct opt *opts, int argc, char **argv, int *i)
{
	const char *w = argv[*i];
	if (is_help(opts, w))
		return OPTS_HELP;
	const char *name = w + (w[1] == '-' ? 2 : 1);
	const char *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	struct opt *o = find_long(opts, name, len);
	if (!o && w[1] != '-' && strlen(name) > 1 && find_alias(opts, name[0]))
		return short_bundle(prog, opts, argc, argv, i);
	if (!o) {
		unknown_option(prog, opts, w, name, len);
		return -1;
	}
	if (o->kind == OPT_BOOL) {
		bool b;
		if (!bool_value(eq ? eq + 1 : NULL, &b)) {
			fprintf(stderr, "%s: option --%s takes true or false, not \"%s\"\n", prog,
				o->name, eq + 1);
			return -1;
		}
		o->set = b;
		o->value = b ? "true" : "false";
		return 0;
	}
	const char *v = eq ? eq + 1 : NULL;
	if (!v) {
		if (*i + 1 >= argc) {
			fprintf(stderr, "%s: option --%s needs a value\n", prog, o->name);
			return -1;
		}
		v = argv[++*i];
	}
	return store(prog, o, v);
}

int opts_parse(const char *prog, struct opt *opts, int argc, char **argv, bool stop_at_positional,
	       char ***pos, size_t *npos)
{
	char **p = calloc((size_t)argc + 1, sizeof(char *));
	size_t n = 0;
	if (!p) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return -1;
	}
	bool opts_done = false;
	last_error = OPTS_ERR_NONE;
	for (int i = 0; i < argc; i++) {
		const char *w = argv[i];
		if (!opts_done && strcmp(w, "--") == 0) {
			opts_done = true;
			continue;
		}
		if (!opts_done && w[0] == '-' && w[1] != '\0') {
			int r = one_option(prog, opts, argc, argv, &i);
			if (r < 0 && last_error == OPTS_ERR_NONE)
				last_error = OPTS_ERR_OPTION;
			if (r != 0) {
				free(p);
				return r;
			}
			continue;
		}
		p[n++] = argv[i];
		if (stop_at_positional)
			opts_done = true;
	}
	*pos = p;
	*npos = n;
	return 0;
}

void opts_free(struct opt *opts)
{
	for (struct opt *o = opts; o && o->name; o++) {
		free(o->list);
		o->list = NULL;
	}
}

void opts_usage(FILE *out, const struct opt *opts)
{
	for (const struct opt *o = opts; o && o->name; o++) {
		char left[64];
		if (o->alias)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->alias, o->name,
				 o->metavar ? " " : "", o->metavar ? o->metavar : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->metavar ? " " : "",
				 o->metavar ? o->metavar : "");
		fprintf(out, "  %-30s %s\n", left, o->help ? o->help : "");
	}
}

void opts_help(FILE *out, const char *prog, const char *args, const struct opt *opts)
{
	fprintf(out, "Usage: %s [OPTIONS]%s%s\n", prog, args && *args ? " " : "", args ? args : "");
	if (summary_text)
		fprintf(out, "\n%s\n", summary_text);
	fputs("\nOptions:\n", out);
	opts_usage(out, opts);
	if (!declares(opts, "help", 0))
		fprintf(out, "  %-30s %s\n", declares(opts, "h", 'h') ? "    --help" : "-h, --help",
			"print this help and exit");
}

static opts_help_hook help_hook;
static void *help_hook_arg;

void opts_set_help_hook(opts_help_hook hook, void *arg)
{
	help_hook = hook;
	help_hook_arg = arg;
}

int opts_parse_cmd(const char *prog, const char *args, struct opt *opts, int argc, char **argv,
		   bool stop_at_positional, char ***pos, size_t *npos, size_t min, size_t max)
{
	*pos = NULL;
	*npos = 0;
	if (invoked_name[0])
		prog = invoked_name;
	int r = opts_parse(prog, opts, argc, argv, stop_at_positional, pos, npos);
	if (r < 0)
		return -1;
	struct opt *help = opts_find(opts, "help");
	if (r == OPTS_HELP || (help && help->set)) {
		if (help_hook)
			help_hook(prog, args, opts, help_hook_arg);
		else
			opts_help(stdout, prog, args, opts);
		return 0;
	}
	if (*npos < min || *npos > max) {
		fprintf(stderr, "%s: expected %s; see '%s --help'\n", prog, args, prog);
		last_error = OPTS_ERR_ARGS;
		return -1;
	}
	return 1;
}
