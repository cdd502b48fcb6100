/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The healthcheck runner of a run: a process of its own, not the monitor
 * (which confines itself once the container runs, and waits as the small
 * brig-monitor).  When the runtime has made the container (its `created`
 * hook, before the start), the monitor opens a pidfd of the init and forks
 * twice; the grandchild, in a session of its own with /dev/null for stdio,
 * execs brig again (the same, sealed binary: /proc/self/exe) as
 * `brig __health-run ID --pidfd N`.  Its life is bound to the run by that
 * pidfd: it ends when the init exits (a stop, a kill, the end, a killed
 * monitor's orphan reaped), and a restart gets a new runner.  The monitor
 * does not wait for it and no fd of the monitor (its lock above all)
 * crosses the exec.  A container without a healthcheck forks nothing.
 */
#include "engine/health-internal.h"
#include "engine/config/engine-config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif

/* Does the record ask for checks?  (Cheap: no fork for the others.) */
static bool wanted(const struct eng_record *rec)
{
	json_t *t = json_object_get(
		json_object_get(json_object_get(rec->doc, "Config"), "Healthcheck"), "Test");
	const char *k = json_string_value(json_array_get(t, 0));
	return k && strcmp(k, "NONE") != 0;
}

/* The grandchild: become the runner; never returns. */
__attribute__((noreturn)) static void runner_exec(struct eng *g, const char *id, int pidfd)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (setsid() < 0 || null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
		_exit(1);
	sigset_t all;
	sigemptyset(&all);
	(void)sigprocmask(SIG_SETMASK, &all, NULL); /* a foreground monitor blocks some */
	(void)signal(SIGHUP, SIG_IGN);
	(void)signal(SIGPIPE, SIG_IGN);
	/* Only the pidfd crosses the exec. */
	if (brig_cloexec_from(3) < 0 || fcntl(pidfd, F_SETFD, 0) < 0)
		_exit(1);
	char fd[16];
	(void)snprintf(fd, sizeof(fd), "%d", pidfd);
	char *argv[16];
	size_t n = 0;
	argv[n++] = "brig";
	argv[n++] = "--root";
	argv[n++] = g->root;
	if (g->cfg && g->cfg->source) {
		argv[n++] = "--config";
		argv[n++] = (char *)g->cfg->source;
	}
	if (g->driver) {
		argv[n++] = "--storage-driver";
		argv[n++] = g->driver;
	}
	argv[n++] = "__health-run";
	argv[n++] = (char *)id;
	argv[n++] = "--pidfd";
	argv[n++] = fd;
	argv[n] = NULL;
	extern char **environ;
	execve("/proc/self/exe", argv, environ);
	_exit(127);
}

void eng_health_spawn(struct eng *g, const struct eng_record *rec, pid_t pid)
{
	if (!wanted(rec))
		return;
	int pidfd = (int)syscall(__NR_pidfd_open, pid, 0);
	if (pidfd < 0) {
		brig_warn("container %.12s: no healthchecks: pidfd_open: %s", rec->id,
			  strerror(errno));
		return;
	}
	(void)fflush(NULL);
	pid_t child = fork();
	if (child == 0) {
		pid_t grandchild = fork();
		if (grandchild == 0)
			runner_exec(g, rec->id, pidfd);
		_exit(grandchild < 0 ? 1 : 0);
	}
	int st = 0;
	if (child < 0 || BRIG_RETRY(waitpid(child, &st, 0)) < 0 || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		brig_warn("container %.12s: no healthchecks: the runner could not be started",
			  rec->id);
	(void)close(pidfd);
}
