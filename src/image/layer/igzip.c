/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gzip layers decompressed by ISA-L's igzip rather than by zlib.
 *
 * Inflating is the longest stage of a pull's single pass (the network
 * stream, the compressed digest and the blob write take less time than
 * zlib's inflate of the same bytes), so it bounds the pull; igzip decodes
 * the same deflate streams in about 60% of zlib's time.  libisal.so.2 is
 * loaded when the first gzip layer is unpacked (common/lazylib.h); without
 * it, or with BRIG_IGZIP=0 in the environment, libarchive's zlib filter
 * does the work as before.
 *
 * The stream is judged as libarchive judges it, and no looser: each member
 * is a gzip header, deflate data and the trailer (whose CRC-32 and length
 * igzip checks, which libarchive 3.6 does not); after a member, another
 * starts only where the next bytes are a gzip header's first four
 * (1f 8b 08 and no reserved flag), and anything else ends the stream (its
 * bytes are still read and hashed by layer_in_drain).  A stream that ends
 * inside a member is truncated.  The compressed input comes through
 * layer_in_read, which hashes and counts it as the raw reader's callback
 * does, in blocks of at most IN_SIZE so that the ratio limit sees input and
 * output advance in step.
 */
#include "image/layer/layer-internal.h"

#include "common/lazylib.h"

#include <isa-l/igzip_lib.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define IN_SIZE (16 * 1024)

struct isal_api {
	__typeof__(isal_inflate_init) *f_inflate_init;
	__typeof__(isal_inflate) *f_inflate;
};

static struct isal_api isal;
static bool loaded;

struct layer_igzip {
	struct inflate_state st;
	unsigned char in[IN_SIZE];
	size_t lo, hi; /* in[lo, hi): read, not yet given to igzip */
	bool eof; /* in_fd has ended */
	bool started; /* the first member was begun */
	bool in_member;
	bool ended; /* after the last member */
};

static void load_once(void)
{
	static const struct brig_lazy_sym syms[] = {
		BRIG_LAZY_SYM(struct isal_api, f_inflate_init, "isal_inflate_init"),
		BRIG_LAZY_SYM(struct isal_api, f_inflate, "isal_inflate"),
	};
	const char *off = getenv("BRIG_IGZIP");
	if (off && strcmp(off, "0") == 0)
		return;
	struct brig_err e = { 0 };
	/* ISA-L 2's soname (Debian 12 ships 2.30) */
	loaded = brig_lazy_load("libisal.so.2", syms, BRIG_ARRAY_SIZE(syms), &isal, sizeof(isal),
				&e) == 0;
	if (!loaded)
		brig_debug("gzip layers through zlib: %s", brig_err_str(&e));
	brig_err_clear(&e);
}

struct layer_igzip *layer_igzip_new(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	(void)pthread_once(&once, load_once);
	return loaded ? calloc(1, sizeof(struct layer_igzip)) : NULL;
}

void layer_igzip_free(struct layer_igzip *g)
{
	free(g);
}

static ssize_t fail(struct unpack_ctx *c, const char *why)
{
	if (!c->stopped)
		c->stopped = brig_err_set(c->e, -EINVAL, "decompressing the layer (gzip): %s", why);
	return c->stopped;
}

static const char *isal_error(int r)
{
	switch (r) {
	case ISAL_INVALID_BLOCK:
		return "invalid deflate block";
	case ISAL_INVALID_SYMBOL:
		return "invalid deflate symbol";
	case ISAL_INVALID_LOOKBACK:
		return "invalid back-reference distance";
	case ISAL_INVALID_WRAPPER:
		return "invalid gzip header";
	case ISAL_UNSUPPORTED_METHOD:
		return "unsupported compression method";
	case ISAL_INCORRECT_CHECKSUM:
		return "the gzip trailer's CRC-32 or length does not match the data";
	}
	return "corrupt stream";
}

/* More input after in[hi] (what is left moved to the front first). */
static int fill(struct unpack_ctx *c, struct layer_igzip *g)
{
	if (g->lo > 0) {
		memmove(g->in, g->in + g->lo, g->hi - g->lo);
		g->hi -= g->lo;
		g->lo = 0;
	}
	if (g->hi == sizeof(g->in))
		return 0;
	ssize_t n = layer_in_read(c, g->in + g->hi, sizeof(g->in) - g->hi);
	if (n < 0)
		return (int)n;
	g->eof = n == 0;
	g->hi += (size_t)n;
	return 0;
}

/* Where a member may start: 1 when one does (igzip set up for it), 0 at
 * the end of the stream.  The first member always starts (igzip judges
 * its header). */
static int next_member(struct unpack_ctx *c, struct layer_igzip *g)
{
	while (g->hi - g->lo < 4 && !g->eof) {
		int r = fill(c, g);
		if (r < 0)
			return r;
	}
	const unsigned char *p = g->in + g->lo;
	if (g->started &&
	    (g->hi - g->lo < 4 || p[0] != 0x1f || p[1] != 0x8b || p[2] != 8 || (p[3] & 0xe0) != 0))
		return 0;
	isal.f_inflate_init(&g->st);
	g->st.crc_flag = ISAL_GZIP;
	g->started = g->in_member = true;
	return 1;
}

/* One igzip call over in[lo, hi) into out[0, cap); what it used and made. */
static int step(struct layer_igzip *g, unsigned char *out, size_t cap, size_t *used, size_t *made)
{
	g->st.next_in = g->in + g->lo;
	g->st.avail_in = (uint32_t)(g->hi - g->lo);
	g->st.next_out = out;
	g->st.avail_out = (uint32_t)cap;
	int r = isal.f_inflate(&g->st);
	size_t lo = (size_t)(g->st.next_in - g->in);
	*used = lo - g->lo;
	g->lo = lo;
	*made = cap - g->st.avail_out;
	return r;
}

ssize_t layer_igzip_read(struct unpack_ctx *c, struct layer_igzip *g, unsigned char *out,
			 size_t cap)
{
	size_t got = 0;
	while (got < cap && !g->ended) {
		int r = g->in_member ? 0 : next_member(c, g);
		if (r < 0)
			return r;
		if (!g->in_member) {
			g->ended = true;
			break;
		}
		size_t used, made;
		r = step(g, out + got, cap - got, &used, &made);
		got += made;
		if (r < 0)
			return fail(c, isal_error(r));
		if (g->st.block_state == ISAL_BLOCK_FINISH) {
			g->in_member = false;
			continue;
		}
		if (used > 0 || made > 0)
			continue;
		if (g->lo < g->hi)
			return fail(c, "the decompressor is stuck");
		if (g->eof)
			return fail(c, "truncated gzip input");
		if ((r = fill(c, g)) < 0)
			return r;
	}
	return (ssize_t)got;
}
