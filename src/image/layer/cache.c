/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The layer cache: a layer unpacked once into LAYERS/<diff_id hex>.
 *
 * Crash safety: the layer is unpacked into LAYERS/.tmp-XXXXXXXX, checked
 * (digest, diff_id), synced (layer_sync_tree: file by file for a layer of
 * few entries, else one syncfs() of its file system, cheaper than an fsync
 * per file for the thousands of small files a layer may have, and covering
 * the directories too), and only then renamed to its name, after
 * which LAYERS itself is synced.  A crash before the rename leaves only a
 * ".tmp-*" directory, which `brig image prune` removes; one after it
 * leaves a complete layer.
 */
#include "image/layer/layer-internal.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define TMP_TRIES 32

/* Make a fresh LAYERS/.tmp-XXXXXXXX; its fd, and its name in name. */
static int make_tmp(int layers_fd, char name[IMG_LAYER_TMP_NAME_MAX], struct brig_err *e)
{
	for (int i = 0; i < TMP_TRIES; i++) {
		uint32_t rnd = 0;
		if (BRIG_RETRY(getrandom(&rnd, sizeof(rnd), 0)) != (ssize_t)sizeof(rnd))
			return brig_err_sys(e, errno ? errno : EIO, "getrandom");
		(void)snprintf(name, IMG_LAYER_TMP_NAME_MAX, IMG_LAYER_TMP_PREFIX "%08x", rnd);
		if (mkdirat(layers_fd, name, 0700) < 0) {
			if (errno == EEXIST)
				continue;
			return brig_err_sys(e, errno, "creating layers/%s", name);
		}
		int fd = BRIG_RETRY(
			openat(layers_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
		if (fd >= 0)
			return fd;
		int r = brig_err_sys(e, errno, "opening layers/%s", name);
		(void)unlinkat(layers_fd, name, AT_REMOVEDIR);
		return r;
	}
	return brig_err_set(e, -EEXIST, "no free temporary name in the layers directory");
}

static int check_digests(const struct img_unpack_result *res, const char *want_digest,
			 const char *want_diff_id, struct brig_err *e)
{
	if (want_digest && strcmp(res->digest, want_digest) != 0)
		return brig_err_set(e, -EBADMSG,
				    "layer digest mismatch: the blob read hashes "
				    "to %s, not %s",
				    res->digest, want_digest);
	if (want_diff_id && strcmp(res->diff_id, want_diff_id) != 0)
		return brig_err_set(e, -EBADMSG, "its content has diff_id %s, the config says %s",
				    res->diff_id, want_diff_id);
	return 0;
}

/* Rename tmp to hex (not over an existing one) and sync layers_fd.  When
 * hex exists already as a directory, it is kept and tmp removed. */
static int publish(int layers_fd, const char *tmp, const char *hex, struct brig_err *e)
{
	if (renameat2(layers_fd, tmp, layers_fd, hex, RENAME_NOREPLACE) == 0) {
		if (fsync(layers_fd) < 0)
			return brig_err_sys(e, errno, "syncing the layers directory");
		return 0;
	}
	if (errno != EEXIST)
		return brig_err_sys(e, errno, "renaming layers/%s to layers/%s", tmp, hex);
	struct stat st;
	if (fstatat(layers_fd, hex, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
		return brig_err_set(e, -EEXIST, "layers/%s exists and is not a directory", hex);
	return brig_rm_rf(layers_fd, tmp, e);
}

/* Unpack into dest_fd, check, and sync everything written. */
static int unpack_synced(int dest_fd, int in_fd, const struct img_unpack_opts *o,
			 const char *want_digest, const char *want_diff_id,
			 struct img_unpack_result *res, struct brig_err *e)
{
	int r = img_layer_unpack(in_fd, dest_fd, o, res, e);
	if (r == 0)
		r = check_digests(res, want_digest, want_diff_id, e);
	if (r == 0)
		r = layer_sync_tree(dest_fd, res->entries, e);
	return r;
}

int img_layer_unpack_tmp(int layers_dirfd, int in_fd, const struct img_unpack_opts *o,
			 const char *want_digest, const char *want_diff_id,
			 char tmp[IMG_LAYER_TMP_NAME_MAX], struct img_unpack_result *res,
			 struct brig_err *e)
{
	memset(res, 0, sizeof(*res));
	tmp[0] = 0;
	int dest_fd = make_tmp(layers_dirfd, tmp, e);
	if (dest_fd < 0) {
		tmp[0] = 0;
		return dest_fd;
	}
	int r = unpack_synced(dest_fd, in_fd, o, want_digest, want_diff_id, res, e);
	(void)close(dest_fd);
	if (r == 0 && !brig_digest_valid(res->diff_id))
		r = brig_err_set(e, -EINVAL, "no diff_id was computed");
	if (r < 0)
		img_layer_discard(layers_dirfd, tmp);
	return r;
}

int img_layer_publish(int layers_dirfd, char tmp[IMG_LAYER_TMP_NAME_MAX], const char *diff_id,
		      struct brig_err *e)
{
	int r = publish(layers_dirfd, tmp, diff_id + strlen("sha256:"), e);
	if (r < 0)
		img_layer_discard(layers_dirfd, tmp);
	tmp[0] = 0;
	return r;
}

void img_layer_discard(int layers_dirfd, char tmp[IMG_LAYER_TMP_NAME_MAX])
{
	if (!tmp[0])
		return;
	struct brig_err e2 = { 0 };
	if (brig_rm_rf(layers_dirfd, tmp, &e2) < 0)
		brig_warn("removing layers/%s: %s", tmp, brig_err_str(&e2));
	brig_err_clear(&e2);
	tmp[0] = 0;
}

int img_layer_unpack_cached(int layers_dirfd, int in_fd, const struct img_unpack_opts *o,
			    const char *want_digest, const char *want_diff_id,
			    struct img_unpack_result *res, struct brig_err *e)
{
	char tmp[IMG_LAYER_TMP_NAME_MAX];
	int r = img_layer_unpack_tmp(layers_dirfd, in_fd, o, want_digest, want_diff_id, tmp, res,
				     e);
	return r < 0 ? r : img_layer_publish(layers_dirfd, tmp, res->diff_id, e);
}
