/* SPDX-License-Identifier: Apache-2.0 */
/* Streaming SHA-256 over OpenSSL EVP. */
#include "common/common.h"

#include <openssl/evp.h>
#include <string.h>

struct brig_sha256 {
	EVP_MD_CTX *ctx;
};

struct brig_sha256 *brig_sha256_new(void)
{
	struct brig_sha256 *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
		brig_sha256_free(h);
		return NULL;
	}
	return h;
}

int brig_sha256_update(struct brig_sha256 *h, const void *data, size_t len)
{
	if (len == 0)
		return 0;
	return EVP_DigestUpdate(h->ctx, data, len) == 1 ? 0 : -EIO;
}

int brig_sha256_final(struct brig_sha256 *h, char hex[BRIG_SHA256_HEX])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	if (EVP_DigestFinal_ex(h->ctx, md, &n) != 1 || n != BRIG_SHA256_LEN)
		return -EIO;
	for (unsigned i = 0; i < n; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * n] = '\0';
	return 0;
}

void brig_sha256_free(struct brig_sha256 *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

int brig_sha256_buf(const void *data, size_t len, char hex[BRIG_SHA256_HEX])
{
	_cleanup_sha256_ struct brig_sha256 *h = brig_sha256_new();
	if (!h)
		return -ENOMEM;
	int r = brig_sha256_update(h, data, len);
	return r < 0 ? r : brig_sha256_final(h, hex);
}

int brig_sha256_fd(int fd, char hex[BRIG_SHA256_HEX], uint64_t *size, struct brig_err *e)
{
	_cleanup_sha256_ struct brig_sha256 *h = brig_sha256_new();
	if (!h)
		return brig_err_set(e, -ENOMEM, "out of memory");
	_cleanup_free_ char *buf = malloc(1 << 16);
	if (!buf)
		return brig_err_set(e, -ENOMEM, "out of memory");
	uint64_t total = 0;
	for (;;) {
		ssize_t n = read(fd, buf, 1 << 16);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return brig_err_sys(e, errno, "reading for digest");
		}
		if (n == 0)
			break;
		if (brig_sha256_update(h, buf, (size_t)n) < 0)
			return brig_err_set(e, -EIO, "sha256 update failed");
		total += (uint64_t)n;
	}
	if (brig_sha256_final(h, hex) < 0)
		return brig_err_set(e, -EIO, "sha256 final failed");
	if (size)
		*size = total;
	return 0;
}

bool brig_digest_valid(const char *digest)
{
	if (!digest || strncmp(digest, "sha256:", 7) != 0)
		return false;
	const char *h = digest + 7;
	size_t i;
	for (i = 0; h[i]; i++)
		if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
			return false;
	return i == 64;
}
