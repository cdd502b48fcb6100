/* SPDX-License-Identifier: Apache-2.0 */
/* Blob ingest, reading and verification, hostile digests, opening layouts. */
#include "helpers.h"

#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

static char dir[256];
static struct img_store *st;

static int setup(void **state)
{
	(void)state;
	st = th_store_new(dir, sizeof(dir));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	img_store_close(st);
	st = NULL;
	th_rmtree(dir);
	return 0;
}

static void blob_path(char *buf, size_t size, const char *digest)
{
	(void)snprintf(buf, size, "%s/blobs/sha256/%s", dir, digest + 7);
}

static void test_layout_created(void **state)
{
	(void)state;
	char path[PATH_MAX], *buf = NULL;
	size_t len;
	struct brig_err e = { 0 };
	(void)snprintf(path, sizeof(path), "%s/oci-layout", dir);
	assert_int_equal(brig_read_file(AT_FDCWD, path, 4096, &buf, &len, &e), 0);
	assert_string_equal(buf, "{\"imageLayoutVersion\":\"1.0.0\"}");
	free(buf);
	(void)snprintf(path, sizeof(path), "%s/index.json", dir);
	json_t *idx = NULL;
	assert_int_equal(bj_load_file(AT_FDCWD, path, 4096, &idx, &e), 0);
	assert_int_equal(json_integer_value(json_object_get(idx, "schemaVersion")), 2);
	assert_int_equal(json_array_size(json_object_get(idx, "manifests")), 0);
	json_decref(idx);
	/* Opening again (create or not) keeps it as it is. */
	struct img_store *s2 = NULL;
	assert_int_equal(img_store_open(dir, false, &s2, &e), 0);
	img_store_close(s2);
	assert_int_equal(img_store_open(dir, true, &s2, &e), 0);
	img_store_close(s2);
}

static void test_put_read(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	static const char data[] = "hello, blob";
	char digest[IMG_DIGEST_SIZE], hex[BRIG_SHA256_HEX], want[IMG_DIGEST_SIZE];
	assert_int_equal(img_blob_put(st, data, sizeof(data) - 1, digest, &e), 0);
	assert_int_equal(brig_sha256_buf(data, sizeof(data) - 1, hex), 0);
	(void)snprintf(want, sizeof(want), "sha256:%s", hex);
	assert_string_equal(digest, want);
	assert_int_equal(img_blob_exists(st, digest, &e), 1);
	/* The file is where the layout says, holding exactly the bytes. */
	char path[PATH_MAX], *buf = NULL;
	size_t len = 0;
	blob_path(path, sizeof(path), digest);
	assert_int_equal(brig_read_file(AT_FDCWD, path, 4096, &buf, &len, &e), 0);
	assert_int_equal(len, sizeof(data) - 1);
	assert_memory_equal(buf, data, len);
	free(buf);
	buf = NULL;
	assert_int_equal(img_blob_read(st, digest, 4096, &buf, &len, &e), 0);
	assert_memory_equal(buf, data, len);
	free(buf);
	uint64_t size = 0;
	assert_int_equal(img_blob_stat(st, digest, &size, &e), 0);
	assert_int_equal(size, sizeof(data) - 1);
	int fd = -1;
	assert_int_equal(img_blob_open(st, digest, true, &fd, &e), 0);
	char rb[64];
	assert_int_equal(brig_read_all(fd, rb, sizeof(rb)), (ssize_t)(sizeof(data) - 1));
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	/* Too small a limit. */
	assert_int_equal(img_blob_read(st, digest, 4, &buf, &len, &e), -EFBIG);
	assert_int_equal(th_count_temps(dir), 0);
	brig_err_clear(&e);
}

/* The same content twice keeps the first file (no second sync and rename)
 * and leaves no temporary file; a damaged copy of another size is replaced. */
static void test_put_twice(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	static const char data[] = "the same bytes";
	char digest[IMG_DIGEST_SIZE], again[IMG_DIGEST_SIZE], path[PATH_MAX];
	struct stat a, b;
	assert_int_equal(img_blob_put(st, data, sizeof(data) - 1, digest, &e), 0);
	blob_path(path, sizeof(path), digest);
	assert_int_equal(stat(path, &a), 0);
	assert_int_equal(img_blob_put(st, data, sizeof(data) - 1, again, &e), 0);
	assert_string_equal(digest, again);
	assert_int_equal(stat(path, &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(th_count_temps(dir), 0);
	assert_int_equal(truncate(path, 3), 0);
	assert_int_equal(img_blob_put(st, data, sizeof(data) - 1, again, &e), 0);
	assert_int_equal(stat(path, &b), 0);
	assert_int_equal(b.st_size, sizeof(data) - 1);
	assert_int_equal(th_count_temps(dir), 0);
}

static void test_stream_expected(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	char chunk[4096], hex[BRIG_SHA256_HEX], want[IMG_DIGEST_SIZE];
	struct brig_sha256 *h = brig_sha256_new();
	for (size_t i = 0; i < sizeof(chunk); i++)
		chunk[i] = (char)(i * 7);
	for (int i = 0; i < 100; i++)
		brig_sha256_update(h, chunk, sizeof(chunk));
	brig_sha256_final(h, hex);
	brig_sha256_free(h);
	(void)snprintf(want, sizeof(want), "sha256:%s", hex);

	struct img_blob_writer *w = NULL;
	assert_int_equal(img_blob_writer_open(st, want, 100 * sizeof(chunk), &w, &e), 0);
	assert_int_equal(th_count_temps(dir), 1);
	for (int i = 0; i < 100; i++)
		assert_int_equal(img_blob_write(w, chunk, sizeof(chunk), &e), 0);
	char got[IMG_DIGEST_SIZE];
	uint64_t size = 0;
	assert_int_equal(img_blob_commit(w, got, &size, &e), 0);
	assert_string_equal(got, want);
	assert_int_equal(size, 100 * sizeof(chunk));
	/* Spent: no more writes or commits. */
	assert_int_equal(img_blob_write(w, chunk, 1, &e), -EINVAL);
	assert_int_equal(img_blob_commit(w, got, &size, &e), -EINVAL);
	img_blob_abort(w);
	assert_int_equal(img_blob_exists(st, want, &e), 1);
	assert_int_equal(th_count_temps(dir), 0);
	brig_err_clear(&e);
}

static void test_digest_mismatch(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	const char *wrong =
		"sha256:0000000000000000000000000000000000000000000000000000000000000000";
	struct img_blob_writer *w = NULL;
	assert_int_equal(img_blob_writer_open(st, wrong, 1024, &w, &e), 0);
	assert_int_equal(img_blob_write(w, "abc", 3, &e), 0);
	char got[IMG_DIGEST_SIZE];
	assert_int_equal(img_blob_commit(w, got, NULL, &e), -EBADMSG);
	char hex[BRIG_SHA256_HEX];
	brig_sha256_buf("abc", 3, hex);
	th_err_has(&e, "digest mismatch", wrong, hex, NULL);
	img_blob_abort(w);
	assert_int_equal(th_count_temps(dir), 0);
	assert_int_equal(img_blob_exists(st, wrong, &e), 0);
	char actual[IMG_DIGEST_SIZE];
	(void)snprintf(actual, sizeof(actual), "sha256:%s", hex);
	assert_int_equal(img_blob_exists(st, actual, &e), 0);
	brig_err_clear(&e);
}

/* img_blob_check: the digest judged before the commit; after it nothing
 * more is written, a mismatch removes the temporary file at once, and the
 * commit uses the same hash. */
static void test_check_before_commit(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	char hex[BRIG_SHA256_HEX], want[IMG_DIGEST_SIZE], got[IMG_DIGEST_SIZE];
	brig_sha256_buf("abc", 3, hex);
	(void)snprintf(want, sizeof(want), "sha256:%s", hex);
	struct img_blob_writer *w = NULL;
	assert_int_equal(img_blob_writer_open(st, want, 1024, &w, &e), 0);
	assert_int_equal(img_blob_write(w, "abc", 3, &e), 0);
	assert_int_equal(img_blob_check(w, &e), 0);
	assert_int_equal(img_blob_write(w, "d", 1, &e), -EINVAL);
	brig_err_clear(&e);
	uint64_t size = 0;
	assert_int_equal(img_blob_commit(w, got, &size, &e), 0);
	assert_string_equal(got, want);
	assert_int_equal(size, 3);
	img_blob_abort(w);
	assert_int_equal(img_blob_exists(st, want, &e), 1);

	const char *wrong =
		"sha256:1111111111111111111111111111111111111111111111111111111111111111";
	assert_int_equal(img_blob_writer_open(st, wrong, 1024, &w, &e), 0);
	assert_int_equal(img_blob_write(w, "abc", 3, &e), 0);
	assert_int_equal(img_blob_check(w, &e), -EBADMSG);
	th_err_has(&e, "hash to", want, wrong, NULL);
	assert_int_equal(th_count_temps(dir), 0);
	brig_err_clear(&e);
	assert_int_equal(img_blob_commit(w, got, NULL, &e), -EINVAL);
	img_blob_abort(w);
	assert_int_equal(img_blob_exists(st, wrong, &e), 0);
	brig_err_clear(&e);
}

static void test_limit_and_abort(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	struct img_blob_writer *w = NULL;
	assert_int_equal(img_blob_writer_open(st, NULL, 10, &w, &e), 0);
	assert_int_equal(img_blob_write(w, "0123456789", 10, &e), 0);
	assert_int_equal(img_blob_write(w, "x", 1, &e), -EFBIG);
	th_err_has(&e, "limit of 10 bytes", NULL);
	assert_int_equal(th_count_temps(dir), 0);
	assert_int_equal(img_blob_commit(w, NULL, NULL, &e), -EINVAL);
	img_blob_abort(w);

	/* Abort halfway: nothing left behind. */
	assert_int_equal(img_blob_writer_open(st, NULL, 100, &w, &e), 0);
	assert_int_equal(img_blob_write(w, "half", 4, &e), 0);
	assert_int_equal(th_count_temps(dir), 1);
	img_blob_abort(w);
	assert_int_equal(th_count_temps(dir), 0);
	img_blob_abort(NULL);
	brig_err_clear(&e);
}

static void test_hostile_digests(void **state)
{
	(void)state;
	/* A file outside blobs/sha256 that a traversal would reach. */
	char path[PATH_MAX];
	(void)snprintf(path, sizeof(path), "%s/x", dir);
	th_write(path, "secret", 6);
	static const char *const bad[] = {
		"sha256:../../x",
		"sha256:../x",
		"sha256:/etc/passwd",
		"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde",
		"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0",
		"sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
		"SHA256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		"sha512:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde/",
		"sha256:",
		"",
	};
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(bad); i++) {
		struct brig_err e = { 0 };
		int fd = -1;
		char *buf = NULL;
		size_t len;
		uint64_t size;
		struct img_blob_writer *w = NULL;
		assert_int_equal(img_blob_exists(st, bad[i], &e), -EINVAL);
		th_err_has(&e, "invalid blob digest", NULL);
		assert_int_equal(img_blob_open(st, bad[i], false, &fd, &e), -EINVAL);
		assert_int_equal(fd, -1);
		assert_int_equal(img_blob_read(st, bad[i], 100, &buf, &len, &e), -EINVAL);
		assert_null(buf);
		assert_int_equal(img_blob_stat(st, bad[i], &size, &e), -EINVAL);
		assert_int_equal(img_blob_writer_open(st, bad[i], 100, &w, &e), -EINVAL);
		assert_null(w);
		brig_err_clear(&e);
	}
	struct brig_err e = { 0 };
	assert_int_equal(img_blob_exists(st, NULL, &e), -EINVAL);
	brig_err_clear(&e);
	assert_int_equal(th_count_temps(dir), 0);
}

static void test_corrupt_blob(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	char digest[IMG_DIGEST_SIZE], path[PATH_MAX];
	assert_int_equal(img_blob_put(st, "original", 8, digest, &e), 0);
	blob_path(path, sizeof(path), digest);
	th_write(path, "tampered", 8);
	int fd = -1;
	assert_int_equal(img_blob_open(st, digest, true, &fd, &e), -EBADMSG);
	th_err_has(&e, digest, "corrupt", NULL);
	assert_int_equal(fd, -1);
	char *buf = NULL;
	size_t len;
	assert_int_equal(img_blob_read(st, digest, 100, &buf, &len, &e), -EBADMSG);
	assert_null(buf);
	/* Unverified opens still work (for callers that hash as they read). */
	assert_int_equal(img_blob_open(st, digest, false, &fd, &e), 0);
	close(fd);
	/* Writing the right content again repairs it. */
	char again[IMG_DIGEST_SIZE];
	assert_int_equal(img_blob_put(st, "original", 8, again, &e), 0);
	assert_string_equal(again, digest);
	assert_int_equal(img_blob_read(st, digest, 100, &buf, &len, &e), 0);
	assert_memory_equal(buf, "original", 8);
	free(buf);
	brig_err_clear(&e);
}

static void test_non_regular_blobs(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	char path[PATH_MAX], target[PATH_MAX];
	const char *link_dg =
		"sha256:1111111111111111111111111111111111111111111111111111111111111111";
	const char *fifo_dg =
		"sha256:2222222222222222222222222222222222222222222222222222222222222222";
	(void)snprintf(target, sizeof(target), "%s/oci-layout", dir);
	blob_path(path, sizeof(path), link_dg);
	assert_int_equal(symlink(target, path), 0);
	blob_path(path, sizeof(path), fifo_dg);
	assert_int_equal(mkfifo(path, 0600), 0);
	int fd = -1;
	assert_true(img_blob_open(st, link_dg, false, &fd, &e) < 0);
	assert_int_equal(fd, -1);
	assert_int_equal(img_blob_exists(st, link_dg, &e), 0);
	/* A FIFO neither hangs the open nor passes for a blob. */
	assert_int_equal(img_blob_open(st, fifo_dg, false, &fd, &e), -EBADMSG);
	th_err_has(&e, "not a regular file", NULL);
	assert_int_equal(img_blob_exists(st, fifo_dg, &e), 0);
	brig_err_clear(&e);
}

static void test_missing_blob(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	const char *dg = "sha256:3333333333333333333333333333333333333333333333333333333333333333";
	int fd = -1;
	assert_int_equal(img_blob_open(st, dg, true, &fd, &e), -ENOENT);
	th_err_has(&e, dg, "missing", NULL);
	assert_int_equal(img_blob_exists(st, dg, &e), 0);
	brig_err_clear(&e);
}

static void test_open_bad_layouts(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	struct img_store *s = NULL;
	char other[256], path[PATH_MAX];
	th_mkdtemp(other, sizeof(other));
	assert_int_equal(img_store_open(other, false, &s, &e), -ENOENT);
	th_err_has(&e, other, "not an OCI image layout", NULL);
	(void)snprintf(path, sizeof(path), "%s/oci-layout", other);
	th_write(path, "{\"imageLayoutVersion\":\"2.0.0\"}", 30);
	assert_int_equal(img_store_open(other, true, &s, &e), -ENOTSUP);
	th_err_has(&e, "imageLayoutVersion", "2.0.0", NULL);
	th_write(path, "{\"imageLayoutVersion\":1}", 24);
	assert_int_equal(img_store_open(other, true, &s, &e), -EINVAL);
	th_err_has(&e, "oci-layout", "imageLayoutVersion", "expected a string", NULL);
	th_write(path, "{\"imageLayoutVersion\":\"1.0.0\",\"imageLayoutVersion\":\"1.0.0\"}", 58);
	assert_int_equal(img_store_open(other, true, &s, &e), -EINVAL);
	th_err_has(&e, "duplicate", NULL);
	th_rmtree(other);

	/* blobs as a symlink to somewhere else is refused. */
	th_mkdtemp(other, sizeof(other));
	(void)snprintf(path, sizeof(path), "%s/blobs", other);
	assert_int_equal(symlink("/tmp", path), 0);
	assert_true(img_store_open(other, true, &s, &e) < 0);
	th_err_has(&e, "blobs", NULL);
	assert_null(s);
	th_rmtree(other);
	assert_int_equal(img_store_open("", true, &s, &e), -EINVAL);
	brig_err_clear(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_layout_created, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_twice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_expected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_digest_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limit_and_abort, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_digests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_blob, setup, teardown),
		cmocka_unit_test_setup_teardown(test_non_regular_blobs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_blob, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_before_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_bad_layouts, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
