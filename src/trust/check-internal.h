/* SPDX-License-Identifier: Apache-2.0 */
/* trust/check: what check*.c share (private to src/trust). */
#ifndef BRIG_TRUST_CHECK_INTERNAL_H
#define BRIG_TRUST_CHECK_INTERNAL_H

#include "trust/check.h"
#include "trust/sigstore-internal.h"

#endif
