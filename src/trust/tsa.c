/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 3161 timestamps in sigstore bundles
 * (verificationMaterial.timestampVerificationData.rfc3161Timestamps[]
 * .signedTimestamp: a DER TimeStampResp, as a TSA answers): the response's
 * status is granted, its token is signed by a TSA certificate that chains
 * to one of the policy's (PEM; the token's own certificates may be the
 * intermediates) at the token's time and is meant for time stamping
 * (extended key usage timeStamping, critical), and its message imprint is
 * the hash of the DSSE signature's bytes, as sigstore timestamps them.
 * OpenSSL's TS API does the checking; the token's genTime is the time it
 * proves.
 */
#include "trust/bundle.h"

#include <limits.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ts.h>
#include <openssl/x509.h>

static void ts_resp_free(TS_RESP **p)
{
	TS_RESP_free(*p);
}

static void ts_ctx_free(TS_VERIFY_CTX **p)
{
	TS_VERIFY_CTX_free(*p);
}

/* The TSA certificates (PEM, one or more) as a store's trust anchors,
 * each trusted as it is (a TSA's own certificate, or its CA), and as the
 * certificates a token that carries none is checked with. */
static int anchors(const unsigned char *pem, size_t len, X509_STORE **store,
		   STACK_OF(X509) * *certs, struct brig_err *e)
{
	*store = X509_STORE_new();
	*certs = sk_X509_new_null();
	BIO *b = len <= INT_MAX ? BIO_new_mem_buf(pem, (int)len) : NULL;
	bool ok = *store && *certs && b;
	for (X509 *c; ok && (c = PEM_read_bio_X509(b, NULL, NULL, NULL));) {
		ok = X509_STORE_add_cert(*store, c) == 1;
		if (!ok || !sk_X509_push(*certs, c)) {
			X509_free(c);
			ok = false;
		}
	}
	BIO_free(b);
	ERR_clear_error();
	if (ok && sk_X509_num(*certs) > 0) {
		X509_STORE_set_flags(*store, X509_V_FLAG_PARTIAL_CHAIN);
		return 0;
	}
	X509_STORE_free(brig_steal_ptr(*store));
	sk_X509_pop_free(brig_steal_ptr(*certs), X509_free);
	return brig_err_set(e, -EINVAL, "the TSA certificate file holds no PEM certificate");
}

/* The token's genTime, seconds since the epoch. */
static int gen_time(TS_RESP *resp, time_t *when, struct brig_err *e)
{
	if (!TS_RESP_get_token(resp))
		return brig_err_set(e, -EKEYREJECTED,
				    "the timestamp response holds no token (the TSA refused)");
	TS_TST_INFO *info = TS_RESP_get_tst_info(resp);
	const ASN1_GENERALIZEDTIME *t = info ? TS_TST_INFO_get_time(info) : NULL;
	struct tm tm;
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return brig_err_set(e, -EKEYREJECTED, "the timestamp has no readable time");
	*when = timegm(&tm);
	return 0;
}

int trust_tsa_check(const unsigned char *der, size_t len, const unsigned char *sig, size_t sig_len,
		    const unsigned char *pem, size_t pem_len, time_t *when, struct brig_err *e)
{
	const unsigned char *p = der;
	__attribute__((cleanup(ts_resp_free)))
	TS_RESP *resp = len <= LONG_MAX ? d2i_TS_RESP(NULL, &p, (long)len) : NULL;
	if (!resp || p != der + len) {
		ERR_clear_error();
		return brig_err_set(e, -EKEYREJECTED, "the timestamp is no DER TimeStampResp");
	}
	int r = gen_time(resp, when, e);
	if (r < 0)
		return r;
	X509_STORE *store = NULL;
	STACK_OF(X509) *certs = NULL;
	if ((r = anchors(pem, pem_len, &store, &certs, e)) < 0)
		return r;
	/* the TSA's certificate is judged at the time it stamped */
	X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store), *when);
	__attribute__((cleanup(ts_ctx_free))) TS_VERIFY_CTX *ctx = TS_VERIFY_CTX_new();
	BIO *data = sig_len <= INT_MAX ? BIO_new_mem_buf(sig, (int)sig_len) : NULL;
	if (!ctx || !data) {
		X509_STORE_free(store);
		sk_X509_pop_free(certs, X509_free);
		BIO_free(data);
		return brig_err_oom(e);
	}
	/* the context owns store, certs and data from here */
	TS_VERIFY_CTX_set_store(ctx, store);
	TS_VERIFY_CTX_set_certs(ctx, certs);
	TS_VERIFY_CTX_set_data(ctx, data);
	TS_VERIFY_CTX_set_flags(ctx, TS_VFY_VERSION | TS_VFY_SIGNATURE | TS_VFY_DATA);
	if (TS_RESP_verify_response(ctx, resp) != 1) {
		const char *why = ERR_reason_error_string(ERR_peek_last_error());
		int r2 = brig_err_set(e, -EKEYREJECTED, "the timestamp does not verify (%s)",
				      why ? why : "no reason given");
		ERR_clear_error();
		return r2;
	}
	return 0;
}
