/* SPDX-License-Identifier: Apache-2.0 */
/* Garbage collection and consistency checks (with and without repair). */
#include "tests/unit/testutil.h"
#include "helpers.h"

#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
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
	struct brig_err e = { 0 };
	assert_int_equal(img_store_tag(st, &A.desc, "a", &e), 0);
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

static void path_of(char *buf, size_t size, const char *name)
{
	if (strncmp(name, "sha256:", 7) == 0)
		(void)snprintf(buf, size, "%s/blobs/sha256/%s", dir, name + 7);
	else
		(void)snprintf(buf, size, "%s/%s", dir, name);
}

static bool present(const char *name)
{
	char p[PATH_MAX];
	path_of(p, sizeof(p), name);
	return access(p, F_OK) == 0;
}

/* Whether the JSON array report[key] holds a string (or an object whose
 * "digest" is) equal to want. */
static bool listed(const json_t *report, const char *key, const char *want)
{
	json_t *arr = json_object_get(report, key), *v;
	size_t i;
	json_array_foreach(arr, i, v)
	{
		const char *s = json_is_string(v) ? json_string_value(v)
						  : json_string_value(json_object_get(v, "digest"));
		if (s && strcmp(s, want) == 0)
			return true;
	}
	return false;
}

static void test_gc_sweeps(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	char extra[IMG_DIGEST_SIZE], p[PATH_MAX];
	assert_int_equal(img_blob_put(st, "stray", 5, extra, &e), 0);
	path_of(p, sizeof(p), "blobs/sha256/.tmp-99999-1-dead");
	th_write(p, "partial", 7);
	path_of(p, sizeof(p), ".index.json.99999.abc.tmp");
	th_write(p, "{", 1);
	path_of(p, sizeof(p), "blobs/sha256/weird");
	assert_int_equal(mkdir(p, 0755), 0);

	json_t *rep = NULL;
	assert_int_equal(img_store_gc(st, true, &rep, &e), 0);
	assert_true(json_is_true(json_object_get(rep, "dry_run")));
	assert_int_equal(json_array_size(json_object_get(rep, "removed_blobs")), 4);
	assert_true(listed(rep, "removed_blobs", B.manifest));
	assert_true(listed(rep, "removed_blobs", B.config));
	assert_true(listed(rep, "removed_blobs", B.layer));
	assert_true(listed(rep, "removed_blobs", extra));
	assert_true(listed(rep, "removed_temps", ".tmp-99999-1-dead"));
	assert_true(listed(rep, "removed_temps", ".index.json.99999.abc.tmp"));
	assert_true(listed(rep, "unexpected", "weird"));
	json_int_t want = (json_int_t)(B.manifest_size + B.config_size + B.layer_size + 5);
	assert_int_equal(json_integer_value(json_object_get(rep, "reclaimed_bytes")), want);
	json_decref(rep);
	/* Dry run: all still there. */
	assert_true(present(B.layer) && present(extra));
	assert_true(present("blobs/sha256/.tmp-99999-1-dead"));

	assert_int_equal(img_store_gc(st, false, &rep, &e), 0);
	assert_int_equal(json_integer_value(json_object_get(rep, "kept_blobs")), 3);
	json_decref(rep);
	assert_false(present(B.manifest) || present(B.config) || present(B.layer));
	assert_false(present(extra));
	assert_false(present("blobs/sha256/.tmp-99999-1-dead"));
	assert_false(present(".index.json.99999.abc.tmp"));
	assert_true(present("blobs/sha256/weird"));
	assert_true(present(A.manifest) && present(A.config) && present(A.layer));
	assert_true(present("index.json") && present("oci-layout"));
	/* Still a consistent store. */
	assert_int_equal(img_store_check(st, false, &rep, &e), 0);
	json_decref(rep);
	brig_err_clear(&e);
}

static void test_gc_through_index(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	char *doc = NULL, dg[IMG_DIGEST_SIZE];
	int n = asprintf(&doc,
			 "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"%s\","
			 "\"digest\":\"%s\",\"size\":%zu,\"platform\":{\"architecture\":\"arm\","
			 "\"os\":\"linux\"}}]}",
			 IMG_MT_OCI_MANIFEST, B.manifest, B.manifest_size);
	assert_int_equal(img_blob_put(st, doc, (size_t)n, dg, &e), 0);
	free(doc);
	struct img_descriptor idx = { .media_type = (char *)IMG_MT_OCI_INDEX, .size = (uint64_t)n };
	img_media_type_info(IMG_MT_OCI_INDEX, &idx.info);
	memcpy(idx.digest, dg, sizeof(dg));
	assert_int_equal(img_store_tag(st, &idx, "multi", &e), 0);
	json_t *rep = NULL;
	assert_int_equal(img_store_gc(st, false, &rep, &e), 0);
	assert_int_equal(json_array_size(json_object_get(rep, "removed_blobs")), 0);
	assert_int_equal(json_integer_value(json_object_get(rep, "kept_blobs")), 7);
	json_decref(rep);
	assert_true(present(B.layer) && present(dg));
	brig_err_clear(&e);
}

static void test_gc_refuses_when_broken(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	char p[PATH_MAX];
	path_of(p, sizeof(p), A.manifest);
	th_write(p, "garbage", 7);
	json_t *rep = NULL;
	assert_true(img_store_gc(st, false, &rep, &e) < 0);
	th_err_has(&e, "gc refused", NULL);
	assert_null(rep);
	assert_true(present(B.layer) && present(A.layer));
	brig_err_clear(&e);
}

/* A child that holds the ingest lease until told to go. */
static pid_t lease_holder(int *go_fd)
{
	int ready[2], go[2];
	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	assert_int_equal(pipe2(go, O_CLOEXEC), 0);
	pid_t pid = test_fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(ready[0]);
		close(go[1]);
		struct brig_err e = { 0 };
		struct img_store *s = NULL;
		if (img_store_open(dir, false, &s, &e) < 0 || img_store_lease(s, &e) < 0)
			_exit(1);
		char c = 'r';
		if (write(ready[1], &c, 1) != 1 || read(go[0], &c, 1) < 0)
			_exit(2);
		img_store_close(s);
		_exit(0);
	}
	close(ready[1]);
	close(go[0]);
	char c;
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	*go_fd = go[1];
	return pid;
}

static void release_holder(pid_t pid, int go_fd)
{
	close(go_fd);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_gc_busy(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	/* st wrote blobs, so it holds a shared lease itself. */
	int go = -1;
	pid_t pid = lease_holder(&go);
	json_t *rep = NULL;
	assert_int_equal(img_store_gc(st, false, &rep, &e), -EBUSY);
	th_err_has(&e, "another process is writing blobs", NULL);
	assert_int_equal(img_store_check(st, true, &rep, &e), -EBUSY);
	/* A read-only check needs no lock. */
	assert_int_equal(img_store_check(st, false, &rep, &e), 0);
	json_decref(rep);
	assert_true(present(B.layer));
	release_holder(pid, go);
	assert_int_equal(img_store_gc(st, false, &rep, &e), 0);
	json_decref(rep);
	assert_false(present(B.layer));
	/* st still holds its shared lease: another process cannot gc. */
	struct img_store *other = NULL;
	assert_int_equal(img_store_open(dir, false, &other, &e), 0);
	assert_int_equal(img_store_gc(other, false, &rep, &e), -EBUSY);
	img_store_close(other);
	brig_err_clear(&e);
}

static void test_gc_own_writer(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	struct img_blob_writer *w = NULL;
	assert_int_equal(img_blob_writer_open(st, NULL, 100, &w, &e), 0);
	assert_int_equal(img_blob_write(w, "x", 1, &e), 0);
	json_t *rep = NULL;
	assert_int_equal(img_store_gc(st, false, &rep, &e), -EBUSY);
	th_err_has(&e, "blob writer(s) open", NULL);
	assert_int_equal(th_count_temps(dir), 1);
	img_blob_abort(w);
	assert_int_equal(img_store_gc(st, false, &rep, &e), 0);
	json_decref(rep);
	brig_err_clear(&e);
}

static void test_check_clean(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	json_t *rep = NULL;
	assert_int_equal(img_store_check(st, false, &rep, &e), 0);
	assert_true(json_is_true(json_object_get(rep, "ok")));
	assert_int_equal(json_integer_value(json_object_get(rep, "blobs")), 6);
	assert_int_equal(json_array_size(json_object_get(rep, "broken_refs")), 0);
	assert_false(json_is_true(json_object_get(rep, "repaired")));
	/* B is stored but named by nothing: its blobs are unreferenced (sound,
	 * not a problem; gc removes them), A's are not. */
	assert_int_equal(json_array_size(json_object_get(rep, "unreferenced_blobs")), 3);
	assert_true(listed(rep, "unreferenced_blobs", B.manifest));
	assert_true(listed(rep, "unreferenced_blobs", B.config));
	assert_true(listed(rep, "unreferenced_blobs", B.layer));
	assert_false(listed(rep, "unreferenced_blobs", A.layer));
	json_decref(rep);
	brig_err_clear(&e);
}

static void test_check_repair_corrupt(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	assert_int_equal(img_store_tag(st, &B.desc, "b", &e), 0);
	char p[PATH_MAX];
	path_of(p, sizeof(p), A.layer);
	char *junk = calloc(1, A.layer_size);
	th_write(p, junk, A.layer_size); /* same size, other bytes */
	free(junk);
	json_t *rep = NULL;
	assert_int_equal(img_store_check(st, false, &rep, &e), 1);
	assert_false(json_is_true(json_object_get(rep, "ok")));
	assert_true(listed(rep, "corrupt_blobs", A.layer));
	assert_int_equal(json_array_size(json_object_get(rep, "corrupt_blobs")), 1);
	json_t *br = json_array_get(json_object_get(rep, "broken_refs"), 0);
	assert_int_equal(json_array_size(json_object_get(rep, "broken_refs")), 1);
	assert_string_equal(json_string_value(json_object_get(br, "name")),
			    "docker.io/library/a:latest");
	assert_non_null(strstr(json_string_value(json_object_get(br, "error")), "corrupt"));
	json_decref(rep);
	assert_true(present(A.layer)); /* nothing changed without repair */

	assert_int_equal(img_store_check(st, true, &rep, &e), 1);
	assert_true(json_is_true(json_object_get(rep, "repaired")));
	json_decref(rep);
	assert_false(present(A.layer));
	struct img_descriptor d;
	assert_int_equal(img_store_resolve(st, "a", &d, &e), -ENOENT);
	assert_int_equal(img_store_resolve(st, "b", &d, &e), 0);
	img_descriptor_clear(&d);
	assert_int_equal(img_store_check(st, false, &rep, &e), 0);
	json_decref(rep);
	assert_int_equal(img_store_gc(st, false, &rep, &e), 0);
	assert_true(listed(rep, "removed_blobs", A.manifest));
	json_decref(rep);
	brig_err_clear(&e);
}

static void add_entries(bool all)
{
	char path[PATH_MAX];
	struct brig_err e = { 0 };
	path_of(path, sizeof(path), "index.json");
	json_t *idx = NULL;
	assert_int_equal(bj_load_file(AT_FDCWD, path, 1 << 20, &idx, &e), 0);
	json_t *arr = json_object_get(idx, "manifests");
	/* Unknown media type, a size that lies, a malformed entry. */
	json_array_append_new(arr,
			      json_pack("{s:s, s:s, s:I, s:{s:s}}", "mediaType",
					"application/x-unknown", "digest", B.manifest, "size",
					(json_int_t)B.manifest_size, "annotations",
					IMG_ANNOTATION_REF_NAME, "odd"));
	if (all) {
		json_array_append_new(arr,
				      json_pack("{s:s, s:s, s:I}", "mediaType", IMG_MT_OCI_MANIFEST,
						"digest", B.manifest, "size",
						(json_int_t)B.manifest_size + 1));
		json_array_append_new(arr,
				      json_pack("{s:s, s:s, s:s}", "mediaType", IMG_MT_OCI_MANIFEST,
						"digest", "sha256:../../x", "size", "1"));
	}
	char *text = json_dumps(idx, 0);
	th_write(path, text, strlen(text));
	free(text);
	json_decref(idx);
}

static void test_check_broken_entries(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	assert_int_equal(img_store_tag(st, &B.desc, "b", &e), 0);
	char p[PATH_MAX];
	path_of(p, sizeof(p), B.layer);
	assert_int_equal(unlink(p), 0);
	add_entries(true);
	/* A malformed entry makes index.json unusable for names (the error
	 * names the field); check judges entry by entry and repair drops it. */
	struct img_descriptor d;
	assert_int_equal(img_store_resolve(st, "odd", &d, &e), -EINVAL);
	th_err_has(&e, "manifests[4].digest", NULL);
	json_t *rep = NULL;
	assert_int_equal(img_store_check(st, false, &rep, &e), 1);
	json_t *br = json_object_get(rep, "broken_refs");
	assert_int_equal(json_array_size(br), 4);
	const char *errs[4];
	for (size_t i = 0; i < 4; i++)
		errs[i] = json_string_value(json_object_get(json_array_get(br, i), "error"));
	assert_non_null(strstr(errs[0], "missing"));
	assert_non_null(strstr(errs[1], "application/x-unknown"));
	assert_non_null(strstr(errs[2], "descriptor says"));
	assert_non_null(strstr(errs[3], "manifests[4].digest"));
	json_decref(rep);
	assert_int_equal(img_store_check(st, true, &rep, &e), 1);
	json_decref(rep);
	assert_int_equal(img_store_check(st, false, &rep, &e), 0);
	json_decref(rep);
	assert_int_equal(img_store_resolve(st, "a", &d, &e), 0);
	img_descriptor_clear(&d);
	brig_err_clear(&e);
}

static void test_unknown_entry_kept(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	add_entries(false);
	/* An entry of an unknown media type is kept and listed, not used. */
	struct img_descriptor d;
	assert_int_equal(img_store_resolve(st, "a", &d, &e), 0);
	img_descriptor_clear(&d);
	assert_int_equal(img_store_resolve(st, "odd", &d, &e), 0);
	assert_int_equal(d.info.kind, IMG_KIND_UNKNOWN);
	struct img_manifest m;
	assert_int_equal(img_store_load_manifest(st, &d, &m, &e), -ENOTSUP);
	th_err_has(&e, "application/x-unknown", "is not an image manifest", NULL);
	img_descriptor_clear(&d);
	json_t *rep = NULL;
	assert_true(img_store_gc(st, false, &rep, &e) < 0);
	th_err_has(&e, "gc refused", NULL);
	assert_int_equal(img_store_check(st, true, &rep, &e), 1);
	json_decref(rep);
	assert_int_equal(img_store_resolve(st, "odd", &d, &e), -ENOENT);
	assert_int_equal(img_store_gc(st, false, &rep, &e), 0);
	json_decref(rep);
	brig_err_clear(&e);
}

static void test_check_unusable_index(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	char p[PATH_MAX];
	path_of(p, sizeof(p), "index.json");
	th_write(p, "{\"schemaVersion\":2,\"manifests\":{}}", 34);
	json_t *rep = NULL;
	assert_int_equal(img_store_check(st, true, &rep, &e), -EINVAL);
	th_err_has(&e, "index.json: manifests", "expected an array", NULL);
	assert_null(rep);
	brig_err_clear(&e);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_gc_sweeps),
		T(test_gc_through_index),
		T(test_gc_refuses_when_broken),
		T(test_gc_busy),
		T(test_gc_own_writer),
		T(test_check_clean),
		T(test_check_repair_corrupt),
		T(test_check_broken_entries),
		T(test_unknown_entry_kept),
		T(test_check_unusable_index),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
