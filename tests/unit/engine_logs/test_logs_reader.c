/* SPDX-License-Identifier: Apache-2.0 */
/* engine/logs reader: files written by hand, then printed with filters. */
#include "helpers.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>

#define S 1000000000LL
#define T0 (1795895335LL * S) /* 2026-11-28T19:48:55Z */

/* Write records first..last ("rN\n", stdout for even N, stderr for odd,
 * time T0 + N s) into dirfd/name, plus raw text appended. */
static void write_recs(int dirfd, const char *name, int first, int last, const char *extra)
{
	size_t cap = (1 << 16) + (extra ? strlen(extra) : 0), len = 0;
	char *buf = malloc(cap);
	for (int i = first; i <= last; i++) {
		char text[32];
		snprintf(text, sizeof(text), "r%d\n", i);
		char *l = lt_line(i % 2 ? "stderr" : "stdout", T0 + i * S, text);
		size_t n = strlen(l);
		assert_true(len + n < cap);
		memcpy(buf + len, l, n);
		len += n;
		free(l);
	}
	if (extra) {
		size_t n = strlen(extra);
		assert_true(len + n < cap);
		memcpy(buf + len, extra, n);
		len += n;
	}
	lt_write(dirfd, name, buf, len);
	free(buf);
}

/* The three files of a rotated log: r0..r3, r4..r7, r8..r9. */
static void write_rotated(struct lt_dir *d)
{
	write_recs(d->fd, "ctr.log.2", 0, 3, NULL);
	write_recs(d->fd, "ctr.log.1", 4, 7, NULL);
	write_recs(d->fd, "ctr.log", 8, 9, NULL);
}

static void check(struct lt_dir *d, const struct eng_logs_opts *o, const char *want_out,
		  const char *want_err)
{
	struct lt_out out;
	lt_print(d->fd, o, NULL, NULL, &out);
	assert_int_equal(out.rc, 0);
	assert_string_equal(out.out, want_out);
	assert_string_equal(out.err, want_err);
	lt_out_free(&out);
}

static void test_all_and_streams(void **state)
{
	struct lt_dir *d = *state;
	write_rotated(d);
	struct eng_logs_opts o = { .tail = -1 };
	check(d, &o, "r0\nr2\nr4\nr6\nr8\n", "r1\nr3\nr5\nr7\nr9\n");
	o.stdout_ = true;
	check(d, &o, "r0\nr2\nr4\nr6\nr8\n", "");
	o.stdout_ = false;
	o.stderr_ = true;
	check(d, &o, "", "r1\nr3\nr5\nr7\nr9\n");
}

static void test_tail_across_files(void **state)
{
	struct lt_dir *d = *state;
	write_rotated(d);
	struct eng_logs_opts o = { .tail = 5 };
	check(d, &o, "r6\nr8\n", "r5\nr7\nr9\n");
	o.tail = 2;
	check(d, &o, "r8\n", "r9\n");
	o.tail = 3;
	check(d, &o, "r8\n", "r7\nr9\n");
	o.tail = 0;
	check(d, &o, "", "");
	o.tail = 100;
	check(d, &o, "r0\nr2\nr4\nr6\nr8\n", "r1\nr3\nr5\nr7\nr9\n");
	/* tail counts the records that are printed. */
	o.tail = 3;
	o.stdout_ = true;
	check(d, &o, "r4\nr6\nr8\n", "");
}

static void test_missing_and_gaps(void **state)
{
	struct lt_dir *d = *state;
	struct eng_logs_opts o = { .tail = -1 };
	check(d, &o, "", ""); /* no log at all */
	/* A crash between renames can leave a gap: .1 missing. */
	write_recs(d->fd, "ctr.log.2", 0, 1, NULL);
	write_recs(d->fd, "ctr.log", 2, 3, NULL);
	check(d, &o, "r0\nr2\n", "r1\nr3\n");
	o.tail = 3;
	check(d, &o, "r2\n", "r1\nr3\n");
}

static void test_since_until(void **state)
{
	struct lt_dir *d = *state;
	write_rotated(d);
	struct eng_logs_opts o = { .tail = -1, .since_ns = T0 + 3 * S, .until_ns = T0 + 6 * S };
	check(d, &o, "r4\nr6\n", "r3\nr5\n");
	o.tail = 2;
	check(d, &o, "r6\n", "r5\n");
	o.tail = -1;
	o.since_ns = T0 + 3 * S + 1; /* inclusive bounds, to the ns */
	o.until_ns = T0 + 6 * S - 1;
	check(d, &o, "r4\n", "r5\n");
	o.until_ns = 0;
	o.since_ns = T0 + 100 * S;
	check(d, &o, "", "");
}

static void test_timestamps(void **state)
{
	struct lt_dir *d = *state;
	write_recs(d->fd, "ctr.log", 0, 1, NULL);
	struct eng_logs_opts o = { .tail = -1, .timestamps = true };
	check(d, &o, "2026-11-28T19:48:55.000000000Z r0\n", "2026-11-28T19:48:56.000000000Z r1\n");
}

static void test_malformed_and_truncated(void **state)
{
	struct lt_dir *d = *state;
	const char *junk =
		"not json\n"
		"[1,2]\n"
		"{\"log\":\"x\\n\",\"stream\":\"stdin\",\"time\":\"2026-11-28T19:48:55Z\"}\n"
		"{\"log\":\"x\\n\",\"stream\":\"stdout\",\"time\":\"yesterday\"}\n"
		"{\"stream\":\"stdout\",\"time\":\"2026-11-28T19:48:55Z\"}\n"
		"{\"log\":1,\"stream\":\"stdout\",\"time\":\"2026-11-28T19:48:55Z\"}\n"
		"{\"log\":\"a\",\"log\":\"b\",\"stream\":\"stdout\",\"time\":\"2026-11-28T19:48:55Z\"}\n"
		"{\"log\":\"\\u0000ok\\n\",\"stream\":\"stdout\",\"time\":\"2026-11-28T19:48:55+00:00\",\"attrs\":{}}\n"
		"{\"log\":\"cut";
	write_recs(d->fd, "ctr.log", 0, 1, junk);
	struct eng_logs_opts o = { .tail = -1 };
	lt_log_capture();
	struct lt_out out;
	lt_print(d->fd, &o, NULL, NULL, &out);
	char *log = lt_log_take();
	assert_int_equal(out.rc, 0);
	assert_int_equal(out.out_len, 3 + 4);
	assert_memory_equal(out.out, "r0\n\0ok\n", 7);
	assert_string_equal(out.err, "r1\n");
	assert_int_equal(lt_count(log, "malformed"), 7);
	/* Warnings name the file, the place and the field. */
	assert_non_null(strstr(log, "ctr.log (byte "));
	assert_non_null(strstr(log, "stream: expected"));
	assert_non_null(strstr(log, "time: expected an RFC 3339"));
	assert_non_null(strstr(log, "log: missing"));
	free(log);
	lt_out_free(&out);
	/* tail skips them too. */
	o.tail = 2;
	lt_log_capture();
	lt_print(d->fd, &o, NULL, NULL, &out);
	free(lt_log_take());
	assert_int_equal(out.out_len, 4);
	assert_string_equal(out.err, "r1\n");
	lt_out_free(&out);
}

static void test_warnings_rate_limited(void **state)
{
	struct lt_dir *d = *state;
	char junk[25 * 8 + 1] = "";
	for (int i = 0; i < 25; i++)
		strcat(junk, "garbage\n");
	write_recs(d->fd, "ctr.log", 0, 0, junk);
	struct eng_logs_opts o = { .tail = -1 };
	lt_log_capture();
	struct lt_out out;
	lt_print(d->fd, &o, NULL, NULL, &out);
	char *log = lt_log_take();
	assert_string_equal(out.out, "r0\n");
	assert_int_equal(lt_count(log, "skipping malformed"), 10);
	assert_non_null(strstr(log, "15 more malformed log lines skipped"));
	free(log);
	lt_out_free(&out);
}

static void test_oversized_line(void **state)
{
	struct lt_dir *d = *state;
	size_t n = ENG_LOG_RECORD_MAX + 1000;
	char *big = malloc(n + 2);
	memset(big, 'z', n);
	big[n] = '\n';
	big[n + 1] = '\0';
	write_recs(d->fd, "ctr.log.1", 0, 0, big);
	free(big);
	write_recs(d->fd, "ctr.log", 1, 2, NULL);
	struct eng_logs_opts o = { .tail = -1 };
	lt_log_capture();
	struct lt_out out;
	lt_print(d->fd, &o, NULL, NULL, &out);
	char *log = lt_log_take();
	assert_string_equal(out.out, "r0\nr2\n");
	assert_string_equal(out.err, "r1\n");
	assert_non_null(strstr(log, "longer than"));
	free(log);
	lt_out_free(&out);
	o.tail = 3;
	lt_log_capture();
	lt_print(d->fd, &o, NULL, NULL, &out);
	free(lt_log_take());
	assert_string_equal(out.out, "r0\nr2\n");
	lt_out_free(&out);
}

static void test_long_lines_and_many(void **state)
{
	struct lt_dir *d = *state;
	/* Records well beyond the read chunk, and many of them. */
	struct brig_err e = { 0 };
	struct eng_logw *w = NULL;
	assert_int_equal(eng_logw_open(d->fd, ENG_LOG_NAME, 1 << 20, 4, &w, &e), 0);
	char *line = malloc(ENG_LOG_LINE_MAX);
	size_t total = 0;
	for (int i = 0; i < 300; i++) {
		size_t l = (size_t)(i * 997) % (ENG_LOG_LINE_MAX - 1) + 1;
		memset(line, 'a' + i % 26, l - 1);
		line[l - 1] = '\n';
		assert_int_equal(eng_logw_feed(w, ENG_LOG_STDOUT, line, l, &e), 0);
		total += l;
	}
	eng_logw_close(w);
	free(line);
	assert_true(lt_exists(d->fd, "ctr.log.1"));
	struct eng_logs_opts o = { .tail = -1 };
	struct lt_out out;
	lt_print(d->fd, &o, NULL, NULL, &out);
	/* Every line in order: its length and its letter. */
	assert_int_equal(out.out_len, total);
	const char *p = out.out;
	for (int i = 0; i < 300; i++) {
		size_t l = (size_t)(i * 997) % (ENG_LOG_LINE_MAX - 1) + 1;
		if (l > 1)
			assert_int_equal(p[0], 'a' + i % 26);
		assert_int_equal(p[l - 1], '\n');
		p += l;
	}
	lt_out_free(&out);
	o.tail = 1;
	lt_print(d->fd, &o, NULL, NULL, &out);
	assert_int_equal(out.out_len, (size_t)(299 * 997) % (ENG_LOG_LINE_MAX - 1) + 1);
	lt_out_free(&out);
}

static void test_closed_output(void **state)
{
	struct lt_dir *d = *state;
	write_recs(d->fd, "ctr.log", 0, 3, NULL);
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	struct eng_logs_opts o = { .tail = -1 };
	_cleanup_err_ struct brig_err e = { 0 };
	assert_int_equal(eng_logs_print(d->fd, ENG_LOG_NAME, &o, p[1], p[1], NULL, NULL, &e),
			 -EPIPE);
	close(p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_all_and_streams, lt_setup, lt_teardown),
		cmocka_unit_test_setup_teardown(test_tail_across_files, lt_setup, lt_teardown),
		cmocka_unit_test_setup_teardown(test_missing_and_gaps, lt_setup, lt_teardown),
		cmocka_unit_test_setup_teardown(test_since_until, lt_setup, lt_teardown),
		cmocka_unit_test_setup_teardown(test_timestamps, lt_setup, lt_teardown),
		cmocka_unit_test_setup_teardown(test_malformed_and_truncated, lt_setup,
						lt_teardown),
		cmocka_unit_test_setup_teardown(test_warnings_rate_limited, lt_setup, lt_teardown),
		cmocka_unit_test_setup_teardown(test_oversized_line, lt_setup, lt_teardown),
		cmocka_unit_test_setup_teardown(test_long_lines_and_many, lt_setup, lt_teardown),
		cmocka_unit_test_setup_teardown(test_closed_output, lt_setup, lt_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
