/* SPDX-License-Identifier: Apache-2.0 */
/* Images without a name (img_store_add / img_store_remove, untag by ID),
 * the diff_ids the store needs, and the exclusive lease. */
#include "helpers.h"

#include <string.h>

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

/* index.json entries: how many, and how many of them have a name. */
static void count_entries(size_t *all, size_t *named)
{
	struct brig_err e = { 0 };
	struct img_list_entry *v = NULL;
	size_t n = 0;
	assert_int_equal(img_store_list(st, &v, &n, &e), 0);
	*all = n;
	*named = 0;
	for (size_t i = 0; i < n; i++)
		*named += v[i].name != NULL;
	img_store_list_free(v, n);
}

static void gc_removed(size_t want)
{
	struct brig_err e = { 0 };
	json_t *rep = NULL;
	/* gc needs the lease exclusively: st's blob writers hold it shared */
	img_store_close(st);
	assert_int_equal(img_store_open(dir, false, &st, &e), 0);
	assert_int_equal(img_store_gc(st, false, &rep, &e), 0);
	assert_int_equal(json_array_size(json_object_get(rep, "removed_blobs")), want);
	json_decref(rep);
}

static void test_add_list_gc(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	size_t all, named;
	assert_int_equal(img_store_add(st, &A.desc, &e), 0);
	count_entries(&all, &named);
	assert_int_equal(all, 1);
	assert_int_equal(named, 0);
	/* a second add of the same manifest adds nothing */
	assert_int_equal(img_store_add(st, &A.desc, &e), 0);
	count_entries(&all, &named);
	assert_int_equal(all, 1);
	/* resolvable by ID and manifest digest */
	struct img_descriptor d;
	char id[IMG_DIGEST_SIZE];
	th_config_digest("image A", id);
	assert_int_equal(img_store_resolve(st, id, &d, &e), 0);
	assert_string_equal(d.digest, A.manifest);
	img_descriptor_clear(&d);
	/* gc keeps A (3 blobs) and removes B's 3 */
	gc_removed(3);
	assert_int_equal(img_blob_exists(st, A.layer, &e), 1);
	assert_int_equal(img_blob_exists(st, B.layer, &e), 0);
	brig_err_clear(&e);
}

static void test_add_refusals(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	struct img_descriptor cfg = { .media_type = strdup(IMG_MT_OCI_CONFIG),
				      .size = A.config_size };
	memcpy(cfg.digest, A.config, IMG_DIGEST_SIZE);
	assert_int_equal(img_store_add(st, &cfg, &e), -EINVAL);
	th_err_has(&e, "cannot add", "not an image manifest", NULL);
	img_descriptor_clear(&cfg);
	/* a manifest whose layer is missing is not added */
	struct img_store *s2 = NULL;
	assert_int_equal(img_store_open(dir, false, &s2, &e), 0);
	char path[1024];
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", dir, B.layer + 7);
	assert_int_equal(unlink(path), 0);
	assert_true(img_store_add(s2, &B.desc, &e) < 0);
	size_t all, named;
	count_entries(&all, &named);
	assert_int_equal(all, 0);
	img_store_close(s2);
	brig_err_clear(&e);
}

static void test_tag_replaces_unnamed(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	size_t all, named;
	assert_int_equal(img_store_add(st, &A.desc, &e), 0);
	assert_int_equal(img_store_tag(st, &A.desc, "a:1", &e), 0);
	count_entries(&all, &named);
	assert_int_equal(all, 1);
	assert_int_equal(named, 1);
	/* adding a named image keeps it as it is */
	assert_int_equal(img_store_add(st, &A.desc, &e), 0);
	count_entries(&all, &named);
	assert_int_equal(all, 1);
	/* remove refuses an image that has a name; untag of the name works */
	assert_int_equal(img_store_remove(st, A.manifest, &e), -ENOENT);
	assert_int_equal(img_store_untag(st, "a:1", &e), 0);
	count_entries(&all, &named);
	assert_int_equal(all, 0);
	brig_err_clear(&e);
}

static void test_remove_and_untag_by_id(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	size_t all, named;
	char id[IMG_DIGEST_SIZE];
	assert_int_equal(img_store_add(st, &A.desc, &e), 0);
	assert_int_equal(img_store_add(st, &B.desc, &e), 0);
	assert_int_equal(img_store_tag(st, &B.desc, "b:1", &e), 0);
	/* untag by an ID prefix removes the unnamed A only */
	th_config_digest("image A", id);
	char prefix[16];
	snprintf(prefix, sizeof(prefix), "%.12s", id + 7);
	assert_int_equal(img_store_untag(st, prefix, &e), 0);
	count_entries(&all, &named);
	assert_int_equal(all, 1);
	assert_int_equal(named, 1);
	/* an ID of a named image is no name: -ENOENT, nothing changes */
	th_config_digest("image B", id);
	assert_int_equal(img_store_untag(st, id, &e), -ENOENT);
	assert_int_equal(img_store_remove(st, id, &e), -ENOENT);
	th_err_has(&e, "no image without a name", NULL);
	count_entries(&all, &named);
	assert_int_equal(all, 1);
	/* img_store_remove by manifest digest */
	assert_int_equal(img_store_add(st, &A.desc, &e), 0);
	assert_int_equal(img_store_remove(st, A.manifest, &e), 0);
	count_entries(&all, &named);
	assert_int_equal(all, 1);
	brig_err_clear(&e);
}

static void diff_id_of(const struct th_image *im, char out[IMG_DIGEST_SIZE])
{
	struct brig_err e = { 0 };
	struct img_manifest m;
	struct img_config c;
	assert_int_equal(img_store_load_manifest(st, &im->desc, &m, &e), 0);
	assert_int_equal(img_store_load_config(st, &m.config, &c, &e), 0);
	assert_int_equal(c.n_diff_ids, 1);
	snprintf(out, IMG_DIGEST_SIZE, "%s", c.diff_ids[0]);
	img_config_clear(&c);
	img_manifest_clear(&m);
}

static void test_diff_ids(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	char da[IMG_DIGEST_SIZE], db[IMG_DIGEST_SIZE], dg[IMG_DIGEST_SIZE];
	json_t *ids = NULL;
	diff_id_of(&A, da);
	diff_id_of(&B, db);
	assert_int_equal(img_store_diff_ids(st, &ids, &e), 0);
	assert_int_equal(json_object_size(ids), 0);
	json_decref(ids);
	assert_int_equal(img_store_add(st, &A.desc, &e), 0);
	assert_int_equal(img_store_diff_ids(st, &ids, &e), 0);
	assert_int_equal(json_object_size(ids), 1);
	assert_non_null(json_object_get(ids, da));
	json_decref(ids);
	/* an index naming B and a manifest that was never stored */
	char *doc = NULL;
	const char *absent =
		"sha256:0000000000000000000000000000000000000000000000000000000000000001";
	int n = asprintf(&doc,
			 "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"manifests\":["
			 "{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%zu},"
			 "{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":10}]}",
			 IMG_MT_OCI_INDEX, IMG_MT_OCI_MANIFEST, B.manifest, B.manifest_size,
			 IMG_MT_OCI_MANIFEST, absent);
	assert_int_equal(img_blob_put(st, doc, (size_t)n, dg, &e), 0);
	free(doc);
	/* img_store_tag wants every child present: index.json by hand */
	char path[1024], *index = NULL;
	int len = asprintf(&index,
			   "{\"schemaVersion\":2,\"manifests\":["
			   "{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%zu},"
			   "{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%d,"
			   "\"annotations\":{\"%s\":\"multi:1\"}}]}",
			   IMG_MT_OCI_MANIFEST, A.manifest, A.manifest_size, IMG_MT_OCI_INDEX, dg,
			   n, IMG_ANNOTATION_REF_NAME);
	snprintf(path, sizeof(path), "%s/index.json", dir);
	th_write(path, index, (size_t)len);
	free(index);
	assert_int_equal(img_store_diff_ids(st, &ids, &e), 0);
	assert_int_equal(json_object_size(ids), 2);
	assert_non_null(json_object_get(ids, db));
	json_decref(ids);
	/* a config that is gone: an error, not a smaller set */
	char cfg[IMG_DIGEST_SIZE];
	th_config_digest("image A", cfg);
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", dir, cfg + 7);
	assert_int_equal(unlink(path), 0);
	ids = NULL;
	assert_true(img_store_diff_ids(st, &ids, &e) < 0);
	assert_null(ids);
	th_err_has(&e, "finding the layers the images need", NULL);
	brig_err_clear(&e);
}

static void test_lease_exclusive(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	struct img_store *other = NULL;
	assert_int_equal(img_store_open(dir, false, &other, &e), 0);
	assert_int_equal(img_store_lease(other, &e), 0);
	assert_int_equal(img_store_lease_exclusive(st, &e), -EBUSY);
	th_err_has(&e, "another process is writing blobs", NULL);
	img_store_close(other);
	assert_int_equal(img_store_lease_exclusive(st, &e), 0);
	/* now nobody else gets even a shared lease without waiting */
	assert_int_equal(img_store_open(dir, false, &other, &e), 0);
	struct img_store *third = NULL;
	assert_int_equal(img_store_open(dir, false, &third, &e), 0);
	assert_int_equal(img_store_lease_exclusive(third, &e), -EBUSY);
	img_store_close(third);
	img_store_close(other);
	brig_err_clear(&e);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_add_list_gc),
		T(test_add_refusals),
		T(test_tag_replaces_unnamed),
		T(test_remove_and_untag_by_id),
		T(test_diff_ids),
		T(test_lease_exclusive),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
