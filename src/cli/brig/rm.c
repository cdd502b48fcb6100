/* SPDX-License-Identifier: Apache-2.0 */
/* brig rm: remove containers. */
#include "cli/brig/brig-internal.h"

#include <stdio.h>
#include <stdlib.h>

static int rm_one(struct eng *eng, const char *id, const char *what, void *arg, struct brig_err *e)
{
	const bool *fv = arg;
	int r = eng_remove(eng, id, fv[0], fv[1], e);
	if (r == 0)
		printf("%s\n", what);
	return r;
}

int brig_cmd_rm(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = { OPT_FLAG("force", 'f', "kill a running container first"),
			   OPT_FLAG("volumes", 'v', "also remove its anonymous volumes"),
			   { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = brig_parse("rm", "CONTAINER...", o, argc, argv, &pos, &npos, 1, SIZE_MAX);
	bool fv[2] = { o[0].set, o[1].set };
	opts_free(o);
	if (p <= 0)
		return p == 0 ? 0 : BRIG_EXIT_FAIL;
	return brig_for_each_container(g, pos, npos, rm_one, fv);
}
