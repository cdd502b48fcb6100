/* SPDX-License-Identifier: Apache-2.0 */
/* brig-runtime start: run the user process of a created container. */
#include "cli/runtime/brig-runtime-internal.h"

int rtcmd_start(const struct rt_global *g, int argc, char **argv)
{
	const char *id = NULL;
	int p = rtcli_id_only("start", argc, argv, &id);
	if (p <= 0)
		return p < 0 ? 1 : 0;
	_cleanup_err_ struct brig_err e = { 0 };
	return rt_start(g, id, &e) < 0 ? rt_fail(&e) : 0;
}
