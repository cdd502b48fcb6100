/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Running healthchecks: one check is an exec into the container (eng_exec:
 * the container's user, namespaces, cgroup, capabilities, seccomp and
 * no_new_privs, as `brig exec`), its stdout and stderr read into one buffer
 * (the first 4096 bytes kept), killed with its process group when the
 * timeout passes.  The runner (brig __health-run, started per run by
 * health_spawn.c) checks at the interval until the run's init exits;
 * `brig healthcheck run` checks once.  A result is recorded only while the
 * record says the container runs (and, for the runner, its run's init
 * lives), so a late result never lands on a later run.
 */
#include "engine/health-internal.h"
#include "engine/events.h"
#include "engine/logs/logs.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif

static int64_t clock_ns(clockid_t c)
{
	struct timespec ts;
	(void)clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

struct out_buf {
	char buf[ENG_HEALTH_OUTPUT_MAX];
	size_t len;
	bool eof;
};

/* Read what is there (fd is non-blocking); keep the first bytes. */
static void drain(int fd, struct out_buf *o)
{
	char tmp[4096];
	for (;;) {
		ssize_t n = read(fd, tmp, sizeof(tmp));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			o->eof = o->eof || n == 0;
			return;
		}
		size_t k = (size_t)n < sizeof(o->buf) - o->len ? (size_t)n
							       : sizeof(o->buf) - o->len;
		memcpy(o->buf + o->len, tmp, k);
		o->len += k;
	}
}

/* The output as valid UTF-8 (each bad byte U+FFFD; at most 3x the bytes). */
static char *utf8_text(const char *s, size_t n)
{
	char *out = malloc(n * 3 + 1), *o = out;
	for (size_t i = 0; out && i < n;) {
		size_t l = (unsigned char)s[i] < 0x80
			? 1
			: eng_logs_utf8_len((const unsigned char *)s + i, n - i);
		if (l == 0 || s[i] == '\0') {
			memcpy(o, l ? " " : "\xef\xbf\xbd", l ? 1 : 3);
			o += l ? 1 : 3;
			i++;
			continue;
		}
		memcpy(o, s + i, l);
		o += l;
		i += l;
	}
	if (out)
		*o = '\0';
	return out;
}

/* The exec with fds 0-2 of this process as its stdio (/dev/null, then the
 * pipe twice); ours are put back afterwards. */
static int exec_start(struct eng *g, const char *id, const struct eng_hc *hc, int w, pid_t *pid,
		      struct brig_err *e)
{
	int saved[3] = { -1, -1, -1 }, r = 0;
	_cleanup_close_ int null = BRIG_RETRY(open("/dev/null", O_RDONLY | O_CLOEXEC));
	if (null < 0)
		return brig_err_sys(e, errno, "opening /dev/null");
	for (int i = 0; i < 3 && r == 0; i++)
		if ((saved[i] = fcntl(i, F_DUPFD_CLOEXEC, 3)) < 0)
			r = brig_err_sys(e, errno, "dup");
	if (r == 0 && (dup2(null, 0) < 0 || dup2(w, 1) < 0 || dup2(w, 2) < 0))
		r = brig_err_sys(e, errno, "dup2");
	struct eng_exec_opts x = { .args = hc->argv, .detach = true, .pid = pid };
	if (r == 0)
		r = eng_exec(g, id, &x, e);
	for (int i = 0; i < 3; i++)
		if (saved[i] >= 0) {
			(void)dup2(saved[i], i);
			(void)close(saved[i]);
		}
	return r;
}

/* Wait for the check until the timeout, reading its output; at the
 * timeout its process group is killed.  1 when it timed out. */
static int exec_wait(pid_t pid, int rfd, int64_t timeout, struct out_buf *o, int *status,
		     struct brig_err *e)
{
	_cleanup_close_ int pidfd = (int)syscall(__NR_pidfd_open, pid, 0);
	if (pidfd < 0) {
		int r = brig_err_sys(e, errno, "pidfd_open");
		(void)kill(pid, SIGKILL);
		(void)BRIG_RETRY(waitpid(pid, NULL, 0));
		return r;
	}
	int64_t deadline = clock_ns(CLOCK_MONOTONIC) + timeout;
	bool exited = false;
	while (!exited) {
		int64_t left = deadline - clock_ns(CLOCK_MONOTONIC);
		if (left <= 0) {
			(void)kill(-pid, SIGKILL); /* its own session and group */
			(void)kill(pid, SIGKILL);
			(void)BRIG_RETRY(waitpid(pid, NULL, 0));
			return 1;
		}
		struct pollfd p[2] = { { .fd = pidfd, .events = POLLIN },
				       { .fd = o->eof ? -1 : rfd, .events = POLLIN } };
		int ms = left / 1000000 + 1 > 3600000 ? 3600000 : (int)(left / 1000000 + 1);
		if (poll(p, 2, ms) < 0 && errno != EINTR)
			return brig_err_sys(e, errno, "poll");
		if (p[1].revents)
			drain(rfd, o);
		exited = p[0].revents != 0;
	}
	int st = 0;
	if (BRIG_RETRY(waitpid(pid, &st, 0)) < 0)
		return brig_err_sys(e, errno, "waitpid");
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	drain(rfd, o); /* what it wrote last; no wait for what it left running */
	return 0;
}

static void fmt_duration(int64_t ns, char *buf, size_t size)
{
	if (ns % 1000000000LL == 0)
		(void)snprintf(buf, size, "%llds", (long long)(ns / 1000000000LL));
	else
		(void)snprintf(buf, size, "%lldms", (long long)(ns / 1000000));
}

/* One check into res (res->output to free).  -ESRCH when the container does
 * not run; 1 (nothing done) when it is paused. */
static int check(struct eng *g, const char *id, const struct eng_hc *hc, struct eng_hc_result *res,
		 struct brig_err *e)
{
	*res = (struct eng_hc_result){ .exit_code = -1 };
	if (!eng_running(g, id))
		return brig_err_set(e, -ESRCH, "container %.12s is not running", id);
	if (eng_paused(g, id) == 1)
		return 1;
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return brig_err_sys(e, errno, "pipe");
	_cleanup_close_ int rfd = p[0];
	if (fcntl(rfd, F_SETFL, O_NONBLOCK) < 0) {
		(void)close(p[1]);
		return brig_err_sys(e, errno, "fcntl");
	}
	res->start_ns = clock_ns(CLOCK_REALTIME);
	eng_logs_format_time(res->start_ns, res->start);
	pid_t pid = -1;
	_cleanup_err_ struct brig_err xe = { 0 };
	int r = exec_start(g, id, hc, p[1], &pid, &xe);
	(void)close(p[1]);
	struct out_buf o = { .len = 0 };
	char msg[128];
	if (r < 0) { /* it could not be run: the error is its output */
		(void)snprintf(o.buf, sizeof(o.buf), "%s", brig_err_str(&xe));
		o.len = strlen(o.buf);
	} else if ((r = exec_wait(pid, rfd, hc->timeout, &o, &res->exit_code, e)) < 0) {
		return r;
	} else if (r == 1) {
		fmt_duration(hc->timeout, msg, sizeof(msg));
		o.len = (size_t)snprintf(o.buf, sizeof(o.buf), "Health check exceeded timeout (%s)",
					 msg);
		res->exit_code = -1;
	}
	eng_logs_format_time(clock_ns(CLOCK_REALTIME), res->end);
	if (!(res->output = utf8_text(o.buf, o.len)))
		return brig_err_oom(e);
	return 0;
}

struct add_arg {
	const struct eng_hc *hc;
	const struct eng_hc_result *res;
	int pidfd; /* the run's init (the runner), or -1 */
	const char *status;
	bool changed;
};

static bool init_exited(int pidfd)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	return pidfd >= 0 && poll(&p, 1, 0) != 0;
}

static int add_fn(struct eng_record *rec, void *arg, struct brig_err *e)
{
	struct add_arg *a = arg;
	if (rec->state.status != ENG_ST_RUNNING || init_exited(a->pidfd))
		return -ECANCELED; /* another run's now: not written */
	return eng_health_add(rec, a->hc, a->res, &a->status, &a->changed, e);
}

/* Record a result; tell health_status when the status changed. */
static int record(struct eng *g, const char *id, struct add_arg *a, struct brig_err *e)
{
	int r = eng_record_update(g, id, add_fn, a, e);
	if (r == -ECANCELED)
		return 0;
	if (r == 0 && a->changed) {
		char action[64];
		(void)snprintf(action, sizeof(action), "health_status: %s", a->status);
		(void)eng_event_emit(g, id, action, NULL);
	}
	return r;
}

static int load_hc(struct eng *g, const char *id, struct eng_hc *hc, struct brig_err *e)
{
	_cleanup_close_ int dirfd = eng_ctr_open(g, id, e);
	if (dirfd < 0)
		return dirfd;
	_cleanup_record_ struct eng_record rec;
	int r = eng_record_load(dirfd, id, &rec, e);
	return r < 0 ? r : eng_health_parse(&rec, hc, e);
}

int eng_health_run_once(struct eng *g, const char *id, const char **status, struct brig_err *e)
{
	struct eng_hc hc;
	int r = load_hc(g, id, &hc, e);
	if (r == 0)
		return brig_err_set(e, -ENOENT, "container %.12s has no healthcheck", id);
	struct eng_hc_result res = { .output = NULL };
	if (r > 0 && (r = check(g, id, &hc, &res, e)) == 1)
		r = brig_err_set(e, -EBUSY, "container %.12s is paused", id);
	struct add_arg a = { .hc = &hc, .res = &res, .pidfd = -1, .status = "starting" };
	if (r == 0 && (r = record(g, id, &a, e)) == 0)
		*status = res.exit_code == 0 ? "healthy" : a.status;
	free(res.output);
	eng_hc_clear(&hc);
	return r;
}

/* Sleep ns, or less when the init exits: whether it still lives. */
static bool wait_alive(int pidfd, int64_t ns)
{
	int64_t end = clock_ns(CLOCK_MONOTONIC) + ns;
	for (;;) {
		int64_t left = end - clock_ns(CLOCK_MONOTONIC);
		if (left <= 0)
			return true;
		struct pollfd p = { .fd = pidfd, .events = POLLIN };
		int ms = left / 1000000 + 1 > 3600000 ? 3600000 : (int)(left / 1000000 + 1);
		int n = poll(&p, 1, ms);
		if (n > 0 || (n < 0 && errno != EINTR))
			return false;
	}
}

int eng_health_runner(struct eng *g, const char *id, int pidfd, struct brig_err *e)
{
	struct eng_hc hc;
	int r = load_hc(g, id, &hc, e);
	if (r <= 0)
		return r;
	int64_t began = clock_ns(CLOCK_MONOTONIC);
	bool starting = true;
	for (;;) {
		/* In the start period, until a check passed: the start interval. */
		bool early = starting && clock_ns(CLOCK_MONOTONIC) - began < hc.start_period;
		if (!wait_alive(pidfd, early ? hc.start_interval : hc.interval))
			break;
		struct eng_hc_result res = { .output = NULL };
		_cleanup_err_ struct brig_err e2 = { 0 };
		struct add_arg a = { .hc = &hc, .res = &res, .pidfd = pidfd, .status = "" };
		r = check(g, id, &hc, &res, &e2);
		if (r == 0 && (r = record(g, id, &a, &e2)) == 0 && res.exit_code == 0)
			starting = false;
		free(res.output);
		if (r < 0 && init_exited(pidfd))
			break;
		if (r < 0)
			brig_warn("container %.12s: healthcheck: %s", id, brig_err_str(&e2));
	}
	eng_hc_clear(&hc);
	return 0;
}
