/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig-runtime help --man DIR: brig-runtime(8) and a page per verb,
 * brig-runtime-create(8)..., made from the command table and each verb's
 * own option table (cli/usage.h).
 */
#include "cli/runtime/brig-runtime-internal.h"
#include "cli/usage.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct verb_call {
	const struct rt_global *g;
	const struct rtcmd *cmd;
};

static int call_help(void *arg)
{
	struct verb_call *v = arg;
	char invoked[64];
	char *help[] = { "--help", NULL };
	snprintf(invoked, sizeof(invoked), "brig-runtime %s", v->cmd->name);
	opts_set_command(invoked, v->cmd->summary);
	return v->cmd->fn(v->g, 1, help);
}

static int write_page(int dirfd, const char *page, const char *summary, const struct cli_usage *u,
		      const char *extra, const char *see_also, struct brig_err *e)
{
	char name[80];
	snprintf(name, sizeof(name), "%s.8", page);
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return brig_err_sys(e, errno, "%s", name);
	FILE *f = fdopen(fd, "w");
	if (!f) {
		int err = errno;
		close(fd);
		return brig_err_sys(e, err, "%s", name);
	}
	int r = cli_man_write(f, page, 8, summary, u, extra, see_also);
	if (fclose(f) != 0 && r == 0)
		r = -EIO;
	return r < 0 ? brig_err_set(e, r, "%s: could not write the page", name) : 0;
}

static int verb_pages(const struct rt_global *g, int dirfd, struct brig_err *e)
{
	for (const struct rtcmd *c = rt_commands; c->name; c++) {
		if (c->fn == rtcmd_help)
			continue;
		struct verb_call v = { g, c };
		struct cli_usage u;
		char page[64];
		snprintf(page, sizeof(page), "brig-runtime-%s", c->name);
		int r = cli_usage_capture(call_help, &v, &u, e);
		if (r == 0)
			r = write_page(dirfd, page, c->summary, &u, NULL, "brig-runtime(8)", e);
		cli_usage_clear(&u);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The verbs as a roff list, for brig-runtime(8). */
static char *verb_list(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	fputs(".SH DESCRIPTION\nAn OCI runtime with runc's command line: it turns an OCI "
	      "bundle (config.json and a root filesystem) into a confined container process.\n"
	      ".SH COMMANDS\n",
	      f);
	for (const struct rtcmd *c = rt_commands; c->name; c++) {
		fprintf(f, ".TP\n\\fB%s\\fR\n", c->name);
		cli_roff_text(f, c->summary);
		fputc('\n', f);
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

int rt_write_man_pages(const struct rt_global *g, const struct opt *global, const char *dir)
{
	_cleanup_err_ struct brig_err e = { 0 };
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		brig_err_sys(&e, errno, "%s", dir);
		return rt_fail(&e);
	}
	size_t n = 0;
	while (global[n].name)
		n++;
	struct cli_usage u = { .found = true,
			       .prog = "brig-runtime",
			       .args = "COMMAND [OPTIONS] [ARGS]",
			       .opts = (struct opt *)global,
			       .n = n };
	_cleanup_free_ char *verbs = verb_list();
	int r = verbs ? write_page(dirfd, "brig-runtime", "an OCI container runtime", &u, verbs,
				   "brig(1), brig-runtime-COMMAND(8) for each command above", &e)
		      : brig_err_oom(&e);
	if (r == 0)
		r = verb_pages(g, dirfd, &e);
	close(dirfd);
	return r < 0 ? rt_fail(&e) : 0;
}
