/* SPDX-License-Identifier: Apache-2.0 */
/*
 * start, stop, kill, wait.
 *
 * start holds the record lock from its "is it running?" check until the
 * record says "running" with the init's pid, so two starts never race; the
 * monitor's own exit update waits for that lock, so it always lands after.
 */
#include "engine/eng_int.h"
#include "engine/monitor.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct state_arg {
	const char *status;
	pid_t pid;
	int exit_code;
	const char *error;
};

static int set_state(json_t *rec, void *arg, struct brig_err *e)
{
	const struct state_arg *a = arg;
	json_t *st = json_object_get(rec, "State");
	char now[64];
	eng_now(now);
	bool running = strcmp(a->status, "running") == 0;
	if (json_object_set_new(st, "Status", json_string(a->status)) < 0 ||
	    json_object_set_new(st, "Running", json_boolean(running)) < 0 ||
	    json_object_set_new(st, "Pid", json_integer(running ? a->pid : 0)) < 0 ||
	    json_object_set_new(st, "ExitCode", json_integer(a->exit_code)) < 0 ||
	    json_object_set_new(st, "Error", json_string(a->error ? a->error : "")) < 0 ||
	    json_object_set_new(st, running ? "StartedAt" : "FinishedAt", json_string(now)) < 0)
		return brig_err_set(e, -ENOMEM, "out of memory");
	return 0;
}

static int write_state(int dirfd, const char *id, const struct state_arg *a, struct brig_err *e)
{
	_cleanup_json_ json_t *rec = NULL;
	int r = eng_record_read(dirfd, id, &rec, e);
	if (r == 0 && (r = set_state(rec, (void *)a, e)) == 0)
		r = eng_record_write(dirfd, rec, e);
	return r;
}

/* The container has ended: its runtime state goes, the record says how it
 * ended, the monitor lock is let go, and --rm removes it. */
static void finish(struct eng *g, struct eng_mon *m, const char *error)
{
	_cleanup_err_ struct brig_err e = { 0 };
	if (rt_delete(&g->rt, m->id, true, &e) < 0 && e.code != -ENOENT)
		brig_warn("container %.12s: removing runtime state: %s", m->id, brig_err_str(&e));
	(void)rmdir(g->rt_root); /* when it was the last one running */
	brig_err_clear(&e);
	struct state_arg a = { .status = "exited", .exit_code = m->status, .error = error };
	if (eng_record_update(g, m->id, set_state, &a, &e) < 0)
		brig_warn("container %.12s: recording its exit: %s", m->id, brig_err_str(&e));
	bool rm = json_is_true(json_object_get(json_object_get(m->rec, "HostConfig"),
					       "AutoRemove"));
	eng_mon_free(m);
	brig_err_clear(&e);
	if (rm && eng_destroy(g, m->id, &e) < 0)
		brig_warn("container %.12s: --rm: %s", m->id, brig_err_str(&e));
}

/* The monitor's life in the background; never returns. */
__attribute__((noreturn)) static void monitor_main(struct eng *g, const char *id, int ready)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (setsid() < 0 || null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
		_exit(1);
	(void)signal(SIGPIPE, SIG_IGN);
	(void)signal(SIGHUP, SIG_IGN);
	struct eng_mon m = ENG_MON_INIT;
	struct brig_err e = { 0 };
	char msg[4096];
	if (eng_mon_begin(g, id, &m, &e) < 0) {
		int n = snprintf(msg, sizeof(msg), "E%s", brig_err_str(&e));
		(void)brig_write_all(ready, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
		_exit(1);
	}
	int n = snprintf(msg, sizeof(msg), "O%d", (int)m.pid);
	(void)brig_write_all(ready, msg, (size_t)n);
	(void)close(ready);
	const char *error = NULL;
	if (eng_mon_wait(g, &m, &e) < 0)
		error = brig_err_str(&e);
	finish(g, &m, error);
	_exit(0);
}

/* Fork the monitor (twice, so it is nobody's child) and wait for it to
 * report the container running.  lockfd: the record lock we hold, which
 * the monitor must not keep. */
static int spawn_monitor(struct eng *g, const char *id, int lockfd, pid_t *pid,
			 struct brig_err *e)
{
	int ready[2];
	if (pipe2(ready, O_CLOEXEC) < 0)
		return brig_err_sys(e, errno, "pipe");
	(void)fflush(NULL);
	pid_t child = fork();
	if (child < 0) {
		(void)close(ready[0]);
		(void)close(ready[1]);
		return brig_err_sys(e, errno, "fork");
	}
	if (child == 0) {
		(void)close(ready[0]);
		(void)close(lockfd);
		pid_t grandchild = fork();
		if (grandchild != 0)
			_exit(grandchild < 0 ? 1 : 0);
		monitor_main(g, id, ready[1]);
	}
	(void)close(ready[1]);
	(void)BRIG_RETRY(waitpid(child, NULL, 0));
	char msg[4096];
	ssize_t n = brig_read_all(ready[0], msg, sizeof(msg) - 1);
	(void)close(ready[0]);
	if (n <= 0)
		return brig_err_set(e, -EIO, "the container's monitor exited without a word");
	msg[n] = '\0';
	if (msg[0] == 'E')
		return brig_err_set(e, -EIO, "%s", msg + 1);
	int64_t v;
	if (msg[0] != 'O' || brig_parse_i64(msg + 1, &v) < 0 || v <= 0)
		return brig_err_set(e, -EPROTO, "the container's monitor said \"%s\"", msg);
	*pid = (pid_t)v;
	return 0;
}

static int start_attached(struct eng *g, const char *id, int dirfd, int *lockfd,
			  struct brig_err *e)
{
	struct eng_mon m = ENG_MON_INIT;
	m.attach = true;
	int r = eng_mon_begin(g, id, &m, e);
	if (r < 0) {
		eng_mon_free(&m);
		return r;
	}
	struct state_arg a = { .status = "running", .pid = m.pid };
	if ((r = write_state(dirfd, id, &a, e)) < 0)
		brig_warn("container %.12s: %s", id, brig_err_str(e));
	(void)close(*lockfd);
	*lockfd = -1;
	_cleanup_err_ struct brig_err e2 = { 0 };
	const char *error = NULL;
	if ((r = eng_mon_wait(g, &m, &e2)) < 0)
		error = brig_err_str(&e2);
	int status = m.status;
	finish(g, &m, error);
	if (r < 0)
		return brig_err_set(e, r, "%s", error);
	return status;
}

int eng_start(struct eng *g, const char *id, enum eng_attach how, struct brig_err *e)
{
	_cleanup_close_ int dirfd = eng_ctr_open(g, id, e);
	if (dirfd < 0)
		return dirfd;
	_cleanup_close_ int lockfd = brig_lock_path(dirfd, ENG_LOCK, BRIG_LOCK_EXCLUSIVE, true, e);
	if (lockfd < 0)
		return lockfd;
	if (eng_monitor_alive(dirfd))
		return brig_err_set(e, -EBUSY, "container %.12s is already running", id);
	if (how == ENG_ATTACH)
		return start_attached(g, id, dirfd, &lockfd, e);
	pid_t pid = 0;
	int r = spawn_monitor(g, id, lockfd, &pid, e);
	struct state_arg a = { .status = r < 0 ? "exited" : "running", .pid = pid,
			       .exit_code = r < 0 ? 128 : 0, .error = r < 0 ? brig_err_str(e) : NULL };
	_cleanup_err_ struct brig_err e2 = { 0 };
	if (write_state(dirfd, id, &a, &e2) < 0)
		brig_warn("container %.12s: %s", id, brig_err_str(&e2));
	return r;
}

static int record_of(struct eng *g, const char *id, json_t **rec, struct brig_err *e)
{
	return eng_inspect(g, id, rec, e);
}

int eng_kill(struct eng *g, const char *id, int sig, struct brig_err *e)
{
	if (!eng_running(g, id))
		return brig_err_set(e, -ESRCH, "container %.12s is not running", id);
	return rt_kill(&g->rt, id, sig, false, e);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Poll until the monitor is gone or ms have passed; 1 when gone. */
static int gone_within(struct eng *g, const char *id, long ms)
{
	for (long t = 0;; t += 20) {
		if (!eng_running(g, id))
			return 1;
		if (t >= ms)
			return 0;
		sleep_ms(20);
	}
}

int eng_stop(struct eng *g, const char *id, int timeout, struct brig_err *e)
{
	_cleanup_json_ json_t *rec = NULL;
	int r = record_of(g, id, &rec, e);
	if (r < 0)
		return r;
	if (!eng_running(g, id))
		return 0;
	json_t *cfg = json_object_get(rec, "Config");
	const char *signame = json_string_value(json_object_get(cfg, "StopSignal"));
	int sig = signame ? rt_parse_signal(signame) : SIGTERM;
	if (sig <= 0)
		sig = SIGTERM;
	if (timeout < 0) {
		json_t *t = json_object_get(cfg, "StopTimeout");
		timeout = json_is_integer(t) ? (int)json_integer_value(t) : ENG_DEFAULT_STOP_TIMEOUT;
	}
	_cleanup_err_ struct brig_err e2 = { 0 };
	if (rt_kill(&g->rt, id, sig, false, &e2) < 0)
		brig_debug("stop %.12s: %s", id, brig_err_str(&e2));
	if (gone_within(g, id, (long)timeout * 1000))
		return 0;
	brig_err_clear(&e2);
	if (rt_kill(&g->rt, id, SIGKILL, true, &e2) < 0)
		brig_debug("stop %.12s: %s", id, brig_err_str(&e2));
	return eng_wait(g, id, e) < 0 ? e->code : 0;
}

int eng_wait(struct eng *g, const char *id, struct brig_err *e)
{
	_cleanup_close_ int dirfd = eng_ctr_open(g, id, e);
	if (dirfd < 0)
		return dirfd;
	int r = eng_monitor_wait(dirfd, e);
	if (r < 0)
		return r;
	_cleanup_json_ json_t *rec = NULL;
	if ((r = eng_record_read(dirfd, id, &rec, e)) < 0) {
		/* Removed by --rm once it ended: the exit is gone with it. */
		return r;
	}
	json_t *code = json_object_get(json_object_get(rec, "State"), "ExitCode");
	return json_is_integer(code) ? (int)json_integer_value(code) : 0;
}
