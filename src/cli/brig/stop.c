/* SPDX-License-Identifier: Apache-2.0 */
/* brig stop, restart and kill: signal containers. */
#include "cli/brig/brig-internal.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

/* What stop and restart were asked for. */
struct stop_req {
	int timeout; /* -1: the container's */
	int signal; /* 0: the container's stop signal */
};

static int stop_one(struct eng *eng, const char *id, const char *what, void *arg,
		    struct brig_err *e)
{
	const struct stop_req *q = arg;
	int r = eng_stop_signal(eng, id, q->timeout, q->signal, e);
	if (r == 0)
		printf("%s\n", what);
	return r;
}

int brig_stop_timeout_parse(const char *flag, const char *s, int *out, struct brig_err *e)
{
	int64_t v = 0;
	if (brig_parse_i64(s, &v) < 0 || v < -1 || v > 86400)
		return brig_err_set(e, -EINVAL,
				    "%s: \"%s\" is not a number of seconds (0 to 86400, or -1 to "
				    "wait for the container without SIGKILL)",
				    flag, s);
	*out = v == -1 ? ENG_STOP_FOREVER : (int)v;
	return 0;
}

/* -t N (--timeout, or Docker's older --time) and -s SIG into q; -1 after
 * a usage error (printed). */
static int stop_opts(const struct opt *o, struct stop_req *q)
{
	const char *t = o[0].value, *s = o[1].value, *flag = "--timeout";
	_cleanup_err_ struct brig_err e = { 0 };
	q->timeout = -1;
	if (o[0].set && o[2].set) {
		fprintf(stderr,
			"brig: conflicting options: cannot specify both --timeout and --time\n");
		return -1;
	}
	if (o[2].set)
		t = o[2].value, flag = "--time";
	if (t && brig_stop_timeout_parse(flag, t, &q->timeout, &e) < 0)
		return brig_fail(&e), -1;
	if (s && (q->signal = brig_parse_signal(s)) <= 0) {
		fprintf(stderr, "brig: --signal: unknown signal \"%s\"\n", s);
		return -1;
	}
	return 1;
}

/* brig stop|restart [-t N] [-s SIG] CONTAINER...: each container through fn. */
static int stop_family(const char *name, brig_ctr_fn fn, const struct brig_global *g, int argc,
		       char **argv)
{
	struct opt o[] = { OPT_TYPED("timeout", 't', "N",
				     "seconds before SIGKILL (default: the "
				     "container's stop timeout, 10); -1: wait, never SIGKILL",
				     OPT_T_INT),
			   OPT_VALUE("signal", 's', "SIG",
				     "the signal to stop with (default: the container's "
				     "stop signal, SIGTERM)"),
			   OPT_TYPED("time", 0, "N", "the same as --timeout (Docker's older name)",
				     OPT_T_INT),
			   { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	struct stop_req q = { -1, 0 };
	int p = brig_parse(name, "CONTAINER...", o, argc, argv, &pos, &npos, 1, SIZE_MAX);
	if (p > 0)
		p = stop_opts(o, &q);
	opts_free(o);
	if (p <= 0)
		return p == 0 ? 0 : BRIG_EXIT_FAIL;
	return brig_for_each_container(g, pos, npos, fn, &q);
}

int brig_cmd_stop(const struct brig_global *g, int argc, char **argv)
{
	return stop_family("stop", stop_one, g, argc, argv);
}

/* Stopped (if it runs) and started again; a created or exited container is
 * just started, as Docker does. */
static int restart_one(struct eng *eng, const char *id, const char *what, void *arg,
		       struct brig_err *e)
{
	const struct stop_req *q = arg;
	int r = eng_stop_signal(eng, id, q->timeout, q->signal, e);
	if (r == 0)
		r = eng_start(eng, id, ENG_DETACH, e);
	if (r == 0)
		printf("%s\n", what);
	return r;
}

int brig_cmd_restart(const struct brig_global *g, int argc, char **argv)
{
	return stop_family("restart", restart_one, g, argc, argv);
}

static int kill_one(struct eng *eng, const char *id, const char *what, void *arg,
		    struct brig_err *e)
{
	int r = eng_kill(eng, id, *(int *)arg, e);
	if (r == 0)
		printf("%s\n", what);
	return r;
}

int brig_cmd_kill(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = { OPT_VALUE("signal", 's', "SIG", "the signal (default KILL)"), { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = brig_parse("kill", "CONTAINER...", o, argc, argv, &pos, &npos, 1, SIZE_MAX);
	int sig = SIGKILL;
	if (p > 0 && o[0].value && (sig = brig_parse_signal(o[0].value)) <= 0) {
		fprintf(stderr, "brig: --signal: unknown signal \"%s\"\n", o[0].value);
		p = -1;
	}
	opts_free(o);
	if (p <= 0)
		return p == 0 ? 0 : BRIG_EXIT_FAIL;
	return brig_for_each_container(g, pos, npos, kill_one, &sig);
}
