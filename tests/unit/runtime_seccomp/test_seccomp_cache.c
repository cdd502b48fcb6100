/* SPDX-License-Identifier: Apache-2.0 */
/* runtime/seccomp: the cache of compiled programs (cache.c).  An entry is
 * used only for the very key it was stored under, whatever its file name
 * says; anything else is compiled again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "runtime/seccomp/seccomp-internal.h"

static char dir[64];
static char cache[96];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/brig-sc-cache.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	(void)snprintf(cache, sizeof(cache), "%s/cache", dir);
	_cleanup_err_ struct brig_err e = { 0 };
	return rt_seccomp_set_cache_dir(cache, &e);
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	(void)rt_seccomp_set_cache_dir(NULL, NULL);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void key_of(const char *js, struct sc_cache_key *key)
{
	json_t *j = json_loads(js, 0, NULL);
	assert_non_null(j);
	assert_int_equal(sc_cache_key(j, key), 0);
	json_decref(j);
}

static const struct sock_filter prog[] = {
	{ 0x06, 0, 0, 0x7fff0000 }, /* ret ALLOW */
	{ 0x06, 0, 0, 0x00050001 }, /* ret ERRNO(1) */
};

/* The same object with its keys in another order has the same key; a
 * stored program comes back as it was. */
static void test_round_trip(void **state)
{
	(void)state;
	struct sc_cache_key a, b;
	key_of("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86_64\"]}",
	       &a);
	key_of("{\"architectures\":[\"SCMP_ARCH_X86_64\"],\"defaultAction\":\"SCMP_ACT_ALLOW\"}",
	       &b);
	assert_string_equal(a.name, b.name);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.text, b.text, a.len);
	struct sock_filter *got = NULL;
	size_t n = 0;
	assert_int_equal(sc_cache_lookup(&a, &got, &n), -ENOENT);
	sc_cache_store(&a, prog, 2);
	assert_int_equal(sc_cache_lookup(&b, &got, &n), 0);
	assert_int_equal(n, 2);
	assert_memory_equal(got, prog, sizeof(prog));
	free(got);
	sc_cache_key_clear(&a);
	sc_cache_key_clear(&b);
}

/* An entry under the wanted name that was stored for another key (a hash
 * collision, or a file planted there) is not used. */
static void test_other_key_under_the_name(void **state)
{
	(void)state;
	struct sc_cache_key want, other;
	key_of("{\"defaultAction\":\"SCMP_ACT_ERRNO\"}", &want);
	key_of("{\"defaultAction\":\"SCMP_ACT_ALLOW\"}", &other);
	assert_string_not_equal(want.name, other.name);
	memcpy(other.name, want.name, sizeof(other.name)); /* a collision */
	sc_cache_store(&other, prog, 1);
	struct sock_filter *got = NULL;
	size_t n = 0;
	assert_int_equal(sc_cache_lookup(&want, &got, &n), -EINVAL);
	assert_null(got);
	/* The same length and a different text: still refused. */
	struct sc_cache_key same_len;
	key_of("{\"defaultAction\":\"SCMP_ACT_ERROR\"}", &same_len);
	assert_int_equal(same_len.len, want.len);
	memcpy(same_len.name, want.name, sizeof(same_len.name));
	sc_cache_store(&same_len, prog, 1);
	assert_int_equal(sc_cache_lookup(&want, &got, &n), -EINVAL);
	assert_null(got);
	sc_cache_key_clear(&want);
	sc_cache_key_clear(&other);
	sc_cache_key_clear(&same_len);
}

/* A truncated program (not whole instructions) is not used. */
static void test_truncated(void **state)
{
	(void)state;
	struct sc_cache_key k;
	key_of("{\"defaultAction\":\"SCMP_ACT_KILL\"}", &k);
	sc_cache_store(&k, prog, 2);
	char path[160];
	(void)snprintf(path, sizeof(path), "%s/%s", cache, k.name);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(truncate(path, st.st_size - 3), 0);
	struct sock_filter *got = NULL;
	size_t n = 0;
	assert_int_equal(sc_cache_lookup(&k, &got, &n), -EINVAL);
	assert_null(got);
	sc_cache_key_clear(&k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_other_key_under_the_name),
		cmocka_unit_test(test_truncated),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
