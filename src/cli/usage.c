/* SPDX-License-Identifier: Apache-2.0 */
/* A command's usage as data, and man pages written from it. */
#include "cli/usage.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void hook(const char *prog, const char *args, const struct opt *opts, void *arg)
{
	struct cli_usage *u = arg;
	size_t n = 0;
	while (opts && opts[n].name)
		n++;
	u->opts = calloc(n + 1, sizeof(*u->opts));
	u->prog = strdup(prog);
	u->args = strdup(args ? args : "");
	if (!u->opts || !u->prog || !u->args)
		return; /* found stays false; the caller reports ENOMEM */
	for (size_t i = 0; i < n; i++)
		u->opts[i] = (struct opt){ .name = opts[i].name,
					   .alias = opts[i].alias,
					   .kind = opts[i].kind,
					   .help = opts[i].help,
					   .metavar = opts[i].metavar };
	u->n = n;
	u->found = true;
}

/* Point stdout at /dev/null; the saved descriptor in *saved. */
static int silence_stdout(int *saved, struct brig_err *e)
{
	fflush(stdout);
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null < 0)
		return brig_err_sys(e, errno, "/dev/null");
	*saved = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	int r = *saved < 0 ? -1 : dup2(null, STDOUT_FILENO);
	int err = errno;
	close(null);
	if (r < 0) {
		if (*saved >= 0)
			close(*saved);
		return brig_err_sys(e, err, "stdout");
	}
	return 0;
}

int cli_usage_capture(cli_help_call call, void *arg, struct cli_usage *u, struct brig_err *e)
{
	*u = (struct cli_usage){ 0 };
	int saved = -1;
	int r = silence_stdout(&saved, e);
	if (r < 0)
		return r;
	opts_set_help_hook(hook, u);
	(void)call(arg);
	opts_set_help_hook(NULL, NULL);
	fflush(stdout);
	r = dup2(saved, STDOUT_FILENO);
	int err = errno;
	close(saved);
	if (r < 0)
		return brig_err_sys(e, err, "stdout");
	if (!u->found && (u->prog || u->opts)) {
		cli_usage_clear(u);
		return brig_err_oom(e);
	}
	return 0;
}

void cli_usage_clear(struct cli_usage *u)
{
	free(u->prog);
	free(u->args);
	free(u->opts);
	*u = (struct cli_usage){ 0 };
}

const struct opt *cli_usage_option(const struct cli_usage *u, const char *word)
{
	if (!u->found || word[0] != '-')
		return NULL;
	for (size_t i = 0; i < u->n; i++) {
		const struct opt *o = &u->opts[i];
		/* "-name" is accepted as "--name" too, as opts_parse does. */
		const char *w = word[1] == '-' ? word + 2 : word + 1;
		if (!strcmp(w, o->name) || (o->alias && word[1] == o->alias && !word[2]))
			return o;
	}
	return NULL;
}

void cli_roff_text(FILE *out, const char *s)
{
	bool bol = true;
	for (; *s; s++) {
		if (bol && (*s == '.' || *s == '\''))
			fputs("\\&", out);
		bol = *s == '\n';
		if (*s == '\\')
			fputs("\\e", out);
		else if (*s == '-')
			fputs("\\-", out);
		else
			fputc(*s, out);
	}
}

static void man_options(FILE *out, const struct cli_usage *u)
{
	fputs(".SH OPTIONS\n", out);
	for (size_t i = 0; i < u->n; i++) {
		const struct opt *o = &u->opts[i];
		fputs(".TP\n", out);
		if (o->alias)
			fprintf(out, "\\fB\\-%c\\fR, ", o->alias);
		fputs("\\fB\\-\\-", out);
		cli_roff_text(out, o->name);
		fputs("\\fR", out);
		if (o->metavar) {
			fputs(" \\fI", out);
			cli_roff_text(out, o->metavar);
			fputs("\\fR", out);
		}
		fputs(o->kind == OPT_LIST ? " (repeatable)\n" : "\n", out);
		cli_roff_text(out, o->help ? o->help : "");
		fputc('\n', out);
	}
	bool has_help = false;
	for (size_t i = 0; i < u->n; i++)
		has_help |= !strcmp(u->opts[i].name, "help");
	if (!has_help)
		fputs(".TP\n\\fB\\-h\\fR, \\fB\\-\\-help\\fR\nprint the help and exit\n", out);
}

int cli_man_write(FILE *out, const char *page, int section, const char *summary,
		  const struct cli_usage *u, const char *extra_roff, const char *see_also)
{
	fputs(".TH \"", out);
	for (const char *p = page; *p; p++)
		fputc(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p, out);
	fprintf(out, "\" \"%d\" \"\" \"brig %s\" \"brig manual\"\n.SH NAME\n", section,
		BRIG_VERSION);
	cli_roff_text(out, page);
	fputs(" \\- ", out);
	cli_roff_text(out, summary);
	fputs("\n.SH SYNOPSIS\n", out);
	if (u && u->found) {
		fputs("\\fB", out);
		cli_roff_text(out, u->prog);
		fputs("\\fR [\\fIOPTIONS\\fR] ", out);
		cli_roff_text(out, u->args);
		fputc('\n', out);
	} else {
		fputs("\\fB", out);
		cli_roff_text(out, page);
		fputs("\\fR\n", out);
	}
	if (extra_roff)
		fputs(extra_roff, out);
	if (u && u->found)
		man_options(out, u);
	if (see_also) {
		fputs(".SH SEE ALSO\n", out);
		cli_roff_text(out, see_also);
		fputc('\n', out);
	}
	return ferror(out) ? -EIO : 0;
}
