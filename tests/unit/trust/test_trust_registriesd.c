/* SPDX-License-Identifier: Apache-2.0 */
/* trust: registries.d's YAML subset (good documents and the JSON they
 * become; bad ones and the exact message each gets), the configuration's
 * checks across files, which namespace decides for a reference, and the
 * lookaside store on file://. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trust/gpg.h"

struct good {
	const char *yaml, *json;
};

static const struct good goods[] = {
	{ "", "{}" },
	{ "# only a comment\n\n", "{}" },
	{ "---\na: b\n", "{\"a\":\"b\"}" },
	{ "# c\n---\na: b\n", "{\"a\":\"b\"}" },
	{ "docker:\n  example.com:\n    lookaside: https://sigs.example.com/x\n",
	  "{\"docker\":{\"example.com\":{\"lookaside\":\"https://sigs.example.com/x\"}}}" },
	{ "default-docker:\n    lookaside: file:///var/lib/s # a comment\n"
	  "    use-sigstore-attachments: true\n",
	  "{\"default-docker\":{\"lookaside\":\"file:///var/lib/s\","
	  "\"use-sigstore-attachments\":true}}" },
	{ "docker:\n  \"127.0.0.1:5000\":\n    lookaside: 'file:///a b''c'\n",
	  "{\"docker\":{\"127.0.0.1:5000\":{\"lookaside\":\"file:///a b'c\"}}}" },
	{ "docker:\n  127.0.0.1:5000/ns:\n    lookaside: \"x\\u00e9\\\\\\\"#y\"\n",
	  "{\"docker\":{\"127.0.0.1:5000/ns\":{\"lookaside\":\"x\xc3\xa9\\\\\\\"#y\"}}}" },
	{ "a:\nb: ~\nc: null\nd: False\ne: {}\nf: a#b\n",
	  "{\"a\":null,\"b\":null,\"c\":null,\"d\":false,\"e\":{},\"f\":\"a#b\"}" },
	{ "a:\r\n  b: c\r\n", "{\"a\":{\"b\":\"c\"}}" },
	{ "a: -x\n", "{\"a\":\"-x\"}" },
	{ "\xef\xbb\xbf"
	  "a: b\n",
	  "{\"a\":\"b\"}" },
	/* as podman's packages ship them */
	{ "# This is a default registries.d configuration file.\n#\n"
	  "# lookaside: indicates a location that is read and write\n"
	  "default-docker:\n#  lookaside: https://...\n#  lookaside-staging: file:///...\n\n"
	  "# docker:\n#\n#   privateregistry.com:\n"
	  "#    lookaside: https://privateregistry.com/sigstore/\n",
	  "{\"default-docker\":null}" },
	{ "docker:\n     registry.access.redhat.com:\n         sigstore: "
	  "https://access.redhat.com/webassets/docker/content/sigstore\n",
	  "{\"docker\":{\"registry.access.redhat.com\":{\"sigstore\":"
	  "\"https://access.redhat.com/webassets/docker/content/sigstore\"}}}" },
};

struct bad {
	const char *yaml, *msg;
};

static const struct bad bads[] = {
	{ "a: b\na: c\n", "F:2: \"a\" given twice" },
	{ "a:\n\tb: c\n", "F:2: a tab in the indentation (YAML allows spaces only)" },
	{ "  a: b\n", "F:1: the document must start at column 1" },
	{ "a:\n    b: c\n  d: e\n", "F:3: unexpected indentation" },
	{ "a: b\n  c: d\n", "F:2: unexpected indentation" },
	{ "a: [x]\n",
	  "F:1: '[': sequences, flow collections, anchors, tags and block scalars are not in "
	  "brig's YAML subset" },
	{ "- a\n",
	  "F:1: '-': sequences, flow collections, anchors, tags and block scalars are not in "
	  "brig's YAML subset" },
	{ "a: &x b\n",
	  "F:1: '&': sequences, flow collections, anchors, tags and block scalars are not in "
	  "brig's YAML subset" },
	{ "a: |\n  text\n",
	  "F:1: '|': sequences, flow collections, anchors, tags and block scalars are not in "
	  "brig's YAML subset" },
	{ "a: \"x\n", "F:1: an unterminated quoted scalar (or text after it)" },
	{ "a: \"x\" y\n", "F:1: an unterminated quoted scalar (or text after it)" },
	{ "a: \"\\q\"\n", "F:1: a bad quote or escape in a quoted scalar" },
	{ "a: 'it's'\n", "F:1: a bad quote or escape in a quoted scalar" },
	{ "a: b: c\n", "F:1: a mapping where a scalar was expected (check the indentation)" },
	/* a deeper mapping that fails half-way (leaked before: the fuzzer) */
	{ "a:\n  b: x\n  c: d: e\n",
	  "F:3: a mapping where a scalar was expected (check the indentation)" },
	{ "just text\n", "F:1: expected KEY: VALUE" },
	{ ": x\n", "F:1: an empty key" },
	{ "a: \"\\u0000\"\n", "F:1: a bad quote or escape in a quoted scalar" },
	{ "a: \xff\n", "F:1: a scalar that is not valid UTF-8" },
	{ "a:\n b:\n  c:\n   d:\n    e:\n     f:\n      g:\n       h:\n        i:\n         j: k\n",
	  "F:10: mappings nested too deeply" },
	{ "---\n---\na: b\n", "F:2: expected KEY: VALUE" },
	{ "\xff: b\n", "F:1: a key that is not valid UTF-8" },
	{ "\"a\"\n", "F:1: expected KEY: VALUE" },
};

static void test_yaml_good(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(goods) / sizeof(goods[0]); i++) {
		struct brig_err e = { 0 };
		json_t *j = NULL;
		int r = trust_yaml_parse(goods[i].yaml, strlen(goods[i].yaml), "F", &j, &e);
		if (r < 0)
			fail_msg("good %zu: %s", i, brig_err_str(&e));
		char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
		if (strcmp(s, goods[i].json) != 0)
			fail_msg("good %zu: %s, not %s", i, s, goods[i].json);
		free(s);
		json_decref(j);
		brig_err_clear(&e);
	}
}

static void test_yaml_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		struct brig_err e = { 0 };
		json_t *j = NULL;
		int r = trust_yaml_parse(bads[i].yaml, strlen(bads[i].yaml), "F", &j, &e);
		if (r != -EINVAL)
			fail_msg("bad %zu: accepted (%d)", i, r);
		if (strcmp(brig_err_str(&e), bads[i].msg) != 0)
			fail_msg("bad %zu: \"%s\", not \"%s\"", i, brig_err_str(&e), bads[i].msg);
		assert_null(j);
		brig_err_clear(&e);
	}
	struct brig_err e = { 0 };
	json_t *j = NULL;
	assert_int_equal(trust_yaml_parse("a: b\0", 5, "F", &j, &e), -EINVAL);
	assert_string_equal(brig_err_str(&e), "F: holds a NUL byte");
	brig_err_clear(&e);
	assert_int_equal(trust_yaml_parse("", TRUST_REGISTRIES_D_FILE_MAX + 1, "F", &j, &e),
			 -EFBIG);
	brig_err_clear(&e);
}

/* The configuration's own checks: "FILE: FIELD: WHAT". */
static const struct bad conf_bads[] = {
	{ "dockr: {}\n", "F: dockr: unknown key" },
	{ "docker:\n  a.io:\n    lookasid: https://x\n",
	  "F: docker[\"a.io\"].lookasid: unknown key" },
	{ "docker:\n  a.io:\n    lookaside: ftp://x\n",
	  "F: docker[\"a.io\"].lookaside: \"ftp://x\" is no file:///PATH, http:// or https:// URL" },
	{ "docker:\n  a.io:\n    lookaside: file://relative\n",
	  "F: docker[\"a.io\"].lookaside: \"file://relative\" is no file:///PATH, http:// or "
	  "https:// URL" },
	{ "docker:\n  a.io:\n    lookaside: \"https://x/a b\"\n",
	  "F: docker[\"a.io\"].lookaside: \"https://x/a b\": a URL without spaces, query or "
	  "fragment" },
	{ "docker:\n  a.io:\n    use-sigstore-attachments: yes\n",
	  "F: docker[\"a.io\"].use-sigstore-attachments: expected a boolean, got string" },
	{ "docker: x\n", "F: docker: expected an object, got string" },
	{ "default-docker:\n  lookaside: true\n",
	  "F: default-docker.lookaside: expected a string, got boolean" },
};

static void test_conf_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(conf_bads) / sizeof(conf_bads[0]); i++) {
		struct trust_registries_d *c = calloc(1, sizeof(*c));
		struct brig_err e = { 0 };
		const char *y = conf_bads[i].yaml;
		if (trust_registries_d_add(c, y, strlen(y), "F", &e) != -EINVAL)
			fail_msg("conf %zu: accepted", i);
		if (strcmp(brig_err_str(&e), conf_bads[i].msg) != 0)
			fail_msg("conf %zu: \"%s\", not \"%s\"", i, brig_err_str(&e),
				 conf_bads[i].msg);
		trust_registries_d_free(c);
		brig_err_clear(&e);
	}
}

static struct trust_registries_d *conf(const char *a, const char *b, int want)
{
	struct trust_registries_d *c = calloc(1, sizeof(*c));
	struct brig_err e = { 0 };
	assert_int_equal(trust_registries_d_add(c, a, strlen(a), "A", &e), 0);
	assert_int_equal(trust_registries_d_add(c, b, strlen(b), "B", &e), want);
	brig_err_clear(&e);
	return c;
}

static void test_conf_twice(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	struct trust_registries_d *c = calloc(1, sizeof(*c));
	const char *a = "default-docker:\n  lookaside: https://a\ndocker:\n  x.io: {}\n";
	assert_int_equal(trust_registries_d_add(c, a, strlen(a), "A", &e), 0);
	assert_int_equal(trust_registries_d_add(c, "default-docker: {}\n", 19, "B", &e), -EINVAL);
	assert_string_equal(brig_err_str(&e), "B: default-docker: already defined in A");
	brig_err_clear(&e);
	assert_int_equal(trust_registries_d_add(c, "docker:\n  x.io:\n", 16, "B", &e), -EINVAL);
	assert_string_equal(brig_err_str(&e), "B: docker[\"x.io\"]: already defined in A");
	brig_err_clear(&e);
	trust_registries_d_free(c);
}

static char *base_for(const struct trust_registries_d *c, const char *image, bool write)
{
	struct img_ref r = { 0 };
	struct brig_err e = { 0 };
	char *url = NULL;
	assert_int_equal(img_ref_parse(image, &r, &e), 0);
	assert_int_equal(trust_lookaside_base(c, &r, write, &url, &e), 0);
	img_ref_clear(&r);
	return url;
}

#define EXPECT_BASE(c, image, write, want)                  \
	do {                                                \
		char *u_ = base_for((c), (image), (write)); \
		assert_non_null(u_);                        \
		assert_string_equal(u_, (want));            \
		free(u_);                                   \
	} while (0)

static void test_lookup(void **state)
{
	(void)state;
	struct trust_registries_d *c = conf(
		"default-docker:\n  lookaside: https://dflt/s/\n"
		"docker:\n  r.example.com:\n    lookaside: https://host\n"
		"    lookaside-staging: file:///stage\n"
		"  r.example.com/ns:\n    use-sigstore-attachments: true\n"
		"  r.example.com/ns/app:1:\n    lookaside: file:///tag\n",
		"docker:\n  '*.example.com':\n    lookaside: https://wild\n"
		"  127.0.0.1:5000:\n    lookaside: file:///local\n",
		0);
	EXPECT_BASE(c, "r.example.com/ns/app:1", false, "file:///tag/ns/app");
	/* ns says nothing of a lookaside: the host decides */
	EXPECT_BASE(c, "r.example.com/ns/app:2", false, "https://host/ns/app");
	EXPECT_BASE(c, "r.example.com/ns/app:2", true, "file:///stage/ns/app");
	EXPECT_BASE(c, "x.example.com/a", false, "https://wild/a");
	EXPECT_BASE(c,
		    "127.0.0.1:5000/a/b@sha256:"
		    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		    false, "file:///local/a/b");
	EXPECT_BASE(c, "busybox", false, "https://dflt/s/library/busybox");
	struct img_ref r = { 0 };
	struct brig_err e = { 0 };
	assert_int_equal(img_ref_parse("r.example.com/ns/app:1", &r, &e), 0);
	assert_true(trust_use_sigstore_attachments(c, &r));
	img_ref_clear(&r);
	assert_int_equal(img_ref_parse("r.example.com/other:1", &r, &e), 0);
	assert_false(trust_use_sigstore_attachments(c, &r));
	img_ref_clear(&r);
	trust_registries_d_free(c);
	c = conf(
		"docker:\n  old.io:\n    sigstore: https://old/s\n    sigstore-staging: file:///o\n",
		"default-docker:\n", 0);
	EXPECT_BASE(c, "old.io/a:1", false, "https://old/s/a");
	EXPECT_BASE(c, "old.io/a:1", true, "file:///o/a");
	trust_registries_d_free(c);
}

static void test_lookaside_file(void **state)
{
	(void)state;
	char dir[] = "/tmp/brig-unit-lookaside-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *base = NULL;
	assert_true(asprintf(&base, "file://%s/ns/app", dir) > 0);
	const char *dg = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	struct brig_err e = { 0 };
	struct trust_gpg_sigs s = { 0 };
	unsigned n = 0;
	assert_int_equal(trust_lookaside_get(base, dg, NULL, &s, &e), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(trust_lookaside_put(base, dg, "one", 3, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(trust_lookaside_put(base, dg, "two", 3, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_int_equal(trust_lookaside_put(base, dg, "one", 3, &n, &e), 0);
	assert_int_equal(n, 1); /* already there */
	assert_int_equal(trust_lookaside_get(base, dg, NULL, &s, &e), 0);
	assert_int_equal(s.n, 2);
	assert_memory_equal(s.v[1].data, "two", 3);
	trust_gpg_sigs_clear(&s);
	assert_int_equal(trust_lookaside_put("https://x/y", dg, "a", 1, &n, &e), -EINVAL);
	brig_err_clear(&e);
	assert_int_equal(trust_lookaside_get(base, "sha256:../x", NULL, &s, &e), -EINVAL);
	brig_err_clear(&e);
	assert_int_equal(brig_rm_rf(AT_FDCWD, dir, &e), 0);
	free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_yaml_good), cmocka_unit_test(test_yaml_bad),
		cmocka_unit_test(test_conf_bad),  cmocka_unit_test(test_conf_twice),
		cmocka_unit_test(test_lookup),    cmocka_unit_test(test_lookaside_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
