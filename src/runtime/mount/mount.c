/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One mounts[] entry: resolve its target inside the rootfs (creating it as a
 * directory or an empty file), mount onto the resolved fd through
 * /proc/self/fd/N (or move_mount for idmapped binds), then re-resolve the
 * target, check that it is now a mount root, and apply the per-mount
 * flags, recursive attributes and propagation to that new mount.
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

#ifndef __NR_move_mount
#define __NR_move_mount 429
#endif

#define ATTR_MS                                                                \
	(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NODIRATIME |        \
	 MS_NOSYMFOLLOW | MS_NOATIME | MS_RELATIME | MS_STRICTATIME)

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
		return brig_err_set(e, -ENOTDIR, "%s is not an ordinary directory "
				    "(a symlink or a file); refusing to mount there", dest);
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
	_cleanup_close_ int cfd = BRIG_RETRY(openat(pfd, base,
		O_CREAT | O_EXCL | O_NOFOLLOW | O_RDONLY | O_CLOEXEC | O_NOCTTY, 0644));
	if (cfd < 0)
		return brig_err_sys(e, errno, "creating %s", dest);
	fd = BRIG_RETRY(openat(pfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC));
	if (fd < 0)
		return brig_err_sys(e, errno, "opening %s", dest);
	return fd;
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

int rt_mount_target(int rootfd, const char *dest, bool as_dir, bool real_dir,
		    struct brig_err *e)
{
#ifdef BRIG_MUTANT_NO_MOUNT_TARGET_RESOLVE
	if (as_dir && !real_dir)
		return joined_target(rootfd, dest, e);
#endif
	if (real_dir)
		return real_dir_target(rootfd, dest, e);
	if (as_dir)
		return brig_mkdir_in_root(rootfd, dest, 0755, 0, e);
	return file_target(rootfd, dest, e);
}

/* Re-resolve dest after a mount: the fd must be the new mount's root. */
static int reopen_mounted(int rootfd, const char *dest, struct brig_err *e)
{
	int fd = brig_open_in_root(rootfd, dest, O_PATH, 0, 0, e);
	if (fd < 0)
		return fd;
	if (!rt_is_mount_root(fd)) {
		(void)close(fd);
		return brig_err_set(e, -EXDEV, "%s: the mount did not land where it was "
				    "resolved (raced with a rename?)", dest);
	}
	return fd;
}

int rt_mount_fs_at(int fd, const char *source, const char *type, unsigned long flags,
		   const char *data, struct brig_err *e)
{
	struct rt_fdpath p;
	if (mount(source, rt_fdpath(&p, fd), type, flags, data) < 0)
		return brig_err_sys(e, errno, "mounting %s (type %s)", source, type);
	return 0;
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

/* Flags, recursive attributes and propagation on the freshly placed mount. */
static int finish_mount(struct rt_setup_state *st, const struct rt_mount *m,
			bool flags_too, struct brig_err *e)
{
	uint64_t set = 0, clr = 0;
	if (flags_too)
		rt_ms_to_attrs(m->flags & ATTR_MS, m->clear & ATTR_MS, &set, &clr);
	if (!set && !clr && !m->rattr_set && !m->rattr_clr && !m->prop)
		return 0;
	_cleanup_close_ int fd = reopen_mounted(st->rootfd, m->dest, e);
	if (fd < 0)
		return fd;
	int r = rt_mount_set_attrs(fd, set, clr, false, m->dest, e);
	if (r == 0)
		r = rt_mount_set_attrs(fd, m->rattr_set, m->rattr_clr, true, m->dest, e);
	if (r == 0)
		r = rt_mount_set_prop(fd, m->prop, m->dest, e);
	return r;
}

static bool type_is(const struct rt_mount *m, const char *t)
{
	return m->type && strcmp(m->type, t) == 0;
}

/* sysfs in a user namespace without its own network namespace (mqueue
 * without its own IPC namespace) cannot be mounted fresh: bind the host's
 * instance, read-only etc. all the way down. */
static int bind_host_fs(struct rt_setup_state *st, const struct rt_mount *m,
			const char *host, struct brig_err *e)
{
	struct statfs sf;
	unsigned long want = strcmp(host, "/sys") == 0 ? SYSFS_MAGIC : MQUEUE_MAGIC_;
	if (statfs(host, &sf) < 0 || (unsigned long)sf.f_type != want)
		return brig_err_set(e, -EPERM, "%s cannot be mounted fresh here and the host "
				    "has no %s at %s to bind", m->type, m->type, host);
	_cleanup_close_ int fd = rt_mount_target(st->rootfd, m->dest, true, true, e);
	if (fd < 0)
		return fd;
	int r = rt_mount_bind_at(host, fd, true, e);
	if (r < 0)
		return r;
	_cleanup_close_ int nfd = reopen_mounted(st->rootfd, m->dest, e);
	if (nfd < 0)
		return nfd;
	uint64_t set = 0, clr = 0;
	rt_ms_to_attrs(m->flags & ATTR_MS, 0, &set, &clr);
	r = rt_mount_set_attrs(nfd, set, clr, true, m->dest, e);
	if (r == 0)
		r = rt_mount_set_prop(nfd, m->prop, m->dest, e);
	return r;
}

static int fs_mount_retry(const struct rt_mount *m, int fd, unsigned long flags,
			  const char *data, struct brig_err *e)
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

static int do_fs(struct rt_setup_state *st, size_t i, const struct rt_mount *m,
		 struct brig_err *e)
{
	bool proc = type_is(m, "proc"), sys = type_is(m, "sysfs");
	if (sys && st->ctx->userns && !st->ctx->new_netns)
		return bind_host_fs(st, m, "/sys", e);
	_cleanup_close_ int fd = rt_mount_target(st->rootfd, m->dest, true, proc || sys, e);
	if (fd < 0)
		return fd;
	unsigned long flags = m->flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
	if ((flags & MS_RDONLY) && (type_is(m, "tmpfs") || strcmp(m->dest, "/dev") == 0)) {
		/* Devices and nested mount points are created in it first. */
		flags &= ~MS_RDONLY;
		st->deferred_ro[st->n_deferred++] = i;
	}
	_cleanup_free_ char *data = NULL;
	if (st->selinux && st->cfg->mount_label && !proc && !sys) {
		data = rt_mount_label_data(m->data, st->cfg->mount_label);
		if (!data)
			return brig_err_set(e, -ENOMEM, "out of memory");
	}
	int r = fs_mount_retry(m, fd, flags, data ? data : m->data, e);
	if (r == -EPERM && (sys || (type_is(m, "mqueue") && st->ctx->userns))) {
		const char *host = sys ? "/sys" : "/dev/mqueue";
		brig_warn("%s: cannot mount %s here; binding the host's %s", m->dest, m->type, host);
		brig_err_clear(e);
		return bind_host_fs(st, m, host, e);
	}
	if (r < 0)
		return r;
	return finish_mount(st, m, false, e);
}

static int attach_idmapped(struct rt_setup_state *st, const struct rt_mount *m, int fd,
			   struct brig_err *e)
{
	_cleanup_close_ int tree = -1;
	if (m->idmap_fd >= 0) {
		tree = fcntl(m->idmap_fd, F_DUPFD_CLOEXEC, 3);
		if (tree < 0)
			return brig_err_sys(e, errno, "duplicating the idmapped mount fd");
	} else {
		int ufd = m->uids.n ? -1 : st->ctx->userns_fd;
		tree = rt_idmap_clone(st->cfg, m, ufd, e);
		if (tree < 0)
			return tree;
	}
	if (syscall(__NR_move_mount, tree, "", fd, "",
		    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return brig_err_sys(e, errno, "attaching the idmapped mount of %s", m->source);
	return 0;
}

/* The source of a bind onto /proc must itself be procfs. */
static int check_proc_source(const struct rt_mount *m, struct brig_err *e)
{
	if (strcmp(m->dest, "/proc") != 0)
		return 0;
	struct statfs sf;
	if (statfs(m->source, &sf) < 0)
		return brig_err_sys(e, errno, "%s", m->source);
	if (sf.f_type != PROC_SUPER_MAGIC)
		return brig_err_set(e, -EINVAL, "%s is not procfs; only procfs can be "
				    "mounted on /proc", m->source);
	return 0;
}

static int do_bind(struct rt_setup_state *st, const struct rt_mount *m,
		   struct brig_err *e)
{
	struct stat sst;
	bool prepared = m->idmap_fd >= 0;
	if ((prepared ? fstat(m->idmap_fd, &sst) : stat(m->source, &sst)) < 0)
		return brig_err_sys(e, errno, "bind source %s", m->source);
	int r = prepared ? 0 : check_proc_source(m, e);
	if (r < 0)
		return r;
	_cleanup_close_ int fd = rt_mount_target(st->rootfd, m->dest, S_ISDIR(sst.st_mode),
						 false, e);
	if (fd < 0)
		return fd;
	if (m->idmap || prepared)
		r = attach_idmapped(st, m, fd, e);
	else
		r = rt_mount_bind_at(m->source, fd, m->flags & MS_REC, e);
	if (r < 0)
		return r;
	return finish_mount(st, m, true, e);
}

static int do_remount(struct rt_setup_state *st, const struct rt_mount *m,
		      struct brig_err *e)
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
		r = do_bind(st, m, e);
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
	for (size_t k = 0; k < st->n_deferred; k++) {
		const struct rt_mount *m = &st->cfg->mounts[st->deferred_ro[k]];
		_cleanup_close_ int fd = reopen_mounted(st->rootfd, m->dest, e);
		if (fd < 0)
			return fd;
		int r = rt_mount_set_attrs(fd, MOUNT_ATTR_RDONLY, 0, false, m->dest, e);
		if (r < 0)
			return r;
	}
	return 0;
}
