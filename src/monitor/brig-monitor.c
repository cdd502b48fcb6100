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
 * It is two processes: this one, which keeps its privileges (it execs brig
 * for a restart) but reads nothing the container writes, and a child, the
 * log relay (relay.c), which holds the pipes and the container directory,
 * gives up every capability, sets no_new_privs, and confines itself with
 * Landlock and seccomp (sandbox.c) before it reads a byte.  A relay that
 * dies is replaced; the relay dies with this process.
 *
 * Usage (by brig only):
 *   brig-monitor LOCK_FD OUT_FD ERR_FD PID LOG_DIR_FD LOG_MAX_SIZE LOG_MAX_FILES BRIG_FD
 *                -- BRIG_ARGV...
 * BRIG_ARGV gets "--status N" appended (the init's exit status, 0-255).
 */
#include "common/common.h"
#include "monitor/monitor-internal.h"

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

/* A relay killed (or dead of a flaw) is replaced, this often at most per
 * run; then the output is no longer read and the pipes are closed. */
#define RELAY_MAX_SPAWNS 100

static int parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
	return brig_parse_i64(s, out) == 0 && *out >= min && *out <= max ? 0 : -1;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		(void)close(*fd);
	*fd = -1;
}

static void spawn_relay(struct mon *m)
{
	pid_t parent = getpid();
	pid_t p = fork();
	if (p == 0)
		mon_relay_main(m, parent);
	m->relay = p > 0 ? p : -1;
	if (p < 0) { /* nobody reads: the container gets EPIPE, not a stall */
		close_fd(&m->out);
		close_fd(&m->err);
	}
}

static int exit_code(int st)
{
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The init has exited: wait for the relay to log the rest (one that died
 * meanwhile is replaced: the rest is still in the pipes). */
static void drain(struct mon *m, unsigned spawns)
{
	while (m->relay > 0) {
		if (m->pidfd < 0) /* it cannot tell that the init has exited */
			(void)kill(m->relay, SIGKILL);
		int st;
		if (BRIG_RETRY(waitpid(m->relay, &st, 0)) != m->relay)
			return;
		m->relay = -1;
		bool done = WIFEXITED(st) &&
			(WEXITSTATUS(st) == 0 || WEXITSTATUS(st) == MON_RELAY_UNCONFINED);
		if (!done && m->pidfd >= 0 && m->out >= 0 && ++spawns <= RELAY_MAX_SPAWNS)
			spawn_relay(m);
	}
}

/* Wait for the init; keep a relay running beside it (a dead one is
 * replaced); then wait for the relay to drain the last output.  This
 * process reads nothing the container wrote: only exit statuses. */
static void supervise(struct mon *m)
{
	unsigned spawns = 1;
	spawn_relay(m);
	for (;;) {
		int st;
		pid_t p = waitpid(-1, &st, 0);
		if (p < 0 && errno == EINTR)
			continue;
		if (p < 0)
			break;
		if (p == m->pid) {
			m->status = exit_code(st);
			break;
		}
		if (p != m->relay)
			continue;
		m->relay = -1;
		bool gave_up = WIFEXITED(st) && WEXITSTATUS(st) == MON_RELAY_UNCONFINED;
		if (gave_up || ++spawns > RELAY_MAX_SPAWNS || m->out < 0) {
			close_fd(&m->out);
			close_fd(&m->err);
			continue;
		}
		spawn_relay(m);
	}
	drain(m, spawns);
}

/* Let go of the pages of code only start-up used: an idle monitor touches
 * a few pages in its loop, and resident memory is what every container pays
 * for.  (The pages are the program file's: they come back on use.) */
void mon_shed_startup_pages(void)
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
			 .dirfd = (int)v[4],
			 .max_size = (uint64_t)v[5],
			 .max_files = (unsigned)v[6],
			 .brig_fd = (int)v[7],
			 .relay = -1,
			 .status = 255 };
	m.pidfd = (int)syscall(__NR_pidfd_open, m.pid, 0);
	if (m.pidfd >= 0)
		(void)fcntl(m.pidfd, F_SETFD, FD_CLOEXEC);
	mon_shed_startup_pages();
	supervise(&m);
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
