/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trust: simple signing payloads (simplesig.c), shared by the sigstore
 * `.sig` format (sigstore.h) and GPG's atomic container signature (gpg.h),
 * which differ in critical.type only.
 */
#ifndef BRIG_TRUST_SIMPLESIG_H
#define BRIG_TRUST_SIMPLESIG_H

#include <stddef.h>
#include <stdint.h>

#include "common/common.h"

#define TRUST_SIG_TYPE "cosign container image signature"
#define TRUST_PAYLOAD_MAX ((size_t)256 << 10)
#define TRUST_SIG_B64_MAX ((size_t)8 << 10)

struct trust_payload {
	char *docker_reference;
	char digest[72]; /* "sha256:" + 64 hex */
};
void trust_payload_clear(struct trust_payload *p);
/* cosign's payload for ref and digest, compact, in its member order,
 * "optional": null; malloc'ed (*len without the NUL). */
int trust_payload_make(const char *ref, const char *digest, char **out, size_t *len,
		       struct brig_err *e);
/* The same with "optional": {"creator": "brig", "timestamp": when} (as
 * containers/image writes a signing time) when when > 0. */
int trust_payload_make_at(const char *ref, const char *digest, int64_t when, char **out,
			  size_t *len, struct brig_err *e);
/* Strict: exactly the members above in "critical" (any "optional" object
 * or null), the type cosign's, a valid digest, at most TRUST_PAYLOAD_MAX. */
int trust_payload_parse(const char *buf, size_t len, struct trust_payload *out, struct brig_err *e);
/* The same for another critical.type (GPG's "atomic container signature"). */
int trust_payload_parse_type(const char *buf, size_t len, const char *type,
			     struct trust_payload *out, struct brig_err *e);
#endif
