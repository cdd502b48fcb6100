/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The body of a Rekor entry must record the bundle's own envelope, or a
 * valid entry for another signature could be pasted beside it:
 *   - kind "dsse" 0.0.1: spec.signatures = [{signature: BASE64(sig),
 *     verifier}], spec.payloadHash = {algorithm: sha256, value: HEX};
 *   - kind "intoto" 0.0.2: spec.content.envelope.signatures = [{sig:
 *     BASE64(BASE64(sig)), ...}], spec.content.payloadHash likewise;
 *   - kind "dsse" 0.0.2, Rekor v2's: rekor_v2.c.
 */
#include "trust/bundle.h"
#include "trust/sigstore-internal.h"

#include <string.h>

int trust_rekor_body_refuse(struct brig_err *e, const char *what)
{
	return brig_err_set(e, -EKEYREJECTED, "the Rekor entry's body %s", what);
}

/* {algorithm: sha256, value: HEX} equal to the payload's hash. */
static int payload_hash_is(json_t *ph, const struct trust_bundle *b, struct brig_err *e)
{
	char hex[BRIG_SHA256_HEX];
	json_t *alg = json_object_get(ph, "algorithm"), *v = json_object_get(ph, "value");
	if (brig_sha256_buf(b->payload, b->payload_len, hex) < 0)
		return brig_err_oom(e);
	if (!json_is_string(alg) || strcmp(json_string_value(alg), "sha256") != 0 ||
	    !json_is_string(v) || strcmp(json_string_value(v), hex) != 0)
		return trust_rekor_body_refuse(e, "records another payload (payloadHash)");
	return 0;
}

/* b64 (once or, for intoto, twice base64) decodes to the bundle's
 * signature. */
static int sig_is(const char *b64, bool twice, const struct trust_bundle *b, struct brig_err *e)
{
	_cleanup_free_ unsigned char *once = NULL, *raw = NULL;
	size_t n1 = 0, n2 = 0;
	if (!b64 || trust_b64_decode(b64, 4096, "sig", &once, &n1, e) < 0) {
		brig_err_clear(e);
		return trust_rekor_body_refuse(e, "holds a malformed signature");
	}
	if (twice) {
		_cleanup_free_ char *s = brig_memdupz(once, n1);
		if (!s)
			return brig_err_oom(e);
		if (trust_b64_decode(s, 2048, "sig", &raw, &n2, e) < 0) {
			brig_err_clear(e);
			return trust_rekor_body_refuse(e, "holds a malformed signature");
		}
	}
	const unsigned char *got = twice ? raw : once;
	size_t gl = twice ? n2 : n1;
	if (gl != b->sig_len || memcmp(got, b->sig, gl) != 0)
		return trust_rekor_body_refuse(e, "records another signature");
	return 0;
}

static const char *only_sig(json_t *sigs, const char *member)
{
	if (!json_is_array(sigs) || json_array_size(sigs) != 1)
		return NULL;
	json_t *s = json_object_get(json_array_get(sigs, 0), member);
	return json_is_string(s) ? json_string_value(s) : NULL;
}

int trust_rekor_check_body(const struct trust_tlog_entry *t, const struct trust_bundle *b,
			   struct brig_err *e)
{
	_cleanup_json_ json_t *doc = NULL;
	if (bj_parse((const char *)t->body, t->body_len, "Rekor entry body", &doc, e) < 0) {
		brig_err_clear(e);
		return trust_rekor_body_refuse(e, "is not JSON");
	}
	json_t *kind = json_object_get(doc, "kind"), *ver = json_object_get(doc, "apiVersion");
	json_t *spec = json_object_get(doc, "spec");
	if (!json_is_string(kind) || !json_is_string(ver) || !json_is_object(spec))
		return trust_rekor_body_refuse(e, "lacks kind, apiVersion or spec");
	const char *k = json_string_value(kind), *v = json_string_value(ver);
	if (strcmp(k, t->kind) != 0 || strcmp(v, t->version) != 0)
		return trust_rekor_body_refuse(e, "is of another kind than kindVersion says");
	if (!strcmp(k, "dsse") && !strcmp(v, "0.0.1")) {
		int r = sig_is(only_sig(json_object_get(spec, "signatures"), "signature"), false, b,
			       e);
		return r < 0 ? r : payload_hash_is(json_object_get(spec, "payloadHash"), b, e);
	}
	if (!strcmp(k, "intoto") && !strcmp(v, "0.0.2")) {
		json_t *c = json_object_get(spec, "content");
		json_t *env = json_object_get(c, "envelope");
		int r = sig_is(only_sig(json_object_get(env, "signatures"), "sig"), true, b, e);
		return r < 0 ? r : payload_hash_is(json_object_get(c, "payloadHash"), b, e);
	}
	if (!strcmp(k, "dsse") && !strcmp(v, "0.0.2"))
		return trust_rekor2_check_body(spec, b, e);
	return brig_err_set(e, -EKEYREJECTED,
			    "a Rekor entry of kind %.32s %.32s (expected dsse 0.0.1, intoto 0.0.2 "
			    "or Rekor v2's dsse 0.0.2)",
			    k, v);
}
