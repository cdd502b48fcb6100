/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig build --check-reproducible's verdict when two builds differ: the
 * first layer whose diff_id differs (with the instruction that made it)
 * and, read from both layers by the unpacker's check-only pass, the first
 * entry that differs in name, type, mode, owner, size, link or contents;
 * or that only the configs differ.
 */
#include "build/build-internal.h"

#include "image/layer/layer.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LISTING_MAX 1000000

struct listing {
	char **v;
	size_t n;
};

static void listing_clear(struct listing *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	*l = (struct listing){ 0 };
}

static int visit(void *arg, const struct img_layer_entry *ent, struct brig_err *e)
{
	struct listing *l = arg;
	char hex[BRIG_SHA256_HEX] = "-", buf[65536];
	if (ent->type == 'f') {
		struct brig_sha256 *h = brig_sha256_new();
		ssize_t n = 1;
		while (h && (n = img_layer_entry_read(ent, buf, sizeof(buf))) > 0)
			brig_sha256_update(h, buf, (size_t)n);
		if (!h || n < 0 || brig_sha256_final(h, hex) < 0)
			hex[0] = '?', hex[1] = '\0';
		brig_sha256_free(h);
	}
	char **nv = l->n < LISTING_MAX ? realloc(l->v, (l->n + 1) * sizeof(*nv)) : NULL;
	if (!nv)
		return brig_err_set(e, -E2BIG, "listing a layer: too many entries");
	l->v = nv;
	if (asprintf(&l->v[l->n],
		     "%s (type %c, mode %04o, owner %u:%u, %llu bytes%s%s, sha256 %.12s)",
		     ent->path, ent->type, (unsigned)ent->mode & 07777, (unsigned)ent->uid,
		     (unsigned)ent->gid, (unsigned long long)ent->size, ent->link ? ", link " : "",
		     ent->link ? ent->link : "", hex) < 0)
		return brig_err_oom(e);
	l->n++;
	return 0;
}

static int listing(struct img_store *s, const char *digest, struct listing *l, struct brig_err *e)
{
	_cleanup_close_ int fd = -1;
	struct img_unpack_opts o = { .visit = visit, .visit_arg = l };
	struct img_unpack_result res = { 0 };
	int r = img_blob_open(s, digest, false, &fd, e);
	if (r == 0)
		r = img_layer_unpack(fd, -1, &o, &res, e);
	img_unpack_result_clear(&res);
	return r;
}

struct side {
	struct img_manifest m;
	json_t *config;
};

static int load(struct img_store *s, const char *id, struct side *sd, struct brig_err *e)
{
	struct img_descriptor d = { 0 }, md = { 0 };
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r = img_store_resolve(s, id, &d, e);
	if (r == 0)
		r = img_store_select_manifest(s, &d, eng_host_arch(), "linux", NULL, &md, e);
	if (r == 0)
		r = img_store_load_manifest(s, &md, &sd->m, e);
	if (r == 0)
		r = img_blob_read(s, sd->m.config.digest, IMG_CONFIG_MAX, &buf, &len, e);
	if (r == 0 && !(sd->config = json_loadb(buf, len, 0, NULL)))
		r = brig_err_set(e, -EINVAL, "the config of %s", id);
	img_descriptor_clear(&md);
	img_descriptor_clear(&d);
	return r;
}

/* The created_by of the history entry of layer i. */
static const char *made_by(json_t *config, size_t i)
{
	size_t k, n = 0;
	json_t *h;
	json_array_foreach(json_object_get(config, "history"), k, h)
	{
		if (json_is_true(json_object_get(h, "empty_layer")))
			continue;
		if (n++ == i)
			return json_string_value(json_object_get(h, "created_by"));
	}
	return NULL;
}

static int layer_diff(struct img_store *s, struct side *a, struct side *b, size_t i, char **out,
		      struct brig_err *e)
{
	struct listing la = { 0 }, lb = { 0 };
	const char *by = made_by(a->config, i);
	int r = listing(s, a->m.layers[i].digest, &la, e);
	if (r == 0)
		r = listing(s, b->m.layers[i].digest, &lb, e);
	size_t k = 0;
	while (r == 0 && k < la.n && k < lb.n && !strcmp(la.v[k], lb.v[k]))
		k++;
	if (r == 0 && (k < la.n || k < lb.n)) {
		if (asprintf(out, "layer %zu (%s) differs first at %s, against %s", i + 1,
			     by ? by : "?", k < la.n ? la.v[k] : "(no entry)",
			     k < lb.n ? lb.v[k] : "(no entry)") < 0)
			r = brig_err_oom(e);
	} else if (r == 0 &&
		   asprintf(out,
			    "layer %zu (%s) differs in its tar headers (times?), "
			    "not in names, modes, owners or contents",
			    i + 1, by ? by : "?") < 0) {
		r = brig_err_oom(e);
	}
	listing_clear(&la);
	listing_clear(&lb);
	return r;
}

int bld_check_diff(struct eng *g, const char *id1, const char *id2, char **out, struct brig_err *e)
{
	_cleanup_img_store_ struct img_store *s = NULL;
	struct side a = { 0 }, b = { 0 };
	int r = eng_store_open(eng_root(g), &s, e);
	if (r == 0 && (r = load(s, id1, &a, e)) == 0)
		r = load(s, id2, &b, e);
	size_t i = 0;
	while (r == 0 && i < a.m.n_layers && i < b.m.n_layers &&
	       !strcmp(a.m.layers[i].digest, b.m.layers[i].digest))
		i++;
	if (r == 0 && (i < a.m.n_layers || i < b.m.n_layers))
		r = i < a.m.n_layers && i < b.m.n_layers
			? layer_diff(s, &a, &b, i, out, e)
			: (asprintf(out, "the images have %zu and %zu layers", a.m.n_layers,
				    b.m.n_layers) < 0
				   ? brig_err_oom(e)
				   : 0);
	else if (r == 0 && !(*out = strdup("the layers are the same; the image configs differ")))
		r = brig_err_oom(e);
	img_manifest_clear(&a.m);
	img_manifest_clear(&b.m);
	json_decref(a.config);
	json_decref(b.config);
	return r;
}
