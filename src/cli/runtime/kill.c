/* SPDX-License-Identifier: Apache-2.0 */
/* brig-runtime kill: send a signal to a container. */
#include "cli/runtime/brig-runtime-internal.h"

#include <signal.h>
#include <stdio.h>

int rtcmd_kill(const struct rt_global *g, int argc, char **argv)
{
	struct opt o[] = { OPT_FLAG("all", 'a', "signal every process of the container"), { 0 } };
	char **pos = NULL;
	size_t npos = 0;
	int p = rtcli_parse("kill", "ID [SIGNAL]", o, argc, argv, false, &pos, &npos, 1, 2);
	bool all = opts_find(o, "all")->set;
	opts_free(o);
	if (p <= 0) {
		free(pos);
		return p < 0 ? 1 : 0;
	}
	int sig = npos > 1 ? brig_parse_signal(pos[1]) : SIGTERM;
	const char *id = pos[0];
	int rc = 0;
	if (sig < 0) {
		fprintf(stderr, "brig-runtime kill: unknown signal \"%s\"\n", pos[1]);
		rc = 1;
	} else {
		_cleanup_err_ struct brig_err e = { 0 };
		if (rt_kill(g, id, sig, all, &e) < 0)
			rc = rt_fail(&e);
	}
	free(pos);
	return rc;
}
