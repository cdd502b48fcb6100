/* SPDX-License-Identifier: Apache-2.0 */
/* brig pull's feed (src/engine/pull_feed.c): what the download hands over
 * comes out whole and in order through reads of any size, the download
 * waiting while the buffer is full; a failed download stops the reader at
 * once, before the blocks still queued; a reader that stopped never makes
 * the download wait.  Each test is bounded by alarm(): a wait that never
 * ends kills the test instead of hanging it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/pull-internal.h"

#define N_BLOCKS 20 /* more than the feed holds: the writer has to wait */
#define LAST_LEN 1234

static unsigned char byte_at(size_t i)
{
	return (unsigned char)(i * 7 + i / 251);
}

static size_t block_len(size_t b)
{
	return b == N_BLOCKS - 1 ? LAST_LEN : PULL_FEED_BLOCK;
}

static void *writer(void *arg)
{
	struct pull_feed *f = arg;
	size_t at = 0;
	for (size_t b = 0; b < N_BLOCKS; b++) {
		unsigned char *p = pull_feed_space(f);
		for (size_t k = 0; k < block_len(b); k++)
			p[k] = byte_at(at + k);
		at += block_len(b);
		pull_feed_put(f, block_len(b));
	}
	pull_feed_close(f, 0);
	return NULL;
}

static void feed_in_order(void **state)
{
	(void)state;
	alarm(60);
	struct pull_feed *f = pull_feed_new();
	assert_non_null(f);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, writer, f), 0);
	unsigned char buf[1000]; /* not a divisor of the block size */
	size_t at = 0;
	for (;;) {
		ssize_t n = pull_feed_read(f, buf, sizeof(buf));
		assert_true(n >= 0);
		if (n == 0)
			break;
		for (ssize_t k = 0; k < n; k++)
			if (buf[k] != byte_at(at + (size_t)k))
				fail_msg("byte %zu differs", at + (size_t)k);
		at += (size_t)n;
	}
	assert_int_equal(at, (N_BLOCKS - 1) * (size_t)PULL_FEED_BLOCK + LAST_LEN);
	assert_int_equal(pull_feed_read(f, buf, sizeof(buf)), 0); /* the end stays the end */
	assert_int_equal(pthread_join(t, NULL), 0);
	pull_feed_free(f);
	alarm(0);
}

static void failed_download_stops_reader(void **state)
{
	(void)state;
	alarm(60);
	struct pull_feed *f = pull_feed_new();
	assert_non_null(f);
	for (int b = 0; b < 2; b++) {
		unsigned char *p = pull_feed_space(f);
		memset(p, 'x', 100);
		pull_feed_put(f, 100);
	}
	pull_feed_close(f, -ECANCELED);
	char buf[64];
	/* not the 200 bytes still queued: nothing after a broken download is
	 * unpacked */
	assert_int_equal(pull_feed_read(f, buf, sizeof(buf)), -ECANCELED);
	assert_int_equal(pull_feed_read(f, buf, sizeof(buf)), -ECANCELED);
	pull_feed_leave(f);
	pull_feed_free(f);
	alarm(0);
}

static void reader_gone_never_blocks(void **state)
{
	(void)state;
	alarm(60);
	struct pull_feed *f = pull_feed_new();
	assert_non_null(f);
	char buf[10];
	unsigned char *p = pull_feed_space(f);
	memset(p, 'a', 10);
	pull_feed_put(f, 10);
	assert_int_equal(pull_feed_read(f, buf, 5), 5); /* half a block read */
	pull_feed_leave(f);
	/* far more blocks than the feed holds, and no reader: none waits */
	for (size_t b = 0; b < 4 * N_BLOCKS; b++) {
		p = pull_feed_space(f);
		assert_non_null(p);
		memset(p, 'b', PULL_FEED_BLOCK);
		pull_feed_put(f, PULL_FEED_BLOCK);
	}
	pull_feed_close(f, 0);
	pull_feed_free(f);
	alarm(0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(feed_in_order),
		cmocka_unit_test(failed_download_stops_reader),
		cmocka_unit_test(reader_gone_never_blocks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
