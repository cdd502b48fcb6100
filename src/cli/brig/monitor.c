/* SPDX-License-Identifier: Apache-2.0 */
/* brig __monitor-resume: brig-monitor hands a container back to brig when
 * it has exited (src/engine/monitor_handoff.c).  Not for people. */
#include "cli/brig/brig-internal.h"

#include <stdio.h>
#include <string.h>

static int num(const char *s, int64_t min, int64_t max, int64_t *out)
{
	return brig_parse_i64(s, out) == 0 && *out >= min && *out <= max ? 0 : -1;
}

int brig_cmd_monitor_resume(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = { OPT_VALUE("lock-fd", 0, "FD", "the monitor lock"),
			   OPT_VALUE("status", 0, "N", "the init's exit status"),
			   OPT_VALUE("restarts", 0, "N", "restarts so far"),
			   OPT_VALUE("backoff", 0, "MS", "the next back-off (ms)"),
			   OPT_VALUE("started", 0, "MS", "when this run began (ms)"),
			   { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = brig_parse("__monitor-resume", "ID OPTIONS", o, argc, argv, &pos, &npos, 1, 1);
	int64_t v[5];
	for (size_t i = 0; p > 0 && i < 5; i++)
		if (!o[i].value || num(o[i].value, 0, INT64_MAX, &v[i]) < 0) {
			fprintf(stderr, "brig: __monitor-resume: --%s is missing or wrong\n",
				o[i].name);
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
