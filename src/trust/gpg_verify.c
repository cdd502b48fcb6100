/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trust/gpg: verifying GPG simple signing as containers/image does: a
 * signature is one OpenPGP signature, good, by a key the requirement
 * names (its primary key or a subkey of it), whose payload is an atomic
 * container signature naming the image's manifest digest and a
 * docker-reference the requirement's signedIdentity accepts.  Any
 * accepted signature is enough; every refused one says why.
 */
#include "trust/gpg-internal.h"
#include "trust/simplesig.h"

#include <string.h>

void trust_gpg_result_clear(struct trust_gpg_result *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->seen[i].docker_reference);
		free(r->seen[i].reason);
	}
	free(r->seen);
	*r = (struct trust_gpg_result){ .accepted_by = -1 };
}

/* Is fpr (a fingerprint or key ID) a key, or a subkey of a key, the
 * keyring was given? */
static bool trusted_key(struct trust_gpg_keyring *k, const char *fpr)
{
	gpgme_key_t key = NULL;
	if (!fpr || gpgme_get_key(k->ctx, fpr, &key, 0) || !key)
		return false;
	bool ok = false;
	const char *primary = key->subkeys ? key->subkeys->fpr : NULL;
	for (size_t i = 0; primary && i < k->n && !ok; i++)
		ok = strcmp(k->fprs[i], primary) == 0;
	gpgme_key_unref(key);
	return ok;
}

/* The one signature of a verify result, or a reason it is not good. */
static const char *sig_problem(gpgme_verify_result_t res, char *buf, size_t len)
{
	gpgme_signature_t s = res ? res->signatures : NULL;
	if (!s)
		return "no signature could be read from it (damaged, or not a signature)";
	if (s->next)
		return "more than one signature in it";
	if (gpgme_err_code(s->status) == GPG_ERR_NO_PUBKEY) {
		(void)brig_snprintf(buf, len, "signed by key %.64s, which the policy does not name",
				    s->fpr ? s->fpr : "?");
		return buf;
	}
	if (s->status) {
		(void)brig_snprintf(buf, len, "a bad signature (GPG: %s)",
				    gpgme_strerror(s->status));
		return buf;
	}
	if (s->validity == GPGME_VALIDITY_NEVER || s->validity_reason || s->wrong_key_usage)
		return "the key may not make this signature (revoked, expired or wrong usage)";
	return NULL;
}

int trust_gpg_keyring_verify(struct trust_gpg_keyring *k, const void *sig, size_t len,
			     char **payload, size_t *plen, char fpr[TRUST_GPG_FPR_MAX + 1],
			     char *why, size_t why_len, struct brig_err *e)
{
	struct trust_gpg_sink out = { .max = TRUST_PAYLOAD_MAX };
	gpgme_data_t sd = NULL, pd = NULL;
	fpr[0] = '\0';
	if (len > TRUST_GPG_SIG_MAX)
		return brig_snprintf(why, why_len, "larger than %zu bytes", TRUST_GPG_SIG_MAX), 0;
	int r = trust_gpg_sink_data(&out, &pd, e);
	gpgme_error_t err = r < 0 ? 0 : gpgme_data_new_from_mem(&sd, sig, len, 0);
	if (r == 0 && !err)
		err = gpgme_op_verify(k->ctx, sd, NULL, pd);
	gpgme_data_release(sd);
	gpgme_data_release(pd);
	gpgme_verify_result_t res = r == 0 && !err ? gpgme_op_verify_result(k->ctx) : NULL;
	gpgme_signature_t s = res ? res->signatures : NULL;
	if (s && s->fpr)
		(void)brig_snprintf(fpr, TRUST_GPG_FPR_MAX + 1, "%s", s->fpr);
	char buf[160];
	const char *bad = r < 0 ? NULL
		: out.over      ? "the signed payload is larger than allowed"
		: err           ? "not an OpenPGP signature"
				: sig_problem(res, buf, sizeof(buf));
	if (r == 0 && !bad && !trusted_key(k, s->fpr))
		bad = "signed by a key the policy does not name";
	if (r == 0 && bad)
		(void)brig_snprintf(why, why_len, "%s", bad);
	if (r == 0 && !bad) {
		*payload = brig_steal_ptr(out.buf);
		*plen = out.len;
		r = *payload ? 1 : (brig_snprintf(why, why_len, "an empty payload"), 0);
	}
	free(out.buf);
	return r;
}

/* The payload's claims against the image: 1 accepted, 0 not (why). */
static int payload_check(const struct trust_req *req, const struct img_ref *ref, const char *digest,
			 const char *payload, size_t plen, struct trust_gpg_seen *seen, char *why,
			 size_t why_len)
{
	_cleanup_err_ struct brig_err pe = { 0 };
	struct trust_payload p = { 0 };
	if (trust_payload_parse_type(payload, plen, TRUST_GPG_TYPE, &p, &pe) < 0)
		return brig_snprintf(why, why_len, "%s", brig_err_str(&pe)), 0;
	seen->docker_reference = brig_steal_ptr(p.docker_reference);
	if (strcmp(p.digest, digest) != 0)
		return brig_snprintf(why, why_len, "signed for another digest (%s)", p.digest), 0;
	struct img_ref own = { 0 };
	const struct img_ref *img = ref;
	enum trust_ident_kind kind = req->identity.kind;
	if (!img && (kind == TRUST_IDENT_EXACT_REFERENCE || kind == TRUST_IDENT_EXACT_REPOSITORY))
		img = img_ref_parse(seen->docker_reference, &own, &pe) == 0 ? &own : NULL;
	bool ok = img && trust_identity_matches(&req->identity, img, seen->docker_reference);
	img_ref_clear(&own);
	if (!ok)
		(void)brig_snprintf(why, why_len,
				    "its docker-reference %.300s is not accepted by signedIdentity "
				    "%s",
				    seen->docker_reference, trust_ident_kind_name(kind));
	return ok;
}

static int check_one(struct trust_gpg_keyring *k, const struct trust_req *req,
		     const struct img_ref *ref, const char *digest, const struct trust_blob *sig,
		     struct trust_gpg_seen *seen, struct brig_err *e)
{
	char why[512] = "";
	_cleanup_free_ char *payload = NULL;
	size_t plen = 0;
	int r = trust_gpg_keyring_verify(k, sig->data, sig->len, &payload, &plen, seen->fpr, why,
					 sizeof(why), e);
	if (r == 1)
		r = payload_check(req, ref, digest, payload, plen, seen, why, sizeof(why));
	if (r == 0 && !(seen->reason = strdup(why)))
		r = brig_err_oom(e);
	return r;
}

/* One line naming each signature's reason. */
static void summarise(const struct trust_gpg_result *res, char *why, size_t why_len)
{
	size_t o = 0;
	if (res->n == 0)
		(void)brig_snprintf(why, why_len, "no GPG signature exists");
	for (size_t i = 0; i < res->n && o < why_len; i++) {
		int w = snprintf(why + o, why_len - o, "%ssignature %zu: %s", i ? "; " : "", i + 1,
				 res->seen[i].reason);
		o += w > 0 ? (size_t)w : 0;
	}
}

int trust_gpg_check(const struct trust_req *req, const struct img_ref *ref, const char *digest,
		    const struct trust_gpg_sigs *sigs, struct trust_gpg_result *res, char *why,
		    size_t why_len, struct brig_err *e)
{
	*res = (struct trust_gpg_result){ .accepted_by = -1 };
	if (req->kind != TRUST_REQ_SIGNED_BY)
		return brig_err_set(e, -EINVAL, "not a signedBy requirement");
	if (!brig_digest_valid(digest))
		return brig_err_set(e, -EINVAL, "bad manifest digest '%.80s'", digest);
	size_t n = sigs ? sigs->n : 0;
	if (n > TRUST_GPG_MAX_SIGS)
		n = TRUST_GPG_MAX_SIGS;
	if (n && !(res->seen = calloc(n, sizeof(*res->seen))))
		return brig_err_oom(e);
	_cleanup_gpg_keyring_ struct trust_gpg_keyring *k = NULL;
	int r = n ? trust_gpg_keyring_from_req(req, &k, e) : 0;
	for (size_t i = 0; r >= 0 && i < n && !res->accepted; i++) {
		res->n++;
		r = check_one(k, req, ref, digest, &sigs->v[i], &res->seen[i], e);
		if (r == 1) {
			res->accepted = true;
			res->accepted_by = (int)i;
		}
	}
	if (r < 0)
		return r;
	if (!res->accepted)
		summarise(res, why, why_len);
	else
		(void)brig_snprintf(why, why_len, "signed by %s", res->seen[res->accepted_by].fpr);
	return res->accepted ? 1 : 0;
}

int trust_gpg_verify(const struct trust_req *req, const struct img_ref *ref, void *ctx, char *why,
		     size_t why_len, struct brig_err *e)
{
	struct trust_gpg_ctx *c = ctx;
	struct trust_gpg_sigs fetched = { 0 };
	_cleanup_registries_d_ struct trust_registries_d *rd = NULL;
	_cleanup_free_ char *base = NULL;
	trust_gpg_result_clear(&c->result);
	if (!c->digest)
		return brig_err_set(e, -EINVAL, "GPG verification needs the manifest digest");
	int r = 0;
	if (!c->sigs && ref) {
		r = trust_registries_d_load(c->registries_d, &rd, e);
		if (r == 0)
			r = trust_lookaside_base(rd, ref, false, &base, e);
		if (r == 0 && base)
			r = trust_lookaside_get(base, c->digest, c->certs_dir, &fetched, e);
	}
	if (r == 0)
		r = trust_gpg_check(req, ref, c->digest, c->sigs ? c->sigs : &fetched, &c->result,
				    why, why_len, e);
	trust_gpg_sigs_clear(&fetched);
	return r;
}
