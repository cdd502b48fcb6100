/* SPDX-License-Identifier: Apache-2.0 */
/* brig logs: what a container wrote. */
#include "cli/brig/brig-internal.h"
#include "engine/logs/logs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct logs_arg {
	struct eng_logs_opts lo;
	struct eng *eng;
	char id[ENG_ID_LEN + 1];
};

static bool logs_alive(void *arg)
{
	struct logs_arg *a = arg;
	return eng_running(a->eng, a->id);
}

static int logs_one(struct eng *eng, const char *id, const char *what, void *arg,
		    struct brig_err *e)
{
	(void)what;
	struct logs_arg *a = arg;
	a->eng = eng;
	memcpy(a->id, id, sizeof(a->id));
	_cleanup_close_ int dirfd = eng_ctr_dirfd(eng, id, e);
	if (dirfd < 0)
		return dirfd;
	(void)fflush(stdout);
	int r = eng_logs_print(dirfd, "ctr.log", &a->lo, STDOUT_FILENO, STDERR_FILENO, logs_alive,
			       a, e);
	return r == -EPIPE ? 0 : r;
}

static int logs_opts(struct opt *o, struct eng_logs_opts *lo, struct brig_err *e)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	int64_t now = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
	*lo = (struct eng_logs_opts){ .stdout_ = true,
				      .stderr_ = true,
				      .tail = -1,
				      .follow = opts_find(o, "follow")->set,
				      .timestamps = opts_find(o, "timestamps")->set };
	const char *since = opts_find(o, "since")->value, *until = opts_find(o, "until")->value;
	const char *tail = opts_find(o, "tail")->value;
	int r;
	if (since && (r = eng_logs_parse_time(since, now, &lo->since_ns, e)) < 0)
		return brig_err_wrap(e, "--since");
	if (until && (r = eng_logs_parse_time(until, now, &lo->until_ns, e)) < 0)
		return brig_err_wrap(e, "--until");
	int64_t n;
	if (tail && strcmp(tail, "all") != 0) {
		if (brig_parse_i64(tail, &n) < 0 || n < 0)
			return brig_err_set(e, -EINVAL, "--tail: \"%s\" is not a number or \"all\"",
					    tail);
		lo->tail = (long)n;
	}
	return 0;
}

int brig_cmd_logs(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = { OPT_FLAG("follow", 'f', "keep printing what the container writes"),
			   OPT_FLAG("timestamps", 't', "prefix each line with its time"),
			   OPT_VALUE("since", 0, "TIME",
				     "only from this time (RFC 3339, unix seconds, or 10m)"),
			   OPT_VALUE("until", 0, "TIME", "only up to this time"),
			   OPT_VALUE("tail", 'n', "N", "only the last N lines (default all)"),
			   { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = brig_parse("logs", "CONTAINER", o, argc, argv, &pos, &npos, 1, 1);
	if (p <= 0)
		return opts_free(o), p == 0 ? 0 : BRIG_EXIT_FAIL;
	_cleanup_err_ struct brig_err e = { 0 };
	struct logs_arg a;
	int r = logs_opts(o, &a.lo, &e);
	opts_free(o);
	if (r < 0)
		return brig_fail(&e);
	return brig_for_each_container(g, pos, 1, logs_one, &a);
}
