/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to trust/keys.c: libsodium (NaCl's secretbox for cosign's
 * encrypted keys), loaded with dlopen the first time a key is encrypted
 * or decrypted (trust_sodium_load).  Linked normally, it was mapped and
 * relocated by every brig process, twice per `brig run` (brig re-execs
 * itself from a sealed copy), for the few commands that handle keys.
 *
 * After this header the libsodium functions keys.c calls name the loaded
 * ones; none may be called before trust_sodium_load has succeeded.
 */
#ifndef BRIG_TRUST_SODIUM_SHIM_H
#define BRIG_TRUST_SODIUM_SHIM_H

#include <sodium.h>

#include "common/errors.h"

struct trust_sodium_api {
	__typeof__(sodium_init) *init;
	__typeof__(crypto_secretbox_easy) *secretbox_easy;
	__typeof__(crypto_secretbox_open_easy) *secretbox_open_easy;
};

/* Load libsodium and run sodium_init once, whichever thread comes first:
 * 0, or a negative errno naming what is missing. */
int trust_sodium_load(struct brig_err *e);
extern struct trust_sodium_api trust_sodium;

#define crypto_secretbox_easy (trust_sodium.secretbox_easy)
#define crypto_secretbox_open_easy (trust_sodium.secretbox_open_easy)

#endif
