/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig trust explain, for an image in a registry: the signatures its
 * scope's requirements need are fetched where pull fetches them (the
 * `.sig` attachment, the bundles among the OCI referrers, the
 * registries.d GPG lookaside; only manifests and signature blobs, never
 * a layer) and judged as pull judges them, so the explanation says, per
 * requirement, which signature it would accept and why each other is
 * refused (docs/trust.md).  A notaryTrust requirement runs the Notary
 * update first, as pull does (advancing the trusted state): the digest it
 * signs is then the one judged (docs/trust-notary.md).
 */
#include "cli/brig/brig-internal.h"
#include "registry/registry.h"
#include "trust/check.h"
#include "trust/sigstore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The registry's digest for ref, then its signatures. */
static int fetch(const struct brig_global *g, struct opt *o, const struct trust_reqs *reqs,
		 const struct img_ref *ref, char digest[72], struct trust_sigs *sigs, char **notes,
		 struct brig_err *e)
{
	const char *tv = opts_find(o, "tls-verify")->value;
	_cleanup_reg_client_ struct reg_client *c = NULL;
	int r = eng_registry_client(g->config, opts_find(o, "authfile")->value, ref->domain,
				    !(tv && strcmp(tv, "false") == 0), &c, e);
	if (r == 0 && digest[0]) /* Notary's */
		;
	else if (r == 0 && ref->digest[0])
		snprintf(digest, 72, "%s", ref->digest);
	else if (r == 0)
		r = trust_image_digest(c, ref->path, ref->tag, digest, e);
	trust_fetch_set_registries_d(opts_find(o, "registries-d")->value);
	if (r == 0)
		r = trust_sigs_fetch(c, ref->path, ref, digest, reqs, sigs, notes, e);
	return r;
}

static bool has_notary(const struct trust_reqs *reqs)
{
	for (size_t i = 0; i < reqs->n; i++)
		if (reqs->v[i].kind == TRUST_REQ_REJECT)
			return false;
	for (size_t i = 0; i < reqs->n; i++)
		if (reqs->v[i].kind == TRUST_REQ_NOTARY)
			return true;
	return false;
}

/* Each notaryTrust requirement's Notary update, as pull runs it (the CA
 * from the engine config's registry-certs-dir); the first one's signed
 * digest is what pull would fetch. */
static int notary_first(const struct brig_global *g, struct opt *o, const struct trust_reqs *reqs,
			const struct img_ref *ref, char digest[72], struct trust_sigs *sigs,
			json_t *j, struct brig_err *e)
{
	const char *tv = opts_find(o, "tls-verify")->value;
	_cleanup_reg_client_ struct reg_client *c = NULL;
	int r = eng_registry_client(g->config, opts_find(o, "authfile")->value, ref->domain,
				    !(tv && strcmp(tv, "false") == 0), &c, e);
	json_t *q = json_object_get(j, "requirements");
	for (size_t i = 0; r == 0 && i < reqs->n; i++) {
		if (reqs->v[i].kind != TRUST_REQ_NOTARY)
			continue;
		char d[80];
		uint64_t len = 0;
		r = trust_notary_resolve(&reqs->v[i], ref, g->root, reg_client_certs_dir(c), sigs,
					 d, &len, e);
		json_t *v = r == 0 ? json_pack("{s:s,s:I}", "digest", d, "length", (json_int_t)len)
				   : NULL;
		if (r == 0 && (!v || json_object_set_new(json_array_get(q, i), "notary", v) < 0))
			r = brig_err_oom(e);
		if (r == 0 && !digest[0])
			snprintf(digest, 72, "%.71s", d);
	}
	return r;
}

/* What requirement qi made of each signature it judged. */
static json_t *judged(const struct trust_check *c, size_t qi)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < c->n_res; i++) {
		const struct trust_sig_result *s = &c->res[i];
		if (s->req != qi)
			continue;
		json_t *v = json_pack("{s:I,s:b,s:s?,s:s?,s:s?,s:I}", "signature",
				      (json_int_t)s->sig + 1, "accepted", !s->why, "reason", s->why,
				      "key", s->key, "identity", s->identity, "signedAt",
				      (json_int_t)s->time);
		if (!v || json_array_append_new(a, v) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* The check's findings into the explanation j. */
static int annotate(json_t *j, const struct trust_check *c, const struct trust_sigs *sigs,
		    const char *digest, const char *notes, struct brig_err *e)
{
	json_t *reqs = json_object_get(j, "requirements");
	for (size_t i = 0; i < c->d.match.reqs->n; i++) {
		enum trust_req_kind k = c->d.match.reqs->v[i].kind;
		if (k != TRUST_REQ_SIGNED_BY && k != TRUST_REQ_SIGSTORE && k != TRUST_REQ_NOTARY)
			continue;
		json_t *q = json_array_get(reqs, i), *a = judged(c, i);
		const char *how = k == TRUST_REQ_NOTARY
			? "Notary update run; the tag's record judged"
			: "signatures fetched and judged";
		if (!a || json_object_set_new(q, "signatures", a) < 0 ||
		    json_object_set_new(q, "verifier", json_string(how)) < 0)
			return brig_err_oom(e);
	}
	json_t *found = json_array();
	for (size_t i = 0; found && i < sigs->n; i++)
		json_array_append_new(found,
				      json_pack("{s:I,s:s,s:s}", "signature", (json_int_t)i + 1,
						"format", sigs->v[i].format, "source",
						sigs->v[i].source));
	if (!found || json_object_set_new(j, "signaturesFound", found) < 0 ||
	    json_object_set_new(j, "digest", json_string(digest)) < 0 ||
	    json_object_set_new(j, "lookedAt", notes ? json_string(notes) : json_null()) < 0 ||
	    json_object_set_new(j, "decision",
				json_string(c->d.verdict == TRUST_ACCEPT ? "accept" : "reject")) <
		    0 ||
	    json_object_set_new(j, "reason", json_string(c->d.reason)) < 0)
		return brig_err_oom(e);
	return 0;
}

static int fetch_failed(json_t *j, const struct trust_reqs *reqs, const char *why,
			struct brig_err *e)
{
	json_t *q = json_object_get(j, "requirements");
	for (size_t i = 0; i < reqs->n; i++)
		if ((reqs->v[i].kind == TRUST_REQ_SIGNED_BY ||
		     reqs->v[i].kind == TRUST_REQ_SIGSTORE ||
		     reqs->v[i].kind == TRUST_REQ_NOTARY) &&
		    json_object_set_new(json_array_get(q, i), "verifier",
					json_string("not judged: the signatures (or the Notary "
						    "update) could not be fetched")) < 0)
			return brig_err_oom(e);
	_cleanup_free_ char *reason = NULL;
	if (asprintf(&reason, "the signatures could not be fetched: %s", why) < 0)
		return brig_err_oom(e);
	if (json_object_set_new(j, "fetchError", json_string(why)) < 0 ||
	    json_object_set_new(j, "decision", json_string("reject")) < 0 ||
	    json_object_set_new(j, "reason", json_string(reason)) < 0)
		return brig_err_oom(e);
	return 0;
}

int brig_explain_fetch(const struct brig_global *g, struct opt *o, const struct trust_policy *pol,
		       const char *name, json_t *j, struct brig_err *e)
{
	struct img_ref ref = { 0 };
	struct trust_match m;
	struct trust_sigs sigs = { 0 };
	struct trust_check c = { 0 };
	_cleanup_free_ char *notes = NULL;
	char digest[72] = "";
	int r = img_ref_parse(name, &ref, e);
	if (r == 0)
		r = trust_policy_lookup(pol, "docker", &ref, &m, e);
	bool pinned = r == 0 && pol->accept_pinned_digests && ref.digest[0] && !m.scope;
	bool notary = r == 0 && has_notary(m.reqs);
	if (r < 0 || pinned || (!trust_reqs_need_sigs(m.reqs) && !notary)) {
		img_ref_clear(&ref);
		return r;
	}
	_cleanup_err_ struct brig_err fe = { 0 };
	int fr = notary ? notary_first(g, o, m.reqs, &ref, digest, &sigs, j, &fe) : 0;
	if (fr == 0 && trust_reqs_need_sigs(m.reqs))
		fr = fetch(g, o, m.reqs, &ref, digest, &sigs, &notes, &fe);
	if (fr < 0) {
		/* not fatal: the explanation says so (a pull would fail too) */
		r = fetch_failed(j, m.reqs, brig_err_str(&fe), e);
	} else {
		r = trust_check_decide(pol, &ref, digest, &sigs, (int64_t)time(NULL), &c, e);
		if (r == 0)
			r = annotate(j, &c, &sigs, digest, notes, e);
		trust_check_clear(&c);
	}
	trust_sigs_clear(&sigs);
	img_ref_clear(&ref);
	return r;
}
