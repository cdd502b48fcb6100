/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Content trust at pull, Notary's part (docs/trust-notary.md): when the
 * scope that applies to a tag has a notaryTrust requirement (policy.d, or
 * BRIG_CONTENT_TRUST=1), the TUF update runs before the manifest is
 * fetched, and the pull fetches the digest Notary signs for the tag, as
 * Docker does; the manifest must be that digest and length.  The
 * record of the verification joins the signatures the decision judges.
 */
#include "engine/provenance-internal.h"
#include "engine/pull-internal.h"

#include <string.h>

/* One requirement's update; a failure is the refusal, naming it. */
static int one(struct pull *p, const struct trust_policy *pol, const struct trust_match *m,
	       size_t i, const struct img_ref *ref, const char *text, struct eng_prov *pv,
	       struct brig_err *e)
{
	char digest[80];
	uint64_t len = 0;
	int r = trust_notary_resolve(&m->reqs->v[i], ref, p->root, p->ro.certs_dir, &pv->notary,
				     digest, &len, e);
	if (r == 0 && pv->notary_digest[0] &&
	    (strcmp(digest, pv->notary_digest) || len != pv->notary_len))
		r = brig_err_set(e, -EACCES,
				 "two notaryTrust requirements sign different manifests (%s, %s)",
				 pv->notary_digest, digest);
	if (r < 0) {
		const char *scope = m->scope ? m->scope : "default";
		return brig_err_wrap(e,
				     "content trust refused %s: policy %s, scope %s%s%s: "
				     "requirement %zu (notaryTrust) not met",
				     text, pol->file, m->scope ? "\"" : "", scope,
				     m->scope ? "\"" : "", i + 1);
	}
	snprintf(pv->notary_digest, sizeof(pv->notary_digest), "%s", digest);
	pv->notary_len = len;
	return 0;
}

int eng_prov_notary(struct pull *p, struct eng_prov *pv, struct brig_err *e)
{
	if (p->o->trust && p->o->trust->disabled)
		return 0;
	struct img_ref ref;
	_cleanup_free_ char *text = NULL;
	_cleanup_trust_policy_ struct trust_policy *pol = NULL;
	struct trust_match m;
	int r = eng_prov_judged_ref(p, &ref, &text, e);
	if (r == 0)
		r = eng_prov_policy(p->o->trust, &pol, e);
	if (r == 0)
		r = trust_policy_lookup(pol, "docker", &ref, &m, e);
	if (r < 0)
		return r;
	if (pol->accept_pinned_digests && ref.digest[0] && !m.scope)
		return 0;
	for (size_t i = 0; i < m.reqs->n; i++)
		if (m.reqs->v[i].kind == TRUST_REQ_REJECT)
			return 0; /* the decision refuses it */
	int64_t t0 = eng_prov_clock();
	for (size_t i = 0; r == 0 && i < m.reqs->n; i++)
		if (m.reqs->v[i].kind == TRUST_REQ_NOTARY)
			r = one(p, pol, &m, i, &ref, text, pv, e);
	eng_prov_timing("pull notary update", t0);
	return r;
}

int eng_prov_notary_check(const struct eng_prov *pv, const char *digest, uint64_t len,
			  const char *what, struct brig_err *e)
{
	if (!pv->notary_digest[0] || (!strcmp(digest, pv->notary_digest) && len == pv->notary_len))
		return 0;
	return brig_err_set(e, -EACCES,
			    "%s: the registry served a manifest of %llu bytes (%s) where Notary "
			    "signs %llu bytes (%s): refused (arbitrary installation)",
			    what, (unsigned long long)len, digest,
			    (unsigned long long)pv->notary_len, pv->notary_digest);
}
