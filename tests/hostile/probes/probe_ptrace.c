/* SPDX-License-Identifier: Apache-2.0 */
/* ptrace(PTRACE_ATTACH) of a process: the pid in argv[1] (a host process,
 * which a pid namespace hides: ESRCH there is not applicable, the kernel
 * never got to judge the attach), or without an argument a child the probe
 * forks, the one process it can always name.  Attaching to one's own child
 * passes the kernel's ptrace access check for any user, so only seccomp or a
 * missing capability can refuse it.  A traced process is detached at once and
 * continues unharmed; the child is then killed. */
#include "probe.h"

#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

static int attach(pid_t pid, const char *what)
{
	if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) < 0) {
		int err = errno;
		if (err == ESRCH)
			return probe_na("%s %ld is not visible here (ESRCH: a pid namespace "
					"hides it; the attach was never judged)",
					what, (long)pid);
		return probe_blocked(err, "ptrace(PTRACE_ATTACH) of %s %ld", what, (long)pid);
	}
	(void)waitpid(pid, NULL, __WALL);
	(void)ptrace(PTRACE_DETACH, pid, NULL, NULL);
	return probe_escaped("attached to %s %ld with ptrace", what, (long)pid);
}

int main(int argc, char **argv)
{
	char *end;
	long pid;

	if (argc > 2)
		return probe_error("usage: probe_ptrace [HOST_PID]");
	if (argc == 2) {
		errno = 0;
		pid = strtol(argv[1], &end, 10);
		if (errno || *end || pid <= 0)
			return probe_error("bad pid '%s'", argv[1]);
		return attach((pid_t)pid, "host pid");
	}
	pid_t child = fork();
	if (child < 0)
		return probe_error("fork: %s", strerror(errno));
	if (child == 0) {
		for (;;)
			pause();
	}
	int r = attach(child, "the probe's child");
	(void)kill(child, SIGKILL);
	(void)waitpid(child, NULL, 0);
	return r;
}
