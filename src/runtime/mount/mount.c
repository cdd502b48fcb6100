/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One mounts[] entry: make it as a detached mount (a clone of the bind
 * source, or a fresh file system), give it its flags and recursive
 * attributes while it is detached, resolve its target inside the rootfs
 * (creating it as a directory or an empty file) and attach it onto the
 * resolved fd.  The mount's fd is kept in the setup state for the deferred
 * read-only and for propagation: a mount is never looked up by path after
 * it is made (see tree.c).
 */
#include "runtime/mount/mount-internal.h"
#include "brig-mutant.h"

#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <linux/magic.h>

#define MQUEUE_MAGIC_ 0x19800202UL

#define ATTR_MS                                                                          \
	(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NODIRATIME | MS_NOSYMFOLLOW | \
	 MS_NOATIME | MS_RELATIME | MS_STRICTATIME)

/* Split a cleaned absolute path (not "/") into its directory and last
 * component. */
static int split_path(const char *path, char *dir, size_t dsize, char *base)
{
	const char *slash = strrchr(path, '/');
	size_t dl = slash == path ? 1 : (size_t)(slash - path);
	if (dl >= dsize || strlen(slash + 1) > NAME_MAX || slash[1] == '\0')
		return -ENAMETOOLONG;
	memcpy(dir, path, dl);
	dir[dl] = '\0';
	memcpy(base, slash + 1, strlen(slash + 1) + 1);
	return 0;
}

/* A directory that must not be a symlink in its last component (proc,
 * sysfs: the CVE-2019-19921 class). */
static int real_dir_target(int rootfd, const char *dest, struct brig_err *e)
{
	char dir[PATH_MAX], base[NAME_MAX + 1];
	if (split_path(dest, dir, sizeof(dir), base) < 0)
		return brig_err_set(e, -ENAMETOOLONG, "%s: path too long", dest);
	_cleanup_close_ int pfd = brig_mkdir_in_root(rootfd, dir, 0755, 0, e);
	if (pfd < 0)
		return pfd;
	if (mkdirat(pfd, base, 0755) < 0 && errno != EEXIST)
		return brig_err_sys(e, errno, "creating %s", dest);
	int fd = BRIG_RETRY(openat(pfd, base, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC));
	if (fd < 0 && (errno == ENOTDIR || errno == ELOOP))
		return brig_err_set(e, -ENOTDIR,
				    "%s is not an ordinary directory "
				    "(a symlink or a file); refusing to mount there",
				    dest);
	if (fd < 0)
		return brig_err_sys(e, errno, "opening %s", dest);
	return fd;
}

static int file_target(int rootfd, const char *dest, struct brig_err *e)
{
	_cleanup_err_ struct brig_err tmp = { 0 };
	int fd = brig_open_in_root(rootfd, dest, O_PATH, 0, 0, &tmp);
	if (fd >= 0)
		return fd;
	if (fd != -ENOENT)
		return brig_err_sys(e, -fd, "resolving %s", dest);
	char dir[PATH_MAX], base[NAME_MAX + 1];
	if (split_path(dest, dir, sizeof(dir), base) < 0)
		return brig_err_set(e, -ENAMETOOLONG, "%s: path too long", dest);
	_cleanup_close_ int pfd = brig_mkdir_in_root(rootfd, dir, 0755, 0, e);
	if (pfd < 0)
		return pfd;
	_cleanup_close_ int cfd = BRIG_RETRY(openat(
		pfd, base, O_CREAT | O_EXCL | O_NOFOLLOW | O_RDONLY | O_CLOEXEC | O_NOCTTY, 0644));
	if (cfd < 0)
		return brig_err_sys(e, errno, "creating %s", dest);
	fd = BRIG_RETRY(openat(pfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC));
	if (fd < 0)
		return brig_err_sys(e, errno, "opening %s", dest);
	return fd;
}

/*
 * When the last component of dest is a symlink (a dangling one: else the
 * target would have resolved), the path it names inside the root, cleaned
 * (".." stops at the root), in out: 1.  0 when it is not a symlink.  A
 * relative link is taken from the directory the link is really in.
 */
static int dangling_link(int rootfd, const char *dest, char *out, size_t size)
{
	char base[NAME_MAX + 1], link[PATH_MAX], root[PATH_MAX], dir[PATH_MAX];
	_cleanup_err_ struct brig_err tmp = { 0 };
	_cleanup_close_ int pfd = brig_open_parent_in_root(rootfd, dest, base, 0, &tmp);
	if (pfd < 0)
		return 0;
	ssize_t n = readlinkat(pfd, base, link, sizeof(link) - 1);
	if (n <= 0)
		return 0;
	link[n] = '\0';
	if (brig_fd_path(rootfd, root, sizeof(root)) < 0 || brig_fd_path(pfd, dir, sizeof(dir)) < 0)
		return 0;
	size_t rl = strcmp(root, "/") == 0 ? 0 : strlen(root);
	if (strncmp(dir, root, rl) != 0 || (dir[rl] != '/' && dir[rl] != '\0'))
		return 0;
	_cleanup_free_ char *joined = NULL;
	if (asprintf(&joined, "/%s/%s", link[0] == '/' ? "" : dir + rl, link) < 0)
		return 0;
	return brig_path_clean(joined, BRIG_PATH_ABSOLUTE | BRIG_PATH_CLAMP, out, size) < 0 ||
			strcmp(out, "/") == 0
		? 0
		: 1;
}

#ifdef BRIG_MUTANT_NO_MOUNT_TARGET_RESOLVE
/* mutant build (make mutants): the target is the root's path joined with dest
 * as a string and made with mkdir -p, following symlinks as the host sees
 * them (the CVE-2021-30465 class this file exists to prevent). */
static int joined_target(int rootfd, const char *dest, struct brig_err *e)
{
	struct rt_fdpath p;
	char path[PATH_MAX];
	if (brig_snprintf(path, sizeof(path), "%s%s", rt_fdpath(&p, rootfd), dest) < 0)
		return brig_err_set(e, -ENAMETOOLONG, "%s: path too long", dest);
	for (char *s = strchr(path + strlen(p.s) + 1, '/');; s = strchr(s + 1, '/')) {
		if (s)
			*s = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return brig_err_sys(e, errno, "mkdir %s", path);
		if (!s)
			break;
		*s = '/';
	}
	int fd = BRIG_RETRY(open(path, O_PATH | O_CLOEXEC));
	return fd < 0 ? brig_err_sys(e, errno, "opening %s", path) : fd;
}
#endif

int rt_mount_target(int rootfd, const char *dest, bool as_dir, bool real_dir, struct brig_err *e)
{
#ifdef BRIG_MUTANT_NO_MOUNT_TARGET_RESOLVE
	if (as_dir && !real_dir)
		return joined_target(rootfd, dest, e);
#endif
	if (real_dir)
		return real_dir_target(rootfd, dest, e);
	/* A dangling symlink at dest (/etc/resolv.conf -> ../run/...) is
	 * followed inside the root and its target created there, as runc. */
	char cur[PATH_MAX], next[PATH_MAX];
	if (strlen(dest) >= sizeof(cur))
		return brig_err_set(e, -ENAMETOOLONG, "%s: path too long", dest);
	memcpy(cur, dest, strlen(dest) + 1);
	for (int hops = 0;; hops++) {
		int fd = as_dir ? brig_mkdir_in_root(rootfd, cur, 0755, 0, e)
				: file_target(rootfd, cur, e);
		if (fd >= 0 || (fd != -EEXIST && fd != -ENOENT && fd != -ENOTDIR) || hops >= 40 ||
		    dangling_link(rootfd, cur, next, sizeof(next)) <= 0)
			return fd;
		brig_debug("%s: following the symlink inside the root to %s", dest, next);
		brig_err_clear(e);
		memcpy(cur, next, strlen(next) + 1);
	}
}

int rt_mount_fs_at(int fd, const char *source, const char *type, unsigned long flags,
		   const char *data, struct brig_err *e)
{
	_cleanup_close_ int tree = rt_tree_new_fs(source, type, flags, data, e);
	if (tree < 0)
		return tree;
	int r = rt_tree_attach(tree, fd, type, e);
	return r < 0 ? r : brig_steal_fd(tree);
}

int rt_mount_bind_at(const char *source, int fd, bool rec, struct brig_err *e)
{
	struct rt_fdpath p;
	if (mount(source, rt_fdpath(&p, fd), NULL, MS_BIND | (rec ? MS_REC : 0), NULL) < 0)
		return brig_err_sys(e, errno, "bind mounting %s", source);
	return 0;
}

char *rt_mount_label_data(const char *data, const char *label)
{
	char *out = NULL;
	int n;
	if (!label)
		return strdup(data ? data : "");
	if (data && *data)
		n = asprintf(&out, "%s,context=\"%s\"", data, label);
	else
		n = asprintf(&out, "context=\"%s\"", label);
	return n < 0 ? NULL : out;
}

/* data without its "key=..." options (for retries). */
static char *strip_opt(const char *data, const char *key)
{
	char *out = calloc(1, strlen(data) + 1);
	if (!out)
		return NULL;
	size_t kl = strlen(key), o = 0;
	for (const char *p = data; *p;) {
		size_t n = strcspn(p, ",");
		if (strncmp(p, key, kl) != 0) {
			if (o)
				out[o++] = ',';
			memcpy(out + o, p, n);
			o += n;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	out[o] = '\0';
	return out;
}

/* Keep the fd of the mount made for mounts[i] (taken from *fd). */
static void keep_mount(struct rt_setup_state *st, size_t i, int *fd)
{
	if (st->mnt_fds[i] >= 0)
		(void)close(st->mnt_fds[i]);
	st->mnt_fds[i] = brig_steal_fd(*fd);
}

/* Recursive attributes and propagation of a fresh mount, through its fd. */
static int finish_fs(struct rt_setup_state *st, size_t i, const struct rt_mount *m, int *mnt,
		     struct brig_err *e)
{
	int r = rt_mount_set_attrs(*mnt, m->rattr_set, m->rattr_clr, true, m->dest, e);
	if (r == 0)
		r = rt_mount_set_prop(*mnt, m->prop, m->dest, e);
	if (r == 0)
		keep_mount(st, i, mnt);
	return r;
}

static bool type_is(const struct rt_mount *m, const char *t)
{
	return m->type && strcmp(m->type, t) == 0;
}

/* sysfs in a user namespace without its own network namespace (mqueue
 * without its own IPC namespace) cannot be mounted fresh: bind the host's
 * instance, read-only etc. all the way down. */
static int bind_host_fs(struct rt_setup_state *st, size_t i, const struct rt_mount *m,
			const char *host, struct brig_err *e)
{
	unsigned long want = strcmp(host, "/sys") == 0 ? SYSFS_MAGIC : MQUEUE_MAGIC_;
	_cleanup_close_ int tree = rt_tree_clone(AT_FDCWD, host, true, e);
	if (tree < 0)
		return tree;
	struct statfs sf;
	if (fstatfs(tree, &sf) < 0 || (unsigned long)sf.f_type != want)
		return brig_err_set(e, -EPERM,
				    "%s cannot be mounted fresh here and the host "
				    "has no %s at %s to bind",
				    m->type, m->type, host);
	_cleanup_close_ int fd = rt_mount_target(st->rootfd, m->dest, true, true, e);
	if (fd < 0)
		return fd;
	struct rt_tree_attrs a = { .prop = m->prop };
	uint64_t clr = 0;
	rt_ms_to_attrs(m->flags & ATTR_MS, 0, &a.rset, &clr);
	int r = rt_tree_place(tree, fd, &a, m->dest, e);
	if (r == 0)
		keep_mount(st, i, &tree);
	return r;
}

static int fs_mount_retry(const struct rt_mount *m, int fd, unsigned long flags, const char *data,
			  struct brig_err *e)
{
	const char *src = m->source ? m->source : m->type;
	int r = rt_mount_fs_at(fd, src, m->type, flags, data, e);
	if (r == -EINVAL && type_is(m, "devpts") && data && strstr(data, "gid=")) {
		/* The tty group is often unmapped in a user namespace. */
		_cleanup_free_ char *d2 = strip_opt(data, "gid=");
		if (!d2)
			return brig_err_set(e, -ENOMEM, "out of memory");
		brig_warn("%s: devpts refused its gid= option; mounting without it", m->dest);
		brig_err_clear(e);
		r = rt_mount_fs_at(fd, src, m->type, flags, d2, e);
	}
	if (r < 0 && type_is(m, "mqueue") && data && strstr(data, "context=")) {
		/* Older kernels cannot label mqueue. */
		_cleanup_free_ char *d2 = strip_opt(data, "context=");
		if (!d2)
			return brig_err_set(e, -ENOMEM, "out of memory");
		brig_err_clear(e);
		r = rt_mount_fs_at(fd, src, m->type, flags, d2, e);
	}
	return r;
}

/* Whether data has a "key..." option (key includes its '='). */
static bool has_opt(const char *data, const char *key)
{
	size_t kl = strlen(key);
	for (const char *p = data; p && *p;) {
		if (strncmp(p, key, kl) == 0)
			return true;
		p += strcspn(p, ",");
		p += *p == ',';
	}
	return false;
}

/* A tmpfs without mode= onto an existing directory keeps that directory's
 * mode, as runc does (the tmpfs default would be 1777): *data gets a mode=
 * option appended (a new string in *own). */
static int tmpfs_keep_mode(struct rt_setup_state *st, const struct rt_mount *m, const char **data,
			   char **own, struct brig_err *e)
{
	if (!type_is(m, "tmpfs") || has_opt(*data, "mode="))
		return 0;
	_cleanup_err_ struct brig_err tmp = { 0 };
	_cleanup_close_ int fd = brig_open_in_root(st->rootfd, m->dest, O_PATH | O_DIRECTORY, 0, 0,
						   &tmp);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) < 0)
		return 0; /* made by us: the tmpfs default */
	char *d = NULL;
	int n = *data && **data ? asprintf(&d, "%s,mode=%04o", *data, sb.st_mode & 07777)
				: asprintf(&d, "mode=%04o", sb.st_mode & 07777);
	if (n < 0)
		return brig_err_set(e, -ENOMEM, "out of memory");
	*own = d;
	*data = d;
	return 0;
}

static int do_fs(struct rt_setup_state *st, size_t i, const struct rt_mount *m, struct brig_err *e)
{
	bool proc = type_is(m, "proc"), sys = type_is(m, "sysfs");
	if (sys && st->ctx->userns && !st->ctx->new_netns)
		return bind_host_fs(st, i, m, "/sys", e);
	const char *fsdata = m->data;
	_cleanup_free_ char *moded = NULL;
	int r = tmpfs_keep_mode(st, m, &fsdata, &moded, e);
	if (r < 0)
		return r;
	_cleanup_close_ int fd = rt_mount_target(st->rootfd, m->dest, true, proc || sys, e);
	if (fd < 0)
		return fd;
	unsigned long flags = m->flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
	if ((flags & MS_RDONLY) && (type_is(m, "tmpfs") || strcmp(m->dest, "/dev") == 0)) {
		/* Devices and nested mount points are created in it first. */
		flags &= ~MS_RDONLY;
		st->deferred_ro[i] = true;
	}
	_cleanup_free_ char *data = NULL;
	if (st->selinux && st->cfg->mount_label && !proc && !sys) {
		data = rt_mount_label_data(fsdata, st->cfg->mount_label);
		if (!data)
			return brig_err_set(e, -ENOMEM, "out of memory");
	}
	_cleanup_close_ int mnt = fs_mount_retry(m, fd, flags, data ? data : fsdata, e);
	if (mnt == -EPERM && (sys || (type_is(m, "mqueue") && st->ctx->userns))) {
		const char *host = sys ? "/sys" : "/dev/mqueue";
		brig_warn("%s: cannot mount %s here; binding the host's %s", m->dest, m->type,
			  host);
		brig_err_clear(e);
		st->deferred_ro[i] = false;
		return bind_host_fs(st, i, m, host, e);
	}
	if (mnt < 0)
		return mnt;
	return finish_fs(st, i, m, &mnt, e);
}

/* The detached tree of a bind: prepared on the host side (attributes
 * already applied there: *prepared), idmapped here, or a clone of the
 * source. */
static int bind_tree(struct rt_setup_state *st, const struct rt_mount *m, bool *prepared,
		     struct brig_err *e)
{
	*prepared = m->idmap_fd >= 0 && m->attrs_done;
	if (m->idmap_fd >= 0) {
		int tree = fcntl(m->idmap_fd, F_DUPFD_CLOEXEC, 3);
		return tree < 0 ? brig_err_sys(e, errno, "duplicating the prepared mount fd")
				: tree;
	}
	if (m->idmap) {
		int ufd = m->uids.n ? -1 : st->ctx->userns_fd;
		return rt_idmap_clone(st->cfg, m, ufd, e);
	}
	return rt_tree_clone(AT_FDCWD, m->source, m->flags & MS_REC, e);
}

/* Only procfs can be bound onto /proc, whoever prepared the source (the
 * tree itself is checked: what is checked is what is mounted). */
static int check_proc_source(const struct rt_mount *m, int tree, struct brig_err *e)
{
	if (strcmp(m->dest, "/proc") != 0)
		return 0;
	struct statfs sf;
	if (fstatfs(tree, &sf) < 0)
		return brig_err_sys(e, errno, "%s", m->source);
	if (sf.f_type != PROC_SUPER_MAGIC)
		return brig_err_set(e, -EINVAL,
				    "%s is not procfs; only procfs can be "
				    "mounted on /proc",
				    m->source);
	return 0;
}

static int do_bind(struct rt_setup_state *st, size_t i, const struct rt_mount *m,
		   struct brig_err *e)
{
	bool prepared;
	_cleanup_close_ int tree = bind_tree(st, m, &prepared, e);
	if (tree < 0)
		return tree;
	struct stat sst;
	if (fstat(tree, &sst) < 0)
		return brig_err_sys(e, errno, "bind source %s", m->source);
	int r = check_proc_source(m, tree, e);
	if (r < 0)
		return r;
	_cleanup_close_ int fd = rt_mount_target(st->rootfd, m->dest, S_ISDIR(sst.st_mode), false,
						 e);
	if (fd < 0)
		return fd;
	struct rt_tree_attrs a = { .prop = m->prop };
	if (!prepared)
		rt_bind_attrs(st->cfg, m, tree, &a);
	r = rt_tree_place(tree, fd, &a, m->dest, e);
	if (r == 0)
		keep_mount(st, i, &tree);
	return r;
}

static int do_remount(struct rt_setup_state *st, const struct rt_mount *m, struct brig_err *e)
{
	_cleanup_close_ int fd = brig_open_in_root(st->rootfd, m->dest, O_PATH, 0, 0, e);
	if (fd < 0)
		return fd;
	if (!rt_is_mount_root(fd))
		return brig_err_set(e, -EINVAL, "remount: %s is not a mount point", m->dest);
	int r = 0;
	if (m->flags & MS_BIND) {
		uint64_t set = 0, clr = 0;
		rt_ms_to_attrs(m->flags & ATTR_MS, m->clear & ATTR_MS, &set, &clr);
		r = rt_mount_set_attrs(fd, set, clr, false, m->dest, e);
	} else {
		struct rt_fdpath p;
		unsigned long fl = m->flags & ~MS_REC;
		if (mount(m->source, rt_fdpath(&p, fd), m->type, fl, m->data) < 0)
			r = brig_err_sys(e, errno, "remounting %s", m->dest);
	}
	if (r == 0)
		r = rt_mount_set_attrs(fd, m->rattr_set, m->rattr_clr, true, m->dest, e);
	if (r == 0)
		r = rt_mount_set_prop(fd, m->prop, m->dest, e);
	return r;
}

int rt_mount_one(struct rt_setup_state *st, size_t i, struct brig_err *e)
{
	const struct rt_mount *m = &st->cfg->mounts[i];
	int r;
	if (m->flags & MS_REMOUNT)
		r = do_remount(st, m, e);
	else if (m->flags & MS_BIND)
		r = do_bind(st, i, m, e);
	else if (type_is(m, "cgroup") || type_is(m, "cgroup2"))
		r = rt_mount_cgroup(st, m, e);
	else
		r = do_fs(st, i, m, e);
	if (r < 0)
		brig_err_wrap(e, "mounts[%zu]: %s on %s", i,
			      m->source ? m->source : (m->type ? m->type : "?"), m->dest);
	return r;
}

int rt_mount_deferred_ro(struct rt_setup_state *st, struct brig_err *e)
{
	for (size_t i = 0; i < st->cfg->n_mounts; i++) {
		if (!st->deferred_ro[i] || st->mnt_fds[i] < 0)
			continue;
		const char *dest = st->cfg->mounts[i].dest;
		int r = rt_mount_set_attrs(st->mnt_fds[i], MOUNT_ATTR_RDONLY, 0, false, dest, e);
		if (r < 0)
			return brig_err_wrap(e, "mounts[%zu]: %s", i, dest);
	}
	return 0;
}
