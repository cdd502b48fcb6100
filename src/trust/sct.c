/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Certificate Transparency for Fulcio certificates: the signed certificate
 * timestamps (SCTs) Fulcio embeds in the leaf (RFC 6962 3.3: the
 * precertificate SCT list extension, 1.3.6.1.4.1.11129.2.4.2), each a CT
 * log's promise to publish the certificate, checked offline against the
 * log keys the policy names (policy.d certificateTransparency, or trust
 * verify --ct-log-key).  OpenSSL's CT code does the checking (SCT_validate
 * rebuilds the precertificate's TBSCertificate without the extension and
 * verifies the log's signature over it with the issuer's key hash); its
 * log store is only loaded from a file, so the keys are handed to it as
 * an OpenSSL CT log list in a memfd.
 *
 * Rules: an SCT by a log the policy names must verify (one that does not
 * refuses the certificate); when SCTs are required, at least one must.
 * SCTs by other logs are ignored.  The time the SCTs are judged at is the
 * certificate's signing time (Rekor's or the TSA's): an SCT from after it
 * is refused, as RFC 6962 refuses one from the future.
 */
#include "trust/bundle.h"

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <openssl/ct.h>
#include <openssl/err.h>
#include <openssl/x509.h>

static void store_free(CTLOG_STORE **s)
{
	CTLOG_STORE_free(*s);
}

/* "enabled_logs = log0,log1\n[log0]\nkey = BASE64(SPKI)\n..." */
static int log_list(EVP_PKEY *const *keys, size_t n, char **out, size_t *len)
{
	FILE *f = open_memstream(out, len);
	if (!f)
		return -ENOMEM;
	fputs("enabled_logs = ", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%slog%zu", i ? "," : "", i);
	fputs("\n", f);
	for (size_t i = 0; i < n; i++) {
		unsigned char *der = NULL;
		int dlen = i2d_PUBKEY(keys[i], &der);
		_cleanup_free_ char *b64 = dlen > 0 ? malloc(((size_t)dlen + 2) / 3 * 4 + 1) : NULL;
		if (b64)
			EVP_EncodeBlock((unsigned char *)b64, der, dlen);
		OPENSSL_free(der);
		if (!b64) {
			fclose(f);
			return -EINVAL;
		}
		fprintf(f, "[log%zu]\ndescription = log%zu\nkey = %s\n", i, i, b64);
	}
	return fclose(f) == 0 ? 0 : -ENOMEM;
}

static int load_logs(CTLOG_STORE *st, EVP_PKEY *const *keys, size_t n, struct brig_err *e)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	if (log_list(keys, n, &text, &len) < 0)
		return brig_err_set(e, -EINVAL, "the CT log keys could not be encoded");
	_cleanup_close_ int fd = memfd_create("brig-ctlogs", MFD_CLOEXEC);
	if (fd < 0)
		return brig_err_sys(e, errno, "memfd_create");
	if (brig_write_all(fd, text, len) < 0)
		return brig_err_sys(e, errno, "writing the CT log keys");
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (CTLOG_STORE_load_file(st, path) != 1) {
		ERR_clear_error();
		return brig_err_set(e, -EINVAL, "the CT log keys could not be loaded");
	}
	return 0;
}

/* Each SCT's verdict: *valid those by a named log that verify; the first
 * that does not, refused. */
static int judge(STACK_OF(SCT) * scts, CT_POLICY_EVAL_CTX *cx, int *valid, struct brig_err *e)
{
	*valid = 0;
	for (int i = 0; i < sk_SCT_num(scts); i++) {
		SCT *s = sk_SCT_value(scts, i);
		if (SCT_validate(s, cx) < 0) {
			ERR_clear_error();
			return brig_err_set(e, -EINVAL, "SCT %d could not be checked", i + 1);
		}
		sct_validation_status_t v = SCT_get_validation_status(s);
		if (v == SCT_VALIDATION_STATUS_VALID)
			(*valid)++;
		else if (v != SCT_VALIDATION_STATUS_UNKNOWN_LOG) {
			ERR_clear_error();
			return brig_err_set(
				e, -EKEYREJECTED,
				"the certificate's SCT %d, by a CT log the policy names, "
				"does not verify%s",
				i + 1,
				v == SCT_VALIDATION_STATUS_INVALID
					? " (its signature, or its time is after the "
					  "signing time)"
					: "");
		}
	}
	ERR_clear_error();
	return 0;
}

int trust_sct_check(X509 *leaf, X509 *issuer, const struct trust_bundle_policy *p, time_t when,
		    struct brig_err *e)
{
	if (p->n_ct_keys == 0)
		return 0;
	STACK_OF(SCT) *scts = X509_get_ext_d2i(leaf, NID_ct_precert_scts, NULL, NULL);
	ERR_clear_error();
	if (!scts || sk_SCT_num(scts) == 0) {
		SCT_LIST_free(scts);
		return p->sct_required ? brig_err_set(e, -EKEYREJECTED,
						      "the certificate carries no SCT (the policy "
						      "requires certificate transparency)")
				       : 0;
	}
	__attribute__((cleanup(store_free))) CTLOG_STORE *st = CTLOG_STORE_new();
	CT_POLICY_EVAL_CTX *cx = CT_POLICY_EVAL_CTX_new();
	int r = st && cx ? load_logs(st, p->ct_keys, p->n_ct_keys, e) : brig_err_oom(e);
	int valid = 0;
	if (r == 0 &&
	    (!issuer || CT_POLICY_EVAL_CTX_set1_cert(cx, leaf) != 1 ||
	     CT_POLICY_EVAL_CTX_set1_issuer(cx, issuer) != 1))
		r = brig_err_set(e, -EKEYREJECTED,
				 "the certificate's SCTs cannot be checked "
				 "without its issuer");
	if (r == 0) {
		CT_POLICY_EVAL_CTX_set_shared_CTLOG_STORE(cx, st);
		/* Rekor's and the TSA's times are whole seconds */
		CT_POLICY_EVAL_CTX_set_time(cx, ((uint64_t)when + 1) * 1000);
		r = judge(scts, cx, &valid, e);
	}
	if (r == 0 && valid == 0 && p->sct_required)
		r = brig_err_set(
			e, -EKEYREJECTED,
			"none of the certificate's %d SCTs is by a CT log the policy names",
			sk_SCT_num(scts));
	CT_POLICY_EVAL_CTX_free(cx);
	SCT_LIST_free(scts);
	ERR_clear_error();
	return r;
}
