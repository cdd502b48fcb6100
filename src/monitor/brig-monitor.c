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
 * A container with -i or -t (or run with --sig-proxy=false) has an attach
 * server (engine/attach_srv.c): it runs in the relay too (relay_attach.c),
 * and this process only sends the init the signals clients ask for (one
 * byte each, from the relay) and tells the relay the run's exit status.
 *
 * Usage (by brig only):
 *   brig-monitor LOCK_FD OUT_FD ERR_FD PID LOG_DIR_FD LOG_MAX_SIZE LOG_MAX_FILES BRIG_FD
 *                ATTACH_LISTEN_FD ATTACH_IN_FD ATTACH_FLAGS -- BRIG_ARGV...
 * (ERR_FD, ATTACH_LISTEN_FD, ATTACH_IN_FD: -1 for none; ATTACH_FLAGS:
 * ENG_ATT_F_*.)
 * BRIG_ARGV gets "--status N" appended (the init's exit status, 0-255).
 */
#include "common/common.h"
#include "engine/attach-internal.h"
#include "monitor/monitor-internal.h"
#include "monitor/sandbox.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif
#ifndef __NR_pidfd_send_signal
#define __NR_pidfd_send_signal 424
#endif

#define N_FIXED 11

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

/* To the relay serving attach.sock: the run's exit status, for its
 * clients. */
static void tell_status(const struct mon *m)
{
	unsigned char st = (unsigned char)m->status;
	if (m->status_w >= 0)
		(void)BRIG_RETRY(write(m->status_w, &st, 1));
}

/* The signals attach clients asked the relay for (one byte each): to the
 * init, through its pidfd, while it has not been reaped. */
static void forward_signals(const struct mon *m)
{
	unsigned char b[64];
	ssize_t n = BRIG_RETRY(read(m->sig_r, b, sizeof(b)));
	for (ssize_t i = 0; i < n; i++) {
		if (b[i] == 0 || b[i] > 64)
			continue;
		if (m->pidfd >= 0)
			(void)syscall(__NR_pidfd_send_signal, m->pidfd, b[i], NULL, 0);
		else
			(void)kill(m->pid, b[i]);
	}
}

/* The next child to end (as waitpid(-1)).  With an attach server
 * (chld: a signalfd for SIGCHLD) the signals the relay passes on are
 * forwarded meanwhile. */
static pid_t next_exit(const struct mon *m, int chld, int *st)
{
	for (;;) {
		pid_t p = waitpid(-1, st, chld >= 0 ? WNOHANG : 0);
		if (p < 0 && errno == EINTR)
			continue;
		if (p != 0)
			return p;
		struct pollfd f[2] = { { .fd = chld, .events = POLLIN },
				       { .fd = m->sig_r, .events = POLLIN } };
		if (poll(f, 2, -1) < 0 && errno != EINTR)
			return -1;
		struct signalfd_siginfo si;
		if (f[0].revents)
			while (read(chld, &si, sizeof(si)) == (ssize_t)sizeof(si))
				;
		if (f[1].revents)
			forward_signals(m);
	}
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
		if (!done && m->pidfd >= 0 && m->out >= 0 && ++spawns <= RELAY_MAX_SPAWNS) {
			tell_status(m); /* the dead relay may have taken it */
			spawn_relay(m);
		}
	}
}

/* Wait for the init; keep a relay running beside it (a dead one is
 * replaced); then wait for the relay to drain the last output.  This
 * process reads nothing the container wrote: only exit statuses. */
static void supervise(struct mon *m, int chld)
{
	unsigned spawns = 1;
	spawn_relay(m);
	/* Only the first relay keeps the output for a client on its way (run
	 * -it): a replacement would wait, at the end, for one that came. */
	m->att_flags &= ~ENG_ATT_F_HOLD;
	for (;;) {
		int st;
		pid_t p = next_exit(m, chld, &st);
		if (p < 0)
			break;
		if (p == m->pid) {
			m->status = exit_code(st);
			tell_status(m);
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

/* The fixed arguments (usage above) into m and *lockfd. */
static int parse_args(char **argv, struct mon *m, int *lockfd)
{
	int64_t v[N_FIXED];
	static const int64_t min[N_FIXED] = { 1, 1, -1, 1, 1, 0, 1, 1, -1, -1, 0 };
	static const int64_t max[N_FIXED] = { 1 << 20, 1 << 20,   1 << 20, 1 << 30,
					      1 << 20, INT64_MAX, 100,     1 << 20,
					      1 << 20, 1 << 20,   7 };
	for (int i = 0; i < N_FIXED; i++)
		if (parse_int(argv[i + 1], min[i], max[i], &v[i]) < 0)
			return -1;
	*lockfd = (int)v[0];
	*m = (struct mon){ .out = (int)v[1],
			   .err = (int)v[2],
			   .pid = (pid_t)v[3],
			   .dirfd = (int)v[4],
			   .max_size = (uint64_t)v[5],
			   .max_files = (unsigned)v[6],
			   .brig_fd = (int)v[7],
			   .att_listen = (int)v[8],
			   .att_in = (int)v[9],
			   .att_flags = (unsigned)v[10],
			   .relay = -1,
			   .status = 255,
			   .status_r = -1,
			   .status_w = -1,
			   .sig_r = -1,
			   .sig_w = -1 };
	return 0;
}

/* The signal mask brig gave us, put back for brig (attach_setup). */
static sigset_t saved_mask;

/* With an attach server: the pipes to and from the relay, and a signalfd
 * for SIGCHLD (SIGCHLD blocked) in *chld, so that the wait can forward
 * signals.  Without one, or when this fails: *chld -1 (a failure only
 * costs the clients' signals and their exit status). */
static void attach_setup(struct mon *m, int *chld)
{
	*chld = -1;
	int st[2], sg[2];
	if (m->att_listen < 0 || pipe2(st, O_CLOEXEC) < 0)
		return;
	m->status_r = st[0];
	m->status_w = st[1];
	if (pipe2(sg, O_CLOEXEC | O_NONBLOCK) < 0)
		return;
	m->sig_r = sg[0];
	m->sig_w = sg[1];
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, &saved_mask) == 0)
		*chld = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* Back to brig: BRIG_ARGV --status N, with the lock fd still open. */
static int exec_brig(const struct mon *m, int lockfd, int argc, char **argv)
{
	int n = argc - (N_FIXED + 2);
	char **nargv = calloc((size_t)n + 3, sizeof(char *));
	char status[16];
	(void)snprintf(status, sizeof(status), "%d", m->status);
	if (!nargv)
		return 1;
	for (int i = 0; i < n; i++)
		nargv[i] = argv[N_FIXED + 2 + i];
	nargv[n] = "--status";
	nargv[n + 1] = status;
	int fds[] = { m->out, m->err, m->pidfd };
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
	(void)sigprocmask(SIG_SETMASK, &saved_mask, NULL); /* as brig left it */
	extern char **environ;
	syscall(SYS_execveat, m->brig_fd, "", nargv, environ, AT_EMPTY_PATH);
	return 1;
}

int main(int argc, char **argv)
{
	struct mon m;
	int lockfd, chld;
	(void)sigprocmask(SIG_SETMASK, NULL, &saved_mask);
	if (argc < N_FIXED + 3 || strcmp(argv[N_FIXED + 1], "--") != 0 ||
	    parse_args(argv, &m, &lockfd) < 0)
		return 2;
	(void)signal(SIGPIPE, SIG_IGN);
	(void)signal(SIGHUP, SIG_IGN);
	mon_malloc_lean();
	m.pidfd = (int)syscall(__NR_pidfd_open, m.pid, 0);
	if (m.pidfd >= 0)
		(void)fcntl(m.pidfd, F_SETFD, FD_CLOEXEC);
	attach_setup(&m, &chld);
	/* Once, here: each relay loads it (a failure: the relay fails closed). */
	bool att = m.att_listen >= 0;
	(void)mon_filter_build(att, att && (m.att_flags & ENG_ATT_F_TTY) ? m.att_in : -1);
	mon_shed_startup_pages();
	supervise(&m, chld);
	return exec_brig(&m, lockfd, argc, argv);
}
