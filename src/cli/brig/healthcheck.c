/* SPDX-License-Identifier: Apache-2.0 */
/* Healthchecks (docs/health.md): run and create's --health-* options,
 * `brig healthcheck run` (podman's), and the runner `brig __health-run`
 * that the monitor starts per run (engine/health_spawn.c). */
#include "cli/brig/brig-internal.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>

int brig_health_opts(struct opt *o, struct eng_health_opts *h, struct brig_err *e)
{
	static const char *const flags[] = { "health-cmd",          "health-interval",
					     "health-timeout",      "health-retries",
					     "health-start-period", "health-start-interval" };
	*h = (struct eng_health_opts){ .none = opts_find(o, "no-healthcheck")->set };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(flags); i++) {
		const struct opt *x = opts_find(o, flags[i]);
		int r = x->set ? eng_health_opt_set(h, flags[i], x->value, e) : 0;
		if (r < 0)
			return r;
	}
	return eng_health_opts_check(h, e);
}

/* Exit 0 when healthy; otherwise the status is printed and the exit is 1
 * (podman's); 125 for errors (CMD_FAIL_125) (no healthcheck, not running). */
int brig_cmd_healthcheck_run(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = { { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = brig_parse("healthcheck run", "CONTAINER", o, argc, argv, &pos, &npos, 1, 1);
	opts_free(o);
	if (p <= 0)
		return p == 0 ? 0 : BRIG_EXIT_FAIL;
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_eng_ struct eng *eng = NULL;
	char id[ENG_ID_LEN + 1];
	const char *status = NULL;
	if (brig_engine_open(g, &eng, &e) < 0 || eng_find(eng, pos[0], id, &e) < 0 ||
	    eng_health_run_once(eng, id, &status, &e) < 0)
		return brig_fail(&e);
	if (strcmp(status, "healthy") == 0)
		return 0;
	printf("%s\n", status);
	return 1;
}

int brig_cmd_health_runner(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = { OPT_VALUE("pidfd", 0, "FD", "a pidfd of the run's init"), { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = brig_parse("__health-run", "ID --pidfd FD", o, argc, argv, &pos, &npos, 1, 1);
	int64_t fd = -1;
	const char *v = opts_find(o, "pidfd")->value;
	if (p > 0 && (!v || brig_parse_i64(v, &fd) < 0 || fd < 3 || fd > 1 << 20)) {
		fputs("brig: __health-run: --pidfd is missing or wrong\n", stderr);
		p = -1;
	}
	opts_free(o);
	if (p <= 0)
		return p == 0 ? 0 : BRIG_EXIT_FAIL;
	int fl = fcntl((int)fd, F_GETFD);
	if (fl < 0 || fcntl((int)fd, F_SETFD, fl | FD_CLOEXEC) < 0)
		return BRIG_EXIT_FAIL;
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_eng_ struct eng *eng = NULL;
	if (brig_engine_open(g, &eng, &e) < 0 || eng_health_runner(eng, pos[0], (int)fd, &e) < 0)
		return brig_fail(&e);
	return 0;
}
