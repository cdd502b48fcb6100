/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Content trust at create and run: the signatures stored with the image
 * (ROOT/trust/images) judged against the policy as it stands now, for the
 * reference the image was pulled as; a key removed from the policy since
 * the pull stops the container from being made.  No network: only the
 * stored signatures count.  An image with no such record (imported,
 * committed, loaded, or pulled before brig kept signatures) has no
 * registry reference to judge: it is made, and its provenance says so.
 * The verdict becomes the record's Brig.Provenance.
 */
#include "engine/provenance-internal.h"
#include "engine/config/engine-config.h"

#include <string.h>
#include <time.h>

static json_t *local_provenance(const struct eng_image *im)
{
	char when[32];
	eng_prov_now(when);
	return json_pack("{s:b,s:s,s:s,s:s,s:s}", "Verified", false, "Decision", "local image",
			 "Reason",
			 "no registry reference or signatures are recorded for this image "
			 "(imported, committed, loaded, or pulled before brig kept signatures)",
			 "ManifestDigest", im->manifest_digest, "CheckedAt", when);
}

/* The record's reference and signed digest, and its signatures. */
static int record_parts(json_t *rec, const char *what, struct img_ref *ref, const char **digest,
			struct trust_sigs *sigs, struct brig_err *e)
{
	struct bj_loc at;
	const char *text = NULL;
	json_t *arr = NULL;
	bj_root(&at, what);
	int r = bj_get_str(rec, &at, "Reference", true, &text, e);
	if (r == 0)
		r = bj_get_str(rec, &at, "Digest", true, digest, e);
	if (r == 0)
		r = bj_get_arr(rec, &at, "Signatures", true, &arr, e);
	if (r == 0)
		r = img_ref_parse(text, ref, e);
	if (r == 0 && (r = trust_sigs_parse(arr, what, sigs, e)) < 0)
		img_ref_clear(ref);
	return r;
}

static json_t *run_provenance(const struct trust_check *c, json_t *rec, const char *ref,
			      bool disabled)
{
	char when[32];
	eng_prov_now(when);
	_cleanup_free_ char *scope = c ? trust_check_scope_name(c) : NULL;
	json_t *signers = c ? trust_check_signers(c) : json_array();
	json_t *pulled = json_object_get(rec, "Verification");
	if (!signers)
		return NULL;
	return json_pack("{s:b,s:s,s:s,s:s,s:s?,s:s?,s:s?,s:o,s:s,s:O?}", "Verified",
			 json_array_size(signers) > 0, "Decision",
			 disabled ? "content trust disabled" : "accept", "Reference", ref, "Digest",
			 json_string_value(json_object_get(rec, "Digest")), "Policy",
			 c ? c->policy->file : NULL, "Scope", scope, "Reason",
			 c ? c->d.reason : NULL, "Signers", signers, "CheckedAt", when, "AtPull",
			 pulled);
}

/* *pol: the policy judged by (the caller frees it), NULL when none was. */
static int judge(const struct eng_trust_opts *o, json_t *rec, const char *what,
		 struct trust_policy **pol, json_t **out, struct brig_err *e)
{
	struct img_ref ref = { 0 };
	const char *digest = NULL;
	struct trust_sigs sigs = { 0 };
	struct trust_check c = { 0 };
	int r = record_parts(rec, what, &ref, &digest, &sigs, e);
	if (r < 0)
		return r;
	_cleanup_free_ char *text = img_ref_string(&ref);
	if (!text)
		r = brig_err_oom(e);
	else if (o && o->disabled)
		r = (*out = run_provenance(NULL, rec, text, true)) ? 0 : brig_err_oom(e);
	else if ((r = eng_prov_policy(o, pol, e)) == 0 &&
		 (r = trust_check_decide(*pol, &ref, digest, &sigs, 0, &c, e)) == 0) {
		if (c.d.verdict != TRUST_ACCEPT) {
			_cleanup_free_ char *msg = trust_check_refusal(&c, text);
			_cleanup_free_ char *safe = msg ? eng_prov_escape_lines(msg) : NULL;
			r = brig_err_set(e, -EACCES,
					 "%s (checked against the signatures stored "
					 "with the image at its pull)",
					 safe ? safe : "content trust refused the image");
		} else if (!(*out = run_provenance(&c, rec, text, false))) {
			r = brig_err_oom(e);
		}
	}
	trust_check_clear(&c);
	trust_sigs_clear(&sigs);
	img_ref_clear(&ref);
	return r;
}

static int prov_create(struct eng *g, const struct eng_trust_opts *o, const struct eng_image *im,
		       json_t **out, struct brig_err *e);

int eng_prov_create(struct eng *g, const struct eng_trust_opts *o, const struct eng_image *im,
		    json_t **out, struct brig_err *e)
{
	int64_t t0 = eng_prov_clock();
	int r = prov_create(g, o, im, out, e);
	eng_prov_timing("create check", t0);
	return r;
}

/* The full check of the record in buf; an acceptance is remembered
 * (provenance_memo.c) under hex, the record's SHA-256. */
static int check_record(struct eng *g, const struct eng_trust_opts *o, const char *digest,
			const char *buf, size_t len, const char *hex, json_t **out,
			struct brig_err *e)
{
	_cleanup_json_ json_t *rec = NULL;
	_cleanup_trust_policy_ struct trust_policy *pol = NULL;
	struct timespec since;
	bool timed = clock_gettime(CLOCK_REALTIME, &since) == 0;
	int r = eng_prov_record_parse(g->root, digest, buf, len, &rec, e);
	if (r < 0)
		return r;
	char what[96];
	snprintf(what, sizeof(what), "trust/images/%.12s", digest + 7);
	r = judge(o, rec, what, &pol, out, e);
	if (r == 0 && pol && timed)
		eng_prov_memo_put(g->root, digest, hex, o, pol, &since, *out);
	return r;
}

static int prov_create(struct eng *g, const struct eng_trust_opts *o, const struct eng_image *im,
		       json_t **out, struct brig_err *e)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	char hex[BRIG_SHA256_HEX];
	struct eng_trust_opts ebuf;
	*out = NULL;
	int r = eng_prov_record_raw(g->root, im->manifest_digest, &buf, &len, e);
	if (r == -ENOENT)
		return (*out = local_provenance(im)) ? 0 : brig_err_oom(e);
	if (r < 0)
		return r;
	o = eng_prov_effective(o, g->cfg->content_trust, &ebuf);
	if (brig_sha256_buf(buf, len, hex) < 0)
		return brig_err_set(e, -EIO, "hashing the signatures stored with %s",
				    im->manifest_digest);
	r = eng_prov_memo_get(g->root, im->manifest_digest, hex, o, out);
	if (r != 0)
		return r < 0 ? brig_err_oom(e) : 0;
	return check_record(g, o, im->manifest_digest, buf, len, hex, out, e);
}

int eng_prov_recheck(struct eng *g, const char *manifest_digest, json_t **out, struct brig_err *e)
{
	_cleanup_json_ json_t *rec = NULL;
	_cleanup_trust_policy_ struct trust_policy *pol = NULL;
	*out = NULL;
	int r = eng_prov_record_read(g->root, manifest_digest, &rec, e);
	if (r < 0)
		return r;
	char what[96];
	snprintf(what, sizeof(what), "trust/images/%.12s", manifest_digest + 7);
	return judge(NULL, rec, what, &pol, out, e);
}
