/* SPDX-License-Identifier: Apache-2.0 */
/* brig info, brig system info. */
#include "cli/brig/brig-internal.h"

int brig_cmd_info(const struct brig_global *g, int argc, char **argv)
{
	(void)g;
	(void)argc;
	(void)argv;
	return 0;
}
