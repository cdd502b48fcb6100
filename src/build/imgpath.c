/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Paths of the image being built, as its layers (unpacked in the layer
 * cache) show them, topmost first: what a COPY destination or a WORKDIR
 * names, its symlinks followed as the container would (inside the image:
 * an absolute target starts again at its root), and the directories of the
 * way with their modes and owners, so that a staged layer repeats them
 * rather than replacing them (Debian's /bin -> usr/bin stays a link).
 * Whiteouts are not consulted: a path removed by a later layer is taken to
 * be there still.
 */
#include "build/build-internal.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HOPS_MAX 40

/* 1 and st (and link, for a symlink) when some layer has rel; 0 if none. */
int bld_img_lookup(struct bld_ctx *c, struct bld_state *st, const char *rel, struct stat *sb,
		   char link[PATH_MAX], struct brig_err *e)
{
	_cleanup_close_ int layers = eng_layers_open(eng_root(c->g), e);
	if (layers < 0)
		return layers;
	for (size_t i = st->n_layers; i-- > 0;) {
		_cleanup_close_ int ld = BRIG_RETRY(
			openat(layers, st->layers[i].diff_id + 7,
			       O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
		if (ld < 0)
			continue; /* not unpacked here: nothing to say */
		_cleanup_err_ struct brig_err e2 = { 0 };
		_cleanup_close_ int fd = brig_open_in_root(ld, rel, O_PATH | O_NOFOLLOW, 0,
							   BRIG_RESOLVE_NOFOLLOW_LAST, &e2);
		if (fd < 0)
			continue;
		if (fstat(fd, sb) < 0)
			return brig_err_sys(e, errno, "stat of /%s in a layer", rel);
		if (S_ISLNK(sb->st_mode)) {
			ssize_t n = readlinkat(fd, "", link, PATH_MAX - 1);
			if (n < 0)
				return brig_err_sys(e, errno, "reading the link /%s", rel);
			link[n] = '\0';
		}
		return 1;
	}
	return 0;
}

/* path (absolute, cleaned) with the image's symlinks followed, as a
 * relative path ("" the root) in out. */
int bld_img_resolve(struct bld_ctx *c, struct bld_state *st, const char *path, char out[PATH_MAX],
		    struct brig_err *e)
{
	char cur[PATH_MAX], todo[PATH_MAX], link[PATH_MAX], tmp[PATH_MAX];
	if (brig_path_clean(path, BRIG_PATH_CLAMP, todo, sizeof(todo)) < 0)
		return brig_err_set(e, -ENAMETOOLONG, "%s: too long", path);
	cur[0] = '\0';
	for (int hops = 0; todo[0];) {
		size_t n = strcspn(todo, "/");
		const char *rest = todo[n] ? todo + n + 1 : "";
		if (brig_snprintf(tmp, sizeof(tmp), "%s%s%.*s", cur, cur[0] ? "/" : "", (int)n,
				  todo) < 0)
			return brig_err_set(e, -ENAMETOOLONG, "%s: too long", path);
		struct stat sb;
		int r = bld_img_lookup(c, st, tmp, &sb, link, e);
		if (r < 0)
			return r;
		if (r == 0 || !S_ISLNK(sb.st_mode)) {
			snprintf(cur, sizeof(cur), "%s", tmp);
			memmove(todo, rest, strlen(rest) + 1);
			continue;
		}
		if (++hops > HOPS_MAX)
			return brig_err_set(e, -ELOOP, "%s: too many symlinks in the image", path);
		char joined[PATH_MAX * 3];
		if (brig_snprintf(joined, sizeof(joined), "%s/%s/%s", link[0] == '/' ? "" : cur,
				  link, rest) < 0 ||
		    brig_path_clean(joined, BRIG_PATH_CLAMP, todo, sizeof(todo)) < 0)
			return brig_err_set(e, -ENAMETOOLONG, "%s: too long", path);
		cur[0] = '\0';
	}
	snprintf(out, PATH_MAX, "%s", cur);
	return 0;
}

/* Every directory of rel (resolved) made in the staging tree, as the
 * image has it (else 0755 root). */
int bld_img_mkdirs(struct bld_ctx *c, struct bld_state *st, int stage, const char *rel,
		   struct brig_err *e)
{
	char pre[PATH_MAX], link[PATH_MAX];
	size_t len = strlen(rel);
	for (size_t k = 0; k <= len; k++) {
		if (k < len && rel[k] != '/')
			continue;
		if (k == 0)
			break;
		memcpy(pre, rel, k);
		pre[k] = '\0';
		struct stat sb = { .st_mode = S_IFDIR | 0755 };
		int r = bld_img_lookup(c, st, pre, &sb, link, e);
		if (r < 0)
			return r;
		if (!S_ISDIR(sb.st_mode))
			return brig_err_set(e, -ENOTDIR, "/%s is not a directory in the image",
					    pre);
		if (mkdirat(stage, pre, 0700) < 0 && errno != EEXIST)
			return brig_err_sys(e, errno, "staging /%s", pre);
		if (fchownat(stage, pre, r ? sb.st_uid : 0, r ? sb.st_gid : 0,
			     AT_SYMLINK_NOFOLLOW) < 0 ||
		    fchmodat(stage, pre, sb.st_mode & 07777, 0) < 0)
			return brig_err_sys(e, errno, "staging /%s", pre);
	}
	return 0;
}
