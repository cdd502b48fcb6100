/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig reaches libcrypto through trampolines (scripts/gen-crypto-lazy.sh,
 * from crypto-lazy.syms) and loads it with brig_lazy_once on the first
 * call, not at every start.  libcrypto was the largest library brig
 * linked: 17,000 relocations and the page faults they cost, paid twice by
 * every `brig run` (brig re-executes itself for its self-protection), in
 * commands that never call it (run, start, ps, rm...).  Linked into brig
 * only (meson: crypto_lazy_src); with --as-needed libcrypto is then no
 * longer among brig's DT_NEEDED.  If libcrypto cannot be loaded, brig
 * cannot go on from the call that needs it: it says so and aborts, as the
 * dynamic loader would have refused to start it.
 */
#include "common/lazylib.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define CRYPTO_SONAME "libcrypto.so.3"

/* From the generated trampolines. */
extern void *brig_crypto_lazy_ptrs[];
extern const char *const brig_crypto_lazy_names[];
extern const uint64_t brig_crypto_lazy_count;

void *brig_crypto_lazy_resolve(unsigned idx);

static void **resolved;

static int load(struct brig_err *e)
{
	size_t n = (size_t)brig_crypto_lazy_count;
	struct brig_lazy_sym *syms = calloc(n, sizeof(*syms));
	void **table = calloc(n, sizeof(*table));
	int r = syms && table ? 0 : brig_err_oom(e);
	for (size_t i = 0; r == 0 && i < n; i++)
		syms[i] = (struct brig_lazy_sym){ brig_crypto_lazy_names[i], i * sizeof(void *) };
	if (r == 0)
		r = brig_lazy_load(CRYPTO_SONAME, syms, n, table, n * sizeof(*table), e);
	free(syms);
	if (r < 0) {
		free(table);
		return r;
	}
	/* Published one pointer at a time: another thread may be jumping
	 * through the table while it is filled (it sees a stub or the
	 * function, either of which works). */
	for (size_t i = 0; i < n; i++)
		__atomic_store_n(&brig_crypto_lazy_ptrs[i], table[i], __ATOMIC_RELEASE);
	resolved = table;
	return 0;
}

/* Called by the trampolines' stubs with the index of the function called;
 * returns its address. */
void *brig_crypto_lazy_resolve(unsigned idx)
{
	static struct brig_lazy_once once = BRIG_LAZY_ONCE_INIT;
	struct brig_err e = { 0 };
	if (brig_lazy_once(&once, load, &e) < 0 || idx >= brig_crypto_lazy_count) {
		(void)fprintf(stderr, "brig: %s\n",
			      idx < brig_crypto_lazy_count ? brig_err_str(&e)
							   : "libcrypto: no such function");
		abort();
	}
	return resolved[idx];
}
