/* SPDX-License-Identifier: Apache-2.0 */
/* The rules of --security-opt landlock= (common/landlock_rules.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include "common/common.h"
#include "common/landlock.h"

static void test_parse_kinds(void **state)
{
	(void)state;
	struct brig_landlock_rules *l = NULL;
	struct brig_err e = { 0 };
	assert_int_equal(
		brig_landlock_rules_parse("ro:/usr,rw:/tmp,bind:8080,connect:none", &l, &e), 0);
	assert_int_equal(l->n, 4);
	assert_int_equal(l->rules[0].kind, BRIG_LL_RO);
	assert_string_equal(l->rules[0].path, "/usr");
	assert_int_equal(l->rules[1].kind, BRIG_LL_RW);
	assert_int_equal(l->rules[2].kind, BRIG_LL_BIND);
	assert_int_equal(l->rules[2].port, 8080);
	assert_true(l->rules[3].none);
	assert_true(l->fs && l->bind && l->connect);
	brig_landlock_rules_free(l);
	l = NULL;
	assert_int_equal(brig_landlock_rules_parse("bind:1", &l, &e), 0);
	assert_false(l->fs || l->connect);
	brig_landlock_rules_free(l);
}

static void test_parse_refuses(void **state)
{
	(void)state;
	static const char *const bad[] = { "",           ",",          "ro:",       "ro:usr",
					   "rw:/a/../b", "rw:/..",     "bind:0",    "bind:65536",
					   "bind:80x",   "connect:-1", "deny:/etc", "ro:/a,,x:1" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct brig_landlock_rules *l = NULL;
		_cleanup_err_ struct brig_err e = { 0 };
		if (brig_landlock_rules_parse(bad[i], &l, &e) == 0)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_null(l);
		assert_non_null(strstr(brig_err_str(&e), "landlock"));
	}
	struct brig_landlock_rules *l = NULL;
	_cleanup_err_ struct brig_err e = { 0 };
	assert_int_equal(brig_landlock_rules_parse("ro:/a/..b/...", &l, &e), 0);
	brig_landlock_rules_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_kinds),
		cmocka_unit_test(test_parse_refuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
