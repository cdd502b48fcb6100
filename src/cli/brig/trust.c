/* SPDX-License-Identifier: Apache-2.0 */
/* brig trust explain: which scope of the signature policy applies to an
 * image, its requirements, and the decision (docs/trust.md). */
#include "cli/brig/brig-internal.h"
#include "trust/policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *strv_json(char **v)
{
	json_t *a = json_array();
	for (size_t i = 0; a && v && v[i]; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static json_t *identity_json(const struct trust_identity *id)
{
	json_t *o = json_pack("{s:s}", "type", trust_ident_kind_name(id->kind));
	if (o && id->docker_reference)
		json_object_set_new(o, "dockerReference", json_string(id->docker_reference));
	if (o && id->docker_repository)
		json_object_set_new(o, "dockerRepository", json_string(id->docker_repository));
	if (o && id->prefix) {
		json_object_set_new(o, "prefix", json_string(id->prefix));
		json_object_set_new(o, "signedPrefix", json_string(id->signed_prefix));
	}
	return o;
}

/* One requirement, with key data counted, not shown. */
static json_t *req_json(const struct trust_req *q)
{
	json_t *o = json_pack("{s:s}", "type", trust_req_kind_name(q->kind));
	if (!o || q->kind == TRUST_REQ_ACCEPT_ANYTHING || q->kind == TRUST_REQ_REJECT)
		return o;
	if (q->kind == TRUST_REQ_SIGNED_BY)
		json_object_set_new(o, "keyType", json_string("GPGKeys"));
	if (q->key_paths)
		json_object_set_new(o, "keyPaths", strv_json(q->key_paths));
	if (q->n_key_datas)
		json_object_set_new(o, "keyDatas", json_integer((json_int_t)q->n_key_datas));
	if (q->fulcio)
		json_object_set_new(o, "fulcio",
				    json_pack("{s:s?,s:s,s:s}", "caPath", q->fulcio->ca_path,
					      "oidcIssuer", q->fulcio->oidc_issuer, "subjectEmail",
					      q->fulcio->subject_email));
	if (q->rekor_paths)
		json_object_set_new(o, "rekorPublicKeyPaths", strv_json(q->rekor_paths));
	json_object_set_new(o, "signedIdentity", identity_json(&q->identity));
	json_object_set_new(o, "verifier", json_string("signature check not available"));
	return o;
}

static json_t *explain_json(const struct trust_policy *p, const char *transport, const char *image,
			    const struct trust_decision *d)
{
	json_t *reqs = json_array();
	for (size_t i = 0; reqs && i < d->match.reqs->n; i++)
		json_array_append_new(reqs, req_json(&d->match.reqs->v[i]));
	return json_pack("{s:s,s:s,s:s,s:b,s:b,s:s?,s:s?,s:o,s:s,s:s}", "image", image, "transport",
			 transport, "policy", p->file, "builtin", p->builtin, "acceptPinnedDigests",
			 p->accept_pinned_digests, "policyTransport", d->match.transport, "scope",
			 d->match.scope, "requirements", reqs, "decision",
			 d->verdict == TRUST_ACCEPT ? "accept" : "reject", "reason", d->reason);
}

static void put(const char *label, const char *s)
{
	_cleanup_free_ char *safe = brig_term_escape(s, strlen(s));
	printf("%-14s%s\n", label, safe ? safe : "?");
}

static const char *str_or(json_t *v)
{
	return json_is_string(v) ? json_string_value(v) : "?";
}

/* What was fetched and how each requirement judged it (trust_explain.c). */
static void explain_sigs(json_t *j)
{
	if (json_object_get(j, "fetchError"))
		put("Signatures:", "not fetched (the reason below says why)");
	if (!json_object_get(j, "signaturesFound"))
		return;
	put("Digest:", json_string_value(json_object_get(j, "digest")));
	size_t i, k;
	json_t *s, *q;
	printf("Signatures:   %zu found\n", json_array_size(json_object_get(j, "signaturesFound")));
	json_array_foreach(json_object_get(j, "signaturesFound"), i, s)
	{
		_cleanup_free_ char *line = NULL;
		if (asprintf(&line, "  %zu. %s, %s", i + 1, str_or(json_object_get(s, "format")),
			     str_or(json_object_get(s, "source"))) >= 0)
			put("", line);
	}
	const char *v = json_string_value(json_object_get(j, "lookedAt"));
	if (v)
		put("Looked at:", v);
	const char *label = "Judged:";
	json_array_foreach(json_object_get(j, "requirements"), i, q)
	{
		json_array_foreach(json_object_get(q, "signatures"), k, s)
		{
			_cleanup_free_ char *line = NULL;
			const char *why = json_string_value(json_object_get(s, "reason"));
			int n = why
				? asprintf(&line, "requirement %zu, signature %lld: refused: %s",
					   i + 1,
					   (long long)json_integer_value(
						   json_object_get(s, "signature")),
					   why)
				: asprintf(&line,
					   "requirement %zu, signature %lld: accepted (key %s, "
					   "identity %s, signed at %lld)",
					   i + 1,
					   (long long)json_integer_value(
						   json_object_get(s, "signature")),
					   str_or(json_object_get(s, "key")),
					   str_or(json_object_get(s, "identity")),
					   (long long)json_integer_value(
						   json_object_get(s, "signedAt")));
			if (n >= 0)
				put(label, line);
			label = "";
		}
	}
}

static void explain_text(json_t *j)
{
	put("Image:", json_string_value(json_object_get(j, "image")));
	put("Transport:", json_string_value(json_object_get(j, "transport")));
	put("Policy:", json_string_value(json_object_get(j, "policy")));
	const char *scope = json_string_value(json_object_get(j, "scope"));
	_cleanup_free_ char *where = NULL;
	if (!scope)
		where = strdup("default (no scope of \"transports\" matched)");
	else if (asprintf(&where, "transports.%s[\"%s\"]%s",
			  json_string_value(json_object_get(j, "policyTransport")), scope,
			  *scope ? "" : " (the transport's default)") < 0)
		where = NULL;
	put("Scope:", where ? where : "?");
	if (json_is_true(json_object_get(j, "acceptPinnedDigests")))
		put("brig's rule:",
		    "a reference pinned by digest is accepted where no scope "
		    "names it (" TRUST_POLICY_D ")");
	printf("Requirements:\n");
	size_t i;
	json_t *q;
	json_array_foreach(json_object_get(j, "requirements"), i, q)
	{
		/* the signatures it judged are listed below */
		_cleanup_json_ json_t *c = json_copy(q);
		if (c)
			json_object_del(c, "signatures");
		_cleanup_free_ char *s = c ? json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		_cleanup_free_ char *safe = s ? brig_term_escape(s, strlen(s)) : NULL;
		printf("  %zu. %s\n", i + 1, safe ? safe : "?");
	}
	explain_sigs(j);
	put("Decision:", json_string_value(json_object_get(j, "decision")));
	put("Reason:", json_string_value(json_object_get(j, "reason")));
}

/* IMAGE is [docker://]REFERENCE, or TRANSPORT:PATH[:NAME] for an archive
 * (docker-archive, oci-archive): the decision and the image's name. */
static int decide(const struct brig_global *g, const struct trust_policy *pol, const char *image,
		  char **transport, char **name, struct trust_decision *d, struct brig_err *e)
{
	static const char *const paths[] = { "docker-archive:", "oci-archive:", NULL };
	for (const char *const *t = paths; *t; t++) {
		size_t n = strlen(*t);
		if (strncmp(image, *t, n) != 0)
			continue;
		_cleanup_free_ char *file = strndup(image + n, strcspn(image + n, ":"));
		if (!file)
			return brig_err_oom(e);
		if (!(*name = realpath(file, NULL)))
			return brig_err_sys(e, errno, "%s", file);
		*transport = strndup(*t, n - 1);
		return *transport ? trust_policy_decide_path(pol, *transport, *name, NULL, d, e)
				  : brig_err_oom(e);
	}
	if (strncmp(image, "docker://", 9) == 0)
		image += 9;
	struct img_ref ref = { 0 };
	_cleanup_free_ char *full = NULL; /* with registries.conf's aliases, as pull */
	*transport = strdup("docker");
	int r = *transport ? eng_pull_name(g->config, image, &full, e) : brig_err_oom(e);
	if (r == 0)
		r = img_ref_parse(full, &ref, e);
	if (r == 0)
		r = trust_policy_decide(pol, "docker", &ref, NULL, d, e);
	if (r == 0 && !(*name = img_ref_string(&ref)))
		r = brig_err_oom(e);
	img_ref_clear(&ref);
	return r;
}

/* --signed-identity REF: would a signature claiming REF satisfy each
 * signature requirement's identity rule for the image? */
static int annotate_identity(json_t *j, const struct trust_decision *d, const char *transport,
			     const char *name, const char *sig_ref, struct brig_err *e)
{
	if (strcmp(transport, "docker") != 0)
		return brig_err_set(e, -EINVAL,
				    "--signed-identity: an archive has no reference to match");
	struct img_ref image, claimed;
	int r = img_ref_parse(sig_ref, &claimed, e);
	if (r < 0)
		return brig_err_wrap(e, "--signed-identity");
	img_ref_clear(&claimed);
	if ((r = img_ref_parse(name, &image, e)) < 0)
		return r;
	json_t *reqs = json_object_get(j, "requirements");
	for (size_t i = 0; i < d->match.reqs->n; i++) {
		const struct trust_req *q = &d->match.reqs->v[i];
		if (q->kind == TRUST_REQ_SIGNED_BY || q->kind == TRUST_REQ_SIGSTORE)
			json_object_set_new(json_array_get(reqs, i), "identityMatches",
					    json_boolean(trust_identity_matches(&q->identity,
										&image, sig_ref)));
	}
	img_ref_clear(&image);
	return 0;
}

int brig_cmd_trust_explain(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = {
		OPT_VALUE("signature-policy", 0, "FILE",
			  "the containers-policy.json to read (default: /etc/brig/policy.json, "
			  "else brig's built-in policy)"),
		OPT_VALUE("format", 0, "FORMAT", "json: one JSON object"),
		OPT_VALUE("signed-identity", 0, "REFERENCE",
			  "say whether a signature claiming REFERENCE would satisfy each "
			  "requirement's signedIdentity rule"),
		OPT_FLAG("no-fetch", 0,
			 "do not fetch the image's signatures from the registry (decide on "
			 "the policy alone)"),
		OPT_VALUE("registries-d", 0, "DIR",
			  "the registries.d directory naming GPG signature lookasides"),
		BRIG_REGISTRY_OPTS,
		{ 0 },
	};
	_cleanup_free_ char **pos = NULL;
	size_t npos = 0;
	int p = brig_parse("trust explain", "[docker://]IMAGE|docker-archive:FILE|oci-archive:FILE",
			   o, argc, argv, &pos, &npos, 1, 1);
	if (p <= 0)
		return p < 0 ? BRIG_EXIT_FAIL : 0;
	_cleanup_err_ struct brig_err e = { 0 };
	if (o[1].value && strcmp(o[1].value, "json") != 0) {
		brig_err_set(&e, -EINVAL, "--format: \"%s\" is not \"json\"", o[1].value);
		return brig_fail(&e);
	}
	_cleanup_trust_policy_ struct trust_policy *pol = NULL;
	_cleanup_free_ char *name = NULL;
	_cleanup_free_ char *transport = NULL;
	struct trust_decision d;
	int r = trust_policy_load(o[0].value, &pol, &e);
	if (r == 0)
		r = decide(g, pol, pos[0], &transport, &name, &d, &e);
	if (r < 0) {
		brig_err_wrap(&e, "trust explain %s", pos[0]);
		return brig_fail(&e);
	}
	_cleanup_json_ json_t *j = explain_json(pol, transport, name, &d);
	if (!j)
		r = brig_err_oom(&e);
	else if (o[2].value)
		r = annotate_identity(j, &d, transport, name, o[2].value, &e);
	if (r == 0 && strcmp(transport, "docker") == 0 && !opts_find(o, "no-fetch")->set)
		r = brig_explain_fetch(g, o, pol, name, j, &e);
	if (r < 0) {
		brig_err_wrap(&e, "trust explain %s", pos[0]);
		return brig_fail(&e);
	}
	if (o[1].value) {
		if (json_dumpf(j, stdout, JSON_INDENT(2)) < 0 || putchar('\n') == EOF)
			return BRIG_EXIT_FAIL;
	} else {
		explain_text(j);
	}
	return fflush(stdout) == 0 ? 0 : BRIG_EXIT_FAIL;
}
