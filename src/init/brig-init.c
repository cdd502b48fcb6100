/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig-init: the minimal init that `brig run --init` puts at PID 1.
 *
 *   brig-init [-g] [--] CMD [ARGS...]
 *
 * It blocks every asynchronous signal, starts CMD in a process group of its
 * own (the terminal's foreground group when stdin is a tty), then waits for
 * signals: SIGCHLD reaps every exited child, anything else is forwarded to
 * CMD (with -g, to CMD's whole process group).  When CMD exits, brig-init
 * reaps what has already exited and exits with CMD's status, or 128+N when a
 * signal N killed it.  Outside PID 1 it makes itself a child subreaper so the
 * orphans of CMD are still reaped here.  See docs/init.md.
 *
 * Self-contained on purpose (statically linked into every container that asks
 * for it): libc only, no allocation, no stdout.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define INIT_ERR_EXIT 125 /* brig-init itself failed, like the engine */
#define RETRY(expr)                                 \
	({                                          \
		long _r;                            \
		do                                  \
			_r = (long)(expr);          \
		while (_r == -1 && errno == EINTR); \
		_r;                                 \
	})

/* Signals that stay with their default action: the synchronous ones (a fault
 * in brig-init must kill it, not be queued) and the terminal-stop ones that
 * brig-init ignores so tcsetpgrp() and writes from the background work. */
static const int unblocked_signals[] = {
	SIGFPE, SIGILL, SIGSEGV, SIGBUS, SIGABRT, SIGTRAP, SIGSYS, SIGTTIN, SIGTTOU,
};

static void die(const char *what)
{
	fprintf(stderr, "brig-init: %s: %s\n", what, strerror(errno));
	exit(INIT_ERR_EXIT);
}

static void usage(FILE *f)
{
	fputs("usage: brig-init [-g] [--] CMD [ARGS...]\n"
	      "  -g  forward signals to CMD's process group, not only to CMD\n",
	      f);
}

/* argv index of CMD; sets *group for -g.  Exits on a usage error. */
static int parse_args(int argc, char **argv, bool *group)
{
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else if (strcmp(argv[i], "-g") == 0) {
			*group = true;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			exit(0);
		} else {
			fprintf(stderr, "brig-init: unknown option '%s'\n", argv[i]);
			usage(stderr);
			exit(INIT_ERR_EXIT);
		}
	}
	if (i >= argc) {
		usage(stderr);
		exit(INIT_ERR_EXIT);
	}
	return i;
}

/* The child: own process group, foreground on the tty, then CMD with the
 * signal state brig-init was started with.  Never returns. */
static void run_child(char **cmd, const sigset_t *orig_mask)
{
	if (setpgid(0, 0) < 0)
		fprintf(stderr, "brig-init: setpgid: %s\n", strerror(errno));
	/* SIGTTOU is still ignored here, so this works from the background. */
	if (isatty(STDIN_FILENO) && tcsetpgrp(STDIN_FILENO, getpid()) < 0)
		fprintf(stderr, "brig-init: tcsetpgrp: %s\n", strerror(errno));
	for (size_t i = 0; i < sizeof(unblocked_signals) / sizeof(unblocked_signals[0]); i++)
		(void)signal(unblocked_signals[i], SIG_DFL);
	if (sigprocmask(SIG_SETMASK, orig_mask, NULL) < 0)
		fprintf(stderr, "brig-init: sigprocmask: %s\n", strerror(errno));
	execvp(cmd[0], cmd);
	int e = errno;
	fprintf(stderr, "brig-init: exec %s: %s\n", cmd[0], strerror(e));
	/* Like Docker: 127 when there is no such command, 126 when it exists
	 * but cannot be run. */
	_exit(e == ENOENT || e == ENOTDIR || e == ENAMETOOLONG || e == ELOOP ? 127 : 126);
}

static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return INIT_ERR_EXIT;
}

/* Reap every child that has exited; true (and *status) once CMD has. */
static bool reap_all(pid_t child, int *status)
{
	bool done = false;
	for (;;) {
		int st;
		pid_t p = (pid_t)RETRY(waitpid(-1, &st, WNOHANG));
		if (p <= 0) {
			if (p < 0 && errno != ECHILD)
				fprintf(stderr, "brig-init: waitpid: %s\n", strerror(errno));
			return done;
		}
		if (p == child) {
			*status = st;
			done = true;
		}
	}
}

static void forward(int sig, pid_t child, bool group)
{
	if (kill(group ? -child : child, sig) < 0 && errno != ESRCH)
		fprintf(stderr, "brig-init: forward signal %d: %s\n", sig, strerror(errno));
}

/* Wait for signals until CMD has exited; returns its wait status. */
static int supervise(pid_t child, const sigset_t *waitset, bool group)
{
	int status = 0;
	for (;;) {
		siginfo_t si;
		int sig = (int)RETRY(sigwaitinfo(waitset, &si));
		if (sig < 0)
			die("sigwaitinfo");
		if (sig != SIGCHLD)
			forward(sig, child, group);
		else if (reap_all(child, &status))
			return status;
	}
}

int main(int argc, char **argv)
{
	bool group = false;
	int cmd = parse_args(argc, argv, &group);
	sigset_t all, orig;

	if (sigfillset(&all) < 0)
		die("sigfillset");
	for (size_t i = 0; i < sizeof(unblocked_signals) / sizeof(unblocked_signals[0]); i++)
		(void)sigdelset(&all, unblocked_signals[i]);
	if (sigprocmask(SIG_SETMASK, &all, &orig) < 0)
		die("sigprocmask");
	if (signal(SIGTTIN, SIG_IGN) == SIG_ERR || signal(SIGTTOU, SIG_IGN) == SIG_ERR)
		die("signal");
	if (getpid() != 1 && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		die("prctl(PR_SET_CHILD_SUBREAPER)");

	pid_t child = fork();
	if (child < 0)
		die("fork");
	if (child == 0)
		run_child(argv + cmd, &orig);
	/* Also from this side, so -g forwarding never races the child's own
	 * setpgid (EACCES once it has exec'd is fine: it did it itself). */
	if (setpgid(child, child) < 0 && errno != EACCES && errno != ESRCH)
		fprintf(stderr, "brig-init: setpgid: %s\n", strerror(errno));

	int status = supervise(child, &all, group);
	int ignored;
	(void)reap_all(child, &ignored); /* whatever else has exited by now */
	return exit_code(status);
}
