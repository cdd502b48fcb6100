/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Strict mode (img_unpack_opts.strict): each hostile layer is refused with
 * the same error whether it is unpacked (in a sandbox whose marker tree
 * must stay unchanged) or only checked (dest -1); a good layer unpacks to
 * the same tree as without strict.  And the layer cache
 * (img_layer_unpack_cached): published only when complete and right.
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
#include <unistd.h>

static const struct img_unpack_opts strict = { .strict = true, .strict_devices = true };

/* Expect the tar t refused by strict mode with an error mentioning
 * needle, unpacking and checking alike; without strict, lax_ok says
 * whether the plain unpacker accepts it.  Frees t. */
static void refused(struct tb *t, const char *needle, bool lax_ok)
{
	struct buf tar = tb_finish(t);
	struct img_unpack_result res;
	struct brig_err e = { 0 };
	struct sandbox s;
	sb_init(&s);
	assert_true(unpack_buf(&s, &tar, &strict, &res, &e) < 0);
	if (!strstr(brig_err_str(&e), needle))
		fail_msg("unpack: '%s' does not mention '%s'", brig_err_str(&e), needle);
	img_unpack_result_clear(&res);
	brig_err_clear(&e);
	sb_check_and_free(&s);
	int fd = memfd_of(tar.p, tar.len);
	assert_true(img_layer_unpack(fd, -1, &strict, &res, &e) < 0);
	if (!strstr(brig_err_str(&e), needle))
		fail_msg("check: '%s' does not mention '%s'", brig_err_str(&e), needle);
	(void)close(fd);
	img_unpack_result_clear(&res);
	brig_err_clear(&e);
	sb_init(&s);
	int r = unpack_buf(&s, &tar, NULL, &res, &e);
	if (lax_ok && r < 0)
		fail_msg("without strict: %s", brig_err_str(&e));
	if (!lax_ok)
		assert_true(r < 0);
	img_unpack_result_clear(&res);
	brig_err_clear(&e);
	sb_check_and_free(&s);
	buf_free(&tar);
}

static void test_names(void **state)
{
	(void)state;
	struct tb *t = tb_new();
	tb_file(t, "/etc/passwd", "pwned\n", 0644);
	refused(t, "absolute path", true);
	t = tb_new();
	tb_file(t, "../../etc/passwd", "pwned\n", 0644);
	refused(t, "path traversal", false);
	t = tb_new();
	tb_file(t, "a/../b", "inside, but still a ..\n", 0644);
	refused(t, "path traversal", true);
}

static void test_symlink_prefix(void **state)
{
	(void)state;
	struct tb *t = tb_new();
	tb_symlink(t, "evil", "/");
	tb_file(t, "evil/etc/passwd", "pwned\n", 0644);
	refused(t, "passes through the symlink 'evil'", true);
	t = tb_new();
	tb_dir(t, "d", 0755);
	tb_symlink(t, "d/up", "../../..");
	tb_file(t, "./d/up/x/sibling", "pwned\n", 0644);
	refused(t, "passes through the symlink 'd/up'", true);
}

static void test_hardlinks(void **state)
{
	(void)state;
	struct tb *t = tb_new();
	tb_hardlink(t, "shadow", "/etc/shadow");
	refused(t, "absolute path", false);
	t = tb_new();
	tb_hardlink(t, "shadow", "../../etc/shadow");
	refused(t, "path traversal", false);
	t = tb_new();
	tb_hardlink(t, "h", "not/there");
	refused(t, "no file of this layer", false);
	/* a hard link to a symlink of the layer, or through one */
	t = tb_new();
	tb_symlink(t, "l", "/etc/passwd");
	tb_hardlink(t, "h", "l");
	refused(t, "no file of this layer", true);
	t = tb_new();
	tb_file(t, "d/f", "x", 0644);
	tb_symlink(t, "s", "d");
	tb_hardlink(t, "h", "s/f");
	refused(t, "no file of this layer", true);
	/* the link comes before its target */
	t = tb_new();
	tb_hardlink(t, "h", "f");
	tb_file(t, "f", "x", 0644);
	refused(t, "no file of this layer", false);
}

static void test_types(void **state)
{
	(void)state;
	struct tb *t = tb_new();
	tb_dev(t, "dev/sda", false, 8, 0);
	refused(t, "block device node is refused", true);
	/* allow_devices does not weaken strict mode */
	struct img_unpack_opts o = { .strict = true,
				     .strict_devices = true,
				     .allow_devices = true };
	struct sandbox s;
	struct img_unpack_result res;
	struct brig_err e = { 0 };
	sb_init(&s);
	t = tb_new();
	tb_dev(t, "mem", true, 1, 1);
	struct buf tar = tb_finish(t);
	assert_true(unpack_buf(&s, &tar, &o, &res, &e) < 0);
	assert_non_null(strstr(brig_err_str(&e), "character device node is refused"));
	assert_false(exists_at(s.destfd, "mem"));
	buf_free(&tar);
	img_unpack_result_clear(&res);
	brig_err_clear(&e);
	sb_check_and_free(&s);
	t = tb_new();
	tb_dir(t, "d", 0755);
	tb_file(t, "d/f", "x", 0644);
	tb_file(t, "d", "now a file", 0644);
	refused(t, "given twice, as a directory and as a file", true);
	t = tb_new();
	tb_fifo(t, "p");
	tb_symlink(t, "p", "/");
	refused(t, "given twice, as a fifo and as a symlink", true);
	t = tb_new();
	tb_dir(t, "a", 0755);
	tb_file(t, "a/.wh..", "", 0644);
	refused(t, "whiteout of no entry", false);
	t = tb_new();
	tb_file(t, ".wh.", "", 0644);
	refused(t, "whiteout of no entry", false);
}

/* Strict without strict_devices (brig load's and pull's default): a device
 * node is skipped, counted and noted, and never made, even when
 * allow_devices says so. */
static void test_devices_skipped(void **state)
{
	(void)state;
	struct img_unpack_opts o = { .strict = true, .allow_devices = true };
	struct sandbox s;
	struct img_unpack_result res;
	struct brig_err e = { 0 };
	sb_init(&s);
	struct tb *t = tb_new();
	tb_dir(t, "dev", 0755);
	tb_dev(t, "dev/mem", true, 1, 1);
	tb_dev(t, "dev/sda", false, 8, 0);
	tb_file(t, "f", "x", 0644);
	struct buf tar = tb_finish(t);
	assert_int_equal(unpack_buf(&s, &tar, &o, &res, &e), 0);
	assert_int_equal(res.devices_skipped, 2);
	assert_int_equal(res.warnings, 2);
	assert_non_null(res.notes);
	assert_non_null(strstr(res.notes[0], "dev/mem"));
	assert_false(exists_at(s.destfd, "dev/mem"));
	assert_false(exists_at(s.destfd, "dev/sda"));
	assert_true(exists_at(s.destfd, "f"));
	buf_free(&tar);
	img_unpack_result_clear(&res);
	brig_err_clear(&e);
	sb_check_and_free(&s);
}

/* A layer strict mode accepts: the same tree as without it. */
static void test_good_layer_same_tree(void **state)
{
	(void)state;
	struct tb *t = tb_new();
	tb_dir(t, "./", 0755);
	tb_dir(t, "etc", 0755);
	tb_file(t, "etc/passwd", "root:x:0:0::/root:/bin/sh\n", 0644);
	tb_file(t, "etc/passwd", "second copy wins\n", 0600);
	tb_hardlink(t, "etc/passwd-", "etc/passwd");
	tb_hardlink(t, "./etc/passwd2", "./etc/passwd");
	tb_symlink(t, "etc/abs", "/etc/passwd");
	tb_symlink(t, "etc/rel", "../etc/passwd");
	/* every directory given, so that no mtime is the clock's */
	tb_dir(t, "run", 0755);
	tb_dir(t, "usr", 0755);
	tb_dir(t, "opt", 0755);
	tb_dir(t, "deep", 0755);
	tb_dir(t, "deep/a", 0755);
	tb_dir(t, "deep/a/b", 0755);
	tb_fifo(t, "run/fifo");
	tb_file(t, "usr/.wh.gone", "", 0644);
	tb_file(t, "opt/.wh..wh..opq", "", 0644);
	tb_file(t, "deep/a/b/c", "c", 0644);
	struct buf tar = tb_finish(t);
	struct img_unpack_result r1, r2, r3;
	struct brig_err e = { 0 };
	struct sandbox s1, s2;
	sb_init(&s1);
	sb_init(&s2);
	if (unpack_buf(&s1, &tar, &strict, &r1, &e) < 0)
		fail_msg("strict: %s", brig_err_str(&e));
	assert_int_equal(unpack_buf(&s2, &tar, NULL, &r2, &e), 0);
	char *d1 = tree_dump(s1.destfd, NULL, 0), *d2 = tree_dump(s2.destfd, NULL, 0);
	assert_string_equal(d1, d2);
	assert_string_equal(read_at(s1.destfd, "etc/passwd2"), "second copy wins\n");
	assert_string_equal(r1.diff_id, r2.diff_id);
	/* checking only: the same digests and entries, nothing made */
	int fd = memfd_of(tar.p, tar.len);
	assert_int_equal(img_layer_unpack(fd, -1, &strict, &r3, &e), 0);
	(void)close(fd);
	assert_string_equal(r3.digest, r1.digest);
	assert_string_equal(r3.diff_id, r1.diff_id);
	assert_int_equal(r3.entries, r1.entries);
	assert_int_equal(r3.files + r3.dirs + r3.symlinks + r3.hardlinks, 0);
	free(d1);
	free(d2);
	img_unpack_result_clear(&r1);
	img_unpack_result_clear(&r2);
	img_unpack_result_clear(&r3);
	buf_free(&tar);
	sb_check_and_free(&s1);
	sb_check_and_free(&s2);
}

/* ---- the layer cache ---- */

struct cache {
	char dir[64];
	int fd;
};

static void cache_init(struct cache *c)
{
	(void)snprintf(c->dir, sizeof(c->dir), "/tmp/brig-layers-XXXXXX");
	assert_non_null(mkdtemp(c->dir));
	c->fd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(c->fd >= 0);
}

/* The names in the cache directory, sorted, one per line. */
static char *cache_list(const struct cache *c)
{
	char cmd[128];
	(void)snprintf(cmd, sizeof(cmd), "ls -A %s", c->dir);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	char *out = calloc(1, 4096);
	assert_non_null(out);
	size_t n = fread(out, 1, 4095, p);
	out[n] = 0;
	(void)pclose(p);
	return out;
}

static void cache_free(struct cache *c)
{
	struct brig_err e = { 0 };
	(void)close(c->fd);
	int dfd = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(brig_rm_rf(dfd, c->dir + 5, &e), 0);
	(void)close(dfd);
}

static int cached(struct cache *c, const struct buf *b, const struct img_unpack_opts *o,
		  const char *digest, const char *diff_id, struct img_unpack_result *res,
		  struct brig_err *e)
{
	int fd = memfd_of(b->p, b->len);
	int r = img_layer_unpack_cached(c->fd, fd, o, digest, diff_id, res, e);
	(void)close(fd);
	return r;
}

static void test_cache(void **state)
{
	(void)state;
	struct tb *t = tb_new();
	tb_file(t, "hello", "hello\n", 0644);
	struct buf tar = tb_finish(t);
	struct buf gz = compress_buf(IMG_COMP_GZIP, tar.p, tar.len);
	char digest[IMG_DIGEST_LEN], diff_id[IMG_DIGEST_LEN];
	digest_of(gz.p, gz.len, digest);
	digest_of(tar.p, tar.len, diff_id);
	struct cache c;
	struct img_unpack_result res;
	struct brig_err e = { 0 };
	cache_init(&c);
	/* wrong diff_id, wrong digest: refused, nothing left */
	const char *other =
		"sha256:1111111111111111111111111111111111111111111111111111111111111111";
	assert_int_equal(cached(&c, &gz, &strict, digest, other, &res, &e), -EBADMSG);
	assert_non_null(strstr(brig_err_str(&e), "the config says"));
	img_unpack_result_clear(&res);
	assert_int_equal(cached(&c, &gz, &strict, other, diff_id, &res, &e), -EBADMSG);
	assert_non_null(strstr(brig_err_str(&e), "digest mismatch"));
	img_unpack_result_clear(&res);
	char *l = cache_list(&c);
	assert_string_equal(l, "");
	free(l);
	/* right: published under the diff_id hex, no temporary left */
	assert_int_equal(cached(&c, &gz, &strict, digest, diff_id, &res, &e), 0);
	assert_string_equal(res.diff_id, diff_id);
	img_unpack_result_clear(&res);
	l = cache_list(&c);
	char want[80];
	(void)snprintf(want, sizeof(want), "%s\n", diff_id + 7);
	assert_string_equal(l, want);
	free(l);
	char path[IMG_DIGEST_LEN + 16];
	(void)snprintf(path, sizeof(path), "%s/hello", diff_id + 7);
	assert_string_equal(read_at(c.fd, path), "hello\n");
	/* a second unpack keeps the first directory (a marker in it stays) */
	(void)snprintf(path, sizeof(path), "%s/marker", diff_id + 7);
	int m = openat(c.fd, path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true(m >= 0);
	(void)close(m);
	assert_int_equal(cached(&c, &tar, NULL, NULL, diff_id, &res, &e), 0);
	img_unpack_result_clear(&res);
	assert_true(exists_at(c.fd, path));
	l = cache_list(&c);
	assert_string_equal(l, want);
	free(l);
	brig_err_clear(&e);
	cache_free(&c);
	buf_free(&gz);
	buf_free(&tar);
}

static void test_cache_refused_leaves_nothing(void **state)
{
	(void)state;
	struct tb *t = tb_new();
	tb_file(t, "a/ok", "fine\n", 0644);
	tb_symlink(t, "evil", "/");
	tb_file(t, "evil/tmp/x", "pwned\n", 0644);
	struct buf tar = tb_finish(t);
	struct cache c;
	struct img_unpack_result res;
	struct brig_err e = { 0 };
	cache_init(&c);
	assert_true(cached(&c, &tar, &strict, NULL, NULL, &res, &e) < 0);
	assert_non_null(strstr(brig_err_str(&e), "passes through the symlink"));
	img_unpack_result_clear(&res);
	char *l = cache_list(&c);
	assert_string_equal(l, "");
	free(l);
	brig_err_clear(&e);
	cache_free(&c);
	buf_free(&tar);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_names, sb_teardown),
		cmocka_unit_test_teardown(test_symlink_prefix, sb_teardown),
		cmocka_unit_test_teardown(test_hardlinks, sb_teardown),
		cmocka_unit_test_teardown(test_types, sb_teardown),
		cmocka_unit_test_teardown(test_devices_skipped, sb_teardown),
		cmocka_unit_test_teardown(test_good_layer_same_tree, sb_teardown),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_cache_refused_leaves_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
