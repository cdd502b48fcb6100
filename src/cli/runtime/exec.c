/* SPDX-License-Identifier: Apache-2.0 */
/* brig-runtime exec: another process in a running container. */
#include "cli/runtime/brig-runtime-internal.h"

#include <stdio.h>
#include <stdlib.h>

/* The parsed options as rt_exec's (pos: the ID, then the command). */
static struct rt_exec_opts exec_opts(struct opt *o, char **pos)
{
	return (struct rt_exec_opts){
		.id = pos[0],
		.process_file = opts_find(o, "process")->value,
		.args = pos + 1,
		.env = (char **)opts_find(o, "env")->list,
		.cwd = opts_find(o, "cwd")->value,
		.user = opts_find(o, "user")->value,
		.caps = (char **)opts_find(o, "cap")->list,
		.additional_gids = (char **)opts_find(o, "additional-gids")->list,
		.tty = opts_find(o, "tty")->set,
		.detach = opts_find(o, "detach")->set,
		.no_new_privs = opts_find(o, "no-new-privs")->set,
		.no_new_privs_set = opts_find(o, "no-new-privs")->value != NULL,
		.console_socket = opts_find(o, "console-socket")->value,
		.pid_file = opts_find(o, "pid-file")->value,
		.apparmor = opts_find(o, "apparmor")->value,
		.process_label = opts_find(o, "process-label")->value,
	};
}

int rtcmd_exec(const struct rt_global *g, int argc, char **argv)
{
	struct opt o[] = {
		OPT_VALUE("process", 'p', "FILE", "a process.json to run"),
		OPT_FLAG("detach", 'd', "do not wait for the process"),
		OPT_FLAG("tty", 't', "allocate a pty (needs --console-socket)"),
		OPT_VALUE("console-socket", 0, "PATH", "unix socket to receive the pty master"),
		OPT_VALUE("pid-file", 0, "FILE", "write the process's pid here"),
		OPT_VALUE("cwd", 0, "DIR", "working directory in the container"),
		OPT_MULTI("env", 'e', "K=V", "set an environment variable"),
		OPT_VALUE("user", 'u', "USER", "UID[:GID]"),
		OPT_MULTI("additional-gids", 'g', "GID", "an additional group id"),
		OPT_MULTI("cap", 'c', "CAP", "add a capability"),
		OPT_FLAG("no-new-privs", 0, "set no_new_privs"),
		OPT_VALUE("apparmor", 0, "PROFILE", "AppArmor profile"),
		OPT_VALUE("process-label", 0, "LABEL", "SELinux label"),
		OPT_VALUE("preserve-fds", 0, "N", "pass N extra fds (from 3)"),
		OPT_FLAG("ignore-paused", 0, "accepted for compatibility"),
		{ 0 },
	};
	char **pos = NULL;
	size_t npos = 0;
	int rc = 1;
	_cleanup_err_ struct brig_err e = { 0 };
	int p = rtcli_parse("exec", "ID [COMMAND [ARGS...]]", o, argc, argv, true, &pos, &npos, 1,
			    SIZE_MAX);
	if (p <= 0) {
		rc = p < 0 ? 1 : 0;
		goto out;
	}
	if (npos < 2 && !opts_find(o, "process")->value) {
		fprintf(stderr, "brig-runtime exec: expected ID and a command or --process\n");
		goto out;
	}
	struct rt_exec_opts x = exec_opts(o, pos);
	const char *pf = opts_find(o, "preserve-fds")->value;
	uint64_t n = 0;
	if (pf && (brig_parse_u64(pf, &n) < 0 || n > 65536)) {
		fprintf(stderr, "brig-runtime exec: --preserve-fds: not a small number\n");
		goto out;
	}
	x.preserve_fds = (unsigned)n;
	int r = rt_exec(g, &x, &e);
	rc = r < 0 ? rt_fail(&e) : r;
out:
	free(pos);
	opts_free(o);
	return rc;
}
