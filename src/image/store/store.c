/* SPDX-License-Identifier: Apache-2.0 */
/* Opening and creating the layout; the index lock and the ingest lease. */
#include "image/store/store-internal.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#define LAYOUT_MAX (64 * 1024)
static const char layout_json[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
static const char empty_index[] = "{\"schemaVersion\":2,\"mediaType\":\"" IMG_MT_OCI_INDEX
				  "\",\"manifests\":[]}";

static int mkdir_at(int dirfd, const char *name, const char *root, struct brig_err *e)
{
	if (mkdirat(dirfd, name, 0755) < 0 && errno != EEXIST)
		return brig_err_sys(e, errno, "%s: creating %s", root, name);
	return 0;
}

/* Write name with data unless it exists (under the index lock). */
static int write_if_missing(struct img_store *s, const char *name, const char *data,
			    struct brig_err *e)
{
	struct stat st;
	if (fstatat(s->rootfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	if (errno != ENOENT)
		return brig_err_sys(e, errno, "%s: examining %s", s->root, name);
	int r = brig_atomic_write(s->rootfd, name, data, strlen(data), 0644, e);
	if (r < 0)
		return brig_err_wrap(e, "%s: creating the image layout", s->root);
	return 0;
}

static int layout_init(struct img_store *s, struct brig_err *e)
{
	int r = mkdir_at(s->rootfd, "blobs", s->root, e);
	if (r < 0)
		return r;
	r = mkdir_at(s->rootfd, "blobs/sha256", s->root, e);
	if (r < 0)
		return r;
	_cleanup_close_ int lk = img_lock_index(s, e);
	if (lk < 0)
		return lk;
	r = write_if_missing(s, "oci-layout", layout_json, e);
	if (r < 0)
		return r;
	return write_if_missing(s, "index.json", empty_index, e);
}

static int layout_check(struct img_store *s, struct brig_err *e)
{
	_cleanup_free_ char *path = NULL;
	if (asprintf(&path, "%s/oci-layout", s->root) < 0)
		return brig_err_oom(e);
	_cleanup_close_ int fd = BRIG_RETRY(
		openat(s->rootfd, "oci-layout", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
	if (fd < 0 && errno == ENOENT)
		return brig_err_set(e, -ENOENT,
				    "%s is not an OCI image layout (no oci-layout "
				    "file)",
				    s->root);
	if (fd < 0)
		return brig_err_sys(e, errno, "opening %s", path);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	_cleanup_json_ json_t *doc = NULL;
	int r = brig_read_fd(fd, path, LAYOUT_MAX, &buf, &len, e);
	if (r < 0 || (r = bj_parse(buf, len, path, &doc, e)) < 0)
		return r;
	struct bj_loc at;
	bj_root(&at, path);
	const char *ver = NULL;
	r = bj_get_str(doc, &at, "imageLayoutVersion", true, &ver, e);
	if (r < 0)
		return r;
	if (strcmp(ver, "1.0.0") != 0)
		return brig_err_set(e, -ENOTSUP,
				    "%s: imageLayoutVersion: unsupported "
				    "version '%.32s' (brig reads 1.0.0)",
				    path, ver);
	if (faccessat(s->rootfd, "index.json", F_OK, AT_SYMLINK_NOFOLLOW) < 0)
		return brig_err_sys(e, errno, "%s is not a usable OCI image layout: index.json",
				    s->root);
	return 0;
}

/* blobs/sha256, neither of them a symlink. */
static int open_blobs(struct img_store *s, struct brig_err *e)
{
	_cleanup_close_ int b = BRIG_RETRY(
		openat(s->rootfd, "blobs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	if (b < 0)
		return brig_err_sys(e, errno, "%s: opening blobs", s->root);
	int fd = BRIG_RETRY(openat(b, "sha256", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	if (fd < 0 && errno == ENOENT) {
		/* A layout made by another tool may have no blobs yet. */
		if (mkdirat(b, "sha256", 0755) < 0 && errno != EEXIST)
			return brig_err_sys(e, errno, "%s: creating blobs/sha256", s->root);
		fd = BRIG_RETRY(
			openat(b, "sha256", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	}
	if (fd < 0)
		return brig_err_sys(e, errno, "%s: opening blobs/sha256", s->root);
	s->blobfd = fd;
	return 0;
}

static int store_open(struct img_store *s, bool create, struct brig_err *e)
{
	int r;
	if (create && (r = brig_mkdir_p(AT_FDCWD, s->root, 0700, e)) < 0)
		return brig_err_wrap(e, "creating image store");
	s->rootfd = BRIG_RETRY(open(s->root, O_PATH | O_DIRECTORY | O_CLOEXEC));
	if (s->rootfd < 0)
		return brig_err_sys(e, errno, "opening image store %s", s->root);
	if (create && (r = layout_init(s, e)) < 0)
		return r;
	if ((r = layout_check(s, e)) < 0)
		return r;
	return open_blobs(s, e);
}

int img_store_open(const char *root, bool create, struct img_store **out, struct brig_err *e)
{
	if (!root || !*root)
		return brig_err_set(e, -EINVAL, "image store: empty root path");
	struct img_store *s = calloc(1, sizeof(*s));
	if (!s)
		return brig_err_oom(e);
	s->rootfd = s->blobfd = s->leasefd = -1;
	s->root = strdup(root);
	if (!s->root) {
		img_store_close(s);
		return brig_err_oom(e);
	}
	int r = store_open(s, create, e);
	if (r < 0) {
		img_store_close(s);
		return r;
	}
	*out = s;
	return 0;
}

void img_store_close(struct img_store *s)
{
	if (!s)
		return;
	brig_closep(&s->blobfd);
	brig_closep(&s->leasefd);
	brig_closep(&s->rootfd);
	free(s->root);
	free(s);
}

const char *img_store_root(const struct img_store *s)
{
	return s->root;
}

int img_lock_index(struct img_store *s, struct brig_err *e)
{
	int fd = brig_lock_path(s->rootfd, IMG_LOCK_NAME, BRIG_LOCK_EXCLUSIVE, true, e);
	if (fd < 0)
		return brig_err_wrap(e, "%s", s->root);
	return fd;
}

int img_store_lease(struct img_store *s, struct brig_err *e)
{
	if (s->leasefd >= 0)
		return 0;
	int fd = brig_lock_path(s->rootfd, IMG_LEASE_NAME, BRIG_LOCK_SHARED, true, e);
	if (fd < 0)
		return brig_err_wrap(e, "%s", s->root);
	s->leasefd = fd;
	return 0;
}

static int lease_busy(struct img_store *s, struct brig_err *e)
{
	return brig_err_set(e, -EBUSY,
			    "%s: another process is writing blobs to the "
			    "store; try again when it is done",
			    s->root);
}

int img_lease_exclusive(struct img_store *s, struct brig_err *e)
{
	if (s->writers > 0)
		return brig_err_set(e, -EBUSY,
				    "%s: this process has %u blob writer(s) "
				    "open on the store",
				    s->root, s->writers);
	if (s->leasefd < 0) {
		int fd = brig_lock_path(s->rootfd, IMG_LEASE_NAME, BRIG_LOCK_EXCLUSIVE, false, e);
		if (fd == -EWOULDBLOCK)
			return lease_busy(s, e);
		return fd < 0 ? brig_err_wrap(e, "%s", s->root) : fd;
	}
	/* Upgrade our own shared lease.  Linux drops the shared lock before
	 * trying for the exclusive one, so a failed upgrade re-takes it. */
	int r = brig_lock_fd(s->leasefd, BRIG_LOCK_EXCLUSIVE, false);
	if (r == 0)
		return s->leasefd;
	int r2 = brig_lock_fd(s->leasefd, BRIG_LOCK_SHARED, true);
	if (r2 < 0) {
		brig_closep(&s->leasefd);
		s->leasefd = -1;
	}
	if (r == -EWOULDBLOCK)
		return lease_busy(s, e);
	return brig_err_sys(e, -r, "%s: locking %s", s->root, IMG_LEASE_NAME);
}

int img_store_lease_exclusive(struct img_store *s, struct brig_err *e)
{
	int fd = img_lease_exclusive(s, e);
	if (fd < 0)
		return fd;
	s->leasefd = fd; /* our own lease, upgraded, or a new exclusive one */
	return 0;
}

void img_lease_release(struct img_store *s, int fd)
{
	if (fd < 0)
		return;
	if (fd != s->leasefd) {
		(void)close(fd);
		return;
	}
	if (brig_lock_fd(fd, BRIG_LOCK_SHARED, true) < 0) {
		(void)close(fd);
		s->leasefd = -1;
	}
}
