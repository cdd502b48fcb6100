/* SPDX-License-Identifier: Apache-2.0 */
/* trust/check: what check*.c share (private to src/trust). */
#ifndef BRIG_TRUST_CHECK_INTERNAL_H
#define BRIG_TRUST_CHECK_INTERNAL_H

#include "trust/check.h"
/* policy.h's enum trust_verdict and sigstore.h's struct trust_verdict
 * share a tag name; check*.c need both headers, and none of them uses the
 * struct, so it is renamed here for these files only. */
#define trust_verdict trust_sigstore_verdict
#include "trust/sigstore-internal.h"
#undef trust_verdict

#endif
