/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trust: which scope of a policy applies to an image, and the decision.
 *
 * For the "docker" transport the scopes are tried from the most specific,
 * as containers/image does: the whole reference (with its tag or digest),
 * the repository, each parent namespace, the registry host with its port,
 * then "*.DOMAIN" wildcards from the longest (the host without its port
 * losing one leading label at a time: a.b.example.com gives
 * *.b.example.com, *.example.com, *.com), then the transport's "" scope,
 * then the policy's "default".  Images named by a path (oci-archive, oci,
 * dir): the path, each parent directory but "/", "", "default";
 * docker-archive: "", then "default" (as containers/image).
 */
#include "trust/policy-internal.h"

#include <string.h>

static const struct trust_transport *find_transport(const struct trust_policy *p, const char *t)
{
	for (size_t i = 0; i < p->n_transports; i++)
		if (strcmp(p->transports[i].name, t) == 0)
			return &p->transports[i];
	return NULL;
}

static const struct trust_scope *find_scope(const struct trust_transport *t, const char *name,
					    size_t len)
{
	for (size_t i = 0; i < t->n; i++)
		if (strlen(t->scopes[i].name) == len && memcmp(t->scopes[i].name, name, len) == 0)
			return &t->scopes[i];
	return NULL;
}

/* The most specific scope of t for a docker reference, or NULL. */
static const struct trust_scope *docker_scope(const struct trust_transport *t,
					      const struct img_ref *ref, struct brig_err *e,
					      int *err)
{
	_cleanup_free_ char *full = img_ref_string(ref);
	_cleanup_free_ char *name = trust_ref_name(ref);
	*err = full && name ? 0 : brig_err_oom(e);
	if (*err < 0)
		return NULL;
	const struct trust_scope *s = find_scope(t, full, strlen(full));
	for (size_t len = strlen(name); !s;) {
		if ((s = find_scope(t, name, len)))
			return s;
		const char *slash = memrchr(name, '/', len);
		if (!slash)
			break;
		len = (size_t)(slash - name);
	}
	if (s)
		return s;
	/* Wildcards: from the host without its port. */
	size_t hl = strcspn(ref->domain, ":");
	for (const char *d = memchr(ref->domain, '.', hl); d;) {
		size_t rest = hl - (size_t)(d + 1 - ref->domain);
		char w[300];
		if (brig_snprintf(w, sizeof(w), "*.%.*s", (int)rest, d + 1) < 0)
			break;
		if ((s = find_scope(t, w, strlen(w))))
			return s;
		d = memchr(d + 1, '.', rest);
	}
	return find_scope(t, "", 0);
}

int trust_policy_lookup(const struct trust_policy *p, const char *transport,
			const struct img_ref *ref, struct trust_match *out, struct brig_err *e)
{
	*out = (struct trust_match){ .reqs = &p->dflt };
	if (strcmp(transport, "docker") == 0 && !ref->tag && !ref->digest[0])
		return brig_err_set(e, -EINVAL, "a reference needs a tag or a digest");
	if (strcmp(transport, "docker") == 0 && ref->tag && ref->digest[0])
		return brig_err_set(e, -EINVAL,
				    "a reference with both a tag and a digest is not supported "
				    "(as in containers/image): give one");
	bool docker = strcmp(transport, "docker") == 0;
	if (docker && ref->tag && p->notary_dflt.n) /* BRIG_CONTENT_TRUST=1 */
		out->reqs = &p->notary_dflt;
	const struct trust_transport *t = find_transport(p, transport);
	if (!t)
		return 0;
	const struct trust_scope *s = NULL;
	if (docker) {
		int err = 0;
		s = docker_scope(t, ref, e, &err);
		if (err < 0)
			return err;
	} else {
		s = find_scope(t, "", 0);
	}
	if (s) {
		out->transport = t->name;
		out->scope = s->name;
		out->reqs = &s->reqs;
	}
	return 0;
}

static bool has_reject(const struct trust_reqs *rs, size_t *at)
{
	for (size_t i = 0; i < rs->n; i++)
		if (rs->v[i].kind == TRUST_REQ_REJECT) {
			*at = i;
			return true;
		}
	return false;
}

/* One signature requirement: 1 met, 0 not (why filled), <0 error. */
static int check_signed(const struct trust_req *q, const struct img_ref *ref,
			const struct trust_verifiers *v, char *why, size_t why_len,
			struct brig_err *e)
{
	trust_verify_fn fn = !v                  ? NULL
		: q->kind == TRUST_REQ_SIGNED_BY ? v->signed_by
		: q->kind == TRUST_REQ_NOTARY    ? v->notary
						 : v->sigstore;
	if (!fn) {
		(void)brig_snprintf(
			why, why_len, "signature check not available: no %s verifier in this brig",
			q->kind == TRUST_REQ_SIGNED_BY        ? "GPG (signedBy)"
				: q->kind == TRUST_REQ_NOTARY ? "Notary (notaryTrust)"
							      : "sigstore (sigstoreSigned)");
		return 0;
	}
	return fn(q, ref, v->ctx, why, why_len, e);
}

static void reject_reason(const struct trust_policy *p, const struct img_ref *ref, size_t at,
			  struct trust_decision *out)
{
	out->decided_by = (int)at;
	if (p->builtin)
		(void)brig_snprintf(out->reason, sizeof(out->reason),
				    "brig's built-in policy: %s must be signed by a key the policy "
				    "names, and none is named (write %s%s)",
				    ref ? "a tag" : "an image", TRUST_POLICY_FILE,
				    ref ? ", or pull by digest" : "");
	else
		(void)brig_snprintf(
			out->reason, sizeof(out->reason),
			"the policy rejects every image in this scope (requirement %zu: "
			"reject)",
			at + 1);
}

/* The decision over out->match, already looked up; ref NULL for an image
 * named by a path. */
static int decide_match(const struct trust_policy *p, const struct img_ref *ref,
			const struct trust_verifiers *v, struct trust_decision *out,
			struct brig_err *e)
{
	const struct trust_reqs *rs = out->match.reqs;
	if (p->accept_pinned_digests && ref && ref->digest[0] && !out->match.scope) {
		out->verdict = TRUST_ACCEPT;
		(void)brig_snprintf(out->reason, sizeof(out->reason),
				    "pinned by digest: the content is the one named (brig's rule)");
		return 0;
	}
	size_t at = 0;
	if (has_reject(rs, &at)) {
		reject_reason(p, ref, at, out);
		return 0;
	}
	for (size_t i = 0; i < rs->n; i++) {
		const struct trust_req *q = &rs->v[i];
		if (q->kind == TRUST_REQ_ACCEPT_ANYTHING)
			continue;
		char why[400] = "";
		int r = check_signed(q, ref, v, why, sizeof(why), e);
		if (r < 0)
			return r;
		if (r == 0) {
			out->decided_by = (int)i;
			(void)brig_snprintf(out->reason, sizeof(out->reason),
					    "requirement %zu (%s) not met: %s", i + 1,
					    trust_req_kind_name(q->kind), why);
			return 0;
		}
	}
	out->verdict = TRUST_ACCEPT;
	out->decided_by = (int)rs->n - 1;
	(void)brig_snprintf(out->reason, sizeof(out->reason), "every requirement is met");
	return 0;
}

int trust_policy_decide(const struct trust_policy *p, const char *transport,
			const struct img_ref *ref, const struct trust_verifiers *v,
			struct trust_decision *out, struct brig_err *e)
{
	*out = (struct trust_decision){ .verdict = TRUST_REJECT, .decided_by = -1 };
	int r = trust_policy_lookup(p, transport, ref, &out->match, e);
	return r < 0 ? r : decide_match(p, ref, v, out, e);
}

int trust_policy_lookup_path(const struct trust_policy *p, const char *transport, const char *path,
			     struct trust_match *out, struct brig_err *e)
{
	*out = (struct trust_match){ .reqs = &p->dflt };
	if (path[0] != '/')
		return brig_err_set(e, -EINVAL, "%s: not an absolute path", path);
	const struct trust_transport *t = find_transport(p, transport);
	if (!t)
		return 0;
	const struct trust_scope *s = NULL;
	bool by_path = strcmp(transport, "docker-archive") != 0 &&
		strcmp(transport, "docker-daemon") != 0;
	/* The path, then each parent directory but "/". */
	for (size_t len = strlen(path); by_path && !s && len > 1;) {
		s = find_scope(t, path, len);
		const char *slash = memrchr(path, '/', len);
		len = slash ? (size_t)(slash - path) : 0;
	}
	if (!s)
		s = find_scope(t, "", 0);
	if (s) {
		out->transport = t->name;
		out->scope = s->name;
		out->reqs = &s->reqs;
	}
	return 0;
}

int trust_policy_decide_path(const struct trust_policy *p, const char *transport, const char *path,
			     const struct trust_verifiers *v, struct trust_decision *out,
			     struct brig_err *e)
{
	*out = (struct trust_decision){ .verdict = TRUST_REJECT, .decided_by = -1 };
	int r = trust_policy_lookup_path(p, transport, path, &out->match, e);
	return r < 0 ? r : decide_match(p, NULL, v, out, e);
}
