/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Consistency check: every blob hashes to its name, and every index.json
 * entry reaches a complete, well-formed image (media types known, sizes
 * right, configs valid, one diff_id per layer).  With repair, broken
 * entries are dropped from index.json and corrupt blobs removed (under the
 * same locks gc takes).  Temporary files are reported, not judged: they
 * are what a killed writer leaves, and gc removes them.  So are
 * unreferenced blobs (sound, but reached from no index.json entry: what a
 * failed pull or load verified before it stopped), which gc removes too.
 */
#include "image/store/store-internal.h"

#include <string.h>
#include <sys/stat.h>

struct check_ctx {
	struct img_store *s;
	json_t *report;
	struct img_digest_set corrupt;
	struct img_digest_set seen; /* every blob the scan found */
	struct img_digest_set reached; /* what the index.json entries reach */
	size_t blobs;
	bool *broken; /* per index.json entry */
	size_t n_broken;
};

static int check_blob(struct check_ctx *c, const char *name, struct brig_err *e)
{
	char digest[IMG_DIGEST_SIZE];
	(void)snprintf(digest, sizeof(digest), "sha256:%s", name);
	struct brig_err verr = { 0 };
	int fd = -1;
	int r = img_blob_open(c->s, digest, true, &fd, &verr);
	if (fd >= 0)
		(void)close(fd);
	if (r != 0 && r != -ENOENT) /* ENOENT: removed since the scan saw it */
		brig_debug("check: %s", brig_err_str(&verr));
	brig_err_clear(&verr);
	if (r == -ENOENT)
		return 0;
	c->blobs++;
	if (img_set_add(&c->seen, digest) < 0)
		return brig_err_oom(e);
	if (r == 0)
		return 0;
	if (img_set_add(&c->corrupt, digest) < 0)
		return brig_err_oom(e);
	return img_report_add(c->report, "corrupt_blobs", json_string(digest), e);
}

static int check_visit(void *ctx, const char *name, enum img_entry_type t, const struct stat *st,
		       struct brig_err *e)
{
	struct check_ctx *c = ctx;
	(void)st;
	switch (t) {
	case IMG_ENT_BLOB:
		return check_blob(c, name, e);
	case IMG_ENT_TEMP:
		return img_report_add(c->report, "temp_files", json_string(name), e);
	case IMG_ENT_OTHER:
		break;
	}
	return img_report_add(c->report, "unexpected", json_string(name), e);
}

/* The name on a raw index.json entry, if it has one that is a string. */
static const char *raw_name(const json_t *entry)
{
	json_t *ann = json_object_get(entry, "annotations");
	return json_string_value(json_object_get(ann, IMG_ANNOTATION_REF_NAME));
}

static int report_broken(struct check_ctx *c, const json_t *entry, struct brig_err *why,
			 struct brig_err *e)
{
	const char *digest = json_string_value(json_object_get(entry, "digest"));
	json_t *item = json_pack("{s:s?, s:s?, s:s}", "name", raw_name(entry), "digest", digest,
				 "error", brig_err_str(why));
	return img_report_add(c->report, "broken_refs", item, e);
}

/* One index.json entry: a well-formed descriptor reaching a whole image. */
static int check_entry(struct check_ctx *c, const json_t *entry, const struct bj_loc *at,
		       struct brig_err *why)
{
	struct img_descriptor d;
	int r = img_descriptor_parse(entry, at, &d, why);
	if (r < 0)
		return r;
	/* A set of its own: img_walk does not walk again what its set has, and
	 * each entry is judged whole. */
	struct img_digest_set set = { 0 };
	r = img_walk(c->s, &d, &set, &c->corrupt, why);
	char digest[IMG_DIGEST_SIZE];
	for (size_t i = 0; i < set.cap; i++) {
		if (!set.slot[i][0])
			continue;
		(void)snprintf(digest, sizeof(digest), "sha256:%s", set.slot[i]);
		if (img_set_add(&c->reached, digest) < 0) {
			r = -ENOMEM;
			break;
		}
	}
	img_set_free(&set);
	img_descriptor_clear(&d);
	return r;
}

static int check_refs(struct check_ctx *c, const json_t *arr, struct brig_err *e)
{
	size_t n = json_array_size(arr);
	c->broken = calloc(n ? n : 1, sizeof(bool));
	if (!c->broken)
		return brig_err_oom(e);
	struct bj_loc root, list;
	bj_root(&root, "index.json");
	bj_key(&list, &root, "manifests");
	for (size_t i = 0; i < n; i++) {
		struct bj_loc at;
		bj_idx(&at, &list, i);
		struct brig_err why = { 0 };
		const json_t *entry = json_array_get(arr, i);
		int r = check_entry(c, entry, &at, &why);
		if (r == -ENOMEM) {
			brig_err_clear(&why);
			return brig_err_oom(e);
		}
		if (r < 0) {
			c->broken[i] = true;
			c->n_broken++;
			r = report_broken(c, entry, &why, e);
		}
		brig_err_clear(&why);
		if (r < 0)
			return r;
	}
	return 0;
}

static int repair_corrupt(struct check_ctx *c, struct brig_err *e)
{
	for (size_t i = 0; i < c->corrupt.cap; i++) {
		const char *hex = c->corrupt.slot[i];
		if (!hex[0])
			continue;
		if (unlinkat(c->s->blobfd, hex, 0) < 0 && errno != ENOENT)
			return brig_err_sys(e, errno, "%s: removing corrupt blob sha256:%s",
					    c->s->root, hex);
	}
	if (c->corrupt.n && BRIG_RETRY(fsync(c->s->blobfd)) < 0)
		return brig_err_sys(e, errno, "%s: syncing blobs/sha256", c->s->root);
	return 0;
}

static int repair_refs(struct check_ctx *c, json_t *doc, json_t *arr, struct brig_err *e)
{
	if (c->n_broken == 0)
		return 0;
	for (size_t i = json_array_size(arr); i-- > 0;)
		if (c->broken[i] && json_array_remove(arr, i) < 0)
			return brig_err_oom(e);
	return img_index_json_save(c->s, doc, e);
}

/* index.json must at least be an image index with a manifests array for
 * check to make sense of it; its entries are judged one by one. */
static int load_entries(struct check_ctx *c, json_t **doc, json_t **arr, struct brig_err *e)
{
	int r = img_index_json_read(c->s, doc, e);
	if (r < 0)
		return r;
	struct bj_loc at;
	bj_root(&at, "index.json");
	r = sj_schema2(*doc, &at, e);
	if (r == 0)
		r = bj_get_arr(*doc, &at, "manifests", true, arr, e);
	return r < 0 ? brig_err_wrap(e, "%s", c->s->root) : 0;
}

/* Sound blobs no entry reaches, in the report's "unreferenced_blobs". */
static int report_unreferenced(struct check_ctx *c, struct brig_err *e)
{
	char digest[IMG_DIGEST_SIZE];
	for (size_t i = 0; i < c->seen.cap; i++) {
		if (!c->seen.slot[i][0])
			continue;
		(void)snprintf(digest, sizeof(digest), "sha256:%s", c->seen.slot[i]);
		if (img_set_has(&c->reached, digest) || img_set_has(&c->corrupt, digest))
			continue;
		int r = img_report_add(c->report, "unreferenced_blobs", json_string(digest), e);
		if (r < 0)
			return r;
	}
	return 0;
}

static int check_run(struct check_ctx *c, bool repair, struct brig_err *e)
{
	int r = img_scan_dir(c->s->blobfd, "blobs/sha256", check_visit, c, e);
	if (r < 0)
		return r;
	_cleanup_json_ json_t *doc = NULL;
	json_t *arr = NULL;
	r = load_entries(c, &doc, &arr, e);
	if (r < 0)
		return r;
	r = check_refs(c, arr, e);
	if (r == 0)
		r = report_unreferenced(c, e);
	if (r == 0 && repair)
		r = repair_refs(c, doc, arr, e);
	if (r == 0 && repair)
		r = repair_corrupt(c, e);
	return r;
}

static int check_locked(struct check_ctx *c, bool repair, struct brig_err *e)
{
	if (!repair)
		return check_run(c, repair, e);
	int lease = img_lease_exclusive(c->s, e);
	if (lease < 0)
		return lease;
	int r;
	{
		_cleanup_close_ int lk = img_lock_index(c->s, e);
		r = lk < 0 ? lk : check_run(c, repair, e);
	}
	img_lease_release(c->s, lease);
	return r;
}

int img_store_check(struct img_store *s, bool repair, json_t **report, struct brig_err *e)
{
	struct check_ctx c = { .s = s };
	c.report = json_pack("{s:[], s:[], s:[], s:[], s:[]}", "corrupt_blobs", "broken_refs",
			     "temp_files", "unexpected", "unreferenced_blobs");
	if (!c.report)
		return brig_err_oom(e);
	int r = check_locked(&c, repair, e);
	bool problems = c.corrupt.n > 0 || c.n_broken > 0;
	img_set_free(&c.corrupt);
	img_set_free(&c.seen);
	img_set_free(&c.reached);
	free(c.broken);
	if (r == 0 &&
	    json_object_update_new(c.report,
				   json_pack("{s:b, s:I, s:b}", "ok", !problems, "blobs",
					     (json_int_t)c.blobs, "repaired", repair && problems)) <
		    0)
		r = brig_err_oom(e);
	if (r < 0) {
		json_decref(c.report);
		return r;
	}
	*report = c.report;
	return problems ? 1 : 0;
}
