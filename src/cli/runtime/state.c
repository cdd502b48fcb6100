/* SPDX-License-Identifier: Apache-2.0 */
/* brig-runtime state: a container's state as runtime-spec JSON. */
#include "cli/runtime/brig-runtime-internal.h"

int rtcmd_state(const struct rt_global *g, int argc, char **argv)
{
	const char *id = NULL;
	int p = rtcli_id_only("state", argc, argv, &id);
	if (p <= 0)
		return p < 0 ? 1 : 0;
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_json_ json_t *s = NULL;
	if (rt_state(g, id, &s, &e) < 0)
		return rt_fail(&e);
	return rtcli_print_json(s);
}
