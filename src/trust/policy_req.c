/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trust: a policy's requirements (insecureAcceptAnything, reject, signedBy,
 * sigstoreSigned) and their signedIdentity, by containers-policy.json(5):
 * exactly one key source, no member the format does not define, keys given
 * by value in standard base64.
 */
#include "trust/policy-internal.h"

#include <openssl/evp.h>
#include <string.h>

#define MAX_KEYS 64

static void blobs_free(struct trust_blob *b, size_t n)
{
	for (size_t i = 0; b && i < n; i++)
		free(b[i].data);
	free(b);
}

static bool b64_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		c == '+' || c == '/';
}

/* Standard base64 with padding, as encoding/json writes []byte. */
static int b64_decode(const char *s, const struct bj_loc *at, struct trust_blob *out,
		      struct brig_err *e)
{
	size_t n = strlen(s), pad = 0;
	while (pad < 2 && pad < n && s[n - 1 - pad] == '=')
		pad++;
	bool ok = n > 0 && n % 4 == 0 && n <= TRUST_POLICY_MAX;
	for (size_t i = 0; ok && i < n - pad; i++)
		ok = b64_char(s[i]);
	if (!ok)
		return bj_fail(e, at, "not base64 (standard alphabet, padded) or empty");
	out->data = malloc(n / 4 * 3 + 1);
	if (!out->data)
		return brig_err_oom(e);
	int len = EVP_DecodeBlock(out->data, (const unsigned char *)s, (int)n);
	if (len < 0 || (size_t)len < pad)
		return bj_fail(e, at, "not base64");
	out->len = (size_t)len - pad;
	return 0;
}

/* A non-empty string member, copied into (*v)[0] as a one-entry vector. */
static int get_one_path(const json_t *o, const struct bj_loc *at, const char *key, char ***v,
			struct brig_err *e)
{
	const char *s = NULL;
	int r = bj_get_str(o, at, key, false, &s, e);
	if (r != 0)
		return r;
	struct bj_loc sub;
	bj_key(&sub, at, key);
	if (!*s)
		return bj_fail(e, &sub, "empty");
	char *tmp[] = { (char *)s, NULL };
	return (*v = brig_strv_dup(tmp)) ? 0 : brig_err_oom(e);
}

static int get_paths(const json_t *o, const struct bj_loc *at, const char *key, char ***v,
		     struct brig_err *e)
{
	int r = bj_get_strv(o, at, key, false, MAX_KEYS, v, e);
	if (r != 0)
		return r;
	struct bj_loc sub;
	bj_key(&sub, at, key);
	if (!(*v)[0])
		return bj_fail(e, &sub, "contains no entries");
	for (size_t i = 0; (*v)[i]; i++)
		if (!(*v)[i][0])
			return bj_fail(e, &sub, "entry %zu is empty", i);
	return 0;
}

/* keyData (one) or keyDatas (an array): base64 blobs. */
static int get_datas(const json_t *o, const struct bj_loc *at, const char *key, bool many,
		     struct trust_blob **out, size_t *n, struct brig_err *e)
{
	json_t *v = json_object_get(o, key);
	if (!v)
		return 1;
	struct bj_loc sub, el;
	bj_key(&sub, at, key);
	size_t cnt = many ? json_array_size(v) : 1;
	if (many && (!json_is_array(v) || cnt == 0 || cnt > MAX_KEYS))
		return bj_fail(e, &sub, "expected a non-empty array of base64 strings, got %s",
			       json_is_array(v) ? "an empty or too long array" : bj_type_name(v));
	if (!(*out = calloc(cnt, sizeof(**out))))
		return brig_err_oom(e);
	*n = cnt;
	for (size_t i = 0; i < cnt; i++) {
		json_t *s = many ? json_array_get(v, i) : v;
		el = sub;
		if (many)
			bj_idx(&el, &sub, i);
		int r = bj_expect(s, &el, JSON_STRING, e);
		if (r < 0 || (r = b64_decode(json_string_value(s), &el, &(*out)[i], e)) < 0)
			return r;
	}
	return 0;
}

/* How many of the NULL-terminated members names o has. */
static int count_members(const json_t *o, const char *const *names)
{
	int n = 0;
	for (; *names; names++)
		n += json_object_get(o, *names) != NULL;
	return n;
}

/* The key source: exactly one of keyPath, keyPaths, keyData (sigstoreSigned:
 * also keyDatas, fulcio, parsed by fulcio_parse). */
static int keys_parse(const json_t *o, const struct bj_loc *at, struct trust_req *q, bool many,
		      struct brig_err *e)
{
	static const char *const gpg[] = { "keyPath", "keyPaths", "keyData", NULL };
	static const char *const sig[] = { "keyPath",  "keyPaths", "keyData",
					   "keyDatas", "fulcio",   NULL };
	if (count_members(o, many ? sig : gpg) != 1)
		return bj_fail(e, at, "exactly one of %s must be given",
			       many ? "keyPath, keyPaths, keyData, keyDatas and fulcio"
				    : "keyPath, keyPaths and keyData");
	int r;
	if ((r = get_one_path(o, at, "keyPath", &q->key_paths, e)) < 0 ||
	    (r = get_paths(o, at, "keyPaths", &q->key_paths, e)) < 0 ||
	    (r = get_datas(o, at, "keyData", false, &q->key_datas, &q->n_key_datas, e)) < 0)
		return r;
	if (many && (r = get_datas(o, at, "keyDatas", true, &q->key_datas, &q->n_key_datas, e)) < 0)
		return r;
	return 0;
}

static int signed_by_parse(const json_t *o, const struct bj_loc *at, struct trust_req *q,
			   struct brig_err *e)
{
	static const char *const keys[] = { "type",    "keyType",        "keyPath", "keyPaths",
					    "keyData", "signedIdentity", NULL };
	const char *kt = NULL;
	int r = bj_only_keys(o, at, keys, e);
	if (r < 0 || (r = bj_get_str(o, at, "keyType", true, &kt, e)) < 0)
		return r;
	if (strcmp(kt, "GPGKeys") != 0) {
		struct bj_loc sub;
		bj_key(&sub, at, "keyType");
		return bj_fail(e, &sub, "\"%.64s\" is not supported (only GPGKeys)", kt);
	}
	if ((r = keys_parse(o, at, q, false, e)) < 0)
		return r;
	return trust_identity_parse(o, at, &q->identity, e);
}

static int fulcio_parse(const json_t *req, const struct bj_loc *rat, struct trust_req *q,
			struct brig_err *e)
{
	static const char *const keys[] = { "caPath", "caData", "oidcIssuer", "subjectEmail",
					    NULL };
	json_t *o = NULL;
	struct bj_loc at;
	bj_key(&at, rat, "fulcio");
	int r = bj_get_obj(req, rat, "fulcio", true, &o, e);
	if (r < 0 || (r = bj_only_keys(o, &at, keys, e)) < 0)
		return r;
	struct trust_fulcio *f = q->fulcio = calloc(1, sizeof(*f));
	if (!f)
		return brig_err_oom(e);
	char **ca = NULL;
	size_t one = 0;
	struct trust_blob *blob = NULL;
	if ((r = get_one_path(o, &at, "caPath", &ca, e)) < 0)
		return r;
	if (ca) {
		f->ca_path = brig_steal_ptr(ca[0]);
		brig_strv_free(ca);
	}
	if ((r = get_datas(o, &at, "caData", false, &blob, &one, e)) < 0) {
		blobs_free(blob, one);
		return r;
	}
	if (blob) {
		f->ca_data = *blob;
		free(blob);
	}
	if (!f->ca_path == !f->ca_data.data)
		return bj_fail(e, &at, "exactly one of caPath and caData must be given");
	const char *iss = NULL, *mail = NULL;
	if ((r = bj_get_str(o, &at, "oidcIssuer", true, &iss, e)) < 0 ||
	    (r = bj_get_str(o, &at, "subjectEmail", true, &mail, e)) < 0)
		return r;
	if (!*iss || !*mail)
		return bj_fail(e, &at, "oidcIssuer and subjectEmail must not be empty");
	f->oidc_issuer = strdup(iss);
	f->subject_email = strdup(mail);
	return f->oidc_issuer && f->subject_email ? 0 : brig_err_oom(e);
}

static int rekor_parse(const json_t *o, const struct bj_loc *at, struct trust_req *q,
		       struct brig_err *e)
{
	static const char *const names[] = { "rekorPublicKeyPath", "rekorPublicKeyPaths",
					     "rekorPublicKeyData", "rekorPublicKeyDatas", NULL };
	int got = count_members(o, names), r;
	if (got > 1)
		return bj_fail(e, at,
			       "at most one of rekorPublicKeyPath, rekorPublicKeyPaths, "
			       "rekorPublicKeyData and rekorPublicKeyDatas may be given");
	if (q->fulcio && got == 0)
		return bj_fail(e, at,
			       "fulcio needs one of rekorPublicKeyPath, "
			       "rekorPublicKeyPaths, rekorPublicKeyData, rekorPublicKeyDatas");
	if ((r = get_one_path(o, at, "rekorPublicKeyPath", &q->rekor_paths, e)) < 0 ||
	    (r = get_paths(o, at, "rekorPublicKeyPaths", &q->rekor_paths, e)) < 0 ||
	    (r = get_datas(o, at, "rekorPublicKeyData", false, &q->rekor_datas, &q->n_rekor_datas,
			   e)) < 0 ||
	    (r = get_datas(o, at, "rekorPublicKeyDatas", true, &q->rekor_datas, &q->n_rekor_datas,
			   e)) < 0)
		return r;
	return 0;
}

static int sigstore_parse(const json_t *o, const struct bj_loc *at, struct trust_req *q,
			  struct brig_err *e)
{
	static const char *const keys[] = { "type",
					    "keyPath",
					    "keyPaths",
					    "keyData",
					    "keyDatas",
					    "fulcio",
					    "rekorPublicKeyPath",
					    "rekorPublicKeyPaths",
					    "rekorPublicKeyData",
					    "rekorPublicKeyDatas",
					    "signedIdentity",
					    NULL };
	int r = bj_only_keys(o, at, keys, e);
	if (r < 0 || (r = keys_parse(o, at, q, true, e)) < 0)
		return r;
	if (json_object_get(o, "fulcio") && (r = fulcio_parse(o, at, q, e)) < 0)
		return r;
	if ((r = rekor_parse(o, at, q, e)) < 0)
		return r;
	return trust_identity_parse(o, at, &q->identity, e);
}

static int req_parse(const json_t *o, const struct bj_loc *at, struct trust_req *q, bool brig,
		     struct brig_err *e)
{
	static const char *const only_type[] = { "type", NULL };
	const char *type = NULL;
	int r = bj_expect(o, at, JSON_OBJECT, e);
	if (r < 0 || (r = bj_get_str(o, at, "type", true, &type, e)) < 0)
		return r;
	if (strcmp(type, "insecureAcceptAnything") == 0 || strcmp(type, "reject") == 0) {
		q->kind = type[0] == 'r' ? TRUST_REQ_REJECT : TRUST_REQ_ACCEPT_ANYTHING;
		return bj_only_keys(o, at, only_type, e);
	}
	if (strcmp(type, "signedBy") == 0) {
		q->kind = TRUST_REQ_SIGNED_BY;
		return signed_by_parse(o, at, q, e);
	}
	if (strcmp(type, "sigstoreSigned") == 0) {
		q->kind = TRUST_REQ_SIGSTORE;
		return sigstore_parse(o, at, q, e);
	}
	if (brig && strcmp(type, "notaryTrust") == 0) {
		q->kind = TRUST_REQ_NOTARY;
		return trust_notary_req_parse(o, at, q, e);
	}
	struct bj_loc sub;
	bj_key(&sub, at, "type");
	if (strcmp(type, "signedBaseLayer") == 0)
		return bj_fail(e, &sub, "signedBaseLayer is not supported");
	return bj_fail(e, &sub, "unknown requirement type \"%.64s\"", type);
}

static int reqs_parse(const json_t *arr, const struct bj_loc *at, struct trust_reqs *out, bool brig,
		      struct brig_err *e)
{
	*out = (struct trust_reqs){ 0 };
	int r = bj_expect(arr, at, JSON_ARRAY, e);
	if (r < 0)
		return r;
	size_t n = json_array_size(arr);
	if (n == 0)
		return bj_fail(e, at, "the list of requirements must not be empty");
	if (n > MAX_KEYS)
		return bj_fail(e, at, "more than %d requirements", MAX_KEYS);
	if (!(out->v = calloc(n, sizeof(*out->v))))
		return brig_err_oom(e);
	for (size_t i = 0; i < n; i++) {
		struct bj_loc el;
		bj_idx(&el, at, i);
		out->n++;
		if ((r = req_parse(json_array_get(arr, i), &el, &out->v[i], brig, e)) < 0)
			return r;
	}
	return 0;
}

int trust_reqs_parse(const json_t *arr, const struct bj_loc *at, struct trust_reqs *out,
		     struct brig_err *e)
{
	return reqs_parse(arr, at, out, false, e);
}

int trust_reqs_parse_brig(const json_t *arr, const struct bj_loc *at, struct trust_reqs *out,
			  struct brig_err *e)
{
	return reqs_parse(arr, at, out, true, e);
}

void trust_reqs_clear(struct trust_reqs *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		struct trust_req *q = &rs->v[i];
		brig_strv_free(q->key_paths);
		blobs_free(q->key_datas, q->n_key_datas);
		brig_strv_free(q->rekor_paths);
		blobs_free(q->rekor_datas, q->n_rekor_datas);
		if (q->fulcio) {
			free(q->fulcio->ca_path);
			free(q->fulcio->ca_data.data);
			free(q->fulcio->oidc_issuer);
			free(q->fulcio->subject_email);
			free(q->fulcio);
		}
		trust_identity_clear(&q->identity);
		free(q->notary_server);
		free(q->tsa_path);
		brig_strv_free(q->ct_key_paths);
		brig_strv_free(q->notary_root_keys);
		brig_strv_free(q->notary_root_cas);
	}
	free(rs->v);
	*rs = (struct trust_reqs){ 0 };
}
