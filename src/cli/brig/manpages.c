/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig help --man DIR: brig(1) and one page per command, brig-run(1),
 * brig-image-ls(1)..., made from the command table and each command's own
 * option table (cli/usage.h), so a page cannot list an option the command
 * does not take.  The build runs it (scripts/gen-pages.sh); `make install`
 * installs the pages.
 */
#include "cli/brig/brig-internal.h"
#include "cli/usage.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct page_call {
	const struct brig_global *g;
	brig_cmd_fn fn;
	char invoked[140];
	const char *summary;
};

static int call_help(void *arg)
{
	struct page_call *c = arg;
	char *help[] = { "--help", NULL };
	opts_set_command(c->invoked, c->summary);
	return c->fn(c->g, 1, help);
}

static FILE *page_open(int dirfd, const char *name, struct brig_err *e)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		brig_err_sys(e, errno, "%s", name);
		return NULL;
	}
	FILE *f = fdopen(fd, "w");
	if (!f) {
		brig_err_sys(e, errno, "%s", name);
		close(fd);
	}
	return f;
}

static int page_close(FILE *f, const char *name, int r, struct brig_err *e)
{
	if (fclose(f) != 0 && r == 0)
		r = -EIO;
	if (r < 0)
		return brig_err_set(e, r, "%s: could not write the page", name);
	return 0;
}

/* brig-WORDS.1 for one command ("run", or "image ls"). */
static int command_page(const struct brig_global *g, int dirfd, const char *words,
			const struct brig_command *c, struct brig_err *e)
{
	struct page_call call = { g, c->fn, "", c->summary };
	char name[200], page[160];
	snprintf(call.invoked, sizeof(call.invoked), "brig %s", words);
	snprintf(page, sizeof(page), "brig-%s", words);
	for (char *p = page; *p; p++)
		if (*p == ' ')
			*p = '-';
	snprintf(name, sizeof(name), "%s.1", page);
	struct cli_usage u;
	int r = cli_usage_capture(call_help, &call, &u, e);
	if (r < 0)
		return r;
	FILE *f = page_open(dirfd, name, e);
	if (!f) {
		cli_usage_clear(&u);
		return -EIO;
	}
	r = cli_man_write(f, page, 1, c->summary, &u, NULL, "brig(1)");
	cli_usage_clear(&u);
	return page_close(f, name, r, e);
}

static void list_roff(FILE *f, const char *prefix, const struct brig_command *table)
{
	for (const struct brig_command *c = table; c->name; c++) {
		if (c->flags & CMD_HIDDEN)
			continue;
		fputs(".TP\n\\fBbrig ", f);
		if (prefix) {
			cli_roff_text(f, prefix);
			fputc(' ', f);
		}
		cli_roff_text(f, c->name);
		fputs("\\fR\n", f);
		cli_roff_text(f, c->summary);
		fputc('\n', f);
		if (c->sub)
			list_roff(f, c->name, c->sub);
	}
}

/* brig-GROUP.1: what the group's subcommands are. */
static int group_page(int dirfd, const struct brig_command *group, struct brig_err *e)
{
	char name[80], page[64];
	snprintf(page, sizeof(page), "brig-%s", group->name);
	snprintf(name, sizeof(name), "%s.1", page);
	FILE *f = page_open(dirfd, name, e);
	if (!f)
		return -EIO;
	char prog[64];
	snprintf(prog, sizeof(prog), "brig %s", group->name);
	struct opt none[] = { { 0 } };
	struct cli_usage u = { .found = true, .prog = prog, .args = "COMMAND", .opts = none };
	int r = cli_man_write(f, page, 1, group->summary, &u, ".SH COMMANDS\n", NULL);
	list_roff(f, group->name, group->sub);
	fputs(".SH SEE ALSO\nbrig(1), and the page of each command above, such as brig\\-", f);
	cli_roff_text(f, group->name);
	fputs("\\-", f);
	cli_roff_text(f, group->sub[0].name);
	fputs("(1)\n", f);
	return page_close(f, name, r, e);
}

static int main_page(int dirfd, struct brig_err *e)
{
	FILE *f = page_open(dirfd, "brig.1", e);
	if (!f)
		return -EIO;
	static const char text[] =
		".SH DESCRIPTION\n"
		"brig runs containers without a daemon, with Docker's commands and flags.\n"
		"Every container gets a user namespace, a seccomp filter, no capabilities\n"
		"beyond Docker's default set, no new privileges and limits, unless a flag\n"
		"says otherwise.  Run \\fBbrig COMMAND \\-\\-help\\fR for a command's options.\n"
		".SH GLOBAL OPTIONS\n"
		".TP\n\\fB\\-\\-root\\fR \\fIDIR\\fR\nthe store root (default /var/lib/brig for "
		"root)\n"
		".TP\n\\fB\\-\\-config\\fR \\fIFILE\\fR\nthe engine configuration (default "
		"/etc/brig/brig.conf; see brig.conf(5))\n"
		".TP\n\\fB\\-\\-storage\\-driver\\fR \\fIoverlay|copy\\fR\nhow container root "
		"filesystems are made\n"
		".SH COMMANDS\n";
	int r = cli_man_write(f, "brig", 1, "a daemonless, secure-by-default container engine",
			      NULL, text, NULL);
	list_roff(f, NULL, brig_command_table());
	fputs(".SH SEE ALSO\nbrig\\-runtime(8), brig.conf(5), and brig\\-COMMAND(1) for each "
	      "command above.\n",
	      f);
	return page_close(f, "brig.1", r, e);
}

static int table_pages(const struct brig_global *g, int dirfd, const char *prefix,
		       const struct brig_command *table, struct brig_err *e)
{
	for (const struct brig_command *c = table; c->name; c++) {
		if (c->flags & CMD_HIDDEN)
			continue;
		char words[128];
		snprintf(words, sizeof(words), "%s%s%s", prefix ? prefix : "", prefix ? " " : "",
			 c->name);
		int r = c->sub ? group_page(dirfd, c, e) : command_page(g, dirfd, words, c, e);
		if (r == 0 && c->sub)
			r = table_pages(g, dirfd, c->name, c->sub, e);
		if (r < 0)
			return r;
	}
	return 0;
}

int brig_write_man_pages(const struct brig_global *g, const char *dir)
{
	_cleanup_err_ struct brig_err e = { 0 };
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		brig_err_sys(&e, errno, "%s", dir);
		return brig_fail(&e);
	}
	int r = main_page(dirfd, &e);
	if (r == 0)
		r = table_pages(g, dirfd, NULL, brig_command_table(), &e);
	close(dirfd);
	return r < 0 ? brig_fail(&e) : 0;
}
