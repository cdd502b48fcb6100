/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The unpack function `brig load` gives img_archive_load: each layer of a
 * loaded image is judged and unpacked into the layer cache in one pass
 * (image/layer's strict mode), or, when the cache has its diff_id already,
 * judged and hashed without being unpacked again.
 */
#include "image/archive/archive-internal.h"
#include "image/layer/layer.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

static void log_notes(const char *digest, const struct img_unpack_result *res)
{
	if (res->warnings)
		brig_warn("layer %s: %llu warning(s)%s%s", digest,
			  (unsigned long long)res->warnings, res->notes ? ", first: " : "",
			  res->notes ? res->notes[0] : "");
}

/* 1 when dirfd/<hex> is a directory, 0 when absent. */
static int cached(int dirfd, const char *hex, struct brig_err *e)
{
	struct stat st;
	if (fstatat(dirfd, hex, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : brig_err_sys(e, errno, "examining layers/%s", hex);
	if (!S_ISDIR(st.st_mode))
		return brig_err_set(e, -EEXIST, "layers/%s exists and is not a directory", hex);
	return 1;
}

/* The layer is unpacked already: judge and hash the blob all the same, so
 * the image's config is held to what the blob really holds.  From fd, or
 * from in (a stream whose compressed bytes' digest the caller checks
 * itself). */
static int check_only(const struct img_layer_cache *cache, int fd, const struct img_descriptor *l,
		      const char *diff_id, const struct img_layer_feed *in, struct brig_err *e)
{
	const struct img_unpack_opts o = { .strict = true,
					   .strict_devices = cache->strict_devices,
					   .no_digest = in != NULL,
					   .read = in ? in->read : NULL,
					   .read_arg = in ? in->arg : NULL };
	bool no_digest = in != NULL;
	struct img_unpack_result res;
	int r = img_layer_unpack(fd, -1, &o, &res, e);
	if (r == 0 && !no_digest && strcmp(res.digest, l->digest) != 0)
		r = brig_err_set(e, -EBADMSG,
				 "layer digest mismatch: the blob read hashes "
				 "to %s, not %s",
				 res.digest, l->digest);
	if (r == 0 && strcmp(res.diff_id, diff_id) != 0)
		r = brig_err_set(e, -EBADMSG, "its content has diff_id %s, the config says %s",
				 res.diff_id, diff_id);
	img_unpack_result_clear(&res);
	return r;
}

static int unpack_new(const struct img_layer_cache *cache, int fd, const struct img_descriptor *l,
		      const char *diff_id, const struct img_layer_feed *in, char *tmp,
		      struct brig_err *e)
{
	/* a stream's digest is checked by the caller (see image-archive.h) */
	const struct img_unpack_opts o = { .strict = true,
					   .strict_devices = cache->strict_devices,
					   .no_digest = tmp != NULL,
					   .read = in ? in->read : NULL,
					   .read_arg = in ? in->arg : NULL };
	int dirfd = cache->dirfd;
	struct img_unpack_result res;
	int r = tmp ? img_layer_unpack_tmp(dirfd, fd, &o, NULL, diff_id, tmp, &res, e)
		    : img_layer_unpack_cached(dirfd, fd, &o, l->digest, diff_id, &res, e);
	if (r == 0)
		log_notes(l->digest, &res);
	img_unpack_result_clear(&res);
	return r;
}

int img_archive_unpack_cached(void *ctx, struct img_store *s, const struct img_descriptor *l,
			      const char *diff_id, struct brig_err *e)
{
	const struct img_layer_cache *cache = ctx;
	_cleanup_close_ int fd = -1;
	int r = brig_digest_valid(diff_id)
		? 0
		: brig_err_set(e, -EINVAL, "'%s' is not a sha256 diff_id", diff_id);
	if (r == 0)
		r = cached(cache->dirfd, diff_id + strlen("sha256:"), e);
	int have = r;
	if (r >= 0)
		r = img_blob_open(s, l->digest, false, &fd, e);
	if (r == 0)
		r = have ? check_only(cache, fd, l, diff_id, NULL, e)
			 : unpack_new(cache, fd, l, diff_id, NULL, NULL, e);
	return r < 0 ? brig_err_wrap(e, "layer %s", l->digest) : 0;
}

_Static_assert(IMG_ARCHIVE_LAYER_TMP_MAX == IMG_LAYER_TMP_NAME_MAX, "temporary layer names");

int img_archive_layer_cached(const struct img_layer_cache *cache, const char *diff_id,
			     struct brig_err *e)
{
	if (!brig_digest_valid(diff_id))
		return brig_err_set(e, -EINVAL, "'%.100s' is not a sha256 diff_id", diff_id);
	return cached(cache->dirfd, diff_id + strlen("sha256:"), e);
}

int img_archive_unpack_stream(const struct img_layer_cache *cache, const struct img_layer_feed *in,
			      const struct img_descriptor *l, const char *diff_id,
			      char tmp[IMG_ARCHIVE_LAYER_TMP_MAX], struct brig_err *e)
{
	tmp[0] = 0;
	int r = img_archive_layer_cached(cache, diff_id, e);
	if (r >= 0)
		r = r ? check_only(cache, -1, l, diff_id, in, e)
		      : unpack_new(cache, -1, l, diff_id, in, tmp, e);
	return r < 0 ? brig_err_wrap(e, "layer %s", l->digest) : 0;
}

int img_archive_layer_publish(const struct img_layer_cache *cache,
			      char tmp[IMG_ARCHIVE_LAYER_TMP_MAX], const char *diff_id,
			      struct brig_err *e)
{
	if (!tmp[0])
		return 0;
	int r = img_layer_publish(cache->dirfd, tmp, diff_id, e);
	return r < 0 ? brig_err_wrap(e, "layer %s", diff_id) : 0;
}

void img_archive_layer_discard(const struct img_layer_cache *cache,
			       char tmp[IMG_ARCHIVE_LAYER_TMP_MAX])
{
	img_layer_discard(cache->dirfd, tmp);
}
