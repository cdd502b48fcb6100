/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The signedBy plug for GPG simple signing (an atomic container signature
 * from a registries.d lookaside, docs/trust-gpg.md): the signature is one
 * good OpenPGP signature by a key the requirement names (checked in a
 * throwaway keyring, gpg-internal.h), and the payload it holds names the
 * image's manifest digest and a docker-reference the requirement's
 * signedIdentity accepts (trust_check_payload, as for a `.sig` layer).
 * The fetcher that reads the lookaside is check_fetch.c's.
 */
#include "trust/check-internal.h"
#include "trust/gpg-internal.h"

#include <string.h>

int trust_check_gpg(const struct trust_req *req, const struct img_ref *ref, const char *digest,
		    const struct trust_sig *sig, struct trust_sig_result *res, struct brig_err *e)
{
	_cleanup_free_ unsigned char *raw = NULL;
	_cleanup_free_ char *payload = NULL;
	_cleanup_gpg_keyring_ struct trust_gpg_keyring *k = NULL;
	_cleanup_err_ struct brig_err de = { 0 };
	size_t len = 0, plen = 0;
	char fpr[TRUST_GPG_FPR_MAX + 1] = "", why[512] = "";
	if (trust_b64_decode(sig->signature, TRUST_GPG_SIG_MAX, "the GPG signature", &raw, &len,
			     &de) < 0)
		return trust_check_refuse(res, e, "%s", brig_err_str(&de));
	int r = trust_gpg_keyring_from_req(req, &k, e);
	if (r < 0)
		return brig_err_wrap(e, "a key the policy names");
	r = trust_gpg_keyring_verify(k, raw, len, &payload, &plen, fpr, why, sizeof(why), e);
	if (r < 0)
		return r;
	if (r == 0)
		return fpr[0] && !strstr(why, fpr)
			? trust_check_refuse(res, e, "%s (key %s)", why, fpr)
			: trust_check_refuse(res, e, "%s", why);
	if (asprintf(&res->key, "GPG key %s", fpr) < 0) {
		res->key = NULL;
		return brig_err_oom(e);
	}
	return trust_check_payload(req, ref, digest, payload, plen, TRUST_GPG_TYPE, res, e);
}
