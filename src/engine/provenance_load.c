/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signatures travel with images: `brig save` writes the records of
 * ROOT/trust/images for the images it saves into the archive's
 * IMG_ARCHIVE_SIGNATURES member ({"MANIFEST DIGEST": record}), and
 * `brig load` judges each loaded image against the policy for the
 * archive's transport and path (docker-archive, oci-archive), with the
 * signatures the archive carries for it, before anything is named; the
 * records of accepted images are kept, so run and create judge them
 * again.  A record is only taken for the very manifest loaded: its
 * signed digest must be that manifest's (a signature of an index whose
 * platform manifest alone was saved cannot be checked, and counts as
 * none).
 */
#include "engine/provenance-internal.h"
#include "image/archive/image-archive.h"
#include "image/store/store.h"

#include <string.h>
#include <time.h>

#define SIGS_MAX (8 << 20)

int eng_prov_save_sigs(const char *root, struct img_store *s, const char *const *refs, size_t n,
		       char **out, struct brig_err *e)
{
	*out = NULL;
	_cleanup_json_ json_t *all = json_object();
	if (!all)
		return brig_err_oom(e);
	for (size_t i = 0; i < n; i++) {
		struct img_descriptor d = { 0 };
		json_t *rec = NULL;
		int r = img_store_resolve(s, refs[i], &d, e);
		if (r == 0 && (r = eng_prov_record_read(root, d.digest, &rec, e)) == -ENOENT)
			r = 0;
		if (r == 0 && rec && json_object_set_new(all, d.digest, rec) < 0)
			r = brig_err_oom(e);
		img_descriptor_clear(&d);
		if (r < 0)
			return r;
	}
	if (json_object_size(all) == 0)
		return 0;
	*out = json_dumps(all, JSON_COMPACT | JSON_SORT_KEYS);
	return *out ? 0 : brig_err_oom(e);
}

/* The archive's record for one image, taken when it signs that manifest. */
static json_t *record_for(json_t *sigs, const struct img_loaded *l)
{
	json_t *rec = json_object_get(sigs, l->desc.digest);
	json_t *d = json_object_get(rec, "Digest");
	if (!json_is_object(rec) || !json_is_string(d) ||
	    strcmp(json_string_value(d), l->desc.digest) != 0)
		return NULL;
	return rec;
}

/* One image: accepted (its record, with the load's verdict, kept in
 * lc->keep) or refused. */
static int judge_image(struct eng_load_check *lc, const struct trust_policy *pol,
		       const char *transport, json_t *sigs, const struct img_loaded *l,
		       struct brig_err *e)
{
	json_t *rec = record_for(sigs, l);
	struct img_ref ref = { 0 };
	struct trust_sigs ts = { 0 };
	struct trust_check c = { 0 };
	const char *text = l->names && l->names[0] ? l->names[0] : l->desc.digest;
	struct bj_loc at;
	json_t *arr = json_object_get(rec, "Signatures");
	const char *rtext = json_string_value(json_object_get(rec, "Reference"));
	bj_root(&at, IMG_ARCHIVE_SIGNATURES);
	int r = 0;
	if (rec &&
	    (!rtext || (r = img_ref_parse(rtext, &ref, e)) < 0 ||
	     (r = trust_sigs_parse(arr, IMG_ARCHIVE_SIGNATURES, &ts, e)) < 0))
		r = r < 0 ? r : bj_fail(e, &at, "%s: no Reference", l->desc.digest);
	if (r == 0)
		r = trust_check_decide_path(pol, transport, lc->path, rec ? &ref : NULL,
					    l->desc.digest, &ts, (int64_t)time(NULL), &c, e);
	if (r == 0 && c.d.verdict != TRUST_ACCEPT) {
		_cleanup_free_ char *msg = trust_check_refusal(&c, text);
		_cleanup_free_ char *safe = msg ? eng_prov_escape_lines(msg) : NULL;
		r = brig_err_set(e, -EACCES, "%s", safe ? safe : "content trust refused the image");
	}
	if (r == 0 && rec && json_object_set(lc->keep, l->desc.digest, rec) < 0)
		r = brig_err_oom(e);
	trust_check_clear(&c);
	trust_sigs_clear(&ts);
	img_ref_clear(&ref);
	return r;
}

int eng_prov_load_check(void *ctx, const struct img_loaded *v, size_t n, enum img_archive_format f,
			const char *sigs, size_t len, struct brig_err *e)
{
	struct eng_load_check *lc = ctx;
	if (lc->trust && lc->trust->disabled)
		return 0;
	_cleanup_json_ json_t *doc = NULL;
	_cleanup_trust_policy_ struct trust_policy *pol = NULL;
	int r = 0;
	if (sigs && len > SIGS_MAX)
		return brig_err_set(e, -EFBIG, "%s: larger than %d bytes", IMG_ARCHIVE_SIGNATURES,
				    SIGS_MAX);
	if (sigs && (r = bj_parse(sigs, len, IMG_ARCHIVE_SIGNATURES, &doc, e)) < 0)
		return r;
	if (doc && !json_is_object(doc))
		return brig_err_set(e, -EINVAL, "%s: not an object", IMG_ARCHIVE_SIGNATURES);
	if (!(lc->keep = json_object()))
		return brig_err_oom(e);
	if ((r = eng_prov_policy(lc->trust, &pol, e)) < 0)
		return r;
	for (size_t i = 0; r == 0 && i < n; i++)
		r = judge_image(lc, pol, img_archive_format_name(f), doc, &v[i], e);
	return r;
}

int eng_prov_load_commit(const char *root, struct eng_load_check *lc, struct brig_err *e)
{
	const char *digest;
	json_t *rec;
	json_object_foreach(lc->keep, digest, rec)
	{
		/* another host's rollback memory is not this one's: an archive
		 * could otherwise pin a tag to a far-future time */
		json_object_del(rec, "Rollback");
		int r = eng_prov_record_write(root, digest, rec, e);
		if (r < 0)
			return r;
	}
	return 0;
}
