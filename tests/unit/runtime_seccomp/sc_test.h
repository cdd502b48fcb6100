/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the live runtime/seccomp tests: every filter is installed in a
 * forked child (after PR_SET_NO_NEW_PRIVS) exactly as the container process
 * does it, and the child checks what its syscalls now return.  A failed check
 * stores its line number in a shared page (no syscall needed) and exits 1.
 */
#ifndef BRIG_TEST_SC_TEST_H
#define BRIG_TEST_SC_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "tests/unit/testutil.h"
#include "runtime/seccomp/runtime-seccomp.h"

static volatile int *child_line; /* MAP_SHARED: the failing CHECK's line */
static pid_t last_child; /* pid of the latest child */
static pid_t pending_child; /* forked, not yet reaped */
static char sc_tmp[64]; /* the test's temporary directory */

#define CHECK(cond)                             \
	do {                                    \
		if (!(cond)) {                  \
			*child_line = __LINE__; \
			return 1;               \
		}                               \
	} while (0)

/* Children leave with a bare exit_group: sanitizer hooks on _exit (leak
 * checking) and on calls to noreturn functions (sigaltstack) would need
 * syscalls that the filter under test may deny.  The volatile loop keeps the
 * compiler from deducing noreturn. */
static volatile int child_exiting = 1;
static inline void child_exit(int code)
{
	while (child_exiting)
		(void)syscall(SYS_exit_group, code);
}

static inline struct rt_seccomp *compile_json(json_t *cfg)
{
	_cleanup_err_ struct brig_err e = { 0 };
	struct rt_seccomp *s = NULL;
	struct bj_loc root, lin, at;
	bj_root(&root, "config.json");
	bj_key(&lin, &root, "linux");
	bj_key(&at, &lin, "seccomp");
	int r = rt_seccomp_parse(cfg, &at, &s, &e);
	json_decref(cfg);
	if (r < 0)
		fail_msg("%s", brig_err_str(&e));
	assert_non_null(s);
	return s;
}

static inline struct rt_seccomp *compile_str(const char *js)
{
	json_error_t jerr;
	json_t *j = json_loads(js, 0, &jerr);
	if (!j)
		fail_msg("bad test JSON: %s", jerr.text);
	return compile_json(j);
}

static inline int wait_child(pid_t pid)
{
	int st = 0;
	if (BRIG_RETRY(waitpid(pid, &st, 0)) != pid)
		fail_msg("waitpid: %s", strerror(errno));
	if (pid == pending_child)
		pending_child = 0;
	return st;
}

/* fork(), remembering the child so that a failed test still reaps it. */
static inline pid_t sc_fork(void)
{
	*child_line = 0;
	pid_t pid = test_fork();
	assert_true(pid >= 0);
	if (pid > 0)
		last_child = pending_child = pid;
	return pid;
}

/* A fresh /tmp directory, removed by sc_test_cleanup whatever happens. */
static inline const char *sc_mkdtemp(void)
{
	snprintf(sc_tmp, sizeof(sc_tmp), "/tmp/brig-seccomp-XXXXXX");
	assert_non_null(mkdtemp(sc_tmp));
	return sc_tmp;
}

/* Per-test teardown: kill and reap a child a failed test left behind (by
 * its pid) and remove the test's directory. */
static inline int sc_test_cleanup(void **state)
{
	(void)state;
	if (pending_child > 0) {
		(void)kill(pending_child, SIGKILL);
		(void)BRIG_RETRY(waitpid(pending_child, NULL, 0));
		pending_child = 0;
	}
	if (sc_tmp[0]) {
		struct brig_err e = { 0 };
		int r = brig_rm_rf(AT_FDCWD, sc_tmp, &e);
		if (r < 0)
			print_message("# cleanup: %s\n", brig_err_str(&e));
		brig_err_clear(&e);
		sc_tmp[0] = '\0';
		return r < 0 ? -1 : 0;
	}
	return 0;
}

/* Fork; the child sets no_new_privs, installs s and returns fn(arg). */
static inline int run_child(const struct rt_seccomp *s, int (*fn)(void *), void *arg)
{
	pid_t pid = sc_fork();
	if (pid == 0) {
		(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0); /* no core on SIGSYS */
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			child_exit(120);
		int nfd = -1;
		if (rt_seccomp_install(s, &nfd, NULL) < 0)
			child_exit(121);
		child_exit(fn(arg));
	}
	return wait_child(pid);
}

static inline void expect_ok(int st)
{
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("child: wait status 0x%x, failed CHECK at line %d", st, *child_line);
}

static inline void expect_sigsys(int st)
{
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSYS)
		fail_msg("child: wait status 0x%x, want death by SIGSYS (line %d)", st,
			 *child_line);
}

static inline int sc_test_setup(void **state)
{
	(void)state;
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	child_line = p;
	return 0;
}

static inline int sc_test_teardown(void **state)
{
	(void)state;
	return munmap((void *)child_line, 4096);
}

#endif /* BRIG_TEST_SC_TEST_H */
