/* SPDX-License-Identifier: Apache-2.0 */
/* trust/check: what check*.c share (private to src/trust). */
#ifndef BRIG_TRUST_CHECK_INTERNAL_H
#define BRIG_TRUST_CHECK_INTERNAL_H

#include "trust/check.h"
#include "trust/sigstore-internal.h"
#include "trust/simplesig.h"

/* check_simplesig.c, for every plug reading a simple signing payload. */
int trust_check_refuse(struct trust_sig_result *res, struct brig_err *e, const char *fmt, ...)
	BRIG_PRINTF(3, 4);
/* The payload (critical.type type) names digest and a docker-reference
 * req's signedIdentity accepts for ref: 1, or 0 with res->why; res->identity
 * and res->time filled as far as read. */
int trust_check_payload(const struct trust_req *req, const struct img_ref *ref, const char *digest,
			const char *payload, size_t len, const char *type,
			struct trust_sig_result *res, struct brig_err *e);

#endif
