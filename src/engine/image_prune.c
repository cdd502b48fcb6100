/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The image part of `brig system prune`: unnamed (dangling) images, or with
 * all every image, that no container was made from, made before a time and
 * carrying the labels asked for.  A name goes by untagging (the image goes
 * with its last name); an unnamed entry is removed from the index.  The
 * blobs go afterwards, in the store's gc (store_prune.c).
 */
#include "engine/engine-internal.h"
#include "engine/logs/logs.h"

#include <stdlib.h>
#include <string.h>

static bool labels_match(const struct img_config *c, char *const *labels)
{
	for (size_t i = 0; labels && labels[i]; i++) {
		const char *l = labels[i], *eq = strchr(l, '=');
		_cleanup_free_ char *k = eq ? strndup(l, (size_t)(eq - l)) : strdup(l);
		const char *have = k ? img_kv_get(&c->labels, k) : NULL;
		if (!have || (eq && strcmp(have, eq + 1) != 0))
			return false;
	}
	return true;
}

/* Does the image qualify: labelled as asked, old enough, no container's? */
static int prunable(struct eng *g, const struct eng_image_prune *o, const struct eng_image *im,
		    struct brig_err *e)
{
	if (!labels_match(&im->config, o->labels))
		return 0;
	_cleanup_err_ struct brig_err e2 = { 0 };
	int64_t created = 0;
	if (o->until_ns &&
	    (!im->config.created || eng_logs_parse_time(im->config.created, 0, &created, &e2) < 0 ||
	     created >= o->until_ns))
		return 0;
	char cid[ENG_ID_LEN + 1];
	int r = eng_image_in_use(g, im->id, cid, e);
	return r < 0 ? r : !r;
}

static int report(json_t *out, const char *key, const char *what, struct brig_err *e)
{
	json_t *item = json_pack("{s:s}", key, what);
	return item && json_array_append_new(out, item) == 0 ? 0 : brig_err_oom(e);
}

/* One index.json entry: an unnamed one goes; a name goes with all. */
static int prune_entry(struct eng *g, struct img_store *s, const struct eng_image_prune *o,
		       const struct img_list_entry *ent, json_t *out, struct brig_err *e)
{
	if (ent->name && !o->all)
		return 0;
	struct eng_image im;
	int r = eng_image_load(s, &ent->desc, &im, e);
	if (r < 0 || (r = prunable(g, o, &im, e)) <= 0)
		goto out;
	if (ent->name) {
		if ((r = img_store_untag(s, ent->name, e)) == 0)
			r = report(out, "Untagged", ent->name, e);
	} else if ((r = img_store_remove(s, ent->desc.digest, e)) == 0) {
		r = report(out, "Deleted", im.id, e);
	} else if (r == -ENOENT) {
		brig_err_clear(e); /* a name of the same image keeps it */
		r = 0;
	}
out:
	eng_image_clear(&im);
	return r;
}

int eng_image_prune(struct eng *g, const struct eng_image_prune *o, json_t **removed,
		    struct brig_err *e)
{
	struct img_store *s = NULL;
	struct img_list_entry *v = NULL;
	size_t n = 0;
	_cleanup_json_ json_t *out = json_array();
	int r = out ? eng_store(g, &s, e) : brig_err_oom(e);
	if (r == 0)
		r = img_store_list(s, &v, &n, e);
	for (size_t i = 0; r == 0 && i < n; i++)
		r = prune_entry(g, s, o, &v[i], out, e);
	img_store_list_free(v, n);
	if (r == 0)
		*removed = brig_steal_ptr(out);
	return r;
}
