/* SPDX-License-Identifier: Apache-2.0 */
/*
 * USER name|uid[:group|gid] -> uid, gid, supplementary groups, home, looked
 * up in the image's /etc/passwd and /etc/group (read through its layers with
 * the safe resolver; the files are the image's, so they are parsed as
 * untrusted: size-limited, every field checked).
 */
#include "engine/engine-internal.h"
#include "engine/user-internal.h"

#include <stdlib.h>
#include <string.h>

#define DB_MAX ENG_USER_DB_MAX
#define ID_MAX 0xfffffffeu

static bool parse_id(const char *s, uint32_t *out)
{
	uint64_t v;
	if (brig_parse_u64(s, &v) < 0 || v > ID_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* Split one line of a colon-separated database into at most max fields. */
static size_t split_fields(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *p = line;
	while (n < max) {
		f[n++] = p;
		char *c = strchr(p, ':');
		if (!c)
			break;
		*c = '\0';
		p = c + 1;
	}
	return n;
}

/* Find name (or, when by_id, the id) in passwd; fills uid, gid, home. */
static int passwd_find(char *db, const char *name, bool by_id, uint32_t id, struct eng_user *u)
{
	char *save = NULL;
	for (char *line = strtok_r(db, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[7];
		if (split_fields(line, f, 7) != 7)
			continue;
		uint32_t uid, gid;
		if (!parse_id(f[2], &uid) || !parse_id(f[3], &gid))
			continue;
		if (by_id ? uid != id : strcmp(f[0], name) != 0)
			continue;
		u->uid = uid;
		u->gid = gid;
		free(u->name);
		free(u->home);
		u->name = strdup(f[0]);
		u->home = strdup(f[5][0] ? f[5] : "/");
		return u->name && u->home ? 0 : -ENOMEM;
	}
	return -ENOENT;
}

static int group_find(char *db, const char *name, uint32_t *gid)
{
	char *save = NULL;
	for (char *line = strtok_r(db, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[4];
		if (split_fields(line, f, 4) < 3)
			continue;
		uint32_t g;
		if (parse_id(f[2], &g) && strcmp(f[0], name) == 0) {
			*gid = g;
			return 0;
		}
	}
	return -ENOENT;
}

/* The groups that list the user as a member (besides its primary group). */
static int member_groups(char *db, const char *user, uint32_t primary, struct eng_user *u)
{
	char *save = NULL;
	for (char *line = strtok_r(db, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[4];
		uint32_t g;
		if (split_fields(line, f, 4) != 4 || !parse_id(f[2], &g) || g == primary)
			continue;
		char *save2 = NULL;
		for (char *m = strtok_r(f[3], ",", &save2); m; m = strtok_r(NULL, ",", &save2)) {
			if (strcmp(m, user) != 0)
				continue;
			if (u->n_groups >= ENG_USER_MAX_GROUPS)
				return -E2BIG;
			u->groups[u->n_groups++] = g;
			break;
		}
	}
	return 0;
}

static int read_db(struct eng *g, const struct eng_files *f, const char *path, char **out,
		   struct brig_err *e)
{
	size_t len;
	int r = eng_image_read_file(g, f->layers, f->upperfd, path, DB_MAX, out, &len, e);
	if (r == -ENOENT) {
		*out = NULL;
		return 0;
	}
	return r;
}

static int resolve_group(struct eng *g, const struct eng_files *f, const char *grp,
			 struct eng_user *u, struct brig_err *e)
{
	if (parse_id(grp, &u->gid))
		return 0;
	_cleanup_free_ char *db = NULL;
	int r = read_db(g, f, "/etc/group", &db, e);
	if (r < 0)
		return r;
	if (!db || group_find(db, grp, &u->gid) < 0)
		return brig_err_set(e, -ENOENT,
				    "unable to find group %s: no matching entries in "
				    "the %s's /etc/group",
				    grp, f->upperfd >= 0 ? "container" : "image");
	return 0;
}

int eng_group_lookup(struct eng *g, const struct eng_files *f, const char *name, uint32_t *gid,
		     struct brig_err *e)
{
	struct eng_user u = { 0 };
	int r = resolve_group(g, f, name, &u, e);
	*gid = u.gid;
	return r;
}

int eng_user_resolve(struct eng *g, const struct eng_files *f, const char *spec, struct eng_user *u,
		     struct brig_err *e)
{
	*u = (struct eng_user){ 0 };
	if (!spec || !spec[0])
		spec = "0";
	_cleanup_free_ char *copy = strdup(spec);
	if (!copy)
		return brig_err_set(e, -ENOMEM, "out of memory");
	char *grp = strchr(copy, ':');
	if (grp)
		*grp++ = '\0';
	if (!copy[0] || (grp && !grp[0]))
		return brig_err_set(e, -EINVAL, "invalid user \"%s\": use name|uid[:group|gid]",
				    spec);
	_cleanup_free_ char *passwd = NULL;
	int r = read_db(g, f, "/etc/passwd", &passwd, e);
	if (r < 0)
		return r;
	uint32_t id = 0;
	bool numeric = parse_id(copy, &id);
	r = passwd ? passwd_find(passwd, copy, numeric, id, u) : -ENOENT;
	if (r == -ENOMEM)
		return brig_err_set(e, -ENOMEM, "out of memory");
	if (r == -ENOENT) {
		if (!numeric)
			return brig_err_set(e, -ENOENT,
					    "unable to find user %s: no matching entries "
					    "in the %s's /etc/passwd",
					    copy, f->upperfd >= 0 ? "container" : "image");
		u->uid = id;
		u->gid = id == 0 ? 0 : id;
		u->home = strdup("/");
		if (!u->home)
			return brig_err_set(e, -ENOMEM, "out of memory");
	}
	if (grp && (r = resolve_group(g, f, grp, u, e)) < 0)
		return r;
	if (u->name && !grp) {
		_cleanup_free_ char *groups = NULL;
		if ((r = read_db(g, f, "/etc/group", &groups, e)) < 0)
			return r;
		if (groups && member_groups(groups, u->name, u->gid, u) < 0)
			return brig_err_set(e, -E2BIG, "user %s is in more than %d groups", u->name,
					    ENG_USER_MAX_GROUPS);
	}
	return 0;
}

bool eng_user_db_has(const char *db, const char *name, uint32_t id)
{
	_cleanup_free_ char *copy = strdup(db ? db : "");
	char *save = NULL;
	if (!copy)
		return true; /* out of memory: add nothing */
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[4];
		uint32_t v;
		if (split_fields(line, f, 4) >= 3 &&
		    (strcmp(f[0], name) == 0 || (parse_id(f[2], &v) && v == id)))
			return true;
	}
	return false;
}

void eng_user_clear(struct eng_user *u)
{
	free(u->name);
	free(u->home);
	*u = (struct eng_user){ 0 };
}

int eng_image_user_ids(struct eng *g, const json_t *layers, const char *spec, uint32_t *uid,
		       uint32_t *gid, struct brig_err *e)
{
	struct eng_user u;
	int r = eng_user_resolve(g, &(struct eng_files){ layers, -1 }, spec, &u, e);
	*uid = u.uid;
	*gid = u.gid;
	eng_user_clear(&u);
	return r;
}
