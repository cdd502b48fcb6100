/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small option parser for brig's command lines.  It accepts both
 * "-flag" and "--flag" for long options (as runc's urfave/cli does),
 * Docker's bundled short options ("-it", "-dit", "-m128m", "-eA=1") where
 * a single-dash word names no long option, pflag's "-d=false" and "-e=A=1",
 * "--flag=value" and "--flag value" ("--rm=false": a boolean is true, false,
 * 1 or 0), single-letter aliases, repeatable
 * options, and "--" to end the options.
 */
#ifndef BRIG_CLI_OPTS_H
#define BRIG_CLI_OPTS_H

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>

enum opt_kind { OPT_BOOL, OPT_STR, OPT_LIST };
/* The type of an option's value, checked by the parser as pflag checks
 * Docker's typed flags: a value that is not of the type is a bad flag (exit
 * 125 on every command).  Ranges and meaning stay the command's to check. */
enum opt_type {
	OPT_T_TEXT, /* any text (the default) */
	OPT_T_INT, /* a whole number, maybe negative */
	OPT_T_DECIMAL, /* a number with an optional fraction (1.5) */
	OPT_T_SIZE, /* a size (512m, 1.5g), or -1 */
};

/* Option tables are written with these, one option a line:
 *   OPT_FLAG("rm", 0, "remove the container when it exits"),
 *   OPT_VALUE("name", 0, "NAME", "the container's name"),
 *   OPT_MULTI("env", 'e', "K=V", "set an environment variable"),
 *   { 0 } */
#define OPT_FLAG(n, a, h)                                                \
	{                                                                \
		.name = (n), .alias = (a), .kind = OPT_BOOL, .help = (h) \
	}
#define OPT_VALUE(n, a, m, h)                                                           \
	{                                                                               \
		.name = (n), .alias = (a), .kind = OPT_STR, .metavar = (m), .help = (h) \
	}
/* OPT_VALUE whose value must be of type t: OPT_TYPED("time", 't', "N", "...", OPT_T_INT) */
#define OPT_TYPED(n, a, m, h, t)                                                         \
	{                                                                                \
		.name = (n), .alias = (a), .kind = OPT_STR, .metavar = (m), .help = (h), \
		.type = (t)                                                              \
	}
#define OPT_MULTI(n, a, m, h)                                                            \
	{                                                                                \
		.name = (n), .alias = (a), .kind = OPT_LIST, .metavar = (m), .help = (h) \
	}

/* opts_parse's answer when --help (or -h) was given. */
#define OPTS_HELP 1

struct opt {
	const char *name; /* long name without dashes */
	char alias; /* single letter, or 0 */
	enum opt_kind kind;
	const char *help;
	const char *metavar;
	enum opt_type type;
	/* filled by opts_parse: */
	bool set;
	const char *value; /* OPT_STR (last given) */
	const char **list; /* OPT_LIST, NULL-terminated */
	size_t n;
};

/*
 * Parse argv[0..argc) (argv[0] is the first word after the command).
 * Options may appear anywhere unless stop_at_positional is set, in which
 * case the first non-option word ends option parsing.  Positional words are
 * stored in *pos (NULL-terminated, allocated) and their count in *npos.
 * Returns 0, OPTS_HELP when help was asked for (parsing stops there), or
 * -1 after printing a one-line error naming the option.
 */
int opts_parse(const char *prog, struct opt *opts, int argc, char **argv, bool stop_at_positional,
	       char ***pos, size_t *npos);
/* opts_parse for a command: prints its --help (returns 0), checks that
 * there are min..max positional words (else a usage line, -1); 1 to go on. */
int opts_parse_cmd(const char *prog, const char *args, struct opt *opts, int argc, char **argv,
		   bool stop_at_positional, char ***pos, size_t *npos, size_t min, size_t max);
/* Why the last opts_parse (or opts_parse_cmd) failed: a bad option
 * (unknown, malformed, without its value), an option of Docker's that brig
 * does not have yet, or the wrong count of words.  The dispatcher picks the
 * exit status by it (Docker's: 125 for a bad option on every command). */
enum opts_error { OPTS_ERR_NONE, OPTS_ERR_OPTION, OPTS_ERR_MISSING, OPTS_ERR_ARGS };
enum opts_error opts_last_error(void);
/* Set by the command dispatcher before it runs a command: the words the
 * user typed for it ("brig container ls"), which opts_parse_cmd's help and
 * errors then name instead of the command's own name ("brig ps"), and the
 * one-line summary its help prints under "Usage:". */
void opts_set_command(const char *invoked, const char *summary);
/*
 * When a hook is set, a command asked for --help hands its usage (the
 * words it was invoked as, its ARGS text and option table) to the hook
 * instead of printing it, and stops as after help.  Completion and the man
 * pages use it to read every command's options from the tables the commands
 * parse with, so no list of options is kept twice.
 */
typedef void (*opts_help_hook)(const char *prog, const char *args, const struct opt *opts,
			       void *arg);
void opts_set_help_hook(opts_help_hook hook, void *arg);
/* Print "Usage: PROG [OPTIONS] ARGS", the summary and the options. */
void opts_help(FILE *out, const char *prog, const char *args, const struct opt *opts);
void opts_free(struct opt *opts);
void opts_usage(FILE *out, const struct opt *opts);
struct opt *opts_find(struct opt *opts, const char *name);

#endif
