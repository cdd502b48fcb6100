/* SPDX-License-Identifier: Apache-2.0 */
/* ptrace(PTRACE_ATTACH) of a host process whose (host) pid is argv[1].  If it
 * works the probe detaches at once and the tracee continues unharmed. */
#include "probe.h"

#include <sys/ptrace.h>
#include <sys/wait.h>

int main(int argc, char **argv)
{
	char *end;
	long pid;

	if (argc != 2)
		return probe_error("usage: probe_ptrace HOST_PID");
	errno = 0;
	pid = strtol(argv[1], &end, 10);
	if (errno || *end || pid <= 0)
		return probe_error("bad pid '%s'", argv[1]);
	if (ptrace(PTRACE_ATTACH, (pid_t)pid, NULL, NULL) < 0)
		return probe_blocked(errno, "ptrace(PTRACE_ATTACH) of host pid %ld", pid);
	(void)waitpid((pid_t)pid, NULL, __WALL);
	(void)ptrace(PTRACE_DETACH, (pid_t)pid, NULL, NULL);
	return probe_escaped("attached to host pid %ld with ptrace", pid);
}
