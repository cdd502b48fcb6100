/* SPDX-License-Identifier: Apache-2.0 */
/* What the container commands share: the engine over the global options,
 * and one action applied to each container the user named. */
#include "cli/brig/brig-internal.h"

int brig_engine_open(const struct brig_global *g, struct eng **out, struct brig_err *e)
{
	int r = eng_open(g->root, g->storage_driver, out, e);
	if (r == 0 && g->config && (r = eng_use_config(*out, g->config, e)) < 0) {
		eng_close(*out);
		*out = NULL;
	}
	return r;
}

int brig_for_each_container(const struct brig_global *g, char **pos, size_t npos, brig_ctr_fn fn,
			    void *arg)
{
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_eng_ struct eng *eng = NULL;
	if (brig_engine_open(g, &eng, &e) < 0)
		return brig_fail(&e);
	int rc = 0;
	for (size_t i = 0; i < npos; i++) {
		char id[ENG_ID_LEN + 1];
		brig_err_clear(&e);
		if (eng_find(eng, pos[i], id, &e) < 0 || fn(eng, id, pos[i], arg, &e) < 0)
			rc = brig_fail(&e);
	}
	return rc;
}
