/* SPDX-License-Identifier: Apache-2.0 */
/* img_layer_pack: round trips through img_layer_unpack, digests,
 * determinism, and the overlay-upper conversion of whiteouts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "helpers.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

static const unsigned char cap_v2[20] = { 0x01, 0, 0, 0x02, 0x00, 0x04, 0, 0 };

static void times_at(int dirfd, const char *path, time_t sec, long nsec)
{
	struct timespec ts[2] = { { sec, nsec }, { sec, nsec } };
	assert_int_equal(utimensat(dirfd, path, ts, AT_SYMLINK_NOFOLLOW), 0);
}

static void mkfile(int dirfd, const char *path, const char *data, mode_t mode, uid_t uid, gid_t gid)
{
	int fd = openat(dirfd, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(brig_write_all(fd, data, strlen(data)), 0);
	assert_int_equal(fchown(fd, uid, gid), 0);
	assert_int_equal(fchmod(fd, mode), 0); /* after chown, which clears setuid */
	(void)close(fd);
}

static void xattr_at(int dirfd, const char *path, const char *name, const void *v, size_t n)
{
	char proc[PATH_MAX];
	(void)snprintf(proc, sizeof(proc), "/proc/self/fd/%d/%s", dirfd, path);
	assert_int_equal(lsetxattr(proc, name, v, n, 0), 0);
}

/* A tree with one of everything; returns an fd to it (beneath TOP/src). */
static int make_tree(struct sandbox *s)
{
	assert_int_equal(mkdirat(s->topfd, "src", 0755), 0);
	int d = openat(s->topfd, "src", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(d >= 0);
	assert_int_equal(mkdirat(d, "bin", 0755), 0);
	assert_int_equal(mkdirat(d, "empty", 0700), 0);
	assert_int_equal(mkdirat(d, "home", 0750), 0);
	assert_int_equal(mkdirat(d, "home/user", 0700), 0);
	assert_int_equal(fchownat(d, "home/user", 1000, 1000, 0), 0);
	mkfile(d, "bin/su", "suid\n", 04755, 0, 0);
	mkfile(d, "bin/sg", "sgid\n", 02755, 0, 42);
	mkfile(d, "bin/ping", "ping\n", 0755, 0, 0);
	xattr_at(d, "bin/ping", "security.capability", cap_v2, sizeof(cap_v2));
	mkfile(d, "home/user/notes", "notes\n", 0600, 1000, 1000);
	xattr_at(d, "home/user/notes", "user.color", "blue", 4);
	xattr_at(d, "home/user", "trusted.tag", "t", 1);
	assert_int_equal(linkat(d, "bin/su", d, "bin/su-again", 0), 0);
	assert_int_equal(symlinkat("su", d, "bin/su-link"), 0);
	assert_int_equal(fchownat(d, "bin/su-link", 7, 8, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(symlinkat("/nowhere/at/all", d, "dangling"), 0);
	assert_int_equal(mknodat(d, "fifo", S_IFIFO | 0644, 0), 0);
	assert_int_equal(mknodat(d, "null", S_IFCHR | 0666, makedev(1, 3)), 0);
	assert_int_equal(mknodat(d, "disk", S_IFBLK | 0660, makedev(8, 1)), 0);
	mkfile(d, "big", "", 0644, 0, 0);
	int fd = openat(d, "big", O_WRONLY | O_CLOEXEC);
	static char chunk[100000];
	memset(chunk, 'z', sizeof(chunk));
	assert_int_equal(brig_write_all(fd, chunk, sizeof(chunk)), 0);
	(void)close(fd);
	static const char *const all[] = { "bin/su",      "bin/sg",   "bin/ping", "home/user/notes",
					   "bin/su-link", "dangling", "fifo",     "null",
					   "disk",        "big",      "bin",      "empty",
					   "home/user",   "home" };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(all); i++)
		times_at(d, all[i], 1600000000 + (time_t)i, 1000 * (long)i + 7);
	return d;
}

static int make_out(void)
{
	int fd = memfd_create("out", MFD_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

static struct buf slurp(int fd)
{
	struct buf b = { 0 };
	char chunk[65536];
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		assert_true(n >= 0);
		if (n == 0)
			break;
		buf_add(&b, chunk, (size_t)n);
	}
	return b;
}

static void round_trip(enum img_compression comp)
{
	struct sandbox s;
	sb_init(&s);
	int src = make_tree(&s);
	int out = make_out();
	char digest[IMG_DIGEST_LEN], diff_id[IMG_DIGEST_LEN], want[IMG_DIGEST_LEN];
	struct brig_err e = { 0 };
	if (img_layer_pack(src, out, comp, 0, digest, diff_id, &e) < 0)
		fail_msg("pack: %s", brig_err_str(&e));
	struct buf blob = slurp(out);
	digest_of(blob.p, blob.len, want);
	assert_string_equal(digest, want);
	if (comp == IMG_COMP_NONE)
		assert_string_equal(diff_id, digest);
	else if (digest_via(comp == IMG_COMP_GZIP ? "gzip" : "zstd", blob.p, blob.len, want) == 0)
		assert_string_equal(diff_id, want);

	/* Unpacking gives the same digests and the same tree. */
	struct img_unpack_opts o = { .allow_devices = true };
	struct img_unpack_result res;
	int r = unpack_buf(&s, &blob, &o, &res, &e);
	if (r < 0)
		fail_msg("unpack: %s", brig_err_str(&e));
	assert_string_equal(res.digest, digest);
	assert_string_equal(res.diff_id, diff_id);
	assert_int_equal(res.compression, comp);
	assert_int_equal(res.xattrs_unsupported, 0);
	char *a = tree_dump(src, NULL, 0), *b = tree_dump(s.destfd, NULL, 0);
	assert_string_equal(a, b);
	assert_non_null(strstr(a, "bin/su 104755"));
	assert_non_null(strstr(a, "x:security.capability=01000002"));
	free(a);
	free(b);
	img_unpack_result_clear(&res);

	/* Packing again gives the same bytes. */
	char digest2[IMG_DIGEST_LEN], diff_id2[IMG_DIGEST_LEN];
	int out2 = make_out();
	assert_int_equal(img_layer_pack(src, out2, comp, 0, digest2, diff_id2, &e), 0);
	assert_string_equal(digest, digest2);
	assert_string_equal(diff_id, diff_id2);
	(void)close(out2);
	/* ... and so does packing what was unpacked. */
	out2 = make_out();
	assert_int_equal(img_layer_pack(s.destfd, out2, comp, 0, digest2, diff_id2, &e), 0);
	assert_string_equal(diff_id, diff_id2);
	(void)close(out2);

	buf_free(&blob);
	(void)close(out);
	(void)close(src);
	sb_reset_dest(&s);
	assert_int_equal(brig_rm_rf(s.topfd, "src", &e), 0);
	sb_check_and_free(&s);
}

static void test_round_trip_none(void **state)
{
	(void)state;
	round_trip(IMG_COMP_NONE);
}

static void test_round_trip_gzip(void **state)
{
	(void)state;
	round_trip(IMG_COMP_GZIP);
}

static void test_round_trip_zstd(void **state)
{
	(void)state;
	round_trip(IMG_COMP_ZSTD);
}

/* Names and whether any entry carries an overlay xattr. */
static char *list_entries(const struct buf *blob, bool *overlay_xattr)
{
	struct buf names = { 0 };
	struct archive *a = archive_read_new();
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	assert_int_equal(archive_read_open_memory(a, blob->p, blob->len), ARCHIVE_OK);
	struct archive_entry *ae;
	*overlay_xattr = false;
	while (archive_read_next_header(a, &ae) == ARCHIVE_OK) {
		const char *n = archive_entry_pathname(ae), *xn;
		const void *xv;
		size_t xs;
		buf_add(&names, n, strlen(n));
		buf_add(&names, "\n", 1);
		archive_entry_xattr_reset(ae);
		while (archive_entry_xattr_next(ae, &xn, &xv, &xs) == ARCHIVE_OK)
			if (strstr(xn, "overlay"))
				*overlay_xattr = true;
	}
	archive_read_free(a);
	buf_add(&names, "", 1);
	return (char *)names.p;
}

static int make_upper(struct sandbox *s)
{
	assert_int_equal(mkdirat(s->topfd, "upper", 0755), 0);
	int d = openat(s->topfd, "upper", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(d >= 0);
	assert_int_equal(mkdirat(d, "etc", 0755), 0);
	assert_int_equal(mknodat(d, "etc/gone", S_IFCHR, makedev(0, 0)), 0);
	assert_int_equal(mkdirat(d, "opq", 0755), 0);
	xattr_at(d, "opq", "trusted.overlay.opaque", "y", 1);
	mkfile(d, "opq/new", "new\n", 0644, 0, 0);
	mkfile(d, "changed", "c\n", 0644, 0, 0);
	xattr_at(d, "changed", "trusted.overlay.origin", "\0\1", 2);
	static const char *const all[] = { "etc/gone", "opq/new", "changed", "etc", "opq" };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(all); i++)
		times_at(d, all[i], 1700000000 + (time_t)i, 0);
	return d;
}

static void test_overlay_upper(void **state)
{
	(void)state;
	struct sandbox s;
	sb_init(&s);
	int up = make_upper(&s);
	int out = make_out();
	char digest[IMG_DIGEST_LEN], diff_id[IMG_DIGEST_LEN];
	struct brig_err e = { 0 };
	if (img_layer_pack(up, out, IMG_COMP_GZIP, IMG_PACK_OVERLAY_UPPER, digest, diff_id, &e) < 0)
		fail_msg("pack: %s", brig_err_str(&e));
	struct buf blob = slurp(out);
	bool ox;
	char *names = list_entries(&blob, &ox);
	assert_string_equal(names,
			    "changed\netc/\netc/.wh.gone\nopq/\nopq/.wh..wh..opq\nopq/new\n");
	assert_false(ox);
	free(names);

	/* Unpacked for overlayfs: the same whiteout device and opaque mark. */
	struct img_unpack_result res;
	assert_int_equal(unpack_buf(&s, &blob, NULL, &res, &e), 0);
	assert_int_equal(res.whiteouts, 1);
	assert_int_equal(res.opaque_dirs, 1);
	img_unpack_result_clear(&res);
	int cfd = openat(up, "changed", O_RDONLY | O_CLOEXEC);
	assert_int_equal(fremovexattr(cfd, "trusted.overlay.origin"), 0);
	(void)close(cfd);
	char *a = tree_dump(up, NULL, 0), *b = tree_dump(s.destfd, NULL, 0);
	assert_string_equal(a, b);
	free(a);
	free(b);

	/* Without the flag the device and the xattr are packed as they are. */
	(void)close(out);
	out = make_out();
	assert_int_equal(img_layer_pack(up, out, IMG_COMP_NONE, 0, digest, diff_id, &e), 0);
	buf_free(&blob);
	blob = slurp(out);
	names = list_entries(&blob, &ox);
	assert_non_null(strstr(names, "etc/gone\n"));
	assert_true(ox);
	free(names);

	buf_free(&blob);
	(void)close(out);
	(void)close(up);
	sb_reset_dest(&s);
	assert_int_equal(brig_rm_rf(s.topfd, "upper", &e), 0);
	sb_check_and_free(&s);
}

static void expect_pack_error(int dirfd, unsigned flags, const char *needle)
{
	int out = make_out();
	char digest[IMG_DIGEST_LEN], diff_id[IMG_DIGEST_LEN];
	struct brig_err e = { 0 };
	assert_true(img_layer_pack(dirfd, out, IMG_COMP_GZIP, flags, digest, diff_id, &e) < 0);
	if (!strstr(brig_err_str(&e), needle))
		fail_msg("'%s' does not mention '%s'", brig_err_str(&e), needle);
	brig_err_clear(&e);
	(void)close(out);
}

static void test_pack_refusals(void **state)
{
	(void)state;
	struct sandbox s;
	sb_init(&s);
	assert_int_equal(mkdirat(s.topfd, "t", 0755), 0);
	int d = openat(s.topfd, "t", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	mkfile(d, ".wh.sneaky", "", 0644, 0, 0);
	expect_pack_error(d, 0, "whiteout");
	assert_int_equal(unlinkat(d, ".wh.sneaky", 0), 0);
	assert_int_equal(mkdirat(d, "moved", 0755), 0);
	xattr_at(d, "moved", "trusted.overlay.redirect", "/elsewhere", 10);
	expect_pack_error(d, IMG_PACK_OVERLAY_UPPER, "redirect");
	(void)close(d);
	struct brig_err e = { 0 };
	assert_int_equal(brig_rm_rf(s.topfd, "t", &e), 0);
	sb_check_and_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_round_trip_none, sb_teardown),
		cmocka_unit_test_teardown(test_round_trip_gzip, sb_teardown),
		cmocka_unit_test_teardown(test_round_trip_zstd, sb_teardown),
		cmocka_unit_test_teardown(test_overlay_upper, sb_teardown),
		cmocka_unit_test_teardown(test_pack_refusals, sb_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
