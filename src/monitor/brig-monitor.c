/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig-monitor: the small program a detached container's monitor becomes
 * while the container runs (the role conmon plays for podman).
 *
 * brig's monitor makes the container (its init is the monitor's child),
 * then execs this program, which keeps the pid, the child, the monitor lock
 * and the pipes: it copies the container's stdout and stderr to its log
 * (engine/logs), waits for the init to exit, and execs brig again (from the
 * sealed copy brig runs from, by fd) to record the end and apply the
 * restart policy.  Statically linked and doing nothing else, it costs a
 * fraction of a brig process's memory for every idle container.
 *
 * Usage (by brig only):
 *   brig-monitor LOCK_FD OUT_FD ERR_FD PID LOG_DIR_FD LOG_MAX_SIZE LOG_MAX_FILES BRIG_FD
 *                -- BRIG_ARGV...
 * BRIG_ARGV gets "--status N" appended (the init's exit status, 0-255).
 */
#include "common/common.h"
#include "engine/logs/logs.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif

#define N_FIXED 8

struct mon {
	int out, err, pidfd, brig_fd;
	pid_t pid;
	int status;
	struct eng_logw *log;
};

static int parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
	return brig_parse_i64(s, out) == 0 && *out >= min && *out <= max ? 0 : -1;
}

static void relay(struct mon *m, int *fd, int stream)
{
	_cleanup_err_ struct brig_err e = { 0 };
	ssize_t n = eng_logw_feed_fd(m->log, stream, *fd, -1, &e);
	if (n == -EAGAIN || n == -EINTR)
		return;
	if (n <= 0) {
		(void)close(*fd);
		*fd = -1;
	}
}

static bool reap(struct mon *m)
{
	int st;
	if (waitpid(m->pid, &st, WNOHANG) != m->pid)
		return false;
	m->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return true;
}

/* Until the init has exited and its output is all in the log (or, once it
 * has exited, nothing came for 2 s: something else holds the pipes). */
static void watch(struct mon *m)
{
	bool exited = false;
	while (!exited || m->out >= 0 || m->err >= 0) {
		struct pollfd p[3] = {
			{ .fd = m->out, .events = POLLIN },
			{ .fd = m->err, .events = POLLIN },
			{ .fd = exited ? -1 : m->pidfd, .events = POLLIN },
		};
		int n = poll(p, 3, exited ? 2000 : -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (p[0].revents)
			relay(m, &m->out, ENG_LOG_STDOUT);
		if (p[1].revents)
			relay(m, &m->err, ENG_LOG_STDERR);
		if (p[2].revents)
			exited = reap(m);
	}
	if (!exited) {
		int st;
		if (BRIG_RETRY(waitpid(m->pid, &st, 0)) == m->pid)
			m->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	}
}

/* Let go of the pages of code only start-up used: an idle monitor touches
 * a few pages in its loop, and resident memory is what every container pays
 * for.  (The pages are the program file's: they come back on use.) */
static void shed_startup_pages(void)
{
	extern const char __executable_start[], etext[];
	long page = sysconf(_SC_PAGESIZE);
	uintptr_t start = (uintptr_t)__executable_start;
	uintptr_t end = ((uintptr_t)etext + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
	if (page > 0 && end > start)
		(void)madvise((void *)start, end - start, MADV_DONTNEED);
}

int main(int argc, char **argv)
{
	int64_t v[N_FIXED];
	if (argc < N_FIXED + 3 || strcmp(argv[N_FIXED + 1], "--") != 0)
		return 2;
	static const int64_t max[N_FIXED] = { 1 << 20, 1 << 20,   1 << 20, 1 << 30,
					      1 << 20, INT64_MAX, 100,     1 << 20 };
	for (int i = 0; i < N_FIXED; i++)
		if (parse_int(argv[i + 1], i == 5 ? 0 : 1, max[i], &v[i]) < 0)
			return 2;
	(void)signal(SIGPIPE, SIG_IGN);
	(void)signal(SIGHUP, SIG_IGN);
	int lockfd = (int)v[0];
	struct mon m = { .out = (int)v[1],
			 .err = (int)v[2],
			 .pid = (pid_t)v[3],
			 .brig_fd = (int)v[7],
			 .status = 255 };
	_cleanup_err_ struct brig_err e = { 0 };
	m.pidfd = (int)syscall(__NR_pidfd_open, m.pid, 0);
	if (eng_logw_open((int)v[4], "ctr.log", (uint64_t)v[5], (unsigned)v[6], &m.log, &e) < 0)
		m.log = NULL; /* the output still drains, unlogged */
	shed_startup_pages();
	if (m.pidfd >= 0) {
		watch(&m);
	} else {
		int st;
		if (BRIG_RETRY(waitpid(m.pid, &st, 0)) == m.pid)
			m.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	}
	eng_logw_close(m.log);
	/* Back to brig: BRIG_ARGV --status N, with the lock fd still open. */
	int n = argc - (N_FIXED + 2);
	char **nargv = calloc((size_t)n + 3, sizeof(char *));
	char status[16];
	(void)snprintf(status, sizeof(status), "%d", m.status);
	if (!nargv)
		return 1;
	for (int i = 0; i < n; i++)
		nargv[i] = argv[N_FIXED + 2 + i];
	nargv[n] = "--status";
	nargv[n + 1] = status;
	int fds[] = { m.out, m.err, m.pidfd };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(fds); i++)
		if (fds[i] >= 0)
			(void)close(fds[i]);
	/* Nothing else crosses into brig: it opens its container directory
	 * and its own binary afresh, so every fd but the monitor lock (named
	 * on its command line) is close-on-exec, brig's own fd included
	 * (execveat runs an ELF from a close-on-exec fd). */
	if (brig_cloexec_from(3) < 0)
		return 1;
	int fl = fcntl(lockfd, F_GETFD);
	if (fl < 0 || fcntl(lockfd, F_SETFD, fl & ~FD_CLOEXEC) < 0)
		return 1;
	extern char **environ;
	syscall(SYS_execveat, m.brig_fd, "", nargv, environ, AT_EMPTY_PATH);
	return 1;
}
