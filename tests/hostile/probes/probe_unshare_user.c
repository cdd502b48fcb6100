/* SPDX-License-Identifier: Apache-2.0 */
/* A new user namespace, the usual first step to regain every capability over
 * fresh namespaces: tried with unshare(2), clone(2) and clone3(2). */
#include "probe.h"

#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* A child made with CLONE_NEWUSER exits at once; reap it. */
static int reaped(long pid)
{
	int st;
	if (pid == 0)
		_exit(0);
	(void)waitpid((pid_t)pid, &st, 0);
	return 1;
}

int main(void)
{
	int e_unshare, e_clone, e_clone3;
	long pid;

	if (unshare(CLONE_NEWUSER) == 0)
		return probe_escaped("unshare(CLONE_NEWUSER)");
	e_unshare = errno;
	pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid >= 0 && reaped(pid))
		return probe_escaped("clone(CLONE_NEWUSER)");
	e_clone = errno;
	struct clone_args ca = { .flags = CLONE_NEWUSER, .exit_signal = SIGCHLD };
	pid = syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid >= 0 && reaped(pid))
		return probe_escaped("clone3(CLONE_NEWUSER)");
	e_clone3 = errno;
	return probe_blocked(e_unshare, "new user namespace: clone %s, clone3 %s, unshare",
			     probe_errname(e_clone), probe_errname(e_clone3));
}
