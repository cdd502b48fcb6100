/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Packing a directory into a layer, the mirror of unpack.c:
 *
 *   tree --> tar writer (PAX) --[hash: diff_id]--> raw writer with a
 *   gzip/zstd filter --[hash: digest]--> out_fd
 *
 * (without compression the tar writer's output goes to out_fd directly and
 * both digests are of the same bytes).  Entries come in byte-wise name
 * order, each directory before its contents; owners are numeric, times are
 * mtimes only, gzip carries no timestamp: the same tree gives the same
 * bytes.  Every entry is opened relative to src_dirfd with
 * brig_open_in_root and O_NOFOLLOW, one at a time, so no fd is held per
 * directory level and no symlink in the tree is ever followed.
 */
#include "image/layer/layer-internal.h"

#include "image/libarchive-shim.h"
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#define READ_BLOCK (64 * 1024)
#define XATTR_LIST_MAX_LEN (64 * 1024)
#define XATTR_VALUE_MAX (64 * 1024)

struct pack_ctx {
	int src;
	int out_fd;
	unsigned flags;
	struct brig_err *e;
	struct archive *tar, *comp;
	struct archive_entry *ae;
	struct brig_sha256 *h_out, *h_tar;
	int failed; /* negative errno once a write callback failed; e is set */
	struct inoset links; /* inode -> index in link_paths */
	char **link_paths;
	size_t n_links, cap_links;
	unsigned char *buf;
	char *xlist, *xval; /* xattr names and one value */
	char path[PATH_MAX];
	bool opaque; /* set by add_xattrs for an opaque upper directory */
	const struct img_pack_ids *ids; /* NULL: owners as they are */
	uint64_t mnt_id; /* IMG_PACK_ONE_MOUNT: the mount of src_dirfd */
	const int64_t *mtime_max; /* NULL: mtimes as they are */
	const struct img_pack_setid *setid; /* NULL: setuid/setgid bits kept */
};

static int mount_id(int fd, uint64_t *id)
{
	struct statx stx;
	if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &stx) < 0)
		return -errno;
	if (!(stx.stx_mask & STATX_MNT_ID))
		return -ENOTSUP;
	*id = stx.stx_mnt_id;
	return 0;
}

/* IMG_PACK_ONE_MOUNT: a directory on another mount is packed empty. */
static int other_mount(struct pack_ctx *c, int fd, bool *other)
{
	uint64_t id = 0;
	*other = false;
	if (!(c->flags & IMG_PACK_ONE_MOUNT))
		return 0;
	int r = mount_id(fd, &id);
	if (r < 0)
		return brig_err_sys(c->e, -r, "the mount of '%s'", c->path);
	*other = id != c->mnt_id;
	return 0;
}

static int pack_error(struct pack_ctx *c, struct archive *a, const char *what)
{
	if (c->failed)
		return c->failed;
	const char *m = archive_error_string(a);
	return brig_err_set(c->e, -EIO, "%s: %s", what, m ? m : "unknown error");
}

static la_ssize_t cb_fail(struct pack_ctx *c, struct archive *a, int code, const char *what)
{
	if (!c->failed)
		c->failed = brig_err_sys(c->e, -code, "%s", what);
	archive_set_error(a, -code, "%s", what);
	return ARCHIVE_FATAL;
}

static la_ssize_t write_out(struct pack_ctx *c, struct archive *a, const void *buf, size_t len)
{
	if (brig_sha256_update(c->h_out, buf, len) < 0)
		return cb_fail(c, a, -EIO, "hashing the layer");
	int r = brig_write_all(c->out_fd, buf, len);
	if (r < 0)
		return cb_fail(c, a, r, "writing the layer");
	return (la_ssize_t)len;
}

static la_ssize_t comp_write(struct archive *a, void *opaque, const void *buf, size_t len)
{
	return write_out(opaque, a, buf, len);
}

static la_ssize_t tar_write(struct archive *a, void *opaque, const void *buf, size_t len)
{
	struct pack_ctx *c = opaque;
	if (brig_sha256_update(c->h_tar, buf, len) < 0)
		return cb_fail(c, a, -EIO, "hashing the tar stream");
	if (!c->comp)
		return write_out(c, a, buf, len);
	la_ssize_t n = archive_write_data(c->comp, buf, len);
	if (n < 0 || (size_t)n != len) {
		if (!c->failed)
			c->failed = pack_error(c, c->comp, "compressing the layer");
		archive_set_error(a, EIO, "compressing the layer");
		return ARCHIVE_FATAL;
	}
	return n;
}

static int open_comp(struct pack_ctx *c, enum img_compression comp)
{
	c->comp = archive_write_new();
	if (!c->comp)
		return brig_err_set(c->e, -ENOMEM, "allocating the compressor");
	int r = archive_write_set_format_raw(c->comp);
	/* ARCHIVE_WARN from add_filter means an external program: refused. */
	if (r == ARCHIVE_OK)
		r = comp == IMG_COMP_GZIP ? archive_write_add_filter_gzip(c->comp)
					  : archive_write_add_filter_zstd(c->comp);
	if (r == ARCHIVE_OK && comp == IMG_COMP_GZIP) /* no timestamp */
		r = archive_write_set_filter_option(c->comp, "gzip", "timestamp", NULL);
	if (r == ARCHIVE_OK)
		r = archive_write_set_bytes_in_last_block(c->comp, 1);
	if (r == ARCHIVE_OK)
		r = archive_write_open(c->comp, c, NULL, comp_write, NULL);
	if (r != ARCHIVE_OK)
		return pack_error(c, c->comp, "setting up compression");
	struct archive_entry *ae = archive_entry_new();
	if (!ae)
		return brig_err_set(c->e, -ENOMEM, "allocating an entry");
	archive_entry_set_filetype(ae, AE_IFREG);
	archive_entry_copy_pathname(ae, "layer.tar");
	r = archive_write_header(c->comp, ae);
	archive_entry_free(ae);
	return r == ARCHIVE_OK ? 0 : pack_error(c, c->comp, "setting up compression");
}

static int open_writers(struct pack_ctx *c, enum img_compression comp)
{
	if (comp != IMG_COMP_NONE) {
		int r = open_comp(c, comp);
		if (r < 0)
			return r;
	}
	c->tar = archive_write_new();
	c->ae = archive_entry_new();
	if (!c->tar || !c->ae)
		return brig_err_set(c->e, -ENOMEM, "allocating the tar writer");
	if (archive_write_set_format_pax(c->tar) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(c->tar, 1) != ARCHIVE_OK ||
	    archive_write_open(c->tar, c, NULL, tar_write, NULL) != ARCHIVE_OK)
		return pack_error(c, c->tar, "setting up the tar writer");
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in directory c->path, sorted; NULL-terminated. */
static int list_dir(struct pack_ctx *c, char ***out)
{
	int fd = brig_open_in_root(c->src, c->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0,
				   BRIG_RESOLVE_NOFOLLOW_LAST, c->e);
	if (fd < 0)
		return fd;
	DIR *d = fdopendir(fd);
	if (!d) {
		int r = brig_err_sys(c->e, errno, "listing '%s'", c->path);
		(void)close(fd);
		return r;
	}
	char **v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int r = 0;
	while (r == 0 && (errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (n + 1 >= cap) {
			cap = cap ? cap * 2 : 32;
			char **nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				r = brig_err_set(c->e, -ENOMEM, "listing '%s'", c->path);
				break;
			}
			v = nv;
		}
		v[n] = strdup(de->d_name);
		if (!v[n])
			r = brig_err_set(c->e, -ENOMEM, "listing '%s'", c->path);
		else
			v[++n] = NULL;
	}
	if (r == 0 && errno != 0)
		r = brig_err_sys(c->e, errno, "listing '%s'", c->path);
	(void)closedir(d);
	if (r < 0 || !v) {
		if (v)
			v[n] = NULL;
		brig_strv_free(v);
		*out = NULL;
		return r < 0 ? r : 0;
	}
	qsort(v, n, sizeof(*v), name_cmp);
	*out = v;
	return 0;
}

static bool overlay_xattr(const char *name)
{
	return strncmp(name, "trusted.overlay.", 16) == 0 ||
		strncmp(name, "user.overlay.", 13) == 0;
}

/* In upper mode: the opaque marker becomes an entry, overlayfs' other
 * bookkeeping is dropped, and what a tar cannot express is refused. */
static int upper_xattr(struct pack_ctx *c, const char *name, const char *val, ssize_t n)
{
	const char *key = strchr(name, '.') + 1 + strlen("overlay.");
	if (strcmp(key, "opaque") == 0) {
		c->opaque = n == 1 && val[0] == 'y';
		return 0;
	}
	if (strcmp(key, "redirect") == 0 || strcmp(key, "metacopy") == 0)
		return brig_err_set(c->e, -ENOTSUP,
				    "'%s' has overlayfs %s set, which a layer cannot express",
				    c->path, key);
	return 0;
}

/* With setid->caps (brig build --defang-setuid), a regular file's
 * security.capability is left out of the layer and reported instead. */
static bool caps_dropped(struct pack_ctx *c, const char *name, bool reg)
{
	return reg && c->setid && c->setid->caps && strcmp(name, "security.capability") == 0;
}

static int add_xattrs(struct pack_ctx *c, int fd, bool reg)
{
	char proc[64];
	char *list = c->xlist, *val = c->xval;
	(void)snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	c->opaque = false;
	/* Following the magic link reaches the inode itself, symlinks too. */
	ssize_t len = listxattr(proc, list, XATTR_LIST_MAX_LEN);
	if (len < 0)
		return errno == EOPNOTSUPP
			? 0
			: brig_err_sys(c->e, errno, "listing xattrs of '%s'", c->path);
	for (ssize_t i = 0; i < len; i += (ssize_t)strlen(list + i) + 1) {
		const char *name = list + i;
		ssize_t n = getxattr(proc, name, val, XATTR_VALUE_MAX);
		if (n < 0 && errno == ENODATA)
			continue;
		if (n < 0)
			return brig_err_sys(c->e, errno, "reading xattr %s of '%s'", name, c->path);
		if ((c->flags & IMG_PACK_OVERLAY_UPPER) && overlay_xattr(name)) {
			int r = upper_xattr(c, name, val, n);
			if (r < 0)
				return r;
			continue;
		}
		if (caps_dropped(c, name, reg)) {
			int r = c->setid->caps(c->setid->arg, c->path, val, (size_t)n,
					       archive_entry_uid(c->ae), c->e);
			if (r < 0)
				return r;
			continue;
		}
		size_t size = (size_t)n;
		if (reg && strcmp(name, "security.capability") == 0)
			size = layer_caps_for_image(c->ids, (unsigned char *)val, size);
		archive_entry_xattr_add_entry(c->ae, name, val, size);
	}
	return 0;
}

static void fill_entry(struct pack_ctx *c, const char *name, const struct stat *st)
{
	archive_entry_clear(c->ae);
	archive_entry_copy_pathname(c->ae, name);
	archive_entry_set_mode(c->ae, st->st_mode);
	archive_entry_set_uid(c->ae, layer_id(c->ids, st->st_uid, false));
	archive_entry_set_gid(c->ae, layer_id(c->ids, st->st_gid, true));
	if (c->mtime_max && st->st_mtim.tv_sec >= *c->mtime_max)
		archive_entry_set_mtime(c->ae, *c->mtime_max, 0);
	else
		archive_entry_set_mtime(c->ae, st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
	if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
		archive_entry_set_rdevmajor(c->ae, major(st->st_rdev));
		archive_entry_set_rdevminor(c->ae, minor(st->st_rdev));
	}
}

static int write_header(struct pack_ctx *c)
{
	int r = archive_write_header(c->tar, c->ae);
	return r >= ARCHIVE_WARN ? 0 : pack_error(c, c->tar, "writing a tar header");
}

/* An empty regular file entry standing for a whiteout marker. */
static int write_marker(struct pack_ctx *c, const char *name, const struct stat *st)
{
	struct stat m = { .st_mode = S_IFREG | 0600, .st_mtim = st->st_mtim };
	fill_entry(c, name, &m);
	archive_entry_set_size(c->ae, 0);
	return write_header(c);
}

static int copy_data(struct pack_ctx *c, int fd, uint64_t size)
{
	uint64_t done = 0;
	while (done < size) {
		size_t want = size - done < READ_BLOCK ? (size_t)(size - done) : READ_BLOCK;
		ssize_t n = BRIG_RETRY(read(fd, c->buf, want));
		if (n < 0)
			return brig_err_sys(c->e, errno, "reading '%s'", c->path);
		if (n == 0)
			return brig_err_set(c->e, -EAGAIN, "'%s' shrank while being packed",
					    c->path);
		la_ssize_t w = archive_write_data(c->tar, c->buf, (size_t)n);
		if (w < 0 || w != n)
			return pack_error(c, c->tar, "writing file data");
		done += (uint64_t)n;
	}
	return 0;
}

static int pack_file(struct pack_ctx *c, const struct stat *st)
{
	int fd = brig_open_in_root(c->src, c->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK, 0,
				   BRIG_RESOLVE_NOFOLLOW_LAST, c->e);
	if (fd < 0)
		return fd;
	struct stat now;
	int r = 0;
	if (fstat(fd, &now) < 0)
		r = brig_err_sys(c->e, errno, "examining '%s'", c->path);
	else if (now.st_dev != st->st_dev || now.st_ino != st->st_ino)
		r = brig_err_set(c->e, -EAGAIN, "'%s' was replaced while being packed", c->path);
	if (r == 0) {
		archive_entry_set_size(c->ae, st->st_size);
		r = write_header(c);
	}
	if (r == 0)
		r = copy_data(c, fd, (uint64_t)st->st_size);
	(void)close(fd);
	return r;
}

/* A second name of an inode already packed becomes a hard link entry. */
static int link_seen(struct pack_ctx *c, const struct stat *st, bool *is_link)
{
	size_t idx;
	*is_link = false;
	if (S_ISDIR(st->st_mode) || st->st_nlink < 2)
		return 0;
	if (inoset_get(&c->links, st->st_dev, st->st_ino, &idx)) {
		archive_entry_copy_hardlink(c->ae, c->link_paths[idx]);
		archive_entry_set_size(c->ae, 0);
		*is_link = true;
		return 0;
	}
	if (c->n_links == c->cap_links) {
		size_t ncap = c->cap_links ? c->cap_links * 2 : 64;
		char **v = realloc(c->link_paths, ncap * sizeof(*v));
		if (!v)
			return brig_err_set(c->e, -ENOMEM, "tracking hard links");
		c->link_paths = v;
		c->cap_links = ncap;
	}
	c->link_paths[c->n_links] = strdup(c->path);
	if (!c->link_paths[c->n_links] ||
	    inoset_put(&c->links, st->st_dev, st->st_ino, c->n_links) < 0)
		return brig_err_set(c->e, -ENOMEM, "tracking hard links");
	c->n_links++;
	return 0;
}

static int pack_dir(struct pack_ctx *c, int depth);

/* A whiteout device in an overlay upper: DIR/.wh.NAME. */
static int pack_whiteout(struct pack_ctx *c, const struct stat *st)
{
	char name[PATH_MAX];
	const char *slash = strrchr(c->path, '/');
	const char *base = slash ? slash + 1 : c->path;
	int dl = (int)(base - c->path);
	if (strlen(base) + 4 > NAME_MAX)
		return brig_err_set(c->e, -ENAMETOOLONG, "whiteout name for '%s' is too long",
				    c->path);
	if (brig_snprintf(name, sizeof(name), "%.*s.wh.%s", dl, c->path, base) < 0)
		return brig_err_set(c->e, -ENAMETOOLONG, "'%s' is too long", c->path);
	return write_marker(c, name, st);
}

static int pack_special(struct pack_ctx *c, int fd, const struct stat *st)
{
	bool is_link = false;
	int r = link_seen(c, st, &is_link);
	if (r < 0)
		return r;
	if (S_ISLNK(st->st_mode) && !is_link) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(fd, "", target, sizeof(target));
		if (n < 0 || (size_t)n >= sizeof(target))
			return brig_err_sys(c->e, n < 0 ? errno : ENAMETOOLONG, "reading link '%s'",
					    c->path);
		target[n] = '\0';
		archive_entry_copy_symlink(c->ae, target);
	}
	if (!is_link && S_ISREG(st->st_mode))
		return pack_file(c, st);
	return write_header(c);
}

static int pack_one(struct pack_ctx *c, int depth)
{
	struct stat st;
	_cleanup_close_ int fd = brig_open_in_root(c->src, c->path, O_PATH | O_NOFOLLOW, 0,
						   BRIG_RESOLVE_NOFOLLOW_LAST, c->e);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		return brig_err_sys(c->e, errno, "examining '%s'", c->path);
	if ((c->flags & IMG_PACK_OVERLAY_UPPER) && S_ISCHR(st.st_mode) &&
	    st.st_rdev == makedev(0, 0))
		return pack_whiteout(c, &st);
	if (S_ISSOCK(st.st_mode)) {
		brig_warn("pack: '%s' is a socket; a layer cannot hold it, skipped", c->path);
		return 0;
	}
	fill_entry(c, c->path, &st);
	int r = add_xattrs(c, fd, S_ISREG(st.st_mode));
	if (r == 0 && c->setid && S_ISREG(st.st_mode) && (st.st_mode & (S_ISUID | S_ISGID))) {
		archive_entry_set_mode(c->ae, st.st_mode & ~(mode_t)(S_ISUID | S_ISGID));
		r = c->setid->fn(c->setid->arg, c->path, st.st_mode, archive_entry_uid(c->ae),
				 c->e);
	}
	if (r < 0)
		return r;
	if (!S_ISDIR(st.st_mode))
		return pack_special(c, fd, &st);
	bool opaque = c->opaque;
	r = write_header(c);
	if (r == 0 && opaque) {
		char name[PATH_MAX];
		if (brig_snprintf(name, sizeof(name), "%s/.wh..wh..opq", c->path) < 0)
			return brig_err_set(c->e, -ENAMETOOLONG, "'%s' is too long", c->path);
		r = write_marker(c, name, &st);
	}
	bool other = false;
	if (r == 0 && (r = other_mount(c, fd, &other)) == 0 && other)
		return 0;
	return r < 0 ? r : pack_dir(c, depth + 1);
}

static int pack_dir(struct pack_ctx *c, int depth)
{
	char **names = NULL;
	size_t plen = strlen(c->path);
	if (depth > PATH_MAX / 2) /* cannot happen within PATH_MAX; a guard */
		return brig_err_set(c->e, -ELOOP, "'%s' is nested too deeply", c->path);
	int r = list_dir(c, &names);
	for (size_t i = 0; r == 0 && names && names[i]; i++) {
		if (strncmp(names[i], ".wh.", 4) == 0) {
			r = brig_err_set(c->e, -EINVAL,
					 "'%s/%s': names starting with .wh. "
					 "would read as whiteouts",
					 c->path, names[i]);
			break;
		}
		if (brig_snprintf(c->path + plen, sizeof(c->path) - plen, "%s%s", plen ? "/" : "",
				  names[i]) < 0) {
			r = brig_err_set(c->e, -ENAMETOOLONG, "'%s/%s' is too long", c->path,
					 names[i]);
			break;
		}
		r = pack_one(c, depth);
		c->path[plen] = '\0';
	}
	brig_strv_free(names);
	return r;
}

static int pack_finish(struct pack_ctx *c, char digest[IMG_DIGEST_LEN],
		       char diff_id[IMG_DIGEST_LEN])
{
	char hex[BRIG_SHA256_HEX];
	if (archive_write_close(c->tar) != ARCHIVE_OK)
		return pack_error(c, c->tar, "finishing the tar stream");
	if (c->comp && archive_write_close(c->comp) != ARCHIVE_OK)
		return pack_error(c, c->comp, "finishing compression");
	if (brig_sha256_final(c->h_tar, hex) < 0)
		return brig_err_set(c->e, -EIO, "finishing the diff_id");
	(void)snprintf(diff_id, IMG_DIGEST_LEN, "sha256:%s", hex);
	if (brig_sha256_final(c->h_out, hex) < 0)
		return brig_err_set(c->e, -EIO, "finishing the digest");
	(void)snprintf(digest, IMG_DIGEST_LEN, "sha256:%s", hex);
	return 0;
}

int img_layer_pack(int src_dirfd, int out_fd, enum img_compression comp, unsigned flags,
		   char digest[IMG_DIGEST_LEN], char diff_id[IMG_DIGEST_LEN], struct brig_err *e)
{
	return img_layer_pack_ids(src_dirfd, out_fd, comp, flags, NULL, digest, diff_id, e);
}

/* The tree beneath src_dirfd, or (entry) that one entry of it and what is
 * beneath it. */
static int pack_tree(int src_dirfd, const char *entry, int out_fd, enum img_compression comp,
		     unsigned flags, const struct img_pack_ids *ids, const int64_t *mtime_max,
		     const struct img_pack_setid *setid, char digest[IMG_DIGEST_LEN],
		     char diff_id[IMG_DIGEST_LEN], struct brig_err *e)
{
	struct pack_ctx c = { .src = src_dirfd,
			      .out_fd = out_fd,
			      .flags = flags,
			      .e = e,
			      .ids = ids,
			      .mtime_max = mtime_max,
			      .setid = setid };
	int r = 0;
	if (comp != IMG_COMP_NONE && comp != IMG_COMP_GZIP && comp != IMG_COMP_ZSTD)
		return brig_err_set(e, -EINVAL, "unknown compression %d", (int)comp);
	c.h_out = brig_sha256_new();
	c.h_tar = brig_sha256_new();
	c.buf = malloc(READ_BLOCK);
	c.xlist = malloc(XATTR_LIST_MAX_LEN);
	c.xval = malloc(XATTR_VALUE_MAX);
	if (!c.h_out || !c.h_tar || !c.buf || !c.xlist || !c.xval)
		r = brig_err_set(e, -ENOMEM, "allocating pack buffers");
	if (r == 0 && (flags & IMG_PACK_ONE_MOUNT) && (r = mount_id(src_dirfd, &c.mnt_id)) < 0)
		r = brig_err_sys(e, -r, "the mount of the tree to pack");
	if (r == 0)
		r = open_writers(&c, comp);
	if (r == 0 && entry && brig_snprintf(c.path, sizeof(c.path), "%s", entry) < 0)
		r = brig_err_set(e, -ENAMETOOLONG, "'%s' is too long", entry);
	if (r == 0)
		r = entry ? pack_one(&c, 0) : pack_dir(&c, 0);
	if (r == 0)
		r = pack_finish(&c, digest, diff_id);
	/* After a failure, free still closes (and may write an end marker
	 * into out_fd, which the caller discards): archive_write_fail would
	 * leak the compressor's state in libarchive 3.6. */
	if (c.tar)
		archive_write_free(c.tar);
	if (c.comp)
		archive_write_free(c.comp);
	archive_entry_free(c.ae);
	brig_sha256_free(c.h_out);
	brig_sha256_free(c.h_tar);
	free(c.buf);
	free(c.xlist);
	free(c.xval);
	for (size_t i = 0; i < c.n_links; i++)
		free(c.link_paths[i]);
	free(c.link_paths);
	inoset_free(&c.links);
	return r;
}

int img_layer_pack_ids(int src_dirfd, int out_fd, enum img_compression comp, unsigned flags,
		       const struct img_pack_ids *ids, char digest[IMG_DIGEST_LEN],
		       char diff_id[IMG_DIGEST_LEN], struct brig_err *e)
{
	return pack_tree(src_dirfd, NULL, out_fd, comp, flags, ids, NULL, NULL, digest, diff_id, e);
}

int img_layer_pack_clamped(int src_dirfd, int out_fd, enum img_compression comp, unsigned flags,
			   const struct img_pack_ids *ids, int64_t mtime_max,
			   const struct img_pack_setid *setid, char digest[IMG_DIGEST_LEN],
			   char diff_id[IMG_DIGEST_LEN], struct brig_err *e)
{
	return pack_tree(src_dirfd, NULL, out_fd, comp, flags, ids, &mtime_max, setid, digest,
			 diff_id, e);
}

int img_layer_pack_entry(int dirfd, const char *name, int out_fd, const struct img_pack_ids *ids,
			 struct brig_err *e)
{
	char digest[IMG_DIGEST_LEN], diff_id[IMG_DIGEST_LEN];
	if (!name[0] || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return brig_err_set(e, -EINVAL, "'%s' is not a name in its directory", name);
	return pack_tree(dirfd, name, out_fd, IMG_COMP_NONE, 0, ids, NULL, NULL, digest, diff_id,
			 e);
}
