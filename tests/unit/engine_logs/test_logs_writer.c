/* SPDX-License-Identifier: Apache-2.0 */
/* engine/logs writer: line splitting, partial lines, the 16 KiB cut,
 * interleaved streams, rotation, encoding and crash leftovers. */
#include "helpers.h"

#include <fcntl.h>
#include <string.h>

static struct eng_logw *open_w(struct lt_dir *d, uint64_t max_size, unsigned max_files)
{
	struct brig_err e = { 0 };
	struct eng_logw *w = NULL;
	int r = eng_logw_open(d->fd, ENG_LOG_NAME, max_size, max_files, &w, &e);
	if (r < 0)
		fail_msg("eng_logw_open: %s", brig_err_str(&e));
	return w;
}

static void feed(struct eng_logw *w, int stream, const char *s, size_t n)
{
	struct brig_err e = { 0 };
	if (eng_logw_feed(w, stream, s, n, &e) < 0)
		fail_msg("eng_logw_feed: %s", brig_err_str(&e));
}
#define FEED(w, st, lit) feed(w, st, lit, sizeof(lit) - 1)

static const char *rec_log(json_t *arr, size_t i, size_t *len)
{
	json_t *v = json_object_get(json_array_get(arr, i), "log");
	assert_true(json_is_string(v));
	if (len)
		*len = json_string_length(v);
	return json_string_value(v);
}

static const char *rec_str(json_t *arr, size_t i, const char *key)
{
	json_t *v = json_object_get(json_array_get(arr, i), key);
	assert_true(json_is_string(v));
	return json_string_value(v);
}

static void test_split_across_feeds(void **state)
{
	struct lt_dir *d = *state;
	struct eng_logw *w = open_w(d, 0, 1);
	FEED(w, ENG_LOG_STDOUT, "hel");
	FEED(w, ENG_LOG_STDOUT, "lo\nwor");
	FEED(w, ENG_LOG_STDOUT, "ld\n\nlast");
	json_t *a = lt_records(d->fd, ENG_LOG_NAME);
	assert_int_equal(json_array_size(a), 3);
	assert_string_equal(rec_log(a, 0, NULL), "hello\n");
	assert_string_equal(rec_log(a, 1, NULL), "world\n");
	assert_string_equal(rec_log(a, 2, NULL), "\n");
	assert_string_equal(rec_str(a, 0, "stream"), "stdout");
	int64_t ns;
	const char *t = rec_str(a, 0, "time");
	assert_int_equal(strlen(t), 30); /* 9 fraction digits and Z */
	struct brig_err e = { 0 };
	assert_int_equal(eng_logs_parse_time(t, 0, &ns, &e), 0);
	assert_true(ns > 0);
	json_decref(a);
	eng_logw_close(w); /* flushes "last" */
	a = lt_records(d->fd, ENG_LOG_NAME);
	assert_int_equal(json_array_size(a), 4);
	assert_string_equal(rec_log(a, 3, NULL), "last");
	json_decref(a);
}

static void test_partial_and_flush(void **state)
{
	struct lt_dir *d = *state;
	struct brig_err e = { 0 };
	struct eng_logw *w = open_w(d, 0, 1);
	FEED(w, ENG_LOG_STDOUT, "prompt> ");
	size_t len = 99;
	free(lt_read(d->fd, ENG_LOG_NAME, &len));
	assert_int_equal(len, 0);
	assert_int_equal(eng_logw_size(w), 0);
	assert_int_equal(eng_logw_flush(w, &e), 0);
	json_t *a = lt_records(d->fd, ENG_LOG_NAME);
	assert_int_equal(json_array_size(a), 1);
	assert_string_equal(rec_log(a, 0, NULL), "prompt> ");
	json_decref(a);
	/* Nothing pending: a second flush writes nothing. */
	uint64_t sz = eng_logw_size(w);
	assert_int_equal(eng_logw_flush(w, &e), 0);
	assert_int_equal(eng_logw_size(w), sz);
	eng_logw_close(w);
}

static void test_cut_16k(void **state)
{
	struct lt_dir *d = *state;
	size_t n = ENG_LOG_LINE_MAX + 100;
	char *big = malloc(n);
	memset(big, 'x', n);
	struct eng_logw *w = open_w(d, 0, 1);
	feed(w, ENG_LOG_STDOUT, big, n);
	json_t *a = lt_records(d->fd, ENG_LOG_NAME);
	assert_int_equal(json_array_size(a), 1);
	size_t l;
	rec_log(a, 0, &l);
	assert_int_equal(l, ENG_LOG_LINE_MAX);
	json_decref(a);
	FEED(w, ENG_LOG_STDOUT, "y\n");
	a = lt_records(d->fd, ENG_LOG_NAME);
	assert_int_equal(json_array_size(a), 2);
	const char *s = rec_log(a, 1, &l);
	assert_int_equal(l, 102);
	assert_int_equal(s[99], 'x');
	assert_string_equal(s + 100, "y\n");
	json_decref(a);
	/* A two-byte character straddling the cut goes to the next record. */
	memset(big, 'a', ENG_LOG_LINE_MAX - 1);
	memcpy(big + ENG_LOG_LINE_MAX - 1, "\xc3\xa9z\n", 4);
	feed(w, ENG_LOG_STDERR, big, ENG_LOG_LINE_MAX + 3);
	a = lt_records(d->fd, ENG_LOG_NAME);
	assert_int_equal(json_array_size(a), 4);
	rec_log(a, 2, &l);
	assert_int_equal(l, ENG_LOG_LINE_MAX - 1);
	assert_string_equal(rec_log(a, 3, NULL), "\xc3\xa9z\n");
	assert_string_equal(rec_str(a, 3, "stream"), "stderr");
	json_decref(a);
	eng_logw_close(w);
	free(big);
}

static void test_streams_interleaved(void **state)
{
	struct lt_dir *d = *state;
	struct eng_logw *w = open_w(d, 0, 1);
	FEED(w, ENG_LOG_STDOUT, "o1");
	FEED(w, ENG_LOG_STDERR, "e1\ne");
	FEED(w, ENG_LOG_STDOUT, "o2\n");
	FEED(w, ENG_LOG_STDERR, "2\n");
	json_t *a = lt_records(d->fd, ENG_LOG_NAME);
	assert_int_equal(json_array_size(a), 3);
	assert_string_equal(rec_log(a, 0, NULL), "e1\n");
	assert_string_equal(rec_str(a, 0, "stream"), "stderr");
	assert_string_equal(rec_log(a, 1, NULL), "o1o2\n");
	assert_string_equal(rec_str(a, 1, "stream"), "stdout");
	assert_string_equal(rec_log(a, 2, NULL), "e2\n");
	assert_string_equal(rec_str(a, 2, "stream"), "stderr");
	json_decref(a);
	eng_logw_close(w);
}

/* Number of "line NNN" records, and the first/last numbers, of a file. */
static size_t file_lines(struct lt_dir *d, const char *name, int *first, int *last)
{
	json_t *a = lt_records(d->fd, name);
	size_t n = json_array_size(a);
	for (size_t i = 0; i < n; i++) {
		int v = -1;
		assert_int_equal(sscanf(rec_log(a, i, NULL), "line %d", &v), 1);
		if (i == 0)
			*first = v;
		else
			assert_int_equal(v, *last + 1);
		*last = v;
	}
	json_decref(a);
	return n;
}

static void test_rotation(void **state)
{
	struct lt_dir *d = *state;
	const uint64_t max = 300;
	struct eng_logw *w = open_w(d, max, 3);
	char line[32];
	for (int i = 0; i < 50; i++) {
		int l = snprintf(line, sizeof(line), "line %03d\n", i);
		feed(w, ENG_LOG_STDOUT, line, (size_t)l);
		assert_true(eng_logw_size(w) <= max);
	}
	eng_logw_close(w);
	assert_true(lt_exists(d->fd, "ctr.log.1"));
	assert_true(lt_exists(d->fd, "ctr.log.2"));
	assert_false(lt_exists(d->fd, "ctr.log.3"));
	const char *names[] = { "ctr.log.2", "ctr.log.1", "ctr.log" };
	int prev_last = -1, first, last = 0;
	for (size_t i = 0; i < 3; i++) {
		size_t len;
		free(lt_read(d->fd, names[i], &len));
		assert_true(len <= max && len > 0);
		size_t n = file_lines(d, names[i], &first, &last);
		assert_true(n > 0);
		if (i == 0)
			assert_true(first > 0); /* the oldest were dropped */
		else
			assert_int_equal(first, prev_last + 1);
		/* Full files: one more record would not have fit. */
		if (i < 2)
			assert_true(len + len / n > max);
		prev_last = last;
	}
	assert_int_equal(last, 49);
}

static void test_rotation_big_record(void **state)
{
	struct lt_dir *d = *state;
	struct eng_logw *w = open_w(d, 100, 2);
	FEED(w, ENG_LOG_STDOUT, "small\n");
	char big[300];
	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\n';
	feed(w, ENG_LOG_STDOUT, big, sizeof(big));
	FEED(w, ENG_LOG_STDOUT, "after\n");
	eng_logw_close(w);
	json_t *a = lt_records(d->fd, "ctr.log.1");
	assert_int_equal(json_array_size(a), 1);
	size_t l;
	rec_log(a, 0, &l);
	assert_int_equal(l, sizeof(big));
	json_decref(a);
	a = lt_records(d->fd, ENG_LOG_NAME);
	assert_int_equal(json_array_size(a), 1);
	assert_string_equal(rec_log(a, 0, NULL), "after\n");
	json_decref(a);
	assert_false(lt_exists(d->fd, "ctr.log.2"));
}

static void test_rotation_one_file(void **state)
{
	struct lt_dir *d = *state;
	struct eng_logw *w = open_w(d, 100, 1);
	for (int i = 0; i < 5; i++)
		FEED(w, ENG_LOG_STDERR, "a line of some length here\n");
	eng_logw_close(w);
	assert_false(lt_exists(d->fd, "ctr.log.1"));
	json_t *a = lt_records(d->fd, ENG_LOG_NAME);
	assert_int_equal(json_array_size(a), 1);
	json_decref(a);
}

static const char weird[] =
	"ok \xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80 ctl:\x01\x1b[31m\t\r\"\\ del:\x7f nul:\0 "
	"bad:\xff \xc3( \xed\xa0\x80 \xf4\x90\x80\x80 \xc0\xaf \xe2\x82\n";
/* Valid UTF-8 and control characters unchanged; every byte of invalid
 * UTF-8 replaced by U+FFFD. */
#define FFFD "\xef\xbf\xbd"
static const char weird_out[] =
	"ok \xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80 ctl:\x01\x1b[31m\t\r\"\\ del:\x7f nul:\0 "
	"bad:" FFFD " " FFFD "( " FFFD FFFD FFFD " " FFFD FFFD FFFD FFFD " " FFFD FFFD " " FFFD FFFD
	"\n";

static void test_encoding_round_trip(void **state)
{
	struct lt_dir *d = *state;
	struct eng_logw *w = open_w(d, 0, 1);
	feed(w, ENG_LOG_STDOUT, weird, sizeof(weird) - 1);
	eng_logw_close(w);
	/* jansson refuses invalid UTF-8: the file is valid JSON. */
	json_t *a = lt_records(d->fd, ENG_LOG_NAME);
	size_t l;
	const char *s = rec_log(a, 0, &l);
	assert_int_equal(l, sizeof(weird_out) - 1);
	assert_memory_equal(s, weird_out, l);
	json_decref(a);
	/* Raw file: no raw control characters inside the record. */
	char *raw = lt_read(d->fd, ENG_LOG_NAME, &l);
	for (size_t i = 0; i + 1 < l; i++)
		assert_true((unsigned char)raw[i] >= 0x20);
	free(raw);
	struct eng_logs_opts o = { .tail = -1 };
	struct lt_out out;
	lt_print(d->fd, &o, NULL, NULL, &out);
	assert_int_equal(out.rc, 0);
	assert_int_equal(out.out_len, sizeof(weird_out) - 1);
	assert_memory_equal(out.out, weird_out, out.out_len);
	lt_out_free(&out);
}

static void test_torn_record_on_open(void **state)
{
	struct lt_dir *d = *state;
	char *good = lt_line("stdout", 1000000000, "before\n");
	size_t gl = strlen(good);
	char *buf = malloc(gl + 20);
	memcpy(buf, good, gl);
	memcpy(buf + gl, "{\"log\":\"tor", 11);
	lt_write(d->fd, ENG_LOG_NAME, buf, gl + 11);
	struct eng_logw *w = open_w(d, 0, 1);
	FEED(w, ENG_LOG_STDOUT, "after\n");
	eng_logw_close(w);
	lt_log_capture();
	struct eng_logs_opts o = { .tail = -1 };
	struct lt_out out;
	lt_print(d->fd, &o, NULL, NULL, &out);
	char *log = lt_log_take();
	assert_int_equal(out.rc, 0);
	assert_string_equal(out.out, "before\nafter\n");
	assert_int_equal(lt_count(log, "malformed"), 1);
	free(log);
	lt_out_free(&out);
	free(buf);
	free(good);
}

static void test_feed_fd(void **state)
{
	struct lt_dir *d = *state;
	struct brig_err e = { 0 };
	int in[2], tee[2];
	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	assert_int_equal(pipe2(tee, O_CLOEXEC), 0);
	assert_int_equal(brig_write_all(in[1], "a\nb", 3), 0);
	close(in[1]);
	struct eng_logw *w = open_w(d, 0, 1);
	assert_int_equal(eng_logw_feed_fd(w, ENG_LOG_STDERR, in[0], tee[1], &e), 3);
	assert_int_equal(eng_logw_feed_fd(w, ENG_LOG_STDERR, in[0], tee[1], &e), 0);
	close(tee[1]);
	char t[8] = { 0 };
	assert_int_equal(brig_read_all(tee[0], t, sizeof(t)), 3);
	assert_string_equal(t, "a\nb");
	json_t *a = lt_records(d->fd, ENG_LOG_NAME);
	assert_int_equal(json_array_size(a), 2);
	assert_string_equal(rec_log(a, 1, NULL), "b");
	assert_string_equal(rec_str(a, 1, "stream"), "stderr");
	json_decref(a);
	/* A non-blocking fd with nothing to read. */
	int p2[2];
	assert_int_equal(pipe2(p2, O_CLOEXEC | O_NONBLOCK), 0);
	assert_int_equal(eng_logw_feed_fd(w, ENG_LOG_STDOUT, p2[0], -1, &e), -EAGAIN);
	close(p2[0]);
	close(p2[1]);
	close(in[0]);
	close(tee[0]);
	eng_logw_close(w);
}

static void test_bad_args(void **state)
{
	struct lt_dir *d = *state;
	_cleanup_err_ struct brig_err e = { 0 };
	struct eng_logw *w = NULL;
	assert_int_equal(eng_logw_open(d->fd, "a/b", 0, 1, &w, &e), -EINVAL);
	assert_int_equal(eng_logw_open(d->fd, "..", 0, 1, &w, &e), -EINVAL);
	assert_int_equal(eng_logw_open(d->fd, ENG_LOG_NAME, 0, 0, &w, &e), -EINVAL);
	assert_int_equal(eng_logw_open(d->fd, ENG_LOG_NAME, 0, ENG_LOG_MAX_FILES + 1, &w, &e),
			 -EINVAL);
	assert_null(w);
	/* A symlink in place of the log is not followed. */
	assert_int_equal(symlinkat("/etc/passwd", d->fd, ENG_LOG_NAME), 0);
	assert_true(eng_logw_open(d->fd, ENG_LOG_NAME, 0, 1, &w, &e) < 0);
	assert_non_null(strstr(brig_err_str(&e), ENG_LOG_NAME));
	assert_int_equal(unlinkat(d->fd, ENG_LOG_NAME, 0), 0);
	w = open_w(d, 0, 1);
	assert_int_equal(eng_logw_feed(w, 3, "x\n", 2, &e), -EINVAL);
	eng_logw_close(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_split_across_feeds, lt_setup, lt_teardown),
		cmocka_unit_test_setup_teardown(test_partial_and_flush, lt_setup, lt_teardown),
		cmocka_unit_test_setup_teardown(test_cut_16k, lt_setup, lt_teardown),
		cmocka_unit_test_setup_teardown(test_streams_interleaved, lt_setup, lt_teardown),
		cmocka_unit_test_setup_teardown(test_rotation, lt_setup, lt_teardown),
		cmocka_unit_test_setup_teardown(test_rotation_big_record, lt_setup, lt_teardown),
		cmocka_unit_test_setup_teardown(test_rotation_one_file, lt_setup, lt_teardown),
		cmocka_unit_test_setup_teardown(test_encoding_round_trip, lt_setup, lt_teardown),
		cmocka_unit_test_setup_teardown(test_torn_record_on_open, lt_setup, lt_teardown),
		cmocka_unit_test_setup_teardown(test_feed_fd, lt_setup, lt_teardown),
		cmocka_unit_test_setup_teardown(test_bad_args, lt_setup, lt_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
