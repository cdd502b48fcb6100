/* SPDX-License-Identifier: Apache-2.0 */
/* common: errors: a code, a message and a chain of causes.  Included through common/common.h. */
#ifndef BRIG_COMMON_ERRORS_H
#define BRIG_COMMON_ERRORS_H

#include "common/cleanup.h"
#include <stdbool.h>
#include <stddef.h>

struct brig_err_frame;

/*
 * An error: a negative errno-style code and a chain of messages, outermost
 * context first.  Zero-initialise (`struct brig_err e = {0};`), fill with
 * brig_err_set()/brig_err_sys(), add context with brig_err_wrap(), render
 * with brig_err_str(), release with brig_err_clear().
 */
struct brig_err {
	int code; /* negative errno, 0 when no error */
	struct brig_err_frame *top; /* outermost message */
	char *rendered; /* cache for brig_err_str() */
};

/* Record an error (replacing any earlier one); returns code (made negative). */
int brig_err_set(struct brig_err *e, int code, const char *fmt, ...) BRIG_PRINTF(3, 4);
/* brig_err_set(e, -ENOMEM, "out of memory"): the one out-of-memory error. */
int brig_err_oom(struct brig_err *e);
/* Like brig_err_set, the message followed by ": strerror(errnum)". */
int brig_err_sys(struct brig_err *e, int errnum, const char *fmt, ...) BRIG_PRINTF(3, 4);
/* Push an outer context onto the error; returns e->code. */
int brig_err_wrap(struct brig_err *e, const char *fmt, ...) BRIG_PRINTF(2, 3);
/* One line: "outer: inner: innermost". Valid until e is changed or cleared;
 * calling it again returns the same string. */
const char *brig_err_str(struct brig_err *e);
/* Number of frames in the chain and the message of frame i (0 = outermost). */
size_t brig_err_depth(const struct brig_err *e);
const char *brig_err_frame_msg(const struct brig_err *e, size_t i);
void brig_err_clear(struct brig_err *e);
static inline void brig_err_clearp(struct brig_err *e)
{
	brig_err_clear(e);
}
#define _cleanup_err_ _cleanup_(brig_err_clearp)

#endif
