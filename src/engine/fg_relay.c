/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The output relay of a foreground `brig run` (no -d, -i or -t): a child
 * of brig, forked once the container is made, that holds the container's
 * stdout and stderr pipes, brig's own stdout and stderr and the log, and
 * nothing else; it confines itself as brig-monitor's relay does
 * (monitor/sandbox.c: no capabilities, no_new_privs, Landlock to the
 * container's directory, a seccomp allow-list) before it reads a byte,
 * then copies the output to the log and to brig's stdout and stderr.  brig
 * itself, which keeps its privileges for the end (the record, --rm, a
 * restart), only forwards signals and waits: it reads nothing the
 * container wrote (docs/monitor.md, "The monitor's sandbox").
 */
#include "engine/monitor-internal.h"
#include "engine/logs/logs.h"
#include "monitor/sandbox.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The relay's exit status when it could not confine itself. */
#define FG_RELAY_UNCONFINED 3

static _Noreturn void relay_main(struct eng_mon *m, pid_t parent, const sigset_t *block)
{
	/* It ends with brig, whatever ends that; the signals brig forwards
	 * are blocked here (a Ctrl-C ends the container, not its output). */
	if (sigprocmask(SIG_BLOCK, block, NULL) < 0 ||
	    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != parent)
		_exit(1);
	int keep[6] = { m->out_r, m->err_r, m->pidfd, m->dirfd };
	eng_logw_fds(m->log, keep + 4);
	/* brig's stdout and stderr are 1 and 2, kept. */
	if (brig_close_all_but(keep, BRIG_ARRAY_SIZE(keep)) < 0)
		_exit(FG_RELAY_UNCONFINED);
	tzset(); /* before Landlock refuses /etc/localtime */
	const char *what = "";
	if (mon_filter_build_here() < 0 || mon_sandbox(m->dirfd, &what) < 0)
		_exit(FG_RELAY_UNCONFINED);
	eng_logs_relay(m->log, m->out_r, m->err_r, m->pidfd, STDOUT_FILENO, STDERR_FILENO);
	_cleanup_err_ struct brig_err e = { 0 };
	if (eng_logw_flush(m->log, &e) < 0)
		brig_warn("container %.12s: logging: %s", m->id, brig_err_str(&e));
	_exit(0);
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
	if (p == 0)
		relay_main(m, parent, block);
	if (p < 0) /* as a relay that failed: the output is not read */
		brig_warn("container %.12s: its output is not shown: fork: %s", m->id,
			  strerror(errno));
	m->relay = p;
	/* From here on brig holds none of the output, nor the log. */
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
