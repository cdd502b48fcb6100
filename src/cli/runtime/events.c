/* SPDX-License-Identifier: Apache-2.0 */
/* brig-runtime events --stats: one statistics event. */
#include "cli/runtime/brig-runtime-internal.h"

#include <stdio.h>
#include <stdlib.h>

int rtcmd_events(const struct rt_global *g, int argc, char **argv)
{
	struct opt o[] = { OPT_FLAG("stats", 0, "print statistics once and exit"),
			   OPT_VALUE("interval", 0, "D", "accepted; only --stats is supported"),
			   { 0 } };
	char **pos = NULL;
	size_t npos = 0;
	int rc = 1;
	_cleanup_json_ json_t *ev = NULL;
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_json_ json_t *st = NULL;
	int p = rtcli_parse("events", "--stats ID", o, argc, argv, false, &pos, &npos, 1, 1);
	if (p <= 0) {
		rc = p < 0 ? 1 : 0;
		goto out;
	}
	if (!opts_find(o, "stats")->set) {
		fprintf(stderr, "brig-runtime events: only 'events --stats ID' is supported\n");
		goto out;
	}
	if (rt_events_stats(g, pos[0], &st, &e) < 0) {
		rc = rt_fail(&e);
		goto out;
	}
	ev = json_pack("{s:s,s:s,s:O}", "type", "stats", "id", pos[0], "data", st);
	char *s = ev ? json_dumps(ev, JSON_COMPACT) : NULL;
	if (s)
		printf("%s\n", s);
	free(s);
	rc = s ? 0 : 1;
out:
	free(pos);
	opts_free(o);
	return rc;
}
