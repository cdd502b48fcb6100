/* SPDX-License-Identifier: Apache-2.0 */
/* brig exec: run a command in a running container. */
#include "cli/brig/brig-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

struct exec_arg {
	struct eng_exec_opts x;
	int status;
};

static int exec_one(struct eng *eng, const char *id, const char *what, void *arg,
		    struct brig_err *e)
{
	(void)what;
	struct exec_arg *a = arg;
	int r = eng_exec(eng, id, &a->x, e);
	if (r >= 0)
		a->status = r;
	return r;
}

int brig_cmd_exec(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = { OPT_FLAG("interactive", 'i', "keep stdin open"),
			   OPT_FLAG("tty", 't', "allocate a terminal"),
			   OPT_FLAG("detach", 'd', "run in the background"),
			   OPT_VALUE("user", 'u', "USER", "user: name|uid[:group|gid]"),
			   OPT_MULTI("env", 'e', "K=V", "set an environment variable"),
			   OPT_VALUE("workdir", 'w', "DIR", "working directory"),
			   { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = opts_parse_cmd("brig exec", "CONTAINER COMMAND [ARG...]", o, argc, argv, true, &pos,
			       &npos, 2, SIZE_MAX);
	if (p <= 0)
		return opts_free(o), p == 0 ? 0 : BRIG_EXIT_FAIL;
	struct exec_arg a = { .x = {
				      .args = pos + 1,
				      .env = (char **)opts_find(o, "env")->list,
				      .n_env = opts_find(o, "env")->n,
				      .user = opts_find(o, "user")->value,
				      .workdir = opts_find(o, "workdir")->value,
				      .tty = opts_find(o, "tty")->set,
				      .interactive = opts_find(o, "interactive")->set,
				      .detach = opts_find(o, "detach")->set,
			      } };
	int rc;
	if (a.x.tty && !isatty(STDIN_FILENO) && !a.x.detach) {
		fputs("brig: exec -t: the input device is not a TTY\n", stderr);
		rc = BRIG_EXIT_FAIL;
	} else {
		rc = brig_for_each_container(g, pos, 1, exec_one, &a);
	}
	opts_free(o);
	return rc ? rc : a.status;
}
