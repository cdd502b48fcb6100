/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Whiteouts (OCI image spec, "Representing Changes"):
 *
 *   DIR/.wh.NAME      NAME was deleted in this layer
 *   DIR/.wh..wh..opq  DIR is opaque: nothing below it from lower layers
 *
 * For overlayfs (the default) they are turned into what overlayfs reads: a
 * 0:0 character device named NAME, and the xattr trusted.overlay.opaque=y
 * (user.overlay.opaque with overlay_userxattr) on DIR.  In copy mode
 * (apply_whiteouts) they are applied to dest instead: NAME is removed, and
 * everything in DIR that this layer did not create is removed (directories
 * holding something this layer created are kept, and searched the same way).
 * Other ".wh..wh." names are AUFS bookkeeping: skipped and counted.
 */
#include "image/layer/layer-internal.h"

#include "image/libarchive-shim.h"
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#define OPQ_MAX_DEPTH 512

static const char *opaque_xattr(const struct unpack_ctx *c)
{
	/* Only root may set trusted.*: a rootless store's layers are mounted
	 * with userxattr. */
	return c->o->overlay_userxattr || geteuid() != 0 ? "user.overlay.opaque"
							 : "trusted.overlay.opaque";
}

static int opaque_clear(struct unpack_ctx *c, int dfd, dev_t dev, int depth);

/* One child of an opaque directory (copy mode).  Returns 1 when it stays,
 * 0 when it was removed, or a negative errno. */
static int opaque_child(struct unpack_ctx *c, int dfd, dev_t dev, const char *name, int depth)
{
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : brig_err_sys(c->e, errno, "examining %s", name);
	bool ours = inoset_get(&c->made, st.st_dev, st.st_ino, NULL);
	if (!S_ISDIR(st.st_mode)) {
		if (ours)
			return 1;
		if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
			return brig_err_sys(c->e, errno, "removing %s", name);
		return 0;
	}
	if (st.st_dev != dev)
		return brig_err_set(c->e, -EBUSY, "%s is a mount point", name);
	_cleanup_close_ int sub = BRIG_RETRY(
		openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	if (sub < 0)
		return brig_err_sys(c->e, errno, "opening %s", name);
	int left = opaque_clear(c, sub, dev, depth + 1);
	if (left < 0 || ours || left > 0)
		return left < 0 ? left : 1;
	/* A lower directory with nothing of this layer inside: gone. */
	if (unlinkat(dfd, name, AT_REMOVEDIR) < 0)
		return brig_err_sys(c->e, errno, "removing %s", name);
	return 0;
}

/*
 * Copy mode: remove from dfd everything this layer did not create.  A
 * directory this layer did not declare but put entries into (an implicit
 * parent) stays with just those entries, as overlayfs would show it.
 * Returns the number of entries left, or a negative errno.
 */
static int opaque_clear(struct unpack_ctx *c, int dfd, dev_t dev, int depth)
{
	if (depth > OPQ_MAX_DEPTH)
		return brig_err_set(c->e, -ELOOP, "opaque directory nested too deeply");
	int dup = BRIG_RETRY(fcntl(dfd, F_DUPFD_CLOEXEC, 3));
	DIR *d = dup < 0 ? NULL : fdopendir(dup);
	if (!d) {
		int r = brig_err_sys(c->e, errno, "listing the opaque directory");
		if (dup >= 0)
			(void)close(dup);
		return r;
	}
	rewinddir(d); /* the offset is shared with dfd */
	int r = 0, left = 0;
	struct dirent *de;
	while (r >= 0 && (errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		r = opaque_child(c, dfd, dev, de->d_name, depth);
		if (r > 0 && left < INT_MAX)
			left++;
	}
	if (r >= 0 && errno != 0)
		r = brig_err_sys(c->e, errno, "listing the opaque directory");
	(void)closedir(d);
	return r < 0 ? r : left;
}

/* DIR/.wh..wh..opq: c->path is that entry's cleaned name. */
static int opaque(struct unpack_ctx *c)
{
	char *slash = strrchr(c->path, '/');
	if (slash)
		*slash = '\0';
	else
		c->path[0] = '\0';
	_cleanup_close_ int pfd = -1;
	if (c->path[0] != '\0') {
		pfd = brig_mkdir_in_root(c->root, c->path, 0755, 0, c->e);
		if (pfd < 0)
			return pfd;
	}
	_cleanup_close_ int dfd = BRIG_RETRY(
		openat(pfd >= 0 ? pfd : c->root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (dfd < 0)
		return brig_err_sys(c->e, errno, "opening the opaque directory");
	struct stat st;
	if (fstat(dfd, &st) < 0)
		return brig_err_sys(c->e, errno, "examining the opaque directory");
	int r;
	if (c->o->apply_whiteouts)
		r = opaque_clear(c, dfd, st.st_dev, 0);
	else if (fsetxattr(dfd, opaque_xattr(c), "y", 1, 0) < 0)
		r = brig_err_sys(c->e, errno, "marking the directory opaque (%s)", opaque_xattr(c));
	else
		r = 0;
	if (r < 0)
		return r;
	c->res->opaque_dirs++;
	if (inoset_put(&c->made, st.st_dev, st.st_ino, 0) < 0)
		return brig_err_set(c->e, -ENOMEM, "recording created inodes");
	return 0;
}

/* Replace the last component of c->path (".wh.NAME") by NAME. */
static void strip_prefix(struct unpack_ctx *c, const char *base)
{
	size_t off = (size_t)(base - c->path);
	memmove(c->path + off, base + 4, strlen(base + 4) + 1);
}

static int whiteout_apply(struct unpack_ctx *c)
{
	char base[NAME_MAX + 1];
	struct brig_err tmp = { 0 };
	/* Nothing to delete when the parent does not exist: make nothing. */
	int pfd = brig_open_parent_in_root(c->root, c->path, base, 0, &tmp);
	if (pfd == -ENOENT || pfd == -ENOTDIR) {
		brig_err_clear(&tmp);
		return 0;
	}
	if (pfd < 0) {
		pfd = brig_err_set(c->e, pfd, "%s", brig_err_str(&tmp));
		brig_err_clear(&tmp);
		return pfd;
	}
	brig_err_clear(&tmp);
	int r = brig_rm_rf(pfd, base, c->e);
	(void)close(pfd);
	return r;
}

static int whiteout_overlay(struct unpack_ctx *c, struct archive_entry *ae)
{
	char base[NAME_MAX + 1];
	struct timespec ts[2] = {
		{ .tv_sec = archive_entry_mtime(ae), .tv_nsec = archive_entry_mtime_nsec(ae) },
	};
	_cleanup_close_ int pfd = layer_open_parent(c, c->path, base);
	if (pfd < 0)
		return pfd;
	int r = layer_clear_slot(c, pfd, base, false);
	if (r < 0)
		return r;
	if (mknodat(pfd, base, S_IFCHR, makedev(0, 0)) < 0)
		return brig_err_sys(c->e, errno, "creating the whiteout device");
	/* The marker's times, so that packing the directory again gives the
	 * same layer. */
	if (ts[0].tv_nsec < 0 || ts[0].tv_nsec >= 1000000000L)
		ts[0].tv_nsec = 0;
	ts[1] = ts[0];
	if (utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return brig_err_sys(c->e, errno, "setting times of the whiteout");
	return 0;
}

int layer_whiteout(struct unpack_ctx *c, struct archive_entry *ae, const char *base)
{
	const char *name = base + 4;
	if (strcmp(base, ".wh..wh..opq") == 0)
		return opaque(c);
	if (strncmp(name, ".wh.", 4) == 0) {
		c->res->meta_skipped++;
		unpack_note(c, "%s: AUFS metadata entry skipped", c->cur);
		return 0;
	}
	if (name[0] == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return brig_err_set(c->e, -EPERM, "whiteout of '%s' refused", name);
	if (archive_entry_filetype(ae) == AE_IFDIR)
		return brig_err_set(c->e, -EINVAL, "a whiteout must not be a directory");
	strip_prefix(c, base);
	int r = c->o->apply_whiteouts ? whiteout_apply(c) : whiteout_overlay(c, ae);
	if (r < 0)
		return r;
	c->res->whiteouts++;
	return 0;
}
