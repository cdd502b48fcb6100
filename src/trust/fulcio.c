/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A Fulcio certificate, checked offline: the leaf chains (through the
 * bundle's other certificates, which are never trusted themselves) to a
 * CA certificate the policy names, at the time Rekor recorded the entry
 * or, without one, an RFC 3161 timestamp proves (Fulcio certificates live
 * ten minutes); it is for code signing; its SAN
 * email and its OIDC issuer extension are those the policy asks for; its
 * SCTs verify when the policy names CT logs (sct.c).
 */
#include "trust/bundle.h"
#include "trust/sigstore-internal.h"

#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define OID_ISSUER_V2 "1.3.6.1.4.1.57264.1.8"
#define OID_ISSUER_V1 "1.3.6.1.4.1.57264.1.1"

static X509 *der_cert(const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	if (x && p != der + len) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* Every certificate of the PEM text into the store; the count. */
static int load_ca(X509_STORE *st, const unsigned char *pem, size_t len, struct brig_err *e)
{
	BIO *b = BIO_new_mem_buf(pem, (int)len);
	X509 *x;
	int n = 0;
	if (!b)
		return brig_err_oom(e);
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL))) {
		if (X509_STORE_add_cert(st, x) == 1)
			n++;
		X509_free(x);
	}
	BIO_free(b);
	ERR_clear_error();
	return n ? 0 : brig_err_set(e, -EINVAL, "fulcio CA: no PEM certificate");
}

static int chain_ok(X509 *leaf, const struct trust_bundle *b, const struct trust_bundle_policy *p,
		    time_t when, struct brig_err *e)
{
	X509_STORE *st = X509_STORE_new();
	X509_STORE_CTX *cx = X509_STORE_CTX_new();
	STACK_OF(X509) *mid = sk_X509_new_null();
	int r = st && cx && mid ? load_ca(st, p->ca_pem, p->ca_len, e) : brig_err_oom(e);
	for (size_t i = 1; r == 0 && i < b->n_certs; i++) {
		X509 *x = der_cert(b->certs[i], b->cert_len[i]);
		if (!x || !sk_X509_push(mid, x)) {
			X509_free(x);
			r = brig_err_set(e, -EINVAL, "certificate %zu: not DER X.509", i);
		}
	}
	/* the policy's certificates are trust anchors even when not self-signed
	 * (an intermediate named as caPath), as Go's x509 roots are */
	if (r == 0 && X509_STORE_set_flags(st, X509_V_FLAG_PARTIAL_CHAIN) != 1)
		r = brig_err_oom(e);
	if (r == 0 && X509_STORE_CTX_init(cx, st, leaf, mid) != 1)
		r = brig_err_oom(e);
	if (r == 0) {
		X509_STORE_CTX_set_time(cx, 0, when);
		if (X509_verify_cert(cx) != 1)
			r = brig_err_set(
				e, -EKEYREJECTED,
				"the certificate does not chain to the Fulcio CA at the "
				"signing time (%s)",
				X509_verify_cert_error_string(X509_STORE_CTX_get_error(cx)));
	}
	/* the leaf's issuer, as verified, for its SCTs' issuer key hash */
	STACK_OF(X509) *chain = r == 0 ? X509_STORE_CTX_get0_chain(cx) : NULL;
	if (r == 0)
		r = trust_sct_check(leaf, sk_X509_num(chain) > 1 ? sk_X509_value(chain, 1) : NULL,
				    p, when, e);
	sk_X509_pop_free(mid, X509_free);
	X509_STORE_CTX_free(cx);
	X509_STORE_free(st);
	ERR_clear_error();
	return r;
}

static bool has_email(X509 *x, const char *email)
{
	GENERAL_NAMES *g = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	bool found = false;
	for (int i = 0; g && i < sk_GENERAL_NAME_num(g) && !found; i++) {
		GENERAL_NAME *n = sk_GENERAL_NAME_value(g, i);
		int t = 0;
		ASN1_IA5STRING *s = GENERAL_NAME_get0_value(n, &t);
		found = t == GEN_EMAIL && (size_t)ASN1_STRING_length(s) == strlen(email) &&
			memcmp(ASN1_STRING_get0_data(s), email, strlen(email)) == 0;
	}
	GENERAL_NAMES_free(g);
	return found;
}

/* The OIDC issuer: extension .8 (a DER UTF8String) or .1 (raw text). */
static char *issuer_of(X509 *x)
{
	const char *oids[] = { OID_ISSUER_V2, OID_ISSUER_V1 };
	char *out = NULL;
	for (size_t i = 0; i < 2 && !out; i++) {
		ASN1_OBJECT *o = OBJ_txt2obj(oids[i], 1);
		int at = o ? X509_get_ext_by_OBJ(x, o, -1) : -1;
		ASN1_OBJECT_free(o);
		if (at < 0)
			continue;
		ASN1_OCTET_STRING *v = X509_EXTENSION_get_data(X509_get_ext(x, at));
		const unsigned char *p = ASN1_STRING_get0_data(v);
		int n = ASN1_STRING_length(v);
		if (i == 1) {
			out = brig_memdupz(p, (size_t)n);
			continue;
		}
		ASN1_UTF8STRING *u = d2i_ASN1_UTF8STRING(NULL, &p, n);
		if (u)
			out = brig_memdupz(ASN1_STRING_get0_data(u), (size_t)ASN1_STRING_length(u));
		ASN1_UTF8STRING_free(u);
	}
	ERR_clear_error();
	return out;
}

static int identity_ok(X509 *leaf, const char *email, const char *issuer, struct brig_err *e)
{
	uint32_t xku = X509_get_extended_key_usage(leaf);
	if (!(X509_get_extension_flags(leaf) & EXFLAG_XKUSAGE) || !(xku & XKU_CODE_SIGN))
		return brig_err_set(e, -EKEYREJECTED, "the certificate is not for code signing");
	if (email && !has_email(leaf, email))
		return brig_err_set(e, -EKEYREJECTED,
				    "the certificate is not for the email %s (subjectEmail)",
				    email);
	if (!issuer)
		return 0;
	_cleanup_free_ char *got = issuer_of(leaf);
	if (!got || strcmp(got, issuer) != 0)
		return brig_err_set(e, -EKEYREJECTED,
				    "the certificate's OIDC issuer is %.200s, not %s (oidcIssuer)",
				    got ? got : "(none)", issuer);
	return 0;
}

int trust_fulcio_check(const struct trust_bundle *b, const struct trust_bundle_policy *p,
		       time_t when, EVP_PKEY **leaf_key, struct brig_err *e)
{
	*leaf_key = NULL;
	if (b->n_certs == 0)
		return brig_err_set(e, -EKEYREJECTED, "the bundle holds no certificate");
	if (when <= 0)
		return brig_err_set(
			e, -EKEYREJECTED,
			"neither a Rekor signed entry timestamp nor an RFC 3161 timestamp proves "
			"when the certificate was used (a Rekor v2 entry has no signed entry "
			"timestamp: its time must come from a TSA)");
	X509 *leaf = der_cert(b->certs[0], b->cert_len[0]);
	if (!leaf) {
		ERR_clear_error();
		return brig_err_set(e, -EINVAL, "the bundle's certificate is not DER X.509");
	}
	int r = chain_ok(leaf, b, p, when, e);
	if (r == 0)
		r = identity_ok(leaf, p->subject_email, p->oidc_issuer, e);
	if (r == 0 && !(*leaf_key = X509_get_pubkey(leaf)))
		r = brig_err_set(e, -EINVAL, "the certificate's key is unreadable");
	X509_free(leaf);
	ERR_clear_error();
	return r;
}
