/* SPDX-License-Identifier: Apache-2.0 */
/* SHA-256: known vectors, streaming, fds, digest strings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

#include "common/common.h"

/* FIPS 180-2 / NIST examples. */
static const struct {
	const char *msg;
	const char *hex;
} vectors[] = {
	{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
	{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	{ "The quick brown fox jumps over the lazy dog",
	  "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592" },
};

/* One million 'a': a multi-block vector. */
#define MILLION_A "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"

static void test_known_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(vectors); i++) {
		char hex[BRIG_SHA256_HEX];
		memset(hex, 'X', sizeof(hex));
		assert_int_equal(brig_sha256_buf(vectors[i].msg, strlen(vectors[i].msg), hex), 0);
		assert_string_equal(hex, vectors[i].hex);
	}
	/* NULL data with length 0 is the empty message. */
	char hex[BRIG_SHA256_HEX];
	assert_int_equal(brig_sha256_buf(NULL, 0, hex), 0);
	assert_string_equal(hex, vectors[0].hex);
}

static void test_streaming_equals_one_shot(void **state)
{
	(void)state;
	static char a[1000000];
	memset(a, 'a', sizeof(a));
	char one[BRIG_SHA256_HEX];
	assert_int_equal(brig_sha256_buf(a, sizeof(a), one), 0);
	assert_string_equal(one, MILLION_A);
	/* Odd chunk sizes straddle every block boundary differently. */
	const size_t chunks[] = { 1, 3, 7, 63, 64, 65, 127, 1000, 4099 };
	for (size_t c = 0; c < BRIG_ARRAY_SIZE(chunks); c++) {
		_cleanup_sha256_ struct brig_sha256 *h = brig_sha256_new();
		assert_non_null(h);
		for (size_t off = 0; off < sizeof(a); off += chunks[c]) {
			size_t n = sizeof(a) - off < chunks[c] ? sizeof(a) - off : chunks[c];
			assert_int_equal(brig_sha256_update(h, a + off, n), 0);
			assert_int_equal(brig_sha256_update(h, a, 0), 0);
		}
		char hex[BRIG_SHA256_HEX];
		assert_int_equal(brig_sha256_final(h, hex), 0);
		assert_string_equal(hex, one);
	}
	/* Varying chunk sizes over mixed content. */
	static unsigned char mixed[70001];
	for (size_t i = 0; i < sizeof(mixed); i++)
		mixed[i] = (unsigned char)(i * 131 + (i >> 8));
	char want[BRIG_SHA256_HEX], got[BRIG_SHA256_HEX];
	assert_int_equal(brig_sha256_buf(mixed, sizeof(mixed), want), 0);
	_cleanup_sha256_ struct brig_sha256 *h = brig_sha256_new();
	size_t off = 0, step = 1;
	while (off < sizeof(mixed)) {
		size_t n = sizeof(mixed) - off < step ? sizeof(mixed) - off : step;
		assert_int_equal(brig_sha256_update(h, mixed + off, n), 0);
		off += n;
		step = step * 3 % 997 + 1;
	}
	assert_int_equal(brig_sha256_final(h, got), 0);
	assert_string_equal(got, want);
	/* A different message gives a different digest. */
	mixed[12345] ^= 1;
	assert_int_equal(brig_sha256_buf(mixed, sizeof(mixed), got), 0);
	assert_string_not_equal(got, want);
}

/* brig's small routine hashes the first 64 KiB and hands longer messages
 * over to OpenSSL (sha256.c): every length around the hand-over and every
 * short one, in one piece and in odd chunks, agrees with OpenSSL's. */
static void test_agrees_with_openssl(void **state)
{
	(void)state;
	static unsigned char d[(64 << 10) + 200];
	uint32_t x = 12345;
	for (size_t i = 0; i < sizeof(d); i++) {
		x = x * 1103515245u + 12345u;
		d[i] = (unsigned char)(x >> 16);
	}
	for (size_t k = 0; k <= 700; k++) {
		/* 0..300, then 64 KiB - 200 .. 64 KiB + 200 */
		size_t len = k <= 300 ? k : (64 << 10) - 200 + (k - 301);
		unsigned char md[SHA256_DIGEST_LENGTH];
		char want[BRIG_SHA256_HEX], got[BRIG_SHA256_HEX];
		assert_non_null(SHA256(d, len, md));
		for (unsigned i = 0; i < sizeof(md); i++)
			(void)snprintf(want + 2 * i, 3, "%02x", md[i]);
		assert_int_equal(brig_sha256_buf(d, len, got), 0);
		assert_string_equal(got, want);
		_cleanup_sha256_ struct brig_sha256 *h = brig_sha256_new();
		assert_non_null(h);
		for (size_t off = 0; off < len; off += 61)
			assert_int_equal(
				brig_sha256_update(h, d + off, len - off < 61 ? len - off : 61), 0);
		assert_int_equal(brig_sha256_final(h, got), 0);
		assert_string_equal(got, want);
	}
}

static void test_sha256_fd(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	char path[] = "/tmp/brig-sha-XXXXXX";
	int fd = mkostemp(path, O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(unlink(path), 0);
	static char a[200000];
	memset(a, 'a', sizeof(a));
	for (int i = 0; i < 5; i++)
		assert_int_equal(brig_write_all(fd, a, sizeof(a)), 0);
	char hex[BRIG_SHA256_HEX];
	uint64_t size = 0;
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(brig_sha256_fd(fd, hex, &size, &e), 0);
	assert_string_equal(hex, MILLION_A);
	assert_int_equal(size, 1000000);
	/* From the current offset. */
	assert_int_equal(lseek(fd, 1000000, SEEK_SET), 1000000);
	assert_int_equal(brig_sha256_fd(fd, hex, &size, &e), 0);
	assert_string_equal(hex, vectors[0].hex);
	assert_int_equal(size, 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(brig_sha256_fd(fd, hex, NULL, &e), 0);
	close(fd);
	/* A pipe and a write-only fd. */
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(brig_write_all(p[1], "abc", 3), 0);
	close(p[1]);
	assert_int_equal(brig_sha256_fd(p[0], hex, &size, &e), 0);
	assert_string_equal(hex, vectors[1].hex);
	assert_int_equal(size, 3);
	close(p[0]);
	int wfd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	assert_int_equal(brig_sha256_fd(wfd, hex, &size, &e), -EBADF);
	assert_non_null(strstr(brig_err_str(&e), "digest"));
	close(wfd);
	brig_err_clear(&e);
}

static void test_digest_valid(void **state)
{
	(void)state;
	char d[80];
	(void)snprintf(d, sizeof(d), "sha256:%s", vectors[1].hex);
	assert_true(brig_digest_valid(d));
	const char *bad[] = {
		"",
		"sha256:",
		"sha256",
		vectors[1].hex,
		"sha512:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		"SHA256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		"sha256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD",
		"sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a",
		"sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad0",
		"sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ag",
		"sha256:../../../../../../../../../../../../../../../../../etc/passwd",
		" sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		"sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n",
	};
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(bad); i++)
		if (brig_digest_valid(bad[i]))
			fail_msg("accepted '%s'", bad[i]);
	assert_false(brig_digest_valid(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_vectors),
		cmocka_unit_test(test_streaming_equals_one_shot),
		cmocka_unit_test(test_agrees_with_openssl),
		cmocka_unit_test(test_sha256_fd),
		cmocka_unit_test(test_digest_valid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
