/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Volumes: ROOT/volumes/<name>/{volume.json,_data/,pending/}.  See volume.h
 * for the layout and for when a volume counts as in use.
 *
 * Every change (create, claim, remove) happens under ROOT/volumes/.lock.
 * This file never takes names.lock, so it may be called by code that holds
 * it (container removal) without deadlock.
 */
#include "engine/volume-internal.h"
#include "engine/quota-internal.h"
#include "engine/record-internal.h"
#include "engine/flags/flags.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define VOL_LOCK ".lock"

bool eng_volume_name_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 2 || n > ENG_VOLUME_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9');
		if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-')))
			return false;
	}
	return true;
}

bool engvol_ctr_id_valid(const char *id)
{
	if (!id || strlen(id) != ENG_ID_LEN)
		return false;
	for (size_t i = 0; i < ENG_ID_LEN; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return false;
	return true;
}

/* ---- the volumes directory ---------------------------------------------- */

static int vols_open(struct eng *g, struct brig_err *e)
{
	if (mkdirat(g->rootfd, VOL_DIR, 0700) < 0 && errno != EEXIST)
		return brig_err_sys(e, errno, "creating %s/%s", g->root, VOL_DIR);
	int fd = BRIG_RETRY(
		openat(g->rootfd, VOL_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	if (fd < 0)
		return brig_err_sys(e, errno, "opening %s/%s", g->root, VOL_DIR);
	return fd;
}

static int vols_lock(int volsfd, struct brig_err *e)
{
	return brig_lock_path(volsfd, VOL_LOCK, BRIG_LOCK_EXCLUSIVE, true, e);
}

int engvol_vols_open_locked(struct eng *g, int *volsfd, int *lock, struct brig_err *e)
{
	if ((*volsfd = vols_open(g, e)) < 0)
		return *volsfd;
	if ((*lock = vols_lock(*volsfd, e)) < 0)
		return *lock;
	return 0;
}

/* Open ROOT/volumes/<name> (a directory, never a symlink); -ENOENT. */
int engvol_vol_dirfd(struct eng *g, int volsfd, const char *name, struct brig_err *e)
{
	int fd = BRIG_RETRY(openat(volsfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	if (fd < 0 && (errno == ENOENT || errno == ENOTDIR || errno == ELOOP))
		return brig_err_set(e, -ENOENT, "no such volume: %s", name);
	if (fd < 0)
		return brig_err_sys(e, errno, "opening %s/%s/%s", g->root, VOL_DIR, name);
	return fd;
}

int engvol_data_path(struct eng *g, const char *name, char *buf, size_t size, struct brig_err *e)
{
	if (brig_snprintf(buf, size, "%s/%s/%s/%s", g->root, VOL_DIR, name, VOL_DATA) < 0)
		return brig_err_set(e, -ENAMETOOLONG, "volume path too long: %s", name);
	return 0;
}

int engvol_random_hex(char *out, size_t bytes, struct brig_err *e)
{
	unsigned char raw[32];
	if (bytes > sizeof(raw))
		return brig_err_set(e, -EINVAL, "random name too long");
	if (BRIG_RETRY(getrandom(raw, bytes, 0)) != (ssize_t)bytes)
		return brig_err_sys(e, EIO, "getrandom");
	for (size_t i = 0; i < bytes; i++)
		(void)snprintf(out + 2 * i, 3, "%02x", raw[i]);
	return 0;
}

/* ---- volume.json ---------------------------------------------------------- */

static int check_strings(const json_t *obj, const struct bj_loc *at, struct brig_err *e)
{
	const char *k;
	json_t *v;
	if (json_object_size(obj) > ENG_VOLUME_LABELS_MAX)
		return bj_fail(e, at, "more than %d members", ENG_VOLUME_LABELS_MAX);
	json_object_foreach((json_t *)obj, k, v)
	{
		struct bj_loc sub;
		bj_key(&sub, at, k);
		int r = bj_expect(v, &sub, JSON_STRING, e);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Schema of volume.json; file names it in errors. */
static int vol_check(const json_t *doc, const char *file, const char *name, struct brig_err *e)
{
	static const char *const keys[] = { "Name",   "Driver",  "Mountpoint", "CreatedAt",
					    "Labels", "Options", "Anonymous",  NULL };
	struct bj_loc at, sub;
	bj_root(&at, file);
	const char *s;
	json_t *obj;
	bool anon; /* of older files: the label now */
	int r = bj_only_keys(doc, &at, keys, e);
	if (r < 0 || (r = bj_get_str(doc, &at, "Name", true, &s, e)) < 0)
		return r;
	bj_key(&sub, &at, "Name");
	if (strcmp(s, name) != 0)
		return bj_fail(e, &sub, "\"%.64s\" is not the directory's name", s);
	if ((r = bj_get_str(doc, &at, "Driver", true, &s, e)) < 0)
		return r;
	bj_key(&sub, &at, "Driver");
	if (strcmp(s, "local") != 0)
		return bj_fail(e, &sub, "\"%.64s\" is not \"local\"", s);
	if ((r = bj_get_str(doc, &at, "Mountpoint", true, &s, e)) < 0 ||
	    (r = bj_get_str(doc, &at, "CreatedAt", true, &s, e)) < 0 ||
	    (r = bj_get_bool(doc, &at, "Anonymous", false, &anon, e)) < 0)
		return r;
	static const char *const maps[] = { "Labels", "Options" };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(maps); i++) {
		if ((r = bj_get_obj(doc, &at, maps[i], true, &obj, e)) < 0)
			return r;
		bj_key(&sub, &at, maps[i]);
		if ((r = check_strings(obj, &sub, e)) < 0)
			return r;
	}
	return 0;
}

/* An older volume.json's "Anonymous": true as Docker's label. */
static int anon_label(json_t *doc, struct brig_err *e)
{
	json_t *anon = json_object_get(doc, "Anonymous");
	if (!anon)
		return 0;
	if (json_is_true(anon) &&
	    json_object_set_new(json_object_get(doc, "Labels"), ENG_VOLUME_ANON_LABEL,
				json_string("")) < 0)
		return brig_err_oom(e);
	return json_object_del(doc, "Anonymous") < 0 ? brig_err_oom(e) : 0;
}

bool engvol_anonymous(const json_t *doc)
{
	return json_object_get(json_object_get(doc, "Labels"), ENG_VOLUME_ANON_LABEL) != NULL;
}

/* The inspect object of ROOT/volumes/<name>: volume.json, checked, with the
 * Mountpoint of the current root and Docker's "Scope". */
int engvol_vol_read(struct eng *g, int volsfd, const char *name, json_t **out, struct brig_err *e)
{
	char file[PATH_MAX], data[PATH_MAX];
	_cleanup_close_ int dfd = engvol_vol_dirfd(g, volsfd, name, e);
	if (dfd < 0)
		return dfd;
	int r = engvol_data_path(g, name, data, sizeof(data), e);
	if (r < 0)
		return r;
	(void)snprintf(file, sizeof(file), "%s/%s/%s/%s", g->root, VOL_DIR, name, ENG_VOLUME_JSON);
	_cleanup_free_ char *buf = NULL;
	_cleanup_json_ json_t *doc = NULL;
	size_t len;
	if ((r = brig_read_file(dfd, ENG_VOLUME_JSON, ENG_VOLUME_JSON_MAX, &buf, &len, e)) < 0)
		return r == -ENOENT
			? brig_err_set(e, -EINVAL, "%s is missing (a damaged volume)", file)
			: r;
	if ((r = bj_parse(buf, len, file, &doc, e)) < 0 ||
	    (r = vol_check(doc, file, name, e)) < 0 || (r = anon_label(doc, e)) < 0)
		return r;
	if (json_object_set_new(doc, "Mountpoint", json_string(data)) < 0 ||
	    json_object_set_new(doc, "Scope", json_string("local")) < 0)
		return brig_err_oom(e);
	*out = brig_steal_ptr(doc);
	return 0;
}

bool engvol_vol_exists(int volsfd, const char *name)
{
	struct stat st;
	return fstatat(volsfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

/* ---- making and deleting -------------------------------------------------- */

static int vol_fill(struct eng *g, int dfd, const char *name, const json_t *labels, bool anon,
		    int64_t size, struct brig_err *e)
{
	char data[PATH_MAX], now[64];
	int r = engvol_data_path(g, name, data, sizeof(data), e);
	if (r < 0)
		return r;
	if (size && (r = eng_quota_mkdir(g, dfd, VOL_DATA, 0755, size, "--opt size", e)) < 0)
		return r;
	if (!size && (mkdirat(dfd, VOL_DATA, 0755) < 0 || fchmodat(dfd, VOL_DATA, 0755, 0) < 0))
		return brig_err_sys(e, errno, "creating %s", data);
	if (mkdirat(dfd, VOL_PENDING, 0700) < 0)
		return brig_err_sys(e, errno, "creating the claims of volume %s", name);
	eng_now(now);
	_cleanup_json_ json_t *all = json_copy((json_t *)labels);
	if (!all || (anon && json_object_set_new(all, ENG_VOLUME_ANON_LABEL, json_string("")) < 0))
		return brig_err_oom(e);
	_cleanup_json_ json_t *doc = json_pack("{s:s,s:s,s:s,s:s,s:O,s:o}", "Name", name, "Driver",
					       "local", "Mountpoint", data, "CreatedAt", now,
					       "Labels", all, "Options", eng_quota_opts_json(size));
	_cleanup_free_ char *text = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
	if (!text)
		return brig_err_oom(e);
	if (strlen(text) > ENG_VOLUME_JSON_MAX)
		return brig_err_set(e, -E2BIG, "volume %s: its labels are too large", name);
	return brig_atomic_write(dfd, ENG_VOLUME_JSON, text, strlen(text), 0600, e);
}

/* Make the volume in ROOT/volumes/.tmp-XXXX and rename it to name (which
 * must not exist: -EEXIST).  Called under the volumes lock. */
int engvol_vol_make(struct eng *g, int volsfd, const char *name, const json_t *labels, bool anon,
		    int64_t size, struct brig_err *e)
{
	char tmp[5 + 33] = ".tmp-";
	_cleanup_json_ json_t *empty = json_object();
	int r = engvol_random_hex(tmp + 5, 16, e);
	if (r < 0)
		return r;
	if (!empty)
		return brig_err_oom(e);
	if (mkdirat(volsfd, tmp, 0700) < 0)
		return brig_err_sys(e, errno, "creating %s/%s/%s", g->root, VOL_DIR, tmp);
	_cleanup_close_ int dfd = BRIG_RETRY(
		openat(volsfd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	if (dfd < 0)
		r = brig_err_sys(e, errno, "opening %s/%s/%s", g->root, VOL_DIR, tmp);
	else
		r = vol_fill(g, dfd, name, labels ? labels : empty, anon, size, e);
	if (r == 0 && renameat2(volsfd, tmp, volsfd, name, RENAME_NOREPLACE) < 0)
		r = errno == EEXIST ? brig_err_set(e, -EEXIST, "volume %s exists", name)
				    : brig_err_sys(e, errno, "renaming volume %s into place", name);
	if (r == 0 && fsync(volsfd) < 0)
		r = brig_err_sys(e, errno, "syncing %s/%s", g->root, VOL_DIR);
	if (r < 0) {
		_cleanup_err_ struct brig_err e2 = { 0 };
		if (eng_quota_rm_rf(volsfd, tmp, &e2) < 0)
			brig_warn("removing %s: %s", tmp, brig_err_str(&e2));
	}
	return r;
}

/* Rename to .rm-<name> (a crash leaves no half-deleted volume that still
 * looks whole), then delete.  Under the volumes lock. */
int engvol_vol_delete(struct eng *g, int volsfd, const char *name, struct brig_err *e)
{
	char gone[ENG_VOLUME_NAME_MAX + 8];
	(void)snprintf(gone, sizeof(gone), ".rm-%s", name);
	int r = eng_quota_rm_rf(volsfd, gone, e); /* an earlier crash's leftover */
	if (r < 0)
		return r;
	if (renameat(volsfd, name, volsfd, gone) < 0)
		return brig_err_sys(e, errno, "removing volume %s from %s/%s", name, g->root,
				    VOL_DIR);
	return eng_quota_rm_rf(volsfd, gone, e);
}

int eng_volume_create(struct eng *g, const char *name, const json_t *labels, char *const *opts,
		      size_t n_opts, json_t **out, struct brig_err *e)
{
	char anon[ENG_ID_LEN + 1];
	int64_t size;
	int sr = eng_quota_parse_opts(opts, n_opts, "--opt", &size, e);
	if (sr < 0)
		return sr;
	if (name && !eng_volume_name_valid(name))
		return brig_err_set(e, -EINVAL,
				    "invalid volume name \"%.64s\": use "
				    "[a-zA-Z0-9][a-zA-Z0-9_.-]+, 2 to %d characters",
				    name, ENG_VOLUME_NAME_MAX);
	/* an anonymous volume has one more: ENG_VOLUME_ANON_LABEL */
	size_t most = ENG_VOLUME_LABELS_MAX - (name ? 0 : 1);
	if (labels && (!json_is_object(labels) || json_object_size(labels) > most))
		return brig_err_set(
			e, -EINVAL, "at most %zu labels%s", most,
			name ? "" : " (an anonymous volume also has " ENG_VOLUME_ANON_LABEL ")");
	_cleanup_close_ int volsfd = -1, lock = -1;
	int lr = engvol_vols_open_locked(g, &volsfd, &lock, e);
	if (lr < 0)
		return lr;
	int r = 0;
	if (!name) {
		if ((r = engvol_random_hex(anon, ENG_ID_LEN / 2, e)) < 0)
			return r;
		name = anon;
	}
	if (!engvol_vol_exists(volsfd, name) &&
	    (r = engvol_vol_make(g, volsfd, name, labels, name == anon, size, e)) < 0)
		return r;
	_cleanup_json_ json_t *doc = NULL;
	if ((r = engvol_vol_read(g, volsfd, name, &doc, e)) < 0)
		return r;
	if (out)
		*out = brig_steal_ptr(doc);
	return 0;
}

int eng_volume_inspect(struct eng *g, const char *name, json_t **out, struct brig_err *e)
{
	if (!eng_volume_name_valid(name))
		return brig_err_set(e, -ENOENT, "no such volume: %.64s", name);
	_cleanup_close_ int volsfd = vols_open(g, e);
	if (volsfd < 0)
		return volsfd;
	return engvol_vol_read(g, volsfd, name, out, e);
}

/* ---- who uses a volume ---------------------------------------------------- */

static int ids_add(json_t *ids, const char *id, struct brig_err *e)
{
	size_t i;
	json_t *v;
	json_array_foreach(ids, i, v) if (strcmp(json_string_value(v), id) == 0) return 0;
	return json_array_append_new(ids, json_string(id)) < 0 ? brig_err_oom(e) : 0;
}

/* From every container record except skip's: volume name -> [ids]. */
int engvol_record_users(struct eng *g, const char *skip, json_t **out, struct brig_err *e)
{
	_cleanup_json_ json_t *by = json_object();
	_cleanup_(eng_records_clear) struct eng_records all = { 0 };
	if (!by)
		return brig_err_oom(e);
	int r = eng_records_all(g, &all, e);
	if (r < 0)
		return r;
	for (size_t i = 0; i < all.n; i++) {
		const char *id = all.v[i].id;
		if (skip && strcmp(id, skip) == 0)
			continue;
		for (size_t j = 0; j < all.v[i].n_mounts; j++) {
			const char *type = all.v[i].mounts[j].type, *name = all.v[i].mounts[j].name;
			if (strcmp(type, "volume") != 0 || !name)
				continue;
			json_t *ids = json_object_get(by, name);
			if (!ids && json_object_set_new(by, name, ids = json_array()) < 0)
				return brig_err_oom(e);
			if ((r = ids_add(ids, id, e)) < 0)
				return r;
		}
	}
	*out = brig_steal_ptr(by);
	return 0;
}

/* Does ROOT/containers/.tmp-<id> or <id> exist? */
bool engvol_ctr_dir_exists(struct eng *g, const char *id)
{
	char tmp[ENG_ID_LEN + 8];
	struct stat st;
	(void)snprintf(tmp, sizeof(tmp), ".tmp-%s", id);
	return fstatat(g->ctrsfd, tmp, &st, AT_SYMLINK_NOFOLLOW) == 0 ||
		fstatat(g->ctrsfd, id, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Claims (pending/<id>) of containers that still exist, except skip's;
 * with drop_stale (under the lock), the others are deleted. */
static int claim_users(struct eng *g, int dfd, const char *skip, bool drop_stale, json_t *ids,
		       struct brig_err *e)
{
	int fd = BRIG_RETRY(
		openat(dfd, VOL_PENDING, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	if (fd < 0)
		return errno == ENOENT ? 0 : brig_err_sys(e, errno, "opening a volume's claims");
	DIR *d = fdopendir(fd);
	if (!d) {
		(void)close(fd);
		return brig_err_sys(e, errno, "reading a volume's claims");
	}
	struct dirent *de;
	int r = 0;
	while (r == 0 && (de = readdir(d))) {
		if (!engvol_ctr_id_valid(de->d_name) || (skip && strcmp(de->d_name, skip) == 0))
			continue;
		if (engvol_ctr_dir_exists(g, de->d_name))
			r = ids_add(ids, de->d_name, e);
		else if (drop_stale && unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT)
			brig_warn("removing a stale volume claim: %s", strerror(errno));
	}
	(void)closedir(d);
	return r;
}

/* The ids of the containers that use volume name (skip excepted). */
int engvol_users(struct eng *g, int volsfd, const char *name, const json_t *by_records,
		 const char *skip, bool drop_stale, json_t **out, struct brig_err *e)
{
	_cleanup_json_ json_t *ids = json_array();
	const json_t *known = json_object_get(by_records, name);
	if (!ids || (known && json_array_extend(ids, (json_t *)known) < 0))
		return brig_err_oom(e);
	_cleanup_close_ int dfd = engvol_vol_dirfd(g, volsfd, name, e);
	if (dfd < 0)
		return dfd;
	int r = claim_users(g, dfd, skip, drop_stale, ids, e);
	if (r < 0)
		return r;
	*out = brig_steal_ptr(ids);
	return 0;
}

/* ---- listing, removing, pruning ------------------------------------------- */

/* The names of ROOT/volumes, sorted (also the leftovers when asked). */
int engvol_names(struct eng *g, int volsfd, bool leftovers, json_t **out, struct brig_err *e)
{
	_cleanup_json_ json_t *names = json_array();
	int fd = BRIG_RETRY(openat(volsfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			(void)close(fd);
		return brig_err_sys(e, errno, "reading %s/%s", g->root, VOL_DIR);
	}
	struct dirent *de;
	int r = names ? 0 : brig_err_oom(e);
	while (r == 0 && (de = readdir(d))) {
		bool left = strncmp(de->d_name, ".tmp-", 5) == 0 ||
			strncmp(de->d_name, ".rm-", 4) == 0;
		if (leftovers ? left : eng_volume_name_valid(de->d_name))
			r = json_array_append_new(names, json_string(de->d_name)) < 0
				? brig_err_oom(e)
				: 0;
	}
	(void)closedir(d);
	if (r < 0)
		return r;
	size_t n = json_array_size(names);
	for (size_t i = 1; i < n; i++) /* insertion sort: small lists */
		for (size_t j = i; j > 0 &&
		     strcmp(json_string_value(json_array_get(names, j - 1)),
			    json_string_value(json_array_get(names, j))) > 0;
		     j--) {
			json_t *a = json_incref(json_array_get(names, j - 1));
			(void)json_array_set(names, j - 1, json_array_get(names, j));
			(void)json_array_set_new(names, j, a);
		}
	*out = brig_steal_ptr(names);
	return 0;
}

int eng_volume_list(struct eng *g, json_t **out, struct brig_err *e)
{
	_cleanup_close_ int volsfd = vols_open(g, e);
	if (volsfd < 0)
		return volsfd;
	_cleanup_json_ json_t *names = NULL, *by = NULL, *arr = json_array();
	int r = arr ? engvol_names(g, volsfd, false, &names, e) : brig_err_oom(e);
	if (r < 0 || (r = engvol_record_users(g, NULL, &by, e)) < 0)
		return r;
	size_t i;
	json_t *n;
	json_array_foreach(names, i, n)
	{
		const char *name = json_string_value(n);
		_cleanup_err_ struct brig_err e2 = { 0 };
		_cleanup_json_ json_t *doc = NULL, *users = NULL;
		if (engvol_vol_read(g, volsfd, name, &doc, &e2) < 0 ||
		    engvol_users(g, volsfd, name, by, NULL, false, &users, &e2) < 0) {
			brig_warn("skipping volume %s: %s", name, brig_err_str(&e2));
			continue;
		}
		if (json_object_set(doc, "UsedBy", users) < 0 || json_array_append(arr, doc) < 0)
			return brig_err_oom(e);
	}
	*out = brig_steal_ptr(arr);
	return 0;
}

/* Remove name unless a container (other than skip) uses it. */
int engvol_remove_unused(struct eng *g, int volsfd, const char *name, const json_t *by,
			 const char *skip, struct brig_err *e)
{
	_cleanup_json_ json_t *users = NULL;
	int r = engvol_users(g, volsfd, name, by, skip, true, &users, e);
	if (r < 0)
		return r;
	if (json_array_size(users))
		return brig_err_set(e, -EBUSY, "volume %s is in use by container %.12s", name,
				    json_string_value(json_array_get(users, 0)));
	return engvol_vol_delete(g, volsfd, name, e);
}

int eng_volume_remove(struct eng *g, const char *name, struct brig_err *e)
{
	if (!eng_volume_name_valid(name))
		return brig_err_set(e, -ENOENT, "no such volume: %.64s", name);
	_cleanup_close_ int volsfd = -1, lock = -1;
	int lr = engvol_vols_open_locked(g, &volsfd, &lock, e);
	if (lr < 0)
		return lr;
	_cleanup_json_ json_t *doc = NULL, *by = NULL;
	int r = engvol_vol_read(g, volsfd, name, &doc, e);
	if (r == -ENOENT || (r < 0 && !engvol_vol_exists(volsfd, name)))
		return r;
	if (r < 0) /* a damaged volume can still be removed */
		brig_warn("volume %s: %s", name, brig_err_str(e));
	brig_err_clear(e);
	if ((r = engvol_record_users(g, NULL, &by, e)) < 0)
		return r;
	return engvol_remove_unused(g, volsfd, name, by, NULL, e);
}
