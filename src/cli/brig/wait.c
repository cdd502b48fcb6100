/* SPDX-License-Identifier: Apache-2.0 */
/* brig wait: wait for containers to exit and print their exit codes. */
#include "cli/brig/brig-internal.h"

#include <stdio.h>
#include <stdlib.h>

static int wait_one(struct eng *eng, const char *id, const char *what, void *arg,
		    struct brig_err *e)
{
	(void)what;
	(void)arg;
	int r = eng_wait(eng, id, e);
	if (r >= 0)
		printf("%d\n", r);
	return r;
}

int brig_cmd_wait(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = { { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = brig_parse("wait", "CONTAINER...", o, argc, argv, &pos, &npos, 1, SIZE_MAX);
	if (p <= 0)
		return p == 0 ? 0 : BRIG_EXIT_FAIL;
	return brig_for_each_container(g, pos, npos, wait_one, NULL);
}
