/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unpacking a layer: one entry at a time, inside the destination root.
 *
 * Names are cleaned lexically first (a ".." that would climb above the root
 * is refused).  The parent directory is then opened with
 * brig_open_parent_in_root (openat2 RESOLVE_IN_ROOT: a symlink met on the
 * way, absolute or relative, resolves inside the root, never outside it),
 * missing parents are made with brig_mkdir_in_root, and the last component
 * is only ever handled with *at() calls on that parent fd that do not
 * follow it (O_NOFOLLOW, O_EXCL, AT_SYMLINK_NOFOLLOW, unlinkat).
 *
 * Tar semantics for a name seen twice: the later entry wins.  What is
 * there is removed first (unlinkat, or brig_rm_rf for a directory, which
 * never follows symlinks), except that a directory entry over an existing
 * directory keeps it and only updates its metadata.
 *
 * Metadata order matters: data, then owner (chown clears setuid bits and
 * security.capability), then mode, then xattrs, then times.  Directory
 * times are set at the very end, once nothing more is created inside them.
 */
#include "image/layer/layer-internal.h"
#include "brig-mutant.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

/* Memory for the deferred directory list (paths), whatever the entry
 * count: a stream of huge directory names cannot take more than this. */
#define DIR_LIST_MAX (256ULL << 20)

struct ent_meta {
	uid_t uid;
	gid_t gid;
	mode_t perm;
	struct timespec ts[2];
};

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

#ifdef BRIG_MUTANT_NO_LAYER_CHECKS
#define STRICT(c) ((void)(c), false) /* mutant build (make mutants): no strict checks */
#else
#define STRICT(c) ((c)->o->strict)
#endif

static int entry_meta(struct unpack_ctx *c, struct archive_entry *ae, struct ent_meta *m)
{
	la_int64_t uid = archive_entry_uid(ae), gid = archive_entry_gid(ae);
	if (uid < 0 || uid >= (la_int64_t)UINT32_MAX || gid < 0 || gid >= (la_int64_t)UINT32_MAX)
		return brig_err_set(c->e, -EINVAL, "invalid owner %lld:%lld", (long long)uid,
				    (long long)gid);
	m->uid = (uid_t)uid;
	m->gid = (gid_t)gid;
	m->perm = archive_entry_perm(ae) & 07777;
	m->ts[1].tv_sec = archive_entry_mtime(ae);
	m->ts[1].tv_nsec = archive_entry_mtime_nsec(ae);
	if (archive_entry_atime_is_set(ae)) {
		m->ts[0].tv_sec = archive_entry_atime(ae);
		m->ts[0].tv_nsec = archive_entry_atime_nsec(ae);
	} else {
		m->ts[0] = m->ts[1];
	}
	for (int i = 0; i < 2; i++)
		if (m->ts[i].tv_nsec < 0 || m->ts[i].tv_nsec >= 1000000000L)
			m->ts[i].tv_nsec = 0;
	return 0;
}

/* overlayfs reads these from the layer directories: a layer must not be
 * able to plant them (redirects, metacopy, its own opaque markers). */
static bool xattr_reserved(const char *name)
{
	return strncmp(name, "trusted.overlay.", 16) == 0 ||
		strncmp(name, "user.overlay.", 13) == 0;
}

/* Whether a failure to set an xattr means "this system cannot have it"
 * (recorded in the result) rather than an I/O failure (fatal). */
static bool xattr_unsupported(int err)
{
	return err == EOPNOTSUPP || err == EPERM || err == EINVAL || err == ERANGE ||
		err == E2BIG || err == EACCES;
}

struct xattr_ref {
	const char *name;
	const void *val;
	size_t size;
};

/* Set one xattr; an unsupported one is recorded, not fatal. */
static int set_xattr(struct unpack_ctx *c, const struct xattr_ref *x, int fd, const char *procpath)
{
	if (xattr_reserved(x->name)) {
		c->res->xattrs_unsupported++;
		unpack_note(c, "%s: xattr %s not set: reserved for overlayfs", c->cur, x->name);
		return 0;
	}
	int r = fd >= 0 ? fsetxattr(fd, x->name, x->val, x->size, 0)
			: lsetxattr(procpath, x->name, x->val, x->size, 0);
	if (r == 0)
		return 0;
	if (!xattr_unsupported(errno))
		return brig_err_sys(c->e, errno, "setting xattr %s", x->name);
	c->res->xattrs_unsupported++;
	unpack_note(c, "%s: xattr %s not set: %s", c->cur, x->name, strerror(errno));
	return 0;
}

/* Set every xattr of the entry on fd, or (fd < 0) on procpath, not
 * following it.  libarchive's PAX writer stores each xattr twice (as
 * LIBARCHIVE.xattr.* and SCHILY.xattr.*) and its reader returns both: a
 * name is applied once, with its last value. */
static int set_xattrs(struct unpack_ctx *c, struct archive_entry *ae, int fd, const char *procpath)
{
	int n = archive_entry_xattr_reset(ae);
	if (n <= 0)
		return 0;
	_cleanup_free_ struct xattr_ref *v = calloc((size_t)n, sizeof(*v));
	if (!v)
		return brig_err_set(c->e, -ENOMEM, "reading xattrs");
	size_t k = 0;
	struct xattr_ref x;
	while (k < (size_t)n &&
	       archive_entry_xattr_next(ae, &x.name, &x.val, &x.size) == ARCHIVE_OK) {
		if (!x.name || !*x.name)
			continue;
		size_t i = 0;
		while (i < k && strcmp(v[i].name, x.name) != 0)
			i++;
		v[i] = x;
		if (i == k)
			k++;
	}
	for (size_t i = 0; i < k; i++) {
		int r = set_xattr(c, &v[i], fd, procpath);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Owner, mode, xattrs (and times unless deferred) of an open file. */
static int meta_fd(struct unpack_ctx *c, int fd, struct archive_entry *ae, const struct ent_meta *m,
		   bool times)
{
	if (fchown(fd, m->uid, m->gid) < 0)
		return brig_err_sys(c->e, errno, "setting owner %u:%u", m->uid, m->gid);
	if (fchmod(fd, m->perm) < 0)
		return brig_err_sys(c->e, errno, "setting mode %04o", m->perm);
	int r = set_xattrs(c, ae, fd, NULL);
	if (r < 0)
		return r;
	if (times && futimens(fd, m->ts) < 0)
		return brig_err_sys(c->e, errno, "setting times");
	return 0;
}

/* The same for base in parent (symlinks, fifos, devices), never following. */
static int meta_at(struct unpack_ctx *c, int parent, const char *base, struct archive_entry *ae,
		   const struct ent_meta *m, bool is_link)
{
	char proc[64 + NAME_MAX];
	if (fchownat(parent, base, m->uid, m->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return brig_err_sys(c->e, errno, "setting owner %u:%u", m->uid, m->gid);
	/* base is what we just created in parent, and not a symlink. */
	if (!is_link && fchmodat(parent, base, m->perm, 0) < 0)
		return brig_err_sys(c->e, errno, "setting mode %04o", m->perm);
	(void)snprintf(proc, sizeof(proc), "/proc/self/fd/%d/%s", parent, base);
	int r = set_xattrs(c, ae, -1, proc);
	if (r < 0)
		return r;
	if (utimensat(parent, base, m->ts, AT_SYMLINK_NOFOLLOW) < 0)
		return brig_err_sys(c->e, errno, "setting times");
	return 0;
}

static int remember(struct unpack_ctx *c, const struct stat *st)
{
	if (inoset_put(&c->made, st->st_dev, st->st_ino, 0) < 0)
		return brig_err_set(c->e, -ENOMEM, "recording created inodes");
	return 0;
}

static int remember_at(struct unpack_ctx *c, int parent, const char *base)
{
	struct stat st;
	if (fstatat(parent, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return brig_err_sys(c->e, errno, "examining the new entry");
	return remember(c, &st);
}

static int pwrite_all(int fd, const char *buf, size_t len, off_t off)
{
	while (len > 0) {
		ssize_t n = BRIG_RETRY(pwrite(fd, buf, len, off));
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		buf += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

static int write_data(struct unpack_ctx *c, int fd, uint64_t size)
{
	for (;;) {
		const void *buf;
		size_t len = 0;
		la_int64_t off = 0;
		int r = archive_read_data_block(c->tar, &buf, &len, &off);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN)
			return layer_stream_error(c, c->tar, "reading file data");
		if (off < 0 || (uint64_t)off > size || len > size - (uint64_t)off)
			return brig_err_set(c->e, -EINVAL, "file data beyond its declared size");
		r = pwrite_all(fd, buf, len, (off_t)off);
		if (r < 0)
			return brig_err_sys(c->e, -r, "writing file data");
	}
	if (ftruncate(fd, (off_t)size) < 0) /* a sparse file's final hole */
		return brig_err_sys(c->e, errno, "setting the file size");
	return 0;
}

static int extract_file(struct unpack_ctx *c, struct archive_entry *ae, const struct ent_meta *m)
{
	char base[NAME_MAX + 1];
	/* entry_limits checked the size */
	la_int64_t sz = archive_entry_size_is_set(ae) ? archive_entry_size(ae) : 0;
	_cleanup_close_ int parent = layer_open_parent(c, c->path, base);
	if (parent < 0)
		return parent;
	int r = layer_clear_slot(c, parent, base, false);
	if (r < 0)
		return r;
	_cleanup_close_ int fd = BRIG_RETRY(
		openat(parent, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
	if (fd < 0)
		return brig_err_sys(c->e, errno, "creating the file");
	struct stat st;
	r = write_data(c, fd, (uint64_t)sz);
	if (r == 0)
		r = meta_fd(c, fd, ae, m, true);
	if (r < 0)
		return r;
	if (fstat(fd, &st) < 0)
		return brig_err_sys(c->e, errno, "examining the new file");
	c->res->files++;
	return remember(c, &st);
}

static int defer_dir_times(struct unpack_ctx *c, const struct stat *st, const struct ent_meta *m)
{
	size_t len = strlen(c->path) + 1;
	if (c->dir_bytes + len > DIR_LIST_MAX)
		return brig_err_set(c->e, -E2BIG,
				    "too many directories to track (%llu bytes of names)",
				    (unsigned long long)c->dir_bytes);
	if (c->n_dirs == c->cap_dirs) {
		size_t ncap = c->cap_dirs ? c->cap_dirs * 2 : 64;
		struct dir_time *d = realloc(c->dirs, ncap * sizeof(*d));
		if (!d)
			return brig_err_set(c->e, -ENOMEM, "tracking directories");
		c->dirs = d;
		c->cap_dirs = ncap;
	}
	char *p = strdup(c->path);
	if (!p)
		return brig_err_set(c->e, -ENOMEM, "tracking directories");
	c->dirs[c->n_dirs++] = (struct dir_time){
		.dev = st->st_dev,
		.ino = st->st_ino,
		.ts = { m->ts[0], m->ts[1] },
		.path = p,
	};
	c->dir_bytes += len;
	return 0;
}

static int open_dir_entry(struct unpack_ctx *c)
{
	if (c->path[0] == '\0') {
		int fd = BRIG_RETRY(openat(c->root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
		return fd < 0 ? brig_err_sys(c->e, errno, "opening the layer root") : fd;
	}
	char base[NAME_MAX + 1];
	_cleanup_close_ int parent = layer_open_parent(c, c->path, base);
	if (parent < 0)
		return parent;
	int r = layer_clear_slot(c, parent, base, true);
	if (r < 0)
		return r;
	if (r == 0 && mkdirat(parent, base, 0700) < 0)
		return brig_err_sys(c->e, errno, "creating the directory");
	int fd = BRIG_RETRY(openat(parent, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	return fd < 0 ? brig_err_sys(c->e, errno, "opening the directory") : fd;
}

static int extract_dir(struct unpack_ctx *c, struct archive_entry *ae, const struct ent_meta *m)
{
	_cleanup_close_ int fd = open_dir_entry(c);
	if (fd < 0)
		return fd;
	struct stat st;
	int r = meta_fd(c, fd, ae, m, false);
	if (r < 0)
		return r;
	if (fstat(fd, &st) < 0)
		return brig_err_sys(c->e, errno, "examining the directory");
	r = defer_dir_times(c, &st, m);
	if (r < 0)
		return r;
	c->res->dirs++;
	return remember(c, &st);
}

static int extract_symlink(struct unpack_ctx *c, struct archive_entry *ae, const struct ent_meta *m)
{
	char base[NAME_MAX + 1];
	const char *target = archive_entry_symlink(ae);
	if (!target || !*target)
		return brig_err_set(c->e, -EINVAL, "symlink without a target");
	_cleanup_close_ int parent = layer_open_parent(c, c->path, base);
	if (parent < 0)
		return parent;
	int r = layer_clear_slot(c, parent, base, false);
	if (r < 0)
		return r;
	/* The target is stored as it is; nothing here ever follows it. */
	if (symlinkat(target, parent, base) < 0)
		return brig_err_sys(c->e, errno, "creating the symlink");
	r = meta_at(c, parent, base, ae, m, true);
	if (r < 0)
		return r;
	c->res->symlinks++;
	return remember_at(c, parent, base);
}

/* The target of a hard link: a non-directory this layer created. */
static int open_link_target(struct unpack_ctx *c, const char *target, struct stat *st)
{
	char tpath[PATH_MAX];
	struct brig_err tmp = { 0 };
	int r = layer_clean_path(target, tpath, c->e);
	if (r < 0)
		return brig_err_wrap(c->e, "hard link target");
	if (tpath[0] == '\0')
		return brig_err_set(c->e, -EPERM, "hard link to the layer root refused");
	int fd = brig_open_in_root(c->root, tpath, O_PATH | O_NOFOLLOW, 0,
				   BRIG_RESOLVE_NOFOLLOW_LAST, &tmp);
	brig_err_clear(&tmp);
	if (fd < 0)
		return brig_err_sys(c->e, -fd, "hard link target '%s' is not in this layer",
				    target);
	if (fstat(fd, st) < 0 || S_ISDIR(st->st_mode) ||
	    !inoset_get(&c->made, st->st_dev, st->st_ino, NULL)) {
		(void)close(fd);
		return brig_err_set(c->e, -EPERM,
				    "hard link target '%s' was not created by this layer", target);
	}
	return fd;
}

static int link_fd(int fd, int parent, const char *base)
{
	if (linkat(fd, "", parent, base, AT_EMPTY_PATH) == 0)
		return 0;
	if (errno != ENOENT && errno != EPERM)
		return -errno;
	/* Without CAP_DAC_READ_SEARCH: the same inode through /proc. */
	char proc[64];
	(void)snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return linkat(AT_FDCWD, proc, parent, base, AT_SYMLINK_FOLLOW) == 0 ? 0 : -errno;
}

static int extract_hardlink(struct unpack_ctx *c, const char *target)
{
	char base[NAME_MAX + 1];
	struct stat st, cur;
	_cleanup_close_ int fd = open_link_target(c, target, &st);
	if (fd < 0)
		return fd;
	_cleanup_close_ int parent = layer_open_parent(c, c->path, base);
	if (parent < 0)
		return parent;
	if (fstatat(parent, base, &cur, AT_SYMLINK_NOFOLLOW) == 0 && cur.st_dev == st.st_dev &&
	    cur.st_ino == st.st_ino)
		return 0; /* already that inode */
	int r = layer_clear_slot(c, parent, base, false);
	if (r < 0)
		return r;
	r = link_fd(fd, parent, base);
	if (r < 0)
		return brig_err_sys(c->e, -r, "creating the hard link");
	c->res->hardlinks++;
	return 0;
}

static int extract_special(struct unpack_ctx *c, struct archive_entry *ae, const struct ent_meta *m,
			   mode_t type)
{
	char base[NAME_MAX + 1];
	dev_t dev = 0;
	if (type != S_IFIFO) {
		if (!c->o->allow_devices) {
			c->res->devices_skipped++;
			unpack_note(c, "%s: device node skipped (devices are not allowed)", c->cur);
			return 0;
		}
		dev = makedev(archive_entry_rdevmajor(ae), archive_entry_rdevminor(ae));
	}
	_cleanup_close_ int parent = layer_open_parent(c, c->path, base);
	if (parent < 0)
		return parent;
	int r = layer_clear_slot(c, parent, base, false);
	if (r < 0)
		return r;
	if (mknodat(parent, base, type | 0600, dev) < 0)
		return brig_err_sys(c->e, errno, "creating the %s",
				    type == S_IFIFO ? "fifo" : "device node");
	r = meta_at(c, parent, base, ae, m, false);
	if (r < 0)
		return r;
	if (type == S_IFIFO)
		c->res->fifos++;
	else
		c->res->devices++;
	return remember_at(c, parent, base);
}

/* What a tar can carry but this unpacker does not apply: said, not hidden. */
static void note_unapplied(struct unpack_ctx *c, struct archive_entry *ae)
{
	unsigned long set = 0, clear = 0;
	if (archive_entry_acl_count(
		    ae, ARCHIVE_ENTRY_ACL_TYPE_POSIX1E | ARCHIVE_ENTRY_ACL_TYPE_NFS4) > 0)
		unpack_note(c, "%s: ACL not applied (unsupported)", c->cur);
	archive_entry_fflags(ae, &set, &clear);
	if (set != 0) {
		const char *txt = archive_entry_fflags_text(ae);
		unpack_note(c, "%s: file flags '%s' not applied", c->cur, txt ? txt : "?");
	}
}

static int check_entry(struct unpack_ctx *c, const char *name)
{
	if (++c->res->entries > c->lim.entries)
		return brig_err_set(c->e, -E2BIG, "limit max_entries (%llu) exceeded",
				    (unsigned long long)c->lim.entries);
	if (strlen(name) > c->lim.path)
		return brig_err_set(c->e, -ENAMETOOLONG,
				    "limit max_path (%llu) exceeded by the name",
				    (unsigned long long)c->lim.path);
	if (!*name)
		return brig_err_set(c->e, -EINVAL, "entry without a name");
	if (STRICT(c)) {
		int r = layer_strict_name(c, name);
		if (r < 0)
			return r;
	}
	return layer_clean_path(name, c->path, c->e);
}

/* The limits on an entry's declared size and link target. */
static int entry_limits(struct unpack_ctx *c, struct archive_entry *ae)
{
	const char *hl = archive_entry_hardlink(ae);
	const char *sl = archive_entry_filetype(ae) == AE_IFLNK ? archive_entry_symlink(ae) : NULL;
	if (hl && strlen(hl) > c->lim.path)
		return brig_err_set(c->e, -ENAMETOOLONG,
				    "limit max_path (%llu) exceeded by the link target",
				    (unsigned long long)c->lim.path);
	if (!hl && sl && strlen(sl) > c->lim.path)
		return brig_err_set(c->e, -ENAMETOOLONG,
				    "limit max_path (%llu) exceeded by the symlink target",
				    (unsigned long long)c->lim.path);
	if (hl || archive_entry_filetype(ae) != AE_IFREG || !archive_entry_size_is_set(ae))
		return 0;
	la_int64_t sz = archive_entry_size(ae);
	if (sz < 0)
		return brig_err_set(c->e, -EINVAL, "negative file size");
	if ((uint64_t)sz > c->lim.file)
		return brig_err_set(c->e, -EFBIG, "limit max_file_size (%llu) exceeded: %lld bytes",
				    (unsigned long long)c->lim.file, (long long)sz);
	return 0;
}

/* Everything about the entry that is judged before anything is made. */
static int judge_entry(struct unpack_ctx *c, struct archive_entry *ae, const char *name)
{
	int r = check_entry(c, name);
	if (r == 0 && STRICT(c))
		r = layer_strict_entry(c, ae);
	if (r < 0)
		return r;
	if (c->path[0] == '\0' &&
	    (archive_entry_hardlink(ae) || archive_entry_filetype(ae) != AE_IFDIR))
		return brig_err_set(c->e, -EPERM, "only a directory may stand for the layer root");
	return entry_limits(c, ae);
}

int layer_extract_entry(struct unpack_ctx *c, struct archive_entry *ae)
{
	const char *name = archive_entry_pathname(ae);
	if (!name)
		name = "";
	(void)snprintf(c->cur, sizeof(c->cur), "%s", name); /* may be cut: messages only */
	int r = judge_entry(c, ae, name);
	if (r < 0 || c->root < 0)
		return r;
	const char *slash = strrchr(c->path, '/');
	const char *base = slash ? slash + 1 : c->path;
	if (strncmp(base, ".wh.", 4) == 0)
		return layer_whiteout(c, ae, base);
	struct ent_meta m;
	r = entry_meta(c, ae, &m);
	if (r < 0)
		return r;
	note_unapplied(c, ae);
	mode_t type = archive_entry_filetype(ae);
	const char *hl = archive_entry_hardlink(ae);
	if (hl)
		return extract_hardlink(c, hl);
	switch (type) {
	case AE_IFREG:
		return extract_file(c, ae, &m);
	case AE_IFDIR:
		return extract_dir(c, ae, &m);
	case AE_IFLNK:
		return extract_symlink(c, ae, &m);
	case AE_IFIFO:
	case AE_IFCHR:
	case AE_IFBLK:
		return extract_special(c, ae, &m, type);
	default:
		return brig_err_set(c->e, -EINVAL, "unsupported entry type %06o", (unsigned)type);
	}
}

int layer_finish_dirs(struct unpack_ctx *c)
{
	for (size_t i = 0; i < c->n_dirs; i++) {
		const struct dir_time *d = &c->dirs[i];
		struct brig_err tmp = { 0 };
		struct stat st;
		_cleanup_close_ int fd = brig_open_in_root(c->root, d->path,
							   O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0,
							   BRIG_RESOLVE_NOFOLLOW_LAST, &tmp);
		brig_err_clear(&tmp);
		/* Gone or replaced by a later entry: that one's metadata stands. */
		if (fd < 0 || fstat(fd, &st) < 0 || st.st_dev != d->dev || st.st_ino != d->ino)
			continue;
		if (futimens(fd, d->ts) < 0)
			return brig_err_sys(c->e, errno, "setting times of directory '%s'",
					    d->path);
	}
	layer_free_dirs(c);
	return 0;
}

void layer_free_dirs(struct unpack_ctx *c)
{
	for (size_t i = 0; i < c->n_dirs; i++)
		free(c->dirs[i].path);
	free(c->dirs);
	c->dirs = NULL;
	c->n_dirs = c->cap_dirs = 0;
	c->dir_bytes = 0;
}
