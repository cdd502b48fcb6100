/* SPDX-License-Identifier: Apache-2.0 */
/* Strict parsing of manifests, indexes and configs, good and hostile. */
#include "helpers.h"

#include <string.h>

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define D3 "sha256:3333333333333333333333333333333333333333333333333333333333333333"

static const char good_manifest[] =
	"{\"schemaVersion\":2,\"mediaType\":\"" IMG_MT_OCI_MANIFEST "\","
	"\"config\":{\"mediaType\":\"" IMG_MT_OCI_CONFIG "\",\"digest\":\"" D1 "\",\"size\":7},"
	"\"layers\":[{\"mediaType\":\"" IMG_MT_OCI_LAYER_GZIP "\",\"digest\":\"" D2 "\","
	"\"size\":32,\"annotations\":{\"a\":\"b\"}},"
	"{\"mediaType\":\"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd\","
	"\"digest\":\"" D3 "\",\"size\":0,\"urls\":[\"https://example.com/l\"]}],"
	"\"annotations\":{\"org.opencontainers.image.created\":\"2024-01-01T00:00:00Z\"},"
	"\"unknownField\":{\"ignored\":true}}";

static void test_manifest_good(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	struct img_manifest m;
	assert_int_equal(
		img_manifest_parse(good_manifest, strlen(good_manifest), "m", NULL, &m, &e), 0);
	assert_string_equal(m.media_type, IMG_MT_OCI_MANIFEST);
	assert_false(m.docker);
	assert_string_equal(m.config.digest, D1);
	assert_int_equal(m.config.size, 7);
	assert_int_equal(m.config.info.kind, IMG_KIND_CONFIG);
	assert_int_equal(m.n_layers, 2);
	assert_string_equal(m.layers[0].digest, D2);
	assert_int_equal(m.layers[0].size, 32);
	assert_int_equal(m.layers[0].info.comp, IMG_COMP_GZIP);
	assert_false(m.layers[0].info.nondistributable);
	assert_string_equal(img_kv_get(&m.layers[0].annotations, "a"), "b");
	assert_int_equal(m.layers[1].info.comp, IMG_COMP_ZSTD);
	assert_true(m.layers[1].info.nondistributable);
	assert_string_equal(m.layers[1].urls[0], "https://example.com/l");
	assert_null(m.layers[1].urls[1]);
	assert_string_equal(img_kv_get(&m.annotations, "org.opencontainers.image.created"),
			    "2024-01-01T00:00:00Z");
	img_manifest_clear(&m);
	/* Given by its descriptor, the OCI manifest may omit mediaType. */
	static const char bare[] =
		"{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" IMG_MT_OCI_CONFIG "\","
		"\"digest\":\"" D1 "\",\"size\":7},\"layers\":[]}";
	assert_int_equal(img_manifest_parse(bare, strlen(bare), "m", IMG_MT_OCI_MANIFEST, &m, &e),
			 0);
	assert_int_equal(m.n_layers, 0);
	img_manifest_clear(&m);
	brig_err_clear(&e);
}

static void test_manifest_docker(void **state)
{
	(void)state;
	static const char doc[] =
		"{\"schemaVersion\":2,\"mediaType\":\"" IMG_MT_DOCKER_MANIFEST "\","
		"\"config\":{\"mediaType\":\"" IMG_MT_DOCKER_CONFIG "\",\"digest\":\"" D1 "\","
		"\"size\":1469},\"layers\":[{\"mediaType\":\"" IMG_MT_DOCKER_LAYER_GZIP "\","
		"\"digest\":\"" D2 "\",\"size\":2},{\"mediaType\":"
		"\"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip\",\"digest\":\"" D3
		"\",\"size\":3,\"urls\":[\"https://x/y\"]}]}";
	struct brig_err e = { 0 };
	struct img_manifest m;
	assert_int_equal(img_manifest_parse(doc, strlen(doc), "m", IMG_MT_DOCKER_MANIFEST, &m, &e),
			 0);
	assert_true(m.docker);
	assert_true(m.layers[0].info.docker);
	assert_int_equal(m.layers[0].info.comp, IMG_COMP_GZIP);
	assert_true(m.layers[1].info.nondistributable);
	img_manifest_clear(&m);
	/* The document and its descriptor must agree. */
	assert_int_equal(
		img_manifest_parse(doc, strlen(doc), "manifest X", IMG_MT_OCI_MANIFEST, &m, &e),
		-EINVAL);
	th_err_has(&e, "manifest X: mediaType", "does not match", NULL);
	brig_err_clear(&e);
}

/* Replace the first occurrence of from in good_manifest with to; parse. */
static int parse_edit(const char *from, const char *to, struct brig_err *e)
{
	const char *at = strstr(good_manifest, from);
	assert_non_null(at);
	char *doc = NULL;
	int n = asprintf(&doc, "%.*s%s%s", (int)(at - good_manifest), good_manifest, to,
			 at + strlen(from));
	assert_true(n > 0);
	struct img_manifest m;
	int r = img_manifest_parse(doc, (size_t)n, "manifest sha256:abc", NULL, &m, e);
	if (r == 0)
		img_manifest_clear(&m);
	free(doc);
	return r;
}

static void test_manifest_hostile(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	assert_int_equal(parse_edit("\"size\":32", "\"size\":\"32\"", &e), -EINVAL);
	th_err_has(&e, "manifest sha256:abc", "layers[0].size", "expected an integer", "got string",
		   NULL);
	assert_int_equal(parse_edit("\"size\":32", "\"size\":-1", &e), -EINVAL);
	th_err_has(&e, "layers[0].size", "out of range", NULL);
	assert_int_equal(parse_edit("\"size\":7", "\"size\":7.5", &e), -EINVAL);
	th_err_has(&e, "config.size", NULL);
	assert_int_equal(parse_edit("\"schemaVersion\":2", "\"schemaVersion\":1", &e), -EINVAL);
	th_err_has(&e, "schemaVersion", "must be 2", NULL);
	assert_int_equal(parse_edit("\"schemaVersion\":2,", "", &e), -EINVAL);
	th_err_has(&e, "schemaVersion", "missing", NULL);
	assert_int_equal(parse_edit("\"digest\":\"" D2 "\"", "\"digest\":\"sha256:../../etc\"", &e),
			 -EINVAL);
	th_err_has(&e, "layers[0].digest", "not a valid sha256 digest", NULL);
	assert_int_equal(parse_edit("\"digest\":\"" D2 "\"", "\"digest\":\"sha512:abcd\"", &e),
			 -EINVAL);
	th_err_has(&e, "layers[0].digest", "unsupported digest algorithm 'sha512'", NULL);
	assert_int_equal(parse_edit("\"digest\":\"" D1 "\"", "\"digest\":1", &e), -EINVAL);
	th_err_has(&e, "config.digest", "expected a string", NULL);
	assert_int_equal(parse_edit(IMG_MT_OCI_LAYER_GZIP, "application/x-evil", &e), -ENOTSUP);
	th_err_has(&e, "layers[0].mediaType", "unsupported media type 'application/x-evil'", NULL);
	assert_int_equal(parse_edit(IMG_MT_OCI_LAYER_GZIP, "not a media type", &e), -EINVAL);
	th_err_has(&e, "layers[0].mediaType", "not a valid media type", NULL);
	assert_int_equal(parse_edit(IMG_MT_OCI_LAYER_GZIP, IMG_MT_OCI_CONFIG, &e), -EINVAL);
	th_err_has(&e, "layers[0].mediaType", "is an image config, expected a layer", NULL);
	assert_int_equal(parse_edit("\"a\":\"b\"", "\"a\":[]", &e), -EINVAL);
	th_err_has(&e, "layers[0].annotations.a", "expected a string", NULL);
	assert_int_equal(parse_edit("\"a\":\"b\"", "\"a\":\"b\",\"a\":\"c\"", &e), -EINVAL);
	th_err_has(&e, "manifest sha256:abc", "duplicate", NULL);
	assert_int_equal(parse_edit("\"layers\":[", "\"layers\":{\"x\":[", &e), -EINVAL);
	assert_int_equal(parse_edit("\"layers\":", "\"layerz\":", &e), -EINVAL);
	th_err_has(&e, "layers: missing", NULL);
	assert_int_equal(parse_edit("\"urls\":[\"https://example.com/l\"]", "\"urls\":[7]", &e),
			 -EINVAL);
	th_err_has(&e, "layers[1].urls[0]", NULL);
	assert_int_equal(parse_edit(IMG_MT_OCI_MANIFEST, IMG_MT_OCI_INDEX, &e), -EINVAL);
	th_err_has(&e, "mediaType", "is an image index, expected an image manifest", NULL);
	assert_int_equal(parse_edit(IMG_MT_OCI_MANIFEST, "application/vnd.evil+json", &e),
			 -ENOTSUP);
	th_err_has(&e, "unsupported media type", NULL);
	assert_int_equal(parse_edit("{\"schemaVersion\"", "[{\"schemaVersion\"", &e), -EINVAL);
	/* A NUL inside a string. */
	assert_int_equal(parse_edit("\"a\":\"b\"", "\"a\":\"b\\u0000c\"", &e), -EINVAL);
	th_err_has(&e, "NUL", NULL);
	brig_err_clear(&e);
}

static void test_manifest_too_big(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	size_t len = IMG_MANIFEST_MAX + 1;
	char *big = malloc(len);
	assert_non_null(big);
	memset(big, ' ', len);
	memcpy(big, good_manifest, strlen(good_manifest));
	struct img_manifest m;
	assert_int_equal(img_manifest_parse(big, len, "huge", NULL, &m, &e), -EFBIG);
	th_err_has(&e, "huge", "limit", NULL);
	/* Right at the limit is fine (trailing whitespace is valid JSON). */
	assert_int_equal(img_manifest_parse(big, len - 1, "huge", NULL, &m, &e), 0);
	img_manifest_clear(&m);
	struct img_config c;
	len = IMG_CONFIG_MAX + 1;
	big = realloc(big, len);
	assert_non_null(big);
	memset(big, ' ', len);
	assert_int_equal(img_config_parse(big, len, "cfg", &c, &e), -EFBIG);
	free(big);
	brig_err_clear(&e);
}

static void test_index(void **state)
{
	(void)state;
	static const char doc[] =
		"{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" IMG_MT_OCI_MANIFEST "\","
		"\"digest\":\"" D1 "\",\"size\":10,\"platform\":{\"architecture\":\"arm\","
		"\"os\":\"linux\",\"variant\":\"v7\",\"os.features\":[\"f\"]}},"
		"{\"mediaType\":\"" IMG_MT_OCI_INDEX "\",\"digest\":\"" D2 "\",\"size\":5},"
		"{\"mediaType\":\"" IMG_MT_DOCKER_MANIFEST "\",\"digest\":\"" D3 "\",\"size\":9,"
		"\"annotations\":{\"" IMG_ANNOTATION_REF_NAME "\":\"x:1\"}}]}";
	struct brig_err e = { 0 };
	struct img_index x;
	assert_int_equal(img_index_parse(doc, strlen(doc), "idx", NULL, &x, &e), 0);
	assert_int_equal(x.n_manifests, 3);
	assert_string_equal(x.manifests[0].platform->architecture, "arm");
	assert_string_equal(x.manifests[0].platform->variant, "v7");
	assert_string_equal(x.manifests[0].platform->os_features[0], "f");
	assert_int_equal(x.manifests[1].info.kind, IMG_KIND_INDEX);
	assert_null(x.manifests[1].platform);
	assert_string_equal(img_kv_get(&x.manifests[2].annotations, IMG_ANNOTATION_REF_NAME),
			    "x:1");
	img_index_clear(&x);

	static const char layer_entry[] =
		"{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" IMG_MT_OCI_LAYER "\","
		"\"digest\":\"" D1 "\",\"size\":10}]}";
	assert_int_equal(img_index_parse(layer_entry, strlen(layer_entry), "idx", NULL, &x, &e),
			 -EINVAL);
	th_err_has(&e, "idx: manifests[0].mediaType", "is a layer", NULL);
	static const char no_arch[] =
		"{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" IMG_MT_OCI_MANIFEST "\","
		"\"digest\":\"" D1 "\",\"size\":10,\"platform\":{\"os\":\"linux\"}}]}";
	assert_int_equal(img_index_parse(no_arch, strlen(no_arch), "idx", NULL, &x, &e), -EINVAL);
	th_err_has(&e, "manifests[0].platform.architecture: missing", NULL);
	static const char no_list[] = "{\"schemaVersion\":2}";
	assert_int_equal(img_index_parse(no_list, strlen(no_list), "idx", NULL, &x, &e), -EINVAL);
	th_err_has(&e, "manifests: missing", NULL);
	/* A manifest is not an index. */
	assert_int_equal(img_index_parse(good_manifest, strlen(good_manifest), "idx", NULL, &x, &e),
			 -EINVAL);
	th_err_has(&e, "is an image manifest, expected an image index", NULL);
	brig_err_clear(&e);
}

static const char good_config[] =
	"{\"architecture\":\"amd64\",\"os\":\"linux\",\"variant\":null,"
	"\"created\":\"2024-01-01T00:00:00Z\",\"config\":{\"User\":\"1000:1000\","
	"\"Env\":[\"PATH=/bin\",\"A=b c\"],\"Entrypoint\":[\"/init\"],\"Cmd\":null,"
	"\"WorkingDir\":\"/srv\",\"Labels\":{\"l\":\"v\"},\"StopSignal\":\"SIGINT\","
	"\"ExposedPorts\":{\"80/tcp\":{},\"53/udp\":{}},\"Volumes\":{\"/data\":{}},"
	"\"Healthcheck\":{\"Test\":[\"x\"]}},"
	"\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D1 "\",\"" D2 "\"]},"
	"\"history\":[{\"created_by\":\"ADD\"},{\"created_by\":\"ENV\",\"empty_layer\":true}],"
	"\"container_config\":{\"whatever\":1}}";

static void test_config_good(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	struct img_config c;
	assert_int_equal(img_config_parse(good_config, strlen(good_config), "cfg", &c, &e), 0);
	assert_string_equal(c.architecture, "amd64");
	assert_string_equal(c.os, "linux");
	assert_null(c.variant);
	assert_string_equal(c.user, "1000:1000");
	assert_int_equal(brig_strv_len(c.env), 2);
	assert_string_equal(c.env[1], "A=b c");
	assert_string_equal(c.entrypoint[0], "/init");
	assert_null(c.cmd);
	assert_string_equal(c.working_dir, "/srv");
	assert_string_equal(img_kv_get(&c.labels, "l"), "v");
	assert_string_equal(c.stop_signal, "SIGINT");
	assert_int_equal(brig_strv_len(c.exposed_ports), 2);
	assert_string_equal(c.volumes[0], "/data");
	assert_int_equal(c.n_diff_ids, 2);
	assert_string_equal(c.diff_ids[1], D2);
	assert_int_equal(c.n_history, 2);
	assert_false(c.history[0].empty_layer);
	assert_true(c.history[1].empty_layer);
	img_config_clear(&c);

	/* Minimal, with a null config and an empty Entrypoint. */
	static const char min[] = "{\"architecture\":\"arm64\",\"os\":\"linux\",\"config\":null,"
				  "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
	assert_int_equal(img_config_parse(min, strlen(min), "cfg", &c, &e), 0);
	assert_null(c.env);
	assert_null(c.entrypoint);
	assert_int_equal(c.n_diff_ids, 0);
	img_config_clear(&c);
	brig_err_clear(&e);
}

static int config_edit(const char *from, const char *to, struct brig_err *e)
{
	const char *at = strstr(good_config, from);
	assert_non_null(at);
	char *doc = NULL;
	int n = asprintf(&doc, "%.*s%s%s", (int)(at - good_config), good_config, to,
			 at + strlen(from));
	assert_true(n > 0);
	struct img_config c;
	int r = img_config_parse(doc, (size_t)n, "config sha256:def", &c, e);
	if (r == 0)
		img_config_clear(&c);
	free(doc);
	return r;
}

static void test_config_hostile(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	assert_int_equal(
		config_edit("\"Env\":[\"PATH=/bin\",", "\"Env\":\"PATH=/bin\",\"x\":[", &e),
		-EINVAL);
	th_err_has(&e, "config sha256:def", "config.Env", "expected an array", NULL);
	assert_int_equal(config_edit("\"A=b c\"", "7", &e), -EINVAL);
	th_err_has(&e, "config.Env[1]", "expected a string", NULL);
	assert_int_equal(config_edit("\"User\":\"1000:1000\"", "\"User\":1000", &e), -EINVAL);
	th_err_has(&e, "config.User", NULL);
	assert_int_equal(config_edit("\"type\":\"layers\"", "\"type\":\"tarballs\"", &e), -EINVAL);
	th_err_has(&e, "rootfs.type", "must be \"layers\"", NULL);
	assert_int_equal(config_edit("\"diff_ids\":[\"" D1, "\"diff_ids\":[\"sha256:xyz", &e),
			 -EINVAL);
	th_err_has(&e, "rootfs.diff_ids[0]", "not a valid sha256 digest", NULL);
	assert_int_equal(config_edit("\"architecture\":\"amd64\",", "", &e), -EINVAL);
	th_err_has(&e, "architecture: missing", NULL);
	assert_int_equal(config_edit("\"80/tcp\":{}", "\"80/tcp\":\"yes\"", &e), -EINVAL);
	th_err_has(&e, "config.ExposedPorts.80/tcp", "expected an object", NULL);
	assert_int_equal(config_edit("\"l\":\"v\"", "\"l\":{}", &e), -EINVAL);
	th_err_has(&e, "config.Labels.l", NULL);
	assert_int_equal(config_edit("\"empty_layer\":true", "\"empty_layer\":\"yes\"", &e),
			 -EINVAL);
	th_err_has(&e, "history[1].empty_layer", "expected a boolean", NULL);
	assert_int_equal(config_edit("\"rootfs\":{", "\"rootfs\":[{", &e), -EINVAL);
	assert_int_equal(config_edit("\"os\":\"linux\"", "\"os\":\"linux\",\"os\":\"x\"", &e),
			 -EINVAL);
	th_err_has(&e, "duplicate", NULL);
	assert_int_equal(config_edit("\"Cmd\":null", "\"Cmd\":[null]", &e), -EINVAL);
	th_err_has(&e, "config.Cmd[0]", NULL);
	brig_err_clear(&e);
}

static void test_media_types(void **state)
{
	(void)state;
	struct img_media_info i;
	static const struct {
		const char *mt;
		enum img_media_kind kind;
		bool docker;
		enum img_compression comp;
		bool nd;
	} cases[] = {
		{ IMG_MT_OCI_MANIFEST, IMG_KIND_MANIFEST, false, IMG_COMP_NONE, false },
		{ IMG_MT_DOCKER_LIST, IMG_KIND_INDEX, true, IMG_COMP_NONE, false },
		{ IMG_MT_DOCKER_CONFIG, IMG_KIND_CONFIG, true, IMG_COMP_NONE, false },
		{ IMG_MT_OCI_LAYER, IMG_KIND_LAYER, false, IMG_COMP_NONE, false },
		{ IMG_MT_OCI_LAYER_ZSTD, IMG_KIND_LAYER, false, IMG_COMP_ZSTD, false },
		{ "application/vnd.oci.image.layer.nondistributable.v1.tar", IMG_KIND_LAYER, false,
		  IMG_COMP_NONE, true },
		{ "application/vnd.docker.image.rootfs.diff.tar", IMG_KIND_LAYER, true,
		  IMG_COMP_NONE, false },
		{ "application/vnd.docker.image.rootfs.diff.tar.zstd", IMG_KIND_LAYER, true,
		  IMG_COMP_ZSTD, false },
		{ "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", IMG_KIND_LAYER, true,
		  IMG_COMP_GZIP, true },
	};
	for (size_t k = 0; k < BRIG_ARRAY_SIZE(cases); k++) {
		assert_int_equal(img_media_type_info(cases[k].mt, &i), 0);
		assert_int_equal(i.kind, cases[k].kind);
		assert_int_equal(i.docker, cases[k].docker);
		assert_int_equal(i.comp, cases[k].comp);
		assert_int_equal(i.nondistributable, cases[k].nd);
	}
	assert_int_equal(img_media_type_info("application/vnd.oci.image.layer.v1.tar+bzip2", &i),
			 -ENOTSUP);
	assert_int_equal(i.kind, IMG_KIND_UNKNOWN);
	assert_int_equal(img_media_type_info(NULL, &i), -ENOTSUP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_manifest_good),
		cmocka_unit_test(test_manifest_docker),
		cmocka_unit_test(test_manifest_hostile),
		cmocka_unit_test(test_manifest_too_big),
		cmocka_unit_test(test_index),
		cmocka_unit_test(test_config_good),
		cmocka_unit_test(test_config_hostile),
		cmocka_unit_test(test_media_types),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
