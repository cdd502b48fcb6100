/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unpacking a layer: one entry at a time, inside the destination root.
 * Each entry is judged first (limits, names, strict mode), then written by
 * the writer of its type.
 *
 * Where it goes is place.c's: a cleaned name, its parent opened inside the
 * root, and the last component only ever handled with *at() calls on that
 * parent fd that do not follow it (O_NOFOLLOW, O_EXCL, AT_SYMLINK_NOFOLLOW,
 * unlinkat).
 *
 * Tar semantics for a name seen twice: the later entry wins.  What is
 * there is removed first (unlinkat, or brig_rm_rf for a directory, which
 * never follows symlinks), except that a directory entry over an existing
 * directory keeps it and only updates its metadata.
 *
 * Metadata (meta.c) follows the data: owner, mode, xattrs, then times;
 * directory times are set at the very end.
 */
#include "image/layer/layer-internal.h"
#include "brig-mutant.h"

#include "image/libarchive-shim.h"
#include <fcntl.h>
#include <string.h>
#include <sys/sysmacros.h>

#ifdef BRIG_MUTANT_NO_LAYER_CHECKS
#define STRICT(c) ((void)(c), false) /* mutant build (make mutants): no strict checks */
#else
#define STRICT(c) ((c)->o->strict)
#endif

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

#define WRITEBACK_MIN (1u << 20)

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
	/* Start a large file's writeback now, without waiting, so the layer's
	 * sync before its rename waits for little more than the last files.
	 * Only a hint: that sync decides, so a failure here changes nothing. */
	if (size >= WRITEBACK_MIN)
		(void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	return 0;
}

static int extract_file(struct unpack_ctx *c, struct archive_entry *ae, const struct layer_meta *m)
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
		r = layer_meta_fd(c, fd, ae, m, true);
	if (r < 0)
		return r;
	if (fstat(fd, &st) < 0)
		return brig_err_sys(c->e, errno, "examining the new file");
	c->res->files++;
	return remember(c, &st);
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

static int extract_dir(struct unpack_ctx *c, struct archive_entry *ae, const struct layer_meta *m)
{
	_cleanup_close_ int fd = open_dir_entry(c);
	if (fd < 0)
		return fd;
	struct stat st;
	int r = layer_meta_fd(c, fd, ae, m, false);
	if (r < 0)
		return r;
	if (fstat(fd, &st) < 0)
		return brig_err_sys(c->e, errno, "examining the directory");
	r = layer_defer_dir_times(c, &st, m);
	if (r < 0)
		return r;
	c->res->dirs++;
	return remember(c, &st);
}

static int extract_symlink(struct unpack_ctx *c, struct archive_entry *ae,
			   const struct layer_meta *m)
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
	r = layer_meta_at(c, parent, base, ae, m, true);
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

static int extract_special(struct unpack_ctx *c, struct archive_entry *ae,
			   const struct layer_meta *m, mode_t type)
{
	char base[NAME_MAX + 1];
	dev_t dev = 0;
	if (type != S_IFIFO) {
		if (!c->o->allow_devices || STRICT(c)) {
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
	r = layer_meta_at(c, parent, base, ae, m, false);
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

ssize_t img_layer_entry_read(const struct img_layer_entry *ent, void *buf, size_t n)
{
	struct unpack_ctx *c = ent->priv;
	la_ssize_t r = archive_read_data(c->tar, buf, n);
	if (r < 0)
		return c->stopped ? c->stopped : -EIO;
	return (ssize_t)r;
}

int img_layer_entry_xattrs(const struct img_layer_entry *ent, struct img_xattr **out, size_t *n)
{
	return layer_xattrs(ent->priv_ae, out, n);
}

static char visit_type(struct archive_entry *ae, const char *base)
{
	if (strncmp(base, ".wh.", 4) == 0)
		return 'w';
	if (archive_entry_hardlink(ae))
		return 'h';
	switch (archive_entry_filetype(ae)) {
	case AE_IFREG:
		return 'f';
	case AE_IFDIR:
		return 'd';
	case AE_IFLNK:
		return 'l';
	case AE_IFIFO:
		return 'p';
	case AE_IFCHR:
		return 'c';
	case AE_IFBLK:
		return 'b';
	default:
		return '?';
	}
}

/* Check-only mode with a visitor: hand it the entry. */
static int visit_entry(struct unpack_ctx *c, struct archive_entry *ae)
{
	const char *slash = strrchr(c->path, '/');
	const char *base = slash ? slash + 1 : c->path;
	char type = visit_type(ae, base);
	const char *hl = archive_entry_hardlink(ae);
	struct img_layer_entry ent = {
		.path = c->path,
		.type = type,
		.mode = archive_entry_mode(ae) & 07777,
		.uid = (uid_t)archive_entry_uid(ae),
		.gid = (gid_t)archive_entry_gid(ae),
		.size = archive_entry_size_is_set(ae) ? (uint64_t)archive_entry_size(ae) : 0,
		.link = hl ? hl : (type == 'l' ? archive_entry_symlink(ae) : NULL),
		.priv = c,
		.priv_ae = ae,
	};
	return c->o->visit(c->o->visit_arg, &ent, c->e);
}

int layer_extract_entry(struct unpack_ctx *c, struct archive_entry *ae)
{
	const char *name = archive_entry_pathname(ae);
	if (!name)
		name = "";
	(void)snprintf(c->cur, sizeof(c->cur), "%s", name); /* may be cut: messages only */
	int r = judge_entry(c, ae, name);
	if (r == 0 && c->root < 0 && c->o->visit)
		return visit_entry(c, ae);
	if (r < 0 || c->root < 0)
		return r;
	const char *slash = strrchr(c->path, '/');
	const char *base = slash ? slash + 1 : c->path;
	if (strncmp(base, ".wh.", 4) == 0)
		return layer_whiteout(c, ae, base);
	struct layer_meta m;
	r = layer_entry_meta(c, ae, &m);
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
