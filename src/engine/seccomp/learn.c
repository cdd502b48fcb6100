/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Learned profiles (docs/seccomp-learn.md), the JSON side: the learning
 * filter made from a converted profile, and the Docker-format allow-list
 * made from what the agent recorded (rt_learn_agent), merged with an
 * earlier learned profile when asked.
 */
#include "engine/seccomp/seccomp-internal.h"

#include <stdlib.h>
#include <string.h>

/* The runtime hands the listener over with these: they cannot notify. */
static bool handover_call(const char *n)
{
	return strcmp(n, "sendmsg") == 0 || strcmp(n, "socketcall") == 0;
}

/* One ALLOW entry -> a NOTIFY one (the same conditions); the hand-over
 * calls it names stay allowed, in an entry of their own added to keep. */
static int notify_entry(json_t *ent, json_t *keep, struct brig_err *e)
{
	json_t *names = json_object_get(ent, "names");
	_cleanup_json_ json_t *kept = json_array();
	if (!kept)
		return brig_err_oom(e);
	for (size_t i = json_array_size(names); i-- > 0;) {
		const char *n = json_string_value(json_array_get(names, i));
		if (n && handover_call(n) &&
		    (json_array_append(kept, json_array_get(names, i)) < 0 ||
		     json_array_remove(names, i) < 0))
			return brig_err_oom(e);
	}
	if (json_array_size(kept) > 0) {
		json_t *copy = json_deep_copy(ent);
		if (!copy || json_object_set(copy, "names", kept) < 0 ||
		    json_array_append_new(keep, copy) < 0)
			return brig_err_oom(e);
	}
	return sp_put(ent, "action", json_string("SCMP_ACT_NOTIFY"), e);
}

int eng_seccomp_learning_filter(json_t *oci, const char *listener_path, struct brig_err *e)
{
	json_t *calls = json_object_get(oci, "syscalls");
	_cleanup_json_ json_t *keep = json_array(), *out = json_array();
	if (!keep || !out)
		return brig_err_oom(e);
	size_t i;
	json_t *ent;
	json_array_foreach(calls, i, ent)
	{
		const char *act = json_string_value(json_object_get(ent, "action"));
		int r = act && strcmp(act, "SCMP_ACT_ALLOW") == 0 ? notify_entry(ent, keep, e) : 0;
		if (r < 0)
			return r;
		if (json_array_size(json_object_get(ent, "names")) > 0 &&
		    json_array_append(out, ent) < 0)
			return brig_err_oom(e);
	}
	if (json_array_extend(out, keep) < 0)
		return brig_err_oom(e);
	int r = sp_put(oci, "syscalls", brig_steal_ptr(out), e);
	return r < 0 ? r : sp_put(oci, "listenerPath", json_string(listener_path), e);
}
