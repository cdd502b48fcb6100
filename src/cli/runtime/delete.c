/* SPDX-License-Identifier: Apache-2.0 */
/* brig-runtime delete: remove a container and its resources. */
#include "cli/runtime/brig-runtime-internal.h"

int rtcmd_delete(const struct rt_global *g, int argc, char **argv)
{
	struct opt o[] = { OPT_FLAG("force", 'f', "kill the container if it runs"), { 0 } };
	char **pos = NULL;
	size_t npos = 0;
	int p = rtcli_parse("delete", "ID", o, argc, argv, false, &pos, &npos, 1, 1);
	bool force = opts_find(o, "force")->set;
	opts_free(o);
	int rc = p < 0 ? 1 : 0;
	if (p > 0) {
		_cleanup_err_ struct brig_err e = { 0 };
		int r = rt_delete(g, pos[0], force, &e);
		/* runc: deleting an absent container with --force succeeds. */
		if (r < 0 && !(r == -ENOENT && force))
			rc = rt_fail(&e);
	}
	free(pos);
	return rc;
}
