/* SPDX-License-Identifier: Apache-2.0 */
/* brig pause and unpause: freeze and thaw containers (the cgroup freezer). */
#include "cli/brig/brig-internal.h"

#include <stdint.h>
#include <stdio.h>

static int pause_one(struct eng *eng, const char *id, const char *what, void *arg,
		     struct brig_err *e)
{
	int r = eng_pause(eng, id, *(bool *)arg, e);
	if (r == 0)
		printf("%s\n", what);
	return r;
}

static int pause_family(const char *name, bool pause, const struct brig_global *g, int argc,
			char **argv)
{
	struct opt o[] = { { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = brig_parse(name, "CONTAINER...", o, argc, argv, &pos, &npos, 1, SIZE_MAX);
	opts_free(o);
	if (p <= 0)
		return p == 0 ? 0 : BRIG_EXIT_FAIL;
	return brig_for_each_container(g, pos, npos, pause_one, &pause);
}

int brig_cmd_pause(const struct brig_global *g, int argc, char **argv)
{
	return pause_family("pause", true, g, argc, argv);
}

int brig_cmd_unpause(const struct brig_global *g, int argc, char **argv)
{
	return pause_family("unpause", false, g, argc, argv);
}
