/* SPDX-License-Identifier: Apache-2.0 */
/* Private to engine/flags: helpers shared by mounts.c, mount_csv.c and
 * mounts_apply.c. */
#ifndef BRIG_ENGINE_FLAGS_MOUNTS_INT_H
#define BRIG_ENGINE_FLAGS_MOUNTS_INT_H

#include "engine/flags/flags-internal.h"

void eng_mount_clear(struct eng_mount *m);
/* Append m (moved: m is zeroed); a destination given twice is an error. */
int eng_mount_add(struct eng_flags *f, struct eng_mount *m, struct brig_err *e);
bool eng_propagation_ok(const char *s);
bool eng_volume_name_ok(const char *s);
/* Octal permission bits, at most 07777. */
int eng_parse_mode(const char *s, int64_t *out);
/* Fill m->opts for a bind/volume (from m->readonly and m->propagation) or a
 * tmpfs (from readonly, tmpfs_size, tmpfs_mode, plus extra options). */
int eng_bind_opts(struct eng_mount *m, bool nonrec, bool ro_top_only, bool dev, bool noexec,
		  struct brig_err *e);
int eng_tmpfs_opts(struct eng_mount *m, bool exec, char **extra, struct brig_err *e);
/* Split one CSV record (RFC 4180 quoting, as Docker's --mount reads it). */
int eng_csv_split(const char *s, char ***out, struct brig_err *e);

#endif /* BRIG_ENGINE_FLAGS_MOUNTS_INT_H */
