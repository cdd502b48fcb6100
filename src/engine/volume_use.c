/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Containers' volumes: the named and anonymous volumes a container asks
 * for are made or found and claimed while it is made (eng_volumes_resolve),
 * and released, anonymous ones removed on request, when it goes
 * (eng_volumes_release).  The volume store itself is volume.c.
 */
#include "engine/volume-internal.h"
#include "engine/record-internal.h"
#include "engine/flags/flags.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- containers' volumes -------------------------------------------------- */

struct vol_claim {
	char name[ENG_VOLUME_NAME_MAX + 1];
	bool claimed, made_anon;
};

static int claim_write(struct eng *g, int volsfd, const char *name, const char *ctr_id,
		       struct brig_err *e)
{
	_cleanup_close_ int dfd = engvol_vol_dirfd(g, volsfd, name, e);
	if (dfd < 0)
		return dfd;
	if (mkdirat(dfd, VOL_PENDING, 0700) < 0 && errno != EEXIST)
		return brig_err_sys(e, errno, "creating the claims of volume %s", name);
	_cleanup_close_ int pfd = BRIG_RETRY(
		openat(dfd, VOL_PENDING, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	if (pfd < 0)
		return brig_err_sys(e, errno, "opening the claims of volume %s", name);
	int fd = BRIG_RETRY(openat(pfd, ctr_id, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
	if (fd < 0)
		return brig_err_sys(e, errno, "claiming volume %s", name);
	(void)close(fd);
	return 0;
}

static void claim_drop(int volsfd, const char *name, const char *ctr_id)
{
	_cleanup_close_ int dfd = BRIG_RETRY(
		openat(volsfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	_cleanup_close_ int pfd = dfd < 0
		? -1
		: BRIG_RETRY(openat(dfd, VOL_PENDING,
				    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	if (pfd >= 0 && unlinkat(pfd, ctr_id, 0) < 0 && errno != ENOENT)
		brig_warn("removing the claim of %.12s on volume %s: %s", ctr_id, name,
			  strerror(errno));
}

/* The volume of request req (made when missing), claimed for ctr_id. */
static int claim_one(struct eng *g, int volsfd, const struct eng_volume_req *req,
		     const char *ctr_id, struct vol_claim *c, struct brig_err *e)
{
	int r;
	if (!req->name || !req->name[0]) {
		do {
			if ((r = engvol_random_hex(c->name, ENG_ID_LEN / 2, e)) < 0)
				return r;
		} while (engvol_vol_exists(volsfd, c->name));
		if ((r = engvol_vol_make(g, volsfd, c->name, NULL, true, 0, e)) < 0)
			return r;
		c->made_anon = true;
	} else {
		if (!eng_volume_name_valid(req->name))
			return brig_err_set(e, -EINVAL, "invalid volume name \"%.64s\"", req->name);
		(void)snprintf(c->name, sizeof(c->name), "%s", req->name);
		if (!engvol_vol_exists(volsfd, c->name) &&
		    (r = engvol_vol_make(g, volsfd, c->name, NULL, false, 0, e)) < 0)
			return r;
		_cleanup_json_ json_t *doc = NULL;
		if ((r = engvol_vol_read(g, volsfd, c->name, &doc, e)) < 0)
			return r;
	}
	if ((r = claim_write(g, volsfd, c->name, ctr_id, e)) < 0)
		return r;
	c->claimed = true;
	return 0;
}

static json_t *mount_entry(const struct vol_claim *c, const struct eng_volume_req *req,
			   const char *source)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:s}", "Type", "volume", "Name", c->name,
			 "Source", source, "Destination", req->destination, "Driver", "local",
			 "Mode", req->readonly ? "ro" : "", "RW", !req->readonly, "Propagation",
			 "");
}

static void claims_undo(struct eng *g, int volsfd, struct vol_claim *c, size_t n,
			const char *ctr_id)
{
	for (size_t i = 0; i < n; i++) {
		_cleanup_err_ struct brig_err e2 = { 0 };
		if (c[i].claimed)
			claim_drop(volsfd, c[i].name, ctr_id);
		if (c[i].made_anon && engvol_vol_delete(g, volsfd, c[i].name, &e2) < 0)
			brig_warn("removing volume %s: %s", c[i].name, brig_err_str(&e2));
	}
}

static int resolve_all(struct eng *g, int volsfd, struct eng_flags *f, const char *ctr_id,
		       struct vol_claim *c, json_t *arr, struct brig_err *e)
{
	size_t n = eng_flags_volume_count(f);
	for (size_t i = 0; i < n; i++) {
		struct eng_volume_req req;
		char source[PATH_MAX];
		int r = eng_flags_volume_get(f, i, &req);
		if (r < 0)
			return brig_err_set(e, r, "volume request %zu", i);
		if ((r = claim_one(g, volsfd, &req, ctr_id, &c[i], e)) < 0 ||
		    (r = engvol_data_path(g, c[i].name, source, sizeof(source), e)) < 0 ||
		    (r = eng_flags_volume_resolve(f, i, source, e)) < 0)
			return brig_err_wrap(e, "volume for %s", req.destination);
		json_t *m = mount_entry(&c[i], &req, source);
		if (!m || json_array_append_new(arr, m) < 0)
			return brig_err_oom(e);
	}
	return 0;
}

int eng_volumes_resolve(struct eng *g, struct eng_flags *f, const char *ctr_id, json_t **mounts,
			struct brig_err *e)
{
	size_t n = eng_flags_volume_count(f);
	if (!engvol_ctr_id_valid(ctr_id))
		return brig_err_set(e, -EINVAL, "invalid container id \"%.70s\"", ctr_id);
	_cleanup_json_ json_t *arr = json_array();
	if (!arr)
		return brig_err_oom(e);
	if (n == 0) {
		*mounts = brig_steal_ptr(arr);
		return 0;
	}
	if (!engvol_ctr_dir_exists(g, ctr_id))
		return brig_err_set(e, -ENOENT,
				    "container %.12s: its directory must exist before "
				    "its volumes are claimed",
				    ctr_id);
	_cleanup_close_ int volsfd = -1, lock = -1;
	int lr = engvol_vols_open_locked(g, &volsfd, &lock, e);
	if (lr < 0)
		return lr;
	_cleanup_free_ struct vol_claim *c = calloc(n, sizeof(*c));
	if (!c)
		return brig_err_oom(e);
	int r = resolve_all(g, volsfd, f, ctr_id, c, arr, e);
	if (r < 0) {
		claims_undo(g, volsfd, c, n, ctr_id);
		return r;
	}
	*mounts = brig_steal_ptr(arr);
	return 0;
}

/* One volume of a removed container: drop the claim; maybe remove it. */
static int release_one(struct eng *g, int volsfd, const char *name, const char *ctr_id,
		       bool remove_anonymous, const json_t *by, struct brig_err *e)
{
	claim_drop(volsfd, name, ctr_id);
	if (!remove_anonymous || !engvol_vol_exists(volsfd, name))
		return 0;
	_cleanup_json_ json_t *doc = NULL;
	int r = engvol_vol_read(g, volsfd, name, &doc, e);
	if (r < 0 || !engvol_anonymous(doc))
		return r;
	_cleanup_err_ struct brig_err e2 = { 0 };
	if ((r = engvol_remove_unused(g, volsfd, name, by, ctr_id, &e2)) == -EBUSY) {
		brig_warn("keeping %s", brig_err_str(&e2));
		return 0;
	}
	return r < 0 ? brig_err_set(e, r, "%s", brig_err_str(&e2)) : 0;
}

int eng_volumes_release(struct eng *g, const char *id, const struct eng_rec_mount *mounts,
			size_t n_mounts, bool remove_anonymous, struct brig_err *e)
{
	if (!engvol_ctr_id_valid(id))
		return brig_err_set(e, -EINVAL, "a container record without a valid Id");
	if (n_mounts == 0)
		return 0;
	_cleanup_close_ int volsfd = -1, lock = -1;
	int lr = engvol_vols_open_locked(g, &volsfd, &lock, e);
	if (lr < 0)
		return lr;
	_cleanup_json_ json_t *by = NULL;
	int r = remove_anonymous ? engvol_record_users(g, id, &by, e) : 0, first = 0;
	if (r < 0)
		return r;
	for (size_t i = 0; i < n_mounts; i++) {
		const char *type = mounts[i].type, *name = mounts[i].name;
		if (strcmp(type, "volume") != 0 || !eng_volume_name_valid(name))
			continue;
		_cleanup_err_ struct brig_err e2 = { 0 };
		if ((r = release_one(g, volsfd, name, id, remove_anonymous, by, &e2)) < 0 &&
		    first == 0)
			first = brig_err_set(e, r, "%s", brig_err_str(&e2));
	}
	return first;
}
