/* SPDX-License-Identifier: Apache-2.0 */
/* Size-limited reads, atomic replacement, directory trees, number parsing,
 * close-on-exec. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "common/common.h"

#define FMT(buf, ...) assert_true(brig_snprintf(buf, sizeof(buf), __VA_ARGS__) >= 0)

static char dir[PATH_MAX];
static int dfd = -1;

static int setup(void **state)
{
	(void)state;
	char tmpl[] = "/tmp/brig-fileio-XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	assert_non_null(realpath(tmpl, dir));
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return dfd >= 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	close(dfd);
	/* If the mount test failed half-way, its mounts are still here. */
	char p[PATH_MAX];
	FMT(p, "%s/mtree/tmpfs", dir);
	(void)umount2(p, MNT_DETACH);
	FMT(p, "%s/mtree/x/bind", dir);
	(void)umount2(p, MNT_DETACH);
	int r = brig_rm_rf(AT_FDCWD, dir, &e);
	if (r < 0)
		fprintf(stderr, "cleanup: %s\n", brig_err_str(&e));
	brig_err_clear(&e);
	return r;
}

static void put(const char *name, const char *data, size_t len)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(brig_write_all(fd, data, len), 0);
	close(fd);
}

static bool exists(int at, const char *name)
{
	return faccessat(at, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

static void test_read_file_limits(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	static char data[10000];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)('a' + i % 26);
	put("f", data, sizeof(data));
	char *buf = NULL;
	size_t len = 0;
	/* Exactly at the limit. */
	assert_int_equal(brig_read_file(dfd, "f", sizeof(data), &buf, &len, &e), 0);
	assert_int_equal(len, sizeof(data));
	assert_memory_equal(buf, data, len);
	assert_int_equal(buf[len], '\0');
	free(buf);
	/* One byte over. */
	buf = NULL;
	assert_int_equal(brig_read_file(dfd, "f", sizeof(data) - 1, &buf, &len, &e), -EFBIG);
	assert_null(buf);
	assert_non_null(strstr(brig_err_str(&e), "f: 10000 bytes, larger than the limit of 9999"));
	/* "No limit" must not wrap around (max + 1 == 0). */
	assert_int_equal(brig_read_file(dfd, "f", SIZE_MAX, &buf, &len, &e), 0);
	assert_int_equal(len, sizeof(data));
	free(buf);
	/* Empty files; max 0. */
	put("empty", "", 0);
	assert_int_equal(brig_read_file(dfd, "empty", 0, &buf, NULL, &e), 0);
	assert_string_equal(buf, "");
	free(buf);
	buf = NULL;
	assert_int_equal(brig_read_file(dfd, "f", 0, &buf, &len, &e), -EFBIG);
	assert_int_equal(brig_read_file(dfd, "absent", 10, &buf, &len, &e), -ENOENT);
	assert_non_null(strstr(brig_err_str(&e), "absent"));
	assert_int_equal(brig_read_file(dfd, ".", 10, &buf, &len, &e), -EISDIR);
	assert_null(buf);
	/* A /proc file reports size 0 but has content. */
	assert_int_equal(brig_read_file(AT_FDCWD, "/proc/self/status", 1 << 20, &buf, &len, &e), 0);
	assert_non_null(strstr(buf, "Pid:"));
	assert_int_equal(strlen(buf), len);
	free(buf);
	brig_err_clear(&e);
}

/* A pipe holding n bytes (writer closed); returns the read end. */
static int filled_pipe(size_t n)
{
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	char chunk[512];
	memset(chunk, 'p', sizeof(chunk));
	for (size_t done = 0; done < n;) {
		size_t k = n - done < sizeof(chunk) ? n - done : sizeof(chunk);
		assert_int_equal(brig_write_all(p[1], chunk, k), 0);
		done += k;
	}
	close(p[1]);
	return p[0];
}

static void test_read_limits_on_pipes(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	const size_t max = 9000; /* crosses the initial 4096-byte buffer */
	char *buf = NULL, path[64];
	size_t len = 0;
	int fd = filled_pipe(max);
	FMT(path, "/proc/self/fd/%d", fd);
	assert_int_equal(brig_read_file(AT_FDCWD, path, max, &buf, &len, &e), 0);
	assert_int_equal(len, max);
	assert_int_equal(buf[max - 1], 'p');
	free(buf);
	close(fd);
	buf = NULL;
	fd = filled_pipe(max + 1);
	FMT(path, "/proc/self/fd/%d", fd);
	assert_int_equal(brig_read_file(AT_FDCWD, path, max, &buf, &len, &e), -EFBIG);
	assert_null(buf);
	assert_non_null(strstr(brig_err_str(&e), "larger than the limit of 9000"));
	close(fd);
	fd = filled_pipe(max + 1);
	assert_int_equal(brig_read_fd(fd, "pipe", max + 1, &buf, &len, &e), 0);
	assert_int_equal(len, max + 1);
	free(buf);
	close(fd);
	fd = filled_pipe(10);
	assert_int_equal(brig_read_fd(fd, "pipe", 9, &buf, &len, &e), -EFBIG);
	assert_non_null(strstr(brig_err_str(&e), "pipe: "));
	close(fd);

	/* A FIFO nobody writes to must not hang the reader (watchdog only
	 * guards against a regression wedging the whole test run). */
	assert_int_equal(mkfifoat(dfd, "fifo", 0600), 0);
	alarm(60);
	assert_int_equal(brig_read_file(dfd, "fifo", 100, &buf, &len, &e), 0);
	alarm(0);
	assert_int_equal(len, 0);
	free(buf);
	brig_err_clear(&e);
}

static void test_read_fd_from_offset(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	put("off", "0123456789", 10);
	int fd = openat(dfd, "off", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(lseek(fd, 4, SEEK_SET), 4);
	char *buf = NULL;
	size_t len = 0;
	assert_int_equal(brig_read_fd(fd, "off", 6, &buf, &len, &e), 0);
	assert_string_equal(buf, "456789");
	free(buf);
	close(fd);
	brig_err_clear(&e);
}

/* Entries of sub other than "." and ".."; *hidden counts the dot-names
 * (brig_atomic_write's temporaries). */
static size_t count_entries(const char *sub, size_t *hidden)
{
	int fd = openat(dfd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	DIR *d = fdopendir(fd);
	assert_non_null(d);
	size_t n = 0;
	*hidden = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		n++;
		if (de->d_name[0] == '.')
			(*hidden)++;
	}
	closedir(d);
	return n;
}

static void test_atomic_write(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	assert_int_equal(mkdirat(dfd, "aw", 0755), 0);
	mode_t old = umask(077);
	assert_int_equal(brig_atomic_write(dfd, "aw/state.json", "one", 3, 0644, &e), 0);
	struct stat st1, st2;
	assert_int_equal(fstatat(dfd, "aw/state.json", &st1, 0), 0);
	assert_int_equal(st1.st_mode & 07777, 0644); /* mode honoured despite umask */
	assert_int_equal(brig_atomic_write(dfd, "aw/state.json", "second", 6, 0600, &e), 0);
	umask(old);
	assert_int_equal(fstatat(dfd, "aw/state.json", &st2, 0), 0);
	assert_int_equal(st2.st_mode & 07777, 0600);
	assert_true(st1.st_ino != st2.st_ino); /* replaced, not rewritten */
	char *buf = NULL;
	assert_int_equal(brig_read_file(dfd, "aw/state.json", 100, &buf, NULL, &e), 0);
	assert_string_equal(buf, "second");
	free(buf);
	size_t tmps;
	assert_int_equal(count_entries("aw", &tmps), 1);
	assert_int_equal(tmps, 0);

	/* An O_PATH directory fd (what brig_mkdir_in_root returns) works. */
	int pfd = openat(dfd, "aw", O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(pfd >= 0);
	assert_int_equal(brig_atomic_write(pfd, "p", "x", 1, 0600, &e), 0);
	close(pfd);
	assert_true(exists(dfd, "aw/p"));
	/* AT_FDCWD with an absolute path. */
	char abs[PATH_MAX];
	FMT(abs, "%s/aw/abs", dir);
	assert_int_equal(brig_atomic_write(AT_FDCWD, abs, "", 0, 0600, &e), 0);
	assert_true(exists(dfd, "aw/abs"));

	/* Failures leave nothing behind. */
	assert_int_equal(mkdirat(dfd, "aw/adir", 0755), 0);
	assert_int_equal(brig_atomic_write(dfd, "aw/adir", "x", 1, 0600, &e), -EISDIR);
	assert_non_null(strstr(brig_err_str(&e), "aw/adir"));
	assert_int_equal(brig_atomic_write(dfd, "nodir/x", "x", 1, 0600, &e), -ENOENT);
	assert_int_equal(brig_atomic_write(dfd, "aw/", "x", 1, 0600, &e), -EINVAL);
	assert_int_equal(brig_atomic_write(dfd, "", "x", 1, 0600, &e), -EINVAL);
	char longname[NAME_MAX];
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(brig_atomic_write(dfd, longname, "x", 1, 0600, &e), -EINVAL);
	assert_int_equal(count_entries("aw", &tmps), 4);
	assert_int_equal(tmps, 0);
	brig_err_clear(&e);
}

static void test_write_file(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	put("knob", "old-content", 11);
	assert_int_equal(brig_write_file(dfd, "knob", "new", &e), 0);
	char *buf = NULL;
	assert_int_equal(brig_read_file(dfd, "knob", 100, &buf, NULL, &e), 0);
	assert_string_equal(buf, "new-content"); /* written in place, no truncation */
	free(buf);
	assert_int_equal(brig_write_file(dfd, "no-such-knob", "1", &e), -ENOENT);
	assert_non_null(strstr(brig_err_str(&e), "no-such-knob"));
	assert_false(exists(dfd, "no-such-knob"));
	brig_err_clear(&e);
}

static void test_mkdir_p(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	mode_t old = umask(0);
	assert_int_equal(brig_mkdir_p(dfd, "m/a//b/c/", 0750, &e), 0);
	umask(old);
	struct stat st;
	assert_int_equal(fstatat(dfd, "m/a/b/c", &st, 0), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0750);
	assert_int_equal(brig_mkdir_p(dfd, "m/a/b/c", 0755, &e), 0); /* idempotent */
	put("m/file", "x", 1);
	assert_int_equal(brig_mkdir_p(dfd, "m/file", 0755, &e), -ENOTDIR);
	assert_non_null(strstr(brig_err_str(&e), "m/file"));
	assert_int_equal(brig_mkdir_p(dfd, "m/file/sub", 0755, &e), -ENOTDIR);
	assert_int_equal(brig_mkdir_p(dfd, "", 0755, &e), -EINVAL);
	char abs[PATH_MAX];
	FMT(abs, "%s/m/abs/x", dir);
	assert_int_equal(brig_mkdir_p(AT_FDCWD, abs, 0755, &e), 0);
	assert_true(exists(dfd, "m/abs/x"));
	brig_err_clear(&e);
}

static void test_rm_rf_symlinks(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	/* Outside the tree: a directory and a file that must survive. */
	assert_int_equal(brig_mkdir_p(dfd, "keep/sub", 0755, &e), 0);
	put("keep/sub/precious", "x", 1);
	put("keep/file", "x", 1);
	char target[PATH_MAX];
	assert_int_equal(brig_mkdir_p(dfd, "tree/a/b/c", 0755, &e), 0);
	put("tree/a/f1", "1", 1);
	put("tree/a/b/c/f2", "2", 1);
	FMT(target, "%s/keep", dir);
	assert_int_equal(symlinkat(target, dfd, "tree/abs_dir_link"), 0);
	assert_int_equal(symlinkat("../../keep/sub", dfd, "tree/a/rel_dir_link"), 0);
	FMT(target, "%s/keep/file", dir);
	assert_int_equal(symlinkat(target, dfd, "tree/a/b/file_link"), 0);
	assert_int_equal(symlinkat("/", dfd, "tree/slash"), 0);
	assert_int_equal(mkfifoat(dfd, "tree/a/fifo", 0600), 0);
	assert_int_equal(brig_rm_rf(dfd, "tree", &e), 0);
	assert_false(exists(dfd, "tree"));
	assert_true(exists(dfd, "keep/sub/precious"));
	assert_true(exists(dfd, "keep/file"));
	/* Absent is success; a symlink or a file at the top is just unlinked. */
	assert_int_equal(brig_rm_rf(dfd, "tree", &e), 0);
	assert_int_equal(symlinkat("keep", dfd, "toplink"), 0);
	assert_int_equal(brig_rm_rf(dfd, "toplink", &e), 0);
	assert_false(exists(dfd, "toplink"));
	assert_true(exists(dfd, "keep/sub/precious"));
	put("plain", "x", 1);
	assert_int_equal(brig_rm_rf(dfd, "plain", &e), 0);
	assert_false(exists(dfd, "plain"));
	/* Any depth: deeper than the stack or the fd limit would allow if
	 * every level were held open (a container can build such a tree). */
	static char deep[PATH_MAX];
	size_t n = 4;
	memcpy(deep, "deep", 4);
	for (int i = 0; i < 1500; i++) {
		memcpy(deep + n, "/d", 2);
		n += 2;
	}
	deep[n] = '\0';
	assert_int_equal(brig_mkdir_p(dfd, deep, 0755, &e), 0);
	put("deep/d/d/d/file", "x", 1);
	assert_int_equal(brig_rm_rf(dfd, "deep", &e), 0);
	assert_false(exists(dfd, "deep"));
	/* Beneath a path, and with no error struct. */
	assert_int_equal(brig_mkdir_p(dfd, deep, 0755, &e), 0);
	assert_int_equal(brig_rm_rf(dfd, "deep/d", NULL), 0);
	assert_false(exists(dfd, "deep/d"));
	size_t hidden;
	assert_int_equal(count_entries("deep", &hidden), 0);
	assert_int_equal(brig_rm_rf(dfd, "deep", &e), 0);
	brig_err_clear(&e);
}

static void test_rm_rf_mount_points(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	struct brig_err e = { 0 };
	/* Mounts exist only in this test process's private namespace; paths
	 * are absolute because fds opened before unshare see the old one. */
	assert_int_equal(unshare(CLONE_NEWNS), 0);
	assert_int_equal(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	char tree[PATH_MAX], mnt[PATH_MAX], bind[PATH_MAX], p[PATH_MAX];
	FMT(tree, "%s/mtree", dir);
	FMT(mnt, "%s/mtree/tmpfs", dir);
	FMT(bind, "%s/mtree/x/bind", dir);
	assert_int_equal(brig_mkdir_p(AT_FDCWD, mnt, 0755, &e), 0);
	assert_int_equal(brig_mkdir_p(AT_FDCWD, bind, 0755, &e), 0);
	assert_int_equal(brig_mkdir_p(dfd, "hostdir", 0755, &e), 0);
	put("hostdir/precious", "x", 1);
	assert_int_equal(mount("brig-test", mnt, "tmpfs", 0, "size=64k"), 0);
	FMT(p, "%s/in-tmpfs", mnt);
	assert_int_equal(brig_atomic_write(AT_FDCWD, p, "x", 1, 0600, &e), 0);

	/* A different filesystem beneath the tree. */
	assert_int_equal(brig_rm_rf(AT_FDCWD, tree, &e), -EBUSY);
	assert_non_null(strstr(brig_err_str(&e), "mount point"));
	assert_int_equal(access(p, F_OK), 0);
	/* The mount point itself at the top is refused, contents kept. */
	assert_int_equal(brig_rm_rf(AT_FDCWD, mnt, &e), -EBUSY);
	assert_int_equal(access(p, F_OK), 0);
	assert_int_equal(umount2(mnt, MNT_DETACH), 0);

	/* A bind mount of the same filesystem (same st_dev). */
	FMT(p, "%s/hostdir", dir);
	assert_int_equal(brig_mkdir_p(AT_FDCWD, bind, 0755, &e), 0);
	assert_int_equal(mount(p, bind, NULL, MS_BIND, NULL), 0);
	assert_int_equal(brig_rm_rf(AT_FDCWD, tree, &e), -EBUSY);
	assert_non_null(strstr(brig_err_str(&e), "mount point"));
	FMT(p, "%s/hostdir/precious", dir);
	assert_int_equal(access(p, F_OK), 0);
	assert_int_equal(umount2(bind, MNT_DETACH), 0);
	assert_int_equal(brig_rm_rf(AT_FDCWD, tree, &e), 0);
	assert_int_equal(access(tree, F_OK), -1);
	brig_err_clear(&e);
}

static void test_parse_numbers(void **state)
{
	(void)state;
	uint64_t u = 99;
	int64_t i = 99;
	assert_int_equal(brig_parse_u64("0", &u), 0);
	assert_int_equal(u, 0);
	assert_int_equal(brig_parse_u64("007", &u), 0);
	assert_int_equal(u, 7);
	assert_int_equal(brig_parse_u64("18446744073709551615", &u), 0);
	assert_true(u == UINT64_MAX);
	u = 99;
	const char *bad_u[] = { "", "-1", "+1", " 1", "1 ", "1a", "0x10", "1.0", "\n" };
	for (size_t k = 0; k < BRIG_ARRAY_SIZE(bad_u); k++)
		assert_int_equal(brig_parse_u64(bad_u[k], &u), -EINVAL);
	assert_int_equal(brig_parse_u64(NULL, &u), -EINVAL);
	assert_int_equal(brig_parse_u64("18446744073709551616", &u), -ERANGE);
	assert_int_equal(brig_parse_u64("99999999999999999999999", &u), -ERANGE);
	assert_int_equal(u, 99); /* untouched on error */

	assert_int_equal(brig_parse_i64("-9223372036854775808", &i), 0);
	assert_true(i == INT64_MIN);
	assert_int_equal(brig_parse_i64("9223372036854775807", &i), 0);
	assert_true(i == INT64_MAX);
	assert_int_equal(brig_parse_i64("-0", &i), 0);
	assert_int_equal(i, 0);
	assert_int_equal(brig_parse_i64("-42", &i), 0);
	assert_int_equal(i, -42);
	i = 99;
	assert_int_equal(brig_parse_i64("9223372036854775808", &i), -ERANGE);
	assert_int_equal(brig_parse_i64("-9223372036854775809", &i), -ERANGE);
	const char *bad_i[] = { "", "-", "--1", "+5", "- 1", "1-" };
	for (size_t k = 0; k < BRIG_ARRAY_SIZE(bad_i); k++)
		assert_int_equal(brig_parse_i64(bad_i[k], &i), -EINVAL);
	assert_int_equal(brig_parse_i64(NULL, &i), -EINVAL);
	assert_int_equal(i, 99);
}

static void test_cloexec_from(void **state)
{
	(void)state;
	int a = fcntl(STDERR_FILENO, F_DUPFD, 200); /* no O_CLOEXEC */
	int b = fcntl(STDERR_FILENO, F_DUPFD, a + 1);
	int c = fcntl(STDERR_FILENO, F_DUPFD, b + 7);
	assert_true(a >= 200 && b > a && c > b);
	assert_int_equal(fcntl(b, F_GETFD) & FD_CLOEXEC, 0);
	assert_int_equal(brig_cloexec_from(b), 0);
	assert_int_equal(fcntl(a, F_GETFD) & FD_CLOEXEC, 0);
	assert_true(fcntl(b, F_GETFD) & FD_CLOEXEC);
	assert_true(fcntl(c, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(fcntl(STDERR_FILENO, F_GETFD) & FD_CLOEXEC, 0);
	assert_int_equal(brig_cloexec_from(-1), -EINVAL);
	close(a);
	close(b);
	close(c);
}

static void test_small_helpers(void **state)
{
	(void)state;
	char buf[8];
	assert_int_equal(brig_snprintf(buf, sizeof(buf), "%s", "1234567"), 7);
	assert_int_equal(brig_snprintf(buf, sizeof(buf), "%s", "12345678"), -ENAMETOOLONG);
	char *v[] = { "a", "bc", NULL };
	_cleanup_strv_ char **d = brig_strv_dup(v);
	assert_int_equal(brig_strv_len(d), 2);
	assert_string_equal(d[1], "bc");
	assert_ptr_not_equal(d[1], v[1]);
	assert_int_equal(brig_strv_len(NULL), 0);
	brig_strv_free(NULL);
	/* read_all stops at EOF with a short count; write_all writes all. */
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(brig_write_all(p[1], "hello", 5), 0);
	close(p[1]);
	char r[16];
	assert_int_equal(brig_read_all(p[0], r, sizeof(r)), 5);
	assert_memory_equal(r, "hello", 5);
	assert_int_equal(brig_read_all(p[0], r, sizeof(r)), 0);
	close(p[0]);
	assert_int_equal(brig_write_all(-1, "x", 1), -EBADF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_file_limits),
		cmocka_unit_test(test_read_limits_on_pipes),
		cmocka_unit_test(test_read_fd_from_offset),
		cmocka_unit_test(test_atomic_write),
		cmocka_unit_test(test_write_file),
		cmocka_unit_test(test_mkdir_p),
		cmocka_unit_test(test_rm_rf_symlinks),
		cmocka_unit_test(test_rm_rf_mount_points),
		cmocka_unit_test(test_parse_numbers),
		cmocka_unit_test(test_cloexec_from),
		cmocka_unit_test(test_small_helpers),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
