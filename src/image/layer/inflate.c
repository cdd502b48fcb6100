/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unpacking a layer: decompression in a thread of its own.
 *
 * Decompressing is the largest single cost of unpacking a compressed layer
 * (gzip's inflate: about half the CPU of a pull).  Done in the same thread
 * as the tar reader, the diff_id hash and the file writes, it makes one long
 * serial chain; here the decompressor (the raw reader over in_fd, or
 * igzip.c's for gzip, with the compressed bytes' hash and count) runs in
 * its own thread and hands its output blocks through a small queue of
 * buffers to the tar side, so the two halves use two cores.
 *
 * Nothing is judged differently: each slot carries the count of compressed
 * bytes read when its block came out of the decompressor, and the tar side
 * applies the ratio limit with that count, block by block, as the serial
 * reader does (a block larger than a slot is split, and each part checked:
 * never looser).  The decompressor's error (a read error, a limit on the
 * compressed input, a corrupt stream) is handed over after the blocks that
 * came before it, so the tar side sees it where the serial reader would.
 * After the decompressor's end the thread reads in_fd to its end (hashing
 * and counting, as drain() does when serial) before saying "end".
 *
 * The thread works on a context of its own (side): only in_fd, the
 * compressed hash, the input buffer and the compressed count move there, and
 * they move back once the thread is joined.
 */
#include "image/layer/layer-internal.h"

#include "image/libarchive-shim.h"
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SLOT_SIZE (64 * 1024)
#define N_SLOTS 32

struct layer_inflater {
	struct unpack_ctx side;
	struct img_unpack_result side_res;
	struct brig_err side_e;
	pthread_t t;
	pthread_mutex_t mu;
	pthread_cond_t can_put, can_get;
	unsigned char *buf[N_SLOTS];
	size_t len[N_SLOTS];
	uint64_t in[N_SLOTS];
	size_t head, count; /* the oldest filled slot, how many are filled */
	bool held; /* the tar side holds slot head (libarchive's buffer) */
	bool done, stop;
	struct layer_igzip *igzip; /* gzip through igzip, else libarchive */
	int err; /* with done: 0 at the end, else the error (side_e) */
};

/* A free slot's index, or -1 when the tar side said stop. */
static int free_slot(struct layer_inflater *q)
{
	pthread_mutex_lock(&q->mu);
	while (q->count == N_SLOTS && !q->stop)
		pthread_cond_wait(&q->can_put, &q->mu);
	int i = q->stop ? -1 : (int)((q->head + q->count) % N_SLOTS);
	pthread_mutex_unlock(&q->mu);
	return i;
}

static void put_slot(struct layer_inflater *q, size_t len, uint64_t in)
{
	pthread_mutex_lock(&q->mu);
	size_t i = (q->head + q->count) % N_SLOTS;
	q->len[i] = len;
	q->in[i] = in;
	q->count++;
	pthread_cond_signal(&q->can_get);
	pthread_mutex_unlock(&q->mu);
}

static void finish(struct layer_inflater *q, int err)
{
	pthread_mutex_lock(&q->mu);
	q->done = true;
	q->err = err;
	pthread_cond_signal(&q->can_get);
	pthread_mutex_unlock(&q->mu);
}

/* One decompressed block into as many slots as it takes; false on stop. */
static bool put_block(struct layer_inflater *q, const unsigned char *p, size_t n)
{
	while (n > 0) {
		int i = free_slot(q);
		if (i < 0)
			return false;
		size_t k = n < SLOT_SIZE ? n : SLOT_SIZE;
		memcpy(q->buf[i], p, k);
		put_slot(q, k, q->side_res.compressed_bytes);
		p += k;
		n -= k;
	}
	return true;
}

/* igzip's output straight into the slots; then in_fd to its end. */
static int igzip_main(struct layer_inflater *q)
{
	struct unpack_ctx *s = &q->side;
	for (;;) {
		int i = free_slot(q);
		if (i < 0)
			return -ECANCELED;
		ssize_t n = layer_igzip_read(s, q->igzip, q->buf[i], SLOT_SIZE);
		if (n < 0)
			return (int)n;
		if (n == 0)
			return layer_in_drain(s);
		put_slot(q, (size_t)n, q->side_res.compressed_bytes);
	}
}

static void *inflate_main(void *arg)
{
	struct layer_inflater *q = arg;
	struct unpack_ctx *s = &q->side;
	if (q->igzip) {
		finish(q, igzip_main(q));
		return NULL;
	}
	int r = layer_open_raw(s);
	for (;;) {
		const void *buf;
		la_ssize_t n = r == 0 ? layer_raw_next(s, NULL, &buf) : r;
		if (n < 0) {
			r = s->stopped ? s->stopped : (int)n;
			break;
		}
		if (n == 0) {
			r = layer_in_drain(s);
			break;
		}
		if (!put_block(q, buf, (size_t)n)) {
			r = -ECANCELED;
			break;
		}
	}
	finish(q, r);
	return NULL;
}

static void inflater_free(struct layer_inflater *q)
{
	for (size_t i = 0; i < N_SLOTS; i++)
		free(q->buf[i]);
	if (q->side.raw)
		archive_read_free(q->side.raw);
	layer_igzip_free(q->igzip);
	brig_err_clear(&q->side_e);
	pthread_cond_destroy(&q->can_get);
	pthread_cond_destroy(&q->can_put);
	pthread_mutex_destroy(&q->mu);
	free(q);
}

static struct layer_inflater *inflater_new(void)
{
	struct layer_inflater *q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	bool ok = pthread_mutex_init(&q->mu, NULL) == 0;
	ok = pthread_cond_init(&q->can_put, NULL) == 0 && ok;
	ok = pthread_cond_init(&q->can_get, NULL) == 0 && ok;
	for (size_t i = 0; ok && i < N_SLOTS; i++)
		ok = (q->buf[i] = malloc(SLOT_SIZE)) != NULL;
	if (!ok) {
		inflater_free(q);
		return NULL;
	}
	return q;
}

int layer_inflater_start(struct unpack_ctx *c)
{
	struct layer_inflater *q = inflater_new();
	if (!q)
		return brig_err_set(c->e, -ENOMEM, "allocating the decompression buffers");
	if (c->res->compression == IMG_COMP_GZIP)
		q->igzip = layer_igzip_new();
	q->side_res.compression = c->res->compression;
	q->side_res.compressed_bytes = c->res->compressed_bytes;
	q->side = (struct unpack_ctx){ .o = c->o,
				       .lim = c->lim,
				       .res = &q->side_res,
				       .e = &q->side_e,
				       .in_fd = c->in_fd,
				       .root = -1,
				       .h_comp = c->h_comp,
				       .inbuf = c->inbuf,
				       .pending = c->pending };
	int tr = pthread_create(&q->t, NULL, inflate_main, q);
	if (tr != 0) {
		inflater_free(q);
		return brig_err_sys(c->e, tr, "starting the decompression thread");
	}
	c->h_comp = NULL; /* the thread's until layer_inflater_stop */
	c->inbuf = NULL;
	c->pending = 0;
	c->inflater = q;
	return 0;
}

la_ssize_t layer_inflater_next(struct unpack_ctx *c, const void **buf, uint64_t *in,
			       const char **msg)
{
	struct layer_inflater *q = c->inflater;
	pthread_mutex_lock(&q->mu);
	if (q->held) {
		q->held = false;
		q->head = (q->head + 1) % N_SLOTS;
		q->count--;
		pthread_cond_signal(&q->can_put);
	}
	while (q->count == 0 && !q->done)
		pthread_cond_wait(&q->can_get, &q->mu);
	la_ssize_t n;
	if (q->count > 0) {
		q->held = true;
		*buf = q->buf[q->head];
		*in = q->in[q->head];
		n = (la_ssize_t)q->len[q->head];
	} else {
		n = q->err;
		*msg = brig_err_str(&q->side_e);
	}
	pthread_mutex_unlock(&q->mu);
	return n;
}

void layer_inflater_stop(struct unpack_ctx *c)
{
	struct layer_inflater *q = c->inflater;
	if (!q)
		return;
	pthread_mutex_lock(&q->mu);
	q->stop = true;
	pthread_cond_signal(&q->can_put);
	pthread_mutex_unlock(&q->mu);
	(void)pthread_join(q->t, NULL);
	c->res->compressed_bytes = q->side_res.compressed_bytes;
	c->h_comp = q->side.h_comp;
	c->inbuf = q->side.inbuf;
	c->inflater = NULL;
	inflater_free(q);
}
