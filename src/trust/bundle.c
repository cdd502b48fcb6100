/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A sigstore bundle's JSON (the protobuf-specs Bundle message in its JSON
 * mapping), parsed strictly: every object may hold only the members the
 * spec gives it, int64 values come as strings (or numbers), bytes as
 * base64, and every size is bounded.  Errors name the member:
 * "bundle: verificationMaterial.tlogEntries[0].logIndex: ...".
 */
#include "trust/bundle.h"
#include "trust/sigstore-internal.h"

#include <stdlib.h>
#include <string.h>

#define CERT_MAX ((size_t)16 << 10)
#define BODY_MAX ((size_t)256 << 10)

static void tlog_clear(struct trust_tlog_entry *t)
{
	free(t->body);
	free(t->set);
	free(t->hashes);
	free(t->checkpoint);
	*t = (struct trust_tlog_entry){ 0 };
}

void trust_bundle_clear(struct trust_bundle *b)
{
	free(b->media_type);
	free(b->key_hint);
	for (size_t i = 0; i < b->n_certs; i++)
		free(b->certs[i]);
	for (size_t i = 0; i < b->n_tlog; i++)
		tlog_clear(&b->tlog[i]);
	for (size_t i = 0; i < b->n_tsa; i++)
		free(b->tsa[i]);
	free(b->payload_type);
	free(b->payload);
	free(b->sig);
	free(b->sig_b64);
	*b = (struct trust_bundle){ 0 };
}

/* A bytes member (base64) of at most max bytes. */
static int get_bytes(json_t *o, const struct bj_loc *at, const char *key, size_t max,
		     unsigned char **out, size_t *len, struct brig_err *e)
{
	const char *s = NULL;
	struct bj_loc sub;
	bj_key(&sub, at, key);
	int r = bj_get_str(o, at, key, true, &s, e);
	if (r == 0 && trust_b64_decode(s, max, "", out, len, e) < 0) {
		brig_err_clear(e);
		r = bj_fail(e, &sub, "not base64 of at most %zu bytes", max);
	}
	return r;
}

/* An int64 member, as a string of digits (proto JSON) or a number. */
static int get_i64(json_t *o, const struct bj_loc *at, const char *key, bool required, int64_t *out,
		   struct brig_err *e)
{
	json_t *v = json_object_get(o, key);
	struct bj_loc sub;
	bj_key(&sub, at, key);
	if (!v)
		return required ? bj_fail(e, &sub, "missing") : 1;
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = json_integer_value(v);
		return 0;
	}
	const char *s = json_is_string(v) ? json_string_value(v) : "";
	char *end = NULL;
	errno = 0;
	long long n = strtoll(s, &end, 10);
	if (!s[0] || *end || errno || n < 0 || strspn(s, "0123456789") != strlen(s))
		return bj_fail(e, &sub, "expected a non-negative integer");
	*out = n;
	return 0;
}

/* An object member holding exactly the allowed keys. */
static int get_obj(json_t *o, const struct bj_loc *at, const char *key, bool required,
		   const char *const *allowed, json_t **out, struct bj_loc *sub, struct brig_err *e)
{
	bj_key(sub, at, key);
	int r = bj_get_obj(o, at, key, required, out, e);
	if (r == 0)
		r = bj_only_keys(*out, sub, allowed, e);
	return r;
}

static int read_proof(json_t *t, const struct bj_loc *at, struct trust_tlog_entry *out,
		      struct brig_err *e)
{
	static const char *const keys[] = { "logIndex", "rootHash",   "treeSize",
					    "hashes",   "checkpoint", NULL };
	static const char *const ck[] = { "envelope", NULL };
	json_t *p = NULL, *h = NULL, *c = NULL, *v;
	struct bj_loc sub, hs, cs;
	unsigned char *buf = NULL;
	size_t len = 0, i;
	int r = get_obj(t, at, "inclusionProof", false, keys, &p, &sub, e);
	if (r != 0)
		return r < 0 ? r : 0;
	out->has_proof = true;
	if ((r = get_i64(p, &sub, "logIndex", false, &out->proof_index, e)) < 0 ||
	    (r = get_i64(p, &sub, "treeSize", true, &out->tree_size, e)) < 0 ||
	    (r = get_bytes(p, &sub, "rootHash", 32, &buf, &len, e)) < 0)
		return r;
	memcpy(out->root_hash, buf, len == 32 ? 32 : 0);
	free(buf);
	if (len != 32)
		return bj_fail(e, &sub, "rootHash: not 32 bytes");
	bj_key(&hs, &sub, "hashes");
	if ((r = bj_get_arr(p, &sub, "hashes", false, &h, e)) < 0)
		return r;
	if (h && json_array_size(h) > TRUST_BUNDLE_MAX_PROOF)
		return bj_fail(e, &hs, "more than %d hashes", TRUST_BUNDLE_MAX_PROOF);
	if (h && !(out->hashes = calloc(json_array_size(h) + 1, 32)))
		return brig_err_oom(e);
	json_array_foreach(h, i, v)
	{
		struct bj_loc el;
		bj_idx(&el, &hs, i);
		if ((r = bj_expect(v, &el, JSON_STRING, e)) < 0)
			return r;
		buf = NULL;
		len = 0;
		if (trust_b64_decode(json_string_value(v), 32, "", &buf, &len, e) < 0 ||
		    len != 32) {
			brig_err_clear(e);
			free(buf);
			return bj_fail(e, &el, "not the base64 of 32 bytes");
		}
		memcpy(out->hashes[out->n_hashes++], buf, 32);
		free(buf);
	}
	r = get_obj(p, &sub, "checkpoint", false, ck, &c, &cs, e);
	if (r != 0)
		return r < 0 ? r : 0;
	const char *env = NULL;
	if ((r = bj_get_str(c, &cs, "envelope", true, &env, e)) < 0)
		return r;
	if (strlen(env) > 8192)
		return bj_fail(e, &cs, "envelope: longer than 8192 bytes");
	return (out->checkpoint = strdup(env)) ? 0 : brig_err_oom(e);
}

static int read_kind(json_t *t, const struct bj_loc *at, struct trust_tlog_entry *out,
		     struct brig_err *e)
{
	static const char *const keys[] = { "kind", "version", NULL };
	json_t *k = NULL;
	struct bj_loc sub;
	const char *kind = NULL, *ver = NULL;
	int r = get_obj(t, at, "kindVersion", true, keys, &k, &sub, e);
	if (r == 0)
		r = bj_get_str(k, &sub, "kind", true, &kind, e);
	if (r == 0)
		r = bj_get_str(k, &sub, "version", true, &ver, e);
	if (r == 0 && (strlen(kind) >= sizeof(out->kind) || strlen(ver) >= sizeof(out->version)))
		r = bj_fail(e, &sub, "kind or version too long");
	if (r == 0) {
		snprintf(out->kind, sizeof(out->kind), "%s", kind);
		snprintf(out->version, sizeof(out->version), "%s", ver);
	}
	return r;
}

static int read_tlog(json_t *t, const struct bj_loc *at, struct trust_tlog_entry *out,
		     struct brig_err *e)
{
	static const char *const keys[] = { "logIndex",          "logId",
					    "kindVersion",       "integratedTime",
					    "inclusionPromise",  "inclusionProof",
					    "canonicalizedBody", NULL };
	static const char *const idk[] = { "keyId", NULL };
	static const char *const pk[] = { "signedEntryTimestamp", NULL };
	json_t *id = NULL, *pr = NULL;
	struct bj_loc sub;
	unsigned char *buf = NULL;
	size_t len = 0;
	int r = bj_expect(t, at, JSON_OBJECT, e);
	if (r == 0)
		r = bj_only_keys(t, at, keys, e);
	if (r == 0)
		r = get_i64(t, at, "logIndex", true, &out->log_index, e);
	if (r == 0)
		r = get_obj(t, at, "logId", true, idk, &id, &sub, e);
	if (r == 0)
		r = get_bytes(id, &sub, "keyId", 32, &buf, &len, e);
	if (r == 0 && len != 32)
		r = bj_fail(e, &sub, "keyId: not 32 bytes");
	if (r == 0)
		memcpy(out->log_id, buf, 32);
	free(buf);
	if (r == 0)
		r = read_kind(t, at, out, e);
	if (r == 0 && get_i64(t, at, "integratedTime", false, &out->integrated_time, e) < 0)
		r = -EINVAL;
	if (r == 0 && (r = get_obj(t, at, "inclusionPromise", false, pk, &pr, &sub, e)) == 0)
		r = get_bytes(pr, &sub, "signedEntryTimestamp", 1024, &out->set, &out->set_len, e);
	if (r >= 0)
		r = read_proof(t, at, out, e);
	if (r == 0)
		r = get_bytes(t, at, "canonicalizedBody", BODY_MAX, &out->body, &out->body_len, e);
	return r < 0 ? r : 0;
}

static int read_certs(json_t *vm, const struct bj_loc *at, struct trust_bundle *b,
		      struct brig_err *e)
{
	static const char *const chk[] = { "certificates", NULL };
	static const char *const rk[] = { "rawBytes", NULL };
	json_t *ch = NULL, *arr = NULL, *v;
	struct bj_loc sub, as;
	size_t i;
	int r = get_obj(vm, at, "certificate", false, rk, &ch, &sub, e);
	if (r == 0) {
		b->n_certs = 1;
		return get_bytes(ch, &sub, "rawBytes", CERT_MAX, &b->certs[0], &b->cert_len[0], e);
	}
	if (r < 0 || (r = get_obj(vm, at, "x509CertificateChain", false, chk, &ch, &sub, e)) != 0)
		return r;
	bj_key(&as, &sub, "certificates");
	if ((r = bj_get_arr(ch, &sub, "certificates", true, &arr, e)) < 0)
		return r;
	if (json_array_size(arr) == 0 || json_array_size(arr) > TRUST_BUNDLE_MAX_CERTS)
		return bj_fail(e, &as, "expected 1 to %d certificates", TRUST_BUNDLE_MAX_CERTS);
	json_array_foreach(arr, i, v)
	{
		struct bj_loc el;
		bj_idx(&el, &as, i);
		if ((r = bj_expect(v, &el, JSON_OBJECT, e)) < 0 ||
		    (r = bj_only_keys(v, &el, rk, e)) < 0 ||
		    (r = get_bytes(v, &el, "rawBytes", CERT_MAX, &b->certs[i], &b->cert_len[i],
				   e)) < 0)
			return r;
		b->n_certs++;
	}
	return 0;
}

#define TSA_MAX (64 * 1024) /* one TimeStampResp */

/* timestampVerificationData: the RFC 3161 timestamps, kept as DER. */
static int read_timestamps(json_t *vm, const struct bj_loc *at, struct trust_bundle *b,
			   struct brig_err *e)
{
	static const char *const tk[] = { "rfc3161Timestamps", NULL };
	static const char *const sk[] = { "signedTimestamp", NULL };
	json_t *tv = NULL, *arr = NULL, *v;
	struct bj_loc sub, as;
	size_t i;
	int r = get_obj(vm, at, "timestampVerificationData", false, tk, &tv, &sub, e);
	if (r < 0 || !tv || (r = bj_get_arr(tv, &sub, "rfc3161Timestamps", false, &arr, e)) < 0)
		return r < 0 ? r : 0;
	bj_key(&as, &sub, "rfc3161Timestamps");
	if (json_array_size(arr) > TRUST_BUNDLE_MAX_TSA)
		return bj_fail(e, &as, "more than %d timestamps", TRUST_BUNDLE_MAX_TSA);
	json_array_foreach(arr, i, v)
	{
		struct bj_loc el;
		bj_idx(&el, &as, i);
		if ((r = bj_expect(v, &el, JSON_OBJECT, e)) < 0 ||
		    (r = bj_only_keys(v, &el, sk, e)) < 0 ||
		    (r = get_bytes(v, &el, "signedTimestamp", TSA_MAX, &b->tsa[i], &b->tsa_len[i],
				   e)) < 0)
			return r;
		b->n_tsa++;
	}
	return 0;
}

static int read_material(json_t *doc, const struct bj_loc *root, struct trust_bundle *b,
			 struct brig_err *e)
{
	static const char *const keys[] = {
		"publicKey",   "x509CertificateChain",      "certificate",
		"tlogEntries", "timestampVerificationData", NULL
	};
	static const char *const hk[] = { "hint", NULL };
	json_t *vm = NULL, *pk = NULL, *tl = NULL, *v;
	struct bj_loc at, sub, ts;
	const char *hint = NULL;
	size_t i;
	int r = get_obj(doc, root, "verificationMaterial", true, keys, &vm, &at, e);
	if (r < 0)
		return r;
	if ((r = get_obj(vm, &at, "publicKey", false, hk, &pk, &sub, e)) == 0) {
		if ((r = bj_get_str(pk, &sub, "hint", false, &hint, e)) < 0)
			return r;
		if (!(b->key_hint = strdup(hint ? hint : "")))
			return brig_err_oom(e);
	}
	if (r < 0 || (r = read_certs(vm, &at, b, e)) < 0)
		return r;
	if ((r = read_timestamps(vm, &at, b, e)) < 0)
		return r;
	if (!b->key_hint == !b->n_certs)
		return bj_fail(e, &at,
			       "expected exactly one of publicKey, certificate, "
			       "x509CertificateChain");
	bj_key(&ts, &at, "tlogEntries");
	if ((r = bj_get_arr(vm, &at, "tlogEntries", false, &tl, e)) < 0)
		return r;
	if (tl && json_array_size(tl) > TRUST_BUNDLE_MAX_TLOG)
		return bj_fail(e, &ts, "more than %d entries", TRUST_BUNDLE_MAX_TLOG);
	json_array_foreach(tl, i, v)
	{
		struct bj_loc el;
		bj_idx(&el, &ts, i);
		b->n_tlog++;
		if ((r = read_tlog(v, &el, &b->tlog[i], e)) < 0)
			return r;
	}
	return 0;
}

static int read_envelope(json_t *doc, const struct bj_loc *root, struct trust_bundle *b,
			 struct brig_err *e)
{
	static const char *const keys[] = { "payload", "payloadType", "signatures", NULL };
	static const char *const sk[] = { "sig", "keyid", NULL };
	json_t *env = NULL, *sigs = NULL, *s;
	struct bj_loc at, ss, el;
	const char *type = NULL, *sig = NULL;
	int r = get_obj(doc, root, "dsseEnvelope", true, keys, &env, &at, e);
	if (r == 0)
		r = bj_get_str(env, &at, "payloadType", true, &type, e);
	if (r == 0 && !(b->payload_type = strdup(type)))
		r = brig_err_oom(e);
	if (r == 0)
		r = get_bytes(env, &at, "payload", TRUST_BUNDLE_MAX, &b->payload, &b->payload_len,
			      e);
	bj_key(&ss, &at, "signatures");
	if (r == 0)
		r = bj_get_arr(env, &at, "signatures", true, &sigs, e);
	if (r == 0 && json_array_size(sigs) != 1)
		r = bj_fail(e, &ss, "expected exactly one signature");
	s = r == 0 ? json_array_get(sigs, 0) : NULL;
	bj_idx(&el, &ss, 0);
	if (r == 0 && (r = bj_expect(s, &el, JSON_OBJECT, e)) == 0)
		r = bj_only_keys(s, &el, sk, e);
	if (r == 0 && (r = bj_get_str(s, &el, "sig", true, &sig, e)) == 0 &&
	    !(b->sig_b64 = strdup(sig)))
		r = brig_err_oom(e);
	if (r == 0)
		r = get_bytes(s, &el, "sig", 1024, &b->sig, &b->sig_len, e);
	return r;
}

int trust_bundle_parse(const char *json, size_t len, const char *what, struct trust_bundle *out,
		       struct brig_err *e)
{
	static const char *const keys[] = { "mediaType", "verificationMaterial", "dsseEnvelope",
					    "messageSignature", NULL };
	_cleanup_json_ json_t *doc = NULL;
	const char *mt = NULL;
	struct bj_loc root;
	bj_root(&root, what);
	*out = (struct trust_bundle){ 0 };
	if (len > TRUST_BUNDLE_MAX)
		return brig_err_set(e, -EFBIG, "%s: larger than %zu bytes", what, TRUST_BUNDLE_MAX);
	int r = bj_parse(json, len, what, &doc, e);
	if (r == 0)
		r = bj_expect(doc, &root, JSON_OBJECT, e);
	if (r == 0)
		r = bj_only_keys(doc, &root, keys, e);
	if (r == 0)
		r = bj_get_str(doc, &root, "mediaType", true, &mt, e);
	if (r == 0 && strcmp(mt, TRUST_MT_BUNDLE_03) != 0 && strcmp(mt, TRUST_MT_BUNDLE_02) != 0)
		r = bj_fail(e, &root, "mediaType: '%.100s' is not a bundle v0.3 or v0.2", mt);
	if (r == 0 && !(out->media_type = strdup(mt)))
		r = brig_err_oom(e);
	if (r == 0 && json_object_get(doc, "messageSignature"))
		r = bj_fail(e, &root,
			    "messageSignature: a signature of a blob, not of an "
			    "image (expected dsseEnvelope)");
	if (r == 0)
		r = read_material(doc, &root, out, e);
	if (r == 0)
		r = read_envelope(doc, &root, out, e);
	if (r < 0)
		trust_bundle_clear(out);
	return r;
}
