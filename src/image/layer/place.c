/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where an unpacked entry goes: its name cleaned lexically (a ".." that
 * would climb above the root is refused), its parent opened inside the
 * root (openat2 RESOLVE_IN_ROOT; missing parents made), and the slot of
 * its last component cleared, never following a symlink.  Shared by the
 * entry writers (extract.c) and the whiteouts (whiteout.c).
 */
#include "image/layer/layer-internal.h"

#include <fcntl.h>
#include <string.h>

int layer_clean_path(const char *in, char out[PATH_MAX], struct brig_err *e)
{
	int r = brig_path_clean(in, BRIG_PATH_NAME_MAX, out, PATH_MAX);
	if (r == -EPERM)
		return brig_err_set(e, -EPERM, "'%s' climbs out of the layer root", in);
	if (r < 0)
		return brig_err_set(e, -ENAMETOOLONG,
				    "'%.64s...' (or a component of it) is too long", in);
	return 0;
}

int layer_open_parent(struct unpack_ctx *c, const char *path, char base[NAME_MAX + 1])
{
	struct brig_err tmp = { 0 };
	int fd = brig_open_parent_in_root(c->root, path, base, 0, &tmp);
	if (fd != -ENOENT) {
		if (fd < 0) {
			fd = brig_err_set(c->e, fd, "%s", brig_err_str(&tmp));
		}
		brig_err_clear(&tmp);
		return fd;
	}
	brig_err_clear(&tmp);
	/* Missing parents are made as tar does: plain 0755 directories. */
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;
	memcpy(dir, path, n);
	dir[n] = '\0';
	return brig_mkdir_in_root(c->root, dir, 0755, 0, c->e);
}

int layer_clear_slot(struct unpack_ctx *c, int parent, const char *base, bool new_is_dir)
{
	struct stat st;
	if (fstatat(parent, base, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return brig_err_sys(c->e, errno, "examining what is at the name");
	}
	if (S_ISDIR(st.st_mode)) {
		if (new_is_dir)
			return 1;
		return brig_rm_rf(parent, base, c->e);
	}
	if (unlinkat(parent, base, 0) < 0 && errno != ENOENT)
		return brig_err_sys(c->e, errno, "removing what is at the name");
	return 0;
}
