/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Streaming SHA-256, in two parts.  The first SMALL bytes of a message go
 * through the small routine below; `brig run` hashes only small things
 * (the store's name for its run directory, the image's manifest and
 * config, the seccomp profile), and so never loads libcrypto, which brig
 * reaches only on first use (crypto_lazy.c): loading it cost more than
 * all of run's hashing.  A longer message (a layer, a blob) is handed over
 * at a block boundary to OpenSSL's SHA256_* (its assembly is several times
 * faster): the chaining value and the length so far are all a block
 * boundary's state.  SHA256_*, not EVP: EVP would start OpenSSL's
 * configuration and providers, for a content address that no configured
 * provider has anything to decide about.  Deprecated in OpenSSL 3 but kept
 * in every 3.x.  Tested against FIPS 180-2's vectors and against OpenSSL
 * on every length around the hand-over (tests/unit/test_common_sha256.c).
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "common/common.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <string.h>

/* Bytes hashed by the small routine before OpenSSL takes over: a multiple
 * of the block size. */
#define SMALL ((uint64_t)64 << 10)

struct brig_sha256 {
	uint32_t h[8];
	uint64_t len; /* bytes compressed into h (small routine) */
	unsigned char buf[64];
	size_t nbuf;
	bool big; /* OpenSSL's ctx holds the state from here on */
	SHA256_CTX ctx;
};

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

static uint32_t ror(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

/* FIPS 180-4, 6.2.2: one 64-byte block into h. */
static void compress(uint32_t h[8], const unsigned char *p)
{
	uint32_t w[64], v[8];
	for (unsigned i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
			(uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (unsigned i = 16; i < 64; i++) {
		uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	memcpy(v, h, sizeof(v));
	for (unsigned i = 0; i < 64; i++) {
		uint32_t t1 = v[7] + (ror(v[4], 6) ^ ror(v[4], 11) ^ ror(v[4], 25)) +
			((v[4] & v[5]) ^ (~v[4] & v[6])) + K[i] + w[i];
		uint32_t t2 = (ror(v[0], 2) ^ ror(v[0], 13) ^ ror(v[0], 22)) +
			((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
		memmove(v + 1, v, 7 * sizeof(v[0]));
		v[4] += t1;
		v[0] = t1 + t2;
	}
	for (unsigned i = 0; i < 8; i++)
		h[i] += v[i];
}

struct brig_sha256 *brig_sha256_new(void)
{
	static const uint32_t iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
					0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
	struct brig_sha256 *h = calloc(1, sizeof(*h));
	if (h)
		memcpy(h->h, iv, sizeof(iv));
	return h;
}

/* From the small routine to OpenSSL, at a block boundary (nbuf == 0). */
static int hand_over(struct brig_sha256 *h)
{
	if (SHA256_Init(&h->ctx) != 1)
		return -EIO;
	_Static_assert(sizeof(h->ctx.h) == sizeof(h->h), "SHA-256's state is eight words");
	memcpy(h->ctx.h, h->h, sizeof(h->h));
	uint64_t bits = h->len * 8;
	h->ctx.Nl = (SHA_LONG)bits;
	h->ctx.Nh = (SHA_LONG)(bits >> 32);
	h->big = true;
	return 0;
}

int brig_sha256_update(struct brig_sha256 *h, const void *data, size_t len)
{
	const unsigned char *p = data;
	while (len > 0 && !h->big) {
		if (h->nbuf == 0 && h->len >= SMALL) {
			if (hand_over(h) < 0)
				return -EIO;
			break;
		}
		size_t n = sizeof(h->buf) - h->nbuf < len ? sizeof(h->buf) - h->nbuf : len;
		memcpy(h->buf + h->nbuf, p, n);
		h->nbuf += n;
		p += n;
		len -= n;
		if (h->nbuf == sizeof(h->buf)) {
			compress(h->h, h->buf);
			h->len += sizeof(h->buf);
			h->nbuf = 0;
		}
	}
	if (len == 0)
		return 0;
	return SHA256_Update(&h->ctx, p, len) == 1 ? 0 : -EIO;
}

static void to_hex(const unsigned char md[BRIG_SHA256_LEN], char hex[BRIG_SHA256_HEX])
{
	static const char digits[] = "0123456789abcdef";
	for (unsigned i = 0; i < BRIG_SHA256_LEN; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * BRIG_SHA256_LEN] = '\0';
}

int brig_sha256_final(struct brig_sha256 *h, char hex[BRIG_SHA256_HEX])
{
	unsigned char md[BRIG_SHA256_LEN];
	_Static_assert(SHA256_DIGEST_LENGTH == BRIG_SHA256_LEN, "SHA-256 is 32 bytes");
	if (h->big) {
		if (SHA256_Final(md, &h->ctx) != 1)
			return -EIO;
		to_hex(md, hex);
		return 0;
	}
	/* Padding: 0x80, zeros, the length in bits as 64 bits big-endian. */
	uint64_t bits = (h->len + h->nbuf) * 8;
	h->buf[h->nbuf++] = 0x80;
	if (h->nbuf > 56) {
		memset(h->buf + h->nbuf, 0, sizeof(h->buf) - h->nbuf);
		compress(h->h, h->buf);
		h->nbuf = 0;
	}
	memset(h->buf + h->nbuf, 0, 56 - h->nbuf);
	for (unsigned i = 0; i < 8; i++)
		h->buf[56 + i] = (unsigned char)(bits >> (56 - 8 * i));
	compress(h->h, h->buf);
	for (unsigned i = 0; i < 8; i++)
		for (unsigned j = 0; j < 4; j++)
			md[4 * i + j] = (unsigned char)(h->h[i] >> (24 - 8 * j));
	to_hex(md, hex);
	return 0;
}

void brig_sha256_free(struct brig_sha256 *h)
{
	if (!h)
		return;
	if (h->big)
		OPENSSL_cleanse(&h->ctx, sizeof(h->ctx));
	explicit_bzero(h, sizeof(*h));
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
