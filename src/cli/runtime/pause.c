/* SPDX-License-Identifier: Apache-2.0 */
/* brig-runtime pause and resume: freeze and thaw a container. */
#include "cli/runtime/brig-runtime-internal.h"

int rtcmd_pause(const struct rt_global *g, int argc, char **argv)
{
	const char *id = NULL;
	int p = rtcli_id_only("pause", argc, argv, &id);
	if (p <= 0)
		return p < 0 ? 1 : 0;
	_cleanup_err_ struct brig_err e = { 0 };
	return rt_pause(g, id, true, &e) < 0 ? rt_fail(&e) : 0;
}

int rtcmd_resume(const struct rt_global *g, int argc, char **argv)
{
	const char *id = NULL;
	int p = rtcli_id_only("resume", argc, argv, &id);
	if (p <= 0)
		return p < 0 ? 1 : 0;
	_cleanup_err_ struct brig_err e = { 0 };
	return rt_pause(g, id, false, &e) < 0 ? rt_fail(&e) : 0;
}
