/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig commit: a container's changes become a new image.  The overlay
 * upper directory is packed by the layer packer (image/layer/pack.c, which
 * opens every entry with the safe resolver and never follows a symlink the
 * container planted), with the container frozen meanwhile unless asked not
 * to, so that the layer is one moment of it.  The layer is stored, unpacked
 * into the layer cache (for containers of the new image), and the new image
 * is the parent's manifest and config with it appended: rootfs.diff_ids,
 * a history entry, and the config changes the caller applies.
 */
#include "engine/record-internal.h"

#include "image/layer/layer.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct upper_job {
	int upper, out_fd;
	const struct img_pack_ids *ids;
	struct eng_layer_out *l;
};

/* Rootless, in the container's mapping (userns_run.c): the upper
 * directory's files of its ids 1..65535 are the user's subordinate ids,
 * readable there only, and their owners read as the container's. */
static int upper_pack(void *arg, struct brig_err *e)
{
	struct upper_job *j = arg;
	return img_layer_pack_ids(j->upper, j->out_fd, IMG_COMP_GZIP, IMG_PACK_OVERLAY_UPPER,
				  j->ids, j->l->digest, j->l->diff_id, e);
}

/* Pack the upper directory into an unnamed file of the store's
 * filesystem, frozen when asked; returns its fd (at offset 0). */
static int pack_upper(struct eng *g, const struct eng_record *rec, int upper, bool pause,
		      struct eng_layer_out *l, struct brig_err *e)
{
	_cleanup_close_ int tmp = BRIG_RETRY(
		openat(g->rootfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
	if (tmp < 0)
		return brig_err_sys(e, errno, "making a temporary file in %s", g->root);
	bool paused = false;
	_cleanup_close_ int hold = -1;
	if (pause && eng_running(g, rec->id) && (hold = eng_freeze_hold(g, rec->id, e)) < 0)
		return hold;
	if (pause && eng_running(g, rec->id) && eng_paused(g, rec->id) == 0) {
		int r = eng_pause(g, rec->id, true, e);
		if (r < 0)
			return brig_err_wrap(e, "--pause (--pause=false commits without)");
		paused = true;
	}
	const struct eng_userns *u = &rec->userns;
	struct img_pack_ids ids = { u->uid, u->gid, u->size };
	struct upper_job j = { upper, tmp, u->enabled && !u->own_root ? &ids : NULL, l };
	int r = eng_userns_run(u, upper_pack, &j, l, sizeof(*l), e);
	if (paused) {
		_cleanup_err_ struct brig_err e2 = { 0 };
		if (eng_pause(g, rec->id, false, &e2) < 0)
			brig_warn("unpausing %.12s after the commit: %s", rec->id,
				  brig_err_str(&e2));
	}
	if (r < 0)
		return brig_err_wrap(e, "packing the changes of %.12s", rec->id);
	if (lseek(tmp, 0, SEEK_SET) < 0)
		return brig_err_sys(e, errno, "rewinding the packed layer");
	return brig_steal_fd(tmp);
}

/* What the container ran, for the history entry (as Docker: Cmd joined). */
static char *created_by(const struct eng_record *rec)
{
	json_t *args = json_object_get(json_object_get(rec->spec, "process"), "args");
	size_t i, len = 0;
	json_t *a;
	char *s = strdup("");
	json_array_foreach(s ? args : NULL, i, a)
	{
		const char *v = json_string_value(a);
		if (brig_appendf(&s, &len, "%s%s", i ? " " : "", v ? v : "") < 0) {
			free(s);
			return NULL;
		}
	}
	return s;
}

static json_t *obj_member(json_t *parent, const char *key, bool array)
{
	json_t *v = json_object_get(parent, key);
	if ((array ? json_is_array(v) : json_is_object(v)))
		return v;
	v = array ? json_array() : json_object();
	return v && json_object_set_new(parent, key, v) == 0 ? v : NULL;
}

/* The new config: the parent's, changed, with the layer and its history. */
static int new_config(const json_t *parent, const struct eng_record *rec,
		      const struct eng_commit_opts *o, const char *diff_id, json_t **out,
		      struct brig_err *e)
{
	_cleanup_json_ json_t *c = json_deep_copy(parent);
	char now[64];
	eng_now(now);
	json_t *cfg = c ? obj_member(c, "config", false) : NULL;
	json_t *ids = c ? obj_member(obj_member(c, "rootfs", false), "diff_ids", true) : NULL;
	json_t *hist = c ? obj_member(c, "history", true) : NULL;
	_cleanup_free_ char *by = created_by(rec);
	json_t *h = json_pack("{s:s, s:s}", "created", now, "created_by", by ? by : "");
	if (!cfg || !ids || !hist || !h || json_array_append_new(hist, h) < 0 ||
	    json_array_append_new(ids, json_string(diff_id)) < 0 ||
	    json_object_set_new(c, "created", json_string(now)) < 0 ||
	    json_object_set_new(json_object_get(c, "rootfs"), "type", json_string("layers")) < 0)
		return brig_err_oom(e);
	if ((o->author &&
	     (json_object_set_new(c, "author", json_string(o->author)) < 0 ||
	      json_object_set_new(h, "author", json_string(o->author)) < 0)) ||
	    (o->comment &&
	     (json_object_set_new(c, "comment", json_string(o->comment)) < 0 ||
	      json_object_set_new(h, "comment", json_string(o->comment)) < 0)))
		return brig_err_set(e, -EINVAL, "--author or --message: not valid UTF-8");
	int r = o->edit ? o->edit(cfg, o->arg, e) : 0;
	if (r == 0)
		*out = brig_steal_ptr(c);
	return r;
}

/* Config and manifest: the parent's layers, then ours. */
static int put_image(struct img_store *s, const struct img_manifest *pm, const json_t *config,
		     const struct eng_layer_out *l, char image_id[IMG_DIGEST_SIZE],
		     struct img_descriptor *md, struct brig_err *e)
{
	_cleanup_free_ struct img_descriptor *v = calloc(pm->n_layers + 1, sizeof(*v));
	if (!v)
		return brig_err_oom(e);
	memcpy(v, pm->layers, pm->n_layers * sizeof(*v)); /* shallow: only read */
	v[pm->n_layers] = (struct img_descriptor){ .info.comp = IMG_COMP_GZIP, .size = l->size };
	memcpy(v[pm->n_layers].digest, l->digest, IMG_DIGEST_SIZE);
	return img_store_put_image(s, config, v, pm->n_layers + 1, image_id, md, e);
}

/* The parent image's manifest and its config as a document. */
static int load_parent(struct img_store *s, const char *image, struct img_manifest *pm,
		       json_t **config, struct brig_err *e)
{
	struct img_descriptor d = { 0 }, md = { 0 };
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r = img_store_resolve(s, image, &d, e);
	if (r == 0)
		r = img_store_select_manifest(s, &d, eng_host_arch(), "linux", NULL, &md, e);
	if (r == 0)
		r = img_store_load_manifest(s, &md, pm, e);
	if (r == 0)
		r = img_blob_read(s, image, IMG_CONFIG_MAX, &buf, &len, e);
	img_descriptor_clear(&md);
	img_descriptor_clear(&d);
	if (r < 0)
		return brig_err_wrap(e, "the container's image %.19s", image);
	json_error_t je;
	if (!(*config = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je)) ||
	    !json_is_object(*config))
		return brig_err_set(e, -EINVAL, "config %s: %s", image, je.text);
	return 0;
}

int eng_commit(struct eng *g, const char *id, const struct eng_commit_opts *o, char image_id[72],
	       struct brig_err *e)
{
	_cleanup_record_ struct eng_record rec;
	struct img_store *s = NULL;
	int r = o->ref ? eng_ref_check_tagged(o->ref, "a committed", e) : 0;
	if (r < 0 || (r = eng_record_current(g, id, &rec, e)) < 0 ||
	    (r = eng_store(g, &s, e)) < 0 || (r = img_store_lease(s, e)) < 0)
		return r;
	_cleanup_close_ int upper = eng_ctr_upper_open(g, &rec, e);
	if (upper < 0)
		return upper;
	struct img_manifest pm = { 0 };
	_cleanup_json_ json_t *parent = NULL, *config = NULL;
	struct eng_layer_out l = { 0 };
	struct img_descriptor md = { 0 };
	if ((r = load_parent(s, rec.image, &pm, &parent, e)) == 0) {
		_cleanup_close_ int fd = pack_upper(g, &rec, upper, o->pause, &l, e);
		r = fd < 0 ? fd : eng_layer_store_fd(g, fd, &l, e);
	}
	if (r == 0)
		r = new_config(parent, &rec, o, l.diff_id, &config, e);
	if (r == 0)
		r = put_image(s, &pm, config, &l, image_id, &md, e);
	if (r == 0)
		r = o->ref ? img_store_tag(s, &md, o->ref, e) : img_store_add(s, &md, e);
	img_manifest_clear(&pm);
	img_descriptor_clear(&md);
	return r;
}
