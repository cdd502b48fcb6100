/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DSSE (Dead Simple Signing Envelope) and the in-toto statement inside a
 * sigstore bundle: the pre-authentication encoding the signature covers,
 * the statement's subjects, and the key-based bundle brig writes.
 */
#include "trust/bundle.h"
#include "trust/sigstore-internal.h"

#include <stdio.h>
#include <string.h>

#define STATEMENT_V1 "https://in-toto.io/Statement/v1"
#define STATEMENT_V01 "https://in-toto.io/Statement/v0.1"
#define MAX_SUBJECTS 1024

int trust_dsse_pae(const char *type, const void *body, size_t len, unsigned char **out,
		   size_t *out_len, struct brig_err *e)
{
	char head[96];
	size_t tl = strlen(type);
	int hn = snprintf(head, sizeof(head), "DSSEv1 %zu ", tl);
	char mid[32];
	int mn = snprintf(mid, sizeof(mid), " %zu ", len);
	if (hn < 0 || mn < 0 || tl > 4096)
		return brig_err_set(e, -EINVAL, "DSSE: payloadType too long");
	size_t n = (size_t)hn + tl + (size_t)mn + len;
	unsigned char *p = malloc(n ? n : 1);
	if (!p)
		return brig_err_oom(e);
	memcpy(p, head, (size_t)hn);
	memcpy(p + hn, type, tl);
	memcpy(p + hn + tl, mid, (size_t)mn);
	if (len)
		memcpy(p + hn + tl + mn, body, len);
	*out = p;
	*out_len = n;
	return 0;
}

/* One subject: {"name"?, "digest": {ALG: HEX...}}; 1 when its sha256 is
 * hex. */
static int subject_is(json_t *s, const struct bj_loc *at, const char *hex, const char **other,
		      struct brig_err *e)
{
	static const char *const keys[] = { "name", "digest", "uri", "annotations", NULL };
	json_t *d = NULL;
	const char *sha = NULL;
	struct bj_loc ds;
	int r = bj_expect(s, at, JSON_OBJECT, e);
	if (r == 0)
		r = bj_only_keys(s, at, keys, e);
	if (r == 0)
		r = bj_get_obj(s, at, "digest", true, &d, e);
	bj_key(&ds, at, "digest");
	if (r == 0 && (r = bj_get_str(d, &ds, "sha256", false, &sha, e)) == 1)
		return 0; /* another algorithm only */
	if (r < 0)
		return r;
	if (strlen(sha) != 64 || strspn(sha, "0123456789abcdef") != 64)
		return bj_fail(e, &ds, "sha256: not 64 lowercase hex digits");
	*other = sha;
	return strcmp(sha, hex) == 0;
}

int trust_dsse_statement_check(const unsigned char *payload, size_t len, const char *digest,
			       char **name, struct brig_err *e)
{
	static const char *const keys[] = { "_type", "subject", "predicateType", "predicate",
					    NULL };
	_cleanup_json_ json_t *doc = NULL;
	json_t *subs = NULL, *s;
	const char *type = NULL, *other = NULL;
	struct bj_loc root, ss;
	size_t i;
	bj_root(&root, "statement");
	if (!brig_digest_valid(digest))
		return brig_err_set(e, -EINVAL, "bad digest '%.80s'", digest);
	if (memchr(payload, '\0', len))
		return brig_err_set(e, -EINVAL, "statement: holds a NUL byte");
	int r = bj_parse((const char *)payload, len, "statement", &doc, e);
	if (r == 0)
		r = bj_expect(doc, &root, JSON_OBJECT, e);
	if (r == 0)
		r = bj_only_keys(doc, &root, keys, e);
	if (r == 0)
		r = bj_get_str(doc, &root, "_type", true, &type, e);
	if (r == 0 && strcmp(type, STATEMENT_V1) != 0 && strcmp(type, STATEMENT_V01) != 0)
		r = bj_fail(e, &root, "_type: '%.100s' is not an in-toto statement", type);
	if (r == 0)
		r = bj_get_arr(doc, &root, "subject", true, &subs, e);
	bj_key(&ss, &root, "subject");
	if (r == 0 && (json_array_size(subs) == 0 || json_array_size(subs) > MAX_SUBJECTS))
		r = bj_fail(e, &ss, "expected 1 to %d subjects", MAX_SUBJECTS);
	json_array_foreach(r == 0 ? subs : NULL, i, s)
	{
		struct bj_loc el;
		bj_idx(&el, &ss, i);
		if ((r = subject_is(s, &el, digest + 7, &other, e)) < 0)
			return r;
		if (r == 1) {
			json_t *n = json_object_get(s, "name");
			if (name && json_is_string(n) && !(*name = strdup(json_string_value(n))))
				return brig_err_oom(e);
			return 0;
		}
	}
	if (r < 0)
		return r;
	return brig_err_set(e, -EKEYREJECTED, "the statement is for sha256:%.64s, not %s",
			    other ? other : "(no sha256 subject)", digest);
}

static int make_statement(const char *digest, const char *ref, char **out, struct brig_err *e)
{
	_cleanup_json_ json_t *j = json_pack("{s:s,s:[{s:s,s:{s:s}}],s:s,s:{}}", "_type",
					     STATEMENT_V1, "subject", "name", ref, "digest",
					     "sha256", digest + 7, "predicateType",
					     TRUST_BUNDLE_PREDICATE, "predicate");
	*out = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	return *out ? 0 : brig_err_oom(e);
}

/* {"mediaType", "verificationMaterial": {"publicKey": {"hint"},
 * "tlogEntries": []}, "dsseEnvelope": {...}} */
static int pack_bundle(const char *hint, const char *payload, const char *sig, char **json,
		       size_t *len, struct brig_err *e)
{
	_cleanup_free_ char *pb = trust_b64_encode(payload, strlen(payload));
	if (!pb)
		return brig_err_oom(e);
	_cleanup_json_ json_t *j = json_pack(
		"{s:s,s:{s:{s:s},s:[]},s:{s:s,s:s,s:[{s:s,s:s}]}}", "mediaType", TRUST_MT_BUNDLE_03,
		"verificationMaterial", "publicKey", "hint", hint, "tlogEntries", "dsseEnvelope",
		"payload", pb, "payloadType", TRUST_MT_INTOTO, "signatures", "sig", sig, "keyid",
		"");
	*json = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	if (!*json)
		return brig_err_oom(e);
	*len = strlen(*json);
	return 0;
}

int trust_bundle_make(EVP_PKEY *k, const char *digest, const char *ref, char **json, size_t *len,
		      struct brig_err *e)
{
	_cleanup_free_ char *st = NULL, *sig = NULL;
	_cleanup_free_ unsigned char *pae = NULL;
	size_t pae_len = 0;
	char hint[BRIG_SHA256_HEX];
	if (!brig_digest_valid(digest))
		return brig_err_set(e, -EINVAL, "bad digest '%.80s'", digest);
	int r = make_statement(digest, ref, &st, e);
	if (r == 0)
		r = trust_dsse_pae(TRUST_MT_INTOTO, st, strlen(st), &pae, &pae_len, e);
	if (r == 0)
		r = trust_sign(k, pae, pae_len, &sig, e);
	if (r == 0)
		r = trust_verify(k, pae, pae_len, sig, e);
	if (r == 0)
		r = trust_key_fingerprint(k, hint, e);
	if (r == 0)
		r = pack_bundle(hint, st, sig, json, len, e);
	return r;
}
