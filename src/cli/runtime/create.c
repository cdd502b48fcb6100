/* SPDX-License-Identifier: Apache-2.0 */
/* brig-runtime create and run: a container from a bundle. */
#include "cli/runtime/brig-runtime-internal.h"

#include <stdio.h>

static bool parse_uint(const char *s, unsigned *out)
{
	uint64_t v;
	if (!s)
		return true;
	if (brig_parse_u64(s, &v) < 0 || v > 65536)
		return false;
	*out = (unsigned)v;
	return true;
}

static int do_create(const struct rt_global *g, int argc, char **argv, bool run)
{
	struct opt o[] = {
		OPT_VALUE("bundle", 'b', "DIR", "bundle directory (default: current)"),
		OPT_VALUE("pid-file", 0, "FILE", "write the container's pid here"),
		OPT_VALUE("console-socket", 0, "PATH", "unix socket to receive the pty master"),
		OPT_FLAG("no-pivot", 0, "use MS_MOVE+chroot instead of pivot_root"),
		OPT_FLAG("no-new-keyring", 0, "do not create a session keyring"),
		OPT_VALUE("preserve-fds", 0, "N", "pass N extra fds (from 3)"),
		OPT_FLAG("detach", 'd', "run: do not wait for the container"),
		OPT_FLAG("keep", 0, "run: keep the container after it exits"),
		{ 0 },
	};
	char **pos = NULL;
	size_t npos = 0;
	int p = rtcli_parse(run ? "run" : "create", "ID", o, argc, argv, false, &pos, &npos, 1, 1);
	if (p <= 0) {
		free(pos);
		opts_free(o);
		return p < 0 ? 1 : 0;
	}
	struct rt_create_opts co = {
		.id = pos[0],
		.bundle = opts_find(o, "bundle")->value,
		.pid_file = opts_find(o, "pid-file")->value,
		.console_socket = opts_find(o, "console-socket")->value,
		.no_pivot = opts_find(o, "no-pivot")->set,
		.no_new_keyring = opts_find(o, "no-new-keyring")->set,
		.start = run,
		.foreground = run && !opts_find(o, "detach")->set,
		.keep = opts_find(o, "keep")->set,
	};
	_cleanup_err_ struct brig_err e = { 0 };
	int rc;
	if (!parse_uint(opts_find(o, "preserve-fds")->value, &co.preserve_fds)) {
		fprintf(stderr, "brig-runtime: --preserve-fds: not a small number\n");
		rc = 1;
	} else {
		rc = rt_create(g, &co, &e);
		rc = rc < 0 ? rt_fail(&e) : rc;
	}
	free(pos);
	opts_free(o);
	return rc;
}

int rtcmd_create(const struct rt_global *g, int argc, char **argv)
{
	return do_create(g, argc, argv, false);
}

int rtcmd_run(const struct rt_global *g, int argc, char **argv)
{
	return do_create(g, argc, argv, true);
}
