/* SPDX-License-Identifier: Apache-2.0 */
/* brig stop, kill, rm, wait, rename, exec, top, logs. */
#include "cli/brig_ctr.h"
#include "engine/logs/logs.h"

#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef int (*ctr_fn)(struct eng *eng, const char *id, const char *what, void *arg,
		      struct brig_err *e);

/* Apply fn to each named container; one line per failure, 125 if any. */
static int for_each(const struct brig_global *g, char **pos, size_t npos, ctr_fn fn, void *arg)
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

static int stop_one(struct eng *eng, const char *id, const char *what, void *arg,
		    struct brig_err *e)
{
	int r = eng_stop(eng, id, *(int *)arg, e);
	if (r == 0)
		printf("%s\n", what);
	return r;
}

int brig_cmd_stop(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = { { .name = "time", .alias = 't', .kind = OPT_STR, .help = "seconds before SIGKILL (default: the "
			     "container's stop timeout, 10)", .metavar = "N" }, { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = brig_parse("stop", "[OPTIONS] CONTAINER...", o, argc, argv, &pos, &npos, 1, SIZE_MAX);
	const char *t = o[0].value;
	int timeout = -1;
	int64_t v = 0;
	if (p > 0 && t && (brig_parse_i64(t, &v) < 0 || v < 0 || v > 86400)) {
		fprintf(stderr, "brig: --time: \"%s\" is not a number of seconds\n", t);
		p = -1;
	}
	if (t)
		timeout = (int)v;
	opts_free(o);
	if (p <= 0)
		return p == 0 ? 0 : BRIG_EXIT_FAIL;
	return for_each(g, pos, npos, stop_one, &timeout);
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
	struct opt o[] = { { .name = "signal", .alias = 's', .kind = OPT_STR, .help = "the signal (default KILL)", .metavar = "SIG" }, { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = brig_parse("kill", "[OPTIONS] CONTAINER...", o, argc, argv, &pos, &npos, 1, SIZE_MAX);
	int sig = SIGKILL;
	if (p > 0 && o[0].value && (sig = rt_parse_signal(o[0].value)) <= 0) {
		fprintf(stderr, "brig: --signal: unknown signal \"%s\"\n", o[0].value);
		p = -1;
	}
	opts_free(o);
	if (p <= 0)
		return p == 0 ? 0 : BRIG_EXIT_FAIL;
	return for_each(g, pos, npos, kill_one, &sig);
}

static int rm_one(struct eng *eng, const char *id, const char *what, void *arg,
		  struct brig_err *e)
{
	const bool *fv = arg;
	int r = eng_remove(eng, id, fv[0], fv[1], e);
	if (r == 0)
		printf("%s\n", what);
	return r;
}

int brig_cmd_rm(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = {
		{ .name = "force", .alias = 'f', .kind = OPT_BOOL, .help = "kill a running container first", .metavar = NULL },
		{ .name = "volumes", .alias = 'v', .kind = OPT_BOOL, .help = "also remove its anonymous volumes", .metavar = NULL },
		{ 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = brig_parse("rm", "[OPTIONS] CONTAINER...", o, argc, argv, &pos, &npos, 1, SIZE_MAX);
	bool fv[2] = { o[0].set, o[1].set };
	opts_free(o);
	if (p <= 0)
		return p == 0 ? 0 : BRIG_EXIT_FAIL;
	return for_each(g, pos, npos, rm_one, fv);
}

static int wait_one(struct eng *eng, const char *id, const char *what, void *arg,
		    struct brig_err *e)
{
	(void)what;
	(void)arg;
	int r = eng_wait(eng, id, e);
	if (r >= 0)
		printf("%d\n", r);
	return r;
}

int brig_cmd_wait(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = { { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = brig_parse("wait", "CONTAINER...", o, argc, argv, &pos, &npos, 1, SIZE_MAX);
	if (p <= 0)
		return p == 0 ? 0 : BRIG_EXIT_FAIL;
	return for_each(g, pos, npos, wait_one, NULL);
}

static int rename_one(struct eng *eng, const char *id, const char *what, void *arg,
		      struct brig_err *e)
{
	(void)what;
	return eng_rename(eng, id, arg, e);
}

int brig_cmd_rename(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = { { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = brig_parse("rename", "CONTAINER NEW_NAME", o, argc, argv, &pos, &npos, 2, 2);
	if (p <= 0)
		return p == 0 ? 0 : BRIG_EXIT_FAIL;
	return for_each(g, pos, 1, rename_one, pos[1]);
}

struct exec_arg {
	struct eng_exec_opts x;
	int status;
};

static int exec_one(struct eng *eng, const char *id, const char *what, void *arg,
		    struct brig_err *e)
{
	(void)what;
	struct exec_arg *a = arg;
	int r = eng_exec(eng, id, &a->x, e);
	if (r >= 0)
		a->status = r;
	return r;
}

int brig_cmd_exec(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = {
		{ .name = "interactive", .alias = 'i', .kind = OPT_BOOL, .help = "keep stdin open", .metavar = NULL },
		{ .name = "tty", .alias = 't', .kind = OPT_BOOL, .help = "allocate a terminal", .metavar = NULL },
		{ .name = "detach", .alias = 'd', .kind = OPT_BOOL, .help = "run in the background", .metavar = NULL },
		{ .name = "user", .alias = 'u', .kind = OPT_STR, .help = "user: name|uid[:group|gid]", .metavar = "USER" },
		{ .name = "env", .alias = 'e', .kind = OPT_LIST, .help = "set an environment variable", .metavar = "K=V" },
		{ .name = "workdir", .alias = 'w', .kind = OPT_STR, .help = "working directory", .metavar = "DIR" },
		{ 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = opts_parse_cmd("brig exec", "[OPTIONS] CONTAINER COMMAND [ARG...]", o, argc, argv,
			       true, &pos, &npos, 2, SIZE_MAX);
	if (p <= 0)
		return opts_free(o), p == 0 ? 0 : BRIG_EXIT_FAIL;
	struct exec_arg a = { .x = {
		.args = pos + 1, .env = (char **)opts_find(o, "env")->list,
		.n_env = opts_find(o, "env")->n, .user = opts_find(o, "user")->value,
		.workdir = opts_find(o, "workdir")->value, .tty = opts_find(o, "tty")->set,
		.interactive = opts_find(o, "interactive")->set, .detach = opts_find(o, "detach")->set,
	} };
	int rc;
	if (a.x.tty && !isatty(STDIN_FILENO) && !a.x.detach) {
		fputs("brig: exec -t: the input device is not a TTY\n", stderr);
		rc = BRIG_EXIT_FAIL;
	} else {
		rc = for_each(g, pos, 1, exec_one, &a);
	}
	opts_free(o);
	return rc ? rc : a.status;
}

/* PID, USER, TIME, COMMAND of one process, from /proc. */
static void top_line(pid_t pid)
{
	char path[64], cmd[4096] = "";
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	_cleanup_err_ struct brig_err e = { 0 };
	if (brig_read_file(AT_FDCWD, path, sizeof(cmd) - 1, &buf, &len, &e) == 0) {
		for (size_t i = 0; i + 1 < len; i++)
			if (buf[i] == '\0')
				buf[i] = ' ';
		snprintf(cmd, sizeof(cmd), "%s", buf);
	}
	struct stat st;
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	unsigned uid = stat(path, &st) == 0 ? (unsigned)st.st_uid : 0;
	printf("%-8d %-8u %s\n", (int)pid, uid, cmd);
}

static int top_one(struct eng *eng, const char *id, const char *what, void *arg,
		   struct brig_err *e)
{
	(void)what;
	(void)arg;
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	int r = eng_top(eng, id, &pids, &n, e);
	if (r < 0)
		return r;
	printf("%-8s %-8s %s\n", "PID", "UID", "CMD");
	for (size_t i = 0; i < n; i++)
		top_line(pids[i]);
	return 0;
}

int brig_cmd_top(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = { { 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = brig_parse("top", "CONTAINER", o, argc, argv, &pos, &npos, 1, 1);
	if (p <= 0)
		return p == 0 ? 0 : BRIG_EXIT_FAIL;
	return for_each(g, pos, 1, top_one, NULL);
}

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
	*lo = (struct eng_logs_opts){ .stdout_ = true, .stderr_ = true, .tail = -1,
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
			return brig_err_set(e, -EINVAL, "--tail: \"%s\" is not a number or \"all\"", tail);
		lo->tail = (long)n;
	}
	return 0;
}

int brig_cmd_logs(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = {
		{ .name = "follow", .alias = 'f', .kind = OPT_BOOL, .help = "keep printing what the container writes", .metavar = NULL },
		{ .name = "timestamps", .alias = 't', .kind = OPT_BOOL, .help = "prefix each line with its time", .metavar = NULL },
		{ .name = "since", .alias = 0, .kind = OPT_STR, .help = "only from this time (RFC 3339, unix seconds, or 10m)", .metavar = "TIME" },
		{ .name = "until", .alias = 0, .kind = OPT_STR, .help = "only up to this time", .metavar = "TIME" },
		{ .name = "tail", .alias = 'n', .kind = OPT_STR, .help = "only the last N lines (default all)", .metavar = "N" },
		{ 0 } };
	_cleanup_free_ char **pos = NULL;
	size_t npos;
	int p = brig_parse("logs", "[OPTIONS] CONTAINER", o, argc, argv, &pos, &npos, 1, 1);
	if (p <= 0)
		return opts_free(o), p == 0 ? 0 : BRIG_EXIT_FAIL;
	_cleanup_err_ struct brig_err e = { 0 };
	struct logs_arg a;
	int r = logs_opts(o, &a.lo, &e);
	opts_free(o);
	if (r < 0)
		return brig_fail(&e);
	return for_each(g, pos, 1, logs_one, &a);
}
