/* SPDX-License-Identifier: Apache-2.0 */
/* brig volume prune: unused volumes and leftovers of interrupted changes
 * (volume.h). */
#include "engine/volume-internal.h"
#include "engine/quota-internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define VOL_DU_DEPTH 128

/* Apparent size of a tree (regular files), not following symlinks nor
 * crossing mounts; deeper than VOL_DU_DEPTH is not counted. */
static uint64_t du_at(int at, const char *name, dev_t dev, int depth)
{
	struct stat st;
	if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != dev)
		return 0;
	if (!S_ISDIR(st.st_mode))
		return S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
	if (depth >= VOL_DU_DEPTH)
		return 0;
	int fd = BRIG_RETRY(openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			(void)close(fd);
		return 0;
	}
	uint64_t sum = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			sum += du_at(dirfd(d), de->d_name, dev, depth + 1);
	(void)closedir(d);
	return sum;
}

static uint64_t vol_size(int volsfd, const char *name)
{
	struct stat st;
	_cleanup_close_ int dfd = BRIG_RETRY(
		openat(volsfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	/* A bounded volume's _data is a subvolume: a device of its own. */
	if (dfd < 0 || fstatat(dfd, VOL_DATA, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	return du_at(dfd, VOL_DATA, st.st_dev, 0);
}

bool eng_labels_match(const json_t *labels, char *const *filters)
{
	for (size_t i = 0; filters && filters[i]; i++) {
		const char *f = filters[i], *eq = strchr(f, '=');
		size_t klen = eq ? (size_t)(eq - f) : strlen(f);
		const char *k;
		json_t *v;
		bool found = false;
		json_object_foreach((json_t *)labels, k, v) found |= strlen(k) == klen &&
			strncmp(k, f, klen) == 0 &&
			(!eq || strcmp(json_string_value(v), eq + 1) == 0);
		if (!found)
			return false;
	}
	return true;
}

static void prune_leftovers(struct eng *g, int volsfd)
{
	_cleanup_err_ struct brig_err e2 = { 0 };
	_cleanup_json_ json_t *left = NULL;
	if (engvol_names(g, volsfd, true, &left, &e2) < 0) {
		brig_warn("%s", brig_err_str(&e2));
		return;
	}
	size_t i;
	json_t *n;
	json_array_foreach(left, i, n) if (eng_quota_rm_rf(volsfd, json_string_value(n), &e2) < 0)
		brig_warn("removing %s: %s", json_string_value(n), brig_err_str(&e2));
}

/* Prune one volume when it qualifies; appends {Name, Size} to removed. */
static int prune_one(struct eng *g, int volsfd, const char *name, bool all, char *const *filters,
		     const json_t *by, json_t *removed, struct brig_err *e)
{
	_cleanup_err_ struct brig_err e2 = { 0 };
	_cleanup_json_ json_t *doc = NULL, *users = NULL;
	if (engvol_vol_read(g, volsfd, name, &doc, &e2) < 0) {
		brig_warn("skipping volume %s: %s", name, brig_err_str(&e2));
		return 0;
	}
	if (!all && !engvol_anonymous(doc))
		return 0;
	if (!eng_labels_match(json_object_get(doc, "Labels"), filters))
		return 0;
	int r = engvol_users(g, volsfd, name, by, NULL, true, &users, e);
	if (r < 0 || json_array_size(users))
		return r;
	uint64_t size = vol_size(volsfd, name);
	if ((r = engvol_vol_delete(g, volsfd, name, e)) < 0)
		return r;
	return json_array_append_new(
		       removed, json_pack("{s:s,s:I}", "Name", name, "Size", (json_int_t)size)) < 0
		? brig_err_oom(e)
		: 0;
}

int eng_volume_prune(struct eng *g, bool all, char *const *label_filters, json_t **removed,
		     struct brig_err *e)
{
	_cleanup_close_ int volsfd = -1, lock = -1;
	int lr = engvol_vols_open_locked(g, &volsfd, &lock, e);
	if (lr < 0)
		return lr;
	prune_leftovers(g, volsfd);
	_cleanup_json_ json_t *names = NULL, *by = NULL, *out = json_array();
	int r = out ? engvol_names(g, volsfd, false, &names, e) : brig_err_oom(e);
	if (r < 0 || (r = engvol_record_users(g, NULL, &by, e)) < 0)
		return r;
	size_t i;
	json_t *n;
	json_array_foreach(names, i,
			   n) if ((r = prune_one(g, volsfd, json_string_value(n), all,
						 label_filters, by, out, e)) < 0) return r;
	*removed = brig_steal_ptr(out);
	return 0;
}
