/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig cp: files between a container and the host, in either direction.
 *
 * The container's side is its whole root (ctrfs.c): a path there is
 * resolved with the safe resolver (RESOLVE_IN_ROOT), so no symlink in it
 * leads out of the container.  Below the named entry the tree is walked fd
 * by fd, each entry opened O_NOFOLLOW relative to its directory: a symlink
 * is copied as a symlink, never followed (-L follows only the one named).
 * Every file, link or directory written is made under a fresh temporary
 * name (O_EXCL, O_NOFOLLOW) in a directory held open and renamed over its
 * name, so nothing is ever written through a symlink the container planted,
 * and a directory the container swaps for a symlink meanwhile only moves
 * where the directory we hold open is.
 */
#include "engine/record-internal.h"

#include "image/layer/layer.h"

#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <unistd.h>

#define CP_MAX_DEPTH 256 /* two fds a level */
#define CP_BLOCK (1 << 16)

struct cp_ctx {
	const struct eng_cp_opts *o;
	const struct eng_userns *u;
	struct brig_err *e;
	unsigned seq;
};

/* The owner to give what is written (-1: leave it ours). */
static void owner(const struct cp_ctx *c, const struct stat *st, uid_t *uid, gid_t *gid)
{
	const struct eng_userns *u = c->u;
	*uid = (uid_t)-1;
	*gid = (gid_t)-1;
	if (c->o->to_container) {
		uint32_t cu = c->o->archive ? st->st_uid : 0, cg = c->o->archive ? st->st_gid : 0;
		if (u->enabled && (cu >= u->size || cg >= u->size))
			cu = cg = 0; /* no such id in the container: its root */
		*uid = u->enabled ? u->uid + cu : cu;
		*gid = u->enabled ? u->gid + cg : cg;
	} else if (c->o->archive) {
		bool in = !u->enabled ||
			(st->st_uid - u->uid < u->size && st->st_gid - u->gid < u->size);
		*uid = !in ? 65534 : u->enabled ? st->st_uid - u->uid : st->st_uid;
		*gid = !in ? 65534 : u->enabled ? st->st_gid - u->gid : st->st_gid;
	}
}

static void tmp_name(struct cp_ctx *c, char buf[64])
{
	(void)snprintf(buf, 64, ".brig-cp-%d-%u", (int)getpid(), c->seq++);
}

enum cp_kind { CP_FILE, CP_DIR, CP_LINK, CP_RENAME };

/* Makes tmp in dir: a file (returns its fd), a directory, a symlink to
 * target, or renames tmp to target.  A file system mounted in the
 * container's user namespace (its tmpfs /tmp, /run, /dev/shm) takes no new
 * name from a caller whose fsuid it cannot map: as our fsuid 0 that fails
 * with EOVERFLOW.  Then it is done once more as the container's root
 * (fsuid/fsgid, this thread only); finish() gives the owner. */
static int ctr_name(const struct cp_ctx *c, enum cp_kind k, int dir, const char *tmp,
		    const char *target)
{
	int r = -1;
	for (int pass = 0; pass < 2; pass++) {
		uid_t ouid = (uid_t)-1;
		gid_t ogid = (gid_t)-1;
		if (pass == 1) {
			ouid = (uid_t)setfsuid(c->u->uid);
			ogid = (gid_t)setfsgid(c->u->gid);
		}
		r = k == CP_FILE
			? BRIG_RETRY(openat(dir, tmp,
					    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
					    0600))
			: k == CP_DIR  ? mkdirat(dir, tmp, 0700)
			: k == CP_LINK ? symlinkat(target, dir, tmp)
				       : renameat(dir, tmp, dir, target);
		int err = errno;
		if (pass == 1) {
			(void)setfsuid(ouid);
			(void)setfsgid(ogid);
		}
		errno = err;
		if (r >= 0 || err != EOVERFLOW || !c->u->enabled)
			break;
	}
	return r;
}

/* Owner, mode and times of what was written at tmp in dir, then renamed to
 * name. */
static int finish(struct cp_ctx *c, int dir, const char *tmp, const char *name,
		  const struct stat *st)
{
	uid_t uid;
	gid_t gid;
	owner(c, st, &uid, &gid);
	struct timespec ts[2] = { st->st_atim, st->st_mtim };
	if ((uid != (uid_t)-1 && fchownat(dir, tmp, uid, gid, AT_SYMLINK_NOFOLLOW) < 0) ||
	    (!S_ISLNK(st->st_mode) && fchmodat(dir, tmp, st->st_mode & 07777, 0) < 0) ||
	    utimensat(dir, tmp, ts, AT_SYMLINK_NOFOLLOW) < 0 ||
	    ctr_name(c, CP_RENAME, dir, tmp, name) < 0) {
		int r = brig_err_sys(c->e, errno, "writing '%s'", name);
		(void)unlinkat(dir, tmp, S_ISDIR(st->st_mode) ? AT_REMOVEDIR : 0);
		return r;
	}
	return 0;
}

static int copy_data(struct cp_ctx *c, int in, int out, const char *name)
{
	_cleanup_free_ char *buf = malloc(CP_BLOCK);
	if (!buf)
		return brig_err_oom(c->e);
	for (;;) {
		ssize_t n = BRIG_RETRY(read(in, buf, CP_BLOCK));
		if (n < 0)
			return brig_err_sys(c->e, errno, "reading '%s'", name);
		if (n == 0)
			return 0;
		if (brig_write_all(out, buf, (size_t)n) < 0)
			return brig_err_sys(c->e, errno, "writing '%s'", name);
	}
}

/* A regular file: reopened for reading through our own fd (src is O_PATH). */
static int copy_file(struct cp_ctx *c, int src, const struct stat *st, int dir, const char *name)
{
	char proc[64], tmp[64];
	(void)snprintf(proc, sizeof(proc), "/proc/self/fd/%d", src);
	_cleanup_close_ int in = BRIG_RETRY(open(proc, O_RDONLY | O_NONBLOCK | O_CLOEXEC));
	if (in < 0)
		return brig_err_sys(c->e, errno, "opening '%s'", name);
	tmp_name(c, tmp);
	_cleanup_close_ int out = ctr_name(c, CP_FILE, dir, tmp, NULL);
	if (out < 0)
		return brig_err_sys(c->e, errno, "creating '%s'", name);
	int r = copy_data(c, in, out, name);
	if (r < 0) {
		(void)unlinkat(dir, tmp, 0);
		return r;
	}
	return finish(c, dir, tmp, name, st);
}

static int copy_link(struct cp_ctx *c, int src, const struct stat *st, int dir, const char *name)
{
	char target[PATH_MAX], tmp[64];
	ssize_t n = readlinkat(src, "", target, sizeof(target));
	if (n < 0 || (size_t)n >= sizeof(target))
		return brig_err_sys(c->e, n < 0 ? errno : ENAMETOOLONG, "reading link '%s'", name);
	target[n] = '\0';
	tmp_name(c, tmp);
	if (ctr_name(c, CP_LINK, dir, tmp, target) < 0)
		return brig_err_sys(c->e, errno, "creating link '%s'", name);
	return finish(c, dir, tmp, name, st);
}

static int copy_entry(struct cp_ctx *c, int src, int dir, const char *name, int depth);

/* The entries of the source directory sd into dd. */
static int copy_children(struct cp_ctx *c, int src, int dd, const char *name, int depth)
{
	int sd = BRIG_RETRY(openat(src, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	DIR *d = sd >= 0 ? fdopendir(sd) : NULL;
	if (!d) {
		int r = brig_err_sys(c->e, errno, "listing '%s'", name);
		if (sd >= 0)
			(void)close(sd);
		return r;
	}
	struct dirent *de;
	int r = 0;
	while (r == 0 && (errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    strncmp(de->d_name, ".brig-cp-", 9) == 0)
			continue;
		_cleanup_close_ int child = BRIG_RETRY(
			openat(dirfd(d), de->d_name, O_PATH | O_NOFOLLOW | O_CLOEXEC));
		if (child < 0 && errno == ENOENT)
			continue; /* removed meanwhile */
		r = child < 0 ? brig_err_sys(c->e, errno, "opening '%s/%s'", name, de->d_name)
			      : copy_entry(c, child, dd, de->d_name, depth + 1);
	}
	if (r == 0 && errno != 0)
		r = brig_err_sys(c->e, errno, "listing '%s'", name);
	(void)closedir(d);
	return r;
}

/* Into an existing directory name (never through a symlink), else into a
 * new one made under a temporary name and renamed when whole. */
static int copy_dir(struct cp_ctx *c, int src, const struct stat *st, int dir, const char *name,
		    int depth)
{
	if (depth > CP_MAX_DEPTH)
		return brig_err_set(c->e, -ELOOP, "'%s': more than %d levels deep", name,
				    CP_MAX_DEPTH);
	_cleanup_close_ int dd = BRIG_RETRY(
		openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	if (dd >= 0)
		return copy_children(c, src, dd, name, depth);
	if (errno == ELOOP || errno == ENOTDIR)
		return brig_err_set(c->e, -ENOTDIR,
				    "'%s' exists and is not a directory (a symlink is not "
				    "followed)",
				    name);
	if (errno != ENOENT)
		return brig_err_sys(c->e, errno, "opening '%s'", name);
	char tmp[64];
	tmp_name(c, tmp);
	if (ctr_name(c, CP_DIR, dir, tmp, NULL) < 0)
		return brig_err_sys(c->e, errno, "creating '%s'", name);
	dd = BRIG_RETRY(openat(dir, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	int r = dd < 0 ? brig_err_sys(c->e, errno, "opening '%s'", name)
		       : copy_children(c, src, dd, name, depth);
	if (r == 0)
		return finish(c, dir, tmp, name, st);
	_cleanup_err_ struct brig_err ignored = { 0 };
	(void)brig_rm_rf(dir, tmp, &ignored);
	return r;
}

static int copy_entry(struct cp_ctx *c, int src, int dir, const char *name, int depth)
{
	struct stat st;
	if (fstat(src, &st) < 0)
		return brig_err_sys(c->e, errno, "examining '%s'", name);
	if (S_ISREG(st.st_mode))
		return copy_file(c, src, &st, dir, name);
	if (S_ISLNK(st.st_mode))
		return copy_link(c, src, &st, dir, name);
	if (S_ISDIR(st.st_mode))
		return copy_dir(c, src, &st, dir, name, depth);
	brig_warn("cp: '%s' is a device, FIFO or socket: skipped", name);
	return 0;
}

/* The last component of path (trailing slashes dropped) into name; 1 when
 * path ends in "/." (Docker: the directory's contents, not itself). */
static int last_name(const char *path, char name[NAME_MAX + 1])
{
	size_t n = strlen(path);
	bool contents = n >= 2 && strcmp(path + n - 2, "/.") == 0;
	if (contents)
		n -= 2;
	while (n > 1 && path[n - 1] == '/')
		n--;
	size_t start = n;
	while (start > 0 && path[start - 1] != '/')
		start--;
	if (n - start == 0 || n - start > NAME_MAX)
		return -EINVAL;
	(void)snprintf(name, NAME_MAX + 1, "%.*s", (int)(n - start), path + start);
	return strcmp(name, "..") == 0 || strcmp(name, ".") == 0 ? -EINVAL : contents;
}

/* Where to write: DEST when it is a directory (the copy goes in it, named
 * name), else DEST's directory (the copy is named DEST's last component).
 * root < 0: DEST is a host path; else a path inside that root. */
static int dest_open(struct cp_ctx *c, int root, const char *dest, char name[NAME_MAX + 1],
		     bool *is_dir)
{
	_cleanup_err_ struct brig_err e2 = { 0 };
	int fd = root >= 0 ? brig_open_in_root(root, dest, O_PATH | O_DIRECTORY, 0, 0, &e2)
			   : BRIG_RETRY(open(dest, O_PATH | O_DIRECTORY | O_CLOEXEC));
	if (fd < 0 && root < 0)
		fd = -errno;
	*is_dir = fd >= 0;
	if (fd >= 0 || (fd != -ENOENT && fd != -ENOTDIR))
		return fd >= 0 ? fd : brig_err_sys(c->e, -fd, "destination %s", dest);
	size_t n = strlen(dest);
	if (n && dest[n - 1] == '/')
		return brig_err_set(c->e, -ENOENT, "destination directory %s does not exist", dest);
	char base[NAME_MAX + 1];
	if (root >= 0) {
		fd = brig_open_parent_in_root(root, dest, base, 0, c->e);
	} else {
		_cleanup_free_ char *copy = strdup(dest);
		if (!copy)
			return brig_err_oom(c->e);
		fd = BRIG_RETRY(open(dirname(copy), O_PATH | O_DIRECTORY | O_CLOEXEC));
		if (fd < 0)
			fd = brig_err_sys(c->e, errno, "the directory of %s", dest);
		if (fd >= 0 && last_name(dest, base) < 0) {
			(void)close(fd);
			fd = brig_err_set(c->e, -EINVAL, "destination %s: no file name", dest);
		}
	}
	if (fd >= 0)
		memcpy(name, base, NAME_MAX + 1);
	return fd;
}

/* The source: a host path, or a path inside root; O_PATH, the last
 * component followed only with -L. */
static int src_open(struct cp_ctx *c, int root, const char *src)
{
	if (root >= 0)
		return brig_open_in_root(root, src, O_PATH, 0,
					 c->o->follow ? 0 : BRIG_RESOLVE_NOFOLLOW_LAST, c->e);
	int fd = BRIG_RETRY(open(src, O_PATH | O_CLOEXEC | (c->o->follow ? 0 : O_NOFOLLOW)));
	return fd < 0 ? brig_err_sys(c->e, errno, "%s", src) : fd;
}

static int do_cp(struct cp_ctx *c, int root)
{
	const struct eng_cp_opts *o = c->o;
	const char *src = o->to_container ? o->host_path : o->ctr_path;
	const char *dest = o->to_container ? o->ctr_path : o->host_path;
	char name[NAME_MAX + 1];
	int contents = last_name(src, name);
	if (contents < 0)
		return brig_err_set(c->e, -EINVAL, "source %s: no file name to copy", src);
	_cleanup_close_ int s = src_open(c, o->to_container ? -1 : root, src);
	if (s == -ENOENT && !o->to_container)
		return brig_err_set(c->e, -ENOENT, "could not find %s in the container", src);
	if (s < 0)
		return brig_err_wrap(c->e, "source %s", src);
	bool is_dir = false;
	_cleanup_close_ int d = dest_open(c, o->to_container ? root : -1, dest, name, &is_dir);
	if (d < 0)
		return d;
	struct stat st;
	if (fstat(s, &st) < 0)
		return brig_err_sys(c->e, errno, "source %s", src);
	if (contents && is_dir && S_ISDIR(st.st_mode))
		return copy_children(c, s, d, name, 0);
	return copy_entry(c, s, d, name, 0);
}

/* CONTAINER:SRC -: a tar of SRC (named as it is) with the container's
 * owners; the last component is never followed. */
static int tar_out(struct cp_ctx *c, int root)
{
	char base[NAME_MAX + 1];
	_cleanup_close_ int dir = brig_open_parent_in_root(root, c->o->ctr_path, base, 0, c->e);
	struct stat st;
	if (dir == -ENOENT ||
	    (dir >= 0 && fstatat(dir, base, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT))
		return brig_err_set(c->e, -ENOENT, "could not find %s in the container",
				    c->o->ctr_path);
	if (dir < 0)
		return brig_err_wrap(c->e, "source %s", c->o->ctr_path);
	const struct eng_userns *u = c->u;
	struct img_pack_ids ids = { u->uid, u->gid, u->size };
	return img_layer_pack_entry(dir, base, c->o->tar_fd, u->enabled ? &ids : NULL, c->e);
}

/* - CONTAINER:DEST: the tar unpacked (by the safe unpacker) into a
 * directory of the store first, then copied into DEST, a directory, as
 * any copy in is, with the tar's owners (-a).  The scratch directory is
 * ROOT/layers/.tmp-cp-PID, made under the store's ingest lease as an
 * unpack's is: what a killed cp leaves, the store's gc removes. */
static int tar_in(struct eng *g, struct cp_ctx *c, int root)
{
	_cleanup_close_ int d = brig_open_in_root(root, c->o->ctr_path, O_PATH | O_DIRECTORY, 0, 0,
						  c->e);
	if (d < 0)
		return brig_err_wrap(c->e, "destination %s (must be a directory)", c->o->ctr_path);
	struct img_store *s = NULL;
	int r = eng_store(g, &s, c->e);
	if (r < 0 || (r = img_store_lease(s, c->e)) < 0)
		return r;
	_cleanup_close_ int layers = eng_layers_open(g->root, c->e);
	if (layers < 0)
		return layers;
	char tmp[64];
	(void)snprintf(tmp, sizeof(tmp), ".tmp-cp-%d", (int)getpid());
	if (mkdirat(layers, tmp, 0700) < 0)
		return brig_err_sys(c->e, errno, "making %s/layers/%s", g->root, tmp);
	int t = BRIG_RETRY(openat(layers, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	struct img_unpack_result res = { 0 };
	r = t < 0 ? brig_err_sys(c->e, errno, "opening %s/layers/%s", g->root, tmp)
		  : img_layer_unpack(c->o->tar_fd, t, NULL, &res, c->e);
	img_unpack_result_clear(&res);
	struct eng_cp_opts o = *c->o;
	o.archive = true;
	struct cp_ctx keep = { .o = &o, .u = c->u, .e = c->e };
	if (r == 0)
		r = copy_children(&keep, t, d, c->o->ctr_path, 0);
	if (t >= 0)
		(void)close(t);
	_cleanup_err_ struct brig_err ignored = { 0 };
	(void)brig_rm_rf(layers, tmp, &ignored);
	return r;
}

struct cp_job {
	struct eng *g;
	struct cp_ctx c;
	int root;
};

static int cp_run(void *arg, struct brig_err *e)
{
	struct cp_job *j = arg;
	struct cp_ctx *c = &j->c;
	c->e = e;
	return c->o->tar_fd < 0      ? do_cp(c, j->root)
		: c->o->to_container ? tar_in(j->g, c, j->root)
				     : tar_out(c, j->root);
}

int eng_cp(struct eng *g, const char *id, const struct eng_cp_opts *o, struct brig_err *e)
{
	struct eng_ctr_root root;
	int r = eng_ctr_root_open(g, id, &root, e);
	/* As Docker: not into a read-only root, running or not. */
	if (r == 0 && o->to_container &&
	    json_is_true(json_object_get(json_object_get(root.rec.spec, "root"), "readonly")))
		r = brig_err_set(e, -EROFS,
				 "container %.12s's root filesystem is read-only (--read-write "
				 "makes it writable)",
				 id);
	if (r == 0) {
		/* Rootless: in the container's mapping (userns_run.c), where its
		 * ids are ours to read and give, as it sees them. */
		const struct eng_userns *u = &root.rec.userns, none = { 0 };
		struct cp_job j = { g, { .o = o, .u = u->own_root ? &none : u }, root.fd };
		r = eng_userns_run(u, cp_run, &j, NULL, 0, e);
	}
	eng_ctr_root_close(&root);
	return r;
}
