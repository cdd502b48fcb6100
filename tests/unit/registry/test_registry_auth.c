/* SPDX-License-Identifier: Apache-2.0 */
/* registry: WWW-Authenticate challenges and auth.json credentials. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <string.h>

#include "registry/registry.h"

static void test_bearer(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	struct reg_challenge c;
	assert_int_equal(reg_challenge_parse("Bearer realm=\"https://auth.example/token\","
					     "service=\"registry.example\",scope=\"repository:a/b:"
					     "pull,push\"",
					     &c, &e),
			 0);
	assert_int_equal(c.scheme, REG_AUTH_BEARER);
	assert_string_equal(c.realm, "https://auth.example/token");
	assert_string_equal(c.service, "registry.example");
	assert_string_equal(c.scope, "repository:a/b:pull,push");
	reg_challenge_clear(&c);
	/* Case-insensitive scheme and names, spaces around commas, a token
	 * value, an escaped quote, an unknown parameter ignored. */
	assert_int_equal(reg_challenge_parse("bearer  REALM=\"https://a/t\" , service=svc ,"
					     " error=\"x\\\"y\"",
					     &c, &e),
			 0);
	assert_string_equal(c.realm, "https://a/t");
	assert_string_equal(c.service, "svc");
	assert_null(c.scope);
	reg_challenge_clear(&c);
	brig_err_clear(&e);
}

static void test_basic(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	struct reg_challenge c;
	assert_int_equal(reg_challenge_parse("Basic realm=\"brig-test\"", &c, &e), 0);
	assert_int_equal(c.scheme, REG_AUTH_BASIC);
	assert_string_equal(c.realm, "brig-test");
	reg_challenge_clear(&c);
	brig_err_clear(&e);
}

static void test_malformed(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"",
		"Bearer",
		"Bearer ",
		"Digest realm=\"x\"",
		"Bearer service=\"s\"", /* no realm */
		"Bearer realm=\"\"",
		"Bearer realm=\"https://a/t", /* unterminated */
		"Bearer realm=\"https://a/t\" service=\"s\"", /* no comma */
		"Bearer realm=\"https://a/t\",realm=\"https://b/t\"", /* twice */
		"Bearer realm=ftp://a/t",
		"Bearer realm=\"file:///etc/passwd\"",
		"Bearer realm=\"https://a/t x\"",
		"Bearer realm=\"https://a/t\", Basic realm=\"x\"", /* two challenges */
		"Bearer realm=\"https://a/\x01t\"",
		"Bearer realm=\"https://a/t\",",
		"Bearer =x",
		"Basicrealm=\"x\"",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct brig_err e = { 0 };
		struct reg_challenge c;
		int r = reg_challenge_parse(bad[i], &c, &e);
		if (r != -EPROTO)
			fprintf(stderr, "# accepted: '%s'\n", bad[i]);
		assert_int_equal(r, -EPROTO);
		assert_non_null(strstr(brig_err_str(&e), "WWW-Authenticate"));
		assert_null(c.realm);
		brig_err_clear(&e);
	}
	/* A long header is refused, not parsed. */
	char big[5000];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	memcpy(big, "Basic realm=", 12);
	struct brig_err e = { 0 };
	struct reg_challenge c;
	assert_int_equal(reg_challenge_parse(big, &c, &e), -EPROTO);
	brig_err_clear(&e);
}

static char *write_tmp(const char *text)
{
	char *path = strdup("/tmp/brig-authfile-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_authfile(void **state)
{
	(void)state;
	/* dXNlcjpwYTpzcw== is "user:pa:ss" */
	char *p = write_tmp("{\"auths\":{\"127.0.0.1:5000\":{\"auth\":\"dXNlcjpwYTpzcw==\"},"
			    "\"bad\":{\"auth\":\"!!!!\"},\"nocolon\":{\"auth\":\"dXNlcg==\"}}}");
	struct brig_err e = { 0 };
	char *u = NULL, *pw = NULL;
	assert_int_equal(reg_authfile_lookup(p, "127.0.0.1:5000", &u, &pw, &e), 1);
	assert_string_equal(u, "user");
	assert_string_equal(pw, "pa:ss");
	free(u);
	free(pw);
	assert_int_equal(reg_authfile_lookup(p, "other", &u, &pw, &e), 0);
	assert_int_equal(reg_authfile_lookup(p, "bad", &u, &pw, &e), -EINVAL);
	assert_non_null(strstr(brig_err_str(&e), "auths.\"bad\".auth"));
	assert_int_equal(reg_authfile_lookup(p, "nocolon", &u, &pw, &e), -EINVAL);
	brig_err_clear(&e);
	unlink(p);
	free(p);
	p = write_tmp("{\"auths\":[]}");
	assert_true(reg_authfile_lookup(p, "x", &u, &pw, &e) < 0);
	brig_err_clear(&e);
	unlink(p);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bearer),
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_authfile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
