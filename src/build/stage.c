/* SPDX-License-Identifier: Apache-2.0 */
/*
 * COPY, ADD (local files) and WORKDIR make a layer from a staging tree: a
 * fresh directory beneath ROOT/build-tmp holding the destination's
 * directories (as the image has them) and the copied files, which the
 * layer packer packs with the build's clamped mtimes.  Sources are opened
 * beneath their root (context.c); inside a copied directory every entry is
 * opened by its single name with O_NOFOLLOW, and a symlink is copied as a
 * symlink, never followed.  Modes are set explicitly (the umask plays no
 * part); owners are root's, or --chown's.
 */
#include "build/build-internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TMP_DIR "build-tmp"
#define COPY_DEPTH_MAX 256

struct copy_opts {
	uid_t uid;
	gid_t gid;
	int chmod; /* -1: the source's mode */
	bool ignore; /* the root is the context: .dockerignore applies */
	struct bld_ctx *c;
	struct brig_err *e;
};

int bld_tmp_open(struct bld_ctx *c, char name[32], int *dirfd, struct brig_err *e)
{
	_cleanup_close_ int root = BRIG_RETRY(
		open(eng_root(c->g), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (root < 0)
		return brig_err_sys(e, errno, "opening %s", eng_root(c->g));
	if (mkdirat(root, TMP_DIR, 0700) < 0 && errno != EEXIST)
		return brig_err_sys(e, errno, "making %s/%s", eng_root(c->g), TMP_DIR);
	int tmp = BRIG_RETRY(
		openat(root, TMP_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	if (tmp < 0)
		return brig_err_sys(e, errno, "opening %s/%s", eng_root(c->g), TMP_DIR);
	for (int i = 0; i < 100; i++) {
		snprintf(name, 32, "s-%08lx", (unsigned long)random());
		if (mkdirat(tmp, name, 0700) == 0) {
			*dirfd = BRIG_RETRY(openat(tmp, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
			int r = *dirfd < 0 ? brig_err_sys(e, errno, "opening %s", name) : 0;
			if (r == 0 && fchmod(*dirfd, 0755) < 0)
				r = brig_err_sys(e, errno, "chmod of the staging root");
			if (r < 0)
				brig_rm_rf(tmp, name, NULL);
			return r < 0 ? r : tmp;
		}
		if (errno != EEXIST)
			break;
	}
	close(tmp);
	return brig_err_sys(e, errno, "making a staging directory");
}

static int copy_data(int in, int out, const char *name, struct brig_err *e)
{
	char buf[65536];
	for (;;) {
		ssize_t n = BRIG_RETRY(read(in, buf, sizeof(buf)));
		if (n < 0)
			return brig_err_sys(e, errno, "reading %s", name);
		if (n == 0)
			return 0;
		if (brig_write_all(out, buf, (size_t)n) < 0)
			return brig_err_sys(e, errno, "staging %s", name);
	}
}

static int set_meta(struct copy_opts *o, int dir, const char *name, mode_t mode)
{
	int m = o->chmod >= 0 ? o->chmod : (int)(mode & 07777);
	if (fchownat(dir, name, o->uid, o->gid, AT_SYMLINK_NOFOLLOW) < 0 ||
	    (!S_ISLNK(mode) && fchmodat(dir, name, (mode_t)m, 0) < 0))
		return brig_err_sys(o->e, errno, "staging %s", name);
	return 0;
}

static int copy_file(struct copy_opts *o, int src, const struct stat *sb, int dst, const char *name)
{
	_cleanup_close_ int out = BRIG_RETRY(
		openat(dst, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600));
	if (out < 0)
		return brig_err_sys(o->e, errno, "staging %s", name);
	int r = copy_data(src, out, name, o->e);
	return r < 0 ? r : set_meta(o, dst, name, sb->st_mode);
}

static int copy_tree(struct copy_opts *o, int src, const char *rel, int dst, int depth);

static int copy_entry(struct copy_opts *o, int src, const char *rel, const char *name, int dst,
		      int depth)
{
	struct stat sb;
	char sub[PATH_MAX], link[PATH_MAX];
	if (brig_snprintf(sub, sizeof(sub), "%s%s%s", rel, rel[0] ? "/" : "", name) < 0)
		return brig_err_set(o->e, -ENAMETOOLONG, "%s/%s: too long", rel, name);
	if (o->ignore && bld_ignored(&o->c->ign, sub))
		return 0;
	if (fstatat(src, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return brig_err_sys(o->e, errno, "%s", sub);
	if (S_ISLNK(sb.st_mode)) {
		ssize_t n = readlinkat(src, name, link, sizeof(link) - 1);
		if (n < 0)
			return brig_err_sys(o->e, errno, "reading the link %s", sub);
		link[n] = '\0';
		if (symlinkat(link, dst, name) < 0 && errno != EEXIST)
			return brig_err_sys(o->e, errno, "staging %s", sub);
		return set_meta(o, dst, name, sb.st_mode);
	}
	if (!S_ISDIR(sb.st_mode) && !S_ISREG(sb.st_mode))
		return 0; /* fifos, sockets, devices are not copied */
	int fl = (S_ISDIR(sb.st_mode) ? O_DIRECTORY : O_NONBLOCK) | O_RDONLY | O_NOFOLLOW |
		O_CLOEXEC;
	_cleanup_close_ int fd = BRIG_RETRY(openat(src, name, fl));
	if (fd < 0)
		return brig_err_sys(o->e, errno, "opening %s", sub);
	if (S_ISREG(sb.st_mode))
		return copy_file(o, fd, &sb, dst, name);
	if (mkdirat(dst, name, 0700) < 0 && errno != EEXIST)
		return brig_err_sys(o->e, errno, "staging %s", sub);
	_cleanup_close_ int d = BRIG_RETRY(
		openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	if (d < 0)
		return brig_err_sys(o->e, errno, "staging %s", sub);
	int r = copy_tree(o, fd, sub, d, depth + 1);
	return r < 0 ? r : set_meta(o, dst, name, sb.st_mode);
}

static int copy_tree(struct copy_opts *o, int src, const char *rel, int dst, int depth)
{
	if (depth > COPY_DEPTH_MAX)
		return brig_err_set(o->e, -ELOOP, "%s: nested deeper than %d", rel, COPY_DEPTH_MAX);
	int dfd = BRIG_RETRY(openat(src, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return brig_err_sys(o->e, errno, "listing %s", rel[0] ? rel : ".");
	}
	struct dirent *de;
	int r = 0;
	while (r == 0 && (errno = 0, de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			r = copy_entry(o, src, rel, de->d_name, dst, depth);
	closedir(d);
	return r;
}

/* Copy the source rel of root into dst (a directory of the staging tree)
 * as name, or (a directory source) its contents into dst. */
int bld_copy_one(struct bld_ctx *c, int root, const char *rel, bool ignore, int dst,
		 const char *name, uid_t uid, gid_t gid, int chmod_bits, struct brig_err *e)
{
	struct copy_opts o = { uid, gid, chmod_bits, ignore, c, e };
	_cleanup_close_ int fd = bld_open_beneath(root, rel, O_RDONLY | O_NONBLOCK, e);
	struct stat sb;
	if (fd < 0)
		return fd;
	if (fstat(fd, &sb) < 0)
		return brig_err_sys(e, errno, "%s", rel);
	if (S_ISDIR(sb.st_mode))
		return copy_tree(&o, fd, rel, dst, 0);
	if (!S_ISREG(sb.st_mode))
		return brig_err_set(e, -EINVAL, "%s: not a regular file or directory", rel);
	return copy_file(&o, fd, &sb, dst, name);
}
