/* SPDX-License-Identifier: Apache-2.0 */
/* brig __monitor-resume: brig-monitor hands a container back to brig when
 * it has exited (src/engine/lean.c).  Not for people. */
#include "cli/brig_ctr.h"

#include <stdio.h>
#include <string.h>

static int num(const char *s, int64_t min, int64_t max, int64_t *out)
{
	return brig_parse_i64(s, out) == 0 && *out >= min && *out <= max ? 0 : -1;
}

int brig_cmd_monitor_resume(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = {
		{ .name = "lock-fd", .kind = OPT_STR, .help = "the monitor lock", .metavar = "FD" },
		{ .name = "status", .kind = OPT_STR, .help = "the init's exit status", .metavar = "N" },
		{ .name = "restarts", .kind = OPT_STR, .help = "restarts so far", .metavar = "N" },
		{ .name = "backoff", .kind = OPT_STR, .help = "the next back-off (ms)", .metavar = "MS" },
		{ .name = "started", .kind = OPT_STR, .help = "when this run began (ms)", .metavar = "MS" },
		{ 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = brig_parse("__monitor-resume", "ID OPTIONS", o, argc, argv, &pos, &npos, 1, 1);
	int64_t v[5];
	for (size_t i = 0; p > 0 && i < 5; i++)
		if (!o[i].value || num(o[i].value, 0, INT64_MAX, &v[i]) < 0) {
			fprintf(stderr, "brig: __monitor-resume: --%s is missing or wrong\n", o[i].name);
			p = -1;
		}
	opts_free(o);
	if (p <= 0)
		return p == 0 ? 0 : BRIG_EXIT_FAIL;
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_eng_ struct eng *eng = NULL;
	struct eng_resume st = { .restarts = v[2], .backoff_ms = (long)v[3], .started_ms = v[4] };
	if (v[0] > 1 << 20 || v[1] > 255)
		return brig_err_set(&e, -EINVAL, "__monitor-resume: bad numbers"), brig_fail(&e);
	if (brig_engine_open(g, &eng, &e) < 0 ||
	    eng_monitor_resume(eng, pos[0], (int)v[0], (int)v[1], &st, &e) < 0)
		return brig_fail(&e);
	return 0;
}
