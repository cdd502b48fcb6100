/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `--security-opt landlock=...`: the annotation run.brig.landlock, an
 * optional Landlock ruleset brig-runtime puts on the container's processes
 * after the mounts and before exec (docs/landlock.md).
 */
#ifndef BRIG_RT_LANDLOCK_H
#define BRIG_RT_LANDLOCK_H

#include "common/common.h"
#include "common/landlock.h"

#include <stdint.h>

/* The annotation of the config (parsed config.json) into *out, NULL when
 * it has none; warns once when the kernel cannot enforce it. */
int rt_landlock_from_config(const json_t *config, struct brig_landlock_rules **out,
			    struct brig_err *e);

/* In the container's process, after the mounts, before the privileges
 * go: confine it.  Without Landlock in the kernel nothing is done (the
 * runtime warned); a path that cannot be opened is an error. */
int rt_landlock_apply(const struct brig_landlock_rules *l, struct brig_err *e);

#endif
