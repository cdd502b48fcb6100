/* SPDX-License-Identifier: Apache-2.0 */
/* Private to the engine: users and groups of an image. */
#ifndef BRIG_ENG_USER_H
#define BRIG_ENG_USER_H

#include "engine/engine-internal.h"

#define ENG_USER_MAX_GROUPS 64
#define ENG_USER_DB_MAX ((size_t)4 << 20) /* an image's /etc/passwd or /etc/group */

struct eng_user {
	uint32_t uid, gid;
	uint32_t groups[ENG_USER_MAX_GROUPS]; /* supplementary */
	size_t n_groups;
	char *name; /* NULL for a uid without a passwd entry */
	char *home;
};

/* Where users and groups are looked up: an image's layers, with (exec) a
 * container's changes above them (upperfd, or -1). */
struct eng_files {
	const json_t *layers;
	int upperfd;
};

/* Resolve name|uid[:group|gid] against /etc/passwd and /etc/group.  A uid
 * need not be listed; a name must be. */
int eng_user_resolve(struct eng *g, const struct eng_files *f, const char *spec, struct eng_user *u,
		     struct brig_err *e);
void eng_user_clear(struct eng_user *u);
/* Has the passwd or group database db (NULL: none) an entry named name or
 * of the id id (its third field)? */
bool eng_user_db_has(const char *db, const char *name, uint32_t id);
/* A group name (or number) of /etc/group. */
int eng_group_lookup(struct eng *g, const struct eng_files *f, const char *name, uint32_t *gid,
		     struct brig_err *e);

#endif
