/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hostile layers: every case runs in a sandbox whose marker tree sits next
 * to dest ("../../etc/passwd" from dest is the marker's etc/passwd), and
 * ends by checking that the marker tree and the host's /etc/passwd and
 * /etc/shadow are unchanged and that no inode of them is reachable in dest.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "helpers.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

/* Unpack t into s; expect success (needle NULL) or an error mentioning
 * needle.  Frees the tar. */
static void run(struct sandbox *s, struct tb *t, const struct img_unpack_opts *o,
		const char *needle)
{
	struct buf tar = tb_finish(t);
	struct img_unpack_result res;
	struct brig_err e = { 0 };
	int r = unpack_buf(s, &tar, o, &res, &e);
	if (!needle && r < 0)
		fail_msg("unexpected failure: %s", brig_err_str(&e));
	if (needle && r == 0)
		fail_msg("unpacking succeeded; expected an error about '%s'", needle);
	if (needle && !strstr(brig_err_str(&e), needle))
		fail_msg("error '%s' does not mention '%s'", brig_err_str(&e), needle);
	brig_err_clear(&e);
	img_unpack_result_clear(&res);
	buf_free(&tar);
}

/* One tar in a fresh sandbox, checked afterwards. */
static void one(struct tb *t, const struct img_unpack_opts *o, const char *needle)
{
	struct sandbox s;
	sb_init(&s);
	run(&s, t, o, needle);
	sb_check_and_free(&s);
}

static void test_dotdot(void **state)
{
	(void)state;
	struct tb *t = tb_new();
	tb_file(t, "../escape", "x", 0644);
	one(t, NULL, "climbs out");
	t = tb_new();
	tb_file(t, "a/../../escape", "x", 0644);
	one(t, NULL, "climbs out");
	t = tb_new();
	tb_file(t, "./../../x/sibling", "pwned", 0644);
	one(t, NULL, "climbs out");
	t = tb_new();
	tb_dir(t, "..", 0777);
	one(t, NULL, "climbs out");
	/* ".." that stays inside is fine. */
	struct sandbox s;
	sb_init(&s);
	t = tb_new();
	tb_file(t, "a/../b", "b\n", 0644);
	run(&s, t, NULL, NULL);
	assert_string_equal(read_at(s.destfd, "b"), "b\n");
	sb_check_and_free(&s);
}

static void test_absolute_paths(void **state)
{
	(void)state;
	struct sandbox s;
	sb_init(&s);
	struct tb *t = tb_new();
	tb_file(t, "/etc/passwd", "pwned\n", 0644);
	tb_file(t, "//etc///shadow", "pwned\n", 0600);
	run(&s, t, NULL, NULL);
	/* Absolute names are taken relative to dest. */
	assert_string_equal(read_at(s.destfd, "etc/passwd"), "pwned\n");
	assert_string_equal(read_at(s.destfd, "etc/shadow"), "pwned\n");
	sb_check_and_free(&s);
	t = tb_new();
	tb_file(t, "/../../etc/shadow", "pwned\n", 0644);
	one(t, NULL, "climbs out");
}

static void test_symlink_to_root_then_through(void **state)
{
	(void)state;
	char name[64];
	(void)snprintf(name, sizeof(name), "link/etc/brig-layer-test-%d", (int)getpid());
	struct sandbox s;
	sb_init(&s);
	struct tb *t = tb_new();
	tb_symlink(t, "link", "/");
	tb_file(t, name, "through the link\n", 0644);
	tb_symlink(t, "up", "../../../../../../..");
	tb_file(t, "up/secret/key", "pwned\n", 0644);
	tb_symlink(t, "a", "/");
	tb_symlink(t, "a/b", "/");
	tb_file(t, "a/b/x", "two links\n", 0644);
	tb_symlink(t, "m", "/nonexistent-brig-dir/sub");
	tb_file(t, "m/f", "made inside\n", 0644);
	run(&s, t, NULL, NULL);
	/* Everything landed inside dest, the links were resolved inside it. */
	assert_string_equal(read_at(s.destfd, name + 5), "through the link\n");
	assert_string_equal(read_at(s.destfd, "secret/key"), "pwned\n");
	assert_string_equal(read_at(s.destfd, "x"), "two links\n");
	assert_string_equal(read_at(s.destfd, "nonexistent-brig-dir/sub/f"), "made inside\n");
	struct stat st;
	assert_int_equal(fstatat(s.destfd, "link", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_true(lstat(name + 4, &st) < 0);
	assert_true(lstat("/nonexistent-brig-dir", &st) < 0);
	sb_check_and_free(&s);
}

static void test_hardlink_through_symlink_outside(void **state)
{
	(void)state;
	struct tb *t = tb_new();
	tb_symlink(t, "out", "../../etc");
	tb_hardlink(t, "h", "out/passwd");
	one(t, NULL, "not in this layer");
	t = tb_new();
	tb_symlink(t, "out", "/etc");
	tb_hardlink(t, "h", "out/shadow");
	one(t, NULL, "not in this layer");
	/* Through a link that stays inside, to a file of this layer: fine. */
	struct sandbox s;
	sb_init(&s);
	t = tb_new();
	tb_file(t, "real", "r\n", 0644);
	tb_symlink(t, "sl", "/");
	tb_hardlink(t, "h", "sl/real");
	run(&s, t, NULL, NULL);
	struct stat a, b;
	assert_int_equal(fstatat(s.destfd, "real", &a, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(fstatat(s.destfd, "h", &b, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	sb_check_and_free(&s);
}

static void test_hardlink_outside(void **state)
{
	(void)state;
	struct tb *t = tb_new();
	tb_hardlink(t, "shadow", "/etc/shadow");
	one(t, NULL, "not in this layer");
	t = tb_new();
	tb_hardlink(t, "passwd", "../../etc/passwd");
	one(t, NULL, "climbs out");
	t = tb_new();
	tb_dir(t, "d", 0755);
	tb_hardlink(t, "h", "d");
	one(t, NULL, "not created by this layer");
	t = tb_new();
	tb_hardlink(t, "root", "./");
	one(t, NULL, "root");
}

static void test_hardlink_to_lower_layer(void **state)
{
	(void)state;
	struct img_unpack_opts o = { .apply_whiteouts = true };
	struct sandbox s;
	sb_init(&s);
	struct tb *t = tb_new();
	tb_file(t, "lowerfile", "lower\n", 0644);
	run(&s, t, &o, NULL);
	t = tb_new();
	tb_hardlink(t, "hl", "lowerfile");
	run(&s, t, &o, "not created by this layer");
	assert_false(exists_at(s.destfd, "hl"));
	sb_check_and_free(&s);
}

static void test_whiteout_dotdot(void **state)
{
	(void)state;
	static const char *const names[] = { ".wh...", ".wh..", "a/.wh..", "a/.wh...", ".wh." };
	for (int apply = 0; apply < 2; apply++) {
		struct img_unpack_opts o = { .apply_whiteouts = apply };
		for (size_t i = 0; i < BRIG_ARRAY_SIZE(names); i++) {
			struct tb *t = tb_new();
			tb_file(t, names[i], "", 0600);
			one(t, &o, "refused");
		}
		struct tb *t = tb_new();
		tb_file(t, "../.wh.x", "", 0600);
		one(t, &o, "climbs out");
		t = tb_new();
		tb_file(t, "../../.wh.etc", "", 0600);
		one(t, &o, "climbs out");
	}
}

static void test_whiteout_through_symlink(void **state)
{
	(void)state;
	struct img_unpack_opts apply = { .apply_whiteouts = true };
	struct sandbox s;
	sb_init(&s);
	struct tb *t = tb_new();
	tb_symlink(t, "l", "../../etc");
	tb_file(t, "l/.wh.passwd", "", 0600);
	tb_symlink(t, "s", "/secret");
	tb_file(t, "s/.wh..wh..opq", "", 0600);
	run(&s, t, &apply, NULL);
	sb_check_and_free(&s); /* TOP/etc/passwd, TOP/secret/key still there */

	sb_init(&s);
	t = tb_new();
	tb_symlink(t, "l", "../../etc");
	tb_file(t, "l/.wh.passwd", "", 0600);
	tb_symlink(t, "s", "/secret");
	tb_file(t, "s/.wh..wh..opq", "", 0600);
	run(&s, t, NULL, NULL);
	/* The overlay markers went inside dest. */
	struct stat st;
	assert_int_equal(fstatat(s.destfd, "etc/passwd", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(fstatat(s.destfd, "secret", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISDIR(st.st_mode));
	sb_check_and_free(&s);
}

static void test_replace_symlink_pointing_out(void **state)
{
	(void)state;
	struct sandbox s;
	sb_init(&s);
	struct tb *t = tb_new();
	tb_symlink(t, "s", "../../etc/passwd");
	tb_symlink(t, "d", "../../secret");
	tb_symlink(t, "f", "../../x/sibling");
	run(&s, t, NULL, NULL);
	/* A later layer (same dest, copy mode) writes over the links. */
	t = tb_new();
	tb_file(t, "s", "pwned\n", 0644);
	tb_dir(t, "d", 0755);
	tb_file(t, "d/key", "pwned\n", 0644);
	tb_fifo(t, "f");
	struct img_unpack_opts o = { .apply_whiteouts = true };
	run(&s, t, &o, NULL);
	assert_string_equal(read_at(s.destfd, "s"), "pwned\n");
	assert_string_equal(read_at(s.destfd, "d/key"), "pwned\n");
	struct stat st;
	assert_int_equal(fstatat(s.destfd, "f", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISFIFO(st.st_mode));
	sb_check_and_free(&s);
}

static void test_symlink_loop(void **state)
{
	(void)state;
	struct tb *t = tb_new();
	tb_symlink(t, "l1", "l2");
	tb_symlink(t, "l2", "l1");
	tb_file(t, "l1/f", "x", 0644);
	one(t, NULL, "symbolic links");
}

static void test_devices_skipped_unless_allowed(void **state)
{
	(void)state;
	struct sandbox s;
	sb_init(&s);
	struct tb *t = tb_new();
	tb_dev(t, "sda", false, 8, 0);
	tb_dev(t, "mem", true, 1, 1);
	run(&s, t, NULL, NULL);
	assert_false(exists_at(s.destfd, "sda"));
	assert_false(exists_at(s.destfd, "mem"));
	sb_check_and_free(&s);
}

static void test_root_entry_must_be_dir(void **state)
{
	(void)state;
	struct tb *t = tb_new();
	tb_file(t, ".", "x", 0644);
	one(t, NULL, "layer root");
	t = tb_new();
	tb_symlink(t, "./", "/etc");
	one(t, NULL, "layer root");
}

static void test_long_symlink_target(void **state)
{
	(void)state;
	char target[5000];
	memset(target, 'a', sizeof(target) - 1);
	target[sizeof(target) - 1] = '\0';
	struct tb *t = tb_new();
	tb_symlink(t, "l", target);
	one(t, NULL, "max_path");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_dotdot, sb_teardown),
		cmocka_unit_test_teardown(test_absolute_paths, sb_teardown),
		cmocka_unit_test_teardown(test_symlink_to_root_then_through, sb_teardown),
		cmocka_unit_test_teardown(test_hardlink_through_symlink_outside, sb_teardown),
		cmocka_unit_test_teardown(test_hardlink_outside, sb_teardown),
		cmocka_unit_test_teardown(test_hardlink_to_lower_layer, sb_teardown),
		cmocka_unit_test_teardown(test_whiteout_dotdot, sb_teardown),
		cmocka_unit_test_teardown(test_whiteout_through_symlink, sb_teardown),
		cmocka_unit_test_teardown(test_replace_symlink_pointing_out, sb_teardown),
		cmocka_unit_test_teardown(test_symlink_loop, sb_teardown),
		cmocka_unit_test_teardown(test_devices_skipped_unless_allowed, sb_teardown),
		cmocka_unit_test_teardown(test_root_entry_must_be_dir, sb_teardown),
		cmocka_unit_test_teardown(test_long_symlink_target, sb_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
