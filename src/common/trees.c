/* SPDX-License-Identifier: Apache-2.0 */
/* Directory trees a container may have made, walked from the host without
 * following symlinks and without crossing mount points, iteratively (a
 * deep tree cannot exhaust the stack): brig_rm_rf removes one, brig_du
 * measures one. */
#include "common/common.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

/* Which mount a directory is on, and whether it is the root of one. */
struct mount_ident {
	dev_t dev;
	uint64_t mnt_id; /* 0 when the kernel does not report it */
	bool mount_root;
};

static int mount_ident(int dirfd, struct mount_ident *id)
{
	struct statx stx;
	if (statx(dirfd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW,
		  STATX_TYPE | STATX_INO | STATX_MNT_ID, &stx) < 0)
		return -errno;
	id->dev = makedev(stx.stx_dev_major, stx.stx_dev_minor);
	id->mnt_id = (stx.stx_mask & STATX_MNT_ID) ? stx.stx_mnt_id : 0;
	if (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) {
		id->mount_root = stx.stx_attributes & STATX_ATTR_MOUNT_ROOT;
		return 0;
	}
	/* Kernels before 5.8: a different device than ".." is a mount. */
	struct stat up;
	if (fstatat(dirfd, "..", &up, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	id->mount_root = up.st_dev != id->dev;
	return 0;
}

/* A bind mount of the same filesystem keeps st_dev, so the mount id and the
 * mount-root attribute are what catch it. */
static bool crosses_mount(const struct mount_ident *parent, const struct mount_ident *id)
{
	if (id->mount_root)
		return true;
	if (!parent)
		return false;
	return id->dev != parent->dev ||
		(id->mnt_id && parent->mnt_id && id->mnt_id != parent->mnt_id);
}

/*
 * Removal state.  Recursion (and with it the stack and the open directory
 * fds) stops at RM_MAX_DEPTH: a directory found that deep is moved up into
 * the top directory (same filesystem, so a plain rename) and removed by a
 * later pass, so a tree of any depth can be removed.
 */
#define RM_MAX_DEPTH 64

struct rm_ctx {
	int top; /* the directory being removed (after it is opened) */
	unsigned moved; /* directories moved up to top during this pass */
	unsigned seq;
	struct brig_err *e;
};

static int rm_rf_at(struct rm_ctx *c, int at, const char *name, const struct mount_ident *parent,
		    int depth);

static int rm_move_up(struct rm_ctx *c, int at, const char *name)
{
	char tmp[32];
	for (int tries = 0; tries < 4096; tries++) {
		(void)snprintf(tmp, sizeof(tmp), ".brig-rm.%u", c->seq++);
		int r = renameat2(at, name, c->top, tmp, RENAME_NOREPLACE);
		if (r < 0 && errno == EINVAL &&
		    faccessat(c->top, tmp, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
			r = renameat(at, name, c->top, tmp); /* no NOREPLACE here */
		if (r == 0) {
			c->moved++;
			return 0;
		}
		if (errno != EEXIST && errno != EINVAL)
			return brig_err_sys(c->e, errno, "moving %s up to remove it", name);
	}
	return brig_err_set(c->e, -EEXIST, "no free name to move %s up to", name);
}

/* Remove every entry of the open directory d (which is on mount id). */
static int rm_rf_children(struct rm_ctx *c, DIR *d, const char *name, const struct mount_ident *id,
			  int depth)
{
	int dfd = dirfd(d);
	for (;;) {
		errno = 0;
		struct dirent *de = readdir(d);
		if (!de) {
			if (errno != 0)
				return brig_err_sys(c->e, errno, "reading directory %s", name);
			return 0;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		int r = rm_rf_at(c, dfd, de->d_name, id, depth + 1);
		if (r < 0)
			return brig_err_wrap(c->e, "removing %s", name);
	}
}

/* Open directory name, refusing a mount point and a symlink swapped in. */
/* A directory of ours we may not read (overlayfs leaves work/work mode 0
 * in a rootless container's work/; root reads it anyway): made readable,
 * through an fd of the very directory, never a link swapped in. */
static void rm_make_readable(int at, const char *name)
{
	int fd = BRIG_RETRY(openat(at, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	struct stat st;
	char proc[64];
	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && st.st_uid == geteuid()) {
		(void)snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		(void)chmod(proc, (st.st_mode & 07777) | 0700);
	}
	(void)close(fd);
}

static DIR *rm_open_dir(struct rm_ctx *c, int at, const char *name,
			const struct mount_ident *parent, struct mount_ident *id)
{
	int fd = BRIG_RETRY(openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	if (fd < 0 && errno == EACCES) {
		rm_make_readable(at, name);
		fd = BRIG_RETRY(openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	}
	if (fd < 0) {
		brig_err_sys(c->e, errno, "opening %s", name);
		return NULL;
	}
	int r = mount_ident(fd, id);
	if (r < 0)
		brig_err_sys(c->e, -r, "examining %s", name);
	else if (crosses_mount(parent, id))
		r = brig_err_set(c->e, -EBUSY, "%s is a mount point; not removing", name);
	DIR *d = r < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (r == 0)
			brig_err_sys(c->e, errno, "opening %s", name);
		(void)close(fd);
	}
	return d;
}

static int rm_rf_dir(struct rm_ctx *c, int at, const char *name, const struct mount_ident *parent,
		     int depth)
{
	struct mount_ident id = { 0 };
	DIR *d = rm_open_dir(c, at, name, parent, &id);
	if (!d)
		return c->e ? c->e->code : -EIO;
	int r;
	if (depth == 0) {
		/* The top: passes until nothing was moved up into it. */
		c->top = dirfd(d);
		do {
			c->moved = 0;
			rewinddir(d);
			r = rm_rf_children(c, d, name, &id, depth);
		} while (r == 0 && c->moved > 0);
		c->top = -1;
	} else {
		r = rm_rf_children(c, d, name, &id, depth);
	}
	(void)closedir(d);
	if (r < 0)
		return r;
	if (unlinkat(at, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return brig_err_sys(c->e, errno, "removing directory %s", name);
	return 0;
}

static int rm_rf_at(struct rm_ctx *c, int at, const char *name, const struct mount_ident *parent,
		    int depth)
{
	struct stat st;
	if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return brig_err_sys(c->e, errno, "examining %s", name);
	}
	if (S_ISDIR(st.st_mode) && depth >= RM_MAX_DEPTH)
		return rm_move_up(c, at, name);
	if (S_ISDIR(st.st_mode))
		return rm_rf_dir(c, at, name, parent, depth);
	if (unlinkat(at, name, 0) < 0 && errno != ENOENT)
		return brig_err_sys(c->e, errno, "removing %s", name);
	return 0;
}

int brig_rm_rf(int dirfd, const char *name, struct brig_err *e)
{
	struct brig_err local = { 0 };
	struct rm_ctx c = { .top = -1, .e = e ? e : &local };
	int r = rm_rf_at(&c, dirfd, name, NULL, 0);
	brig_err_clear(&local);
	return r;
}

/* ---- walking --------------------------------------------------------------- */

/* Close the directories still open on the stack. */
static void walk_unwind(DIR **stack, size_t depth)
{
	while (depth > 0)
		(void)closedir(stack[--depth]);
}

int brig_walk(int at, const char *name, brig_walk_fn fn, void *arg, bool *truncated)
{
	struct stat st;
	DIR *stack[BRIG_WALK_MAX_DEPTH];
	size_t depth = 0;
	if (truncated)
		*truncated = false;
	if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	int r = fn(at, name, &st, arg);
	if (r < 0 || !S_ISDIR(st.st_mode))
		return r < 0 ? r : 0;
	dev_t dev = st.st_dev;
	int fd = BRIG_RETRY(openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	if (fd < 0 || !(stack[depth] = fdopendir(fd))) {
		int err = errno;
		if (fd >= 0)
			(void)close(fd);
		return -err;
	}
	depth++;
	while (depth > 0) {
		DIR *d = stack[depth - 1];
		struct dirent *de = readdir(d);
		if (!de) {
			(void)closedir(d);
			depth--;
			continue;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if ((r = fn(dirfd(d), de->d_name, &st, arg)) < 0) {
			walk_unwind(stack, depth);
			return r;
		}
		if (!S_ISDIR(st.st_mode) || st.st_dev != dev) /* not crossing mounts */
			continue;
		if (depth == BRIG_WALK_MAX_DEPTH) {
			if (truncated)
				*truncated = true;
			continue;
		}
		fd = BRIG_RETRY(openat(dirfd(d), de->d_name,
				       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
		if (fd < 0)
			continue;
		if (!(stack[depth] = fdopendir(fd))) {
			(void)close(fd);
			continue;
		}
		depth++;
	}
	return 0;
}

/* ---- disk usage ----------------------------------------------------------- */

static int du_one(int dirfd, const char *name, const struct stat *st, void *arg)
{
	(void)dirfd;
	(void)name;
	*(uint64_t *)arg += (uint64_t)st->st_blocks * 512;
	return 0;
}

int brig_du(int at, const char *name, uint64_t *bytes, bool *truncated)
{
	*bytes = 0;
	return brig_walk(at, name, du_one, bytes, truncated);
}
