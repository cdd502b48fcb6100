/* SPDX-License-Identifier: Apache-2.0 */
/* Docker reference grammar and normalisation. */
#include "helpers.h"

#include <string.h>

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void test_valid(void **state)
{
	(void)state;
	static const struct {
		const char *in, *full, *familiar;
	} cases[] = {
		{ "busybox", "docker.io/library/busybox:latest", "busybox:latest" },
		{ "busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36" },
		{ "library/busybox", "docker.io/library/busybox:latest", "busybox:latest" },
		{ "docker.io/busybox", "docker.io/library/busybox:latest", "busybox:latest" },
		{ "index.docker.io/library/busybox:x", "docker.io/library/busybox:x", "busybox:x" },
		{ "user/app:v1.0-rc_1", "docker.io/user/app:v1.0-rc_1", "user/app:v1.0-rc_1" },
		{ "quay.io/org/sub/app", "quay.io/org/sub/app:latest",
		  "quay.io/org/sub/app:latest" },
		{ "localhost/app", "localhost/app:latest", "localhost/app:latest" },
		{ "localhost:5000/app:t", "localhost:5000/app:t", "localhost:5000/app:t" },
		{ "127.0.0.1:5000/a/b", "127.0.0.1:5000/a/b:latest", "127.0.0.1:5000/a/b:latest" },
		{ "[::1]:5000/app", "[::1]:5000/app:latest", "[::1]:5000/app:latest" },
		{ "Registry/app", "Registry/app:latest", "Registry/app:latest" },
		{ "a__b/c---d.e_f", "docker.io/a__b/c---d.e_f:latest", "a__b/c---d.e_f:latest" },
		{ "app@sha256:" HEX64, "docker.io/library/app@sha256:" HEX64, "app@sha256:" HEX64 },
		{ "app:t@sha256:" HEX64, "docker.io/library/app:t@sha256:" HEX64,
		  "app:t@sha256:" HEX64 },
		{ "localhost:5000", "docker.io/library/localhost:5000", "localhost:5000" },
		{ "abcdef", "docker.io/library/abcdef:latest", "abcdef:latest" },
	};
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(cases); i++) {
		struct brig_err e = { 0 };
		struct img_ref r;
		if (img_ref_parse(cases[i].in, &r, &e) < 0) {
			fprintf(stderr, "# %s: %s\n", cases[i].in, brig_err_str(&e));
			fail();
		}
		char *full = img_ref_string(&r), *fam = img_ref_familiar(&r);
		assert_string_equal(full, cases[i].full);
		assert_string_equal(fam, cases[i].familiar);
		/* Normalising is idempotent. */
		struct img_ref again;
		assert_int_equal(img_ref_parse(full, &again, &e), 0);
		char *full2 = img_ref_string(&again);
		assert_string_equal(full2, full);
		free(full);
		free(full2);
		free(fam);
		img_ref_clear(&r);
		img_ref_clear(&again);
	}
}

static void test_parts(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	struct img_ref r;
	assert_int_equal(img_ref_parse("reg.example:443/a/b:c@sha256:" HEX64, &r, &e), 0);
	assert_string_equal(r.domain, "reg.example:443");
	assert_string_equal(r.path, "a/b");
	assert_string_equal(r.tag, "c");
	assert_string_equal(r.digest, "sha256:" HEX64);
	img_ref_clear(&r);
	/* A digest without a tag gets no default tag. */
	assert_int_equal(img_ref_parse("a@sha256:" HEX64, &r, &e), 0);
	assert_null(r.tag);
	img_ref_clear(&r);
}

static void test_invalid(void **state)
{
	(void)state;
	static const struct {
		const char *in, *why;
	} cases[] = {
		{ "", "empty" },
		{ "Busybox", "must be lowercase" },
		{ "docker.io/Library/busybox", "must be lowercase" },
		{ HEX64, "image ID" },
		{ "app:", "invalid tag" },
		{ "app:-x", "invalid tag" },
		{ "app:a/b", "invalid registry host" },
		{ "app:t@", "invalid digest" },
		{ "app@sha256:abc", "invalid digest" },
		{ "app@sha256:" HEX64 "0", "invalid digest" },
		{ "app@sha512:" HEX64, "unsupported digest algorithm" },
		{ "app@SHA256:" HEX64, "digest" },
		{ "a//b", "invalid repository name" },
		{ "/a", "invalid repository name" },
		{ "a/", "invalid repository name" },
		{ "-a", "invalid repository name" },
		{ "a-", "invalid repository name" },
		{ "a___b", "invalid repository name" },
		{ "a..b", "invalid repository name" },
		{ "a b", "invalid repository name" },
		{ "a/../b", "invalid repository name" },
		{ ":tag", "no repository name" },
		{ "bad_host.com:x/app", "invalid registry host" },
		{ "-host.com/app", "invalid registry host" },
		{ "[::1/app", "invalid registry host" },
		{ "host:123456/app", "invalid registry host" },
		{ "@sha256:" HEX64, "no repository name" },
		/* The repository becomes part of a registry URL (brig pull):
		 * nothing that would change the URL's meaning gets through. */
		{ "127.0.0.1:5000/a/b?x=1", "invalid repository name" },
		{ "127.0.0.1:5000/a#b", "invalid repository name" },
		{ "127.0.0.1:5000/a%2fb", "invalid repository name" },
		{ "127.0.0.1:5000/a/..", "invalid repository name" },
		{ "127.0.0.1:5000/./a", "invalid repository name" },
		{ "user@host.com/a", "invalid" },
	};
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(cases); i++) {
		struct brig_err e = { 0 };
		struct img_ref r;
		int rc = img_ref_parse(cases[i].in, &r, &e);
		if (rc != -EINVAL) {
			fprintf(stderr, "# '%s' was accepted\n", cases[i].in);
			fail();
		}
		th_err_has(&e, cases[i].why, NULL);
		assert_null(r.domain);
		brig_err_clear(&e);
	}
	/* Length limits: tags up to 128, names up to 255, input up to 512. */
	char buf[1024];
	struct brig_err e = { 0 };
	struct img_ref r;
	memset(buf, 'a', sizeof(buf));
	memcpy(buf, "app:", 4);
	buf[4 + 128] = '\0';
	assert_int_equal(img_ref_parse(buf, &r, &e), 0);
	img_ref_clear(&r);
	buf[4 + 128] = 'a';
	buf[4 + 129] = '\0';
	assert_int_equal(img_ref_parse(buf, &r, &e), -EINVAL);
	memset(buf, 'a', 256);
	buf[256] = '\0';
	assert_int_equal(img_ref_parse(buf, &r, &e), -EINVAL);
	th_err_has(&e, "longer than 255", NULL);
	memset(buf, 'a', 600);
	buf[600] = '\0';
	assert_int_equal(img_ref_parse(buf, &r, &e), -EINVAL);
	assert_int_equal(img_ref_parse(NULL, &r, &e), -EINVAL);
	brig_err_clear(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_parts),
		cmocka_unit_test(test_invalid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
