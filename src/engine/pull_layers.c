/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig pull: the layers.  Several at once (max-concurrent-downloads), each
 * in a single pass over the network stream:
 *
 *   libcurl --> reg_blob_get_unhashed (size) --> sink --> blob writer (tmp, sha256)
 *                                                   \--> feed --> unpacker thread
 *                       (image/archive: gunzip/zstd, diff_id, strict unpack
 *                        into layers/.tmp-*)
 *
 * The compressed bytes are hashed once, by the blob writer: the sink
 * gathers them in a block of the feed (pull_feed.c, a bounded buffer in
 * memory: no pipe, no copy through the kernel), hands that very block to
 * the writer and then to the unpacker, and any failure of either stops
 * the pull, so the unpacker reads exactly the bytes the writer hashed.  Nothing takes its name before that digest (img_blob_check)
 * and the unpacker's diff_id match: then the blob is committed and the
 * layer directory renamed.  Any failure removes both temporaries; the first
 * failure of any layer stops the other downloads (their sinks refuse the
 * next bytes) and is the error of the pull.  See docs/registry.md.
 */
#include "engine/pull-internal.h"
#include "engine/config/engine-config.h"

#include <pthread.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#define PROGRESS_EVERY_NS 100000000LL /* byte counts: at most every 100 ms */
/* libcurl hands over 16 KiB at a time; they are gathered into blocks of
 * this size before they go to the blob writer and the unpacker (a
 * sixteenth of the write system calls and of the unpacker's wake-ups). */
#define STAGE_SIZE PULL_FEED_BLOCK

struct xfer {
	struct pull *p;
	const struct img_manifest *m;
	const struct img_config *c;
	struct img_layer_cache cache;
	bool known;
	/* next, err and first; the store's blob writer count (img_blob_writer_open
	 * and img_blob_abort are not thread-safe); progress calls */
	pthread_mutex_t mu;
	size_t next;
	atomic_bool stop;
	int err;
	struct brig_err first;
};

/* One layer being fetched, and its unpacker thread. */
struct job {
	struct xfer *x;
	size_t i;
	const struct img_descriptor *l;
	struct img_blob_writer *w;
	struct pull_feed *feed;
	uint64_t done;
	int64_t reported_ns;
	unsigned char *stage; /* a block of the feed: bytes not yet passed on */
	size_t staged;
	char tmp[IMG_ARCHIVE_LAYER_TMP_MAX];
	int ur; /* the unpacker's result, its error in ue */
	struct brig_err ue;
};

static int64_t now_ns(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Tell the caller (one call at a time, whichever thread). */
static void report(struct xfer *x, size_t i, uint64_t done, const char *status)
{
	const struct eng_pull_opts *o = x->p->o;
	const struct img_descriptor *l = &x->m->layers[i];
	bool final = strcmp(status, ENG_PULL_WAITING) != 0 &&
		strcmp(status, ENG_PULL_DOWNLOADING) != 0;
	if (!o->layer_progress && !(final && o->progress))
		return;
	pthread_mutex_lock(&x->mu);
	if (o->layer_progress) {
		const struct eng_pull_progress lp = { .index = i,
						      .count = x->m->n_layers,
						      .digest = l->digest,
						      .done = done,
						      .total = l->size,
						      .status = status };
		o->layer_progress(o->ctx, &lp);
	}
	if (final && o->progress)
		o->progress(o->ctx, l->digest, status);
	pthread_mutex_unlock(&x->mu);
}

/* The staged bytes to the blob writer (which hashes them), then the very
 * same block to the unpacker, and a free block to fill next. */
static int flush(struct job *j, struct brig_err *e)
{
	if (j->staged == 0)
		return 0;
	int r = img_blob_write(j->w, j->stage, j->staged, e);
	if (r < 0)
		return r;
	pull_feed_put(j->feed, j->staged);
	j->staged = 0;
	j->stage = pull_feed_space(j->feed);
	return 0;
}

static int sink(void *ctx, const void *buf, size_t len, struct brig_err *e)
{
	struct job *j = ctx;
	if (atomic_load(&j->x->stop))
		return brig_err_set(e, -ECANCELED, "stopped: another layer failed");
	for (const unsigned char *p = buf; len > 0;) {
		size_t k = STAGE_SIZE - j->staged < len ? STAGE_SIZE - j->staged : len;
		memcpy(j->stage + j->staged, p, k);
		j->staged += k;
		j->done += k;
		p += k;
		len -= k;
		int r = j->staged == STAGE_SIZE ? flush(j, e) : 0;
		if (r < 0)
			return r;
	}
	if (j->x->p->o->layer_progress) {
		int64_t t = now_ns();
		if (t - j->reported_ns >= PROGRESS_EVERY_NS) {
			j->reported_ns = t;
			report(j->x, j->i, j->done, ENG_PULL_DOWNLOADING);
		}
	}
	return 0;
}

/* The unpacker thread: the layer from the feed; then it leaves the feed,
 * so the download is never blocked by a reader that stopped. */
static void *unpack_main(void *arg)
{
	struct job *j = arg;
	const struct xfer *x = j->x;
	const struct img_layer_feed in = { .read = pull_feed_read, .arg = j->feed };
	j->ur = img_archive_unpack_stream(&x->cache, &in, j->l, x->c->diff_ids[j->i], j->tmp,
					  &j->ue);
	pull_feed_leave(j->feed);
	return NULL;
}

static int open_writer(struct job *j, struct brig_err *e)
{
	pthread_mutex_lock(&j->x->mu);
	int r = img_blob_writer_open(j->x->p->s, j->l->digest, j->l->size, &j->w, e);
	pthread_mutex_unlock(&j->x->mu);
	return r;
}

static void close_writer(struct job *j)
{
	pthread_mutex_lock(&j->x->mu);
	img_blob_abort(j->w); /* frees it; removes the temporary file unless committed */
	j->w = NULL;
	pthread_mutex_unlock(&j->x->mu);
}

/* After the download and the unpacker: the download's error first, then
 * the blob's digest (both say what was wrong with the bytes), then the
 * unpacker's error; when all is well, commit the blob, then rename the
 * layer directory. */
static int settle(struct job *j, int r, struct brig_err *e)
{
	if (r == 0)
		r = img_blob_check(j->w, e);
	if (r == 0 && j->ur < 0)
		r = brig_err_set(e, j->ur, "%s", brig_err_str(&j->ue));
	char got[IMG_DIGEST_SIZE];
	uint64_t size = 0;
	if (r == 0)
		r = img_blob_commit(j->w, got, &size, e);
	if (r == 0)
		r = img_archive_layer_publish(&j->x->cache, j->tmp, j->x->c->diff_ids[j->i], e);
	img_archive_layer_discard(&j->x->cache, j->tmp);
	return r;
}

static int stream_layer(struct job *j, struct reg_client *c, struct brig_err *e)
{
	if (!(j->feed = pull_feed_new()))
		return brig_err_oom(e);
	pthread_t t;
	bool running = false;
	int r = open_writer(j, e);
	if (r == 0) {
		int tr = pthread_create(&t, NULL, unpack_main, j);
		running = tr == 0;
		if (tr != 0)
			r = brig_err_sys(e, tr, "starting the unpacker thread");
	}
	if (r == 0) {
		j->stage = pull_feed_space(j->feed);
		r = reg_blob_get_unhashed(c, j->x->p->ref.path, j->l->digest, j->l->size, sink, j,
					  e);
	}
	if (r == 0)
		r = flush(j, e);
	/* the unpacker sees the end, or at once that the download failed */
	pull_feed_close(j->feed, r < 0 ? -ECANCELED : 0);
	if (running)
		(void)pthread_join(t, NULL);
	pull_feed_free(j->feed);
	j->feed = NULL;
	j->stage = NULL;
	r = settle(j, r, e);
	if (j->w)
		close_writer(j);
	brig_err_clear(&j->ue);
	return r;
}

/* One layer: present (blob and directory), unpacked from the store, or
 * fetched. */
static int do_layer(struct xfer *x, struct reg_client *c, size_t i, struct brig_err *e)
{
	const struct img_descriptor *l = &x->m->layers[i];
	const char *diff_id = x->c->diff_ids[i];
	int had = img_blob_exists(x->p->s, l->digest, e);
	int dir = had > 0 && x->known ? img_archive_layer_cached(&x->cache, diff_id, e) : 0;
	int r = had < 0 ? had : dir < 0 ? dir : 0;
	if (r == 0 && had && !dir)
		r = img_archive_unpack_cached(&x->cache, x->p->s, l, diff_id, e);
	if (r == 0 && !had) {
		struct job j = { .x = x, .i = i, .l = l };
		r = stream_layer(&j, c, e);
	}
	if (r < 0)
		return brig_err_wrap(e, "layer %zu", i + 1);
	report(x, i, l->size, had ? ENG_PULL_EXISTS : ENG_PULL_COMPLETE);
	return 0;
}

static void fail(struct xfer *x, int r, struct brig_err *e)
{
	pthread_mutex_lock(&x->mu);
	if (!x->err) {
		x->err = r;
		x->first = *e; /* moved */
		*e = (struct brig_err){ 0 };
	}
	atomic_store(&x->stop, true);
	pthread_mutex_unlock(&x->mu);
	brig_err_clear(e);
}

/* Take the next layer; false when there is none or the pull stopped. */
static bool take(struct xfer *x, size_t *i)
{
	pthread_mutex_lock(&x->mu);
	bool ok = !atomic_load(&x->stop) && x->next < x->m->n_layers;
	if (ok)
		*i = x->next++;
	pthread_mutex_unlock(&x->mu);
	return ok;
}

struct worker {
	struct xfer *x;
	pthread_t t;
	bool started;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct xfer *x = w->x;
	struct brig_err e = { 0 };
	struct reg_client *c = NULL;
	size_t i;
	/* the first worker (the calling thread) has the pull's own client */
	int r = w->started ? reg_client_new(&x->p->ro, &c, &e) : 0;
	if (r < 0)
		fail(x, r, &e);
	if (r == 0)
		reg_client_cancel_on(c ? c : x->p->c, &x->stop);
	while (r == 0 && take(x, &i))
		if ((r = do_layer(x, c ? c : x->p->c, i, &e)) < 0)
			fail(x, r, &e);
	if (!w->started)
		reg_client_cancel_on(x->p->c, NULL);
	reg_client_free(c);
	return NULL;
}

int eng_pull_layers(struct pull *p, const struct img_manifest *m, const struct img_config *c,
		    bool known, struct brig_err *e)
{
	struct xfer x = {
		.p = p, .m = m, .c = c, .cache = { .dirfd = p->layers_fd }, .known = known
	};
	if (pthread_mutex_init(&x.mu, NULL) != 0)
		return brig_err_set(e, -ENOMEM, "pthread_mutex_init");
	for (size_t i = 0; i < m->n_layers; i++)
		report(&x, i, 0, ENG_PULL_WAITING);
	size_t n = p->max_downloads < m->n_layers ? p->max_downloads : m->n_layers;
	struct worker w[ENG_CONFIG_MAX_DOWNLOADS + 1] = { 0 };
	for (size_t k = 1; k < n; k++) {
		w[k] = (struct worker){ .x = &x, .started = true };
		int tr = pthread_create(&w[k].t, NULL, worker_main, &w[k]);
		if (tr != 0) {
			w[k].started = false;
			break; /* fewer threads: the others take its share */
		}
	}
	w[0] = (struct worker){ .x = &x };
	worker_main(&w[0]);
	for (size_t k = 1; k < n; k++)
		if (w[k].started)
			(void)pthread_join(w[k].t, NULL);
	pthread_mutex_destroy(&x.mu);
	if (!x.err)
		return 0;
	brig_err_clear(e);
	*e = x.first;
	return x.err;
}
