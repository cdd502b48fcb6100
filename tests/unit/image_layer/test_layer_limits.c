/* SPDX-License-Identifier: Apache-2.0 */
/* Limits: decompression bombs, entry counts, sizes, name lengths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "helpers.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#define GIB (1ULL << 30)
#define MIB (1ULL << 20)

/* Bytes written into dest, all files together. */
static uint64_t dest_bytes(int dirfd)
{
	char *dump = tree_dump(dirfd, NULL, 0);
	uint64_t total = 0;
	for (const char *p = dump; (p = strstr(p, " size=")) != NULL; p++)
		total += strtoull(p + 6, NULL, 10);
	free(dump);
	return total;
}

static void expect_error(struct sandbox *s, const struct buf *b, const struct img_unpack_opts *o,
			 const char *needle1, const char *needle2)
{
	struct img_unpack_result res;
	struct brig_err e = { 0 };
	assert_true(unpack_buf(s, b, o, &res, &e) < 0);
	const char *msg = brig_err_str(&e);
	if (!strstr(msg, needle1) || (needle2 && !strstr(msg, needle2)))
		fail_msg("error '%s' does not name '%s' / '%s'", msg, needle1,
			 needle2 ? needle2 : "");
	brig_err_clear(&e);
	img_unpack_result_clear(&res);
}

/* A tar stream holding one 10 GiB file of zeros, built from pieces:
 * compress(header) + n * compress(chunk of zeros) + compress(end marker).
 * Concatenated gzip members / zstd frames are one valid stream. */
static struct buf zeros_bomb(enum img_compression c, size_t chunk)
{
	struct buf out = { 0 }, hdr = tar_header_only("big", (int64_t)(10 * GIB));
	struct buf z = compress_buf(c, hdr.p, hdr.len);
	buf_add(&out, z.p, z.len);
	buf_free(&z);
	void *zeros = calloc(1, chunk);
	assert_non_null(zeros);
	z = compress_buf(c, zeros, chunk);
	for (uint64_t done = 0; done < 10 * GIB; done += chunk)
		buf_add(&out, z.p, z.len);
	buf_free(&z);
	z = compress_buf(c, zeros, 1024); /* end-of-archive marker */
	buf_add(&out, z.p, z.len);
	buf_free(&z);
	free(zeros);
	buf_free(&hdr);
	return out;
}

static void test_zstd_bomb_stopped_by_ratio(void **state)
{
	(void)state;
	struct sandbox s;
	sb_init(&s);
	struct buf bomb = zeros_bomb(IMG_COMP_ZSTD, 64 * MIB);
	assert_true(bomb.len < 1 * MIB); /* ~330 KiB for 10 GiB */
	/* Default ratio limit; the total limit is only a safety net so that a
	 * broken ratio check fails this test without writing 10 GiB. */
	struct img_unpack_opts o = { .max_total_bytes = 1 * GIB };
	expect_error(&s, &bomb, &o, "max_ratio", "'big'");
	/* Stopped after a few MiB, not after gigabytes. */
	print_message("written before the stop: %llu bytes\n",
		      (unsigned long long)dest_bytes(s.destfd));
	assert_true(dest_bytes(s.destfd) < 256 * MIB);
	buf_free(&bomb);
	sb_reset_dest(&s);
	sb_check_and_free(&s);
}

static void test_gzip_bomb_stopped_by_ratio(void **state)
{
	(void)state;
	/* One level of gzip reaches ~1030:1; a lower limit stops it. */
	struct sandbox s;
	sb_init(&s);
	struct buf bomb = zeros_bomb(IMG_COMP_GZIP, 1 * MIB);
	struct img_unpack_opts o = { .max_ratio = 100, .max_total_bytes = 1 * GIB };
	expect_error(&s, &bomb, &o, "max_ratio", "'big'");
	assert_true(dest_bytes(s.destfd) < 64 * MIB);
	buf_free(&bomb);
	sb_reset_dest(&s);
	sb_check_and_free(&s);
}

static void test_nested_gzip_bomb_refused(void **state)
{
	(void)state;
	/* gzip(gzip(gzip(10 GiB tar))): about a kilobyte. */
	struct sandbox s;
	sb_init(&s);
	struct buf inner = zeros_bomb(IMG_COMP_GZIP, 1 * MIB);
	struct buf mid = compress_buf(IMG_COMP_GZIP, inner.p, inner.len);
	struct buf outer = compress_buf(IMG_COMP_GZIP, mid.p, mid.len);
	assert_true(outer.len < 4096);
	expect_error(&s, &outer, NULL, "nested compression", NULL);
	assert_int_equal(dest_bytes(s.destfd), 0);
	/* Even with the ratio check off, nothing big is ever produced. */
	struct img_unpack_opts o = { .max_ratio = UINT64_MAX };
	expect_error(&s, &outer, &o, "nested compression", NULL);
	assert_int_equal(dest_bytes(s.destfd), 0);
	buf_free(&inner);
	buf_free(&mid);
	buf_free(&outer);
	sb_check_and_free(&s);
}

static struct buf many_entries(unsigned n)
{
	struct tb *t = tb_new();
	char name[64];
	for (unsigned i = 0; i < n; i++) {
		if (i % 1000 == 0) {
			(void)snprintf(name, sizeof(name), "d%03u", i / 1000);
			tb_dir(t, name, 0755);
		}
		(void)snprintf(name, sizeof(name), "d%03u/f%06u", i / 1000, i);
		tb_file(t, name, "x", 0644);
	}
	return tb_finish(t);
}

static void test_100k_entries(void **state)
{
	(void)state;
	struct sandbox s;
	sb_init(&s);
	struct buf tar = many_entries(100000 - 100); /* + 100 directories */
	struct img_unpack_result res;
	struct brig_err e = { 0 };
	int r = unpack_buf(&s, &tar, NULL, &res, &e);
	if (r < 0)
		fail_msg("%s", brig_err_str(&e));
	assert_int_equal(res.entries, 100000);
	assert_int_equal(res.files, 99900);
	assert_string_equal(read_at(s.destfd, "d099/f099899"), "x");
	img_unpack_result_clear(&res);
	sb_reset_dest(&s);

	struct img_unpack_opts o = { .max_entries = 50000 };
	expect_error(&s, &tar, &o, "max_entries (50000)", "entry 'd049/f049950'");
	buf_free(&tar);
	sb_reset_dest(&s);
	sb_check_and_free(&s);
}

static void test_size_limits(void **state)
{
	(void)state;
	struct sandbox s;
	sb_init(&s);
	char *big = malloc(3 * MIB + 1);
	assert_non_null(big);
	memset(big, 'a', 3 * MIB);
	big[3 * MIB] = '\0';
	struct tb *t = tb_new();
	tb_file(t, "small", "s", 0644);
	tb_file(t, "big", big, 0644);
	struct buf tar = tb_finish(t);
	struct img_unpack_opts o = { .max_file_size = 1 * MIB };
	expect_error(&s, &tar, &o, "max_file_size", "'big'");
	sb_reset_dest(&s);
	o = (struct img_unpack_opts){ .max_total_bytes = 2 * MIB };
	expect_error(&s, &tar, &o, "max_total_bytes", "'big'");
	assert_true(dest_bytes(s.destfd) <= 2 * MIB);
	sb_reset_dest(&s);
	/* The compressed input counts too (a stream of garbage after the end). */
	struct buf gz = compress_buf(IMG_COMP_GZIP, tar.p, tar.len);
	buf_add(&gz, big, 3 * MIB);
	buf_add(&gz, big, 3 * MIB);
	o = (struct img_unpack_opts){ .max_total_bytes = 3 * MIB + 100 * 1024 };
	expect_error(&s, &gz, &o, "max_total_bytes", "compressed");
	sb_reset_dest(&s);
	buf_free(&gz);
	buf_free(&tar);
	free(big);
	sb_check_and_free(&s);
}

static void test_path_limit(void **state)
{
	(void)state;
	struct sandbox s;
	sb_init(&s);
	char name[5000];
	size_t n = 0;
	while (n + 101 < sizeof(name)) { /* 49 components of 100 bytes */
		memset(name + n, 'p', 100);
		name[n + 100] = '/';
		n += 101;
	}
	name[n - 1] = '\0';
	struct tb *t = tb_new();
	tb_file(t, name, "deep", 0644);
	struct buf tar = tb_finish(t);
	expect_error(&s, &tar, NULL, "max_path (4096)", NULL);
	struct img_unpack_opts o = { .max_path = 64 };
	buf_free(&tar);
	t = tb_new();
	tb_file(t, "this/name/is/longer/than/sixty/four/bytes/all/told/yes/it/really/is", "x",
		0644);
	tar = tb_finish(t);
	expect_error(&s, &tar, &o, "max_path (64)", NULL);
	buf_free(&tar);
	t = tb_new();
	char comp[300];
	memset(comp, 'c', 299);
	comp[299] = '\0';
	tb_file(t, comp, "x", 0644);
	tar = tb_finish(t);
	expect_error(&s, &tar, NULL, "too long", NULL);
	buf_free(&tar);
	sb_check_and_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_zstd_bomb_stopped_by_ratio, sb_teardown),
		cmocka_unit_test_teardown(test_gzip_bomb_stopped_by_ratio, sb_teardown),
		cmocka_unit_test_teardown(test_nested_gzip_bomb_refused, sb_teardown),
		cmocka_unit_test_teardown(test_100k_entries, sb_teardown),
		cmocka_unit_test_teardown(test_size_limits, sb_teardown),
		cmocka_unit_test_teardown(test_path_limit, sb_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
