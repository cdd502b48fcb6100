/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/brig_ctr.h"

int brig_cmd_stats(const struct brig_global *g, int argc, char **argv)
{
	(void)g; (void)argc; (void)argv;
	struct brig_err e = { 0 };
	brig_err_set(&e, -ENOSYS, "brig stats: not built yet");
	return brig_fail(&e);
}
