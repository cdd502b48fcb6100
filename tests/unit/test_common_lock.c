/* SPDX-License-Identifier: Apache-2.0 */
/* flock helpers between a parent and a forked child (flock locks belong to
 * open file descriptions, so each side opens the lock file itself). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "tests/unit/testutil.h"
#include "common/common.h"

static char dir[PATH_MAX];
static int dfd = -1;

static int setup(void **state)
{
	(void)state;
	char tmpl[] = "/tmp/brig-lock-XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	memcpy(dir, tmpl, sizeof(tmpl));
	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return dfd >= 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	close(dfd);
	int r = brig_rm_rf(AT_FDCWD, dir, &e);
	brig_err_clear(&e);
	return r;
}

/* In the child: try to take the lock without waiting; 0 = got it,
 * 1 = busy, 2 = any other outcome. */
static int child_try(enum brig_lock_mode mode)
{
	struct brig_err e = { 0 };
	int fd = brig_lock_path(dfd, "lk", mode, false, &e);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	bool busy = fd == -EWOULDBLOCK && strstr(brig_err_str(&e), "lk is locked");
	brig_err_clear(&e);
	return busy ? 1 : 2;
}

/* Fork a child that tries (shared, exclusive) and reports both outcomes. */
static void child_probe(int *shared, int *exclusive)
{
	pid_t pid = test_fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int s = child_try(BRIG_LOCK_SHARED);
		int x = child_try(BRIG_LOCK_EXCLUSIVE);
		_exit(s * 4 + x);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	*shared = WEXITSTATUS(status) / 4;
	*exclusive = WEXITSTATUS(status) % 4;
}

static void test_exclusive_excludes_everyone(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	int fd = brig_lock_path(dfd, "lk", BRIG_LOCK_EXCLUSIVE, true, &e);
	assert_true(fd >= 0);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	int s, x;
	child_probe(&s, &x);
	assert_int_equal(s, 1);
	assert_int_equal(x, 1);
	/* Unlocked: the child gets both. */
	assert_int_equal(brig_unlock_fd(fd), 0);
	child_probe(&s, &x);
	assert_int_equal(s, 0);
	assert_int_equal(x, 0);
	/* Re-locking the same fd (same description) upgrades in place. */
	assert_int_equal(brig_lock_fd(fd, BRIG_LOCK_SHARED, false), 0);
	assert_int_equal(brig_lock_fd(fd, BRIG_LOCK_EXCLUSIVE, false), 0);
	child_probe(&s, &x);
	assert_int_equal(s, 1);
	close(fd);
	/* Closing the last fd releases it. */
	child_probe(&s, &x);
	assert_int_equal(x, 0);
}

static void test_shared_admits_shared_only(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	int fd = brig_lock_path(dfd, "lk", BRIG_LOCK_SHARED, false, &e);
	assert_true(fd >= 0);
	int s, x;
	child_probe(&s, &x);
	assert_int_equal(s, 0);
	assert_int_equal(x, 1);
	/* A second description in this process conflicts like another process. */
	int other = BRIG_RETRY(openat(dfd, "lk", O_RDONLY | O_CLOEXEC));
	assert_true(other >= 0);
	assert_int_equal(brig_lock_fd(other, BRIG_LOCK_EXCLUSIVE, false), -EWOULDBLOCK);
	assert_int_equal(brig_lock_fd(other, BRIG_LOCK_SHARED, false), 0);
	close(other);
	close(fd);
}

/* A waiting locker gets the lock only after the holder lets go: the holder
 * writes a marker before unlocking, and the waiter must see it. */
static void test_blocking_waits_for_release(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	int fd = brig_lock_path(dfd, "lk", BRIG_LOCK_EXCLUSIVE, false, &e);
	assert_true(fd >= 0);
	(void)unlinkat(dfd, "marker", 0);
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid_t pid = test_fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		if (brig_write_all(p[1], "w", 1) < 0)
			_exit(3);
		int l = brig_lock_path(dfd, "lk", BRIG_LOCK_EXCLUSIVE, true, &e);
		if (l < 0)
			_exit(2);
		_exit(faccessat(dfd, "marker", F_OK, 0) == 0 ? 0 : 1);
	}
	close(p[1]);
	char c;
	assert_int_equal(brig_read_all(p[0], &c, 1), 1); /* child is about to wait */
	close(p[0]);
	assert_int_equal(brig_atomic_write(dfd, "marker", "x", 1, 0600, &e), 0);
	assert_int_equal(brig_unlock_fd(fd), 0);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(fd);
}

static void test_lock_path_errors(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	int fd = brig_lock_path(dfd, "fresh.lock", BRIG_LOCK_SHARED, false, &e);
	assert_true(fd >= 0);
	close(fd);
	struct stat st;
	assert_int_equal(fstatat(dfd, "fresh.lock", &st, 0), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 0077, 0); /* 0600 at most */
	/* A planted symlink is not followed. */
	assert_int_equal(symlinkat("/etc/passwd", dfd, "planted.lock"), 0);
	assert_int_equal(brig_lock_path(dfd, "planted.lock", BRIG_LOCK_EXCLUSIVE, false, &e),
			 -ELOOP);
	assert_non_null(strstr(brig_err_str(&e), "planted.lock"));
	assert_int_equal(brig_lock_path(dfd, "no/such/dir", BRIG_LOCK_SHARED, false, &e), -ENOENT);
	assert_int_equal(brig_lock_fd(-1, BRIG_LOCK_SHARED, false), -EBADF);
	assert_int_equal(brig_unlock_fd(-1), -EBADF);
	brig_err_clear(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exclusive_excludes_everyone),
		cmocka_unit_test(test_shared_admits_shared_only),
		cmocka_unit_test(test_blocking_waits_for_release),
		cmocka_unit_test(test_lock_path_errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
