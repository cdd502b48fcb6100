/* SPDX-License-Identifier: Apache-2.0 */
/* What `ps -s` and `top` learn about a container: the size of its root,
 * and the names its users have inside it. */
#include "engine/engine-internal.h"
#include "engine/record-internal.h"
#include "engine/quota-internal.h"
#include "engine/user-internal.h"

#include <dirent.h>

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

/* The bytes of each layer of rec beneath ROOT/layers. */
static int layers_bytes(struct eng *g, const struct eng_record *rec, uint64_t *sum,
			struct brig_err *e)
{
	_cleanup_close_ int fd = eng_layers_open(eng_root(g), e);
	if (fd < 0)
		return fd;
	size_t i;
	json_t *l;
	json_array_foreach(rec->layers, i, l)
	{
		const char *d = json_string_value(json_object_get(l, "diffId"));
		uint64_t n = 0;
		if (d && strncmp(d, "sha256:", 7) == 0 && brig_du(fd, d + 7, &n, NULL) == 0)
			*sum += n;
	}
	return 0;
}

int eng_ctr_size(struct eng *g, const char *id, uint64_t *rw, uint64_t *rootfs, struct brig_err *e)
{
	_cleanup_record_ struct eng_record rec = { 0 };
	bool whole = false;
	int r = eng_record_current(g, id, &rec, e);
	if (r < 0)
		return r;
	*rw = *rootfs = 0;
	_cleanup_close_ int fd = eng_ctr_changes_open(g, &rec, &whole, e);
	if (fd < 0)
		return fd;
	r = brig_du(fd, ".", rw, NULL);
	if (r < 0)
		return brig_err_sys(e, -r, "measuring container %.12s's changes", id);
	*rootfs = *rw;
	return whole ? 0 : layers_bytes(g, &rec, rootfs, e);
}

int eng_ctr_disk_bytes(struct eng *g, const char *id, uint64_t *bytes, struct brig_err *e)
{
	_cleanup_close_ int fd = eng_ctr_open(g, id, e);
	if (fd < 0)
		return fd;
	*bytes = 0;
	uint64_t rw = 0;
	int r = brig_du(fd, ".", bytes, NULL);
	/* A bounded root's rw/ is a btrfs subvolume, a device du does not enter. */
	if (r == 0 && *eng_quota_rw_prefix(fd) && (r = brig_du(fd, ENG_QUOTA_RW, &rw, NULL)) == 0)
		*bytes += rw;
	return r < 0 ? brig_err_sys(e, -r, "measuring container %.12s", id) : 0;
}

int eng_layers_usage(struct eng *g, size_t *n, uint64_t *bytes, struct brig_err *e)
{
	*n = 0;
	*bytes = 0;
	_cleanup_close_ int fd = eng_layers_open(g->root, e);
	if (fd < 0)
		return fd;
	int r = brig_du(fd, ".", bytes, NULL);
	int dfd = r == 0 ? BRIG_RETRY(openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) : -1;
	DIR *dir = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!dir) {
		r = r < 0 ? r : -errno;
		if (dfd >= 0)
			(void)close(dfd);
		return brig_err_sys(e, -r, "measuring the layer cache");
	}
	for (struct dirent *de; (de = readdir(dir));)
		*n += strlen(de->d_name) == 64 && de->d_name[0] != '.'; /* <diff_id hex> */
	(void)closedir(dir);
	return 0;
}

/* One host uid as the container sees it (names[i]: malloc'ed). */
static int user_of(struct eng *g, const struct eng_record *rec, const struct eng_files *f,
		   uint32_t host, uint32_t *ctr, char **name)
{
	bool inside = eng_userns_from_host(&rec->userns, host, false, ctr);
	*name = NULL;
	if (inside) {
		char spec[16];
		struct eng_user eu = { 0 };
		_cleanup_err_ struct brig_err e2 = { 0 };
		(void)snprintf(spec, sizeof(spec), "%u", *ctr);
		if (eng_user_resolve(g, f, spec, &eu, &e2) == 0 && eu.name)
			*name = strdup(eu.name);
		eng_user_clear(&eu);
	}
	if (!*name && asprintf(name, "%u", *ctr) < 0)
		*name = NULL;
	return *name ? 0 : -ENOMEM;
}

int eng_ctr_users(struct eng *g, const char *id, const uint32_t *host_uids, size_t n,
		  uint32_t *ctr_uids, char **names, struct brig_err *e)
{
	_cleanup_record_ struct eng_record rec = { 0 };
	bool whole = false;
	int r = eng_record_current(g, id, &rec, e);
	if (r < 0)
		return r;
	/* without its changes, the image's /etc/passwd still names the users */
	_cleanup_err_ struct brig_err e2 = { 0 };
	_cleanup_close_ int upper = eng_ctr_changes_open(g, &rec, &whole, &e2);
	if (upper < 0)
		brig_debug("top %.12s: %s", id, brig_err_str(&e2));
	struct eng_files f = { whole ? NULL : rec.layers, upper < 0 ? -1 : upper };
	for (size_t i = 0; i < n; i++)
		if (user_of(g, &rec, &f, host_uids[i], &ctr_uids[i], &names[i]) < 0) {
			for (size_t j = 0; j < i; j++) {
				free(names[j]);
				names[j] = NULL;
			}
			return brig_err_oom(e);
		}
	return 0;
}

int eng_ctr_host_ids(struct eng *g, const char *id, uint32_t uid, uint32_t gid, uint32_t *host_uid,
		     uint32_t *host_gid, struct brig_err *e)
{
	_cleanup_record_ struct eng_record rec = { 0 };
	int r = eng_record_current(g, id, &rec, e);
	if (r < 0)
		return r;
	const struct eng_userns *u = &rec.userns;
	if (u->enabled && (uid >= u->size || gid >= u->size))
		return brig_err_set(e, -ERANGE,
				    "container %.12s: %u:%u is outside its user namespace (%u ids)",
				    id, uid, gid, u->size);
	*host_uid = u->enabled ? u->uid + uid : uid;
	*host_gid = u->enabled ? u->gid + gid : gid;
	return 0;
}
