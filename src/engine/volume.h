/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine: volumes (`brig volume`, `-v NAME:/dst`, `-v /dst`,
 * `--mount type=volume`).
 *
 *   ROOT/volumes/<name>/          one volume
 *       volume.json               Name, Driver ("local"), Mountpoint,
 *                                 CreatedAt, Labels, Options (an anonymous
 *                                 volume has Docker's label
 *                                 ENG_VOLUME_ANON_LABEL; an older file may
 *                                 say "Anonymous": true instead)
 *       _data/                    the directory bound into containers
 *       pending/<container id>    a container that is being made with it
 *   ROOT/volumes/.lock            flock held while volumes are created,
 *                                 claimed or removed
 *   ROOT/volumes/.tmp-*, .rm-*    a volume being made / being deleted
 *
 * A volume is made in a temporary directory and renamed into place, so a
 * listed volume is always whole.  A volume is in use while any container
 * record names it in its top-level "Mounts" (Type "volume"), or while a
 * container that claimed it (pending/<id>) is still being assembled in
 * ROOT/containers/.tmp-<id> (or exists as ROOT/containers/<id>): the claim
 * closes the window between eng_volumes_resolve and the record's rename
 * into place, so `volume rm` never removes what a new container binds.
 *
 * Names: [a-zA-Z0-9][a-zA-Z0-9_.-]+ (2 to 255 characters, as Docker and
 * engine/flags accept them); an anonymous volume gets 64 hex digits.
 */
#ifndef BRIG_ENGINE_VOLUME_H
#define BRIG_ENGINE_VOLUME_H

#include "engine/engine.h"

#define ENG_VOLUME_NAME_MAX 255
#define ENG_VOLUME_JSON "volume.json"
#define ENG_VOLUME_JSON_MAX ((size_t)64 << 10)
#define ENG_VOLUME_LABELS_MAX 256
/* Docker's label (value "") of a volume made without a name: `volume
 * prune` without --all and a container's --rm / `rm -v` remove only these. */
#define ENG_VOLUME_ANON_LABEL "com.docker.volume.anonymous"

bool eng_volume_name_valid(const char *name);

/* Create the volume name (NULL: an anonymous one with a new 64-hex name)
 * with labels (an object of strings, or NULL) and driver options opts
 * ("size=SIZE" bounds what _data may hold: a btrfs store with quotas,
 * refused elsewhere).  An existing named volume is kept as it is (Docker's
 * `volume create` is idempotent) and returned.  *out (may be NULL) gets
 * its inspect object. */
int eng_volume_create(struct eng *g, const char *name, const json_t *labels, char *const *opts,
		      size_t n_opts, json_t **out, struct brig_err *e);

/* The inspect object of one volume (volume.json, checked, with Mountpoint
 * from the current root and "Scope": "local").  -ENOENT "no such volume". */
int eng_volume_inspect(struct eng *g, const char *name, json_t **out, struct brig_err *e);

/* Every volume's inspect object, sorted by name, each with "UsedBy": the
 * ids of the containers that use it (see above).  A volume whose
 * volume.json is unreadable is skipped with a warning. */
int eng_volume_list(struct eng *g, json_t **out, struct brig_err *e);

/* Remove a volume; -EBUSY (naming the container) when in use, -ENOENT
 * when absent. */
int eng_volume_remove(struct eng *g, const char *name, struct brig_err *e);

/* Remove the unused anonymous volumes (all: the named ones too) whose
 * labels match every "K" or "K=V" of label_filters (NULL-terminated, may
 * be NULL), and any leftover .tmp-/.rm- directory.  *removed gets an array
 * of {Name, Size} (bytes freed). */
int eng_volume_prune(struct eng *g, bool all, char *const *label_filters, json_t **removed,
		     struct brig_err *e);

/*
 * For every volume request of f (eng_flags_volume_count/get): create the
 * volume when missing (an anonymous one is always new), claim it for the
 * container ctr_id and tell f its _data directory (eng_flags_volume_resolve).
 * *mounts gets Docker's "Mounts" entries for the record: {Type "volume",
 * Name, Source, Destination, Driver "local", Mode, RW, Propagation}.
 * ROOT/containers/.tmp-<ctr_id> (or <ctr_id>) must exist already: the
 * claim is only honoured while it does.  On failure the anonymous volumes
 * made here are removed again and the claims are dropped.
 */
int eng_volumes_resolve(struct eng *g, struct eng_flags *f, const char *ctr_id, json_t **mounts,
			struct brig_err *e);

/*
 * A container's volumes once it is removed (id and the Mounts of its
 * record): its claims are dropped, and with remove_anonymous its
 * anonymous volumes are removed unless another container uses them
 * (`brig rm -v`, and --rm).  May be called before or after the container's
 * directory is deleted; does not take names.lock.
 */
struct eng_rec_mount; /* record-internal.h */
int eng_volumes_release(struct eng *g, const char *id, const struct eng_rec_mount *mounts,
			size_t n_mounts, bool remove_anonymous, struct brig_err *e);

#endif
