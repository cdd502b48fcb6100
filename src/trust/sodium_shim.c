/* SPDX-License-Identifier: Apache-2.0 */
/* libsodium through dlopen (sodium-shim.h says why). */
#include "trust/sodium-shim.h"

#include "common/lazylib.h"

#include <errno.h>

struct trust_sodium_api trust_sodium;

static int load(struct brig_err *e)
{
#define SYM(field, name) BRIG_LAZY_SYM(struct trust_sodium_api, field, name)
	static const struct brig_lazy_sym syms[] = {
		SYM(init, "sodium_init"),
		SYM(secretbox_easy, "crypto_secretbox_easy"),
		SYM(secretbox_open_easy, "crypto_secretbox_open_easy"),
	};
#undef SYM
	/* The soname of libsodium 1.0.13 and later. */
	int r = brig_lazy_load("libsodium.so.23", syms, sizeof(syms) / sizeof(syms[0]),
			       &trust_sodium, sizeof(trust_sodium), e);
	/* sodium_init: 0 the first time, 1 when already done, -1 failed */
	if (r == 0 && trust_sodium.init() < 0)
		r = brig_err_set(e, -EIO, "libsodium cannot start");
	return r;
}

int trust_sodium_load(struct brig_err *e)
{
	static struct brig_lazy_once once = BRIG_LAZY_ONCE_INIT;
	return brig_lazy_once(&once, load, e);
}
