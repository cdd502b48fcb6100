/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine private: bounds on what a container's writable root and a volume
 * may hold (quota.c).  `--storage-opt size=SIZE`, `brig volume create -o
 * size=SIZE` and the engine config's "default-storage-size".
 *
 * A bounded directory is a btrfs subvolume with a qgroup limit on the
 * bytes it references: the store must be on btrfs with quotas enabled
 * (`btrfs quota enable`); anywhere else a bound is refused with one line
 * naming the store and its file system.  A container's bounded overlay
 * upper and work directories live in ROOT/containers/<id>/rw/ (one
 * subvolume: overlay renames from work/ to upper/, which btrfs refuses
 * across subvolumes); a bounded volume's _data/ is the subvolume.
 * Subvolume ids are handed out by the file system and never reused, so
 * bounds never collide between containers, volumes or stores.
 */
#ifndef BRIG_ENGINE_QUOTA_INT_H
#define BRIG_ENGINE_QUOTA_INT_H

#include "engine/engine-internal.h"

#include <sys/types.h>

/* The smallest bound accepted. */
#define ENG_QUOTA_MIN (1LL << 20)
/* The subvolume holding a bounded container's upper/ and work/. */
#define ENG_QUOTA_RW "rw"
/* A bounded volume's subvolume (volume-internal.h VOL_DATA). */
#define ENG_QUOTA_VOLUME_DATA "_data"

/* Options KEY=VALUE (only "size=SIZE" is known) of the flag named flag
 * ("--storage-opt", "--opt"): *bytes gets the size, 0 when none. */
int eng_quota_parse_opts(char *const *opts, size_t n, const char *flag, int64_t *bytes,
			 struct brig_err *e);

/* Make the directory name in parentfd (mode) as a subvolume bounded to
 * bytes; flag names what asked for it in the refusal ("--opt size").
 * Nothing is left behind on failure. */
int eng_quota_mkdir(struct eng *g, int parentfd, const char *name, mode_t mode, int64_t bytes,
		    const char *flag, struct brig_err *e);

/* "rw/" when the container directory ctrfd keeps its upper/ and work/ in
 * a bounded subvolume, else "". */
const char *eng_quota_rw_prefix(int ctrfd);

/* The bound of a new container (*bytes, 0 none): --storage-opt size=,
 * else "default-storage-size" when its root is writable.  When bounded,
 * makes the subvolume ENG_QUOTA_RW in the container directory ctrfd. */
int eng_quota_container_prepare(struct eng *g, const struct eng_create_opts *o, int ctrfd,
				int64_t *bytes, struct brig_err *e);

/* brig_rm_rf of the container or volume directory name in parentfd, whose
 * bounded subvolume (rw/ or _data/) brig_rm_rf would refuse as a mount
 * point: that is destroyed first, with its qgroup. */
int eng_quota_rm_rf(int parentfd, const char *name, struct brig_err *e);

/* HostConfig.StorageOpt of a container or Options of a volume bounded to
 * bytes: {"size": "10m"}; an empty object when bytes is 0. */
json_t *eng_quota_opts_json(int64_t bytes);

#endif
