/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "common/common.h"

static void test_set_and_render(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	assert_string_equal(brig_err_str(&e), "no error");
	assert_int_equal(brig_err_set(&e, EINVAL, "bad %s", "thing"), -EINVAL);
	assert_int_equal(e.code, -EINVAL);
	assert_string_equal(brig_err_str(&e), "bad thing");
	brig_err_clear(&e);
	assert_int_equal(e.code, 0);
}

static void test_wrap_chain(void **state)
{
	(void)state;
	_cleanup_err_ struct brig_err e = { 0 };
	brig_err_sys(&e, ENOENT, "opening %s", "/x");
	assert_int_equal(brig_err_wrap(&e, "loading config"), -ENOENT);
	brig_err_wrap(&e, "create %s", "c1");
	assert_int_equal(brig_err_depth(&e), 3);
	assert_string_equal(brig_err_frame_msg(&e, 0), "create c1");
	assert_string_equal(brig_err_frame_msg(&e, 2), "opening /x: No such file or directory");
	assert_null(brig_err_frame_msg(&e, 3));
	assert_string_equal(brig_err_str(&e),
			    "create c1: loading config: opening /x: No such file or directory");
}

static void test_one_line(void **state)
{
	(void)state;
	_cleanup_err_ struct brig_err e = { 0 };
	brig_err_set(&e, -EPERM, "line1\nline2\r\x1b[31m");
	assert_null(strchr(brig_err_str(&e), '\n'));
	assert_null(strchr(brig_err_str(&e), '\x1b'));
	assert_int_equal(e.code, -EPERM);
}

static void test_set_replaces(void **state)
{
	(void)state;
	_cleanup_err_ struct brig_err e = { 0 };
	brig_err_set(&e, EIO, "first");
	brig_err_wrap(&e, "ctx");
	brig_err_set(&e, EACCES, "second");
	assert_int_equal(brig_err_depth(&e), 1);
	assert_string_equal(brig_err_str(&e), "second");
	assert_int_equal(e.code, -EACCES);
}

static void test_null_err_and_zero_code(void **state)
{
	(void)state;
	assert_int_equal(brig_err_set(NULL, ENOSPC, "x"), -ENOSPC);
	_cleanup_err_ struct brig_err e = { 0 };
	assert_int_equal(brig_err_set(&e, 0, "zero"), -EIO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_and_render),
		cmocka_unit_test(test_wrap_chain),
		cmocka_unit_test(test_one_line),
		cmocka_unit_test(test_set_replaces),
		cmocka_unit_test(test_null_err_and_zero_code),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
