/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trust/check: the notaryTrust requirement (docs/trust-notary.md).
 *
 * At pull (trust_notary_resolve, before the manifest is fetched): the TUF
 * update for the image's GUN from the requirement's notary-server (its CA
 * from the registries' certs.d), trusted state under ROOT/trust/notary,
 * and the tag's target: the manifest digest and length the pull then
 * fetches by.  What it rests on (root, targets, targets/releases) is kept
 * as a signature of format notary-tuf, so the decision, the stored record
 * and create/run's check offline need nothing more.
 *
 * The plug (trust_check_notary): that signature judged offline against the
 * requirement as it stands: the same server, the documents' signatures
 * (root by its own keys and the policy's pins, targets by the root,
 * targets/releases by its delegation), the tag signing this digest.
 */
#include "trust/check-internal.h"
#include "trust/policy-internal.h"
#include "trust/notary.h"

#include <string.h>

static const char *const doc_keys[NOTARY_DOCS] = { "root", "targets", "releases" };

static struct notary_opts req_opts(const struct trust_req *q, const char *gun)
{
	return (struct notary_opts){ .gun = gun,
				     .root_keys = q->notary_root_keys,
				     .root_cas = q->notary_root_cas };
}

static int payload(const char *server, const char *gun, const char *tag,
		   const struct notary_target *t, struct trust_sigs *sigs, struct brig_err *e)
{
	char digest[80];
	snprintf(digest, sizeof(digest), "sha256:%s", t->digest);
	_cleanup_json_ json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:I,s:s}", "server", server, "gun",
					     gun, "tag", tag, "digest", digest, "length",
					     (json_int_t)t->length, "role", t->role);
	for (size_t i = 0; j && i < NOTARY_DOCS; i++)
		if (t->docs[i] &&
		    json_object_set_new(j, doc_keys[i], json_stringn(t->docs[i], t->doc_len[i])) <
			    0)
			return brig_err_oom(e);
	_cleanup_free_ char *text = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	if (!text)
		return brig_err_oom(e);
	/* the record must stay readable at create/run (trust_sigs_parse) */
	if (strlen(text) > TRUST_PAYLOAD_MAX)
		return brig_err_set(
			e, -EFBIG,
			"%s: the Notary metadata the tag rests on makes a record of %zu "
			"bytes, more than the %zu a stored record keeps",
			gun, strlen(text), (size_t)TRUST_PAYLOAD_MAX);
	_cleanup_free_ char *src = NULL;
	if (asprintf(&src, "notary %s", server) < 0)
		return brig_err_oom(e);
	return trust_sigs_add(sigs, TRUST_FMT_NOTARY, src, text, strlen(text), "", e);
}

int trust_notary_resolve(const struct trust_req *q, const struct img_ref *ref, const char *root,
			 const char *certs_dir, struct trust_sigs *sigs, char digest[80],
			 uint64_t *length, struct brig_err *e)
{
	_cleanup_free_ char *gun = trust_ref_name(ref);
	_cleanup_free_ char *server = notary_server_for(q->notary_server, ref->domain);
	_cleanup_free_ char *state = gun ? notary_state_dir(root, gun) : NULL;
	if (!gun || !server || !state)
		return brig_err_oom(e);
	const char *tag = ref->tag ? ref->tag : ref->digest;
	struct notary_opts o = req_opts(q, gun);
	o.state_dir = state;
	o.keep_docs = true;
	struct notary_source src = { 0 };
	struct notary_target t = { 0 };
	int r = notary_clock(&o.now, e);
	if (r == 0)
		r = notary_http_source(server, gun, certs_dir, &src, e);
	if (r == 0)
		r = notary_verify_tag(&o, &src, tag, &t, e);
	notary_http_source_close(&src);
	if (r == 0)
		r = payload(server, gun, ref->tag ? ref->tag : "", &t, sigs, e);
	if (r == 0) {
		snprintf(digest, 80, "sha256:%s", t.digest);
		*length = t.length;
	}
	notary_target_clear(&t);
	return r < 0 ? brig_err_wrap(e, "notaryTrust (%s)", server) : 0;
}

struct rec {
	const char *server, *gun, *tag, *digest, *role;
	char *docs[NOTARY_DOCS];
	size_t lens[NOTARY_DOCS];
};

static int rec_parse(const json_t *j, struct rec *o, struct brig_err *e)
{
	static const char *const keys[] = { "server", "gun",  "tag",     "digest",   "length",
					    "role",   "root", "targets", "releases", NULL };
	const char **s[] = { &o->server, &o->gun, &o->tag, &o->digest, &o->role };
	struct bj_loc at;
	bj_root(&at, "the Notary record");
	int r = bj_only_keys(j, &at, keys, e);
	for (size_t i = 0; r >= 0 && i < BRIG_ARRAY_SIZE(s); i++)
		r = bj_get_str(j, &at, keys[i == 4 ? 5 : i], true, s[i], e);
	for (size_t i = 0; r >= 0 && i < NOTARY_DOCS; i++) {
		json_t *d = json_object_get(j, doc_keys[i]);
		if (d && !json_is_string(d))
			return bj_fail(e, &at, "%s: not a string", doc_keys[i]);
		o->docs[i] = d ? (char *)json_string_value(d) : NULL;
		o->lens[i] = d ? json_string_length(d) : 0;
	}
	return r < 0 ? r : 0;
}

int trust_check_notary(const struct trust_req *req, const struct img_ref *ref, const char *digest,
		       const struct trust_sig *sig, struct trust_sig_result *res,
		       struct brig_err *e)
{
	_cleanup_free_ char *gun = trust_ref_name(ref);
	_cleanup_free_ char *server = notary_server_for(req->notary_server, ref->domain);
	_cleanup_json_ json_t *j = NULL;
	_cleanup_err_ struct brig_err pe = { 0 };
	struct rec rc = { 0 };
	if (!gun || !server)
		return brig_err_oom(e);
	if (bj_parse((const char *)sig->payload, sig->payload_len, "the Notary record", &j, &pe) <
		    0 ||
	    rec_parse(j, &rc, &pe) < 0)
		return trust_check_refuse(res, e, "%s", brig_err_str(&pe));
	if (strcmp(rc.server, server))
		return trust_check_refuse(res, e, "verified with %s, not with %s the policy names",
					  rc.server, server);
	if (strcmp(rc.gun, gun) || (ref->tag && strcmp(rc.tag, ref->tag)))
		return trust_check_refuse(
			res, e, "Notary's trust data is for %s:%s, not this image", rc.gun, rc.tag);
	struct notary_opts o = req_opts(req, gun);
	struct notary_target t = { 0 };
	if (notary_verify_docs(&o, rc.docs, rc.lens, ref->tag ? ref->tag : digest, &t, &pe) < 0)
		return trust_check_refuse(res, e, "%s", brig_err_str(&pe));
	if (strncmp(digest, "sha256:", 7) || strcmp(digest + 7, t.digest))
		return trust_check_refuse(res, e,
					  "Notary (%s) signs %s as sha256:%s, not this image's %s",
					  t.role, rc.tag, t.digest, digest);
	char *key = NULL, *id = NULL;
	if (asprintf(&key, "Notary %s, role %s", server, t.role) < 0)
		return brig_err_oom(e);
	res->key = key;
	if (asprintf(&id, "%s:%s", gun, rc.tag) < 0)
		return brig_err_oom(e);
	res->identity = id;
	return 1;
}
