/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Crash safety: children ingest large blobs and are SIGKILLed at random
 * points (after a random number of chunks, which may fall inside a blob, at
 * its commit, or between blobs).  Afterwards every name in blobs/sha256
 * must hold exactly its digest's content (check finds nothing corrupt), the
 * only debris may be ".tmp-*" files, and gc removes them.
 */
#include "tests/unit/testutil.h"
#include "helpers.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

enum { CHUNK = 64 * 1024, CHUNKS = 128, BLOBS = 3, RUNS = 6 };

static char dir[256];
static struct img_store *st;

static int setup(void **state)
{
	(void)state;
	st = th_store_new(dir, sizeof(dir));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	img_store_close(st);
	st = NULL;
	th_rmtree(dir);
	return 0;
}

static void fill(uint64_t *x, unsigned char *buf)
{
	for (size_t i = 0; i < CHUNK; i += 8) {
		*x ^= *x << 13;
		*x ^= *x >> 7;
		*x ^= *x << 17;
		memcpy(buf + i, x, 8);
	}
}

/* Ingest BLOBS blobs, one progress byte per chunk and per commit; with
 * pause_at > 0, stop for good after that many chunks of the first blob. */
static int child(int progress, uint64_t seed, int pause_at)
{
	struct brig_err e = { 0 };
	struct img_store *s = NULL;
	static unsigned char buf[CHUNK];
	if (img_store_open(dir, false, &s, &e) < 0)
		return 1;
	uint64_t x = seed | 1;
	for (int b = 0; b < BLOBS; b++) {
		struct img_blob_writer *w = NULL;
		if (img_blob_writer_open(s, NULL, (uint64_t)CHUNK * CHUNKS, &w, &e) < 0)
			return 2;
		for (int i = 0; i < CHUNKS; i++) {
			fill(&x, buf);
			if (img_blob_write(w, buf, CHUNK, &e) < 0 || write(progress, "w", 1) != 1)
				return 3;
			if (b == 0 && i + 1 == pause_at)
				for (;;)
					pause();
		}
		if (img_blob_commit(w, NULL, NULL, &e) < 0 || write(progress, "c", 1) != 1)
			return 4;
		img_blob_abort(w);
	}
	img_store_close(s);
	return 0;
}

static pid_t spawn(uint64_t seed, int pause_at, int *progress)
{
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid_t pid = test_fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		_exit(child(p[1], seed, pause_at));
	}
	close(p[1]);
	*progress = p[0];
	return pid;
}

/* Wait for n progress bytes (fewer if the child finishes first). */
static void await_progress(int fd, int n)
{
	char buf[256];
	while (n > 0) {
		ssize_t got = read(fd, buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf));
		if (got <= 0)
			return;
		n -= (int)got;
	}
}

static void kill_child(pid_t pid, int fd)
{
	assert_int_equal(kill(pid, SIGKILL), 0);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	close(fd);
}

static void test_killed_ingests(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	struct th_image keep;
	th_make_image(st, "kept", &keep);
	assert_int_equal(img_store_tag(st, &keep.desc, "kept", &e), 0);

	/* First a writer stopped halfway through a blob: it is alive, so gc
	 * must leave its temporary file alone (it cannot even start). */
	int fd;
	pid_t pid = spawn(42, CHUNKS / 2, &fd);
	await_progress(fd, CHUNKS / 2);
	json_t *rep = NULL;
	assert_int_equal(img_store_gc(st, false, &rep, &e), -EBUSY);
	assert_int_equal(th_count_temps(dir), 1);
	kill_child(pid, fd);

	unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
	fprintf(stderr, "# kill points from seed %u\n", seed);
	srandom(seed);
	for (int run = 0; run < RUNS; run++) {
		int total = BLOBS * (CHUNKS + 1);
		int at = 1 + (int)(random() % total);
		pid = spawn((uint64_t)random() << 20 | (uint64_t)run, 0, &fd);
		await_progress(fd, at);
		kill_child(pid, fd);
	}
	int temps = th_count_temps(dir);
	assert_true(temps >= 1);

	/* No name under blobs/sha256 holds anything but its content. */
	assert_int_equal(img_store_check(st, false, &rep, &e), 0);
	assert_true(json_is_true(json_object_get(rep, "ok")));
	assert_int_equal(json_array_size(json_object_get(rep, "corrupt_blobs")), 0);
	assert_int_equal(json_array_size(json_object_get(rep, "temp_files")), (size_t)temps);
	json_decref(rep);

	assert_int_equal(img_store_gc(st, false, &rep, &e), 0);
	assert_int_equal(json_array_size(json_object_get(rep, "removed_temps")), (size_t)temps);
	json_decref(rep);
	assert_int_equal(th_count_temps(dir), 0);
	assert_int_equal(img_store_check(st, false, &rep, &e), 0);
	assert_int_equal(json_integer_value(json_object_get(rep, "blobs")), 3);
	json_decref(rep);
	struct img_descriptor d;
	assert_int_equal(img_store_resolve(st, "kept", &d, &e), 0);
	img_descriptor_clear(&d);
	th_image_clear(&keep);
	brig_err_clear(&e);
}

/* A complete ingest in a child that is then killed leaves a whole blob. */
static void test_finished_then_killed(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	int fd;
	pid_t pid = spawn(7, 0, &fd);
	await_progress(fd, BLOBS * (CHUNKS + 1));
	kill_child(pid, fd);
	json_t *rep = NULL;
	assert_int_equal(img_store_check(st, false, &rep, &e), 0);
	assert_int_equal(json_integer_value(json_object_get(rep, "blobs")), BLOBS);
	assert_int_equal(json_array_size(json_object_get(rep, "temp_files")), 0);
	json_decref(rep);
	brig_err_clear(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_killed_ingests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_finished_then_killed, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
