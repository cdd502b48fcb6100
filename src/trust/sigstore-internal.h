/* SPDX-License-Identifier: Apache-2.0 */
/* trust/sigstore: what keys.c, simplesig.c and sigstore.c share. */
#ifndef BRIG_TRUST_SIGSTORE_INTERNAL_H
#define BRIG_TRUST_SIGSTORE_INTERNAL_H

#include "trust/sigstore.h"

/* Standard base64 with padding (RFC 4648 section 4), malloc'ed. */
char *trust_b64_encode(const void *data, size_t len);
/* Decode standard base64 (padding required, no white space); at most max
 * bytes.  -EINVAL naming what when malformed. */
int trust_b64_decode(const char *b64, size_t max, const char *what, unsigned char **out,
		     size_t *len, struct brig_err *e);
/* Random bytes from OpenSSL's generator. */
int trust_random(void *buf, size_t len, struct brig_err *e);

/* The tag of an image's signatures: sha256:HEX -> "sha256-HEX.sig". */
int trust_sig_tag(const char *digest, char tag[80], struct brig_err *e);

#endif
