/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The build cache.  Every instruction moves a stage's key on:
 * key' = sha256(key NUL instruction NUL extra), extra being what the
 * instruction reads besides its text (the digest of the layer a COPY made,
 * the build arguments a RUN sees).  A RUN's layer is kept under its key in
 * ROOT/build-cache/<key> ({"digest", "diff_id", "size"} and, with
 * --defang-setuid, "defanged": what the packer wrote without setuid bits
 * or capabilities, reported again on a hit), written atomically; a hit whose blob is gone from the store is a miss.  Secrets
 * never enter a key.
 */
#include "build/build-internal.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* an entry is its layer and the step's --defang-setuid findings */
#define CACHE_ENTRY_MAX (1 << 20)

void bld_key_next(char key[65], const char *what, const char *extra)
{
	struct brig_sha256 *h = brig_sha256_new();
	if (!h || brig_sha256_update(h, key, strlen(key) + 1) < 0 ||
	    brig_sha256_update(h, what, strlen(what) + 1) < 0 ||
	    (extra && brig_sha256_update(h, extra, strlen(extra)) < 0) ||
	    brig_sha256_final(h, key) < 0)
		key[0] = '\0'; /* no key: never a hit, never stored */
	brig_sha256_free(h);
}

static int cache_dir(struct bld_ctx *c, struct brig_err *e)
{
	_cleanup_close_ int root = BRIG_RETRY(
		open(eng_root(c->g), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (root < 0)
		return brig_err_sys(e, errno, "opening %s", eng_root(c->g));
	if (mkdirat(root, BLD_CACHE_DIR, 0700) < 0 && errno != EEXIST)
		return brig_err_sys(e, errno, "making %s/%s", eng_root(c->g), BLD_CACHE_DIR);
	int fd = BRIG_RETRY(
		openat(root, BLD_CACHE_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	return fd < 0 ? brig_err_sys(e, errno, "opening %s/%s", eng_root(c->g), BLD_CACHE_DIR) : fd;
}

/* 1: a hit (l filled), 0: none. */
int bld_cache_get(struct bld_ctx *c, const char *key, struct bld_layer *l, struct brig_err *e)
{
	if (c->o->no_cache || !key[0])
		return 0;
	_cleanup_close_ int dir = cache_dir(c, e);
	if (dir < 0)
		return dir;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	_cleanup_err_ struct brig_err e2 = { 0 };
	if (brig_read_file(dir, key, CACHE_ENTRY_MAX, &buf, &len, &e2) < 0)
		return 0;
	_cleanup_json_ json_t *j = json_loadb(buf, len, 0, NULL);
	const char *d = json_string_value(json_object_get(j, "digest"));
	const char *id = json_string_value(json_object_get(j, "diff_id"));
	json_t *size = json_object_get(j, "size");
	if (!d || !id || !brig_digest_valid(d) || !brig_digest_valid(id) ||
	    !json_is_integer(size) || json_integer_value(size) < 0)
		return 0; /* a damaged entry is a miss; the next put replaces it */
	if (img_blob_exists(c->s, d, &e2) != 1)
		return 0;
	*l = (struct bld_layer){ .size = (uint64_t)json_integer_value(size),
				 .comp = IMG_COMP_GZIP };
	snprintf(l->digest, sizeof(l->digest), "%s", d);
	snprintf(l->diff_id, sizeof(l->diff_id), "%s", id);
	json_t *defanged = json_object_get(j, "defanged");
	if (json_is_array(defanged)) {
		json_decref(c->replay);
		c->replay = json_incref(defanged);
	}
	return 1;
}

int bld_cache_put(struct bld_ctx *c, const char *key, const struct bld_layer *l, struct brig_err *e)
{
	if (!key[0])
		return 0;
	_cleanup_close_ int dir = cache_dir(c, e);
	if (dir < 0)
		return dir;
	_cleanup_json_ json_t *j = json_pack("{s:s, s:s, s:I}", "digest", l->digest, "diff_id",
					     l->diff_id, "size", (json_int_t)l->size);
	if (j && c->defanged && json_object_set(j, "defanged", c->defanged) < 0)
		return brig_err_oom(e);
	_cleanup_free_ char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	if (!text)
		return brig_err_oom(e);
	if (strlen(text) > CACHE_ENTRY_MAX)
		return 0; /* a step defanging that many files is not cached */
	return brig_atomic_write(dir, key, text, strlen(text), 0600, e);
}
