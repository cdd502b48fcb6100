/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trust/check: signatures as found, kept and read back; the decision over
 * them (trust_policy_decide with a verifier that hands each signature to
 * the plug for its format and the requirement's kind).  See check.h.
 */
#include "trust/check-internal.h"

#include <string.h>

/* The verifier plugs: one line per (requirement kind, signature format).
 * GPG lookaside (check_gpg.c) and sigstore bundles (check_bundle.c). */
static const struct trust_sig_verifier verifiers[] = {
	{ TRUST_REQ_SIGSTORE, TRUST_FMT_SIMPLESIG, trust_check_simplesig },
	{ TRUST_REQ_SIGNED_BY, TRUST_FMT_GPG, trust_check_gpg },
	{ TRUST_REQ_SIGSTORE, TRUST_FMT_BUNDLE, trust_check_bundle },
	{ TRUST_REQ_NOTARY, TRUST_FMT_NOTARY, trust_check_notary },
};

void trust_sigs_clear(struct trust_sigs *s)
{
	for (size_t i = 0; s->v && i < s->n; i++) {
		free(s->v[i].format);
		free(s->v[i].source);
		free(s->v[i].payload);
		free(s->v[i].signature);
	}
	free(s->v);
	*s = (struct trust_sigs){ 0 };
}

int trust_sigs_add(struct trust_sigs *s, const char *format, const char *source,
		   const void *payload, size_t len, const char *signature, struct brig_err *e)
{
	if (s->n >= TRUST_CHECK_MAX_SIGS)
		return brig_err_set(e, -E2BIG, "more than %d signatures", TRUST_CHECK_MAX_SIGS);
	for (size_t i = 0; i < s->n; i++) /* the same signature found twice */
		if (strcmp(s->v[i].format, format) == 0 && s->v[i].payload_len == len &&
		    (!len || memcmp(s->v[i].payload, payload, len) == 0) &&
		    strcmp(s->v[i].signature, signature) == 0)
			return 0;
	struct trust_sig *v = realloc(s->v, (s->n + 1) * sizeof(*v));
	if (!v)
		return brig_err_oom(e);
	s->v = v;
	struct trust_sig *g = &v[s->n];
	*g = (struct trust_sig){ .format = strdup(format),
				 .source = strdup(source),
				 .payload = malloc(len + 1),
				 .payload_len = len,
				 .signature = strdup(signature) };
	s->n++;
	if (!g->format || !g->source || !g->payload || !g->signature)
		return brig_err_oom(e);
	if (len)
		memcpy(g->payload, payload, len);
	g->payload[len] = 0;
	return 0;
}

json_t *trust_sigs_json(const struct trust_sigs *s)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < s->n; i++) {
		_cleanup_free_ char *p = trust_b64_encode(s->v[i].payload, s->v[i].payload_len);
		json_t *o = p
			? json_pack("{s:s,s:s,s:s,s:s}", "Format", s->v[i].format, "Source",
				    s->v[i].source, "Payload", p, "Signature", s->v[i].signature)
			: NULL;
		if (!o || json_array_append_new(a, o) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static int sig_parse(const json_t *o, const struct bj_loc *at, struct trust_sigs *out,
		     struct brig_err *e)
{
	static const char *const keys[] = { "Format", "Source", "Payload", "Signature", NULL };
	const char *f = NULL, *src = NULL, *p = NULL, *sig = NULL;
	_cleanup_free_ unsigned char *payload = NULL;
	size_t len = 0;
	int r = bj_expect(o, at, JSON_OBJECT, e);
	if (r == 0)
		r = bj_only_keys(o, at, keys, e);
	if (r == 0)
		r = bj_get_str(o, at, "Format", true, &f, e);
	if (r == 0)
		r = bj_get_str(o, at, "Source", true, &src, e);
	if (r == 0)
		r = bj_get_str(o, at, "Payload", true, &p, e);
	if (r == 0)
		r = bj_get_str(o, at, "Signature", true, &sig, e);
	if (r == 0 && *p)
		r = trust_b64_decode(p, TRUST_PAYLOAD_MAX, "Payload", &payload, &len, e);
	if (r == 0 && strlen(sig) > TRUST_SIG_B64_MAX * 2)
		r = bj_fail(e, at, "Signature: too long");
	return r < 0 ? r : trust_sigs_add(out, f, src, payload, len, sig, e);
}

int trust_sigs_parse(const json_t *arr, const char *what, struct trust_sigs *out,
		     struct brig_err *e)
{
	struct bj_loc root;
	bj_root(&root, what);
	*out = (struct trust_sigs){ 0 };
	int r = bj_expect(arr, &root, JSON_ARRAY, e);
	if (r == 0 && json_array_size(arr) > TRUST_CHECK_MAX_SIGS)
		r = bj_fail(e, &root, "more than %d signatures", TRUST_CHECK_MAX_SIGS);
	for (size_t i = 0; r == 0 && i < json_array_size(arr); i++) {
		struct bj_loc at;
		bj_idx(&at, &root, i);
		r = sig_parse(json_array_get(arr, i), &at, out, e);
	}
	if (r < 0)
		trust_sigs_clear(out);
	return r;
}

void trust_check_clear(struct trust_check *c)
{
	for (size_t i = 0; c->res && i < c->n_res; i++) {
		free(c->res[i].why);
		free(c->res[i].key);
		free(c->res[i].identity);
	}
	free(c->res);
	c->res = NULL;
	c->n_res = 0;
}

static trust_sig_verify_fn find_plug(enum trust_req_kind kind, const char *format, bool *any)
{
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(verifiers); i++) {
		if (verifiers[i].kind != kind)
			continue;
		*any = true;
		if (strcmp(verifiers[i].format, format) == 0)
			return verifiers[i].fn;
	}
	return NULL;
}

static struct trust_sig_result *new_result(struct trust_check *c, size_t sig, size_t req)
{
	struct trust_sig_result *v = realloc(c->res, (c->n_res + 1) * sizeof(*v));
	if (!v)
		return NULL;
	c->res = v;
	v[c->n_res] = (struct trust_sig_result){ .sig = sig, .req = req };
	return &v[c->n_res++];
}

/* A signature accepted by its plug, then judged by policy.d's maximum age. */
static bool fresh(struct trust_check *c, struct trust_sig_result *res)
{
	if (!c->max_age || (res->time > 0 && c->now - res->time <= c->max_age))
		return true;
	if (res->time <= 0 && res->untimed) {
		if (asprintf(&res->why,
			     "%s, so its age cannot be judged against this scope's "
			     "maxSignatureAge (policy.d)",
			     res->untimed) < 0)
			res->why = NULL;
	} else if (res->time <= 0)
		res->why = strdup("it carries no signing time, and this scope has a "
				  "maxSignatureAge (policy.d)");
	else if (asprintf(&res->why,
			  "signed %lld s ago, more than this scope's maxSignatureAge "
			  "of %lld s (policy.d)",
			  (long long)(c->now - res->time), (long long)c->max_age) < 0)
		res->why = NULL;
	return false;
}

/* One signature against requirement q: 1 accepted, 0 not, < 0 error. */
static int judge_one(struct trust_check *c, const struct trust_req *q, size_t qi, size_t si,
		     const struct img_ref *ref, trust_sig_verify_fn fn, struct brig_err *e)
{
	struct trust_sig_result *res = new_result(c, si, qi);
	if (!res)
		return brig_err_oom(e);
	int r = fn(q, ref, c->digest, &c->sigs->v[si], res, e);
	if (r == 0 && !res->why && !(res->why = strdup("refused")))
		return brig_err_oom(e);
	if (r <= 0)
		return r;
	if (!fresh(c, res))
		return res->why ? 0 : brig_err_oom(e);
	if (res->time > c->newest)
		c->newest = res->time;
	return 1;
}

/* trust_verify_fn for every signature kind: each signature of a format a
 * plug reads for q's kind is judged; one accepted meets q. */
static int dispatch(const struct trust_req *q, const struct img_ref *ref, void *ctx, char *why,
		    size_t why_len, struct brig_err *e)
{
	struct trust_check *c = ctx;
	size_t qi = (size_t)(q - c->d.match.reqs->v), judged = 0, ok = 0;
	bool any = false;
	for (size_t i = 0; c->sigs && i < c->sigs->n; i++) {
		trust_sig_verify_fn fn = find_plug(q->kind, c->sigs->v[i].format, &any);
		if (!fn)
			continue;
		judged++;
		int r = !ref ? 0 : judge_one(c, q, qi, i, ref, fn, e);
		if (r < 0)
			return r;
		ok += (size_t)r;
	}
	find_plug(q->kind, "", &any);
	if (ok)
		return 1;
	if (!any)
		(void)brig_snprintf(
			why, why_len, "signature check not available: no %s verifier in this brig",
			q->kind == TRUST_REQ_SIGNED_BY        ? "GPG (signedBy)"
				: q->kind == TRUST_REQ_NOTARY ? "Notary (notaryTrust)"
							      : "sigstore (sigstoreSigned)");
	else if (!judged)
		(void)brig_snprintf(why, why_len, "no signature found");
	else if (!ref)
		(void)brig_snprintf(why, why_len,
				    "the image has no name to match a signature's "
				    "identity against");
	else
		(void)brig_snprintf(why, why_len, "none of the %zu signature%s found is accepted",
				    judged, judged == 1 ? "" : "s");
	return 0;
}

int trust_check_decide(const struct trust_policy *p, const struct img_ref *ref, const char *digest,
		       const struct trust_sigs *sigs, int64_t now, struct trust_check *out,
		       struct brig_err *e)
{
	*out = (struct trust_check){ .policy = p, .sigs = sigs, .digest = digest, .now = now };
	int r = trust_policy_lookup(p, "docker", ref, &out->d.match, e);
	if (r < 0)
		return r;
	out->max_age = now ? trust_policy_max_age(p, &out->d.match) : 0;
	struct trust_verifiers v = {
		.signed_by = dispatch, .sigstore = dispatch, .notary = dispatch, .ctx = out
	};
	return trust_policy_decide(p, "docker", ref, &v, &out->d, e);
}

/* decide_path hands the verifiers no reference: the archive's name stands
 * in for it. */
struct path_ctx {
	struct trust_check *c;
	const struct img_ref *ref;
};

static int dispatch_path(const struct trust_req *q, const struct img_ref *ref, void *ctx, char *why,
			 size_t why_len, struct brig_err *e)
{
	(void)ref;
	struct path_ctx *pc = ctx;
	return dispatch(q, pc->ref, pc->c, why, why_len, e);
}

int trust_check_decide_path(const struct trust_policy *p, const char *transport, const char *path,
			    const struct img_ref *ref, const char *digest,
			    const struct trust_sigs *sigs, int64_t now, struct trust_check *out,
			    struct brig_err *e)
{
	*out = (struct trust_check){ .policy = p, .sigs = sigs, .digest = digest, .now = now };
	int r = trust_policy_lookup_path(p, transport, path, &out->d.match, e);
	if (r < 0)
		return r;
	out->max_age = now ? trust_policy_max_age(p, &out->d.match) : 0;
	struct path_ctx pc = { .c = out, .ref = ref };
	struct trust_verifiers v = { .signed_by = dispatch_path,
				     .sigstore = dispatch_path,
				     .notary = dispatch_path,
				     .ctx = &pc };
	return trust_policy_decide_path(p, transport, path, &v, &out->d, e);
}

json_t *trust_check_signers(const struct trust_check *c)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < c->n_res; i++) {
		const struct trust_sig_result *s = &c->res[i];
		if (s->why)
			continue;
		json_t *o = json_pack("{s:s?,s:s?,s:I,s:s?}", "Key", s->key, "Identity",
				      s->identity, "SignedAt", (json_int_t)s->time, "Format",
				      c->sigs->v[s->sig].format);
		if (!o || json_array_append_new(a, o) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}
