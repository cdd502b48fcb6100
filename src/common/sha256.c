/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Streaming SHA-256 with OpenSSL's SHA256_* functions, not EVP.  The
 * digest and its assembly are the same; what EVP adds is the library's
 * initialization on first use: reading OpenSSL's configuration file,
 * starting the default provider, fetching the method, and the clean-up
 * at exit.  That cost about 2 ms of CPU in every process that hashed
 * anything, and `brig run` hashes only a few small things (the store's
 * name for its run directory, the image's manifest and config, the
 * seccomp profile): with SHA256_* it no longer starts OpenSSL at all.
 * The functions are deprecated in OpenSSL 3 (in favour of EVP) but kept
 * in every 3.x; the digest is a content address, not a policy choice, so
 * the configured providers have nothing to decide here.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "common/common.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <string.h>

struct brig_sha256 {
	SHA256_CTX ctx;
};

struct brig_sha256 *brig_sha256_new(void)
{
	struct brig_sha256 *h = calloc(1, sizeof(*h));
	if (h && SHA256_Init(&h->ctx) != 1) {
		brig_sha256_free(h);
		return NULL;
	}
	return h;
}

int brig_sha256_update(struct brig_sha256 *h, const void *data, size_t len)
{
	if (len == 0)
		return 0;
	return SHA256_Update(&h->ctx, data, len) == 1 ? 0 : -EIO;
}

int brig_sha256_final(struct brig_sha256 *h, char hex[BRIG_SHA256_HEX])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[SHA256_DIGEST_LENGTH];
	_Static_assert(SHA256_DIGEST_LENGTH == BRIG_SHA256_LEN, "SHA-256 is 32 bytes");
	if (SHA256_Final(md, &h->ctx) != 1)
		return -EIO;
	for (unsigned i = 0; i < SHA256_DIGEST_LENGTH; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * SHA256_DIGEST_LENGTH] = '\0';
	return 0;
}

void brig_sha256_free(struct brig_sha256 *h)
{
	if (!h)
		return;
	OPENSSL_cleanse(&h->ctx, sizeof(h->ctx));
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
