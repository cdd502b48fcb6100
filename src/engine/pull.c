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
#include "engine/provenance-internal.h"
#include "engine/config/engine-config.h"
#include "registry/regconf.h"

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
		{ ENG_SOURCE_REGISTRY, p->name.domain },
		{ ENG_SOURCE_REPOSITORY, p->name.path },
		{ ENG_SOURCE_TAG, p->name.tag ? p->name.tag : "" },
		{ ENG_SOURCE_DIGEST, digest },
		{ ENG_SOURCE_TIME, when },
		{ ENG_SOURCE_MIRROR, p->mirror },
	};
	size_t n = BRIG_ARRAY_SIZE(kv) - (p->mirror ? 0 : 1);
	d->annotations.items = calloc(n, sizeof(struct img_kv));
	if (!d->annotations.items)
		return brig_err_oom(e);
	for (size_t i = 0; i < n; i++) {
		struct img_kv *it = &d->annotations.items[d->annotations.n++];
		if (!(it->key = strdup(kv[i][0])) || !(it->value = strdup(kv[i][1])))
			return brig_err_oom(e);
	}
	return 0;
}

/* A warm pull: name names d's manifest already, from the same source
 * (every io.brig.source key but the time equal, a mirror only if both
 * have it).  The manifest was stored and verified when the name was made,
 * so nothing is written: no index.json rewrite and its fsyncs, and the
 * source's time stays that of the pull that named it. */
static bool unchanged(struct pull *p, const char *name, const struct img_descriptor *d)
{
	struct img_descriptor cur = { 0 };
	struct brig_err e = { 0 };
	bool same = img_store_resolve(p->s, name, &cur, &e) == 0 &&
		strcmp(cur.digest, d->digest) == 0 &&
		!img_kv_get(&cur.annotations, ENG_SOURCE_MIRROR) == !p->mirror;
	for (size_t i = 0; same && i < d->annotations.n; i++) {
		const struct img_kv *kv = &d->annotations.items[i];
		const char *v = img_kv_get(&cur.annotations, kv->key);
		same = strcmp(kv->key, ENG_SOURCE_TIME) == 0 || (v && strcmp(v, kv->value) == 0);
	}
	img_descriptor_clear(&cur);
	brig_err_clear(&e);
	return same;
}

/* Store the documents and name the image. */
static int finish(struct pull *p, const struct reg_manifest *top, const struct reg_manifest *m,
		  struct eng_pull_result *out, struct brig_err *e)
{
	struct img_descriptor d = { .media_type = m->media_type, .size = m->len };
	memcpy(d.digest, m->digest, sizeof(d.digest));
	int r = annotate(&d, p, top->digest, e);
	struct img_ref named = p->name;
	if (!p->name.tag)
		memcpy(named.digest, m->digest, sizeof(named.digest));
	else
		named.digest[0] = 0;
	_cleanup_free_ char *name = r == 0 ? img_ref_string(&named) : NULL;
	if (r == 0 && !name)
		r = brig_err_oom(e);
	if (r == 0 && !unchanged(p, name, &d) && (r = put_doc(p, m, e)) == 0)
		r = img_store_tag(p->s, &d, name, e);
	img_kvlist_clear(&d.annotations);
	if (r == 0 &&
	    asprintf(&out->name, "%s/%s@%s", p->name.domain, p->name.path, top->digest) < 0) {
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
	struct eng_prov pv = { 0 }; /* content trust: decided before the store is touched */
	int r = eng_prov_notary(p, &pv, e); /* notaryTrust: the tag's signed digest */
	const char *want = pv.notary_digest[0] ? pv.notary_digest
		: p->ref.digest[0]             ? p->ref.digest
					       : p->ref.tag;
	if (r == 0)
		r = reg_manifest_get(p->c, p->ref.path, want, &top, e);
	if (r == 0)
		r = eng_prov_notary_check(&pv, top.digest, top.len, want, e);
	if (r == 0)
		r = resolve(p, &top, &plat, e);
	if (r == 0)
		r = eng_prov_pull(p, top.digest, &pv, e);
	if (r == 0) /* the record first: a named image always has its record */
		r = eng_prov_record(p->root, plat.body ? plat.digest : top.digest, &pv, e);
	if (r == 0)
		r = store_image(p, &top, plat.body ? &plat : &top, out, e);
	if (r == 0)
		r = eng_prov_commit(p->root, &pv, e);
	eng_prov_clear(&pv);
	reg_manifest_clear(&top);
	reg_manifest_clear(&plat);
	return r;
}

/* Credentials for domain as reg_credentials_find finds them (authfile,
 * else brig's auth.json, else Docker's config). */
static int find_creds(const char *authfile, const char *domain, char **user, char **pass,
		      struct brig_err *e)
{
	int r = reg_credentials_find(domain, authfile, user, pass, e);
	return r > 0 ? 0 : r;
}

static struct reg_opts client_opts(const struct eng_config *cfg, const char *domain,
				   bool tls_verify, bool insecure, const char *user,
				   const char *pass)
{
	return (struct reg_opts){ .host = domain,
				  .certs_dir = cfg->registry_certs_dir,
				  .tls_verify = tls_verify,
				  .user = user,
				  .password = pass,
				  .insecure = insecure };
}

/* A client for domain, its credentials wiped once it has them. */
static int client_for(const struct eng_config *cfg, const char *authfile, const char *domain,
		      bool tls_verify, bool insecure, struct reg_client **out, struct brig_err *e)
{
	_cleanup_free_ char *user = NULL, *pass = NULL;
	int r = find_creds(authfile, domain, &user, &pass, e);
	if (r < 0)
		return r;
	struct reg_opts ro = client_opts(cfg, domain, tls_verify, insecure, user, pass);
	r = reg_client_new(&ro, out, e);
	if (pass)
		explicit_bzero(pass, strlen(pass));
	return r;
}

/* The authfile to read: the command's --authfile, else the one
 * registries.conf names for the registry (brig's own key), else none (the
 * default places, reg_credentials_find). */
static const char *authfile_for(const char *given, const struct reg_conf_registry *reg)
{
	return given ? given : reg ? reg->authfile : NULL;
}

/* The pull's client; its options and credentials are kept in p for the
 * other download threads' clients (pull_layers.c) until pull_reset. */
static int open_client(struct pull *p, const struct eng_config *cfg,
		       const struct reg_conf_registry *reg, bool insecure, struct brig_err *e)
{
	int r = find_creds(authfile_for(p->o->authfile, reg), p->ref.domain, &p->user, &p->pass, e);
	if (r < 0)
		return r;
	p->max_downloads = (unsigned)cfg->max_downloads;
	p->ro = client_opts(cfg, p->ref.domain, p->o->tls_verify, insecure, p->user, p->pass);
	return reg_client_new(&p->ro, &p->c, e);
}

/* What one attempt leaves open. */
static void pull_reset(struct pull *p)
{
	if (p->layers_fd >= 0)
		close(p->layers_fd);
	p->layers_fd = -1;
	img_store_close(p->s);
	p->s = NULL;
	reg_client_free(p->c);
	p->c = NULL;
	if (p->pass)
		explicit_bzero(p->pass, strlen(p->pass));
	free(p->pass);
	free(p->user);
	p->pass = p->user = NULL;
	p->ro = (struct reg_opts){ 0 };
	img_ref_clear(&p->ref);
}

/* Connect to one source: NAME with the registry's prefix replaced by
 * location (the registry's own or a mirror's), or NAME itself when reg is
 * NULL; p->ref is where requests go, p->mirror set when it is not NAME's. */
static int connect_source(struct pull *p, const struct eng_config *cfg,
			  const struct reg_conf_registry *reg, const char *location, bool insecure,
			  char **mirror, struct brig_err *e)
{
	_cleanup_free_ char *name = NULL, *at = NULL, *full = NULL;
	if (asprintf(&name, "%s/%s", p->name.domain, p->name.path) < 0)
		return brig_err_oom(e);
	if (!(at = reg ? reg_conf_rewrite(reg, location, name) : strdup(name)) ||
	    asprintf(&full, "%s%s%s%s%s", at, p->name.tag ? ":" : "",
		     p->name.tag ? p->name.tag : "", p->name.digest[0] ? "@" : "",
		     p->name.digest) < 0)
		return brig_err_oom(e);
	int r = img_ref_parse(full, &p->ref, e);
	if (r < 0)
		return brig_err_wrap(e, "%s (from registries.conf)", at);
	if (strcmp(at, name) != 0)
		*mirror = brig_steal_ptr(at);
	return open_client(p, cfg, reg, insecure, e);
}

static int pull_from(struct pull *p, const struct eng_config *cfg,
		     const struct reg_conf_registry *reg, const char *location, bool insecure,
		     struct eng_pull_result *out, struct brig_err *e)
{
	_cleanup_free_ char *mirror = NULL;
	int r = connect_source(p, cfg, reg, location, insecure, &mirror, e);
	p->mirror = mirror;
	if (r == 0)
		r = run_pull(p, out, e);
	p->mirror = NULL;
	return r;
}

/* The registry of NAME, refused when registries.conf blocks it. */
static int source_registry(const struct pull *p, const struct reg_conf *rc,
			   const struct reg_conf_registry **out, struct brig_err *e)
{
	_cleanup_free_ char *name = NULL;
	if (asprintf(&name, "%s/%s", p->name.domain, p->name.path) < 0)
		return brig_err_oom(e);
	*out = reg_conf_match(rc, name);
	if (*out && (*out)->blocked)
		return brig_err_set(e, -EACCES, "%s is blocked by %s ([[registry]] prefix \"%s\")",
				    name, rc->source, (*out)->prefix);
	return 0;
}

static bool mirror_serves(const struct reg_conf_mirror *m, const struct img_ref *name)
{
	bool by_digest = name->digest[0] != 0;
	return m->pull_from == REG_MIRROR_ALL ||
		(m->pull_from == REG_MIRROR_DIGEST_ONLY ? by_digest : !by_digest);
}

/* The mirrors that may serve this reference, in order, then the registry
 * itself.  A mirror's failure is a note; the registry's is the error. */
static int pull_sources(struct pull *p, const struct eng_config *cfg, const struct reg_conf *rc,
			struct eng_pull_result *out, struct brig_err *e)
{
	const struct reg_conf_registry *reg;
	int br = source_registry(p, rc, &reg, e);
	if (br < 0)
		return br;
	for (size_t i = 0; reg && i < reg->n_mirrors; i++) {
		const struct reg_conf_mirror *m = &reg->mirrors[i];
		if (!mirror_serves(m, &p->name))
			continue;
		int r = pull_from(p, cfg, reg, m->location, m->insecure, out, e);
		pull_reset(p);
		if (r == 0)
			return 0;
		brig_warn("mirror %s: %s; trying the next source", m->location, brig_err_str(e));
		brig_err_clear(e);
		eng_pull_result_clear(out);
	}
	int r = pull_from(p, cfg, reg, reg ? reg->location : NULL, reg && reg->insecure, out, e);
	pull_reset(p);
	return r;
}

/* The engine config and registries.conf (its notice printed when asked:
 * once per pull). */
static int load_confs(const char *config, bool notice, struct eng_config **cfg,
		      struct reg_conf **rc, struct brig_err *e)
{
	int r = eng_config_load(config, config != NULL, cfg, e);
	if (r == 0 && (r = reg_conf_load((*cfg)->registries_conf, rc, e)) == 0 && notice &&
	    (*rc)->notice)
		brig_warn("%s", (*rc)->notice);
	return r;
}

int eng_pull_name(const char *config, const char *ref, char **out, struct brig_err *e)
{
	_cleanup_eng_config_ struct eng_config *cfg = NULL;
	_cleanup_reg_conf_ struct reg_conf *rc = NULL;
	int r = load_confs(config, false, &cfg, &rc, e);
	return r < 0 ? r : reg_conf_expand(rc, ref, out, e);
}

int eng_registry_client(const char *config, const char *authfile, const char *domain,
			bool tls_verify, struct reg_client **out, struct brig_err *e)
{
	_cleanup_eng_config_ struct eng_config *cfg = NULL;
	_cleanup_reg_conf_ struct reg_conf *rc = NULL;
	int r = load_confs(config, false, &cfg, &rc, e);
	if (r < 0)
		return r;
	const struct reg_conf_registry *reg = reg_conf_match(rc, domain);
	if (reg && reg->blocked)
		return brig_err_set(e, -EACCES, "%s is blocked by %s ([[registry]] prefix \"%s\")",
				    domain, rc->source, reg->prefix);
	return client_for(cfg, authfile_for(authfile, reg), domain, tls_verify,
			  reg && reg->insecure, out, e);
}

int eng_pull(const char *root, const struct eng_pull_opts *o, struct eng_pull_result *out,
	     struct brig_err *e)
{
	*out = (struct eng_pull_result){ 0 };
	struct eng_pull_opts oo = *o; /* with the engine config's content-trust applied */
	struct eng_trust_opts tbuf;
	struct pull p = { .o = &oo, .root = root, .layers_fd = -1 };
	_cleanup_free_ char *os = NULL, *arch = NULL, *variant = NULL, *full = NULL;
	_cleanup_eng_config_ struct eng_config *cfg = NULL;
	_cleanup_reg_conf_ struct reg_conf *rc = NULL;
	int r = o->platform ? want_platform(o->platform, &os, &arch, &variant, e) : 0;
	if (r < 0 || (r = load_confs(o->config, true, &cfg, &rc, e)) < 0)
		return r;
	oo.trust = eng_prov_effective(o->trust, cfg->content_trust, &tbuf);
	if ((r = reg_conf_expand(rc, o->ref, &full, e)) < 0 ||
	    (r = img_ref_parse(full, &p.name, e)) < 0)
		return r;
	r = pull_sources(&p, cfg, rc, out, e);
	img_ref_clear(&p.name);
	return r;
}

int eng_pull_tags(const struct eng_pull_opts *o, char ***tags, size_t *n, struct brig_err *e)
{
	struct pull p = { .o = o, .layers_fd = -1 };
	_cleanup_free_ char *full = NULL, *mirror = NULL;
	_cleanup_eng_config_ struct eng_config *cfg = NULL;
	_cleanup_reg_conf_ struct reg_conf *rc = NULL;
	const struct reg_conf_registry *reg = NULL;
	int r = load_confs(o->config, false, &cfg, &rc, e);
	if (r < 0 || (r = reg_conf_expand(rc, o->ref, &full, e)) < 0 ||
	    (r = img_ref_parse(full, &p.name, e)) < 0)
		return r;
	/* Tags come from the registry itself: a mirror's may differ. */
	if ((r = source_registry(&p, rc, &reg, e)) == 0 &&
	    (r = connect_source(&p, cfg, reg, reg ? reg->location : NULL, reg && reg->insecure,
				&mirror, e)) == 0)
		r = reg_tags_list(p.c, p.ref.path, tags, n, e);
	pull_reset(&p);
	img_ref_clear(&p.name);
	return r;
}

void eng_pull_result_clear(struct eng_pull_result *r)
{
	free(r->name);
	r->name = NULL;
}
