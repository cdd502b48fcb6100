/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sigstore "simple signing" payloads and their signatures, as cosign
 * writes them:
 *   {"critical":{"identity":{"docker-reference":REF},
 *                "image":{"docker-manifest-digest":DIGEST},
 *                "type":"cosign container image signature"},
 *    "optional":null}
 * signed with ECDSA (ASN.1 DER) or RSA PKCS #1 v1.5 over the SHA-256 of
 * those bytes, or Ed25519 over the bytes themselves; base64.
 */
#include "trust/sigstore-internal.h"

#include <string.h>

#include <openssl/err.h>

void trust_payload_clear(struct trust_payload *p)
{
	free(p->docker_reference);
	*p = (struct trust_payload){ 0 };
}

int trust_payload_make(const char *ref, const char *digest, char **out, size_t *len,
		       struct brig_err *e)
{
	return trust_payload_make_at(ref, digest, 0, out, len, e);
}

int trust_payload_make_at(const char *ref, const char *digest, int64_t when, char **out,
			  size_t *len, struct brig_err *e)
{
	if (!brig_digest_valid(digest))
		return brig_err_set(e, -EINVAL, "bad digest '%.80s'", digest);
	json_t *opt = when > 0
		? json_pack("{s:s,s:I}", "creator", "brig", "timestamp", (json_int_t)when)
		: json_null();
	_cleanup_json_ json_t *j = json_pack(
		"{s:{s:{s:s},s:{s:s},s:s},s:o}", "critical", "identity", "docker-reference", ref,
		"image", "docker-manifest-digest", digest, "type", TRUST_SIG_TYPE, "optional", opt);
	*out = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	if (!*out)
		return brig_err_oom(e);
	*len = strlen(*out);
	return 0;
}

/* An object holding exactly the one string member key. */
static int one_string(json_t *parent, const struct bj_loc *at, const char *obj, const char *key,
		      const char **out, struct brig_err *e)
{
	const char *const keys[] = { key, NULL };
	json_t *o = NULL;
	struct bj_loc sub;
	bj_key(&sub, at, obj);
	int r = bj_get_obj(parent, at, obj, true, &o, e);
	if (r == 0)
		r = bj_only_keys(o, &sub, keys, e);
	if (r == 0)
		r = bj_get_str(o, &sub, key, true, out, e);
	return r;
}

static int read_critical(json_t *doc, const struct bj_loc *root, const char *want, const char **ref,
			 const char **digest, struct brig_err *e)
{
	static const char *const keys[] = { "identity", "image", "type", NULL };
	json_t *c = NULL;
	const char *type = NULL;
	struct bj_loc at;
	bj_key(&at, root, "critical");
	int r = bj_get_obj(doc, root, "critical", true, &c, e);
	if (r == 0)
		r = bj_only_keys(c, &at, keys, e);
	if (r == 0)
		r = bj_get_str(c, &at, "type", true, &type, e);
	if (r == 0 && strcmp(type, want) != 0)
		r = bj_fail(e, &at, "type: '%.80s' is not '%s'", type, want);
	if (r == 0)
		r = one_string(c, &at, "identity", "docker-reference", ref, e);
	if (r == 0)
		r = one_string(c, &at, "image", "docker-manifest-digest", digest, e);
	if (r == 0 && !brig_digest_valid(*digest))
		r = bj_fail(e, &at, "image.docker-manifest-digest: '%.80s' is no sha256 digest",
			    *digest);
	if (r == 0 && (!(*ref)[0] || strlen(*ref) > 1024))
		r = bj_fail(e, &at, "identity.docker-reference: empty or too long");
	return r;
}

int trust_payload_parse(const char *buf, size_t len, struct trust_payload *out, struct brig_err *e)
{
	return trust_payload_parse_type(buf, len, TRUST_SIG_TYPE, out, e);
}

int trust_payload_parse_type(const char *buf, size_t len, const char *type,
			     struct trust_payload *out, struct brig_err *e)
{
	static const char *const keys[] = { "critical", "optional", NULL };
	_cleanup_json_ json_t *doc = NULL;
	const char *ref = NULL, *digest = NULL;
	struct bj_loc root;
	bj_root(&root, "payload");
	*out = (struct trust_payload){ 0 };
	if (len > TRUST_PAYLOAD_MAX)
		return brig_err_set(e, -EFBIG, "payload: larger than %zu bytes", TRUST_PAYLOAD_MAX);
	if (memchr(buf, '\0', len))
		return brig_err_set(e, -EINVAL, "payload: holds a NUL byte");
	int r = bj_parse(buf, len, "payload", &doc, e);
	if (r == 0)
		r = bj_expect(doc, &root, JSON_OBJECT, e);
	if (r == 0)
		r = bj_only_keys(doc, &root, keys, e);
	json_t *opt = r == 0 ? json_object_get(doc, "optional") : NULL;
	if (r == 0 && opt && !json_is_object(opt) && !json_is_null(opt))
		r = bj_fail(e, &root, "optional: expected an object or null, got %s",
			    bj_type_name(opt));
	if (r == 0)
		r = read_critical(doc, &root, type, &ref, &digest, e);
	if (r == 0 && !(out->docker_reference = strdup(ref)))
		r = brig_err_oom(e);
	if (r == 0)
		snprintf(out->digest, sizeof(out->digest), "%s", digest);
	return r;
}

/* The digest a key signs with: SHA-256, none for Ed25519 (it hashes the
 * message itself). */
static const EVP_MD *key_md(EVP_PKEY *k)
{
	return EVP_PKEY_get_base_id(k) == EVP_PKEY_ED25519 ? NULL : EVP_sha256();
}

int trust_sign(EVP_PKEY *k, const void *data, size_t len, char **b64, struct brig_err *e)
{
	EVP_MD_CTX *x = EVP_MD_CTX_new();
	size_t n = 0;
	unsigned char *sig = NULL;
	int ok = x && EVP_DigestSignInit(x, NULL, key_md(k), NULL, k) > 0 &&
		EVP_DigestSign(x, NULL, &n, data, len) > 0 && (sig = malloc(n)) &&
		EVP_DigestSign(x, sig, &n, data, len) > 0;
	EVP_MD_CTX_free(x);
	ERR_clear_error();
	*b64 = ok ? trust_b64_encode(sig, n) : NULL;
	free(sig);
	if (!ok)
		return brig_err_set(e, -EIO, "signing failed (OpenSSL)");
	return *b64 ? 0 : brig_err_oom(e);
}

int trust_verify(EVP_PKEY *k, const void *data, size_t len, const char *b64, struct brig_err *e)
{
	_cleanup_free_ unsigned char *sig = NULL;
	size_t n = 0;
	int r = trust_b64_decode(b64, TRUST_SIG_B64_MAX, "signature", &sig, &n, e);
	if (r < 0)
		return r;
	EVP_MD_CTX *x = EVP_MD_CTX_new();
	if (!x)
		return brig_err_oom(e);
	int ok = EVP_DigestVerifyInit(x, NULL, key_md(k), NULL, k) > 0 &&
		EVP_DigestVerify(x, sig, n, data, len) == 1;
	EVP_MD_CTX_free(x);
	ERR_clear_error();
	if (!ok)
		return brig_err_set(e, -EKEYREJECTED, "the signature does not match the key");
	return 0;
}
