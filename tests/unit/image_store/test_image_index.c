/* SPDX-License-Identifier: Apache-2.0 */
/* Names in index.json: tag, untag, resolve, list, platforms, concurrency. */
#include "tests/unit/testutil.h"
#include "helpers.h"

#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/wait.h>

static char dir[256];
static struct img_store *st;
static struct th_image A, B;

static int setup(void **state)
{
	(void)state;
	st = th_store_new(dir, sizeof(dir));
	th_make_image(st, "image A", &A);
	th_make_image(st, "image B", &B);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	th_image_clear(&A);
	th_image_clear(&B);
	img_store_close(st);
	st = NULL;
	th_rmtree(dir);
	return 0;
}

static void tag_ok(const struct th_image *im, const char *ref)
{
	struct brig_err e = { 0 };
	if (img_store_tag(st, &im->desc, ref, &e) < 0) {
		fprintf(stderr, "# tag %s: %s\n", ref, brig_err_str(&e));
		fail();
	}
}

/* The manifest digest what resolves to ("" when it does not). */
static int resolve(const char *what, char digest[IMG_DIGEST_SIZE], struct brig_err *e)
{
	struct img_descriptor d;
	int r = img_store_resolve(st, what, &d, e);
	digest[0] = '\0';
	if (r == 0)
		memcpy(digest, d.digest, IMG_DIGEST_SIZE);
	img_descriptor_clear(&d);
	return r;
}

static void test_tag_resolve(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	char got[IMG_DIGEST_SIZE], ref[200];
	tag_ok(&A, "brigtest:1");
	tag_ok(&B, "quay.io/org/other");
	static const char *const names_a[] = { "brigtest:1", "docker.io/library/brigtest:1",
					       "library/brigtest:1" };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(names_a); i++) {
		assert_int_equal(resolve(names_a[i], got, &e), 0);
		assert_string_equal(got, A.manifest);
	}
	assert_int_equal(resolve("quay.io/org/other:latest", got, &e), 0);
	assert_string_equal(got, B.manifest);
	/* By manifest digest, image ID (config digest) in three spellings, and
	 * a unique prefix. */
	assert_int_equal(resolve(A.manifest, got, &e), 0);
	assert_string_equal(got, A.manifest);
	assert_int_equal(resolve(B.config, got, &e), 0);
	assert_string_equal(got, B.manifest);
	assert_int_equal(resolve(B.config + 7, got, &e), 0);
	assert_string_equal(got, B.manifest);
	(void)snprintf(ref, sizeof(ref), "%.12s", A.config + 7);
	assert_int_equal(resolve(ref, got, &e), 0);
	assert_string_equal(got, A.manifest);
	(void)snprintf(ref, sizeof(ref), "sha256:%.12s", A.config + 7);
	assert_int_equal(resolve(ref, got, &e), 0);
	assert_string_equal(got, A.manifest);
	(void)snprintf(ref, sizeof(ref), "brigtest@%s", A.manifest);
	assert_int_equal(resolve(ref, got, &e), 0);
	assert_string_equal(got, A.manifest);
	/* Not there. */
	assert_int_equal(resolve("brigtest", got, &e), -ENOENT);
	th_err_has(&e, "no such image: brigtest", "brig pull", NULL);
	(void)snprintf(ref, sizeof(ref), "%.3s", A.config + 7);
	assert_int_equal(resolve(ref, got, &e), -ENOENT);
	assert_int_equal(resolve("sha256:"
				 "ffffffffffffffffffffffffffffffffffffffffffffffffff"
				 "ffffffffffffff",
				 got, &e),
			 -ENOENT);
	assert_int_equal(resolve("", got, &e), -EINVAL);
	brig_err_clear(&e);
}

static void test_resolved_entry(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	tag_ok(&A, "a:1");
	struct img_descriptor d;
	assert_int_equal(img_store_resolve(st, "a:1", &d, &e), 0);
	assert_string_equal(d.media_type, IMG_MT_OCI_MANIFEST);
	assert_int_equal(d.size, A.manifest_size);
	assert_string_equal(img_kv_get(&d.annotations, IMG_ANNOTATION_REF_NAME),
			    "docker.io/library/a:1");
	struct img_manifest m;
	assert_int_equal(img_store_load_manifest(st, &d, &m, &e), 0);
	assert_string_equal(m.config.digest, A.config);
	struct img_config c;
	assert_int_equal(img_store_load_config(st, &m.config, &c, &e), 0);
	assert_string_equal(c.cmd[0], "/hello");
	assert_string_equal(img_kv_get(&c.labels, "t"), "image A");
	img_config_clear(&c);
	img_manifest_clear(&m);
	img_descriptor_clear(&d);
	brig_err_clear(&e);
}

static void test_list_move_untag(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	char got[IMG_DIGEST_SIZE];
	tag_ok(&A, "x:1");
	tag_ok(&A, "x:2");
	tag_ok(&B, "y");
	tag_ok(&B, "x:1"); /* moves */
	struct img_list_entry *v = NULL;
	size_t n = 0;
	assert_int_equal(img_store_list(st, &v, &n, &e), 0);
	assert_int_equal(n, 3);
	int x1 = 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].name, "docker.io/library/x:1") == 0) {
			x1++;
			assert_string_equal(v[i].desc.digest, B.manifest);
		}
	assert_int_equal(x1, 1);
	img_store_list_free(v, n);
	assert_int_equal(resolve("x:1", got, &e), 0);
	assert_string_equal(got, B.manifest);

	assert_int_equal(img_store_untag(st, "x:1", &e), 0);
	assert_int_equal(resolve("x:1", got, &e), -ENOENT);
	assert_int_equal(img_store_untag(st, "x:1", &e), -ENOENT);
	th_err_has(&e, "no image named 'docker.io/library/x:1'", NULL);
	assert_int_equal(resolve("x:2", got, &e), 0);
	assert_string_equal(got, A.manifest);
	brig_err_clear(&e);
}

static void test_tag_refusals(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	char ref[200];
	(void)snprintf(ref, sizeof(ref), "a@%s", B.manifest);
	assert_int_equal(img_store_tag(st, &A.desc, ref, &e), -EINVAL);
	th_err_has(&e, "other than the manifest's", NULL);
	assert_int_equal(img_store_tag(st, &A.desc, "Bad:Name", &e), -EINVAL);
	/* A name with the right digest is fine. */
	(void)snprintf(ref, sizeof(ref), "a@%s", A.manifest);
	assert_int_equal(img_store_tag(st, &A.desc, ref, &e), 0);

	/* A manifest whose layer is not in the store cannot be named. */
	char *doc = NULL, dg[IMG_DIGEST_SIZE];
	int n = asprintf(&doc,
			 "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"%s\","
			 "\"digest\":\"%s\",\"size\":%zu},\"layers\":[{\"mediaType\":\"%s\","
			 "\"digest\":\"sha256:%064d\",\"size\":1}]}",
			 IMG_MT_OCI_CONFIG, A.config, A.config_size, IMG_MT_OCI_LAYER, 0);
	assert_int_equal(img_blob_put(st, doc, (size_t)n, dg, &e), 0);
	struct img_descriptor d = { .media_type = (char *)IMG_MT_OCI_MANIFEST,
				    .size = (uint64_t)n };
	img_media_type_info(IMG_MT_OCI_MANIFEST, &d.info);
	memcpy(d.digest, dg, sizeof(dg));
	assert_int_equal(img_store_tag(st, &d, "incomplete", &e), -ENOENT);
	th_err_has(&e, "cannot name", "missing", NULL);
	/* Wrong size in the descriptor. */
	d.size++;
	assert_true(img_store_tag(st, &d, "incomplete", &e) < 0);
	th_err_has(&e, "descriptor says", NULL);
	/* A layer media type cannot be named. */
	d.media_type = (char *)IMG_MT_OCI_LAYER;
	img_media_type_info(IMG_MT_OCI_LAYER, &d.info);
	assert_int_equal(img_store_tag(st, &d, "incomplete", &e), -EINVAL);
	free(doc);
	char got[IMG_DIGEST_SIZE];
	assert_int_equal(resolve("incomplete", got, &e), -ENOENT);
	brig_err_clear(&e);
}

/* Rewrite index.json by hand (as another tool would). */
static void edit_index(void (*edit)(json_t *))
{
	char path[PATH_MAX];
	struct brig_err e = { 0 };
	(void)snprintf(path, sizeof(path), "%s/index.json", dir);
	json_t *idx = NULL;
	assert_int_equal(bj_load_file(AT_FDCWD, path, 1 << 20, &idx, &e), 0);
	edit(idx);
	char *text = json_dumps(idx, 0);
	th_write(path, text, strlen(text));
	free(text);
	json_decref(idx);
}

static void add_raw_name(json_t *idx)
{
	json_t *m = json_array_get(json_object_get(idx, "manifests"), 0);
	json_t *copy = json_deep_copy(m);
	json_object_set_new(json_object_get(copy, "annotations"), IMG_ANNOTATION_REF_NAME,
			    json_string("bar"));
	json_array_append_new(json_object_get(idx, "manifests"), copy);
}

static void break_size(json_t *idx)
{
	json_t *m = json_array_get(json_object_get(idx, "manifests"), 1);
	json_object_set_new(m, "size", json_string("12"));
}

static void test_foreign_names(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	char got[IMG_DIGEST_SIZE];
	tag_ok(&A, "a");
	edit_index(add_raw_name);
	assert_int_equal(resolve("bar", got, &e), 0);
	assert_string_equal(got, A.manifest);
	edit_index(break_size);
	assert_int_equal(resolve("bar", got, &e), -EINVAL);
	th_err_has(&e, "index.json", "manifests[1].size", "expected an integer", NULL);
	assert_int_equal(img_store_tag(st, &B.desc, "b", &e), -EINVAL);
	th_err_has(&e, "manifests[1].size", NULL);
	brig_err_clear(&e);
}

static void test_untag_raw(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	char got[IMG_DIGEST_SIZE];
	tag_ok(&A, "a");
	edit_index(add_raw_name);
	assert_int_equal(img_store_untag(st, "bar", &e), 0);
	assert_int_equal(resolve("bar", got, &e), -ENOENT);
	assert_int_equal(resolve("a", got, &e), 0);
	brig_err_clear(&e);
}

static void test_ambiguous_prefix(void **state)
{
	(void)state;
	/* Find two contents whose image IDs share their first 4 hex digits. */
	enum { N = 4096 };
	char(*ids)[IMG_DIGEST_SIZE] = calloc(N, IMG_DIGEST_SIZE);
	assert_non_null(ids);
	int a = -1, b = -1;
	for (int i = 0; i < N && a < 0; i++) {
		char content[32];
		(void)snprintf(content, sizeof(content), "amb-%d", i);
		th_config_digest(content, ids[i]);
		for (int j = 0; j < i; j++)
			if (strncmp(ids[i] + 7, ids[j] + 7, 4) == 0) {
				a = j;
				b = i;
				break;
			}
	}
	assert_true(a >= 0);
	struct th_image x, y;
	char content[32], prefix[8], got[IMG_DIGEST_SIZE];
	(void)snprintf(content, sizeof(content), "amb-%d", a);
	th_make_image(st, content, &x);
	(void)snprintf(content, sizeof(content), "amb-%d", b);
	th_make_image(st, content, &y);
	assert_string_equal(x.config, ids[a]);
	tag_ok(&x, "x");
	tag_ok(&y, "y");
	tag_ok(&y, "y2"); /* the same image twice is not ambiguous */
	(void)snprintf(prefix, sizeof(prefix), "%.4s", ids[a] + 7);
	struct brig_err e = { 0 };
	assert_int_equal(resolve(prefix, got, &e), -ENOTUNIQ);
	th_err_has(&e, "ambiguous", NULL);
	assert_int_equal(resolve(y.config + 7, got, &e), 0);
	assert_string_equal(got, y.manifest);
	assert_int_equal(img_store_untag(st, "x", &e), 0);
	assert_int_equal(resolve(prefix, got, &e), 0);
	assert_string_equal(got, y.manifest);
	th_image_clear(&x);
	th_image_clear(&y);
	free(ids);
	brig_err_clear(&e);
}

static void test_platforms(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	char *doc = NULL, dg[IMG_DIGEST_SIZE];
	int n = asprintf(&doc,
			 "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"manifests\":["
			 "{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%zu,\"platform\":"
			 "{\"architecture\":\"amd64\",\"os\":\"linux\"}},"
			 "{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%zu,\"platform\":"
			 "{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\"}}]}",
			 IMG_MT_OCI_INDEX, IMG_MT_OCI_MANIFEST, A.manifest, A.manifest_size,
			 IMG_MT_OCI_MANIFEST, B.manifest, B.manifest_size);
	assert_int_equal(img_blob_put(st, doc, (size_t)n, dg, &e), 0);
	free(doc);
	struct img_descriptor idx = { .media_type = strdup(IMG_MT_OCI_INDEX), .size = (uint64_t)n };
	img_media_type_info(IMG_MT_OCI_INDEX, &idx.info);
	memcpy(idx.digest, dg, sizeof(dg));
	assert_int_equal(img_store_tag(st, &idx, "multi:1", &e), 0);
	struct img_descriptor r, m;
	assert_int_equal(img_store_resolve(st, "multi:1", &r, &e), 0);
	assert_string_equal(r.digest, dg);
	assert_int_equal(r.info.kind, IMG_KIND_INDEX);
	assert_int_equal(img_store_select_manifest(st, &r, "amd64", "linux", NULL, &m, &e), 0);
	assert_string_equal(m.digest, A.manifest);
	img_descriptor_clear(&m);
	assert_int_equal(img_store_select_manifest(st, &r, "arm64", "linux", "v8", &m, &e), 0);
	assert_string_equal(m.digest, B.manifest);
	img_descriptor_clear(&m);
	assert_int_equal(img_store_select_manifest(st, &r, "arm64", "linux", NULL, &m, &e), 0);
	assert_string_equal(m.digest, B.manifest);
	img_descriptor_clear(&m);
	assert_int_equal(img_store_select_manifest(st, &r, "s390x", "linux", NULL, &m, &e),
			 -ENOENT);
	th_err_has(&e, "no manifest for linux/s390x", NULL);
	/* A manifest selects itself. */
	assert_int_equal(img_store_select_manifest(st, &A.desc, "x", "y", NULL, &m, &e), 0);
	assert_string_equal(m.digest, A.manifest);
	img_descriptor_clear(&m);
	/* The image ID of an index entry is the index digest. */
	char got[IMG_DIGEST_SIZE];
	assert_int_equal(resolve(dg + 7, got, &e), 0);
	assert_string_equal(got, dg);
	img_descriptor_clear(&r);
	img_descriptor_clear(&idx);
	brig_err_clear(&e);
}

static void test_load_limits(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	/* A manifest blob over 4 MiB is refused before it is read. */
	size_t len = IMG_MANIFEST_MAX + 1;
	char *big = malloc(len), dg[IMG_DIGEST_SIZE];
	assert_non_null(big);
	memset(big, ' ', len);
	memcpy(big, A.manifest_json, A.manifest_size);
	assert_int_equal(img_blob_put(st, big, len, dg, &e), 0);
	free(big);
	struct img_descriptor d = { .media_type = (char *)IMG_MT_OCI_MANIFEST, .size = len };
	img_media_type_info(IMG_MT_OCI_MANIFEST, &d.info);
	memcpy(d.digest, dg, sizeof(dg));
	struct img_manifest m;
	assert_int_equal(img_store_load_manifest(st, &d, &m, &e), -EFBIG);
	th_err_has(&e, dg, "limit", NULL);
	assert_int_equal(img_store_tag(st, &d, "big", &e), -EFBIG);
	/* A descriptor that understates the size. */
	d = A.desc;
	d.size--;
	assert_int_equal(img_store_load_manifest(st, &d, &m, &e), -EBADMSG);
	th_err_has(&e, "descriptor says", NULL);
	d.size += 2;
	assert_int_equal(img_store_load_manifest(st, &d, &m, &e), -EBADMSG);
	th_err_has(&e, "descriptor says", NULL);
	/* The config through its descriptor, with the wrong kind. */
	d = A.desc;
	struct img_config c;
	assert_int_equal(img_store_load_config(st, &d, &c, &e), -EINVAL);
	th_err_has(&e, "is not an image config", NULL);
	brig_err_clear(&e);
}

enum { WRITERS = 4, TAGS_EACH = 20 };

static int writer_child(int id)
{
	struct brig_err e = { 0 };
	struct img_store *s = NULL;
	if (img_store_open(dir, false, &s, &e) < 0)
		return 1;
	for (int j = 0; j < TAGS_EACH; j++) {
		char ref[64];
		(void)snprintf(ref, sizeof(ref), "w%d:t%d", id, j);
		if (img_store_tag(s, (j + id) % 2 ? &A.desc : &B.desc, ref, &e) < 0) {
			fprintf(stderr, "# %s\n", brig_err_str(&e));
			return 2;
		}
	}
	img_store_close(s);
	return 0;
}

static void test_concurrent_writers(void **state)
{
	(void)state;
	pid_t pids[WRITERS];
	for (int i = 0; i < WRITERS; i++) {
		pids[i] = test_fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0)
			_exit(writer_child(i));
	}
	for (int i = 0; i < WRITERS; i++) {
		int status;
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	struct brig_err e = { 0 };
	struct img_list_entry *v = NULL;
	size_t n = 0;
	assert_int_equal(img_store_list(st, &v, &n, &e), 0);
	assert_int_equal(n, WRITERS * TAGS_EACH);
	img_store_list_free(v, n);
	for (int i = 0; i < WRITERS; i++)
		for (int j = 0; j < TAGS_EACH; j++) {
			char ref[64], got[IMG_DIGEST_SIZE];
			(void)snprintf(ref, sizeof(ref), "w%d:t%d", i, j);
			assert_int_equal(resolve(ref, got, &e), 0);
			assert_string_equal(got, (j + i) % 2 ? A.manifest : B.manifest);
		}
	brig_err_clear(&e);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_tag_resolve),      T(test_resolved_entry), T(test_list_move_untag),
		T(test_tag_refusals),     T(test_foreign_names),  T(test_untag_raw),
		T(test_ambiguous_prefix), T(test_platforms),      T(test_concurrent_writers),
		T(test_load_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
