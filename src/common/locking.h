/* SPDX-License-Identifier: Apache-2.0 */
/* common: flock(2) locks.  Included through common/common.h. */
#ifndef BRIG_COMMON_LOCKING_H
#define BRIG_COMMON_LOCKING_H

#include "common/errors.h"
#include <stdbool.h>
#include <stddef.h>

enum brig_lock_mode { BRIG_LOCK_SHARED, BRIG_LOCK_EXCLUSIVE };
/* flock(2) with EINTR handled; wait=false -> -EWOULDBLOCK when held. */
int brig_lock_fd(int fd, enum brig_lock_mode mode, bool wait);
int brig_unlock_fd(int fd);
/* Open (creating, 0600) dirfd/name and lock it; returns the fd. */
int brig_lock_path(int dirfd, const char *name, enum brig_lock_mode mode, bool wait,
		   struct brig_err *e);

#endif
