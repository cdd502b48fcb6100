/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy.d's certificateTransparency (brig's; policy.json stays as
 * containers-policy.json(5) has it):
 *
 *   {"certificateTransparency": {SCOPE: {"logKeys": ["/etc/brig/ctfe.pub"],
 *                                        "required": true}}}
 *
 * SCOPE as maxSignatureAge's ("default", or a key of transports.docker).
 * The scope's sigstoreSigned requirements then check the SCTs embedded in
 * a bundle's Fulcio certificate against those CT log keys (sct.c): an SCT
 * by one of them must verify, and with "required" (default false) the
 * certificate must carry one.  A later file's entry for a scope replaces
 * an earlier one's.
 */
#include "trust/policy-internal.h"

#include <string.h>

#define MAX_LOG_KEYS 16

int trust_ct_value(const json_t *v, const struct bj_loc *at, const char *scope, struct brig_err *e)
{
	static const char *const keys[] = { "logKeys", "required", NULL };
	struct bj_loc sub;
	bj_key(&sub, at, scope);
	if (!json_is_object(v))
		return bj_fail(e, &sub, "expected {\"logKeys\": [FILE...], \"required\": BOOL}");
	int r = bj_only_keys(v, &sub, keys, e);
	json_t *k = json_object_get(v, "logKeys"), *f;
	size_t i;
	if (r < 0)
		return r;
	if (!json_is_array(k) || json_array_size(k) == 0 || json_array_size(k) > MAX_LOG_KEYS)
		return bj_fail(e, &sub, "logKeys: expected 1 to %d file names", MAX_LOG_KEYS);
	json_array_foreach(k, i, f)
	{
		if (!json_is_string(f) || json_string_value(f)[0] != '/')
			return bj_fail(e, &sub, "logKeys[%zu]: expected an absolute file name", i);
	}
	json_t *req = json_object_get(v, "required");
	if (req && !json_is_boolean(req))
		return bj_fail(e, &sub, "required: expected true or false");
	return 0;
}

int trust_ct_set(struct trust_req *q, const json_t *v, struct brig_err *e)
{
	json_t *k = json_object_get(v, "logKeys"), *f;
	size_t i;
	char **paths = calloc(json_array_size(k) + 1, sizeof(*paths));
	if (!paths)
		return brig_err_oom(e);
	json_array_foreach(k, i, f)
	{
		if (!(paths[i] = strdup(json_string_value(f)))) {
			brig_strv_free(paths);
			return brig_err_oom(e);
		}
	}
	brig_strv_free(q->ct_key_paths);
	q->ct_key_paths = paths;
	q->sct_required = json_is_true(json_object_get(v, "required"));
	return 0;
}
