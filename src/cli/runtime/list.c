/* SPDX-License-Identifier: Apache-2.0 */
/* brig-runtime list: every container of the state directory. */
#include "cli/runtime/brig-runtime-internal.h"

#include <stdio.h>
#include <string.h>

int rtcmd_list(const struct rt_global *g, int argc, char **argv)
{
	struct opt o[] = {
		OPT_VALUE("format", 'f', "FMT", "table or json"),
		OPT_FLAG("quiet", 'q', "only ids"),
		{ 0 },
	};
	char **pos = NULL;
	size_t npos = 0;
	int p = rtcli_parse("list", "", o, argc, argv, false, &pos, &npos, 0, 0);
	free(pos);
	const char *fmt = opts_find(o, "format")->value;
	bool quiet = opts_find(o, "quiet")->set;
	opts_free(o);
	if (p <= 0)
		return p < 0 ? 1 : 0;
	if (fmt && strcmp(fmt, "json") != 0 && strcmp(fmt, "table") != 0) {
		fprintf(stderr, "brig-runtime list: --format: \"%s\" is not table or json\n", fmt);
		return 1;
	}
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_json_ json_t *all = NULL;
	if (rt_list(g, &all, &e) < 0)
		return rt_fail(&e);
	if (fmt && strcmp(fmt, "json") == 0) {
		char *s = json_dumps(all, JSON_COMPACT);
		printf("%s\n", s ? s : "[]");
		free(s);
		return 0;
	}
	if (!quiet)
		printf("%-20s %-8s %-10s %-40s %-30s %s\n", "ID", "PID", "STATUS", "BUNDLE",
		       "CREATED", "OWNER");
	size_t i;
	json_t *s;
	json_array_foreach(all, i, s)
	{
		if (quiet) {
			printf("%s\n", json_string_value(json_object_get(s, "id")));
			continue;
		}
		printf("%-20s %-8lld %-10s %-40s %-30s %s\n",
		       json_string_value(json_object_get(s, "id")),
		       (long long)json_integer_value(json_object_get(s, "pid")),
		       json_string_value(json_object_get(s, "status")),
		       json_string_value(json_object_get(s, "bundle")),
		       json_string_value(json_object_get(s, "created")),
		       json_string_value(json_object_get(s, "owner")));
	}
	return 0;
}
