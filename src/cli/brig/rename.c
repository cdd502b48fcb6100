/* SPDX-License-Identifier: Apache-2.0 */
/* brig rename: give a container another name. */
#include "cli/brig/brig-internal.h"

#include <stdio.h>
#include <stdlib.h>

static int rename_one(struct eng *eng, const char *id, const char *what, void *arg,
		      struct brig_err *e)
{
	(void)what;
	return eng_rename(eng, id, arg, e);
}

int brig_cmd_rename(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = { { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = brig_parse("rename", "CONTAINER NEW_NAME", o, argc, argv, &pos, &npos, 2, 2);
	if (p <= 0)
		return p == 0 ? 0 : BRIG_EXIT_FAIL;
	return brig_for_each_container(g, pos, 1, rename_one, pos[1]);
}
