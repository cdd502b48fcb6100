/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Content trust at pull: after the manifest is verified and before
 * anything is written to the store, the policy's scope for the image is
 * found, the signatures its requirements need are fetched, every one is
 * judged (identity rule included), and the pull is refused with the whole
 * reasoning, or goes on; once the image is stored, its signatures and the
 * decision are kept beside it (ROOT/trust/images) and the rollback state
 * is brought forward.  See docs/trust-check.md.
 */
#include "engine/provenance-internal.h"
#include "engine/pull-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void eng_prov_clear(struct eng_prov *pv)
{
	json_decref(pv->record);
	free(pv->rollback_key);
	trust_sigs_clear(&pv->notary);
	*pv = (struct eng_prov){ 0 };
}

void eng_prov_now(char buf[32])
{
	time_t now = time(NULL);
	struct tm tm;
	if (!gmtime_r(&now, &tm) || !strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, 32, "%lld", (long long)now);
}

int64_t eng_prov_clock(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void eng_prov_timing(const char *what, int64_t t0)
{
	const char *v = getenv("BRIG_TRUST_TIMING");
	if (v && strcmp(v, "1") == 0)
		fprintf(stderr, "brig: content trust: %s took %.3f ms\n", what,
			(double)(eng_prov_clock() - t0) / 1e6);
}

const struct eng_trust_opts *eng_prov_effective(const struct eng_trust_opts *o, bool cfg_on,
						struct eng_trust_opts *buf)
{
	if (cfg_on || (o && o->disabled))
		return o;
	*buf = o ? *o : (struct eng_trust_opts){ 0 };
	buf->disabled = true;
	brig_warn("content trust is off (content-trust = false in the engine config): the "
		  "image's signatures are not checked");
	return buf;
}

int eng_prov_policy(const struct eng_trust_opts *o, struct trust_policy **out, struct brig_err *e)
{
	int r = trust_policy_load(o ? o->policy : NULL, out, e);
	if (r == 0 && o && o->notary)
		r = trust_policy_notary_env(*out, o->notary_server, e);
	return r < 0 ? brig_err_wrap(e, "content trust") : 0;
}

/* The reference the policy judges: the image's name with its tag, or
 * with its digest when it was named by one. */
int eng_prov_judged_ref(const struct pull *p, struct img_ref *ref, char **text, struct brig_err *e)
{
	*ref = p->name;
	if (ref->tag && ref->digest[0])
		ref->tag = NULL;
	*text = img_ref_string(ref);
	return *text ? 0 : brig_err_oom(e);
}

static json_t *verification(const struct trust_check *c, const char *when)
{
	_cleanup_free_ char *scope = trust_check_scope_name(c);
	json_t *signers = trust_check_signers(c);
	return signers ? json_pack("{s:s,s:s,s:s?,s:s?,s:s,s:o,s:s}", "Decision", "accept",
				   "Policy", c->policy->file, "Transport",
				   c->d.match.transport ? c->d.match.transport : "docker", "Scope",
				   scope, "Reason", c->d.reason, "Signers", signers, "Time", when)
		       : NULL;
}

/* Accepted: the rollback check, then what commit will store. */
static int accepted(struct pull *p, const struct img_ref *ref, const char *text, const char *digest,
		    const struct trust_check *c, const struct trust_sigs *sigs, struct eng_prov *pv,
		    struct brig_err *e)
{
	char when[32];
	eng_prov_now(when);
	bool signed_ok = false;
	for (size_t i = 0; i < c->n_res; i++)
		signed_ok = signed_ok || !c->res[i].why;
	if (signed_ok && ref->tag &&
	    asprintf(&pv->rollback_key, "%s/%s\n%s", ref->domain, ref->path, ref->tag) < 0) {
		pv->rollback_key = NULL;
		return brig_err_oom(e);
	}
	pv->time = c->newest;
	snprintf(pv->digest, sizeof(pv->digest), "%s", digest);
	int r = pv->rollback_key
		? trust_rollback_check(p->root, pv->rollback_key, digest, c->newest,
				       p->o->trust && p->o->trust->allow_downgrade, e)
		: 0;
	if (r < 0)
		return r;
	json_t *v = verification(c, when);
	json_t *s = trust_sigs_json(sigs);
	pv->record = v && s ? json_pack("{s:s,s:s,s:o,s:o}", "Reference", text, "Digest", digest,
					"Signatures", s, "Verification", v)
			    : NULL;
	if (!pv->record) {
		json_decref(v);
		json_decref(s);
		return brig_err_oom(e);
	}
	/* the rollback entry rides with the record, the one durable write
	 * (trust/check_state.c: rollback.json is a cache of the records) */
	if (pv->rollback_key &&
	    json_object_set_new(pv->record, "Rollback",
				json_pack("{s:s,s:I,s:s}", "Key", pv->rollback_key, "Time",
					  (json_int_t)pv->time, "Digest", digest)) < 0)
		return brig_err_oom(e);
	return 0;
}

static int disabled(const char *text, const char *digest, struct eng_prov *pv, struct brig_err *e)
{
	char when[32];
	eng_prov_now(when);
	pv->record = json_pack("{s:s,s:s,s:[],s:{s:s,s:s}}", "Reference", text, "Digest", digest,
			       "Signatures", "Verification", "Decision", "content trust disabled",
			       "Time", when);
	return pv->record ? 0 : brig_err_oom(e);
}

/* Each line of text escaped for a terminal (it holds registry-made
 * strings), the line breaks kept. */
char *eng_prov_escape_lines(const char *text)
{
	char *out = NULL;
	size_t len = 0;
	for (const char *l = text; l;) {
		const char *nl = strchr(l, '\n');
		size_t n = nl ? (size_t)(nl - l) : strlen(l);
		_cleanup_free_ char *safe = brig_term_escape(l, n);
		if (!safe || brig_appendf(&out, &len, "%s%s", l == text ? "" : "\n", safe) < 0) {
			free(out);
			return NULL;
		}
		l = nl ? nl + 1 : NULL;
	}
	return out;
}

static int refused(const struct trust_check *c, const char *text, const char *notes,
		   struct brig_err *e)
{
	_cleanup_free_ char *msg = trust_check_refusal(c, text);
	_cleanup_free_ char *safe = msg ? eng_prov_escape_lines(msg) : NULL;
	_cleanup_free_ char *snotes = notes ? eng_prov_escape_lines(notes) : NULL;
	if (!safe || (notes && !snotes))
		return brig_err_oom(e);
	return brig_err_set(e, -EACCES, "%s%s%s", safe, snotes ? "; looked at: " : "",
			    snotes ? snotes : "");
}

static int prov_pull(struct pull *p, const char *digest, struct eng_prov *pv, struct brig_err *e);

int eng_prov_pull(struct pull *p, const char *digest, struct eng_prov *pv, struct brig_err *e)
{
	int64_t t0 = eng_prov_clock();
	int r = prov_pull(p, digest, pv, e);
	eng_prov_timing("pull check", t0);
	return r;
}

static int prov_pull(struct pull *p, const char *digest, struct eng_prov *pv, struct brig_err *e)
{
	struct img_ref ref;
	_cleanup_free_ char *text = NULL, *notes = NULL;
	int r = eng_prov_judged_ref(p, &ref, &text, e);
	if (r < 0)
		return r;
	if (p->o->trust && p->o->trust->disabled)
		return disabled(text, digest, pv, e);
	_cleanup_trust_policy_ struct trust_policy *pol = NULL;
	struct trust_sigs sigs = { 0 };
	struct trust_check c = { 0 };
	struct trust_match m;
	if ((r = eng_prov_policy(p->o->trust, &pol, e)) < 0 ||
	    (r = trust_policy_lookup(pol, "docker", &ref, &m, e)) < 0)
		return r;
	bool pinned = pol->accept_pinned_digests && ref.digest[0] && !m.scope;
	trust_fetch_set_registries_d(p->o->trust ? p->o->trust->registries_d : NULL);
	if (!pinned && trust_reqs_need_sigs(m.reqs))
		r = trust_sigs_fetch(p->c, p->ref.path, &ref, digest, m.reqs, &sigs, &notes, e);
	for (size_t i = 0; r == 0 && i < pv->notary.n; i++) /* notaryTrust's, already read */
		r = trust_sigs_add(&sigs, pv->notary.v[i].format, pv->notary.v[i].source,
				   pv->notary.v[i].payload, pv->notary.v[i].payload_len,
				   pv->notary.v[i].signature, e);
	if (r == 0)
		r = trust_check_decide(pol, &ref, digest, &sigs, (int64_t)time(NULL), &c, e);
	if (r == 0 && c.d.verdict != TRUST_ACCEPT)
		r = refused(&c, text, notes, e);
	else if (r == 0)
		r = accepted(p, &ref, text, digest, &c, &sigs, pv, e);
	trust_check_clear(&c);
	trust_sigs_clear(&sigs);
	return r;
}

int eng_prov_record(const char *root, const char *manifest, struct eng_prov *pv, struct brig_err *e)
{
	if (!pv->record)
		return 0;
	int64_t t0 = eng_prov_clock();
	int r = eng_prov_record_write(root, manifest, pv->record, e);
	eng_prov_timing("pull record", t0);
	return r;
}

int eng_prov_commit(const char *root, struct eng_prov *pv, struct brig_err *e)
{
	if (!pv->rollback_key)
		return 0;
	int64_t t0 = eng_prov_clock();
	int r = trust_rollback_record(root, pv->rollback_key, pv->digest, pv->time, e);
	eng_prov_timing("pull rollback state", t0);
	return r;
}
