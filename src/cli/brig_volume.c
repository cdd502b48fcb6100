/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/brig_ctr.h"

int brig_cmd_volume(const struct brig_global *g, int argc, char **argv)
{
	(void)g; (void)argc; (void)argv;
	struct brig_err e = { 0 };
	brig_err_set(&e, -ENOSYS, "brig volume: not built yet");
	return brig_fail(&e);
}
