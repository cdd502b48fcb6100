/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a refusal says: which policy and scope applied, the reason, every
 * signature found and why each was refused, and the three ways forward
 * (sign it with a key the policy names, name the key in the policy, or
 * pull by digest / turn content trust off for one command).
 */
#include "trust/check-internal.h"

#include <string.h>

char *trust_check_scope_name(const struct trust_check *c)
{
	char *s = NULL;
	const struct trust_match *m = &c->d.match;
	if (!m->scope)
		return strdup("default (no scope of \"transports\" matched)");
	if (asprintf(&s, "transports.%s[\"%s\"]%s", m->transport, m->scope,
		     *m->scope ? "" : " (the transport's default)") < 0)
		return NULL;
	return s;
}

/* The lines for signature i: each requirement's verdict on it. */
static int sig_lines(const struct trust_check *c, size_t i, char **msg, size_t *len)
{
	const struct trust_sig *g = &c->sigs->v[i];
	int r = brig_appendf(msg, len, "; signature %zu (%s, %s):", i + 1, g->format, g->source);
	bool said = false;
	for (size_t k = 0; r >= 0 && k < c->n_res; k++) {
		const struct trust_sig_result *s = &c->res[k];
		if (s->sig != i)
			continue;
		said = true;
		r = brig_appendf(msg, len, " requirement %zu: %s%s%s%s", s->req + 1,
				 s->why ? "refused: " : "accepted", s->why ? s->why : "",
				 s->identity ? "; identity " : "", s->identity ? s->identity : "");
	}
	if (r >= 0 && !said)
		r = brig_appendf(msg, len, " not judged (no requirement of this scope reads %s)",
				 g->format);
	return r;
}

char *trust_check_refusal(const struct trust_check *c, const char *image)
{
	_cleanup_free_ char *scope = trust_check_scope_name(c);
	char *msg = NULL;
	size_t len = 0;
	int r = brig_appendf(&msg, &len,
			     "content trust refused %s: policy %s, scope %s: %s; signatures "
			     "found: %zu",
			     image, c->policy->file ? c->policy->file : "?", scope ? scope : "?",
			     c->d.reason, c->sigs ? c->sigs->n : 0);
	for (size_t i = 0; r >= 0 && c->sigs && i < c->sigs->n; i++)
		r = sig_lines(c, i, &msg, &len);
	if (r >= 0)
		r = brig_appendf(
			&msg, &len,
			"; ways forward: (1) have the image signed by a key the policy names "
			"(brig trust sign, brig push --sign-by-sigstore-private-key, cosign sign); "
			"(2) name the signer's key for this scope in %s (brig trust explain shows "
			"the scope); (3) pull by digest (NAME@sha256:...) if you know the content, "
			"or use --disable-content-trust (BRIG_CONTENT_TRUST=0) for this one command",
			c->policy->builtin ? TRUST_POLICY_FILE : c->policy->file);
	if (r < 0) {
		free(msg);
		return NULL;
	}
	return msg;
}
