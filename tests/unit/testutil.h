/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers every unit test may use.
 *
 * test_fork(): fork() for unit tests.  cmocka catches SIGSEGV, SIGBUS, SIGILL and SIGFPE
 * and jumps back into its runner; a forked child that crashed would then run
 * the rest of the suite a second time, and the output would count tests
 * twice.  The child gets the default action for every crash signal, so a
 * crash kills it and its parent sees the signal in the wait status.
 */
#ifndef BRIG_TESTS_UNIT_TESTUTIL_H
#define BRIG_TESTS_UNIT_TESTUTIL_H

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

/* skip_because("no %s here", what): skip the running test, printing the
 * reason as a TAP comment just before cmocka's "not ok N # SKIP" line so
 * that scripts/tapcheck reports it with the skip.  (cmocka's print_message
 * goes to stdout, as its TAP output does.) */
#define skip_because(...)                   \
	do {                                \
		print_message("# skip: ");  \
		print_message(__VA_ARGS__); \
		print_message("\n");        \
		skip();                     \
	} while (0)

#endif
