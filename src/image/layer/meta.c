/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An unpacked entry's metadata, in this order: owner (chown clears setuid
 * bits and security.capability), then mode, then xattrs, then times.
 * Directory times are deferred: they are set at the very end, once nothing
 * more is created inside them (layer_finish_dirs).
 */
#include "image/layer/layer-internal.h"

#include "image/libarchive-shim.h"
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

/* Memory for the deferred directory list (paths), whatever the entry
 * count: a stream of huge directory names cannot take more than this. */
#define DIR_LIST_MAX (256ULL << 20)

int layer_entry_meta(struct unpack_ctx *c, struct archive_entry *ae, struct layer_meta *m)
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

/* Set one xattr; an unsupported one is recorded, not fatal. */
static int set_xattr(struct unpack_ctx *c, const struct img_xattr *x, int fd, const char *procpath)
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

int layer_xattrs(struct archive_entry *ae, struct img_xattr **out, size_t *n)
{
	*out = NULL, *n = 0;
	int total = archive_entry_xattr_reset(ae);
	if (total <= 0)
		return 0;
	struct img_xattr *v = calloc((size_t)total, sizeof(*v));
	if (!v)
		return -ENOMEM;
	size_t k = 0;
	struct img_xattr x;
	while (k < (size_t)total &&
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
	*out = v, *n = k;
	return 0;
}

/* Set every xattr of the entry on fd, or (fd < 0) on procpath, not
 * following it. */
static int set_xattrs(struct unpack_ctx *c, struct archive_entry *ae, int fd, const char *procpath)
{
	_cleanup_free_ struct img_xattr *v = NULL;
	size_t k;
	if (layer_xattrs(ae, &v, &k) < 0)
		return brig_err_set(c->e, -ENOMEM, "reading xattrs");
	for (size_t i = 0; i < k; i++) {
		int r = set_xattr(c, &v[i], fd, procpath);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Unpacked by a user other than root (rootless brig): the files stay the
 * caller's, who cannot give them away; rootless containers map their root
 * to the caller, so the image's root-owned files are root's inside. */
static bool keep_caller_owner(void)
{
	return geteuid() != 0;
}

/* Owner, mode, xattrs (and times unless deferred) of an open file. */
int layer_meta_fd(struct unpack_ctx *c, int fd, struct archive_entry *ae,
		  const struct layer_meta *m, bool times)
{
	if (!keep_caller_owner() && fchown(fd, m->uid, m->gid) < 0)
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
int layer_meta_at(struct unpack_ctx *c, int parent, const char *base, struct archive_entry *ae,
		  const struct layer_meta *m, bool is_link)
{
	char proc[64 + NAME_MAX];
	if (!keep_caller_owner() && fchownat(parent, base, m->uid, m->gid, AT_SYMLINK_NOFOLLOW) < 0)
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

int layer_defer_dir_times(struct unpack_ctx *c, const struct stat *st, const struct layer_meta *m)
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
