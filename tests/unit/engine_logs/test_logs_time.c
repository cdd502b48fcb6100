/* SPDX-License-Identifier: Apache-2.0 */
/* engine/logs: --since/--until parsing and time formatting. */
#include "helpers.h"

#include <string.h>
#include <time.h>

#define S 1000000000LL
#define T0 1795895335LL /* 2026-11-28T19:48:55Z */
#define NOW (2000000000LL * S)

static int64_t ok(const char *s)
{
	struct brig_err e = { 0 };
	int64_t v = -12345;
	if (eng_logs_parse_time(s, NOW, &v, &e) < 0)
		fail_msg("%s: %s", s, brig_err_str(&e));
	return v;
}

static void bad(const char *s, int code)
{
	struct brig_err e = { 0 };
	int64_t v = -12345;
	int r = eng_logs_parse_time(s, NOW, &v, &e);
	if (r != code)
		fail_msg("%s: got %d, wanted %d", s, r, code);
	assert_int_equal(v, -12345);
	/* The message names the value. */
	if (strlen(s) > 0 && strlen(s) < 60)
		assert_non_null(strstr(brig_err_str(&e), s));
	brig_err_clear(&e);
}

static void use_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

static void test_rfc3339(void **state)
{
	(void)state;
	assert_int_equal(ok("2026-11-28T19:48:55Z"), T0 * S);
	assert_int_equal(ok("2026-11-28t19:48:55z"), T0 * S);
	assert_int_equal(ok("2026-11-28T19:48:55.123456789Z"), T0 * S + 123456789);
	assert_int_equal(ok("2026-11-28T19:48:55.5Z"), T0 * S + 500000000);
	assert_int_equal(ok("2026-11-28T20:48:55+01:00"), T0 * S);
	assert_int_equal(ok("2026-11-28T14:18:55.000000001-05:30"), T0 * S + 1);
	assert_int_equal(ok("2024-02-29T00:00:00Z"), 1709164800LL * S);
	assert_int_equal(ok("1969-12-31T23:59:59Z"), -S);
}

static void test_local_and_dates(void **state)
{
	(void)state;
	use_tz("UTC0");
	assert_int_equal(ok("2026-11-28"), 1795824000LL * S);
	assert_int_equal(ok("2026-11-28T19:48:55"), T0 * S);
	assert_int_equal(ok("2026-11-28T19:48"), (T0 - 55) * S);
	/* A fixed zone two hours east of UTC. */
	use_tz("XXX-2");
	assert_int_equal(ok("2026-11-28"), (1795824000LL - 7200) * S);
	assert_int_equal(ok("2026-11-28T21:48:55.25"), T0 * S + 250000000);
	/* With a zone, TZ does not matter. */
	assert_int_equal(ok("2026-11-28Z"), 1795824000LL * S);
	assert_int_equal(ok("2026-11-28+02:00"), (1795824000LL - 7200) * S);
	use_tz("UTC0");
}

static void test_unix(void **state)
{
	(void)state;
	assert_int_equal(ok("1700000000"), 1700000000LL * S);
	assert_int_equal(ok("1700000000.5"), 1700000000LL * S + 500000000);
	assert_int_equal(ok("1700000000.123456789"), 1700000000LL * S + 123456789);
	assert_int_equal(ok("0.000000001"), 1);
}

static void test_durations(void **state)
{
	(void)state;
	assert_int_equal(ok("10m"), NOW - 600 * S);
	assert_int_equal(ok("1h30m"), NOW - 5400 * S);
	assert_int_equal(ok("1.5h"), NOW - 5400 * S);
	assert_int_equal(ok("300ms"), NOW - 300000000);
	assert_int_equal(ok("2h45m10s"), NOW - (2 * 3600 + 45 * 60 + 10) * S);
	assert_int_equal(ok("1m1ms1us1ns"), NOW - (60 * S + 1000000 + 1000 + 1));
	assert_int_equal(ok("5\xc2\xb5s"), NOW - 5000);
	assert_int_equal(ok(".5s"), NOW - 500000000);
}

static void test_errors(void **state)
{
	(void)state;
	bad("", -EINVAL);
	bad("abc", -EINVAL);
	bad("yesterday", -EINVAL);
	bad("2026-13-01", -EINVAL);
	bad("2026-02-29", -EINVAL);
	bad("2026-11-31", -EINVAL);
	bad("2026-11-28T25:00:00Z", -EINVAL);
	bad("2026-11-28T19:60:00Z", -EINVAL);
	bad("2026-11-28T19:48:61Z", -EINVAL);
	bad("2026-11-28T19:48:55+1:00", -EINVAL);
	bad("2026-11-28T19:48:55Zjunk", -EINVAL);
	bad("2026-11-28T19:48:55.Z", -EINVAL);
	bad("2026-11-28 19:48:55", -EINVAL);
	bad("2026-1-28", -EINVAL);
	bad("1700000000.1234567891", -EINVAL);
	bad("17.00.00", -EINVAL);
	bad("99999999999999999999", -ERANGE);
	bad("99999999999", -ERANGE);
}

static void test_errors_durations(void **state)
{
	(void)state;
	bad("10x", -EINVAL);
	bad("-10m", -EINVAL);
	bad("10m5", -EINVAL);
	bad("m", -EINVAL);
	bad("1.h", -EINVAL);
	bad("9999999999h", -ERANGE);
	bad("10 m", -EINVAL);
	char longs[100];
	memset(longs, '1', sizeof(longs) - 1);
	longs[sizeof(longs) - 1] = '\0';
	bad(longs, -EINVAL);
}

static void test_format(void **state)
{
	(void)state;
	char buf[ENG_LOG_TIME_LEN];
	eng_logs_format_time(T0 * S + 123, buf);
	assert_string_equal(buf, "2026-11-28T19:48:55.000000123Z");
	eng_logs_format_time(-1, buf);
	assert_string_equal(buf, "1969-12-31T23:59:59.999999999Z");
	/* Formatting and parsing agree. */
	assert_int_equal(ok("2026-11-28T19:48:55.000000123Z"), T0 * S + 123);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc3339), cmocka_unit_test(test_local_and_dates),
		cmocka_unit_test(test_unix),    cmocka_unit_test(test_durations),
		cmocka_unit_test(test_errors),  cmocka_unit_test(test_errors_durations),
		cmocka_unit_test(test_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
