/* SPDX-License-Identifier: Apache-2.0 */
/* brig-runtime features, and the verbs brig-runtime does not implement. */
#include "cli/runtime/brig-runtime-internal.h"

#include <stdio.h>
#include <stdlib.h>

int rtcmd_features(const struct rt_global *g, int argc, char **argv)
{
	(void)g;
	struct opt o[] = { { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos = 0;
	int p = rtcli_parse("features", "", o, argc, argv, false, &pos, &npos, 0, 0);
	if (p <= 0)
		return p < 0 ? 1 : 0;
	_cleanup_json_ json_t *f = rt_features();
	char *s = f ? json_dumps(f, JSON_INDENT(4) | JSON_PRESERVE_ORDER) : NULL;
	if (!s)
		return 1;
	printf("%s\n", s);
	free(s);
	return 0;
}

int rtcmd_unsupported(const struct rt_global *g, int argc, char **argv)
{
	(void)g;
	struct opt o[] = { { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos = 0;
	int p = rtcli_parse("checkpoint", "ID", o, argc, argv, false, &pos, &npos, 0, SIZE_MAX);
	if (p <= 0)
		return p < 0 ? 1 : 0;
	fprintf(stderr, "brig-runtime: checkpoint/restore (CRIU) is not supported\n");
	return 1;
}
