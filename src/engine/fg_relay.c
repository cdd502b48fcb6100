/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The output relay of a foreground `brig run` (no -d or -i): a child of
 * brig, forked once the container is made, that holds the container's
 * output and brig's own stdout and stderr, and nothing else; it confines
 * itself as brig-monitor's relay does (monitor/sandbox.c: no capabilities,
 * no_new_privs, Landlock, a seccomp allow-list) before it reads a byte.
 * Without -t it holds the stdout and stderr pipes and the log, Landlock
 * allowing the container's directory only, and copies the output to the
 * log and to brig's stdout and stderr.  With -t it holds the terminal's
 * master (the runtime handed it over, runtime.h's master_out), no file at
 * all, and copies what the container writes to brig's stdout, setting the
 * terminal's size from brig's stdout's when brig passes on a SIGWINCH.
 * brig itself, which keeps its privileges for the end (the record, --rm, a
 * restart), only forwards signals and waits: it reads nothing the
 * container wrote (docs/monitor.md, "The monitor's sandbox").
 * A foreground `exec -t` has the same terminal relay (the runtime calls
 * eng_exec_tty_relay with the exec's master), which also copies brig's
 * stdin to the terminal, watching for the detach keys.
 */
#include "engine/monitor-internal.h"
#include "engine/logs/logs.h"
#include "monitor/sandbox.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The relay's exit status when it could not confine itself. */
#define FG_RELAY_UNCONFINED 3

/* Right after the fork: it ends with brig, whatever ends that; the
 * signals brig forwards are blocked here (a Ctrl-C ends the container,
 * not its output). */
static void relay_begin(pid_t parent, const sigset_t *block)
{
	if (sigprocmask(SIG_BLOCK, block, NULL) < 0 ||
	    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != parent)
		_exit(1);
}

/* Keep keep[] and fds 0-2 only, then confine (dirfd < 0: no file at all;
 * tty_fd >= 0: the terminal's size may be set), or exit. */
static void relay_confine(int *keep, size_t n, int dirfd, int tty_fd)
{
	const char *what = "";
	if (brig_close_all_but(keep, n) < 0 || mon_filter_build_here(tty_fd) < 0 ||
	    mon_sandbox(dirfd, &what) < 0)
		_exit(FG_RELAY_UNCONFINED);
}

static _Noreturn void relay_main(struct eng_mon *m, pid_t parent, const sigset_t *block)
{
	relay_begin(parent, block);
	int keep[6] = { m->out_r, m->err_r, m->pidfd, m->dirfd };
	eng_logw_fds(m->log, keep + 4);
	/* brig's stdout and stderr are 1 and 2, kept. */
	tzset(); /* before Landlock refuses /etc/localtime */
	relay_confine(keep, BRIG_ARRAY_SIZE(keep), m->dirfd, -1);
	eng_logs_relay(m->log, m->out_r, m->err_r, m->pidfd, STDOUT_FILENO, STDERR_FILENO);
	_cleanup_err_ struct brig_err e = { 0 };
	if (eng_logw_flush(m->log, &e) < 0)
		brig_warn("container %.12s: logging: %s", m->id, brig_err_str(&e));
	_exit(0);
}

/* brig's terminal's size onto the container's (from stdout: with -t
 * alone brig reads no stdin), as the runtime's relay did. */
static void tty_size(int master)
{
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0)
		(void)ioctl(master, TIOCSWINSZ, &ws);
}

/* One read from the terminal to brig's stdout: the bytes copied, 0 at
 * the terminal's end (EIO: no process of the container holds it), -EAGAIN
 * or -EINTR (nothing now), -EPIPE when brig's stdout failed (a pipe whose
 * reader went). */
static ssize_t tty_copy(int master)
{
	char buf[8192];
	ssize_t n = read(master, buf, sizeof(buf));
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? -errno : 0;
	if (n > 0 && brig_write_all(STDOUT_FILENO, buf, (size_t)n) < 0)
		return -EPIPE;
	return n;
}

/* An exec -t's stdin (its detach keys watched) while open. */
struct tty_in {
	const struct rt_detach_keys *keys;
	size_t matched;
	bool open, detached;
};

/* Until the process has exited (its pidfd), then what it wrote last,
 * still in the terminal; with in, stdin is copied to the terminal until
 * its end (or the detach keys: then at once).  Returning closes the
 * master: when brig's stdout is gone, the container's next write fails
 * (EIO) rather than blocks. */
static void tty_relay(int master, int pidfd, int winch, struct tty_in *in)
{
	tty_size(master);
	bool exited = false, open = true;
	while (!exited) {
		struct pollfd p[4] = { { .fd = open ? master : -1, .events = POLLIN },
				       { .fd = pidfd, .events = POLLIN },
				       { .fd = winch, .events = POLLIN },
				       { .fd = in && in->open ? STDIN_FILENO : -1,
					 .events = POLLIN } };
		if (poll(p, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		struct signalfd_siginfo si;
		if (p[2].revents && read(winch, &si, sizeof(si)) > 0)
			tty_size(master);
		if (p[3].revents && !rt_tty_input(master, in->keys, &in->matched, &in->detached))
			in->open = false;
		if (in && in->detached)
			return;
		ssize_t n = p[0].revents ? tty_copy(master) : 1;
		if (n == -EPIPE)
			return;
		if (n == 0)
			open = false;
		exited = p[1].revents != 0;
	}
	if (open && fcntl(master, F_SETFL, O_NONBLOCK) == 0)
		while (tty_copy(master) > 0)
			;
}

/* The signals blocked, a signalfd for SIGWINCH, keep[] and the signalfd
 * (keep[n - 1], filled here) only, confined: the terminal relay's start. */
static int tty_begin(pid_t parent, const sigset_t *block, int *keep, size_t n, int master)
{
	relay_begin(parent, block);
	sigset_t winch;
	sigemptyset(&winch);
	sigaddset(&winch, SIGWINCH);
	int sfd = signalfd(-1, &winch, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		_exit(FG_RELAY_UNCONFINED);
	keep[n - 1] = sfd;
	relay_confine(keep, n, -1, master);
	return sfd;
}

/* With -t: the master (m->out_r), the init's pidfd, a signalfd for the
 * SIGWINCH brig passes on (blocked here with the others), brig's stdout;
 * not its stdin (nothing is typed into a -t without -i), nor any file. */
static _Noreturn void tty_main(struct eng_mon *m, pid_t parent, const sigset_t *block)
{
	int keep[3] = { m->out_r, m->pidfd, -1 };
	int sfd = tty_begin(parent, block, keep, BRIG_ARRAY_SIZE(keep), m->out_r);
	(void)close(STDIN_FILENO);
	tty_relay(m->out_r, m->pidfd, sfd, NULL);
	_exit(0);
}

pid_t eng_exec_tty_relay(int master, pid_t pid, const struct rt_detach_keys *keys)
{
	int pidfd = (int)syscall(__NR_pidfd_open, pid, 0);
	if (pidfd < 0)
		return -1;
	(void)fflush(NULL);
	pid_t parent = getpid();
	pid_t p = fork();
	if (p == 0) {
		/* Every signal: brig forwards them to the process, or the
		 * SIGWINCH to the relay's signalfd. */
		sigset_t all;
		sigfillset(&all);
		int keep[3] = { master, pidfd, -1 };
		int sfd = tty_begin(parent, &all, keep, BRIG_ARRAY_SIZE(keep), master);
		struct tty_in in = { .keys = keys, .open = true };
		tty_relay(master, pidfd, sfd, &in);
		_exit(in.detached ? RT_RELAY_DETACHED : 0);
	}
	int err = errno;
	(void)close(pidfd);
	errno = err;
	return p;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		(void)close(*fd);
	*fd = -1;
}

void eng_fg_relay_start(struct eng_mon *m, const sigset_t *block)
{
	(void)fflush(NULL);
	pid_t parent = getpid();
	pid_t p = fork();
	if (p == 0 && m->tty)
		tty_main(m, parent, block);
	if (p == 0)
		relay_main(m, parent, block);
	if (p < 0) /* as a relay that failed: the output is not read */
		brig_warn("container %.12s: its output is not shown: fork: %s", m->id,
			  strerror(errno));
	m->relay = p;
	/* From here on brig holds none of the output (nor the terminal), nor
	 * the log. */
	close_fd(&m->out_r);
	close_fd(&m->err_r);
	eng_logw_close(m->log);
	m->log = NULL;
}
void eng_fg_relay_wait(struct eng_mon *m)
{
	if (m->relay <= 0)
		return;
	int st;
	pid_t r = BRIG_RETRY(waitpid(m->relay, &st, 0));
	m->relay = -1;
	if (r < 0)
		brig_warn("container %.12s: its output relay: %s", m->id, strerror(errno));
	else if (WIFEXITED(st) && WEXITSTATUS(st) == FG_RELAY_UNCONFINED)
		brig_warn("container %.12s: its output relay could not confine itself: the "
			  "output was not shown",
			  m->id);
	else if (WIFSIGNALED(st) && WTERMSIG(st) != SIGPIPE) /* brig's reader went */
		brig_warn("container %.12s: its output relay was killed (signal %d)", m->id,
			  WTERMSIG(st));
}
