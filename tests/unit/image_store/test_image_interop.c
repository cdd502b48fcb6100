/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store is an OCI image layout the real tools read and write: skopeo
 * (oci:ROOT:NAME) and umoci (--layout ROOT, --image ROOT:NAME).  Each test
 * skips when its tool is not installed.  Nothing here touches the network.
 */
#include "tests/unit/testutil.h"
#include "helpers.h"

#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#define NAME "docker.io/library/brigtest:1.0"

static char dir[256], other[256];
static struct img_store *st;
static struct th_image A;

static int setup(void **state)
{
	(void)state;
	st = th_store_new(dir, sizeof(dir));
	th_make_image(st, "hello from brig", &A);
	struct brig_err e = { 0 };
	assert_int_equal(img_store_tag(st, &A.desc, "brigtest:1.0", &e), 0);
	other[0] = '\0';
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	th_image_clear(&A);
	img_store_close(st);
	st = NULL;
	th_rmtree(dir);
	if (other[0])
		th_rmtree(other);
	return 0;
}

static char *oci_ref(const char *root, const char *name)
{
	char *s = NULL;
	assert_true(asprintf(&s, "oci:%s:%s", root, name) > 0);
	return s;
}

static void test_skopeo_inspect(void **state)
{
	(void)state;
	if (!th_have("skopeo"))
		skip_because("skopeo is not installed");
	char *ref = oci_ref(dir, NAME), *out = NULL;
	char *raw[] = { "skopeo", "inspect", "--raw", ref, NULL };
	assert_int_equal(th_run(raw, &out), 0);
	/* Byte for byte what we stored. */
	assert_int_equal(strlen(out), A.manifest_size);
	assert_memory_equal(out, A.manifest_json, A.manifest_size);
	free(out);

	char *insp[] = { "skopeo", "inspect", ref, NULL };
	assert_int_equal(th_run(insp, &out), 0);
	struct brig_err e = { 0 };
	json_t *j = NULL;
	assert_int_equal(bj_parse(out, strlen(out), "skopeo", &j, &e), 0);
	assert_string_equal(json_string_value(json_object_get(j, "Digest")), A.manifest);
	json_t *layers = json_object_get(j, "Layers");
	assert_int_equal(json_array_size(layers), 1);
	assert_string_equal(json_string_value(json_array_get(layers, 0)), A.layer);
	assert_string_equal(json_string_value(json_object_get(j, "Architecture")), "amd64");
	json_decref(j);
	free(out);

	char *cfg[] = { "skopeo", "inspect", "--config", "--raw", ref, NULL };
	assert_int_equal(th_run(cfg, &out), 0);
	assert_int_equal(strlen(out), A.config_size);
	char hex[BRIG_SHA256_HEX];
	brig_sha256_buf(out, strlen(out), hex);
	assert_string_equal(hex, A.config + 7);
	free(out);
	free(ref);
}

static void test_umoci(void **state)
{
	(void)state;
	if (!th_have("umoci"))
		skip_because("umoci is not installed");
	char *out = NULL;
	char *ls[] = { "umoci", "ls", "--layout", dir, NULL };
	assert_int_equal(th_run(ls, &out), 0);
	assert_non_null(strstr(out, NAME "\n"));
	free(out);

	/* Unpack the image and find the layer's file in the rootfs. */
	th_mkdtemp(other, sizeof(other));
	char bundle[300], image[PATH_MAX], path[PATH_MAX];
	(void)snprintf(bundle, sizeof(bundle), "%s/bundle", other);
	(void)snprintf(image, sizeof(image), "%s:%s", dir, NAME);
	char *unpack[] = { "umoci", "unpack", "--image", image, bundle, NULL };
	assert_int_equal(th_run(unpack, NULL), 0);
	(void)snprintf(path, sizeof(path), "%s/rootfs/hello", bundle);
	struct brig_err e = { 0 };
	char *buf = NULL;
	size_t len;
	assert_int_equal(brig_read_file(AT_FDCWD, path, 4096, &buf, &len, &e), 0);
	assert_string_equal(buf, "hello from brig");
	free(buf);
	(void)snprintf(path, sizeof(path), "%s/config.json", bundle);
	json_t *cfg = NULL;
	assert_int_equal(bj_load_file(AT_FDCWD, path, 1 << 20, &cfg, &e), 0);
	json_t *args = json_object_get(json_object_get(cfg, "process"), "args");
	assert_string_equal(json_string_value(json_array_get(args, 0)), "/hello");
	json_decref(cfg);
	/* umoci may have written into the layout (it leaves it valid). */
	json_t *rep = NULL;
	assert_int_equal(img_store_check(st, false, &rep, &e), 0);
	json_decref(rep);
}

/* skopeo copies our image to a layout of its own and back into ours under
 * another name; both stay consistent for brig. */
static void test_skopeo_roundtrip(void **state)
{
	(void)state;
	if (!th_have("skopeo"))
		skip_because("skopeo is not installed");
	th_mkdtemp(other, sizeof(other));
	char *src = oci_ref(dir, NAME), *dst = oci_ref(other, "copied");
	char *cp1[] = { "skopeo", "--insecure-policy", "copy", "-q", src, dst, NULL };
	assert_int_equal(th_run(cp1, NULL), 0);

	struct brig_err e = { 0 };
	struct img_store *s2 = NULL;
	assert_int_equal(img_store_open(other, false, &s2, &e), 0);
	struct img_descriptor d;
	assert_int_equal(img_store_resolve(s2, "copied", &d, &e), 0);
	struct img_manifest m;
	assert_int_equal(img_store_load_manifest(s2, &d, &m, &e), 0);
	/* skopeo gzips the layer on the way; the config's diff_id is still
	 * the digest of our uncompressed tar. */
	assert_int_equal(m.n_layers, 1);
	assert_int_equal(m.layers[0].info.kind, IMG_KIND_LAYER);
	if (strcmp(m.layers[0].digest, A.layer) != 0)
		assert_int_equal(m.layers[0].info.comp, IMG_COMP_GZIP);
	struct img_config c;
	assert_int_equal(img_store_load_config(s2, &m.config, &c, &e), 0);
	assert_int_equal(c.n_diff_ids, 1);
	assert_string_equal(c.diff_ids[0], A.layer);
	img_config_clear(&c);
	img_manifest_clear(&m);
	json_t *rep = NULL;
	assert_int_equal(img_store_check(s2, false, &rep, &e), 0);
	json_decref(rep);
	assert_int_equal(img_store_gc(s2, false, &rep, &e), 0);
	assert_int_equal(json_array_size(json_object_get(rep, "removed_blobs")), 0);
	json_decref(rep);
	img_store_close(s2);

	char *back = oci_ref(dir, "docker.io/library/back:2");
	char *cp2[] = { "skopeo", "--insecure-policy", "copy", "-q", dst, back, NULL };
	assert_int_equal(th_run(cp2, NULL), 0);
	img_descriptor_clear(&d);
	assert_int_equal(img_store_resolve(st, "back:2", &d, &e), 0);
	img_descriptor_clear(&d);
	assert_int_equal(img_store_resolve(st, "brigtest:1.0", &d, &e), 0);
	assert_string_equal(d.digest, A.manifest);
	img_descriptor_clear(&d);
	assert_int_equal(img_store_check(st, false, &rep, &e), 0);
	json_decref(rep);
	free(src);
	free(dst);
	free(back);
	brig_err_clear(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_skopeo_inspect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_umoci, setup, teardown),
		cmocka_unit_test_setup_teardown(test_skopeo_roundtrip, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
