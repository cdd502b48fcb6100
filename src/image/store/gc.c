/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Garbage collection: mark every blob reachable from index.json, sweep the
 * rest of blobs/sha256, and remove stale temporary files.  gc holds the
 * ingest lease exclusively (so no writer is between writing a blob and
 * naming it, and every ".tmp-*" left is a dead writer's) and the index lock
 * (so no name appears during the sweep).
 */
#include "image/store/store-internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

int img_scan_dir(int dirfd, const char *what, img_scan_fn fn, void *ctx, struct brig_err *e)
{
	int fd = BRIG_RETRY(openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (fd < 0)
		return brig_err_sys(e, errno, "opening %s", what);
	DIR *d = fdopendir(fd);
	if (!d) {
		int err = errno;
		(void)close(fd);
		return brig_err_sys(e, err, "opening %s", what);
	}
	int r = 0;
	for (;;) {
		errno = 0;
		struct dirent *de = readdir(d);
		if (!de) {
			if (errno != 0)
				r = brig_err_sys(e, errno, "reading %s", what);
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		struct stat st;
		if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue;
			r = brig_err_sys(e, errno, "examining %s/%s", what, de->d_name);
			break;
		}
		enum img_entry_type t = IMG_ENT_OTHER;
		if (S_ISREG(st.st_mode) && img_is_hex_name(de->d_name))
			t = IMG_ENT_BLOB;
		else if (S_ISREG(st.st_mode) &&
			 strncmp(de->d_name, IMG_TMP_PREFIX, strlen(IMG_TMP_PREFIX)) == 0)
			t = IMG_ENT_TEMP;
		r = fn(ctx, de->d_name, t, &st, e);
		if (r < 0)
			break;
	}
	(void)closedir(d);
	return r;
}

int img_report_add(json_t *report, const char *list, json_t *item, struct brig_err *e)
{
	json_t *arr = json_object_get(report, list);
	if (!item || !arr || json_array_append_new(arr, item) < 0)
		return brig_err_oom(e);
	return 0;
}

struct gc_ctx {
	struct img_store *s;
	struct img_digest_set reached;
	json_t *report;
	bool dry_run;
	uint64_t reclaimed;
	size_t kept;
	bool removed;
};

static int gc_remove(struct gc_ctx *c, int dirfd, const char *name, struct brig_err *e)
{
	if (c->dry_run)
		return 0;
	if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
		return brig_err_sys(e, errno, "%s: removing %s", c->s->root, name);
	c->removed = true;
	return 0;
}

static int gc_visit(void *ctx, const char *name, enum img_entry_type t, const struct stat *st,
		    struct brig_err *e)
{
	struct gc_ctx *c = ctx;
	char digest[IMG_DIGEST_SIZE];
	switch (t) {
	case IMG_ENT_TEMP:
		if (img_report_add(c->report, "removed_temps", json_string(name), e) < 0)
			return -ENOMEM;
		return gc_remove(c, c->s->blobfd, name, e);
	case IMG_ENT_BLOB:
		(void)snprintf(digest, sizeof(digest), "sha256:%s", name);
		if (img_set_has(&c->reached, digest)) {
			c->kept++;
			return 0;
		}
		c->reclaimed += (uint64_t)st->st_size;
		if (img_report_add(c->report, "removed_blobs",
				   json_pack("{s:s, s:I}", "digest", digest, "size",
					     (json_int_t)st->st_size),
				   e) < 0)
			return -ENOMEM;
		return gc_remove(c, c->s->blobfd, name, e);
	case IMG_ENT_OTHER:
		break;
	}
	return img_report_add(c->report, "unexpected", json_string(name), e);
}

/* brig_atomic_write's temporaries in ROOT: ".index.json.PID.N.tmp". */
static bool root_temp(const char *name)
{
	size_t l = strlen(name);
	bool ours = strncmp(name, ".index.json.", 12) == 0 ||
		strncmp(name, ".oci-layout.", 12) == 0;
	return ours && l > 16 && strcmp(name + l - 4, ".tmp") == 0;
}

static int gc_visit_root(void *ctx, const char *name, enum img_entry_type t, const struct stat *st,
			 struct brig_err *e)
{
	struct gc_ctx *c = ctx;
	(void)t;
	if (!S_ISREG(st->st_mode) || !root_temp(name))
		return 0;
	if (img_report_add(c->report, "removed_temps", json_string(name), e) < 0)
		return -ENOMEM;
	return gc_remove(c, c->s->rootfd, name, e);
}

static int gc_mark(struct gc_ctx *c, struct brig_err *e)
{
	struct img_index idx;
	int r = img_index_json_load(c->s, NULL, &idx, e);
	for (size_t i = 0; r == 0 && i < idx.n_manifests; i++) {
		r = img_walk(c->s, &idx.manifests[i], &c->reached, NULL, e);
		if (r < 0)
			(void)brig_err_wrap(e,
					    "gc refused (nothing removed; run a check "
					    "with repair first)");
	}
	img_index_clear(&idx);
	return r;
}

static int gc_locked(struct gc_ctx *c, struct brig_err *e)
{
	int r = gc_mark(c, e);
	if (r < 0)
		return r;
	r = img_scan_dir(c->s->blobfd, "blobs/sha256", gc_visit, c, e);
	if (r < 0)
		return r;
	r = img_scan_dir(c->s->rootfd, c->s->root, gc_visit_root, c, e);
	if (r < 0)
		return r;
	if (c->removed && BRIG_RETRY(fsync(c->s->blobfd)) < 0)
		return brig_err_sys(e, errno, "%s: syncing blobs/sha256", c->s->root);
	return 0;
}

int img_store_gc(struct img_store *s, bool dry_run, json_t **report, struct brig_err *e)
{
	struct gc_ctx c = { .s = s, .dry_run = dry_run };
	c.report = json_pack("{s:b, s:[], s:[], s:[]}", "dry_run", dry_run, "removed_blobs",
			     "removed_temps", "unexpected");
	if (!c.report)
		return brig_err_oom(e);
	int lease = img_lease_exclusive(s, e);
	if (lease < 0) {
		json_decref(c.report);
		return lease;
	}
	int r;
	{
		_cleanup_close_ int lk = img_lock_index(s, e);
		r = lk < 0 ? lk : gc_locked(&c, e);
	}
	img_lease_release(s, lease);
	img_set_free(&c.reached);
	if (r == 0 &&
	    (json_object_set_new(c.report, "reclaimed_bytes",
				 json_integer((json_int_t)c.reclaimed)) < 0 ||
	     json_object_set_new(c.report, "kept_blobs", json_integer((json_int_t)c.kept)) < 0))
		r = brig_err_oom(e);
	if (r < 0) {
		json_decref(c.report);
		return r;
	}
	*report = c.report;
	return 0;
}
