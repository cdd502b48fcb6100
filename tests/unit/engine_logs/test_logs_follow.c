/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine/logs --follow: a writer thread appends (and rotates) while the
 * reader follows.  The two synchronise through alive(): the writer waits
 * until the reader has polled alive() again after each batch, and alive()
 * turns false once the writer is done.  No timing is asserted.
 */
#include "helpers.h"

#include <fcntl.h>
#include <pthread.h>
#include <string.h>

#define S 1000000000LL
#define T0 (1795895335LL * S)

struct fol {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned long calls; /* alive() calls so far */
	bool done; /* the writer has finished */
	bool reader_done; /* eng_logs_print returned */
	bool always_alive;
	bool failed; /* the writer thread hit an error (no cmocka
				asserts off the main thread) */
	struct lt_dir *d;
	uint64_t max_size;
	unsigned max_files;
	int lines, batch;
	void (*script)(struct fol *f);
};

static bool alive_cb(void *arg)
{
	struct fol *f = arg;
	pthread_mutex_lock(&f->mu);
	f->calls++;
	bool r = f->always_alive || !f->done;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
	return r;
}

/* Wait until the reader polled alive() n more times than *seen. */
static void wait_polls(struct fol *f, unsigned long n)
{
	pthread_mutex_lock(&f->mu);
	unsigned long target = f->calls + n;
	while (f->calls < target && !f->reader_done)
		pthread_cond_wait(&f->cv, &f->mu);
	pthread_mutex_unlock(&f->mu);
}

static void *writer_main(void *arg)
{
	struct fol *f = arg;
	wait_polls(f, 1); /* the reader is following */
	f->script(f);
	pthread_mutex_lock(&f->mu);
	f->done = true;
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

static void script_lines(struct fol *f)
{
	struct brig_err e = { 0 };
	struct eng_logw *w = NULL;
	if (eng_logw_open(f->d->fd, ENG_LOG_NAME, f->max_size, f->max_files, &w, &e) < 0) {
		f->failed = true;
		brig_err_clear(&e);
		return;
	}
	for (int i = 0; i < f->lines; i++) {
		char line[32];
		int l = snprintf(line, sizeof(line), "line %d\n", i);
		if (eng_logw_feed(w, i % 3 ? ENG_LOG_STDOUT : ENG_LOG_STDERR, line, (size_t)l, &e) <
		    0) {
			f->failed = true;
			brig_err_clear(&e);
		}
		/* Two polls: the second comes after the reader caught up
		 * with what the first one saw. */
		if ((i + 1) % f->batch == 0)
			wait_polls(f, 2);
	}
	eng_logw_close(w);
}

static void run(struct fol *f, const struct eng_logs_opts *o, struct lt_out *out)
{
	pthread_t th;
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cv, NULL);
	assert_int_equal(pthread_create(&th, NULL, writer_main, f), 0);
	lt_print(f->d->fd, o, alive_cb, f, out);
	pthread_mutex_lock(&f->mu);
	f->reader_done = true;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
	pthread_join(th, NULL);
	pthread_cond_destroy(&f->cv);
	pthread_mutex_destroy(&f->mu);
	assert_false(f->failed);
	assert_int_equal(out->rc, 0);
}

/* What script_lines writes, split by stream, after prefix. */
static void expected(int lines, const char *prefix_out, char *out, char *err)
{
	strcpy(out, prefix_out);
	err[0] = '\0';
	for (int i = 0; i < lines; i++)
		sprintf(i % 3 ? out + strlen(out) : err + strlen(err), "line %d\n", i);
}

static void follow_case(struct lt_dir *d, uint64_t max_size, unsigned max_files, int batch,
			long tail, bool old_lines)
{
	if (old_lines) {
		char *l = lt_line("stdout", T0, "old\n");
		lt_write(d->fd, ENG_LOG_NAME, l, strlen(l));
		free(l);
	}
	struct fol f = { .d = d,
			 .max_size = max_size,
			 .max_files = max_files,
			 .lines = 60,
			 .batch = batch,
			 .script = script_lines };
	struct eng_logs_opts o = { .tail = tail, .follow = true };
	struct lt_out out;
	run(&f, &o, &out);
	char want_out[4096], want_err[4096];
	expected(f.lines, old_lines && tail != 0 ? "old\n" : "", want_out, want_err);
	assert_string_equal(out.out, want_out);
	assert_string_equal(out.err, want_err);
	lt_out_free(&out);
	if (max_size)
		assert_true(lt_exists(d->fd, max_files > 1 ? "ctr.log.1" : ENG_LOG_NAME));
}

static void test_follow_rotating(void **state)
{
	follow_case(*state, 200, 3, 2, -1, true);
}

static void test_follow_one_file(void **state)
{
	follow_case(*state, 100, 1, 1, -1, true);
}

static void test_follow_tail0(void **state)
{
	follow_case(*state, 0, 1, 5, 0, true);
}

static void test_follow_no_file_yet(void **state)
{
	follow_case(*state, 300, 2, 3, -1, false);
}

/* A record that reaches the file in two pieces is printed once whole. */
static void script_halves(struct fol *f)
{
	char *l = lt_line("stdout", T0, "whole\n");
	size_t n = strlen(l);
	int fd = openat(f->d->fd, ENG_LOG_NAME, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || brig_write_all(fd, l, n / 2) < 0)
		f->failed = true;
	wait_polls(f, 2); /* the reader has seen the first half */
	if (fd < 0 || brig_write_all(fd, l + n / 2, n - n / 2) < 0)
		f->failed = true;
	if (fd >= 0)
		close(fd);
	free(l);
}

static void test_follow_partial_record(void **state)
{
	struct lt_dir *d = *state;
	struct fol f = { .d = d, .script = script_halves };
	struct eng_logs_opts o = { .tail = -1, .follow = true };
	struct lt_out out;
	lt_log_capture();
	run(&f, &o, &out);
	char *log = lt_log_take();
	assert_string_equal(out.out, "whole\n");
	assert_int_equal(lt_count(log, "malformed"), 0);
	free(log);
	lt_out_free(&out);
}

static void script_nothing(struct fol *f)
{
	(void)f;
}

/* --until in the past ends following by itself. */
static void test_follow_until_past(void **state)
{
	struct lt_dir *d = *state;
	char *a = lt_line("stdout", T0, "in\n"), *b = lt_line("stdout", T0 + 10 * S, "out\n");
	char buf[512];
	snprintf(buf, sizeof(buf), "%s%s", a, b);
	lt_write(d->fd, ENG_LOG_NAME, buf, strlen(buf));
	free(a);
	free(b);
	struct fol f = { .d = d, .script = script_nothing, .always_alive = true };
	struct eng_logs_opts o = { .tail = -1, .follow = true, .until_ns = T0 + S };
	struct lt_out out;
	run(&f, &o, &out);
	assert_string_equal(out.out, "in\n");
	lt_out_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_follow_rotating, lt_setup, lt_teardown),
		cmocka_unit_test_setup_teardown(test_follow_one_file, lt_setup, lt_teardown),
		cmocka_unit_test_setup_teardown(test_follow_tail0, lt_setup, lt_teardown),
		cmocka_unit_test_setup_teardown(test_follow_no_file_yet, lt_setup, lt_teardown),
		cmocka_unit_test_setup_teardown(test_follow_partial_record, lt_setup, lt_teardown),
		cmocka_unit_test_setup_teardown(test_follow_until_past, lt_setup, lt_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
