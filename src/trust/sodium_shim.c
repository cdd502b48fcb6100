/* SPDX-License-Identifier: Apache-2.0 */
/* libsodium through dlopen (sodium-shim.h says why). */
#include "trust/sodium-shim.h"

#include "common/lazylib.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>

struct trust_sodium_api trust_sodium;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int load_r;
static char load_msg[256];

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

static void load_first(void)
{
	struct brig_err e = { 0 };
	load_r = load(&e);
	if (load_r < 0)
		snprintf(load_msg, sizeof(load_msg), "%s", brig_err_str(&e));
	brig_err_clear(&e);
}

int trust_sodium_load(struct brig_err *e)
{
	int r = pthread_once(&load_once, load_first);
	if (r != 0)
		return brig_err_sys(e, r, "loading libsodium");
	return load_r < 0 ? brig_err_set(e, load_r, "%s", load_msg) : 0;
}
