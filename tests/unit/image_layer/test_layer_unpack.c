/* SPDX-License-Identifier: Apache-2.0 */
/* img_layer_unpack: what a well-formed layer turns into, and its digests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "helpers.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

/* security.capability v2, cap_net_bind_service permitted + effective. */
static const unsigned char cap_v2[20] = { 0x01, 0, 0, 0x02, 0x00, 0x04, 0, 0 };

static struct buf basic_tar(void)
{
	struct tb *t = tb_new();
	tb_dir_ex(t, "./", 0755, 1500000000);
	tb_dir_ex(t, "./etc/", 0755, 1500000001);
	tb_file_ex(t, "./etc/hostname", "box\n", 0644, 0, 0, 1400000000, 123456789, NULL, NULL, 0);
	tb_dir_ex(t, "usr", 0755, 1500000002);
	tb_dir_ex(t, "usr/bin", 0755, 1500000003);
	tb_file_ex(t, "usr/bin/su", "#!suid\n", 04755, 0, 0, 1400000001, 0, NULL, NULL, 0);
	tb_file_ex(t, "usr/bin/ping", "ping\n", 0755, 0, 0, 1400000002, 0, "security.capability",
		   cap_v2, sizeof(cap_v2));
	tb_file_ex(t, "usr/bin/sg", "sg\n", 02711, 1000, 1001, 1400000003, 0, "user.note", "hello",
		   5);
	tb_file_ex(t, "usr/bin/t", "t\n", 0700, 0, 0, 1400000004, 0, "trusted.brig", "v", 1);
	tb_symlink(t, "usr/bin/sh", "/bin/busybox");
	tb_hardlink(t, "usr/bin/su2", "usr/bin/su");
	tb_fifo(t, "run.fifo");
	tb_file(t, "implicit/parent/file", "deep\n", 0600);
	return tb_finish(t);
}

static void check_basic(int d, const struct img_unpack_result *res)
{
	struct stat st;
	char val[64];
	assert_string_equal(read_at(d, "etc/hostname"), "box\n");
	assert_int_equal(fstatat(d, "etc/hostname", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(st.st_mtim.tv_sec, 1400000000);
	assert_int_equal(st.st_mtim.tv_nsec, 123456789);
	assert_int_equal(fstatat(d, "usr/bin/su", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(st.st_mode & 07777, 04755);
	assert_int_equal(st.st_nlink, 2);
	struct stat st2;
	assert_int_equal(fstatat(d, "usr/bin/su2", &st2, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(st.st_ino, st2.st_ino);
	assert_int_equal(fstatat(d, "usr/bin/sg", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(st.st_mode & 07777, 02711);
	assert_int_equal(st.st_uid, 1000);
	assert_int_equal(st.st_gid, 1001);
	int fd = openat(d, "usr/bin/ping", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(fgetxattr(fd, "security.capability", val, sizeof(val)), sizeof(cap_v2));
	assert_memory_equal(val, cap_v2, sizeof(cap_v2));
	(void)close(fd);
	fd = openat(d, "usr/bin/sg", O_RDONLY | O_CLOEXEC);
	assert_int_equal(fgetxattr(fd, "user.note", val, sizeof(val)), 5);
	(void)close(fd);
	fd = openat(d, "usr/bin/t", O_RDONLY | O_CLOEXEC);
	assert_int_equal(fgetxattr(fd, "trusted.brig", val, sizeof(val)), 1);
	(void)close(fd);
	char target[64];
	ssize_t n = readlinkat(d, "usr/bin/sh", target, sizeof(target));
	assert_int_equal(n, strlen("/bin/busybox"));
	assert_memory_equal(target, "/bin/busybox", (size_t)n);
	assert_int_equal(fstatat(d, "run.fifo", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_string_equal(read_at(d, "implicit/parent/file"), "deep\n");
	/* Directory times survive what was created inside them later. */
	assert_int_equal(fstatat(d, "usr/bin", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(st.st_mtim.tv_sec, 1500000003);
	assert_int_equal(fstatat(d, "etc", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(st.st_mtim.tv_sec, 1500000001);
	assert_int_equal(fstat(d, &st), 0);
	assert_int_equal(st.st_mtim.tv_sec, 1500000000);
	assert_int_equal(res->files, 6);
	assert_int_equal(res->hardlinks, 1);
	assert_int_equal(res->symlinks, 1);
	assert_int_equal(res->fifos, 1);
	assert_int_equal(res->xattrs_unsupported, 0);
}

/* The layer's digest is the blob's, its diff_id the tar's. */
static void check_digests(const struct img_unpack_result *res, const struct buf *blob,
			  const struct buf *tar)
{
	char want[IMG_DIGEST_LEN];
	digest_of(blob->p, blob->len, want);
	assert_string_equal(res->digest, want);
	digest_of(tar->p, tar->len, want);
	assert_string_equal(res->diff_id, want);
}

static void unpack_with(enum img_compression comp, bool compress)
{
	struct sandbox s;
	sb_init(&s);
	struct buf tar = basic_tar(), blob = { 0 };
	if (compress)
		blob = compress_buf(comp, tar.p, tar.len);
	else
		buf_add(&blob, tar.p, tar.len);
	struct img_unpack_result res;
	struct brig_err e = { 0 };
	int r = unpack_buf(&s, &blob, NULL, &res, &e);
	if (r < 0)
		fail_msg("unpack: %s", brig_err_str(&e));
	check_digests(&res, &blob, &tar);
	/* And as the usual tools see it: `gunzip -c | sha256sum`. */
	if (compress) {
		char via[IMG_DIGEST_LEN];
		if (digest_via(comp == IMG_COMP_GZIP ? "gzip" : "zstd", blob.p, blob.len, via) == 0)
			assert_string_equal(res.diff_id, via);
		else
			assert_true(comp == IMG_COMP_ZSTD); /* gzip is always there */
	}
	assert_int_equal(res.compression, compress ? comp : IMG_COMP_NONE);
	assert_int_equal(res.compressed_bytes, blob.len);
	assert_int_equal(res.tar_bytes, tar.len);
	check_basic(s.destfd, &res);
	img_unpack_result_clear(&res);
	buf_free(&tar);
	buf_free(&blob);
	sb_check_and_free(&s);
}

static void test_uncompressed(void **state)
{
	(void)state;
	unpack_with(IMG_COMP_NONE, false);
}

static void test_gzip(void **state)
{
	(void)state;
	unpack_with(IMG_COMP_GZIP, true);
}

static void test_zstd(void **state)
{
	(void)state;
	unpack_with(IMG_COMP_ZSTD, true);
}

/* Trailing bytes after the gzip stream belong to the blob's digest. */
static void test_digest_covers_trailing_bytes(void **state)
{
	(void)state;
	struct sandbox s;
	sb_init(&s);
	struct tb *t = tb_new();
	tb_file(t, "a", "a\n", 0644);
	struct buf tar = tb_finish(t);
	struct buf blob = compress_buf(IMG_COMP_GZIP, tar.p, tar.len);
	buf_add(&blob, "\0\0\0\0", 4);
	struct img_unpack_result res;
	struct brig_err e = { 0 };
	assert_int_equal(unpack_buf(&s, &blob, NULL, &res, &e), 0);
	check_digests(&res, &blob, &tar);
	img_unpack_result_clear(&res);
	buf_free(&tar);
	buf_free(&blob);
	sb_check_and_free(&s);
}

/* gzip members one after the other are one stream (what pigz and
 * concatenating tools make): the tar split mid-block across three members,
 * the last empty. */
static void test_gzip_members(void **state)
{
	(void)state;
	struct sandbox s;
	sb_init(&s);
	struct buf tar = basic_tar();
	size_t half = tar.len / 2 + 7;
	struct buf blob = compress_buf(IMG_COMP_GZIP, tar.p, half);
	struct buf b2 = compress_buf(IMG_COMP_GZIP, tar.p + half, tar.len - half);
	struct buf b3 = compress_buf(IMG_COMP_GZIP, "", 0);
	buf_add(&blob, b2.p, b2.len);
	buf_add(&blob, b3.p, b3.len);
	struct img_unpack_result res;
	struct brig_err e = { 0 };
	assert_int_equal(unpack_buf(&s, &blob, NULL, &res, &e), 0);
	check_basic(s.destfd, &res);
	check_digests(&res, &blob, &tar);
	img_unpack_result_clear(&res);
	buf_free(&b3);
	buf_free(&b2);
	buf_free(&blob);
	buf_free(&tar);
	sb_check_and_free(&s);
}

static void test_duplicates_later_wins(void **state)
{
	(void)state;
	struct sandbox s;
	sb_init(&s);
	struct tb *t = tb_new();
	tb_file(t, "a", "file\n", 0644); /* file, then a directory */
	tb_dir(t, "a", 0750);
	tb_file(t, "a/x", "in dir\n", 0644);
	tb_dir(t, "b", 0755); /* directory with content, then a file */
	tb_file(t, "b/old", "old\n", 0644);
	tb_file(t, "b", "now a file\n", 0600);
	tb_symlink(t, "c", "../../etc/passwd"); /* symlink out, then a file */
	tb_file(t, "c", "replaced\n", 0644);
	tb_file(t, "d", "file\n", 0644); /* file, then a symlink */
	tb_symlink(t, "d", "/nowhere");
	tb_dir(t, "e", 0700); /* directory twice: metadata of the second */
	tb_file(t, "e/keep", "keep\n", 0644);
	tb_dir(t, "e", 0755);
	tb_fifo(t, "f"); /* fifo, then a file */
	tb_file(t, "f", "f\n", 0644);
	struct buf tar = tb_finish(t);
	struct img_unpack_result res;
	struct brig_err e = { 0 };
	int r = unpack_buf(&s, &tar, NULL, &res, &e);
	if (r < 0)
		fail_msg("%s", brig_err_str(&e));
	struct stat st;
	assert_int_equal(fstatat(s.destfd, "a", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0750);
	assert_string_equal(read_at(s.destfd, "a/x"), "in dir\n");
	assert_string_equal(read_at(s.destfd, "b"), "now a file\n");
	assert_string_equal(read_at(s.destfd, "c"), "replaced\n");
	assert_int_equal(fstatat(s.destfd, "d", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(fstatat(s.destfd, "e", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_string_equal(read_at(s.destfd, "e/keep"), "keep\n");
	assert_string_equal(read_at(s.destfd, "f"), "f\n");
	img_unpack_result_clear(&res);
	buf_free(&tar);
	sb_check_and_free(&s); /* ../../etc/passwd untouched */
}

static void test_whiteouts_overlay(void **state)
{
	(void)state;
	struct sandbox s;
	sb_init(&s);
	struct tb *t = tb_new();
	tb_dir(t, "etc", 0755);
	tb_file(t, "etc/.wh.motd", "", 0600);
	tb_dir(t, "var/cache", 0755);
	tb_file(t, "var/cache/.wh..wh..opq", "", 0600);
	tb_file(t, "var/cache/new", "n\n", 0644);
	tb_file(t, "gone/deeper/.wh.x", "", 0600); /* parents made as needed */
	tb_file(t, ".wh..wh.plnk", "", 0600); /* AUFS bookkeeping */
	struct buf tar = tb_finish(t);
	struct img_unpack_result res;
	struct brig_err e = { 0 };
	int r = unpack_buf(&s, &tar, NULL, &res, &e);
	if (r < 0)
		fail_msg("%s", brig_err_str(&e));
	struct stat st;
	assert_int_equal(fstatat(s.destfd, "etc/motd", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(st.st_rdev, makedev(0, 0));
	assert_false(exists_at(s.destfd, "etc/.wh.motd"));
	assert_int_equal(fstatat(s.destfd, "gone/deeper/x", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISCHR(st.st_mode));
	int fd = openat(s.destfd, "var/cache", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char v[4];
	assert_int_equal(fgetxattr(fd, "trusted.overlay.opaque", v, sizeof(v)), 1);
	assert_int_equal(v[0], 'y');
	(void)close(fd);
	assert_false(exists_at(s.destfd, "var/cache/.wh..wh..opq"));
	assert_string_equal(read_at(s.destfd, "var/cache/new"), "n\n");
	assert_false(exists_at(s.destfd, ".wh..wh.plnk"));
	assert_int_equal(res.whiteouts, 2);
	assert_int_equal(res.opaque_dirs, 1);
	assert_int_equal(res.meta_skipped, 1);
	img_unpack_result_clear(&res);
	buf_free(&tar);
	sb_check_and_free(&s);
}

static void test_whiteouts_applied(void **state)
{
	(void)state;
	struct sandbox s;
	sb_init(&s);
	/* A lower layer first. */
	struct tb *t = tb_new();
	tb_file(t, "etc/motd", "hi\n", 0644);
	tb_file(t, "etc/keep", "k\n", 0644);
	tb_file(t, "var/cache/a", "a\n", 0644);
	tb_file(t, "var/cache/sub/b", "b\n", 0644);
	tb_file(t, "var/cache/sub2/c", "c\n", 0644);
	tb_file(t, "old/tree/x", "x\n", 0644);
	struct buf lower = tb_finish(t);
	struct img_unpack_opts o = { .apply_whiteouts = true };
	struct img_unpack_result res;
	struct brig_err e = { 0 };
	assert_int_equal(unpack_buf(&s, &lower, &o, &res, &e), 0);
	img_unpack_result_clear(&res);
	/* Then one that deletes and makes var/cache opaque. */
	t = tb_new();
	tb_file(t, "etc/.wh.motd", "", 0600);
	tb_file(t, ".wh.old", "", 0600);
	tb_file(t, "var/cache/sub2/mine", "m\n", 0644); /* before the marker: kept */
	tb_file(t, "var/cache/.wh..wh..opq", "", 0600);
	tb_file(t, "var/cache/new", "n\n", 0644); /* after it: kept */
	tb_file(t, "nothere/.wh.x", "", 0600); /* nothing to delete */
	struct buf upper = tb_finish(t);
	int r = unpack_buf(&s, &upper, &o, &res, &e);
	if (r < 0)
		fail_msg("%s", brig_err_str(&e));
	assert_false(exists_at(s.destfd, "etc/motd"));
	assert_true(exists_at(s.destfd, "etc/keep"));
	assert_false(exists_at(s.destfd, "old"));
	assert_false(exists_at(s.destfd, "var/cache/a"));
	assert_false(exists_at(s.destfd, "var/cache/sub"));
	assert_false(exists_at(s.destfd, "var/cache/sub2/c"));
	assert_string_equal(read_at(s.destfd, "var/cache/sub2/mine"), "m\n");
	assert_string_equal(read_at(s.destfd, "var/cache/new"), "n\n");
	assert_false(exists_at(s.destfd, "nothere"));
	assert_int_equal(res.whiteouts, 3);
	assert_int_equal(res.opaque_dirs, 1);
	img_unpack_result_clear(&res);
	buf_free(&lower);
	buf_free(&upper);
	sb_check_and_free(&s);
}

static void test_devices(void **state)
{
	(void)state;
	struct sandbox s;
	sb_init(&s);
	struct tb *t = tb_new();
	tb_dev(t, "dev/null", true, 1, 3);
	tb_dev(t, "dev/sda", false, 8, 0);
	tb_file(t, "after", "still here\n", 0644);
	struct buf tar = tb_finish(t);
	struct img_unpack_result res;
	struct brig_err e = { 0 };
	assert_int_equal(unpack_buf(&s, &tar, NULL, &res, &e), 0);
	assert_false(exists_at(s.destfd, "dev/null"));
	assert_false(exists_at(s.destfd, "dev/sda"));
	assert_string_equal(read_at(s.destfd, "after"), "still here\n");
	assert_int_equal(res.devices_skipped, 2);
	assert_int_equal(res.warnings, 2);
	assert_non_null(res.notes);
	assert_non_null(strstr(res.notes[0], "dev/null"));
	img_unpack_result_clear(&res);

	sb_reset_dest(&s);
	struct img_unpack_opts o = { .allow_devices = true };
	assert_int_equal(unpack_buf(&s, &tar, &o, &res, &e), 0);
	struct stat st;
	assert_int_equal(fstatat(s.destfd, "dev/null", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(st.st_rdev, makedev(1, 3));
	assert_int_equal(fstatat(s.destfd, "dev/sda", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISBLK(st.st_mode));
	assert_int_equal(res.devices, 2);
	img_unpack_result_clear(&res);
	buf_free(&tar);
	sb_check_and_free(&s);
}

static void test_unsupported_xattrs_recorded(void **state)
{
	(void)state;
	struct sandbox s;
	sb_init(&s);
	struct tb *t = tb_new();
	tb_file_ex(t, "r", "r\n", 0644, 0, 0, 0, 0, "trusted.overlay.redirect", "/etc", 4);
	tb_file_ex(t, "n", "n\n", 0644, 0, 0, 0, 0, "bogus.namespace", "v", 1);
	struct archive_entry *ae = archive_entry_new();
	archive_entry_copy_pathname(ae, "acl");
	archive_entry_set_mode(ae, S_IFREG | 0644);
	assert_int_equal(archive_entry_acl_add_entry(ae, ARCHIVE_ENTRY_ACL_TYPE_ACCESS,
						     ARCHIVE_ENTRY_ACL_READ, ARCHIVE_ENTRY_ACL_USER,
						     1000, "u"),
			 ARCHIVE_OK);
	archive_entry_copy_fflags_text(ae, "nodump");
	tb_entry(t, ae, "acl\n");
	archive_entry_free(ae);
	struct buf tar = tb_finish(t);
	struct img_unpack_result res;
	struct brig_err e = { 0 };
	assert_int_equal(unpack_buf(&s, &tar, NULL, &res, &e), 0);
	assert_int_equal(res.xattrs_unsupported, 2);
	assert_non_null(res.notes);
	assert_non_null(strstr(res.notes[0], "trusted.overlay.redirect"));
	assert_non_null(strstr(res.notes[1], "bogus.namespace"));
	assert_non_null(strstr(res.notes[2], "acl: ACL not applied"));
	assert_non_null(strstr(res.notes[3], "acl: file flags 'nodump' not applied"));
	assert_null(res.notes[4]);
	assert_int_equal(res.warnings, 4);
	assert_string_equal(read_at(s.destfd, "acl"), "acl\n");
	char v[8];
	int fd = openat(s.destfd, "r", O_RDONLY | O_CLOEXEC);
	assert_true(fgetxattr(fd, "trusted.overlay.redirect", v, sizeof(v)) < 0);
	(void)close(fd);
	img_unpack_result_clear(&res);
	buf_free(&tar);
	sb_check_and_free(&s);
}

static void expect_failure(const void *p, size_t n, const char *needle)
{
	struct sandbox s;
	sb_init(&s);
	struct buf b = { 0 };
	buf_add(&b, p, n);
	struct img_unpack_result res;
	struct brig_err e = { 0 };
	assert_true(unpack_buf(&s, &b, NULL, &res, &e) < 0);
	if (!strstr(brig_err_str(&e), needle))
		fail_msg("error '%s' does not mention '%s'", brig_err_str(&e), needle);
	brig_err_clear(&e);
	img_unpack_result_clear(&res);
	buf_free(&b);
	sb_check_and_free(&s);
}

static void test_bad_streams(void **state)
{
	(void)state;
	expect_failure("", 0, "empty");
	expect_failure("\xfd"
		       "7zXZ\0rest",
		       10, "not supported");
	expect_failure("hello, this is not a tar archive at all", 39, "tar");
	struct tb *t = tb_new();
	tb_file(t, "a", "some data that is long enough to matter\n", 0644);
	struct buf tar = tb_finish(t);
	struct buf gz = compress_buf(IMG_COMP_GZIP, tar.p, tar.len);
	expect_failure(gz.p, gz.len / 2, "decompressing"); /* truncated */
	/* The trailer's CRC-32 and length are checked (igzip; libarchive 3.6
	 * does not check them: then integrity rests on the digests alone). */
	gz.p[gz.len - 8] ^= 1;
	expect_failure(gz.p, gz.len, "CRC-32");
	gz.p[gz.len - 8] ^= 1;
	gz.p[gz.len - 1] ^= 1;
	expect_failure(gz.p, gz.len, "CRC-32 or length");
	buf_free(&tar);
	buf_free(&gz);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_uncompressed, sb_teardown),
		cmocka_unit_test_teardown(test_gzip, sb_teardown),
		cmocka_unit_test_teardown(test_zstd, sb_teardown),
		cmocka_unit_test_teardown(test_digest_covers_trailing_bytes, sb_teardown),
		cmocka_unit_test_teardown(test_gzip_members, sb_teardown),
		cmocka_unit_test_teardown(test_duplicates_later_wins, sb_teardown),
		cmocka_unit_test_teardown(test_whiteouts_overlay, sb_teardown),
		cmocka_unit_test_teardown(test_whiteouts_applied, sb_teardown),
		cmocka_unit_test_teardown(test_devices, sb_teardown),
		cmocka_unit_test_teardown(test_unsupported_xattrs_recorded, sb_teardown),
		cmocka_unit_test_teardown(test_bad_streams, sb_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
