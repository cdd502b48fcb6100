/* SPDX-License-Identifier: Apache-2.0 */
/* The layer cache: a layer blob unpacked once, into ROOT/layers/<diff_id
 * hex>, synced before it is published under that name
 * (img_layer_unpack_cached). */
#include "engine/engine-internal.h"
#include "image/layer/layer.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int eng_store_open(const char *root, struct img_store **out, struct brig_err *e)
{
	_cleanup_free_ char *dir = NULL;
	if (asprintf(&dir, "%s/images", root) < 0)
		return brig_err_set(e, -ENOMEM, "out of memory");
	return img_store_open(dir, true, out, e);
}

int eng_layers_open(const char *root, struct brig_err *e)
{
	_cleanup_free_ char *dir = NULL;
	if (asprintf(&dir, "%s/layers", root) < 0)
		return brig_err_set(e, -ENOMEM, "out of memory");
	int r = brig_mkdir_p(AT_FDCWD, dir, 0700, e);
	if (r < 0)
		return r;
	int fd = BRIG_RETRY(open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	return fd < 0 ? brig_err_sys(e, errno, "opening %s", dir) : fd;
}

int eng_layer_unpack_to(const char *root, int in_fd, const char *digest, char diff_id[72],
			int *comp, struct brig_err *e)
{
	_cleanup_close_ int layers_fd = eng_layers_open(root, e);
	if (layers_fd < 0)
		return layers_fd;
	struct img_unpack_result res = { 0 };
	int r = img_layer_unpack_cached(layers_fd, in_fd, NULL, digest, NULL, &res, e);
	if (r == 0) {
		memcpy(diff_id, res.diff_id, IMG_DIGEST_LEN);
		*comp = (int)res.compression;
		if (res.warnings)
			brig_warn("layer %s: %llu warning(s)%s%s", digest,
				  (unsigned long long)res.warnings, res.notes ? ", first: " : "",
				  res.notes ? res.notes[0] : "");
	} else {
		brig_err_wrap(e, "unpacking layer %s", digest);
	}
	img_unpack_result_clear(&res);
	return r;
}

bool eng_layer_present(struct eng *g, const char *diff_id)
{
	char path[128];
	if (!brig_digest_valid(diff_id) ||
	    brig_snprintf(path, sizeof(path), "layers/%s", diff_id + strlen("sha256:")) < 0)
		return false;
	struct stat st;
	return fstatat(g->rootfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

/* ROOT/layers/<hex> of diff_ids[0..n), the last (top-most) first, joined
 * by ':' as overlay's lowerdir; NULL when out of memory. */
static char *layer_dirs(struct eng *g, char *const *diff_ids, size_t n)
{
	char *list = NULL;
	size_t len = 0;
	for (size_t i = n; i-- > 0;)
		if (brig_appendf(&list, &len, "%s%s/layers/%s", len ? ":" : "", g->root,
				 diff_ids[i] + strlen("sha256:")) < 0) {
			free(list);
			return NULL;
		}
	return list;
}

/* Docker's GraphDriver of an image: the storage driver and, when every
 * layer is unpacked, its top layer's directory (UpperDir) over the others
 * (LowerDir, top-most first; absent for one layer).  Data is null for an
 * image whose layers are not all unpacked (or that has none). */
json_t *eng_image_graph_driver(struct eng *g, char *const *diff_ids, size_t n)
{
	bool all = n > 0;
	for (size_t i = 0; all && i < n; i++)
		all = eng_layer_present(g, diff_ids[i]);
	_cleanup_free_ char *upper = all ? layer_dirs(g, diff_ids + n - 1, 1) : NULL;
	_cleanup_free_ char *lower = all && n > 1 ? layer_dirs(g, diff_ids, n - 1) : NULL;
	if (all && (!upper || (n > 1 && !lower)))
		return NULL;
	json_t *data = all ? json_pack("{s:s}", "UpperDir", upper) : json_null();
	if (data && lower && json_object_set_new(data, "LowerDir", json_string(lower)) < 0) {
		json_decref(data);
		return NULL;
	}
	return data ? json_pack("{s:s,s:o}", "Name", eng_rootfs_driver(g), "Data", data) : NULL;
}
