/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sigstoreSigned plug for simple signing payloads (a cosign `.sig`
 * layer): a key the requirement names (keyPath, keyPaths, keyData,
 * keyDatas) verifies the signature over the payload, the payload is well
 * formed, names the image's manifest digest, and its docker-reference
 * satisfies the requirement's signedIdentity for the image.  Keyless
 * (fulcio) and Rekor requirements need a sigstore bundle: a `.sig`
 * signature is refused under them, saying so.
 */
#include "trust/check-internal.h"

#include <fcntl.h>
#include <string.h>

/* Key i of q (paths first, then data): 1 loaded, 0 no such key, < 0 an
 * error (a key the policy names that cannot be read). */
static int req_key(const struct trust_req *q, size_t i, EVP_PKEY **k, char **name,
		   struct brig_err *e)
{
	size_t np = 0;
	while (q->key_paths && q->key_paths[np])
		np++;
	if (i < np) {
		if (!(*name = strdup(q->key_paths[i])))
			return brig_err_oom(e);
		int r = trust_pubkey_load(q->key_paths[i], k, e);
		return r < 0 ? r : 1;
	}
	if (i - np >= q->n_key_datas)
		return 0;
	if (asprintf(name, "keyData[%zu]", i - np) < 0) {
		*name = NULL;
		return brig_err_oom(e);
	}
	const struct trust_blob *b = &q->key_datas[i - np];
	int r = trust_pubkey_parse((const char *)b->data, b->len, *name, k, e);
	return r < 0 ? r : 1;
}

/* The key of q that verifies sig: 1 (res->key set), 0 none (res->why). */
static int find_key(const struct trust_req *q, const struct trust_sig *sig,
		    struct trust_sig_result *res, struct brig_err *e)
{
	size_t tried = 0;
	for (size_t i = 0;; i++) {
		_cleanup_pkey_ EVP_PKEY *k = NULL;
		_cleanup_free_ char *name = NULL;
		int r = req_key(q, i, &k, &name, e);
		if (r <= 0) {
			if (r < 0)
				return brig_err_wrap(e, "a key the policy names");
			break;
		}
		tried++;
		_cleanup_err_ struct brig_err ve = { 0 };
		r = trust_verify(k, sig->payload, sig->payload_len, sig->signature, &ve);
		if (r == 0) {
			res->key = brig_steal_ptr(name);
			return 1;
		}
		if (r != -EKEYREJECTED)
			return (res->why = strdup(brig_err_str(&ve))) ? 0 : brig_err_oom(e);
	}
	int n = tried == 1
		? asprintf(&res->why, "not signed by the key the policy names (%s)",
			   q->key_paths ? q->key_paths[0] : "keyData")
		: asprintf(&res->why, "not signed by any of the %zu keys the policy names", tried);
	return n < 0 ? (res->why = NULL, brig_err_oom(e)) : 0;
}

/* optional.timestamp (seconds, as containers/image and brig write it), or 0. */
static int64_t payload_time(const char *payload, size_t len)
{
	_cleanup_json_ json_t *doc = json_loadb(payload, len, 0, NULL);
	json_t *t = json_object_get(json_object_get(doc, "optional"), "timestamp");
	return json_is_integer(t) && json_integer_value(t) > 0 ? (int64_t)json_integer_value(t) : 0;
}

int trust_check_refuse(struct trust_sig_result *res, struct brig_err *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&res->why, fmt, ap);
	va_end(ap);
	return n < 0 ? (res->why = NULL, brig_err_oom(e)) : 0;
}

int trust_check_payload(const struct trust_req *req, const struct img_ref *ref, const char *digest,
			const char *payload, size_t len, const char *type,
			struct trust_sig_result *res, struct brig_err *e)
{
	struct trust_payload p = { 0 };
	_cleanup_err_ struct brig_err pe = { 0 };
	if (trust_payload_parse_type(payload, len, type, &p, &pe) < 0)
		return trust_check_refuse(res, e, "%s", brig_err_str(&pe));
	res->identity = brig_steal_ptr(p.docker_reference);
	res->time = payload_time(payload, len);
	int r;
	if (!res->identity)
		r = brig_err_oom(e);
	else if (strcmp(p.digest, digest) != 0)
		r = trust_check_refuse(res, e, "it signs %s, not this image (%s)", p.digest,
				       digest);
	else if (!trust_identity_matches(&req->identity, ref, res->identity))
		r = trust_check_refuse(res, e,
				       "it signs docker-reference '%.200s', which the policy's %s "
				       "rule does not accept for this image",
				       res->identity, trust_ident_kind_name(req->identity.kind));
	else
		r = 1;
	trust_payload_clear(&p);
	return r;
}

int trust_check_simplesig(const struct trust_req *req, const struct img_ref *ref,
			  const char *digest, const struct trust_sig *sig,
			  struct trust_sig_result *res, struct brig_err *e)
{
	if (req->fulcio)
		return trust_check_refuse(
			res, e,
			"the policy asks for a Fulcio certificate (keyless), which "
			"a .sig signature checked with keys cannot show");
	if (req->rekor_paths || req->n_rekor_datas)
		return trust_check_refuse(res, e,
					  "the policy asks for a Rekor inclusion proof, which this "
					  ".sig signature does not carry");
	int r = find_key(req, sig, res, e);
	if (r <= 0)
		return r;
	return trust_check_payload(req, ref, digest, (const char *)sig->payload, sig->payload_len,
				   TRUST_SIG_TYPE, res, e);
}
