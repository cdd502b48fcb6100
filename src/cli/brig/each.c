/* SPDX-License-Identifier: Apache-2.0 */
/* `X inspect NAME...` and `X rm NAME...` for the kinds the engine names
 * (volumes, networks): one shape for all of them. */
#include "cli/brig/brig-internal.h"

#include <stdio.h>

int brig_inspect_each(const struct brig_global *g, char **names, size_t n, const char *format,
		      brig_inspect_fn fn)
{
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_eng_ struct eng *eng = NULL;
	_cleanup_json_ json_t *arr = json_array();
	if (!arr)
		return brig_err_oom(&e), brig_fail(&e);
	if (brig_engine_open(g, &eng, &e) < 0)
		return brig_fail(&e);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *doc = NULL;
		if (fn(eng, names[i], &doc, &e) < 0 || json_array_append_new(arr, doc) < 0)
			rc = brig_fail(&e);
		brig_err_clear(&e);
	}
	if (!(rc && json_array_size(arr) == 0) && brig_print_inspect(arr, format, &e) < 0)
		rc = brig_fail(&e);
	return rc;
}

int brig_remove_each(const struct brig_global *g, char **names, size_t n, bool force,
		     brig_remove_fn fn)
{
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_eng_ struct eng *eng = NULL;
	if (brig_engine_open(g, &eng, &e) < 0)
		return brig_fail(&e);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		int r = fn(eng, names[i], &e);
		if (r == 0)
			printf("%s\n", names[i]);
		else if (!(force && r == -ENOENT))
			rc = brig_fail(&e);
		brig_err_clear(&e);
	}
	return rc;
}
