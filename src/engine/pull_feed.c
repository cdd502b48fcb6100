/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig pull: the bounded buffer between a layer's download and its
 * unpacker (pull_layers.c).
 *
 * It replaces a pipe.  Through the pipe every compressed byte was copied
 * into the kernel by the download thread and out again by the
 * decompression thread, 16 KiB per read(), each read a system call and
 * often a sleep and a wake-up; the profile of a pull of a 120 MB layer
 * showed those copies and calls as a tenth of the CPU of the thread that
 * bounds the pull (the decompression thread).  Here the download thread
 * fills a block of this queue, gives that very block to the blob writer
 * (which hashes it), then hands it over unchanged; the reader copies out
 * of it what it asks for (igzip's 16 KiB input blocks, so the ratio limit
 * still sees input and output advance in step) and gives the block back
 * when it is used up.  At most FEED_BLOCKS blocks are in flight, so a slow
 * unpacker slows the download as the pipe's buffer did.
 *
 * Ends: the writer says the end (the reader sees 0 once it has read every
 * block) or that it failed (the reader gets its code, at once: nothing
 * after a broken download is unpacked); the reader says it is gone (it
 * failed, or the stream ended), and from then on the writer's blocks are
 * dropped as they are handed over, so the download still runs to its end
 * and its digest is still checked, as when the pipe was drained.
 */
#include "engine/pull-internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define FEED_BLOCKS 8

struct pull_feed {
	pthread_mutex_t mu;
	pthread_cond_t can_put, can_get;
	unsigned char *buf[FEED_BLOCKS];
	size_t len[FEED_BLOCKS];
	size_t head, count; /* the oldest filled block, how many are filled */
	size_t pos; /* bytes of block head read already */
	int end; /* 1: the writer ended; <0: it failed with this code */
	bool gone; /* the reader stopped */
};

void pull_feed_free(struct pull_feed *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < FEED_BLOCKS; i++)
		free(f->buf[i]);
	pthread_cond_destroy(&f->can_get);
	pthread_cond_destroy(&f->can_put);
	pthread_mutex_destroy(&f->mu);
	free(f);
}

struct pull_feed *pull_feed_new(void)
{
	struct pull_feed *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	bool ok = pthread_mutex_init(&f->mu, NULL) == 0;
	ok = pthread_cond_init(&f->can_put, NULL) == 0 && ok;
	ok = pthread_cond_init(&f->can_get, NULL) == 0 && ok;
	for (size_t i = 0; ok && i < FEED_BLOCKS; i++)
		ok = (f->buf[i] = malloc(PULL_FEED_BLOCK)) != NULL;
	if (!ok) {
		pull_feed_free(f);
		return NULL;
	}
	return f;
}

unsigned char *pull_feed_space(struct pull_feed *f)
{
	pthread_mutex_lock(&f->mu);
	while (f->count == FEED_BLOCKS && !f->gone)
		pthread_cond_wait(&f->can_put, &f->mu);
	/* when the reader is gone nothing is filled: block head is free */
	unsigned char *p = f->buf[(f->head + f->count) % FEED_BLOCKS];
	pthread_mutex_unlock(&f->mu);
	return p;
}

void pull_feed_put(struct pull_feed *f, size_t len)
{
	pthread_mutex_lock(&f->mu);
	if (!f->gone && len > 0) {
		f->len[(f->head + f->count) % FEED_BLOCKS] = len;
		f->count++;
		pthread_cond_signal(&f->can_get);
	}
	pthread_mutex_unlock(&f->mu);
}

void pull_feed_close(struct pull_feed *f, int err)
{
	pthread_mutex_lock(&f->mu);
	f->end = err < 0 ? err : 1;
	pthread_cond_signal(&f->can_get);
	pthread_mutex_unlock(&f->mu);
}

void pull_feed_leave(struct pull_feed *f)
{
	pthread_mutex_lock(&f->mu);
	f->gone = true;
	f->head = 0;
	f->count = 0;
	f->pos = 0;
	pthread_cond_signal(&f->can_put);
	pthread_mutex_unlock(&f->mu);
}

ssize_t pull_feed_read(void *arg, void *buf, size_t len)
{
	struct pull_feed *f = arg;
	pthread_mutex_lock(&f->mu);
	while (f->count == 0 && f->end == 0)
		pthread_cond_wait(&f->can_get, &f->mu);
	ssize_t n;
	if (f->end < 0) {
		n = f->end; /* a failed download: stop now */
	} else if (f->count == 0) {
		n = 0;
	} else {
		size_t k = f->len[f->head] - f->pos;
		k = k < len ? k : len;
		memcpy(buf, f->buf[f->head] + f->pos, k);
		f->pos += k;
		if (f->pos == f->len[f->head]) {
			f->pos = 0;
			f->head = (f->head + 1) % FEED_BLOCKS;
			f->count--;
			pthread_cond_signal(&f->can_put);
		}
		n = (ssize_t)k;
	}
	pthread_mutex_unlock(&f->mu);
	return n;
}
