/* SPDX-License-Identifier: Apache-2.0 */
/* trust: TUF keys as Notary writes them (ecdsa, ecdsa-x509, ed25519, rsa, rsa-x509) and their key IDs. */
#include "trust/tuf.h"

#include <errno.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

static int b64_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Standard base64 with padding, nothing else accepted. */
int tuf_b64_decode(const char *in, unsigned char *out, size_t cap, size_t *len)
{
	size_t n = strlen(in), o = 0;
	if (n % 4 != 0)
		return -EINVAL;
	for (size_t i = 0; i < n; i += 4) {
		int v[4], pad = 0;
		for (int j = 0; j < 4; j++) {
			bool last = i + 4 == n;
			if (in[i + j] == '=' && last && j >= 2 && (j == 3 || in[i + 3] == '=')) {
				v[j] = 0;
				pad++;
				continue;
			}
			if (pad || (v[j] = b64_val((unsigned char)in[i + j])) < 0)
				return -EINVAL;
		}
		unsigned w = (unsigned)(v[0] << 18 | v[1] << 12 | v[2] << 6 | v[3]);
		unsigned char bytes[3] = { (unsigned char)(w >> 16), (unsigned char)(w >> 8),
					   (unsigned char)w };
		if (o + 3 - (size_t)pad > cap)
			return -EOVERFLOW;
		memcpy(out + o, bytes, 3 - (size_t)pad);
		o += 3 - (size_t)pad;
	}
	*len = o;
	return 0;
}

int tuf_key_id(const char *type, const char *pub, char id[BRIG_SHA256_HEX], struct brig_err *e)
{
	_cleanup_json_ json_t *k = json_pack("{s:s,s:{s:n,s:s}}", "keytype", type, "keyval",
					     "private", "public", pub);
	if (!k)
		return brig_err_oom(e);
	_cleanup_free_ char *c = NULL;
	size_t clen = 0;
	int r = tuf_canonical(k, &c, &clen, e);
	return r < 0 ? r : brig_sha256_buf(c, clen, id);
}

/* The public key of a key of type t from its decoded keyval.public. */
static int load_pub(struct tuf_key *k, const unsigned char *der, size_t n)
{
	const char *t = k->type;
	if (!strcmp(t, "ed25519")) {
		k->pk = n == 32 ? EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, der, n)
				: NULL;
		return k->pk ? 0 : -EINVAL;
	}
	if (!strcmp(t, "ecdsa") || !strcmp(t, "rsa")) {
		const unsigned char *p = der;
		k->pk = d2i_PUBKEY(NULL, &p, (long)n);
		if (!k->pk || p != der + n)
			return -EINVAL;
		return EVP_PKEY_base_id(k->pk) == (!strcmp(t, "rsa") ? EVP_PKEY_RSA : EVP_PKEY_EC)
			? 0
			: -EINVAL;
	}
	if (!strcmp(t, "ecdsa-x509") || !strcmp(t, "rsa-x509")) {
		BIO *bio = BIO_new_mem_buf(der, (int)n);
		if (!bio)
			return -ENOMEM;
		k->cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		BIO_free(bio);
		k->pk = k->cert ? X509_get_pubkey(k->cert) : NULL;
		if (!k->pk)
			return -EINVAL;
		int want = !strcmp(t, "rsa-x509") ? EVP_PKEY_RSA : EVP_PKEY_EC;
		return EVP_PKEY_base_id(k->pk) == want ? 0 : -EINVAL;
	}
	return -EPROTONOSUPPORT;
}

int tuf_key_parse(const json_t *v, const struct bj_loc *at, const char *want_id,
		  struct tuf_key *out, struct brig_err *e)
{
	static const char *const keys[] = { "keytype", "keyval", NULL };
	static const char *const vals[] = { "private", "public", NULL };
	const char *type = NULL, *pub = NULL;
	json_t *val = NULL, *priv;
	struct bj_loc vl;
	bj_key(&vl, at, "keyval");
	int r = bj_only_keys(v, at, keys, e);
	if (r == 0)
		r = bj_get_str(v, at, "keytype", true, &type, e);
	if (r == 0)
		r = bj_get_obj(v, at, "keyval", true, &val, e);
	if (r == 0)
		r = bj_only_keys(val, &vl, vals, e);
	if (r == 0)
		r = bj_get_str(val, &vl, "public", true, &pub, e);
	if (r < 0)
		return r;
	if ((priv = json_object_get(val, "private")) && !json_is_null(priv))
		return bj_fail(e, &vl, "private: a public key must not carry its private part");
	out->type = strdup(type);
	if (!out->type)
		return brig_err_oom(e);
	r = tuf_key_id(type, pub, out->id, e);
	if (r < 0)
		return r;
	if (want_id && strcmp(want_id, out->id))
		return bj_fail(e, at, "key ID does not match the key (its ID is %s)", out->id);
	size_t cap = strlen(pub), n = 0;
	_cleanup_free_ unsigned char *der = malloc(cap + 1);
	if (!der)
		return brig_err_oom(e);
	if (tuf_b64_decode(pub, der, cap, &n) < 0)
		return bj_fail(e, &vl, "public: not base64");
	r = load_pub(out, der, n);
	if (r == -EPROTONOSUPPORT)
		return bj_fail(e, at, "keytype: unknown key type \"%s\"", type);
	if (r < 0)
		return bj_fail(e, &vl, "public: not a valid %s public key", type);
	return 0;
}

int tuf_keyset_parse(const json_t *obj, const struct bj_loc *at, struct tuf_keyset *out,
		     struct brig_err *e)
{
	int r = bj_expect(obj, at, JSON_OBJECT, e);
	if (r < 0)
		return r;
	if (json_object_size(obj) > TUF_MAX_KEYS)
		return bj_fail(e, at, "more than %d keys", TUF_MAX_KEYS);
	out->k = calloc(json_object_size(obj) + 1, sizeof(*out->k));
	if (!out->k)
		return brig_err_oom(e);
	const char *id;
	json_t *v;
	json_object_foreach((json_t *)obj, id, v)
	{
		struct bj_loc kl;
		bj_key(&kl, at, id);
		r = tuf_key_parse(v, &kl, id, &out->k[out->n++], e);
		if (r < 0)
			return r;
	}
	return 0;
}

const struct tuf_key *tuf_keyset_find(const struct tuf_keyset *ks, const char *id)
{
	for (size_t i = 0; i < ks->n; i++)
		if (!strcmp(ks->k[i].id, id))
			return &ks->k[i];
	return NULL;
}

void tuf_keyset_clear(struct tuf_keyset *ks)
{
	for (size_t i = 0; ks->k && i < ks->n; i++) {
		free(ks->k[i].type);
		EVP_PKEY_free(ks->k[i].pk);
		X509_free(ks->k[i].cert);
	}
	free(ks->k);
	ks->k = NULL;
	ks->n = 0;
}

static int cert_cn(X509 *cert, char *buf, size_t cap)
{
	X509_NAME *name = X509_get_subject_name(cert);
	int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
	if (i < 0 || X509_NAME_get_index_by_NID(name, NID_commonName, i) >= 0)
		return -EINVAL;
	ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
	int n = ASN1_STRING_length(s);
	if (n < 0 || (size_t)n >= cap || memchr(ASN1_STRING_get0_data(s), 0, (size_t)n))
		return -EINVAL;
	memcpy(buf, ASN1_STRING_get0_data(s), (size_t)n);
	buf[n] = '\0';
	return 0;
}

int tuf_key_check_cert(const struct tuf_key *k, const char *file, const char *cn, time_t now,
		       struct brig_err *e)
{
	if (!k->cert)
		return 0;
	time_t t = now;
	if (now && X509_cmp_time(X509_get0_notBefore(k->cert), &t) >= 0)
		return brig_err_set(e, -EKEYREJECTED,
				    "%s: certificate of key %.12s is not valid yet", file, k->id);
	if (now && X509_cmp_time(X509_get0_notAfter(k->cert), &t) <= 0)
		return brig_err_set(e, -EKEYEXPIRED, "%s: certificate of key %.12s has expired",
				    file, k->id);
	char got[256];
	if (cn && cert_cn(k->cert, got, sizeof(got)) < 0)
		return brig_err_set(e, -EKEYREJECTED,
				    "%s: certificate of key %.12s has no single common name", file,
				    k->id);
	if (cn && strcmp(got, cn))
		return brig_err_set(
			e, -EKEYREJECTED,
			"%s: certificate of root key %.12s is for \"%s\", not for \"%s\"", file,
			k->id, got, cn);
	return 0;
}
