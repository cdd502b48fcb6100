/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness: what trust/gpg reads from files and lookaside stores
 * before any signature is checked: a registries.d file (the YAML subset,
 * then the configuration's checks and a lookup for a few references), and
 * an atomic container signature's payload.  Besides "no crash, no leak":
 * every error is one line, and a lookup's lookaside base ends in the
 * image's repository.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trust/gpg.h"
#include "trust/simplesig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one_line(struct brig_err *e)
{
	if (strchr(brig_err_str(e), '\n'))
		abort();
	brig_err_clear(e);
}

static void lookups(const struct trust_registries_d *c)
{
	static const char *const refs[] = { "registry.example.com/ns/app:1", "127.0.0.1:5000/a/b:2",
					    "busybox" };
	for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
		struct brig_err e = { 0 };
		struct img_ref r = { 0 };
		char *url = NULL;
		if (img_ref_parse(refs[i], &r, &e) < 0)
			abort();
		if (trust_lookaside_base(c, &r, i & 1, &url, &e) < 0)
			one_line(&e);
		size_t ul = url ? strlen(url) : 0, pl = strlen(r.path);
		if (url && (ul < pl || strcmp(url + ul - pl, r.path) != 0))
			abort();
		(void)trust_use_sigstore_attachments(c, &r);
		free(url);
		img_ref_clear(&r);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct brig_err e = { 0 };
	struct trust_registries_d *c = calloc(1, sizeof(*c));
	if (!c)
		return 0;
	if (trust_registries_d_add(c, text, size, "F", &e) < 0)
		one_line(&e);
	else
		lookups(c);
	trust_registries_d_free(c);
	struct trust_payload p = { 0 };
	if (trust_payload_parse_type(text, size, TRUST_GPG_TYPE, &p, &e) < 0)
		one_line(&e);
	trust_payload_clear(&p);
	return 0;
}
