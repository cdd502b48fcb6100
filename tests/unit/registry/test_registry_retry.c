/* SPDX-License-Identifier: Apache-2.0 */
/* registry: Retry-After values (delta-seconds and the three HTTP-date
 * forms); Link headers of tags list pages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <limits.h>

#include "registry/registry-internal.h"

/* Sun, 06 Nov 1994 08:49:37 GMT, RFC 9110's example */
#define T0 ((time_t)784111777)

static void test_seconds(void **state)
{
	(void)state;
	long long s = -1;
	assert_int_equal(reg_retry_after_parse("0", T0, &s), 0);
	assert_int_equal(s, 0);
	assert_int_equal(reg_retry_after_parse("120", T0, &s), 0);
	assert_int_equal(s, 120);
	assert_int_equal(reg_retry_after_parse("3600", T0, &s), 0);
	assert_int_equal(s, 3600);
	/* too large for a long long: still a (huge) wait, not an error */
	assert_int_equal(reg_retry_after_parse("99999999999999999999999", T0, &s), 0);
	assert_true(s == LLONG_MAX);
}

static void test_dates(void **state)
{
	(void)state;
	long long s = -1;
	assert_int_equal(reg_retry_after_parse("Sun, 06 Nov 1994 08:49:37 GMT", T0 - 30, &s), 0);
	assert_int_equal(s, 30);
	assert_int_equal(reg_retry_after_parse("Sunday, 06-Nov-94 08:49:37 GMT", T0 - 5, &s), 0);
	assert_int_equal(s, 5);
	assert_int_equal(reg_retry_after_parse("Sun Nov  6 08:49:37 1994", T0 - 1, &s), 0);
	assert_int_equal(s, 1);
	/* a date in the past: no wait */
	assert_int_equal(reg_retry_after_parse("Sun, 06 Nov 1994 08:49:37 GMT", T0 + 99, &s), 0);
	assert_int_equal(s, 0);
}

static void test_malformed(void **state)
{
	(void)state;
	long long s = 7;
	const char *bad[] = { "",
			      "-1",
			      "12s",
			      "1.5",
			      " 5",
			      "Sun, 06 Nov 1994 08:49:37",
			      "Sun, 06 Nov 1994 08:49:37 GMT trailing",
			      "soon" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(reg_retry_after_parse(bad[i], T0, &s), -EINVAL);
	assert_int_equal(s, 7);
}

static void test_link(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	char *uri = (char *)"unset";
	assert_int_equal(reg_link_next("</v2/a/tags/list?n=1&last=x>; rel=\"next\"", &uri, "t", &e),
			 0);
	assert_string_equal(uri, "/v2/a/tags/list?n=1&last=x");
	free(uri);
	/* several link-values; rel unquoted, any case; the next one picked */
	assert_int_equal(reg_link_next("<https://r/prev>; rel=\"prev\", <https://r/next>; REL=Next",
				       &uri, "t", &e),
			 0);
	assert_string_equal(uri, "https://r/next");
	free(uri);
	/* no next: no URI */
	assert_int_equal(reg_link_next("<https://r/prev>; rel=\"prev\"", &uri, "t", &e), 0);
	assert_null(uri);
	assert_int_equal(reg_link_next("<https://r/x>; rel=nextish", &uri, "t", &e), 0);
	assert_null(uri);
	assert_int_equal(reg_link_next("", &uri, "t", &e), 0);
	assert_null(uri);
	/* a link-value without <URI> */
	assert_int_equal(reg_link_next("/v2/a/tags/list; rel=\"next\"", &uri, "t", &e), -EBADMSG);
	brig_err_clear(&e);
	assert_int_equal(reg_link_next("</v2/a/tags/list; rel=\"next\"", &uri, "t", &e), -EBADMSG);
	brig_err_clear(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seconds),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_link),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
