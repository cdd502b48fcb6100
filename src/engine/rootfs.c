/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's root filesystem.
 *
 * overlay: the image's unpacked layers (ROOT/layers/<diff_id hex>, shared by
 * every container and never written) as lower directories, the container's
 * upper/ and work/ on top.  The overlay is made as a detached mount
 * (fsopen/fsconfig/fsmount, nosuid and nodev) and handed to the runtime,
 * which attaches it inside the container's own mount namespace: the host's
 * mount table never shows it, and nothing is left mounted when the
 * container ends, however it ends.
 *
 * copy: where overlay cannot be used (e.g. the store itself on overlayfs),
 * the layers are unpacked once more, whiteouts applied, into rootfs/, which
 * is then bound (nosuid, nodev) the same way.
 */
#include "engine/quota-internal.h"
#include "engine/record-internal.h"
#include "brig-mutant.h"
#include "image/layer/layer.h"
#include "engine/config/engine-config.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

const char *eng_host_arch(void)
{
	static const struct {
		const char *uname, *oci;
	} map[] = {
		{ "x86_64", "amd64" },    { "aarch64", "arm64" }, { "i686", "386" },
		{ "i386", "386" },        { "armv7l", "arm" },    { "armv6l", "arm" },
		{ "ppc64le", "ppc64le" }, { "s390x", "s390x" },   { "riscv64", "riscv64" },
	};
	static struct utsname u;
	if (uname(&u) < 0)
		return "unknown";
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(map); i++)
		if (strcmp(u.machine, map[i].uname) == 0)
			return map[i].oci;
	return u.machine;
}

void eng_image_clear(struct eng_image *im)
{
	img_config_clear(&im->config);
	free(im->layer_digests);
	free(im->name);
	*im = (struct eng_image){ 0 };
}

#ifdef BRIG_MUTANT_NO_NOSUID
#define ROOTFS_ATTRS MOUNT_ATTR_NODEV /* mutant build (make mutants): rootfs not nosuid */
#else
#define ROOTFS_ATTRS (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV)
#endif

static int image_from_manifest(struct img_store *s, const struct img_manifest *m,
			       struct eng_image *out, struct brig_err *e)
{
	int r = img_store_load_config(s, &m->config, &out->config, e);
	if (r < 0)
		return r;
	if (out->config.n_diff_ids != m->n_layers)
		return brig_err_set(e, -EINVAL,
				    "image %s: the manifest has %zu layers, the config "
				    "%zu diff_ids",
				    m->config.digest, m->n_layers, out->config.n_diff_ids);
	memcpy(out->id, m->config.digest, IMG_DIGEST_SIZE);
	out->n_layers = m->n_layers;
	if (m->n_layers && !(out->layer_digests = calloc(m->n_layers, IMG_DIGEST_SIZE)))
		return brig_err_set(e, -ENOMEM, "out of memory");
	for (size_t i = 0; i < m->n_layers; i++) {
		if (m->layers[i].info.kind != IMG_KIND_LAYER)
			return brig_err_set(e, -EINVAL,
					    "image %s: layers[%zu] has media type %s, "
					    "not a layer",
					    m->config.digest, i, m->layers[i].media_type);
		memcpy(out->layer_digests[i], m->layers[i].digest, IMG_DIGEST_SIZE);
	}
	return 0;
}

int eng_image_load(struct img_store *s, const struct img_descriptor *d, struct eng_image *out,
		   struct brig_err *e)
{
	*out = (struct eng_image){ 0 };
	struct img_descriptor md = { 0 };
	struct img_manifest m = { 0 };
	int r = img_store_select_manifest(s, d, eng_host_arch(), "linux", NULL, &md, e);
	if (r == 0)
		r = img_store_load_manifest(s, &md, &m, e);
	if (r == 0)
		r = image_from_manifest(s, &m, out, e);
	if (r == 0)
		memcpy(out->manifest_digest, md.digest, IMG_DIGEST_SIZE);
	img_manifest_clear(&m);
	img_descriptor_clear(&md);
	if (r < 0)
		eng_image_clear(out);
	return r;
}

int eng_image_resolve(struct eng *g, const char *what, struct eng_image *out, struct brig_err *e)
{
	*out = (struct eng_image){ 0 };
	struct img_store *s;
	struct img_descriptor d = { 0 };
	int r = eng_store(g, &s, e);
	if (r == 0 && (r = img_store_resolve(s, what, &d, e)) == -ENOENT)
		r = brig_err_set(e, -ENOENT, "no such image: %s", what);
	if (r == 0)
		r = eng_image_load(s, &d, out, e);
	if (r == 0 && !(out->name = strdup(what)))
		r = brig_err_oom(e);
	img_descriptor_clear(&d);
	if (r < 0)
		eng_image_clear(out);
	return r;
}

int eng_layers_ensure(struct eng *g, const struct eng_image *im, struct brig_err *e)
{
	struct img_store *s;
	int r = eng_store(g, &s, e);
	for (size_t i = 0; r == 0 && i < im->n_layers; i++) {
		const char *want = im->config.diff_ids[i];
		if (!brig_digest_valid(want))
			return brig_err_set(e, -EINVAL,
					    "image %s: rootfs.diff_ids[%zu] is not a "
					    "sha256 digest",
					    im->id, i);
		if (eng_layer_present(g, want))
			continue;
		_cleanup_close_ int fd = -1;
		if ((r = img_blob_open(s, im->layer_digests[i], false, &fd, e)) < 0)
			return r;
		char diff_id[IMG_DIGEST_SIZE];
		int comp;
		if ((r = eng_layer_unpack_to(g->root, fd, im->layer_digests[i], diff_id, &comp,
					     e)) < 0)
			return r;
		if (strcmp(diff_id, want) != 0)
			return brig_err_set(e, -EBADMSG,
					    "layer %s: its content has diff_id %s, the "
					    "image config says %s",
					    im->layer_digests[i], diff_id, want);
	}
	return r;
}

static int mkdir_at(int dirfd, const char *name, mode_t mode, struct brig_err *e)
{
	if (mkdirat(dirfd, name, mode) < 0 && errno != EEXIST)
		return brig_err_sys(e, errno, "creating %s", name);
	return 0;
}

/* Unpack every layer blob, whiteouts applied, into ctrfd/rootfs. */
static int copy_layers(struct eng *g, int ctrfd, const json_t *layers, struct brig_err *e)
{
	struct img_store *s;
	int r = eng_store(g, &s, e);
	if (r < 0 || (r = mkdir_at(ctrfd, "rootfs", 0755, e)) < 0)
		return r;
	_cleanup_close_ int dest = BRIG_RETRY(
		openat(ctrfd, "rootfs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	if (dest < 0)
		return brig_err_sys(e, errno, "opening rootfs");
	size_t i;
	json_t *l;
	json_array_foreach(layers, i, l)
	{
		const char *digest = json_string_value(json_object_get(l, "digest"));
		_cleanup_close_ int fd = -1;
		if (!digest)
			return brig_err_set(e, -EINVAL, "Brig.Layers[%zu].digest is missing", i);
		if ((r = img_blob_open(s, digest, true, &fd, e)) < 0)
			return r;
		struct img_unpack_opts o = { .apply_whiteouts = true };
		struct img_unpack_result res = { 0 };
		r = img_layer_unpack(fd, dest, &o, &res, e);
		img_unpack_result_clear(&res);
		if (r < 0)
			return brig_err_wrap(e, "copying layer %s", digest);
	}
	return 0;
}

const char *eng_rootfs_driver(struct eng *g)
{
	if (g->driver)
		return g->driver;
	return g->cfg->storage_driver == ENG_STORAGE_COPY ? "copy" : "overlay";
}

/* Was the driver chosen (--storage-driver, storage-driver in the engine
 * config), or may brig fall back from overlay to a copy? */
bool eng_rootfs_driver_fixed(struct eng *g)
{
	return g->driver || g->cfg->storage_driver != ENG_STORAGE_AUTO;
}

int eng_rootfs_prepare(struct eng *g, int ctrfd, const json_t *layers, const char *driver,
		       struct brig_err *e)
{
	int r;
	if (strcmp(driver, "copy") == 0)
		return copy_layers(g, ctrfd, layers, e);
	char upper[16], work[16];
	const char *rw = eng_quota_rw_prefix(ctrfd); /* "rw/" when bounded */
	(void)snprintf(upper, sizeof(upper), "%supper", rw);
	(void)snprintf(work, sizeof(work), "%swork", rw);
	if ((r = mkdir_at(ctrfd, upper, 0755, e)) < 0 || (r = mkdir_at(ctrfd, work, 0700, e)) < 0)
		return r;
	if (json_array_size(layers) == 0)
		return mkdir_at(ctrfd, "empty", 0755, e);
	return 0;
}

static int fsconfig_str(int fsfd, const char *key, const char *value, struct brig_err *e)
{
	if (fsconfig(fsfd, FSCONFIG_SET_STRING, key, value, 0) < 0)
		return brig_err_sys(e, errno, "overlay option %s=%s", key, value);
	return 0;
}

/* A layer as a detached mount (idmapped with a user namespace), given to
 * overlay by fd: the container's mountinfo then shows "lowerdir+=/", not
 * the store's path.  The fd must stay open until the overlay is created
 * (closing the last reference to a detached mount unmounts it). */
static int layer_tree(struct eng *g, const char *hex, int usfd, struct brig_err *e)
{
	char rel[128];
	(void)snprintf(rel, sizeof(rel), "layers/%s", hex);
	_cleanup_close_ int tree = open_tree(g->rootfd, rel, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		return brig_err_sys(e, errno, "open_tree of %s/%s", g->root, rel);
	struct mount_attr a = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)usfd };
	if (usfd >= 0 && mount_setattr(tree, "", AT_EMPTY_PATH, &a, sizeof(a)) < 0)
		return brig_err_sys(e, errno,
				    "idmapping layer %s (the store's file system must "
				    "support idmapped mounts, or use --userns=host)",
				    hex);
	return brig_steal_fd(tree);
}

/* The detached mounts of one overlay, open until it is made. */
struct trees {
	int *fd;
	size_t n;
};

static void trees_close(struct trees *t)
{
	for (size_t i = 0; i < t->n; i++)
		(void)close(t->fd[i]);
	free(t->fd);
}

/* One layer by fd.  Returns 1 when the kernel takes layers so, 0 when it
 * does not (before Linux 6.13) and there is no user namespace, so the
 * caller gives paths instead. */
static int lower_fd(struct eng *g, int fsfd, const char *hex, int usfd, struct trees *t,
		    struct brig_err *e)
{
	if (eng_rootless()) /* as in upper_work_fd */
		return 0;
	int fd = layer_tree(g, hex, usfd, e);
	if (fd < 0)
		return fd;
	t->fd[t->n++] = fd;
	if (fsconfig(fsfd, FSCONFIG_SET_FD, "lowerdir+", NULL, fd) == 0)
		return 1;
	if (usfd < 0 && errno == EINVAL)
		return 0;
	return brig_err_sys(e, errno,
			    "an idmapped layer in the overlay (Linux 6.13+ takes "
			    "them; or use --userns=host)");
}

/* Lower directories, the top layer first: by fd (Linux 6.13+), else one
 * "lowerdir+" path each (6.8+), else a single "lowerdir" list. */
static int set_lowers(struct eng *g, int fsfd, const json_t *layers, const char *ctrdir, int usfd,
		      struct trees *t, struct brig_err *e)
{
	size_t n = json_array_size(layers);
	_cleanup_free_ char *list = NULL;
	size_t len = 0;
	bool plus = true, byfd = true;
	if (!(t->fd = calloc(n + 1, sizeof(int))))
		return brig_err_set(e, -ENOMEM, "out of memory");
	for (size_t k = n; k-- > 0;) {
		const char *diff_id = json_string_value(
			json_object_get(json_array_get(layers, k), "diffId"));
		if (!diff_id || !brig_digest_valid(diff_id))
			return brig_err_set(e, -EINVAL, "Brig.Layers[%zu].diffId is not a digest",
					    k);
		const char *hex = diff_id + strlen("sha256:");
		int r = byfd ? lower_fd(g, fsfd, hex, usfd, t, e) : 0;
		if (r < 0)
			return r;
		if (r > 0)
			continue;
		byfd = false;
		char path[PATH_MAX];
		if (brig_snprintf(path, sizeof(path), "%s/layers/%s", g->root, hex) < 0)
			return brig_err_set(e, -ENAMETOOLONG, "store root path too long");
		if (plus && fsconfig(fsfd, FSCONFIG_SET_STRING, "lowerdir+", path, 0) == 0)
			continue;
		plus = false;
		if (brig_appendf(&list, &len, "%s%s", len ? ":" : "", path) < 0)
			return brig_err_set(e, -ENOMEM, "out of memory");
	}
	if (n == 0) {
		char path[PATH_MAX];
		if (brig_snprintf(path, sizeof(path), "%s/empty", ctrdir) < 0)
			return brig_err_set(e, -ENAMETOOLONG, "store root path too long");
		return fsconfig_str(fsfd, "lowerdir", path, e);
	}
	return list ? fsconfig_str(fsfd, "lowerdir", list, e) : 0;
}

/* upper/ and work/ by fd, from one detached clone of the container's
 * directory (overlay wants both on one mount), so that mountinfo reads
 * "upperdir=/upper,workdir=/work" rather than the store's path and the
 * container's id.  Returns 1 when taken so, 0 when the kernel wants paths. */
static int upper_work_fd(int fsfd, int ctrfd, struct trees *t, struct brig_err *e)
{
	/* Rootless (rootfs_userns.c): overlayfs takes only mounts of the mount
	 * namespace it is made in, which our fds are not; paths. */
	if (eng_rootless())
		return 0;
	int tree = open_tree(ctrfd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (tree < 0)
		return brig_err_sys(e, errno, "open_tree of the container directory");
	t->fd[t->n++] = tree;
	/* A bounded container keeps both in its rw/ subvolume (quota.c). */
	const char *rw = eng_quota_rw_prefix(ctrfd);
	static const char *const dirs[][2] = { { "upper", "upperdir" }, { "work", "workdir" } };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(dirs); i++) {
		char name[32];
		(void)snprintf(name, sizeof(name), "%s%s", rw, dirs[i][0]);
		_cleanup_close_ int fd = BRIG_RETRY(
			openat(tree, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
		if (fd < 0)
			return brig_err_sys(e, errno, "opening the container's %s/", dirs[i][0]);
		if (fsconfig(fsfd, FSCONFIG_SET_FD, dirs[i][1], NULL, fd) == 0)
			continue;
		if (i == 0 && errno == EINVAL)
			return 0;
		return brig_err_sys(e, errno, "overlay option %s by fd", dirs[i][1]);
	}
	return 1;
}

static int upper_work(int fsfd, int ctrfd, const char *ctrdir, struct trees *t, struct brig_err *e)
{
	int r = upper_work_fd(fsfd, ctrfd, t, e);
	if (r != 0)
		return r < 0 ? r : 0;
	char path[PATH_MAX];
	const char *rw = eng_quota_rw_prefix(ctrfd);
	if (brig_snprintf(path, sizeof(path), "%s/%supper", ctrdir, rw) < 0 ||
	    (r = fsconfig_str(fsfd, "upperdir", path, e)) < 0)
		return r < 0 ? r : brig_err_set(e, -ENAMETOOLONG, "container path too long");
	if (brig_snprintf(path, sizeof(path), "%s/%swork", ctrdir, rw) < 0 ||
	    (r = fsconfig_str(fsfd, "workdir", path, e)) < 0)
		return r < 0 ? r : brig_err_set(e, -ENAMETOOLONG, "container path too long");
	return 0;
}

int eng_rootfs_overlay(struct eng *g, int ctrfd, const json_t *layers, int usfd, struct brig_err *e)
{
	char ctrdir[PATH_MAX];
	if (brig_fd_path(ctrfd, ctrdir, sizeof(ctrdir)) < 0)
		return brig_err_set(e, -ENAMETOOLONG, "container directory path too long");
	if (strpbrk(g->root, ":,"))
		return brig_err_set(e, -EINVAL,
				    "the store root %s contains ':' or ',', which "
				    "overlay mount options cannot carry",
				    g->root);
	_cleanup_close_ int fsfd = fsopen("overlay", FSOPEN_CLOEXEC);
	if (fsfd < 0)
		return brig_err_sys(e, errno, "fsopen(overlay)");
	struct trees t = { 0 };
	int r = set_lowers(g, fsfd, layers, ctrdir, usfd, &t, e);
	if (r == 0)
		r = upper_work(fsfd, ctrfd, ctrdir, &t, e);
	/* Rootless: opaque directories are marked user.overlay.opaque. */
	if (r == 0 && eng_rootless() && fsconfig(fsfd, FSCONFIG_SET_FLAG, "userxattr", NULL, 0) < 0)
		r = brig_err_sys(e, errno, "overlay option userxattr");
	if (r == 0 && fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		int err = errno;
		char log[256] = ""; /* overlayfs says why in the context's log */
		ssize_t n = read(fsfd, log, sizeof(log) - 1);
		log[n > 0 ? n : 0] = '\0';
		log[strcspn(log, "\n")] = '\0';
		r = brig_err_sys(e, err, "creating the overlay%s%s", log[0] ? ": " : "", log);
	}
	trees_close(&t);
	if (r < 0)
		return r;
	int mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, ROOTFS_ATTRS);
	if (mfd < 0)
		return brig_err_sys(e, errno, "fsmount(overlay)");
	return mfd;
}

static int copy_mount(int ctrfd, int usfd, struct brig_err *e)
{
	/* Rootless: no detached mount (that needs CAP_SYS_ADMIN); the
	 * directory itself, which the runtime binds as root.path. */
	if (eng_rootless()) {
		int fd = BRIG_RETRY(
			openat(ctrfd, "rootfs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
		return fd < 0 ? brig_err_sys(e, errno, "opening the rootfs copy") : fd;
	}
	_cleanup_close_ int tree = open_tree(ctrfd, "rootfs",
					     OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (tree < 0)
		return brig_err_sys(e, errno, "open_tree of the rootfs copy");
	struct mount_attr a = { .attr_set = ROOTFS_ATTRS };
	if (usfd >= 0) {
		struct mount_attr m = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)usfd };
		if (mount_setattr(tree, "", AT_EMPTY_PATH, &m, sizeof(m)) < 0)
			return brig_err_sys(e, errno, "idmapping the rootfs copy");
	}
	if (mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof(a)) < 0)
		return brig_err_sys(e, errno, "making the rootfs copy nosuid");
	int fd = tree;
	tree = -1;
	return fd;
}

int eng_mountpoint(struct eng *g, const char *id, char *buf, size_t size)
{
	return brig_snprintf(buf, size, "%s/%s", g->mnt_root, id);
}

/* MNT_ROOT/<id>, every directory on the way searchable (0711): a
 * container's root, an unprivileged uid on the host, attaches its rootfs
 * there. */
static int make_mountpoint(struct eng *g, const char *id, struct brig_err *e)
{
	char path[PATH_MAX];
	if (eng_mountpoint(g, id, path, sizeof(path)) < 0)
		return brig_err_set(e, -ENAMETOOLONG, "mount point path too long");
	int r = brig_mkdir_p(AT_FDCWD, g->mnt_root, 0711, e);
	if (r < 0)
		return r;
	/* mkdir -p keeps existing modes: open the way through brig's own three
	 * directories (.../brig, .../brig/mnt, .../brig/mnt/<store>), nothing
	 * above them. */
	_cleanup_free_ char *dir = strdup(g->mnt_root);
	if (!dir)
		return brig_err_set(e, -ENOMEM, "out of memory");
	for (int i = 0; i < 3; i++) {
		struct stat st;
		if (stat(dir, &st) < 0)
			return brig_err_sys(e, errno, "%s", dir);
		if ((st.st_mode & 0111) != 0111 && chmod(dir, (st.st_mode & 07777) | 0111) < 0)
			return brig_err_sys(e, errno, "chmod %s", dir);
		char *slash = strrchr(dir, '/');
		if (!slash || slash == dir)
			break;
		*slash = '\0';
	}
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return brig_err_sys(e, errno, "creating %s", path);
	return 0;
}

/* The container's user namespace mapping, from its record (rec, or else
 * read from ctrfd; none while the container is being made), and its mount
 * point. */
static int userns_fd(struct eng *g, int ctrfd, const struct eng_record *rec, struct brig_err *e)
{
	_cleanup_record_ struct eng_record own = { .stop_timeout = -1, .userns = { .slot = -1 } };
	if (!rec) {
		if (faccessat(ctrfd, ENG_RECORD, F_OK, 0) < 0)
			return -1;
		int r = eng_record_load(ctrfd, "container", &own, e);
		if (r < 0)
			return r;
		rec = &own;
	}
	int r = make_mountpoint(g, rec->id, e);
	if (r < 0)
		return r;
	const struct eng_userns *u = &rec->userns;
	/* Rootless: nothing is idmapped (the files are the caller's, the
	 * container's root); the overlay is made in the container's mapping,
	 * the copy needs none. */
	if (u->enabled && u->own_root && rec->driver && strcmp(rec->driver, "overlay") == 0) {
		int fd = eng_userns_open(u, e);
		return fd == -1 ? -EACCES : fd; /* -EPERM: -1 means "none" here */
	}
	if (u->enabled && u->own_root)
		return -1;
	return u->enabled ? rt_userns_open(u->uid, u->gid, u->size, e) : -1;
}

static int mount_with(struct eng *g, int ctrfd, const json_t *layers, const char *driver,
		      const struct eng_record *rec, int *usfd_out, struct brig_err *e)
{
	_cleanup_close_ int usfd = userns_fd(g, ctrfd, rec, e);
	if (usfd < -1)
		return usfd;
	if (strcmp(driver, "copy") == 0)
		return copy_mount(ctrfd, usfd, e);
	if (eng_rootless()) {
		int fd = eng_rootfs_overlay_userns(g, ctrfd, layers, usfd, e);
		if (fd >= 0 && usfd_out && usfd >= 0)
			*usfd_out = brig_steal_fd(usfd);
		return fd;
	}
	return eng_rootfs_overlay(g, ctrfd, layers, usfd, e);
}

int eng_rootfs_mount(struct eng *g, int ctrfd, const json_t *layers, const char *driver,
		     struct brig_err *e)
{
	return mount_with(g, ctrfd, layers, driver, NULL, NULL, e);
}

int eng_rootfs_mount_ns(struct eng *g, int ctrfd, const struct eng_record *rec, int *usfd_out,
			struct brig_err *e)
{
	return mount_with(g, ctrfd, rec->layers, rec->driver, rec, usfd_out, e);
}

int eng_rootfs_chown(int ctrfd, const char *driver, const struct eng_userns *u, struct brig_err *e)
{
	if (!u->enabled || u->own_root || strcmp(driver, "overlay") != 0)
		return 0;
	char upper[16];
	(void)snprintf(upper, sizeof(upper), "%supper", eng_quota_rw_prefix(ctrfd));
	if (fchownat(ctrfd, upper, u->uid, u->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return brig_err_sys(e, errno, "giving the upper directory to the container's root");
	return 0;
}

/* Is the entry at path in this tree a whiteout (a 0:0 character device)?
 * Resolved inside the tree: a link the image or the container made is not
 * followed out of it. */
static bool whiteout_at(int treefd, const char *path)
{
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_close_ int fd = brig_open_in_root(treefd, path, O_PATH | O_NOFOLLOW, 0, 0, &e);
	struct stat st;
	return fd >= 0 && fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == 0;
}

/* path from one tree (a layer, or a container's upper directory): 0 read,
 * -ENOENT not there (look below), 1 whited out (not there at all). */
static int tree_read(int treefd, const char *path, size_t max, char **buf, size_t *len,
		     struct brig_err *e)
{
	if (whiteout_at(treefd, path))
		return 1;
	_cleanup_err_ struct brig_err e2 = { 0 };
	/* Never blocks: a FIFO or device there is refused by type. */
	_cleanup_close_ int fd = brig_open_regular_in_root(treefd, path, &e2);
	if (fd == -ENOENT)
		return -ENOENT;
	if (fd < 0)
		return brig_err_set(e, fd, "file %s: %s", path, brig_err_str(&e2));
	return brig_read_fd(fd, path, max, buf, len, e);
}

int eng_image_read_file(struct eng *g, const json_t *layers, int upperfd, const char *path,
			size_t max, char **buf, size_t *len, struct brig_err *e)
{
	int r = upperfd >= 0 ? tree_read(upperfd, path, max, buf, len, e) : -ENOENT;
	for (size_t k = json_array_size(layers); r == -ENOENT && k-- > 0;) {
		const char *diff_id = json_string_value(
			json_object_get(json_array_get(layers, k), "diffId"));
		char dir[128];
		if (!diff_id ||
		    brig_snprintf(dir, sizeof(dir), "layers/%s", diff_id + strlen("sha256:")) < 0)
			continue;
		_cleanup_close_ int lfd = BRIG_RETRY(
			openat(g->rootfd, dir, O_PATH | O_DIRECTORY | O_CLOEXEC));
		if (lfd < 0)
			return brig_err_sys(e, errno, "opening %s/%s", g->root, dir);
		r = tree_read(lfd, path, max, buf, len, e);
	}
	return r == 1 ? -ENOENT : r;
}

/* The directory a running container's changes are in: its overlay's upper
 * directory, or the whole copied root (-ENOENT when it has neither). */
int eng_ctr_changes_open(struct eng *g, const struct eng_record *rec, bool *whole,
			 struct brig_err *e)
{
	_cleanup_close_ int dirfd = eng_ctr_open(g, rec->id, e);
	if (dirfd < 0)
		return dirfd;
	*whole = rec->driver && strcmp(rec->driver, "copy") == 0;
	char name[32];
	(void)snprintf(name, sizeof(name), "%s%s", *whole ? "" : eng_quota_rw_prefix(dirfd),
		       *whole ? "rootfs" : "upper");
	int fd = BRIG_RETRY(openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	return fd < 0 ? brig_err_sys(e, errno, "opening container %.12s's %s", rec->id, name) : fd;
}

int eng_ctr_upper_open(struct eng *g, const struct eng_record *rec, struct brig_err *e)
{
	bool whole = false;
	int fd = eng_ctr_changes_open(g, rec, &whole, e);
	if (fd < 0 || !whole)
		return fd;
	(void)close(fd);
	return brig_err_set(e, -ENOTSUP,
			    "container %.12s uses the copy driver: its changes are not "
			    "kept apart from its image",
			    rec->id);
}
