/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A command's usage as data: its invoked words, ARGS text and option table,
 * read by calling the command with --help while opts' help hook is set (see
 * opts_set_help_hook).  Shell completion and the man pages are made from it,
 * so they can never list an option the command does not parse.
 */
#ifndef BRIG_CLI_USAGE_H
#define BRIG_CLI_USAGE_H

#include <stdbool.h>
#include <stdio.h>

#include "cli/opts.h"
#include "common/common.h"

struct cli_usage {
	bool found; /* the command went through opts_parse_cmd's --help */
	char *prog; /* "brig run" */
	char *args; /* "IMAGE [COMMAND [ARG...]]" */
	struct opt *opts; /* copies of the table's entries, { 0 }-terminated */
	size_t n;
};

/* Runs the command with --help (its stdout sent to /dev/null meanwhile). */
typedef int (*cli_help_call)(void *arg);

/* Fill u from what call's command hands to the help hook.  A command whose
 * help does not go through opts_parse_cmd leaves u->found false. */
int cli_usage_capture(cli_help_call call, void *arg, struct cli_usage *u, struct brig_err *e);
void cli_usage_clear(struct cli_usage *u);
/* The option of u that "--NAME" or "-A" names, or NULL. */
const struct opt *cli_usage_option(const struct cli_usage *u, const char *word);

/* A man page in roff: NAME (page - summary), SYNOPSIS, extra_roff (already
 * roff, may be NULL), OPTIONS from u (when found), then SEE ALSO. */
int cli_man_write(FILE *out, const char *page, int section, const char *summary,
		  const struct cli_usage *u, const char *extra_roff, const char *see_also);
/* Write s to out escaped for roff text (backslashes, leading dots). */
void cli_roff_text(FILE *out, const char *s);

#endif
