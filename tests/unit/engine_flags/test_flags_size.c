/* SPDX-License-Identifier: Apache-2.0 */
/* eng_parse_size, eng_parse_signal and the generic checks of eng_flags_set. */
#include "helpers.h"

#include <signal.h>
#include <string.h>

static void size_is(const char *s, int64_t want)
{
	struct brig_err e = { 0 };
	int64_t v = -7;
	if (brig_parse_size(s, &v, &e) < 0)
		fail_msg("\"%s\": %s", s, brig_err_str(&e));
	if (v != want)
		fail_msg("\"%s\" -> %lld, want %lld", s, (long long)v, (long long)want);
}

static void size_bad(const char *s)
{
	_cleanup_err_ struct brig_err e = { 0 };
	int64_t v = -7;
	assert_true(brig_parse_size(s, &v, &e) < 0);
	assert_int_equal(v, -7);
	assert_non_null(strstr(brig_err_str(&e), "size"));
}

static void test_size_accepted(void **state)
{
	(void)state;
	size_is("0", 0);
	size_is("512", 512);
	size_is("512b", 512);
	size_is("1k", 1024);
	size_is("1K", 1024);
	size_is("128m", 134217728);
	size_is("128M", 134217728);
	size_is("128mb", 134217728);
	size_is("128MB", 134217728);
	size_is("2g", 2147483648LL);
	size_is("1.5g", 1610612736LL);
	size_is("0.5k", 512);
	size_is("1t", 1099511627776LL);
	size_is("1.25t", 1374389534720LL);
	size_is("8388607t", 8388607LL << 40);
}

static void test_size_rejected(void **state)
{
	(void)state;
	size_bad("");
	size_bad("12x");
	size_bad("-1");
	size_bad("m");
	size_bad("1.m");
	size_bad(".5m");
	size_bad("1 m");
	size_bad("1mm");
	size_bad("1bb");
	size_bad("1.0000000001g");
	size_bad("8388608t");
	size_bad("99999999999999999999");
	size_bad("0x10");
}

static void test_signal(void **state)
{
	(void)state;
	assert_int_equal(brig_parse_signal("KILL"), SIGKILL);
	assert_int_equal(brig_parse_signal("SIGTERM"), SIGTERM);
	assert_int_equal(brig_parse_signal("sigusr1"), SIGUSR1);
	assert_int_equal(brig_parse_signal("9"), 9);
	assert_int_equal(brig_parse_signal("RTMIN"), SIGRTMIN);
	assert_int_equal(brig_parse_signal("RTMIN+2"), SIGRTMIN + 2);
	assert_int_equal(brig_parse_signal("SIGRTMAX-1"), SIGRTMAX - 1);
	assert_true(brig_parse_signal("0") < 0);
	assert_true(brig_parse_signal("65") < 0);
	assert_true(brig_parse_signal("NOPE") < 0);
	assert_true(brig_parse_signal("") < 0);
	assert_true(brig_parse_signal("RTMIN-1") < 0);
	assert_true(brig_parse_signal("RTMIN+99") < 0);
}

static void test_flag_names(void **state)
{
	(void)state;
	_cleanup_eng_flags_ struct eng_flags *f = eng_flags_new();
	bool takes = true;
	assert_true(eng_flags_known("memory", &takes));
	assert_true(takes);
	assert_true(eng_flags_known("privileged", &takes));
	assert_false(takes);
	assert_true(eng_flags_known("m", NULL));
	assert_false(eng_flags_known("no-such-flag", NULL));
	set_fail(f, "no-such-flag", "1", "unknown flag \"--no-such-flag\"");
	set_fail(f, "memory", NULL, "--memory: needs a value");
	set_fail(f, "memory", "12x", "--memory: invalid size \"12x\"");
	set_fail(f, "m", "12x", "--memory: invalid size");
	set_fail(f, "hostname", "a\nb", "--hostname: value contains a control character");
	char big[ENG_FLAG_VALUE_MAX + 2];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	set_fail(f, "hostname", big, "longer than");
	set_ok(f, "privileged", NULL);
	assert_true(eng_flags_privileged(f));
	set_ok(f, "privileged", "false");
	assert_false(eng_flags_privileged(f));
	set_fail(f, "privileged", "maybe", "--privileged: invalid boolean");
}

static void test_repeat_limit(void **state)
{
	(void)state;
	_cleanup_eng_flags_ struct eng_flags *f = eng_flags_new();
	char v[32];
	for (int i = 0; i < ENG_FLAG_REPEAT_MAX; i++) {
		snprintf(v, sizeof(v), "%d", 1000 + i);
		set_ok(f, "group-add", v);
	}
	set_fail(f, "group-add", "5", "--group-add: given more than");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size_accepted), cmocka_unit_test(test_size_rejected),
		cmocka_unit_test(test_signal),        cmocka_unit_test(test_flag_names),
		cmocka_unit_test(test_repeat_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
