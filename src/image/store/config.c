/* SPDX-License-Identifier: Apache-2.0 */
/* Image configs (application/vnd.oci.image.config.v1+json and Docker's
 * application/vnd.docker.container.image.v1+json): the fields brig uses,
 * type-checked; everything else is ignored, as the spec asks. */
#include "image/store/store-internal.h"

#include <string.h>

#define MAX_ARGS 65536
#define MAX_ENTRIES 4096
#define MAX_HISTORY 4096

/* config.Healthcheck: types checked here; what Test means, where it is used. */
static int healthcheck(const json_t *cfg, const struct bj_loc *ca, struct img_healthcheck *h,
		       struct brig_err *e)
{
	static const char *const keys[] = { "Interval", "Timeout", "StartPeriod", "StartInterval",
					    "Retries" };
	int64_t *vals[] = { &h->interval, &h->timeout, &h->start_period, &h->start_interval,
			    &h->retries };
	json_t *hc = NULL;
	int r = sj_opt(cfg, ca, "Healthcheck", JSON_OBJECT, &hc, e);
	if (r != 0)
		return r < 0 ? r : 0;
	struct bj_loc at;
	bj_key(&at, ca, "Healthcheck");
	if ((r = sj_opt_strv(hc, &at, "Test", MAX_ARGS, &h->test, e)) < 0)
		return r;
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(keys); i++)
		if (!json_is_null(json_object_get(hc, keys[i])) &&
		    (r = bj_get_int(hc, &at, keys[i], false, 0, INT64_MAX, vals[i], e)) < 0)
			return r;
	return 0;
}

static int exec_config(const json_t *doc, const struct bj_loc *at, struct img_config *c,
		       struct brig_err *e)
{
	json_t *cfg = NULL;
	int r = sj_opt(doc, at, "config", JSON_OBJECT, &cfg, e);
	if (r != 0)
		return r < 0 ? r : 0;
	struct bj_loc ca;
	bj_key(&ca, at, "config");
	if ((r = sj_opt_str(cfg, &ca, "User", &c->user, e)) < 0 ||
	    (r = sj_opt_strv(cfg, &ca, "Env", MAX_ARGS, &c->env, e)) < 0 ||
	    (r = sj_opt_strv(cfg, &ca, "Entrypoint", MAX_ARGS, &c->entrypoint, e)) < 0 ||
	    (r = sj_opt_strv(cfg, &ca, "Cmd", MAX_ARGS, &c->cmd, e)) < 0 ||
	    (r = sj_opt_str(cfg, &ca, "WorkingDir", &c->working_dir, e)) < 0 ||
	    (r = sj_opt_str(cfg, &ca, "StopSignal", &c->stop_signal, e)) < 0 ||
	    (r = sj_opt_strv(cfg, &ca, "Shell", MAX_ARGS, &c->shell, e)) < 0 ||
	    (r = healthcheck(cfg, &ca, &c->healthcheck, e)) < 0)
		return r;
	static const char *const sets[] = { "Labels", "ExposedPorts", "Volumes" };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(sets); i++) {
		json_t *v = NULL;
		r = sj_opt(cfg, &ca, sets[i], JSON_OBJECT, &v, e);
		if (r < 0)
			return r;
		if (r > 0)
			continue;
		struct bj_loc sub;
		bj_key(&sub, &ca, sets[i]);
		if (i == 0)
			r = sj_kvlist(v, &sub, MAX_ENTRIES, &c->labels, e);
		else
			r = sj_keyset(v, &sub, MAX_ENTRIES,
				      i == 1 ? &c->exposed_ports : &c->volumes, e);
		if (r < 0)
			return r;
	}
	return 0;
}

static int rootfs(const json_t *doc, const struct bj_loc *at, struct img_config *c,
		  struct brig_err *e)
{
	json_t *rfs = NULL;
	int r = bj_get_obj(doc, at, "rootfs", true, &rfs, e);
	if (r < 0)
		return r;
	struct bj_loc ra, sub;
	bj_key(&ra, at, "rootfs");
	const char *type = NULL;
	r = bj_get_str(rfs, &ra, "type", true, &type, e);
	if (r < 0)
		return r;
	if (strcmp(type, "layers") != 0) {
		bj_key(&sub, &ra, "type");
		return bj_fail(e, &sub, "must be \"layers\", got \"%.64s\"", type);
	}
	r = bj_get_strv(rfs, &ra, "diff_ids", true, IMG_MAX_LAYERS, &c->diff_ids, e);
	if (r < 0)
		return r;
	c->n_diff_ids = brig_strv_len(c->diff_ids);
	bj_key(&sub, &ra, "diff_ids");
	for (size_t i = 0; i < c->n_diff_ids; i++) {
		if (brig_digest_valid(c->diff_ids[i]))
			continue;
		struct bj_loc el;
		bj_idx(&el, &sub, i);
		return bj_fail(e, &el, "'%.80s' is not a valid sha256 digest", c->diff_ids[i]);
	}
	return 0;
}

static int history_entry(const json_t *v, const struct bj_loc *at, struct img_history *h,
			 struct brig_err *e)
{
	int r = bj_expect(v, at, JSON_OBJECT, e);
	if (r < 0)
		return r;
	json_t *b = NULL;
	if ((r = sj_opt_str(v, at, "created", &h->created, e)) < 0 ||
	    (r = sj_opt_str(v, at, "author", &h->author, e)) < 0 ||
	    (r = sj_opt_str(v, at, "created_by", &h->created_by, e)) < 0 ||
	    (r = sj_opt_str(v, at, "comment", &h->comment, e)) < 0 ||
	    (r = sj_opt(v, at, "empty_layer", JSON_TRUE, &b, e)) < 0)
		return r;
	h->empty_layer = b && json_is_true(b);
	return 0;
}

static int history(const json_t *doc, const struct bj_loc *at, struct img_config *c,
		   struct brig_err *e)
{
	json_t *arr = NULL;
	int r = sj_opt(doc, at, "history", JSON_ARRAY, &arr, e);
	if (r != 0)
		return r < 0 ? r : 0;
	struct bj_loc ha;
	bj_key(&ha, at, "history");
	size_t n = json_array_size(arr);
	if (n > MAX_HISTORY)
		return bj_fail(e, &ha, "%zu entries, at most %d allowed", n, MAX_HISTORY);
	c->history = calloc(n ? n : 1, sizeof(*c->history));
	if (!c->history)
		return brig_err_oom(e);
	for (size_t i = 0; i < n; i++) {
		struct bj_loc el;
		bj_idx(&el, &ha, i);
		c->n_history++;
		r = history_entry(json_array_get(arr, i), &el, &c->history[i], e);
		if (r < 0)
			return r;
	}
	return 0;
}

static int config_from_json(const json_t *doc, const struct bj_loc *at, struct img_config *c,
			    struct brig_err *e)
{
	int r = bj_expect(doc, at, JSON_OBJECT, e);
	if (r < 0)
		return r;
	if ((r = sj_req_str(doc, at, "architecture", &c->architecture, e)) < 0 ||
	    (r = sj_req_str(doc, at, "os", &c->os, e)) < 0 ||
	    (r = sj_opt_str(doc, at, "variant", &c->variant, e)) < 0 ||
	    (r = sj_opt_str(doc, at, "os.version", &c->os_version, e)) < 0 ||
	    (r = sj_opt_str(doc, at, "created", &c->created, e)) < 0 ||
	    (r = sj_opt_str(doc, at, "author", &c->author, e)) < 0 ||
	    (r = exec_config(doc, at, c, e)) < 0 || (r = rootfs(doc, at, c, e)) < 0 ||
	    (r = history(doc, at, c, e)) < 0)
		return r;
	return 0;
}

int img_config_parse(const char *buf, size_t len, const char *name, struct img_config *out,
		     struct brig_err *e)
{
	*out = (struct img_config){ 0 };
	if (len > IMG_CONFIG_MAX)
		return brig_err_set(e, -EFBIG, "%s: %zu bytes, larger than the limit of %zu", name,
				    len, IMG_CONFIG_MAX);
	_cleanup_json_ json_t *doc = NULL;
	int r = bj_parse(buf, len, name, &doc, e);
	if (r < 0)
		return r;
	struct bj_loc at;
	bj_root(&at, name);
	r = config_from_json(doc, &at, out, e);
	if (r < 0)
		img_config_clear(out);
	return r;
}

void img_config_clear(struct img_config *c)
{
	free(c->architecture);
	free(c->os);
	free(c->variant);
	free(c->os_version);
	free(c->created);
	free(c->author);
	free(c->user);
	brig_strv_free(c->env);
	brig_strv_free(c->entrypoint);
	brig_strv_free(c->cmd);
	free(c->working_dir);
	img_kvlist_clear(&c->labels);
	free(c->stop_signal);
	brig_strv_free(c->shell);
	brig_strv_free(c->healthcheck.test);
	brig_strv_free(c->exposed_ports);
	brig_strv_free(c->volumes);
	brig_strv_free(c->diff_ids);
	for (size_t i = 0; i < c->n_history; i++) {
		free(c->history[i].created);
		free(c->history[i].author);
		free(c->history[i].created_by);
		free(c->history[i].comment);
	}
	free(c->history);
	*c = (struct img_config){ 0 };
}
