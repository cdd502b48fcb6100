/* SPDX-License-Identifier: Apache-2.0 */
/* common: SHA-256, streaming and of whole buffers and fds.  Included through common/common.h. */
#ifndef BRIG_COMMON_HASHING_H
#define BRIG_COMMON_HASHING_H

#include "common/errors.h"
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

#define BRIG_SHA256_LEN 32
#define BRIG_SHA256_HEX 65 /* 64 digits + NUL */

struct brig_sha256;
struct brig_sha256 *brig_sha256_new(void);
int brig_sha256_update(struct brig_sha256 *h, const void *data, size_t len);
/* Finish; writes 64 lowercase hex digits + NUL into hex. Frees nothing. */
int brig_sha256_final(struct brig_sha256 *h, char hex[BRIG_SHA256_HEX]);
void brig_sha256_free(struct brig_sha256 *h);
static inline void brig_sha256_freep(struct brig_sha256 **h)
{
	brig_sha256_free(*h);
}
#define _cleanup_sha256_ _cleanup_(brig_sha256_freep)
int brig_sha256_buf(const void *data, size_t len, char hex[BRIG_SHA256_HEX]);
/* Hash an fd from its current offset to EOF; *size gets the byte count. */
int brig_sha256_fd(int fd, char hex[BRIG_SHA256_HEX], uint64_t *size, struct brig_err *e);
/* "sha256:<64 lowercase hex>" */
bool brig_digest_valid(const char *digest);

#endif
