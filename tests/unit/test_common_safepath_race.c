/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The root resolver under attack by a concurrent renamer, in both modes.
 *
 *   BASE/outside/secret                 marker that must never be reached
 *   ROOT<BASE>/outside/secret           "mirror" M: where absolute paths land
 *   ROOT/swap<BASE>/outside/secret      A: reached while swap is a directory
 *   ROOT/swap/secret                    A2
 *   ROOT/alt_root -> /                  swapped with ROOT/swap
 *   ROOT/alt_out  -> BASE/outside       swapped with ROOT/swap
 *   ROOT/r/mv/deep, BASE/outside/parking/deep   exchanged in and out of root
 *
 * A thread exchanges the two names with renameat2(RENAME_EXCHANGE) as fast
 * as it can while the test resolves through them thousands of times; every
 * fd obtained must be one of the files placed inside the root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "common/common.h"

#define ITERATIONS 4000
#define FMT(buf, ...) assert_true(brig_snprintf(buf, sizeof(buf), __VA_ARGS__) >= 0)

static const unsigned modes[] = { 0, BRIG_RESOLVE_FORCE_FALLBACK };

static struct {
	char base[PATH_MAX], root[PATH_MAX], outside[PATH_MAX];
	int rootfd, outfd;
	struct stat secret, mirror, a, a2;
} F = { .rootfd = -1, .outfd = -1 };

struct swapper {
	int dir1, dir2;
	const char *name1, *name2;
	int stop; /* atomic */
	long swaps; /* atomic */
	int err;
	pthread_t thread;
};

static void *swap_loop(void *arg)
{
	struct swapper *s = arg;
	while (!__atomic_load_n(&s->stop, __ATOMIC_RELAXED)) {
		if (renameat2(s->dir1, s->name1, s->dir2, s->name2, RENAME_EXCHANGE) < 0) {
			s->err = errno;
			break;
		}
		__atomic_add_fetch(&s->swaps, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* The running attacker, so that teardown can stop it after a failure. */
static struct swapper *active;

static void swapper_start(struct swapper *s)
{
	assert_int_equal(pthread_create(&s->thread, NULL, swap_loop, s), 0);
	active = s;
	/* Do not start resolving before the attacker is actually running. */
	while (__atomic_load_n(&s->swaps, __ATOMIC_RELAXED) == 0 && s->err == 0)
		sched_yield();
}

static void swapper_stop(struct swapper *s)
{
	__atomic_store_n(&s->stop, 1, __ATOMIC_RELAXED);
	active = NULL;
	assert_int_equal(pthread_join(s->thread, NULL), 0);
	assert_int_equal(s->err, 0);
	/* Leave the tree as it was: an even number of exchanges. */
	if (s->swaps % 2)
		assert_int_equal(renameat2(s->dir1, s->name1, s->dir2, s->name2, RENAME_EXCHANGE),
				 0);
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

static void assert_inside(int fd)
{
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	if (same_file(&st, &F.secret))
		fail_msg("resolved to the marker outside the root");
	char p[PATH_MAX];
	assert_int_equal(brig_fd_path(fd, p, sizeof(p)), 0);
	size_t rl = strlen(F.root);
	if (strcmp(p, F.root) != 0 && (strncmp(p, F.root, rl) != 0 || p[rl] != '/'))
		fail_msg("resolved outside the root: %s", p);
}

/* Resolve path ITERATIONS times; every success must be one of allowed.
 * always: the path resolves in every state of the swap, so every attempt
 * must succeed (this does not depend on how the two threads interleave). */
static void hammer(const char *path, unsigned flags, int oflags, bool always,
		   const struct stat *allowed[], size_t nallowed)
{
	long ok = 0, failed = 0, hits[4] = { 0 };
	int last_err = 0;
	assert_true(nallowed <= BRIG_ARRAY_SIZE(hits));
	for (int i = 0; i < ITERATIONS; i++) {
		struct brig_err e = { 0 };
		int fd = brig_open_in_root(F.rootfd, path, oflags, 0644, flags, &e);
		brig_err_clear(&e);
		if (fd < 0) {
			failed++;
			last_err = -fd;
			continue;
		}
		assert_inside(fd);
		struct stat st;
		assert_int_equal(fstat(fd, &st), 0);
		close(fd);
		bool known = false;
		for (size_t k = 0; k < nallowed && !known; k++)
			if (same_file(&st, allowed[k])) {
				hits[k]++;
				known = true;
			}
		if (!known)
			fail_msg("%s: resolved to an unexpected file", path);
		ok++;
	}
	print_message("# %s mode %u: %ld inside (%ld/%ld), %ld refused%s%s\n", path, flags, ok,
		      hits[0], hits[1], failed, last_err ? ", last: " : "",
		      last_err ? strerror(last_err) : "");
	if (always)
		assert_int_equal(failed, 0);
}

static void put_file(int dirfd, const char *path, const char *content)
{
	int fd = openat(dirfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(brig_write_all(fd, content, strlen(content)), 0);
	close(fd);
}

static int setup(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	char tmpl[] = "/tmp/brig-sprace-XXXXXX", p[PATH_MAX];
	assert_non_null(mkdtemp(tmpl));
	assert_non_null(realpath(tmpl, F.base));
	FMT(F.root, "%s/root", F.base);
	FMT(F.outside, "%s/outside", F.base);
	assert_int_equal(mkdir(F.root, 0755), 0);
	assert_int_equal(mkdir(F.outside, 0755), 0);
	F.rootfd = open(F.root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	F.outfd = open(F.outside, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(F.rootfd >= 0 && F.outfd >= 0);
	put_file(F.outfd, "secret", "OUTSIDE");
	assert_int_equal(brig_mkdir_p(F.rootfd, F.outside + 1, 0755, &e), 0);
	FMT(p, "swap%s", F.outside);
	assert_int_equal(brig_mkdir_p(F.rootfd, p, 0755, &e), 0);
	assert_int_equal(brig_mkdir_p(F.rootfd, "r/mv/deep", 0755, &e), 0);
	assert_int_equal(brig_mkdir_p(F.outfd, "parking/deep", 0755, &e), 0);
	FMT(p, "%s/secret", F.outside + 1);
	put_file(F.rootfd, p, "MIRROR");
	assert_int_equal(fstatat(F.rootfd, p, &F.mirror, 0), 0);
	FMT(p, "swap%s/secret", F.outside);
	put_file(F.rootfd, p, "A");
	assert_int_equal(fstatat(F.rootfd, p, &F.a, 0), 0);
	put_file(F.rootfd, "swap/secret", "A2");
	assert_int_equal(fstatat(F.rootfd, "swap/secret", &F.a2, 0), 0);
	assert_int_equal(fstatat(F.outfd, "secret", &F.secret, 0), 0);
	assert_int_equal(symlinkat("/", F.rootfd, "alt_root"), 0);
	assert_int_equal(symlinkat(F.outside, F.rootfd, "alt_out"), 0);
	brig_err_clear(&e);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	if (active) { /* a test failed while the attacker ran */
		__atomic_store_n(&active->stop, 1, __ATOMIC_RELAXED);
		(void)pthread_join(active->thread, NULL);
		active = NULL;
	}
	close(F.rootfd);
	close(F.outfd);
	int r = brig_rm_rf(AT_FDCWD, F.base, &e);
	if (r < 0)
		fprintf(stderr, "cleanup: %s\n", brig_err_str(&e));
	brig_err_clear(&e);
	return r < 0 ? -1 : 0;
}

/* swap <-> symlink to "/": the absolute host path of the marker, taken
 * through the swapping component, must land on A or on the mirror. */
static void test_race_dir_vs_root_symlink(void **state)
{
	(void)state;
	char path[PATH_MAX];
	FMT(path, "swap%s/secret", F.outside);
	const struct stat *allowed[] = { &F.a, &F.mirror };
	for (size_t m = 0; m < BRIG_ARRAY_SIZE(modes); m++) {
		struct swapper s = {
			.dir1 = F.rootfd, .dir2 = F.rootfd, .name1 = "swap", .name2 = "alt_root"
		};
		swapper_start(&s);
		hammer(path, modes[m], O_RDONLY, true, allowed, 2);
		hammer(path, modes[m] | BRIG_RESOLVE_NOFOLLOW_LAST, O_PATH, true, allowed, 2);
		swapper_stop(&s);
	}
}

/* swap <-> symlink naming the outside directory by its host path. */
static void test_race_dir_vs_outside_symlink(void **state)
{
	(void)state;
	const struct stat *allowed[] = { &F.a2, &F.mirror };
	for (size_t m = 0; m < BRIG_ARRAY_SIZE(modes); m++) {
		struct swapper s = {
			.dir1 = F.rootfd, .dir2 = F.rootfd, .name1 = "swap", .name2 = "alt_out"
		};
		swapper_start(&s);
		hammer("swap/secret", modes[m], O_RDONLY, true, allowed, 2);
		/* Resolves only while both lookups of swap see the directory. */
		hammer("./swap/../swap/./secret", modes[m], O_RDONLY, false, allowed, 2);
		swapper_stop(&s);
	}
}

/* A directory being resolved through is moved out of the root and back:
 * ".." from inside it must still stop at the root. */
static void test_race_dir_moved_out_of_root(void **state)
{
	(void)state;
	char path[PATH_MAX];
	FMT(path, "r/mv/deep/../../../../../../../../../..%s/secret", F.outside);
	const struct stat *allowed[] = { &F.mirror };
	for (size_t m = 0; m < BRIG_ARRAY_SIZE(modes); m++) {
		struct swapper s = {
			.dir1 = F.rootfd, .dir2 = F.outfd, .name1 = "r/mv", .name2 = "parking"
		};
		swapper_start(&s);
		hammer(path, modes[m], O_RDONLY, true, allowed, 1);
		swapper_stop(&s);
	}
}

/* Creating files and directories through the swapping component never
 * creates anything outside the root. */
static void test_race_create(void **state)
{
	(void)state;
	char path[PATH_MAX], out[PATH_MAX];
	for (size_t m = 0; m < BRIG_ARRAY_SIZE(modes); m++) {
		unsigned f = modes[m];
		struct swapper s = {
			.dir1 = F.rootfd, .dir2 = F.rootfd, .name1 = "swap", .name2 = "alt_root"
		};
		swapper_start(&s);
		for (int i = 0; i < ITERATIONS / 4; i++) {
			struct brig_err e = { 0 };
			FMT(path, "swap%s/created%zu", F.outside, m);
			int fd = brig_open_in_root(F.rootfd, path, O_WRONLY | O_CREAT, 0644, f, &e);
			if (fd >= 0) {
				assert_inside(fd);
				close(fd);
			}
			FMT(path, "swap%s/dir%zu/sub", F.outside, m);
			fd = brig_mkdir_in_root(F.rootfd, path, 0755, f, &e);
			if (fd >= 0) {
				assert_inside(fd);
				close(fd);
			}
			char base[NAME_MAX + 1];
			FMT(path, "swap%s/x", F.outside);
			fd = brig_open_parent_in_root(F.rootfd, path, base, f, &e);
			if (fd >= 0) {
				assert_inside(fd);
				close(fd);
			}
			brig_err_clear(&e);
		}
		swapper_stop(&s);
		FMT(out, "created%zu", m);
		assert_int_equal(faccessat(F.outfd, out, F_OK, AT_SYMLINK_NOFOLLOW), -1);
		FMT(out, "dir%zu", m);
		assert_int_equal(faccessat(F.outfd, out, F_OK, AT_SYMLINK_NOFOLLOW), -1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_race_dir_vs_root_symlink),
		cmocka_unit_test(test_race_dir_vs_outside_symlink),
		cmocka_unit_test(test_race_dir_moved_out_of_root),
		cmocka_unit_test(test_race_create),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
