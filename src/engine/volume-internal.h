/* SPDX-License-Identifier: Apache-2.0 */
/* Private to volume.c and volume_use.c: the volume store's helpers.  Every
 * call that changes a volume is made with ROOT/volumes/.lock held
 * (engvol_vols_open_locked). */
#ifndef BRIG_ENGINE_VOLUME_INT_H
#define BRIG_ENGINE_VOLUME_INT_H

#include "engine/volume.h"
#include "engine/engine-internal.h"
#include "engine/quota-internal.h"

#define VOL_PENDING "pending" /* <volume>/pending/<container id>: claims */
#define VOL_DIR "volumes"
#define VOL_DATA ENG_QUOTA_VOLUME_DATA /* "_data" */

int engvol_vols_open_locked(struct eng *g, int *volsfd, int *lock, struct brig_err *e);
int engvol_vol_dirfd(struct eng *g, int volsfd, const char *name, struct brig_err *e);
int engvol_data_path(struct eng *g, const char *name, char *buf, size_t size, struct brig_err *e);
int engvol_random_hex(char *out, size_t bytes, struct brig_err *e);
int engvol_vol_read(struct eng *g, int volsfd, const char *name, json_t **out, struct brig_err *e);
bool engvol_vol_exists(int volsfd, const char *name);
/* Has the inspect object doc Docker's anonymous label? */
bool engvol_anonymous(const json_t *doc);
/* size: the bound of _data in bytes (quota.c), 0 none. */
int engvol_vol_make(struct eng *g, int volsfd, const char *name, const json_t *labels, bool anon,
		    int64_t size, struct brig_err *e);
int engvol_vol_delete(struct eng *g, int volsfd, const char *name, struct brig_err *e);
int engvol_record_users(struct eng *g, const char *skip, json_t **out, struct brig_err *e);
bool engvol_ctr_dir_exists(struct eng *g, const char *id);
int engvol_remove_unused(struct eng *g, int volsfd, const char *name, const json_t *by,
			 const char *skip, struct brig_err *e);
bool engvol_ctr_id_valid(const char *id);
/* The volumes' names, sorted (leftovers: the .tmp-/.rm- directories
 * instead). */
int engvol_names(struct eng *g, int volsfd, bool leftovers, json_t **out, struct brig_err *e);
/* The ids of the containers using name (by: engvol_record_users; skip: an
 * id not counted; drop_stale: delete stale claims). */
int engvol_users(struct eng *g, int volsfd, const char *name, const json_t *by_records,
		 const char *skip, bool drop_stale, json_t **out, struct brig_err *e);

#endif
