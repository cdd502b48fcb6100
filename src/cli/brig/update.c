/* SPDX-License-Identifier: Apache-2.0 */
/* brig update: change containers' limits and restart policy. */
#include "cli/brig/brig-internal.h"

#include <stdio.h>
#include <stdlib.h>

static int update_one(struct eng *eng, const char *id, const char *what, void *arg,
		      struct brig_err *e)
{
	int r = eng_update(eng, id, arg, e);
	if (r == 0)
		printf("%s\n", what);
	return r;
}

int brig_cmd_update(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = {
		OPT_TYPED("memory", 'm', "SIZE", "memory limit (b, k, m, g)", OPT_T_SIZE),
		OPT_TYPED("memory-swap", 0, "SIZE", "memory plus swap; -1 for unlimited swap",
			  OPT_T_SIZE),
		OPT_TYPED("memory-reservation", 0, "SIZE", "memory soft limit", OPT_T_SIZE),
		OPT_TYPED("cpus", 0, "N", "number of CPUs (1.5: one and a half)", OPT_T_DECIMAL),
		OPT_TYPED("cpu-shares", 'c', "N", "relative CPU weight", OPT_T_INT),
		OPT_TYPED("cpu-period", 0, "US", "CFS period in microseconds", OPT_T_INT),
		OPT_TYPED("cpu-quota", 0, "US", "CFS quota in microseconds", OPT_T_INT),
		OPT_VALUE("cpuset-cpus", 0, "LIST", "CPUs the container may use (0-3, 0,1)"),
		OPT_VALUE("cpuset-mems", 0, "LIST", "memory nodes the container may use"),
		OPT_TYPED("pids-limit", 0, "N", "most tasks (-1: the engine's ceiling)", OPT_T_INT),
		OPT_TYPED("blkio-weight", 0, "N", "block I/O weight, 10 to 1000", OPT_T_INT),
		OPT_VALUE("restart", 0, "POLICY", "no, on-failure[:N], always or unless-stopped"),
		{ 0 },
	};
	_cleanup_free_ char **pos = NULL;
	size_t npos = 0;
	int p = brig_parse("update", "CONTAINER...", o, argc, argv, &pos, &npos, 1, SIZE_MAX);
	const char *names[BRIG_ARRAY_SIZE(o)], *values[BRIG_ARRAY_SIZE(o)];
	struct eng_update_opts uo = { .names = names, .values = values };
	for (struct opt *x = o; p > 0 && x->name; x++) {
		if (!x->value || !eng_update_flag_known(x->name))
			continue;
		names[uo.n] = x->name;
		values[uo.n++] = x->value;
	}
	uo.restart = opts_find(o, "restart")->value;
	if (p > 0 && uo.n == 0 && !uo.restart) {
		fputs("brig update: give at least one limit or --restart; see 'brig update "
		      "--help'\n",
		      stderr);
		p = -1;
	}
	int rc = p > 0 ? brig_for_each_container(g, pos, npos, update_one, &uo)
		       : (p == 0 ? 0 : BRIG_EXIT_FAIL);
	opts_free(o);
	return rc;
}
