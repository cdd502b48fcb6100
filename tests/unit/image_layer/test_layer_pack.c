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

/* --defang-setuid's packing: what the callbacks were told, one line each. */
static int told_setid(void *arg, const char *path, uint32_t mode, uint32_t uid, struct brig_err *e)
{
	char line[PATH_MAX + 32];
	(void)e;
	(void)snprintf(line, sizeof(line), "setid %s %o %u\n", path, (unsigned)mode & 07777,
		       (unsigned)uid);
	buf_add(arg, line, strlen(line));
	return 0;
}

static int told_caps(void *arg, const char *path, const void *val, size_t len, uint32_t uid,
		     struct brig_err *e)
{
	char line[PATH_MAX + 32];
	(void)e;
	(void)snprintf(line, sizeof(line), "caps %s %zu %02x %u\n", path, len,
		       ((const unsigned char *)val)[3], (unsigned)uid);
	buf_add(arg, line, strlen(line));
	return 0;
}

/* Without caps the file capabilities stay (as brig build packed them
 * before); with it they are left out, like the setuid bits, and told. */
static void test_pack_setid_caps(void **state)
{
	(void)state;
	struct sandbox s;
	sb_init(&s);
	int src = make_tree(&s);
	struct brig_err e = { 0 };
	char digest[IMG_DIGEST_LEN], diff_id[IMG_DIGEST_LEN];
	for (int with_caps = 0; with_caps < 2; with_caps++) {
		struct buf told = { 0 };
		struct img_pack_setid sid = { told_setid, &told, with_caps ? told_caps : NULL };
		int out = make_out();
		if (img_layer_pack_clamped(src, out, IMG_COMP_NONE, 0, NULL, 2000000000, &sid,
					   digest, diff_id, &e) < 0)
			fail_msg("pack: %s", brig_err_str(&e));
		struct buf blob = slurp(out);
		struct img_unpack_opts o = { .allow_devices = true };
		struct img_unpack_result res;
		if (unpack_buf(&s, &blob, &o, &res, &e) < 0)
			fail_msg("unpack: %s", brig_err_str(&e));
		char *dump = tree_dump(s.destfd, NULL, 0);
		assert_null(strstr(dump, "bin/su 104755"));
		assert_int_equal(strstr(dump, "x:security.capability") == NULL, with_caps);
		assert_non_null(strstr(dump, "x:user.color=")); /* other xattrs stay */
		buf_add(&told, "", 1);
		assert_non_null(strstr((const char *)told.p, "setid bin/su 4755 0\n"));
		assert_non_null(strstr((const char *)told.p, "setid bin/sg 2755 0\n"));
		assert_int_equal(strstr((const char *)told.p, "caps bin/ping 20 02 0\n") == NULL,
				 !with_caps);
		free(dump);
		buf_free(&told);
		buf_free(&blob);
		img_unpack_result_clear(&res);
		sb_reset_dest(&s);
		(void)close(out);
	}
	(void)close(src);
	assert_int_equal(brig_rm_rf(s.topfd, "src", &e), 0);
	sb_check_and_free(&s);
}

/* The security.capability of each entry of an uncompressed layer, as
 * "NAME REVISION ROOTID\n" (rootid "-" for revision 2). */
static char *caps_of(const struct buf *blob)
{
	struct buf out = { 0 };
	struct archive *a = archive_read_new();
	archive_read_support_format_tar(a);
	assert_int_equal(archive_read_open_memory(a, blob->p, blob->len), ARCHIVE_OK);
	struct archive_entry *ae;
	while (archive_read_next_header(a, &ae) == ARCHIVE_OK) {
		const char *xn;
		const void *xv;
		size_t xs;
		archive_entry_xattr_reset(ae);
		while (archive_entry_xattr_next(ae, &xn, &xv, &xs) == ARCHIVE_OK) {
			const unsigned char *p = xv;
			char line[PATH_MAX + 64];
			if (strcmp(xn, "security.capability") != 0)
				continue;
			if (xs == 24)
				(void)snprintf(line, sizeof(line), "%s %u %u\n",
					       archive_entry_pathname(ae), p[3],
					       p[20] | p[21] << 8 | p[22] << 16 |
						       (unsigned)p[23] << 24);
			else
				(void)snprintf(line, sizeof(line), "%s %u - %zu\n",
					       archive_entry_pathname(ae), p[3], xs);
			buf_add(&out, line, strlen(line));
			break; /* libarchive reads it twice: SCHILY. and LIBARCHIVE.xattr */
		}
	}
	archive_read_free(a);
	buf_add(&out, "", 1);
	return (char *)out.p;
}

/* A container's files seen from the host: a revision 3 capability's root
 * is a host uid; the layer says whose root it is as the container sees it. */
static void test_pack_caps_rootid(void **state)
{
	(void)state;
	struct sandbox s;
	sb_init(&s);
	assert_int_equal(mkdirat(s.topfd, "src", 0755), 0);
	int d = openat(s.topfd, "src", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(d >= 0);
	static const struct {
		const char *name;
		uint32_t rootid;
	} files[] = { { "ns-root", 100000 }, { "ns-user", 100005 }, { "elsewhere", 5000 } };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(files); i++) {
		unsigned char v3[24] = { 0x01, 0, 0, 0x03, 0x00, 0x04 };
		for (int k = 0; k < 4; k++)
			v3[20 + k] = (unsigned char)(files[i].rootid >> (8 * k));
		mkfile(d, files[i].name, "x\n", 0755, 100000, 100000);
		xattr_at(d, files[i].name, "security.capability", v3, sizeof(v3));
	}
	mkfile(d, "v2", "x\n", 0755, 100000, 100000);
	xattr_at(d, "v2", "security.capability", cap_v2, sizeof(cap_v2));
	struct img_pack_ids ids = { 100000, 100000, 65536 };
	char digest[IMG_DIGEST_LEN], diff_id[IMG_DIGEST_LEN];
	struct brig_err e = { 0 };
	int out = make_out();
	if (img_layer_pack_ids(d, out, IMG_COMP_NONE, 0, &ids, digest, diff_id, &e) < 0)
		fail_msg("pack: %s", brig_err_str(&e));
	struct buf blob = slurp(out);
	char *caps = caps_of(&blob);
	assert_string_equal(caps, "elsewhere 3 65534\nns-root 2 - 20\nns-user 3 5\nv2 2 - 20\n");
	free(caps);
	buf_free(&blob);
	(void)close(out);
	(void)close(d);
	assert_int_equal(brig_rm_rf(s.topfd, "src", &e), 0);
	sb_check_and_free(&s);
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
		cmocka_unit_test_teardown(test_pack_setid_caps, sb_teardown),
		cmocka_unit_test_teardown(test_pack_caps_rootid, sb_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
