/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig pull: an image from a registry into the store.  The manifest (and,
 * for an index, the platform's manifest) is fetched and verified in
 * memory; the config and each layer missing from the store are streamed
 * into a blob writer (hashed, size-limited, renamed into place only after
 * the digest matched); layers are fetched in parallel and unpacked in the
 * same pass by the strict unpacker `brig load` uses (pull_layers.c); only
 * when all of that worked
 * is the manifest stored and the name written, with annotations
 * saying where the image came from.  See docs/registry.md.
 */
#include "engine/pull-internal.h"
#include "engine/config/engine-config.h"

#include <string.h>
#include <time.h>

static int blob_sink(void *ctx, const void *buf, size_t len, struct brig_err *e)
{
	return img_blob_write(ctx, buf, len, e);
}

/* Fetch a blob into the store unless it is there.  1 when it was. */
static int fetch_blob(struct pull *p, const struct img_descriptor *d, struct brig_err *e)
{
	int r = img_blob_exists(p->s, d->digest, e);
	if (r != 0)
		return r;
	_cleanup_img_blob_writer_ struct img_blob_writer *w = NULL;
	if ((r = img_blob_writer_open(p->s, d->digest, d->size, &w, e)) < 0)
		return r;
	if ((r = reg_blob_get(p->c, p->ref.path, d->digest, d->size, blob_sink, w, e)) < 0)
		return r;
	char got[IMG_DIGEST_SIZE];
	uint64_t size = 0;
	return img_blob_commit(w, got, &size, e);
}

static int check_layers(const struct img_manifest *m, const char *name, struct brig_err *e)
{
	for (size_t i = 0; i < m->n_layers; i++) {
		const struct img_descriptor *l = &m->layers[i];
		if (l->urls || l->info.nondistributable)
			return brig_err_set(e, -ENOTSUP,
					    "%s: layers[%zu] (%s) is a foreign layer (fetched "
					    "from URLs outside the registry); brig does not pull "
					    "those",
					    name, i, l->digest);
		if (l->info.kind != IMG_KIND_LAYER)
			return brig_err_set(e, -ENOTSUP,
					    "%s: layers[%zu]: media type '%s' is not a layer", name,
					    i, l->media_type);
	}
	return 0;
}

/* Whether index.json names the manifest digest: a pull, load or commit
 * names an image only after its layers were verified (a blob alone proves
 * nothing: a failed load leaves its blobs unreferenced).  Any error: no. */
static bool named(struct img_store *s, const char *digest)
{
	struct img_descriptor d = { 0 };
	struct brig_err e = { 0 };
	bool yes = img_store_resolve(s, digest, &d, &e) == 0 && strcmp(d.digest, digest) == 0;
	img_descriptor_clear(&d);
	brig_err_clear(&e);
	return yes;
}

/* Config and layers of the manifest m (already parsed). */
static int pull_image(struct pull *p, const struct img_manifest *m, const char *mdigest,
		      const char *name, struct brig_err *e)
{
	bool known = named(p->s, mdigest);
	int r = fetch_blob(p, &m->config, e);
	if (r < 0)
		return brig_err_wrap(e, "config");
	struct img_config c = { 0 };
	if ((r = img_store_load_config(p->s, &m->config, &c, e)) < 0)
		return r;
	if (c.n_diff_ids != m->n_layers)
		r = brig_err_set(e, -EBADMSG, "%s: config %s lists %zu diff_ids for %zu layers",
				 name, m->config.digest, c.n_diff_ids, m->n_layers);
	if (r == 0)
		r = eng_pull_layers(p, m, &c, known, e);
	img_config_clear(&c);
	return r;
}

/* "os/arch[/variant]" or the host's. */
static int want_platform(const char *spec, char **os, char **arch, char **variant,
			 struct brig_err *e)
{
	if (!spec) {
		*os = strdup("linux");
		*arch = strdup(eng_host_arch());
		*variant = NULL;
		return *os && *arch ? 0 : brig_err_oom(e);
	}
	_cleanup_free_ char *dup = strdup(spec);
	if (!dup)
		return brig_err_oom(e);
	char *a = strchr(dup, '/'), *v = a ? strchr(a + 1, '/') : NULL;
	if (a)
		*a++ = 0;
	if (v)
		*v++ = 0;
	if (!a || !dup[0] || !a[0] || (v && (!v[0] || strchr(v, '/'))))
		return brig_err_set(e, -EINVAL, "--platform '%.100s': expected os/arch[/variant]",
				    spec);
	*os = strdup(dup);
	*arch = strdup(a);
	*variant = v ? strdup(v) : NULL;
	return *os && *arch && (!v || *variant) ? 0 : brig_err_oom(e);
}

static int pick(const struct img_index *x, const char *name, const char *spec,
		struct img_descriptor *out, struct brig_err *e)
{
	_cleanup_free_ char *os = NULL, *arch = NULL, *variant = NULL;
	int r = want_platform(spec, &os, &arch, &variant, e);
	if (r < 0)
		return r;
	for (size_t i = 0; i < x->n_manifests; i++) {
		const struct img_descriptor *d = &x->manifests[i];
		const struct img_platform *pl = d->platform;
		if (!pl || d->info.kind != IMG_KIND_MANIFEST || strcmp(pl->os, os) != 0 ||
		    strcmp(pl->architecture, arch) != 0)
			continue;
		if (variant && (!pl->variant || strcmp(pl->variant, variant) != 0))
			continue;
		return img_descriptor_copy(out, d, e);
	}
	return brig_err_set(e, -ENOENT, "%s: no manifest for platform %s/%s%s%s", name, os, arch,
			    variant ? "/" : "", variant ? variant : "");
}

/* The manifest of the image: m itself, or the platform's from the index m. */
static int resolve(struct pull *p, struct reg_manifest *m, struct reg_manifest *plat,
		   struct brig_err *e)
{
	if (strcmp(m->media_type, REG_MT_OCI_INDEX) != 0 &&
	    strcmp(m->media_type, REG_MT_DOCKER_LIST) != 0)
		return 0;
	char name[IMG_DIGEST_SIZE + 8];
	snprintf(name, sizeof(name), "index %s", m->digest);
	struct img_index x;
	struct img_descriptor d = { 0 };
	int r = img_index_parse(m->body, m->len, name, m->media_type, &x, e);
	if (r < 0)
		return r;
	r = pick(&x, name, p->o->platform, &d, e);
	img_index_clear(&x);
	if (r == 0 && (r = reg_manifest_get(p->c, p->ref.path, d.digest, plat, e)) == 0 &&
	    strcmp(plat->media_type, d.media_type) != 0)
		r = brig_err_set(e, -EBADMSG, "manifest %s: served as '%s', the index says '%s'",
				 d.digest, plat->media_type, d.media_type);
	img_descriptor_clear(&d);
	return r;
}

static int put_doc(struct pull *p, const struct reg_manifest *m, struct brig_err *e)
{
	char got[IMG_DIGEST_SIZE];
	int r = img_blob_put(p->s, m->body, m->len, got, e);
	if (r == 0 && strcmp(got, m->digest) != 0)
		r = brig_err_set(e, -EBADMSG, "manifest %s stored as %s", m->digest, got);
	return r;
}

static int annotate(struct img_descriptor *d, const struct pull *p, const char *digest,
		    struct brig_err *e)
{
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	if (!gmtime_r(&now, &tm) || !strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm))
		return brig_err_set(e, -EINVAL, "cannot format the time");
	const char *kv[][2] = {
		{ ENG_SOURCE_REGISTRY, p->ref.domain },
		{ ENG_SOURCE_REPOSITORY, p->ref.path },
		{ ENG_SOURCE_TAG, p->ref.tag ? p->ref.tag : "" },
		{ ENG_SOURCE_DIGEST, digest },
		{ ENG_SOURCE_TIME, when },
	};
	d->annotations.items = calloc(BRIG_ARRAY_SIZE(kv), sizeof(struct img_kv));
	if (!d->annotations.items)
		return brig_err_oom(e);
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(kv); i++) {
		struct img_kv *it = &d->annotations.items[d->annotations.n++];
		if (!(it->key = strdup(kv[i][0])) || !(it->value = strdup(kv[i][1])))
			return brig_err_oom(e);
	}
	return 0;
}

/* Store the documents and name the image. */
static int finish(struct pull *p, const struct reg_manifest *top, const struct reg_manifest *m,
		  struct eng_pull_result *out, struct brig_err *e)
{
	int r = put_doc(p, m, e);
	if (r < 0)
		return r;
	struct img_descriptor d = { .media_type = m->media_type, .size = m->len };
	memcpy(d.digest, m->digest, sizeof(d.digest));
	if ((r = annotate(&d, p, top->digest, e)) == 0) {
		struct img_ref named = p->ref;
		if (!p->ref.tag)
			memcpy(named.digest, m->digest, sizeof(named.digest));
		else
			named.digest[0] = 0;
		_cleanup_free_ char *name = img_ref_string(&named);
		r = name ? img_store_tag(p->s, &d, name, e) : brig_err_oom(e);
	}
	img_kvlist_clear(&d.annotations);
	if (r == 0 &&
	    asprintf(&out->name, "%s/%s@%s", p->ref.domain, p->ref.path, top->digest) < 0) {
		out->name = NULL;
		r = brig_err_oom(e);
	}
	memcpy(out->manifest, m->digest, sizeof(out->manifest));
	return r;
}

/* Config, layers and document of the manifest m (top: what was asked; an
 * index is not kept, its digest is recorded in the source annotations). */
static int store_image(struct pull *p, const struct reg_manifest *top, const struct reg_manifest *m,
		       struct eng_pull_result *out, struct brig_err *e)
{
	char name[IMG_DIGEST_SIZE + 16];
	snprintf(name, sizeof(name), "manifest %s", m->digest);
	struct img_manifest im = { 0 };
	int r = img_manifest_parse(m->body, m->len, name, m->media_type, &im, e);
	if (r < 0)
		return r;
	r = check_layers(&im, name, e);
	if (r == 0 && (r = eng_store_open(p->root, &p->s, e)) == 0 &&
	    (r = img_store_lease(p->s, e)) == 0 && (p->layers_fd = eng_layers_open(p->root, e)) < 0)
		r = p->layers_fd;
	if (r == 0)
		r = pull_image(p, &im, m->digest, name, e);
	img_manifest_clear(&im);
	if (r == 0)
		r = finish(p, top, m, out, e);
	return r;
}

/* The manifests first (nothing is written to the store before they are
 * verified), then the rest. */
static int run_pull(struct pull *p, struct eng_pull_result *out, struct brig_err *e)
{
	struct reg_manifest top = { 0 }, plat = { 0 };
	const char *want = p->ref.digest[0] ? p->ref.digest : p->ref.tag;
	int r = reg_manifest_get(p->c, p->ref.path, want, &top, e);
	if (r == 0)
		r = resolve(p, &top, &plat, e);
	if (r == 0)
		r = store_image(p, &top, plat.body ? &plat : &top, out, e);
	reg_manifest_clear(&top);
	reg_manifest_clear(&plat);
	return r;
}

/* The client, and its options kept for the other download threads'. */
static int open_client(struct pull *p, struct eng_config **cfg, struct brig_err *e)
{
	int r = eng_config_load(p->o->config, p->o->config != NULL, cfg, e);
	if (r == 0 && p->o->authfile &&
	    (r = reg_authfile_lookup(p->o->authfile, p->ref.domain, &p->user, &p->pass, e)) > 0)
		r = 0;
	if (r < 0)
		return r;
	p->max_downloads = (unsigned)(*cfg)->max_downloads;
	p->ro = (struct reg_opts){ .host = p->ref.domain,
				   .certs_dir = (*cfg)->registry_certs_dir,
				   .tls_verify = p->o->tls_verify,
				   .user = p->user,
				   .password = p->pass };
	return reg_client_new(&p->ro, &p->c, e);
}

int eng_pull(const char *root, const struct eng_pull_opts *o, struct eng_pull_result *out,
	     struct brig_err *e)
{
	*out = (struct eng_pull_result){ 0 };
	struct pull p = { .o = o, .root = root, .layers_fd = -1 };
	_cleanup_free_ char *os = NULL, *arch = NULL, *variant = NULL;
	int r = o->platform ? want_platform(o->platform, &os, &arch, &variant, e) : 0;
	if (r < 0 || (r = img_ref_parse(o->ref, &p.ref, e)) < 0)
		return r;
	_cleanup_eng_config_ struct eng_config *cfg = NULL;
	if ((r = open_client(&p, &cfg, e)) == 0)
		r = run_pull(&p, out, e);
	if (p.pass)
		explicit_bzero(p.pass, strlen(p.pass));
	free(p.pass);
	free(p.user);
	if (p.layers_fd >= 0)
		close(p.layers_fd);
	img_store_close(p.s);
	reg_client_free(p.c);
	img_ref_clear(&p.ref);
	return r;
}

void eng_pull_result_clear(struct eng_pull_result *r)
{
	free(r->name);
	r->name = NULL;
}
