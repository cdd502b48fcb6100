/* SPDX-License-Identifier: Apache-2.0 */
/* Log records (text and JSON lines) and level filtering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/common.h"

static const struct timespec TS = { .tv_sec = 1000000000, .tv_nsec = 5 };
#define TS_TEXT "2001-09-09T01:46:40.000000005Z"

/* Exactly one line: ends in '\n', no other '\n' or '\r', length n. */
static void assert_one_line(const char *buf, size_t n)
{
	assert_int_equal(strlen(buf), n);
	assert_true(n >= 1);
	assert_int_equal(buf[n - 1], '\n');
	assert_ptr_equal(strchr(buf, '\n'), buf + n - 1);
	assert_null(strchr(buf, '\r'));
}

/* Parse a JSON record and return its members (the caller decrefs). */
static json_t *parse_record(const char *rec, size_t n)
{
	_cleanup_free_ char *buf = strndup(rec, n);
	assert_non_null(buf);
	assert_one_line(buf, n);
	json_error_t jerr;
	json_t *v = json_loadb(buf, n, JSON_REJECT_DUPLICATES, &jerr);
	if (!v)
		fail_msg("record is not JSON (%s): %s", jerr.text, buf);
	assert_true(json_is_object(v));
	assert_int_equal(json_object_size(v), 3);
	assert_true(json_is_string(json_object_get(v, "level")));
	assert_true(json_is_string(json_object_get(v, "msg")));
	assert_true(json_is_string(json_object_get(v, "time")));
	return v;
}

static void test_json_record_roundtrip(void **state)
{
	(void)state;
	/* Every character class that needs care, and UTF-8 that does not. */
	const char *msg = "say \"hi\" \\ back\nline2\r\tx\x01\x1f\x7f\x1b[31m "
			  "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80";
	char buf[1024];
	size_t n = brig_log_format_record(buf, sizeof(buf), BRIG_LOG_JSON, BRIG_LOG_WARN, msg, &TS);
	_cleanup_json_ json_t *v = parse_record(buf, n);
	assert_string_equal(json_string_value(json_object_get(v, "level")), "warning");
	assert_string_equal(json_string_value(json_object_get(v, "msg")), msg);
	assert_string_equal(json_string_value(json_object_get(v, "time")), TS_TEXT);
	/* The raw line itself carries no control characters. */
	for (size_t i = 0; i + 1 < n; i++)
		assert_true((unsigned char)buf[i] >= 0x20 && buf[i] != 0x7f);
}

static void test_json_invalid_utf8(void **state)
{
	(void)state;
	/* Stray continuation, overlong NUL, surrogate, truncated sequence. */
	const char *msg = "a\x80"
			  "b\xc0\x80"
			  "c\xed\xa0\x80"
			  "d\xe2\x82";
	char buf[512];
	size_t n = brig_log_format_record(buf, sizeof(buf), BRIG_LOG_JSON, BRIG_LOG_ERROR, msg,
					  &TS);
	_cleanup_json_ json_t *v = parse_record(buf, n);
	const char *got = json_string_value(json_object_get(v, "msg"));
	assert_non_null(strstr(got,
			       "a\xef\xbf\xbd"
			       "b"));
	assert_non_null(strstr(got, "d\xef\xbf\xbd"));
	assert_string_equal(json_string_value(json_object_get(v, "level")), "error");
}

static void test_text_record(void **state)
{
	(void)state;
	char buf[256];
	size_t n = brig_log_format_record(buf, sizeof(buf), BRIG_LOG_TEXT, BRIG_LOG_INFO,
					  "two\nlines\r\x1b[0m\x7f\tend", &TS);
	assert_one_line(buf, n);
	assert_string_equal(buf, TS_TEXT " info: two lines  [0m \tend\n");
	n = brig_log_format_record(buf, sizeof(buf), BRIG_LOG_TEXT, BRIG_LOG_DEBUG, "", &TS);
	assert_string_equal(buf, TS_TEXT " debug: \n");
	/* An out-of-range level is reported as an error, not read out of bounds. */
	n = brig_log_format_record(buf, sizeof(buf), BRIG_LOG_TEXT, (enum brig_log_level)99, "x",
				   &TS);
	assert_string_equal(buf, TS_TEXT " error: x\n");
}

static void test_truncation_keeps_one_line(void **state)
{
	(void)state;
	char msg[700];
	for (size_t i = 0; i < sizeof(msg) - 1; i++)
		msg[i] = "ab\"\n\x01\xc3\xa9z"[i % 8];
	msg[sizeof(msg) - 1] = '\0';
	char buf[1024];
	size_t full = brig_log_format_record(buf, sizeof(buf), BRIG_LOG_JSON, BRIG_LOG_INFO, "",
					     &TS);
	for (size_t size = 2; size <= sizeof(buf); size++) {
		memset(buf, 'Q', sizeof(buf));
		size_t n = brig_log_format_record(buf, size, BRIG_LOG_JSON, BRIG_LOG_INFO, msg,
						  &TS);
		assert_true(n < size);
		if (size < sizeof(buf)) /* nothing written past size */
			assert_int_equal(buf[size], 'Q');
		assert_one_line(buf, n);
		if (size < full + 4)
			continue;
		/* Whenever the frame fits, the line is valid JSON whose message
		 * is a prefix of the original, marked when cut. */
		_cleanup_json_ json_t *v = parse_record(buf, n);
		const char *got = json_string_value(json_object_get(v, "msg"));
		size_t gl = strlen(got);
		if (gl >= 3 && strcmp(got + gl - 3, "...") == 0)
			assert_memory_equal(got, msg, gl - 3);
		else
			assert_string_equal(got, msg);

		memset(buf, 'Q', sizeof(buf));
		n = brig_log_format_record(buf, size, BRIG_LOG_TEXT, BRIG_LOG_INFO, msg, &TS);
		assert_true(n < size);
		assert_one_line(buf, n);
	}
	/* Large enough: nothing is cut. */
	char big[8192];
	size_t n = brig_log_format_record(big, sizeof(big), BRIG_LOG_JSON, BRIG_LOG_INFO, msg, &TS);
	_cleanup_json_ json_t *v = parse_record(big, n);
	assert_string_equal(json_string_value(json_object_get(v, "msg")), msg);
}

static void test_parse_names(void **state)
{
	(void)state;
	enum brig_log_level l;
	enum brig_log_format f;
	assert_int_equal(brig_log_parse_level("debug", &l), 0);
	assert_int_equal(l, BRIG_LOG_DEBUG);
	assert_int_equal(brig_log_parse_level("warn", &l), 0);
	assert_int_equal(l, BRIG_LOG_WARN);
	assert_int_equal(brig_log_parse_level("warning", &l), 0);
	assert_int_equal(brig_log_parse_level("error", &l), 0);
	assert_int_equal(l, BRIG_LOG_ERROR);
	assert_int_equal(brig_log_parse_level("info", &l), 0);
	assert_int_equal(l, BRIG_LOG_INFO);
	assert_int_equal(brig_log_parse_level("INFO", &l), -EINVAL);
	assert_int_equal(brig_log_parse_level("", &l), -EINVAL);
	assert_int_equal(brig_log_parse_format("json", &f), 0);
	assert_int_equal(f, BRIG_LOG_JSON);
	assert_int_equal(brig_log_parse_format("text", &f), 0);
	assert_int_equal(f, BRIG_LOG_TEXT);
	assert_int_equal(brig_log_parse_format("yaml", &f), -EINVAL);
}

/* Read everything from fd until EOF. */
static size_t drain(int fd, char *buf, size_t size)
{
	ssize_t n = brig_read_all(fd, buf, size - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
	return (size_t)n;
}

static void restore_stderr(void)
{
	struct brig_err e = { 0 };
	assert_int_equal(brig_log_setup(STDERR_FILENO, BRIG_LOG_WARN, BRIG_LOG_TEXT, &e), 0);
}

static void test_setup_filters_levels(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(brig_log_setup(p[1], BRIG_LOG_WARN, BRIG_LOG_JSON, &e), 0);
	close(p[1]); /* the logger holds its own duplicate */
	assert_int_equal(brig_log_level(), BRIG_LOG_WARN);
	assert_true(brig_log_fd() > 2);
	assert_true(fcntl(brig_log_fd(), F_GETFD) & FD_CLOEXEC);
	brig_debug("dropped %d", 1);
	brig_info("dropped %d", 2);
	errno = ENOSPC;
	brig_warn("kept %d", 3);
	assert_int_equal(errno, ENOSPC); /* logging preserves errno */
	brig_error("kept \"%s\"", "4");
	restore_stderr(); /* closes the pipe's last writer */

	char out[4096];
	size_t n = drain(p[0], out, sizeof(out));
	close(p[0]);
	char *nl = strchr(out, '\n');
	assert_non_null(nl);
	assert_int_equal(out[n - 1], '\n');
	assert_ptr_equal(strchr(nl + 1, '\n'), out + n - 1); /* two lines */
	_cleanup_json_ json_t *a = parse_record(out, (size_t)(nl + 1 - out));
	_cleanup_json_ json_t *b = parse_record(nl + 1, n - (size_t)(nl + 1 - out));
	assert_string_equal(json_string_value(json_object_get(a, "level")), "warning");
	assert_string_equal(json_string_value(json_object_get(a, "msg")), "kept 3");
	assert_string_equal(json_string_value(json_object_get(b, "level")), "error");
	assert_string_equal(json_string_value(json_object_get(b, "msg")), "kept \"4\"");
}

static void test_setup_debug_text(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(brig_log_setup(p[1], BRIG_LOG_DEBUG, BRIG_LOG_TEXT, &e), 0);
	close(p[1]);
	brig_debug("d%d", 1);
	brig_info("i%d", 2);
	restore_stderr();
	char out[4096];
	drain(p[0], out, sizeof(out));
	close(p[0]);
	assert_non_null(strstr(out, " debug: d1\n"));
	assert_non_null(strstr(out, " info: i2\n"));
	/* A bad fd is an error that leaves the old configuration alone. */
	assert_int_equal(brig_log_setup(-1, BRIG_LOG_DEBUG, BRIG_LOG_TEXT, &e), -EBADF);
	assert_non_null(strstr(brig_err_str(&e), "log fd"));
	assert_int_equal(brig_log_level(), BRIG_LOG_WARN);
	brig_err_clear(&e);
}

static void test_log_open_appends(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	char dir[] = "/tmp/brig-log-XXXXXX", path[128];
	assert_non_null(mkdtemp(dir));
	(void)snprintf(path, sizeof(path), "%s/brig.log", dir);
	assert_int_equal(brig_log_open(path, BRIG_LOG_INFO, BRIG_LOG_JSON, &e), 0);
	brig_info("first");
	assert_int_equal(brig_log_open(path, BRIG_LOG_INFO, BRIG_LOG_JSON, &e), 0);
	brig_info("second");
	restore_stderr();
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	char *buf = NULL;
	size_t len = 0;
	assert_int_equal(brig_read_file(AT_FDCWD, path, 4096, &buf, &len, &e), 0);
	char *second = strchr(buf, '\n') + 1;
	_cleanup_json_ json_t *a = parse_record(buf, (size_t)(second - buf));
	_cleanup_json_ json_t *b = parse_record(second, len - (size_t)(second - buf));
	assert_string_equal(json_string_value(json_object_get(a, "msg")), "first");
	assert_string_equal(json_string_value(json_object_get(b, "msg")), "second");
	free(buf);
	assert_int_equal(brig_log_open("/nonexistent-dir/x.log", BRIG_LOG_INFO, BRIG_LOG_TEXT, &e),
			 -ENOENT);
	assert_non_null(strstr(brig_err_str(&e), "/nonexistent-dir/x.log"));
	assert_int_equal(brig_rm_rf(AT_FDCWD, dir, &e), 0);
	brig_err_clear(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_record_roundtrip),
		cmocka_unit_test(test_json_invalid_utf8),
		cmocka_unit_test(test_text_record),
		cmocka_unit_test(test_truncation_keeps_one_line),
		cmocka_unit_test(test_parse_names),
		cmocka_unit_test(test_setup_filters_levels),
		cmocka_unit_test(test_setup_debug_text),
		cmocka_unit_test(test_log_open_appends),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
