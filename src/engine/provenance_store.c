/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The signatures and decision kept beside an image: ROOT/trust/images/
 * HEX.json, HEX the stored manifest's digest, 0600, replaced atomically.
 * Read back strictly enough for run's check: an object, bounded.
 */
#include "engine/provenance-internal.h"

#include <fcntl.h>
#include <string.h>

#define PROV_DIR "trust/images"
#define PROV_MAX (1 << 20)

static int prov_dir(const char *root, bool create, struct brig_err *e)
{
	if (create) { /* a first pull writes the record before the store exists */
		int r = brig_mkdir_p(AT_FDCWD, root, 0700, e);
		if (r < 0)
			return r;
	}
	_cleanup_close_ int rfd = BRIG_RETRY(open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (rfd < 0)
		return brig_err_sys(e, errno, "%s", root);
	if (create) {
		int r = brig_mkdir_p(rfd, PROV_DIR, 0700, e);
		if (r < 0)
			return r;
	}
	int d = BRIG_RETRY(openat(rfd, PROV_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	if (d < 0 && errno == ENOENT && !create)
		return -ENOENT;
	return d < 0 ? brig_err_sys(e, errno, "%s/" PROV_DIR, root) : d;
}

static int file_name(const char *digest, char name[80], struct brig_err *e)
{
	if (!brig_digest_valid(digest))
		return brig_err_set(e, -EINVAL, "bad digest '%.80s'", digest);
	snprintf(name, 80, "%s.json", digest + 7);
	return 0;
}

/* old and rec say the same but for when the verification was made. */
static bool same_but_time(json_t *old, json_t *rec)
{
	if (!json_is_object(old) || json_object_size(old) != json_object_size(rec))
		return false;
	const char *k;
	json_t *v;
	json_object_foreach(rec, k, v)
	{
		json_t *o = json_object_get(old, k);
		if (strcmp(k, "Verification") != 0) {
			if (!o || !json_equal(o, v))
				return false;
			continue;
		}
		if (!json_is_object(o) || !json_is_object(v) ||
		    json_object_size(o) != json_object_size(v))
			return false;
		const char *vk;
		json_t *vv;
		json_object_foreach(v, vk, vv)
		{
			json_t *ov = json_object_get(o, vk);
			if (!ov || (strcmp(vk, "Time") != 0 && !json_equal(ov, vv)))
				return false;
		}
	}
	return true;
}

/* The record as it is on disk says what rec says (a pull that found the
 * same signatures and made the same decision, rollback entry included):
 * it is kept, and its durable write (an fsync of file and directory, most
 * of a warm pull's content trust cost) is saved. */
static bool unchanged(int d, const char *name, json_t *rec)
{
	_cleanup_json_ json_t *old = NULL;
	_cleanup_err_ struct brig_err le = { 0 };
	return bj_load_file(d, name, PROV_MAX, &old, &le) == 0 && same_but_time(old, rec);
}

int eng_prov_record_write(const char *root, const char *digest, json_t *rec, struct brig_err *e)
{
	char name[80];
	int r = file_name(digest, name, e);
	if (r < 0)
		return r;
	_cleanup_close_ int d = prov_dir(root, true, e);
	if (d < 0)
		return d;
	if (unchanged(d, name, rec))
		return 0;
	_cleanup_free_ char *text = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!text)
		return brig_err_oom(e);
	return brig_atomic_write(d, name, text, strlen(text), 0600, e);
}

int eng_prov_record_raw(const char *root, const char *digest, char **buf, size_t *len,
			struct brig_err *e)
{
	char name[80];
	*buf = NULL;
	int r = file_name(digest, name, e);
	if (r < 0)
		return r;
	_cleanup_close_ int d = prov_dir(root, false, e);
	if (d < 0)
		return d;
	r = brig_read_file(d, name, PROV_MAX, buf, len, e);
	if (r == -ENOENT) {
		brig_err_clear(e);
		return -ENOENT;
	}
	return r < 0 ? brig_err_wrap(e, "the signatures stored with %s", digest) : 0;
}

int eng_prov_record_parse(const char *root, const char *digest, const char *buf, size_t len,
			  json_t **rec, struct brig_err *e)
{
	char name[80];
	int r = file_name(digest, name, e);
	if (r == 0 && (r = bj_parse(buf, len, name, rec, e)) < 0)
		return brig_err_wrap(e, "the signatures stored with %s", digest);
	if (r == 0 && !json_is_object(*rec)) {
		json_decref(brig_steal_ptr(*rec));
		return brig_err_set(e, -EINVAL, "%s/" PROV_DIR "/%s: not an object", root, name);
	}
	return r;
}

int eng_prov_record_read(const char *root, const char *digest, json_t **rec, struct brig_err *e)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r = eng_prov_record_raw(root, digest, &buf, &len, e);
	return r < 0 ? r : eng_prov_record_parse(root, digest, buf, len, rec, e);
}
