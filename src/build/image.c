/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The image a stage builds: its config document (the base's, or scratch's),
 * its layers, a history entry per instruction with nothing variable in it
 * (the build's one time, the instruction), and the image stored from them
 * (config, OCI manifest) by the store's one composer.
 */
#include "build/build-internal.h"

#include "image/layer/layer.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void bld_state_clear(struct bld_state *st)
{
	json_decref(st->config);
	json_decref(st->args);
	free(st->layers);
	*st = (struct bld_state){ 0 };
}

/* The stage's layers as the engine lists an image's: [{"diffId": ...}]. */
json_t *bld_state_layers(const struct bld_state *st)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < st->n_layers; i++)
		if (json_array_append_new(a, json_pack("{s:s}", "diffId", st->layers[i].diff_id)) <
		    0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

int bld_state_user(struct bld_ctx *c, struct bld_state *st, const char *spec, uint32_t *uid,
		   uint32_t *gid, struct brig_err *e)
{
	_cleanup_json_ json_t *layers = bld_state_layers(st);
	if (!layers)
		return brig_err_oom(e);
	if (!spec)
		spec = json_string_value(json_object_get(bld_cfg(st), "User"));
	return eng_image_user_ids(c->g, layers, spec && spec[0] ? spec : "0", uid, gid, e);
}

json_t *bld_cfg(struct bld_state *st)
{
	json_t *c = json_object_get(st->config, "config");
	if (json_is_object(c))
		return c;
	c = json_object();
	return c && json_object_set_new(st->config, "config", c) == 0 ? c : NULL;
}

/* A stage starts with PATH in its Env: the base's, else the default (as
 * Docker's and buildah's builders set it, for scratch too). */
static int default_path(struct bld_state *st, struct brig_err *e)
{
	json_t *cfg = bld_cfg(st), *x;
	size_t i;
	if (!cfg)
		return brig_err_oom(e);
	json_array_foreach(json_object_get(cfg, "Env"), i, x)
	{
		const char *s = json_string_value(x);
		if (s && !strncmp(s, "PATH=", 5))
			return 0;
	}
	return bld_env_set(cfg, "PATH", 4, BLD_DEFAULT_PATH, e);
}

int bld_image_scratch(struct bld_state *st, struct brig_err *e)
{
	st->config = json_pack("{s:s, s:s, s:{}, s:{s:s, s:[]}, s:[]}", "architecture",
			       eng_host_arch(), "os", "linux", "config", "rootfs", "type", "layers",
			       "diff_ids", "history");
	st->args = json_object();
	bld_key_next(st->key, "FROM scratch", NULL);
	return st->config && st->args ? default_path(st, e) : brig_err_oom(e);
}

static int base_layers(struct bld_state *st, const struct img_manifest *m, struct brig_err *e)
{
	json_t *ids = json_object_get(json_object_get(st->config, "rootfs"), "diff_ids");
	if (json_array_size(ids) != m->n_layers)
		return brig_err_set(e, -EINVAL,
				    "the base's config lists %zu diff_ids for %zu layers",
				    json_array_size(ids), m->n_layers);
	st->layers = calloc(m->n_layers + 1, sizeof(*st->layers));
	if (!st->layers)
		return brig_err_oom(e);
	for (size_t i = 0; i < m->n_layers; i++) {
		struct bld_layer *l = &st->layers[i];
		const char *d = json_string_value(json_array_get(ids, i));
		if (!d || !brig_digest_valid(d))
			return brig_err_set(e, -EINVAL, "the base's rootfs.diff_ids[%zu]", i);
		memcpy(l->digest, m->layers[i].digest, IMG_DIGEST_SIZE);
		snprintf(l->diff_id, sizeof(l->diff_id), "%s", d);
		l->size = m->layers[i].size;
		l->comp = (int)m->layers[i].info.comp;
	}
	st->n_layers = m->n_layers;
	return 0;
}

/* The base's layers in the layer cache (COPY and WORKDIR read the image's
 * directories there; a RUN would unpack them anyway). */
static int base_unpacked(struct bld_ctx *c, struct bld_state *st, struct brig_err *e)
{
	_cleanup_close_ int layers = eng_layers_open(eng_root(c->g), e);
	if (layers < 0)
		return layers;
	for (size_t i = 0; i < st->n_layers; i++) {
		struct stat sb;
		if (fstatat(layers, st->layers[i].diff_id + 7, &sb, AT_SYMLINK_NOFOLLOW) == 0)
			continue;
		if (errno != ENOENT)
			return brig_err_sys(e, errno, "the layer cache's %.19s",
					    st->layers[i].diff_id);
		_cleanup_close_ int blob = -1;
		char diff_id[IMG_DIGEST_SIZE];
		int comp = 0;
		int r = img_blob_open(c->s, st->layers[i].digest, false, &blob, e);
		if (r == 0)
			r = eng_layer_unpack_to(eng_root(c->g), blob, st->layers[i].digest, diff_id,
						&comp, e);
		if (r < 0)
			return r;
	}
	return 0;
}

int bld_pull(struct bld_ctx *c, const char *ref, struct brig_err *e)
{
	struct eng_pull_opts po = { .ref = ref, .tls_verify = true, .config = c->o->config };
	struct eng_pull_result res = { 0 };
	/* an image id names content, not a registry's image: nothing to pull */
	if (!c->o->pull || !strncmp(ref, "sha256:", 7) || json_object_get(c->pulled, ref))
		return 0;
	bld_progress(c, " ---> pulling %s", ref);
	int r = eng_pull(eng_root(c->g), &po, &res, e);
	if (r == 0)
		bld_progress(c, " ---> %s", res.name);
	eng_pull_result_clear(&res);
	if (r < 0)
		return brig_err_wrap(e, "--pull %s", ref);
	if ((!c->pulled && !(c->pulled = json_object())) ||
	    json_object_set_new(c->pulled, ref, json_true()) < 0)
		return brig_err_set(e, -EINVAL, "--pull %s: not valid UTF-8", ref);
	return 0;
}

int bld_image_base(struct bld_ctx *c, const char *ref, struct bld_state *st, struct brig_err *e)
{
	struct img_descriptor d = { 0 }, md = { 0 };
	struct img_manifest m = { 0 };
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r = bld_pull(c, ref, e);
	if (r == 0)
		r = img_store_resolve(c->s, ref, &d, e);
	if (r == 0)
		r = img_store_select_manifest(c->s, &d, eng_host_arch(), "linux", NULL, &md, e);
	if (r == 0)
		r = img_store_load_manifest(c->s, &md, &m, e);
	if (r == 0)
		r = img_blob_read(c->s, m.config.digest, IMG_CONFIG_MAX, &buf, &len, e);
	json_error_t je;
	if (r == 0 &&
	    (!(st->config = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je)) ||
	     !json_is_object(st->config)))
		r = brig_err_set(e, -EINVAL, "the config of %s: %s", ref, je.text);
	if (r == 0 && !(st->args = json_object()))
		r = brig_err_oom(e);
	if (r == 0)
		r = default_path(st, e);
	if (r == 0)
		r = base_layers(st, &m, e);
	if (r == 0)
		r = base_unpacked(c, st, e);
	if (r == 0) {
		char what[80];
		snprintf(what, sizeof(what), "FROM %s", md.digest);
		bld_key_next(st->key, what, NULL);
		snprintf(st->base_name, sizeof(st->base_name), "%.*s",
			 (int)sizeof(st->base_name) - 1, ref);
		memcpy(st->base_digest, md.digest, sizeof(st->base_digest));
	}
	img_manifest_clear(&m);
	img_descriptor_clear(&md);
	img_descriptor_clear(&d);
	return r;
}

int bld_state_copy(struct bld_state *dst, const struct bld_state *src, struct brig_err *e)
{
	*dst = (struct bld_state){ 0 };
	dst->config = json_deep_copy(src->config);
	dst->args = json_object();
	dst->layers = calloc(src->n_layers + 1, sizeof(*dst->layers));
	if (!dst->config || !dst->args || !dst->layers) {
		bld_state_clear(dst);
		return brig_err_oom(e);
	}
	memcpy(dst->layers, src->layers, src->n_layers * sizeof(*dst->layers));
	dst->n_layers = src->n_layers;
	memcpy(dst->key, src->key, sizeof(dst->key));
	memcpy(dst->base_name, src->base_name, sizeof(dst->base_name));
	memcpy(dst->base_digest, src->base_digest, sizeof(dst->base_digest));
	return 0;
}

static int history(struct bld_ctx *c, struct bld_state *st, const char *by, bool empty,
		   struct brig_err *e)
{
	json_t *h = json_object_get(st->config, "history");
	if (!json_is_array(h) && json_object_set_new(st->config, "history", h = json_array()) < 0)
		return brig_err_oom(e);
	json_t *ent = json_pack("{s:s, s:s, s:s}", "created", c->created, "created_by", by,
				"comment", "brig build");
	if (!ent || (empty && json_object_set_new(ent, "empty_layer", json_true()) < 0) ||
	    json_array_append_new(h, ent) < 0)
		return brig_err_set(e, -EINVAL, "a history entry: not valid UTF-8");
	return 0;
}

int bld_add_history(struct bld_ctx *c, struct bld_state *st, const char *created_by,
		    struct brig_err *e)
{
	return history(c, st, created_by, true, e);
}

int bld_add_layer(struct bld_ctx *c, struct bld_state *st, const struct bld_layer *l,
		  const char *created_by, struct brig_err *e)
{
	if (st->n_layers >= IMG_MAX_LAYERS)
		return brig_err_set(e, -E2BIG, "more than %d layers", IMG_MAX_LAYERS);
	struct bld_layer *nv = realloc(st->layers, (st->n_layers + 2) * sizeof(*nv));
	if (!nv)
		return brig_err_oom(e);
	st->layers = nv;
	nv[st->n_layers++] = *l;
	json_t *rootfs = json_object_get(st->config, "rootfs");
	json_t *ids = json_object_get(rootfs, "diff_ids");
	if (!json_is_array(ids) || json_array_append_new(ids, json_string(l->diff_id)) < 0)
		return brig_err_set(e, -EINVAL, "the config has no rootfs.diff_ids");
	return history(c, st, created_by, false, e);
}

int bld_image_put(struct bld_ctx *c, struct bld_state *st, char image_id[IMG_DIGEST_SIZE],
		  struct img_descriptor *md, struct brig_err *e)
{
	if (json_object_set_new(st->config, "created", json_string(c->created)) < 0)
		return brig_err_oom(e);
	_cleanup_free_ struct img_descriptor *v = calloc(st->n_layers + 1, sizeof(*v));
	if (!v)
		return brig_err_oom(e);
	for (size_t i = 0; i < st->n_layers; i++) {
		v[i] = (struct img_descriptor){ .info.comp = st->layers[i].comp,
						.size = st->layers[i].size };
		memcpy(v[i].digest, st->layers[i].digest, IMG_DIGEST_SIZE);
	}
	return img_store_put_image(c->s, st->config, v, st->n_layers, image_id, md, e);
}

int bld_layer_from_dir(struct bld_ctx *c, int dirfd, struct bld_layer *l, struct brig_err *e)
{
	struct eng_layer_out out = { 0 };
	struct img_pack_setid sid = { bld_defanged, c, bld_defanged_caps };
	int r = eng_layer_make(c->g, NULL, dirfd, c->o->timestamp,
			       c->o->defang_setuid ? &sid : NULL, &out, e);
	if (r < 0)
		return r;
	memcpy(l->digest, out.digest, sizeof(l->digest));
	memcpy(l->diff_id, out.diff_id, sizeof(l->diff_id));
	l->size = out.size;
	l->comp = IMG_COMP_GZIP;
	return 0;
}
