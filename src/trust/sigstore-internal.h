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

/* A bounded buffer blobs are read into (trust_mem_sink, a reg_sink_fn):
 * more than cap bytes is -EFBIG. */
struct trust_membuf {
	char *buf;
	size_t len, cap;
};
int trust_mem_sink(void *ctx, const void *buf, size_t len, struct brig_err *e);

struct reg_client;
/* Push bytes as a blob to repo (through a memfd: the client reads blobs
 * from an fd); digest gets their digest. */
int trust_push_bytes(struct reg_client *c, const char *repo, const void *buf, size_t len,
		     char digest[72], struct brig_err *e);

#endif
