/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fork() for unit tests.  cmocka catches SIGSEGV, SIGBUS, SIGILL and SIGFPE
 * and jumps back into its runner; a forked child that crashed would then run
 * the rest of the suite a second time, and the output would count tests
 * twice.  The child gets the default action for every crash signal, so a
 * crash kills it and its parent sees the signal in the wait status.
 */
#ifndef BRIG_TESTS_UNIT_TEST_FORK_H
#define BRIG_TESTS_UNIT_TEST_FORK_H

#include <signal.h>
#include <unistd.h>

static inline pid_t test_fork(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		static const int crash[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE };
		for (size_t i = 0; i < sizeof(crash) / sizeof(crash[0]); i++)
			if (signal(crash[i], SIG_DFL) == SIG_ERR)
				_exit(126);
	}
	return pid;
}

#endif
