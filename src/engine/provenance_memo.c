/* SPDX-License-Identifier: Apache-2.0 */
/*
 * create/run's check, remembered (docs/trust-check.md, "At create and
 * run"): when the full check (provenance_run.c) accepts an image,
 * ROOT/trust/run/HEX keeps what it decided and what that depended on:
 *
 *   {"Record": SHA-256 of the record judged (ROOT/trust/images/HEX.json:
 *              the reference, the digest, the signatures),
 *    "Policy": the policy's fingerprint (trust_policy_fingerprint: where
 *              it is read from, the policy, policy.d, every key, CA,
 *              CT log and TSA file it names: their bytes, mode and
 *              owner),
 *    "Inputs": those files (trust_policy_inputs),
 *    "Provenance": Brig.Provenance but CheckedAt}
 *
 * The decision at run is a function of exactly these (the clock is not
 * consulted there: maxSignatureAge is a pull's), so a later create whose
 * record and fingerprint are the same makes the same decision without
 * parsing the policy, loading keys and verifying signatures again.  Any
 * difference (a key removed from the policy, a key file or policy.d file
 * changed, added or removed, another --signature-policy) is the full
 * check, whose result replaces the memo.  Only acceptances are kept, and
 * none for notaryTrust (its TUF state is not among the inputs), with
 * content trust off, or when an input changed while the full check ran.
 * Not fsync'ed: a lost memo costs one full check.
 */
#include "engine/provenance-internal.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#define MEMO_DIR "trust/run"
#define MEMO_MAX (256 * 1024)

static bool memo_usable(const struct eng_trust_opts *o)
{
	return !o || (!o->disabled && !o->notary);
}

static int memo_dir(const char *root, bool create)
{
	_cleanup_close_ int rfd = BRIG_RETRY(open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (rfd < 0)
		return -errno;
	if (create) {
		_cleanup_err_ struct brig_err le = { 0 };
		if (brig_mkdir_p(rfd, MEMO_DIR, 0700, &le) < 0)
			return le.code;
	}
	int d = BRIG_RETRY(openat(rfd, MEMO_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	return d < 0 ? -errno : d;
}

/* The memo's inputs (strings of "F"/"D" entries) as a vector; NULL when
 * malformed. */
static char **inputs_of(json_t *memo)
{
	json_t *a = json_object_get(memo, "Inputs"), *v;
	size_t i, n = json_array_size(a);
	if (!json_is_array(a) || n > 256)
		return NULL;
	char **out = calloc(n + 1, sizeof(*out));
	json_array_foreach(a, i, v)
	{
		const char *s = json_string_value(v);
		if (!out || !s || (s[0] != 'F' && s[0] != 'D') || !(out[i] = strdup(s))) {
			brig_strv_free(out);
			return NULL;
		}
	}
	return out;
}

int eng_prov_memo_get(const char *root, const char *digest, const char *rec_hex,
		      const struct eng_trust_opts *o, json_t **prov)
{
	*prov = NULL;
	if (!memo_usable(o))
		return 0;
	_cleanup_close_ int d = memo_dir(root, false);
	_cleanup_json_ json_t *memo = NULL;
	_cleanup_err_ struct brig_err le = { 0 };
	if (d < 0 || bj_load_file(d, digest + 7, MEMO_MAX, &memo, &le) < 0)
		return 0;
	const char *rec = json_string_value(json_object_get(memo, "Record"));
	const char *pol = json_string_value(json_object_get(memo, "Policy"));
	json_t *p = json_object_get(memo, "Provenance");
	_cleanup_strv_ char **inputs = inputs_of(memo);
	char now[BRIG_SHA256_HEX], when[32];
	if (!rec || !pol || !json_is_object(p) || !inputs || strcmp(rec, rec_hex) != 0 ||
	    trust_policy_fingerprint(o ? o->policy : NULL, inputs, NULL, now, &le) < 0 ||
	    strcmp(pol, now) != 0)
		return 0;
	eng_prov_now(when);
	if (!(*prov = json_deep_copy(p)) ||
	    json_object_set_new(*prov, "CheckedAt", json_string(when)))
		return -ENOMEM;
	return 1;
}

void eng_prov_memo_put(const char *root, const char *digest, const char *rec_hex,
		       const struct eng_trust_opts *o, const struct trust_policy *pol,
		       const struct timespec *since, json_t *prov)
{
	_cleanup_err_ struct brig_err le = { 0 };
	_cleanup_strv_ char **inputs = NULL;
	char fp[BRIG_SHA256_HEX];
	if (!memo_usable(o) || !json_is_true(json_object_get(prov, "Verified")) ||
	    trust_policy_inputs(o ? o->policy : NULL, pol, &inputs, &le) < 0 ||
	    trust_policy_fingerprint(o ? o->policy : NULL, inputs, since, fp, &le) < 0)
		return;
	_cleanup_json_ json_t *memo = json_pack("{s:s,s:s,s:[],s:o}", "Record", rec_hex, "Policy",
						fp, "Inputs", "Provenance", json_deep_copy(prov));
	json_t *a = json_object_get(memo, "Inputs");
	for (size_t i = 0; a && inputs[i]; i++)
		if (json_array_append_new(a, json_string(inputs[i])) < 0)
			return;
	if (!memo)
		return;
	json_object_del(json_object_get(memo, "Provenance"), "CheckedAt");
	_cleanup_free_ char *text = json_dumps(memo, JSON_COMPACT | JSON_PRESERVE_ORDER);
	_cleanup_close_ int d = text ? memo_dir(root, true) : -1;
	if (d >= 0)
		(void)brig_atomic_replace(d, digest + 7, text, strlen(text), 0600, false, &le);
}
