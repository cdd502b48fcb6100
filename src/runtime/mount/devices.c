/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Device nodes: linux.devices and the default devices of config-linux.md
 * (/dev/null, zero, full, random, urandom, tty), /dev/ptmx -> pts/ptmx, the
 * /dev/fd, stdin, stdout, stderr symlinks of runtime-linux.md, and the
 * console.  Paths are resolved inside the rootfs.  Nodes are made with
 * mknod; in a user namespace (where mknod is refused) the host's node at the
 * same path is bind mounted onto an empty file instead, as runc does.
 *
 * Nothing is done when /dev is a bind mount (of the host's /dev): creating
 * nodes there would change the host.  runc's /dev/core -> /proc/kcore link
 * is not made: neither spec document asks for it.
 */
#include "runtime/mount/mount-internal.h"

#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

static const struct rt_device default_devices[] = {
	{ 'c', (char *)"/dev/null", 1, 3, 0666, 0, 0 },
	{ 'c', (char *)"/dev/zero", 1, 5, 0666, 0, 0 },
	{ 'c', (char *)"/dev/full", 1, 7, 0666, 0, 0 },
	{ 'c', (char *)"/dev/random", 1, 8, 0666, 0, 0 },
	{ 'c', (char *)"/dev/urandom", 1, 9, 0666, 0, 0 },
	{ 'c', (char *)"/dev/tty", 5, 0, 0666, 0, 0 },
};

static mode_t dev_fmt(const struct rt_device *d)
{
	return d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
}

static bool dev_matches(const struct stat *sb, const struct rt_device *d)
{
	if ((sb->st_mode & S_IFMT) != dev_fmt(d))
		return false;
	return d->type == 'p' || sb->st_rdev == makedev(d->major, d->minor);
}

static int split(const char *path, char *dir, char *base)
{
	const char *slash = strrchr(path, '/');
	size_t dl = slash == path ? 1 : (size_t)(slash - path);
	if (dl >= PATH_MAX || strlen(slash + 1) > NAME_MAX || !slash[1])
		return -ENAMETOOLONG;
	memcpy(dir, path, dl);
	dir[dl] = '\0';
	memcpy(base, slash + 1, strlen(slash + 1) + 1);
	return 0;
}

/* Bind the host's node at the same path onto an empty file at pfd/base. */
static int bind_node(int pfd, const char *base, const struct rt_device *d, struct brig_err *e)
{
	struct stat hs;
	if (stat(d->path, &hs) < 0)
		return brig_err_sys(e, errno,
				    "%s: cannot mknod in a user namespace and "
				    "the host has no such device to bind",
				    d->path);
	if (!dev_matches(&hs, d))
		return brig_err_set(e, -EINVAL, "%s: the host's node is not device %c %u:%u",
				    d->path, d->type, d->major, d->minor);
	_cleanup_close_ int cfd = BRIG_RETRY(openat(
		pfd, base, O_CREAT | O_NOFOLLOW | O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0));
	if (cfd < 0)
		return brig_err_sys(e, errno, "creating %s", d->path);
	struct stat cs;
	if (fstat(cfd, &cs) < 0 || !S_ISREG(cs.st_mode))
		return brig_err_set(e, -EEXIST, "%s: exists and is not a regular file", d->path);
	_cleanup_close_ int tfd = BRIG_RETRY(openat(pfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC));
	if (tfd < 0)
		return brig_err_sys(e, errno, "opening %s", d->path);
	return rt_mount_bind_at(d->path, tfd, false, e);
}

/* mknod at pfd/base; 1 when mknod is refused with EPERM (no CAP_MKNOD). */
static int mknod_node(int pfd, const char *base, const struct rt_device *d, struct brig_err *e)
{
	mode_t old = umask(0);
	int r = mknodat(pfd, base, dev_fmt(d) | d->mode,
			d->type == 'p' ? 0 : makedev(d->major, d->minor));
	int err = errno;
	(void)umask(old);
	if (r < 0 && err == EPERM && d->type != 'p')
		return 1;
	if (r < 0)
		return brig_err_sys(e, err, "creating device %s", d->path);
	if (fchownat(pfd, base, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return brig_err_sys(e, errno, "changing the owner of %s", d->path);
	return 0;
}

static int make_device(struct rt_setup_state *st, const struct rt_device *d, struct brig_err *e)
{
	char dir[PATH_MAX], base[NAME_MAX + 1];
	if (split(d->path, dir, base) < 0)
		return brig_err_set(e, -ENAMETOOLONG, "%s: path too long", d->path);
	_cleanup_close_ int pfd = brig_mkdir_in_root(st->rootfd, dir, 0755, 0, e);
	if (pfd < 0)
		return pfd;
	struct stat sb;
	bool bind = st->ctx->userns && d->type != 'p';
	if (fstatat(pfd, base, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
		if (dev_matches(&sb, d))
			return 0;
		if (!(bind && S_ISREG(sb.st_mode)))
			return brig_err_set(e, -EEXIST, "%s exists and is not device %c %u:%u",
					    d->path, d->type, d->major, d->minor);
	} else if (errno != ENOENT) {
		return brig_err_sys(e, errno, "%s", d->path);
	}
	if (!bind) {
		int r = mknod_node(pfd, base, d, e);
		if (r <= 0)
			return r;
		brig_debug("mknod %s refused; binding the host's node", d->path);
	}
	return bind_node(pfd, base, d, e);
}

static bool configured(const struct rt_rootfs_cfg *cfg, const char *path)
{
	for (size_t i = 0; i < cfg->n_devices; i++)
		if (strcmp(cfg->devices[i].path, path) == 0)
			return true;
	return false;
}

static int dev_links(struct rt_setup_state *st, struct brig_err *e)
{
	_cleanup_close_ int devfd = brig_mkdir_in_root(st->rootfd, "/dev", 0755, 0, e);
	if (devfd < 0)
		return devfd;
	/* /dev/ptmx must be the container's devpts multiplexer. */
	if (unlinkat(devfd, "ptmx", 0) < 0 && errno != ENOENT)
		return brig_err_sys(e, errno, "removing /dev/ptmx");
	if (symlinkat("pts/ptmx", devfd, "ptmx") < 0)
		return brig_err_sys(e, errno, "creating /dev/ptmx");
	_cleanup_err_ struct brig_err tmp = { 0 };
	_cleanup_close_ int pfd = brig_open_in_root(st->rootfd, "/proc/self/fd",
						    O_PATH | O_DIRECTORY, 0, 0, &tmp);
	if (pfd < 0)
		return 0; /* no /proc in the container: the links would dangle */
	static const char *const links[][2] = {
		{ "/proc/self/fd", "fd" },
		{ "/proc/self/fd/0", "stdin" },
		{ "/proc/self/fd/1", "stdout" },
		{ "/proc/self/fd/2", "stderr" },
	};
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(links); i++)
		if (symlinkat(links[i][0], devfd, links[i][1]) < 0 && errno != EEXIST)
			return brig_err_sys(e, errno, "creating /dev/%s", links[i][1]);
	return 0;
}

int rt_devices_setup(struct rt_setup_state *st, struct brig_err *e)
{
	if (st->dev_bound) {
		brig_debug("/dev is a bind mount: leaving its devices alone");
		return 0;
	}
	const struct rt_rootfs_cfg *cfg = st->cfg;
	for (size_t i = 0; i < cfg->n_devices; i++) {
		int r = make_device(st, &cfg->devices[i], e);
		if (r < 0)
			return brig_err_wrap(e, "linux.devices[%zu]", i);
	}
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(default_devices); i++) {
		if (configured(cfg, default_devices[i].path))
			continue;
		int r = make_device(st, &default_devices[i], e);
		if (r < 0)
			return brig_err_wrap(e, "default device");
	}
	return dev_links(st, e);
}

/*
 * The console's source: the pty itself through /proc/self/fd/N, or, when
 * the pty was opened in another mount namespace (a bind from there is
 * refused with EINVAL), the same device by its path in this namespace.
 */
static int bind_console(int pty, const struct stat *want, int target, struct brig_err *e)
{
	struct rt_fdpath p;
	int r = rt_mount_bind_at(rt_fdpath(&p, pty), target, false, e);
	if (r != -EINVAL)
		return r;
	char path[PATH_MAX];
	struct stat sb;
	if (brig_fd_path(pty, path, sizeof(path)) < 0 || path[0] != '/' || stat(path, &sb) < 0 ||
	    !S_ISCHR(sb.st_mode) || sb.st_rdev != want->st_rdev)
		return r;
	brig_err_clear(e);
	return rt_mount_bind_at(path, target, false, e);
}

int rt_console_setup(struct rt_setup_state *st, struct brig_err *e)
{
	if (!st->ctx->has_console)
		return 0;
	struct stat want;
	if (fstat(st->ctx->console_fd, &want) < 0 || !S_ISCHR(want.st_mode))
		return brig_err_set(e, -EBADF, "console fd %d is not a terminal",
				    st->ctx->console_fd);
	_cleanup_close_ int fd = rt_mount_target(st->rootfd, "/dev/console", false, false, e);
	if (fd < 0)
		return brig_err_wrap(e, "/dev/console");
	int r = bind_console(st->ctx->console_fd, &want, fd, e);
	if (r < 0)
		return brig_err_wrap(e, "/dev/console");
	struct stat got;
	_cleanup_close_ int nfd = brig_open_in_root(st->rootfd, "/dev/console", O_PATH, 0,
						    BRIG_RESOLVE_NOFOLLOW_LAST, e);
	if (nfd < 0 || fstat(nfd, &got) < 0 || got.st_rdev != want.st_rdev)
		return brig_err_set(e, -EXDEV, "/dev/console is not the pty after mounting");
	return 0;
}
