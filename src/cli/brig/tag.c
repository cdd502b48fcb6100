/* SPDX-License-Identifier: Apache-2.0 */
/* brig tag, brig rmi, brig image inspect. */
#include "cli/brig/brig-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int brig_cmd_tag(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = {
		{ 0 },
	};
	_cleanup_free_ char **pos = NULL;
	size_t npos = 0;
	int p = brig_parse("tag", "SOURCE TARGET", o, argc, argv, &pos, &npos, 2, 2);
	if (p <= 0)
		return p < 0 ? BRIG_EXIT_FAIL : 0;
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_img_store_ struct img_store *s = NULL;
	struct img_descriptor d = { 0 };
	int r = brig_store_open(g, &s, &e);
	if (r == 0)
		r = img_store_resolve(s, pos[0], &d, &e);
	if (r == 0)
		r = img_store_tag(s, &d, pos[1], &e);
	img_descriptor_clear(&d);
	if (r < 0) {
		brig_err_wrap(&e, "tag");
		return brig_fail(&e);
	}
	return 0;
}
