/* SPDX-License-Identifier: Apache-2.0 */
/* brig container prune (and system prune): the stopped containers go. */
#include "engine/engine-internal.h"
#include "engine/logs/logs.h"
#include "engine/record-internal.h"

#include <errno.h>
#include <time.h>

/* Is rec one to prune: stopped, old enough, labelled as asked? */
static bool prunable(const struct eng_record *rec, int64_t until_ns, char *const *labels)
{
	if (rec->state.status != ENG_ST_CREATED && rec->state.status != ENG_ST_EXITED)
		return false;
	const json_t *cfg = json_object_get(rec->doc, "Config");
	if (!eng_labels_match(json_object_get(cfg, "Labels"), labels))
		return false;
	if (until_ns == 0)
		return true;
	_cleanup_err_ struct brig_err e = { 0 };
	int64_t created = 0;
	return eng_logs_parse_time(rec->created, 0, &created, &e) == 0 && created < until_ns;
}

/* Remove one container; a container that runs by now is kept quietly. */
static int prune_one(struct eng *g, const char *id, json_t *removed, struct brig_err *e)
{
	uint64_t rw = 0, rootfs = 0;
	_cleanup_err_ struct brig_err e2 = { 0 };
	if (eng_ctr_size(g, id, &rw, &rootfs, &e2) < 0)
		brig_debug("prune %.12s: %s", id, brig_err_str(&e2));
	int r = eng_remove(g, id, false, false, e);
	if (r == -EBUSY || r == -ENOENT) {
		brig_err_clear(e);
		return 0;
	}
	if (r < 0)
		return r;
	json_t *item = json_pack("{s:s,s:I}", "Id", id, "Size", (json_int_t)rw);
	return !item || json_array_append_new(removed, item) < 0 ? brig_err_oom(e) : 0;
}

int eng_container_prune(struct eng *g, int64_t until_ns, char *const *label_filters,
			json_t **removed, struct brig_err *e)
{
	_cleanup_(eng_records_clear) struct eng_records all = { 0 };
	_cleanup_json_ json_t *out = json_array();
	int r = out ? eng_records_all(g, &all, e) : brig_err_oom(e);
	for (size_t i = 0; r == 0 && i < all.n; i++)
		if (prunable(&all.v[i], until_ns, label_filters))
			r = prune_one(g, all.v[i].id, out, e);
	if (r == 0)
		*removed = brig_steal_ptr(out);
	return r;
}
