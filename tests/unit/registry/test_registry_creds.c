/* SPDX-License-Identifier: Apache-2.0 */
/* registry: auth.json writing, the credential lookup order, Bearer token
 * answers and the token cache. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "registry/registry-internal.h"

static char tmp[64];

static int setup(void **state)
{
	(void)state;
	strcpy(tmp, "/tmp/brig-creds-XXXXXX");
	if (!mkdtemp(tmp))
		return -1;
	char x[128];
	snprintf(x, sizeof(x), "%s/xdg", tmp);
	setenv("XDG_RUNTIME_DIR", x, 1);
	setenv("HOME", tmp, 1);
	unsetenv("DOCKER_CONFIG");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	return system(cmd) == 0 ? 0 : -1;
}

static void put(const char *rel, const char *text)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", tmp, rel);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void expect(const char *host, const char *authfile, int want, const char *user,
		   const char *pass)
{
	struct brig_err e = { 0 };
	char *u = NULL, *p = NULL;
	assert_int_equal(reg_credentials_find(host, authfile, &u, &p, &e), want);
	if (want == 1) {
		assert_string_equal(u, user);
		assert_string_equal(p, pass);
	}
	free(u);
	free(p);
	brig_err_clear(&e);
}

static void test_store_merge_erase(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	char *path = NULL;
	assert_int_equal(reg_authfile_default(&path, &e), 0);
	assert_non_null(strstr(path, "/xdg/containers/auth.json"));
	expect("a.example", NULL, 0, NULL, NULL);
	assert_int_equal(reg_authfile_store(path, "a.example", "alice", "pw:1", &e), 0);
	assert_int_equal(reg_authfile_store(path, "b.example:5000", "bob", "pw2", &e), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	char dir[256];
	snprintf(dir, sizeof(dir), "%s/xdg/containers", tmp);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	expect("a.example", NULL, 1, "alice", "pw:1");
	expect("b.example:5000", NULL, 1, "bob", "pw2");
	/* replacing one entry keeps the other */
	assert_int_equal(reg_authfile_store(path, "a.example", "al", "new", &e), 0);
	expect("a.example", NULL, 1, "al", "new");
	expect("b.example:5000", NULL, 1, "bob", "pw2");
	assert_int_equal(reg_authfile_erase(path, "a.example", &e), 1);
	assert_int_equal(reg_authfile_erase(path, "a.example", &e), 0);
	expect("a.example", NULL, 0, NULL, NULL);
	expect("b.example:5000", NULL, 1, "bob", "pw2");
	assert_int_equal(reg_authfile_erase(path, NULL, &e), 1);
	expect("b.example:5000", NULL, 0, NULL, NULL);
	/* a user name with ':' cannot be stored */
	assert_int_equal(reg_authfile_store(path, "a.example", "a:b", "x", &e), -EINVAL);
	/* members other than auths survive */
	put("other.json", "{\"auths\":{},\"credHelpers\":{\"x\":\"y\"}}");
	char other[256];
	snprintf(other, sizeof(other), "%s/other.json", tmp);
	assert_int_equal(reg_authfile_store(other, "c", "u", "p", &e), 0);
	json_t *doc = json_load_file(other, 0, NULL);
	assert_non_null(doc);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(doc, "credHelpers"), "x")), "y");
	json_decref(doc);
	free(path);
	brig_err_clear(&e);
}

/* Stores from several processes at once: every entry survives. */
static void test_concurrent_store(void **state)
{
	(void)state;
	char path[256];
	snprintf(path, sizeof(path), "%s/c/auth.json", tmp);
	pid_t pids[8];
	for (int i = 0; i < 8; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			struct brig_err e = { 0 };
			char host[32];
			snprintf(host, sizeof(host), "h%d.example", i);
			_exit(reg_authfile_store(path, host, "u", "p", &e) == 0 ? 0 : 1);
		}
	}
	for (int i = 0; i < 8; i++) {
		int st = 0;
		assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	for (int i = 0; i < 8; i++) {
		char host[32];
		snprintf(host, sizeof(host), "h%d.example", i);
		expect(host, path, 1, "u", "p");
	}
}

static void test_lookup_order(void **state)
{
	(void)state;
	char p[256];
	assert_int_equal(mkdir(strcat(strcpy(p, tmp), "/.docker"), 0700), 0);
	/* docker's config: auths, Docker Hub's old key */
	put(".docker/config.json",
	    "{\"auths\":{\"d.example\":{\"auth\":\"ZDpkcA==\"},"
	    "\"https://index.docker.io/v1/\":{\"auth\":\"aDpocA==\"}}}");
	expect("d.example", NULL, 1, "d", "dp");
	expect("docker.io", NULL, 1, "h", "hp");
	/* brig's own auth.json comes first */
	snprintf(p, sizeof(p), "%s/xdg", tmp);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/xdg/containers", tmp);
	assert_int_equal(mkdir(p, 0700), 0);
	put("xdg/containers/auth.json", "{\"auths\":{\"d.example\":{\"auth\":\"YjpicA==\"}}}");
	expect("d.example", NULL, 1, "b", "bp");
	/* --authfile: that file only, and it must exist */
	put("given.json", "{\"auths\":{}}");
	snprintf(p, sizeof(p), "%s/given.json", tmp);
	expect("d.example", p, 0, NULL, NULL);
	snprintf(p, sizeof(p), "%s/absent.json", tmp);
	expect("d.example", p, -ENOENT, NULL, NULL);
	/* DOCKER_CONFIG names the directory */
	snprintf(p, sizeof(p), "%s/dc", tmp);
	assert_int_equal(mkdir(p, 0700), 0);
	put("dc/config.json", "{\"auths\":{\"e.example\":{\"auth\":\"ZTplcA==\"}}}");
	setenv("DOCKER_CONFIG", p, 1);
	expect("e.example", NULL, 1, "e", "ep");
	expect("docker.io", NULL, 0, NULL, NULL);
	/* a broken file is an error, not "no credentials" */
	put("dc/config.json", "{\"auths\":{\"e.example\":{\"auth\":\"@@@\"}}}");
	expect("e.example", NULL, -EINVAL, NULL, NULL);
	unsetenv("DOCKER_CONFIG");
}

static void test_host_normalize(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	char *h = NULL;
	assert_int_equal(reg_host_normalize("https://index.docker.io/v1/", &h, &e), 0);
	assert_string_equal(h, "docker.io");
	free(h);
	assert_int_equal(reg_host_normalize("127.0.0.1:5000", &h, &e), 0);
	assert_string_equal(h, "127.0.0.1:5000");
	free(h);
	assert_int_equal(reg_host_normalize("a b", &h, &e), -EINVAL);
	assert_int_equal(reg_host_normalize("", &h, &e), -EINVAL);
	brig_err_clear(&e);
}

static int parse(const char *body, time_t now, char **authz, int64_t *life)
{
	struct brig_err e = { 0 };
	*authz = NULL;
	int r = reg_token_parse(body, strlen(body), now, authz, life, &e);
	brig_err_clear(&e);
	return r;
}

static void test_token_parse(void **state)
{
	(void)state;
	char *a = NULL;
	int64_t life = -1;
	const time_t now = 1765000000; /* 2025-12-06T05:46:40Z */
	assert_int_equal(parse("{\"token\":\"abc\"}", now, &a, &life), 0);
	assert_string_equal(a, "Bearer abc");
	assert_int_equal(life, REG_TOKEN_DEFAULT_LIFE);
	free(a);
	assert_int_equal(parse("{\"access_token\":\"x\",\"expires_in\":300}", now, &a, &life), 0);
	assert_int_equal(life, 300);
	free(a);
	/* issued_at: the life left from then on, never more than expires_in */
	assert_int_equal(parse("{\"token\":\"t\",\"expires_in\":300,"
			       "\"issued_at\":\"2025-12-06T05:45:40Z\"}",
			       now, &a, &life),
			 0);
	assert_int_equal(life, 240);
	free(a);
	assert_int_equal(parse("{\"token\":\"t\",\"expires_in\":300,"
			       "\"issued_at\":\"2025-12-06T06:46:40.5+01:00\"}",
			       now, &a, &life),
			 0);
	assert_int_equal(life, 300);
	free(a);
	assert_int_equal(parse("{\"token\":\"t\",\"expires_in\":2,"
			       "\"issued_at\":\"2025-12-06T05:40:00Z\"}",
			       now, &a, &life),
			 0);
	assert_int_equal(life, 0);
	free(a);
	static const char *const bad[] = {
		"",
		"[]",
		"{}",
		"{\"token\":\"\"}",
		"{\"token\":1}",
		"{\"token\":\"a b\"}",
		"{\"token\":\"a\",\"access_token\":\"b\"}",
		"{\"token\":\"a\",\"expires_in\":0}",
		"{\"token\":\"a\",\"expires_in\":\"60\"}",
		"{\"token\":\"a\",\"expires_in\":-5}",
		"{\"token\":\"a\",\"issued_at\":\"yesterday\"}",
		"{\"token\":\"a\",\"issued_at\":\"2025-13-06T05:45:40Z\"}",
		"{\"token\":\"a\",\"issued_at\":\"2025-12-06T05:45:40\"}",
		"{\"token\":\"a\",\"token\":\"a\"}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i], now, &a, &life) >= 0)
			fail_msg("accepted: %s", bad[i]);
		free(a);
	}
	/* a token over the size limit */
	size_t n = REG_TOKEN_MAX + 20;
	char *big = malloc(n + 20);
	assert_non_null(big);
	strcpy(big, "{\"token\":\"");
	memset(big + 10, 'a', REG_TOKEN_MAX + 1);
	strcpy(big + 10 + REG_TOKEN_MAX + 1, "\"}");
	assert_int_equal(parse(big, now, &a, &life), -EPROTO);
	free(big);
}

static void test_token_cache(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	struct reg_client *c = calloc(1, sizeof(*c));
	assert_non_null(c);
	int64_t now = reg_monotonic_now();
	assert_null(reg_token_get(c, "s1", now));
	assert_int_equal(reg_token_put(c, "s1", strdup("Bearer 1"), now + 10, &e), 0);
	assert_string_equal(reg_token_get(c, "s1", now), "Bearer 1");
	assert_string_equal(reg_token_get(c, "s1", now + 9), "Bearer 1");
	assert_null(reg_token_get(c, "s1", now + 10)); /* expired */
	assert_null(reg_token_get(c, "s2", now));
	/* a new token for the scope replaces the old one */
	assert_int_equal(reg_token_put(c, "s1", strdup("Bearer 2"), now + 60, &e), 0);
	assert_int_equal(c->n_tokens, 1);
	assert_string_equal(reg_token_get(c, "s1", now + 30), "Bearer 2");
	/* full: the entry expiring first gives way */
	for (int i = 0; i < REG_MAX_TOKENS + 3; i++) {
		char scope[16], *t = NULL;
		snprintf(scope, sizeof(scope), "x%d", i);
		assert_int_not_equal(asprintf(&t, "Bearer x%d", i), -1);
		assert_int_equal(reg_token_put(c, scope, t, now + 100 + i, &e), 0);
		assert_true(c->n_tokens <= REG_MAX_TOKENS);
	}
	assert_null(reg_token_get(c, "s1", now));
	assert_null(reg_token_get(c, "x0", now));
	assert_string_equal(reg_token_get(c, "x18", now), "Bearer x18");
	reg_client_free(c);
	brig_err_clear(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_store_merge_erase, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_store, setup, teardown),
		cmocka_unit_test(test_host_normalize),
		cmocka_unit_test(test_token_parse),
		cmocka_unit_test(test_token_cache),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
