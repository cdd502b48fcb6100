/* SPDX-License-Identifier: Apache-2.0 */
/* brig: the layer cache of the engine, for the image commands. */
#include "cli/brig_cmd.h"
#include "engine/engine.h"

int brig_layer_unpack_to(const char *root, int in_fd, const char *digest,
			 char diff_id[72], int *comp, struct brig_err *e)
{
	return eng_layer_unpack_to(root, in_fd, digest, diff_id, comp, e);
}
