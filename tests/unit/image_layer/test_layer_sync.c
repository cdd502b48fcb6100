/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The layer cache makes a layer durable before its rename (sync.c): a
 * layer of few entries file by file (every regular file and directory
 * fsync'ed, no syncfs, which would wait for every dirty page of the file
 * system), a larger one with one syncfs.  syncfs and fsync are interposed
 * here (this program's definitions win over libc's for the static layer
 * library): they count, remember what was fsync'ed, and do the real call.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "helpers.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_SYNCED 64

static int n_syncfs;
static size_t n_synced;
static ino_t synced[MAX_SYNCED];

int syncfs(int fd)
{
	n_syncfs++;
	return (int)syscall(SYS_syncfs, fd);
}

int fsync(int fd)
{
	struct stat st;
	if (fstat(fd, &st) == 0 && n_synced < MAX_SYNCED)
		synced[n_synced++] = st.st_ino;
	return (int)syscall(SYS_fsync, fd);
}

static bool was_synced(int dirfd, const char *path)
{
	struct stat st;
	assert_int_equal(fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW), 0);
	for (size_t i = 0; i < n_synced; i++)
		if (synced[i] == st.st_ino)
			return true;
	return false;
}

/* Unpack tar into a fresh cache; the published layer's fd. */
static int unpack_into(const char *top, struct buf *tar)
{
	char digest[IMG_DIGEST_LEN], diff_id[IMG_DIGEST_LEN];
	digest_of(tar->p, tar->len, digest);
	memcpy(diff_id, digest, sizeof(diff_id));
	int cfd = open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(cfd >= 0);
	int in = memfd_of(tar->p, tar->len);
	struct img_unpack_result res;
	struct brig_err e = { 0 };
	n_syncfs = 0;
	n_synced = 0;
	if (img_layer_unpack_cached(cfd, in, NULL, digest, diff_id, &res, &e) < 0)
		fail_msg("unpack: %s", brig_err_str(&e));
	img_unpack_result_clear(&res);
	(void)close(in);
	int fd = openat(cfd, diff_id + 7, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	(void)close(cfd);
	return fd;
}

static void remove_top(const char *top)
{
	struct brig_err e = { 0 };
	int dfd = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(brig_rm_rf(dfd, top + 5, &e), 0);
	(void)close(dfd);
}

static void test_small_layer_file_by_file(void **state)
{
	(void)state;
	char top[] = "/tmp/brig-sync-XXXXXX";
	assert_non_null(mkdtemp(top));
	struct tb *t = tb_new();
	tb_dir(t, "etc", 0755);
	tb_file(t, "etc/hostname", "box\n", 0644);
	tb_file(t, "usr/lib/deep/file", "data\n", 0000); /* parents made, unreadable */
	tb_symlink(t, "etc/link", "/nowhere");
	tb_fifo(t, "etc/fifo");
	struct buf tar = tb_finish(t);
	int fd = unpack_into(top, &tar);
	assert_int_equal(n_syncfs, 0);
	const char *want[] = { ".",       "etc",          "etc/hostname",     "usr",
			       "usr/lib", "usr/lib/deep", "usr/lib/deep/file" };
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!was_synced(fd, want[i]))
			fail_msg("%s was not fsync'ed", want[i]);
	(void)close(fd);
	buf_free(&tar);
	remove_top(top);
}

static void test_large_layer_syncfs(void **state)
{
	(void)state;
	char top[] = "/tmp/brig-sync-XXXXXX";
	assert_non_null(mkdtemp(top));
	struct tb *t = tb_new();
	for (int i = 0; i < 300; i++) {
		char name[32];
		(void)snprintf(name, sizeof(name), "f%03d", i);
		tb_file(t, name, "x", 0644);
	}
	struct buf tar = tb_finish(t);
	int fd = unpack_into(top, &tar);
	assert_int_equal(n_syncfs, 1);
	(void)close(fd);
	buf_free(&tar);
	remove_top(top);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_layer_file_by_file),
		cmocka_unit_test(test_large_layer_syncfs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
