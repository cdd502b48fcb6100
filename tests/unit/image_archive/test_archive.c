/* SPDX-License-Identifier: Apache-2.0 */
/* image/archive: member names, loading, saving and layer checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "image/archive/archive-internal.h"

/* ---- helpers ---- */

struct ent {
	const char *name;
	char type; /* f d l h */
	const char *data;
	const char *link;
};

#define TAR_MAX ((size_t)4 << 20)

static void tar_build(const struct ent *ents, size_t n, char **buf, size_t *len)
{
	*buf = malloc(TAR_MAX);
	assert_non_null(*buf);
	struct archive *a = archive_write_new();
	assert_non_null(a);
	assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_memory(a, *buf, TAR_MAX, len), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *en = archive_entry_new();
		size_t dlen = ents[i].data ? strlen(ents[i].data) : 0;
		archive_entry_set_pathname(en, ents[i].name);
		archive_entry_set_perm(en, 0644);
		switch (ents[i].type) {
		case 'd':
			archive_entry_set_filetype(en, AE_IFDIR);
			break;
		case 'l':
			archive_entry_set_filetype(en, AE_IFLNK);
			archive_entry_set_symlink(en, ents[i].link);
			break;
		case 'h':
			archive_entry_set_filetype(en, AE_IFREG);
			archive_entry_set_hardlink(en, ents[i].link);
			break;
		default:
			archive_entry_set_filetype(en, AE_IFREG);
			archive_entry_set_size(en, (la_int64_t)dlen);
		}
		assert_int_equal(archive_write_header(a, en), ARCHIVE_OK);
		if (ents[i].type == 'f' && dlen)
			assert_int_equal(archive_write_data(a, ents[i].data, dlen),
					 (la_ssize_t)dlen);
		archive_entry_free(en);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

static int memfd_of(const char *buf, size_t len)
{
	int fd = memfd_create("archive", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(brig_write_all(fd, buf, len), 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static void digest_of(const char *buf, size_t len, char out[IMG_DIGEST_SIZE])
{
	char hex[BRIG_SHA256_HEX];
	assert_int_equal(brig_sha256_buf(buf, len, hex), 0);
	snprintf(out, IMG_DIGEST_SIZE, "sha256:%s", hex);
}

static struct img_store *store_new(char dir[64])
{
	strcpy(dir, "/tmp/brig-archive-XXXXXX");
	assert_non_null(mkdtemp(dir));
	struct brig_err e = { 0 };
	struct img_store *s = NULL;
	assert_int_equal(img_store_open(dir, true, &s, &e), 0);
	assert_int_equal(img_store_lease(s, &e), 0);
	return s;
}

static void store_free(struct img_store *s, char dir[64])
{
	struct brig_err e = { 0 };
	img_store_close(s);
	assert_int_equal(brig_rm_rf(AT_FDCWD, dir, &e), 0);
}

/* A docker-archive of one layer; layer_ref is what manifest.json names. */
static void docker_archive(const char *layer_ref, const char *diff_override, char **buf,
			   size_t *len, char diff_id[IMG_DIGEST_SIZE])
{
	static const struct ent layer_ents[] = {
		{ "etc/", 'd', NULL, NULL },
		{ "etc/hello", 'f', "hello\n", NULL },
	};
	char *layer, cfg[512], man[512];
	size_t llen;
	tar_build(layer_ents, 2, &layer, &llen);
	digest_of(layer, llen, diff_id);
	snprintf(cfg, sizeof(cfg),
		 "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":"
		 "{\"type\":\"layers\",\"diff_ids\":[\"%s\"]}}",
		 diff_override ? diff_override : diff_id);
	snprintf(man, sizeof(man),
		 "[{\"Config\":\"c.json\",\"RepoTags\":[\"t:1\"],"
		 "\"Layers\":[\"%s\"]}]",
		 layer_ref);
	struct ent outer[] = {
		{ "l/layer.tar", 'f', NULL, NULL },
		{ "c.json", 'f', cfg, NULL },
		{ "manifest.json", 'f', man, NULL },
	};
	/* the layer holds NUL bytes: write it with its length */
	*buf = malloc(TAR_MAX);
	assert_non_null(*buf);
	struct archive *a = archive_write_new();
	assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_memory(a, *buf, TAR_MAX, len), ARCHIVE_OK);
	for (size_t i = 0; i < 3; i++) {
		const char *d = i == 0 ? layer : outer[i].data;
		size_t dl = i == 0 ? llen : strlen(d);
		struct archive_entry *en = archive_entry_new();
		archive_entry_set_pathname(en, outer[i].name);
		archive_entry_set_filetype(en, AE_IFREG);
		archive_entry_set_perm(en, 0644);
		archive_entry_set_size(en, (la_int64_t)dl);
		assert_int_equal(archive_write_header(a, en), ARCHIVE_OK);
		assert_int_equal(archive_write_data(a, d, dl), (la_ssize_t)dl);
		archive_entry_free(en);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	free(layer);
}

struct calls {
	int n;
	char diff_id[IMG_DIGEST_SIZE];
};

/* An unpack function that checks the diff_id as brig's does. */
static int check_layer(void *ctx, struct img_store *s, const struct img_descriptor *l,
		       const char *diff_id, struct brig_err *e)
{
	struct calls *c = ctx;
	int fd = -1;
	char got[IMG_DIGEST_SIZE];
	int r = img_blob_open(s, l->digest, false, &fd, e);
	if (r == 0)
		r = img_archive_layer_check(fd, got, e);
	if (fd >= 0)
		close(fd);
	if (r == 0 && strcmp(got, diff_id) != 0)
		r = brig_err_set(e, -EBADMSG, "diff_id %s, config says %s", got, diff_id);
	c->n++;
	snprintf(c->diff_id, sizeof(c->diff_id), "%s", diff_id);
	return r;
}

static int load_buf(struct img_store *s, const char *buf, size_t len, struct calls *c,
		    struct img_load_result *res, struct brig_err *e)
{
	struct img_load_opts o = { .unpack_layer = check_layer, .ctx = c };
	int fd = memfd_of(buf, len);
	int r = img_archive_load(s, fd, &o, res, e);
	close(fd);
	return r;
}

static size_t n_names(struct img_store *s)
{
	struct brig_err e = { 0 };
	struct img_list_entry *v = NULL;
	size_t n = 0;
	assert_int_equal(img_store_list(s, &v, &n, &e), 0);
	img_store_list_free(v, n);
	return n;
}

/* ---- tests ---- */

static void test_normalize(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	char *out = NULL;
	assert_int_equal(arc_path_normalize("./a//b/./c/", 100, "m", &out, &e), 0);
	assert_string_equal(out, "a/b/c");
	free(out);
	assert_int_equal(arc_path_normalize("./", 100, "m", &out, &e), 0);
	assert_string_equal(out, "");
	free(out);
	assert_int_equal(arc_path_normalize("/etc/passwd", 100, "m", &out, &e), -EINVAL);
	assert_non_null(strstr(brig_err_str(&e), "absolute"));
	assert_int_equal(arc_path_normalize("a/../../b", 100, "m", &out, &e), -EINVAL);
	assert_non_null(strstr(brig_err_str(&e), "traversal"));
	assert_int_equal(arc_path_normalize("abcdef", 3, "m", &out, &e), -ENAMETOOLONG);
	assert_int_equal(arc_link_resolve("x/layer.tar", "../y.tar", 100, &out, &e), 0);
	assert_string_equal(out, "y.tar");
	free(out);
	assert_int_equal(arc_link_resolve("layer.tar", "../y.tar", 100, &out, &e), -EINVAL);
	assert_int_equal(arc_link_resolve("x/l", "/etc/shadow", 100, &out, &e), -EINVAL);
	brig_err_clear(&e);
}

static void test_members(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	struct arc_members set = { 0 };
	char name[32];
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "m%d", i);
		struct arc_member m = { .name = strdup(name) };
		snprintf(m.digest, sizeof(m.digest), "sha256:%064d", i);
		assert_int_equal(arc_members_add(&set, &m, &e), 0);
	}
	struct arc_member dup = { .name = strdup("m7") };
	assert_int_equal(arc_members_add(&set, &dup, &e), -EINVAL);
	assert_non_null(strstr(brig_err_str(&e), "twice"));
	assert_non_null(arc_members_find(&set, "m999"));
	assert_null(arc_members_find(&set, "m1000"));
	char dg[IMG_DIGEST_SIZE];
	snprintf(dg, sizeof(dg), "sha256:%064d", 5);
	assert_true(arc_members_has_digest(&set, dg));
	arc_members_free(&set);
	brig_err_clear(&e);
}

static void test_load_docker(void **state)
{
	(void)state;
	char dir[64], diff_id[IMG_DIGEST_SIZE];
	struct img_store *s = store_new(dir);
	struct brig_err e = { 0 };
	char *buf;
	size_t len;
	docker_archive("l/layer.tar", NULL, &buf, &len, diff_id);
	struct calls c = { 0 };
	struct img_load_result res;
	int r = load_buf(s, buf, len, &c, &res, &e);
	if (r < 0)
		fprintf(stderr, "# %s\n", brig_err_str(&e));
	assert_int_equal(r, 0);
	assert_int_equal(res.format, IMG_ARCHIVE_DOCKER);
	assert_int_equal(res.n_images, 1);
	assert_string_equal(res.images[0].names[0], "docker.io/library/t:1");
	assert_int_equal(c.n, 1);
	assert_string_equal(c.diff_id, diff_id);
	struct img_descriptor d;
	assert_int_equal(img_store_resolve(s, "t:1", &d, &e), 0);
	assert_string_equal(d.digest, res.images[0].desc.digest);
	img_descriptor_clear(&d);
	/* the same archive gives the same manifest */
	struct img_load_result res2;
	assert_int_equal(load_buf(s, buf, len, &c, &res2, &e), 0);
	assert_string_equal(res2.images[0].desc.digest, res.images[0].desc.digest);
	img_load_result_clear(&res2);
	img_load_result_clear(&res);
	free(buf);
	store_free(s, dir);
	brig_err_clear(&e);
}

static void test_load_refused_names_nothing(void **state)
{
	(void)state;
	char dir[64], diff_id[IMG_DIGEST_SIZE];
	struct img_store *s = store_new(dir);
	struct brig_err e = { 0 };
	struct calls c = { 0 };
	struct img_load_result res;
	char *buf;
	size_t len;
	docker_archive("../l/layer.tar", NULL, &buf, &len, diff_id);
	assert_int_equal(load_buf(s, buf, len, &c, &res, &e), -EINVAL);
	assert_non_null(strstr(brig_err_str(&e), "manifest.json: [0].Layers[0]"));
	free(buf);
	docker_archive("l/missing.tar", NULL, &buf, &len, diff_id);
	assert_true(load_buf(s, buf, len, &c, &res, &e) < 0);
	assert_non_null(strstr(brig_err_str(&e), "missing from the archive"));
	free(buf);
	docker_archive("l/layer.tar",
		       "sha256:"
		       "0000000000000000000000000000000000000000000000000000000000000000",
		       &buf, &len, diff_id);
	assert_int_equal(load_buf(s, buf, len, &c, &res, &e), -EBADMSG);
	free(buf);
	assert_int_equal(n_names(s), 0);
	store_free(s, dir);
	brig_err_clear(&e);
}

static void test_save_roundtrip(void **state)
{
	(void)state;
	char dir[64], dir2[64], diff_id[IMG_DIGEST_SIZE];
	struct img_store *s = store_new(dir), *s2 = store_new(dir2);
	struct brig_err e = { 0 };
	struct calls c = { 0 };
	struct img_load_result res, res2;
	char *buf;
	size_t len;
	docker_archive("l/layer.tar", NULL, &buf, &len, diff_id);
	assert_int_equal(load_buf(s, buf, len, &c, &res, &e), 0);
	free(buf);
	for (int f = IMG_ARCHIVE_DOCKER; f <= IMG_ARCHIVE_OCI; f++) {
		int fd = memfd_create("out", MFD_CLOEXEC);
		const char *refs[] = { "t:1" };
		int r = img_archive_save(s, refs, 1, (enum img_archive_format)f, "amd64", "linux",
					 fd, &e);
		if (r < 0)
			fprintf(stderr, "# %s\n", brig_err_str(&e));
		assert_int_equal(r, 0);
		assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
		struct img_load_opts o = { .unpack_layer = check_layer, .ctx = &c };
		assert_int_equal(img_archive_load(s2, fd, &o, &res2, &e), 0);
		close(fd);
		assert_int_equal((int)res2.format, f);
		assert_string_equal(res2.images[0].names[0], "docker.io/library/t:1");
		assert_string_equal(res2.images[0].id, res.images[0].id);
		/* the manifest (built deterministically, or kept) is the same */
		assert_string_equal(res2.images[0].desc.digest, res.images[0].desc.digest);
		img_load_result_clear(&res2);
	}
	const char *bad[] = { "no:such" };
	int fd = memfd_create("out", MFD_CLOEXEC);
	assert_int_equal(img_archive_save(s, bad, 1, IMG_ARCHIVE_OCI, "amd64", "linux", fd, &e),
			 -ENOENT);
	close(fd);
	img_load_result_clear(&res);
	store_free(s, dir);
	store_free(s2, dir2);
	brig_err_clear(&e);
}

static int check_ents(const struct ent *ents, size_t n, char diff_id[IMG_DIGEST_SIZE],
		      struct brig_err *e)
{
	char *buf;
	size_t len;
	tar_build(ents, n, &buf, &len);
	int fd = memfd_of(buf, len);
	int r = img_archive_layer_check(fd, diff_id, e);
	char want[IMG_DIGEST_SIZE];
	digest_of(buf, len, want);
	if (r == 0)
		assert_string_equal(diff_id, want);
	close(fd);
	free(buf);
	return r;
}

static void test_layer_check(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	char d[IMG_DIGEST_SIZE];
	const struct ent good[] = { { "a/", 'd', NULL, NULL },
				    { "a/f", 'f', "x", NULL },
				    { "a/g", 'h', NULL, "a/f" },
				    { "a/s", 'l', NULL, "/etc" },
				    { "a/.wh.old", 'f', "", NULL } };
	assert_int_equal(check_ents(good, 5, d, &e), 0);
	const struct ent through[] = { { "s", 'l', NULL, "/" }, { "s/etc/x", 'f', "x", NULL } };
	assert_int_equal(check_ents(through, 2, d, &e), -EINVAL);
	assert_non_null(strstr(brig_err_str(&e), "passes through the symlink 's'"));
	const struct ent hard[] = { { "h", 'h', NULL, "etc/shadow" } };
	assert_int_equal(check_ents(hard, 1, d, &e), -EINVAL);
	assert_non_null(strstr(brig_err_str(&e), "no file of this layer"));
	const struct ent dup[] = { { "d/", 'd', NULL, NULL }, { "d", 'f', "x", NULL } };
	assert_int_equal(check_ents(dup, 2, d, &e), -EINVAL);
	assert_non_null(strstr(brig_err_str(&e), "given twice"));
	const struct ent wh[] = { { "a/.wh..", 'f', "", NULL } };
	assert_int_equal(check_ents(wh, 1, d, &e), -EINVAL);
	const struct ent dotdot[] = { { "a/../../x", 'f', "", NULL } };
	assert_int_equal(check_ents(dotdot, 1, d, &e), -EINVAL);
	brig_err_clear(&e);
}

static void test_formats(void **state)
{
	(void)state;
	enum img_archive_format f;
	assert_int_equal(img_archive_format_parse("oci-archive", &f), 0);
	assert_int_equal(f, IMG_ARCHIVE_OCI);
	assert_string_equal(img_archive_format_name(f), "oci-archive");
	assert_int_equal(img_archive_format_parse("docker-archive", &f), 0);
	assert_int_equal(f, IMG_ARCHIVE_DOCKER);
	assert_int_equal(img_archive_format_parse("tarball", &f), -EINVAL);
	struct brig_err e = { 0 };
	char *n = NULL;
	assert_int_equal(arc_image_name("latest", "localhost/x", &n, &e), 0);
	assert_string_equal(n, "localhost/x:latest");
	free(n);
	assert_int_equal(arc_image_name("busybox", NULL, &n, &e), 0);
	assert_string_equal(n, "docker.io/library/busybox:latest");
	free(n);
	assert_true(arc_image_name("-bad", "localhost/x", &n, &e) < 0);
	brig_err_clear(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_members),
		cmocka_unit_test(test_load_docker),
		cmocka_unit_test(test_load_refused_names_nothing),
		cmocka_unit_test(test_save_roundtrip),
		cmocka_unit_test(test_layer_check),
		cmocka_unit_test(test_formats),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
