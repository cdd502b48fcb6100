/* SPDX-License-Identifier: Apache-2.0 */
/*
 * common: the foundation every other brig module builds on.
 *
 * errors (code + message + cause chain), logging (text and JSON lines),
 * strict JSON accessors that name the file and field on error, size-limited
 * file reading, safe path resolution inside a root, streaming SHA-256,
 * atomic file replacement, flock helpers and cleanup-attribute helpers.
 *
 * Conventions: functions return 0 (or a non-negative value such as an fd) on
 * success and a negative errno-style code on failure, after filling the
 * struct brig_err they were given.  Nothing here calls exit().
 */
#ifndef BRIG_COMMON_H
#define BRIG_COMMON_H

#include "common/caps.h"
#include "common/defaults.h"
#include "common/cleanup.h"
#include "common/errors.h"
#include "common/files.h"
#include "common/hashing.h"
#include "common/locking.h"
#include "common/logging.h"
#include "common/safepath.h"
#include "common/strutil.h"
#include "common/termsafe.h"
#include "common/strictjson.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#include <jansson.h>

#define BRIG_VERSION "0.1.0"

#endif /* BRIG_COMMON_H */
