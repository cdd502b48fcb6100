/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig push: an image of the store to a registry.  The blobs go first
 * (those the registry has are skipped, those of an image pulled from
 * another repository of the same registry are mounted from there), then
 * the manifest, PUT by tag exactly as stored, so that the registry names
 * the same digest.  A multi-platform index: each of its manifests by
 * digest, then the index by tag.  NAME@DIGEST pushes that manifest or
 * index by digest (no tag is made); --all-tags every NAME:TAG the store
 * has, in tag order, over one client.  See docs/registry.md.
 */
#include "engine/engine-internal.h"
#include "registry/registry.h"

#include <stdlib.h>
#include <string.h>

struct push {
	const struct eng_push_opts *o;
	struct img_store *s;
	struct reg_client *c;
	struct img_ref ref;
	const char *from; /* the repository to mount blobs from, or NULL */
};

static void report(const struct push *p, const char *digest, int outcome)
{
	char what[512];
	if (!p->o->progress)
		return;
	if (outcome == REG_PUSH_MOUNTED)
		snprintf(what, sizeof(what), "Mounted from %s", p->from);
	else
		snprintf(what, sizeof(what), "%s",
			 outcome == REG_PUSH_EXISTS ? "Layer already exists" : "Pushed");
	p->o->progress(p->o->ctx, digest, what);
}

static int push_blob(struct push *p, const struct img_descriptor *d, const char *name,
		     struct brig_err *e)
{
	if (d->urls || d->info.nondistributable)
		return brig_err_set(e, -ENOTSUP,
				    "%s: %s is a foreign layer (its bytes live outside the "
				    "registry); brig does not push those",
				    name, d->digest);
	_cleanup_close_ int fd = -1;
	int r = img_blob_open(p->s, d->digest, false, &fd, e);
	if (r < 0)
		return r;
	struct reg_push_blob b = { .repo = p->ref.path,
				   .digest = d->digest,
				   .size = d->size,
				   .fd = fd,
				   .mount_from = p->from,
				   .chunk = p->o->chunk };
	if ((r = reg_blob_push(p->c, &b, e)) < 0)
		return r;
	report(p, d->digest, r);
	return 0;
}

/* The manifest d: config, layers, then the document as ref. */
static int push_manifest(struct push *p, const struct img_descriptor *d, const char *ref,
			 struct brig_err *e)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	char name[IMG_DIGEST_SIZE + 16], got[REG_DIGEST_SIZE];
	snprintf(name, sizeof(name), "manifest %s", d->digest);
	int r = img_blob_read(p->s, d->digest, IMG_MANIFEST_MAX, &buf, &len, e);
	struct img_manifest m = { 0 };
	if (r == 0)
		r = img_manifest_parse(buf, len, name, d->media_type, &m, e);
	if (r < 0)
		return r;
	r = push_blob(p, &m.config, name, e);
	for (size_t i = 0; r == 0 && i < m.n_layers; i++)
		r = push_blob(p, &m.layers[i], name, e);
	if (r == 0)
		r = reg_manifest_put(p->c, p->ref.path, ref, m.media_type, buf, len, got, e);
	if (r == 0 && strcmp(got, d->digest) != 0)
		r = brig_err_set(e, -EBADMSG, "%s: the bytes pushed hash to %s", name, got);
	img_manifest_clear(&m);
	return r;
}

/* Every manifest of the index x must be in the store (and no index). */
static int check_index(struct push *p, const struct img_index *x, const char *name,
		       struct brig_err *e)
{
	for (size_t i = 0; i < x->n_manifests; i++) {
		const struct img_descriptor *d = &x->manifests[i];
		if (d->info.kind != IMG_KIND_MANIFEST)
			return brig_err_set(e, -ENOTSUP,
					    "%s: manifests[%zu] (%s) is not an image manifest; "
					    "brig pushes only indexes of manifests",
					    name, i, d->digest);
		int r = img_blob_exists(p->s, d->digest, e);
		if (r < 0)
			return r;
		if (r == 0)
			return brig_err_set(e, -ENOENT,
					    "%s: manifests[%zu] (%s) is not in the store; brig "
					    "pushes only the indexes whose every manifest it holds",
					    name, i, d->digest);
	}
	return 0;
}

static int push_index(struct push *p, const struct img_descriptor *d, const char *ref,
		      struct brig_err *e)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	char name[IMG_DIGEST_SIZE + 16], got[REG_DIGEST_SIZE];
	snprintf(name, sizeof(name), "index %s", d->digest);
	int r = img_blob_read(p->s, d->digest, IMG_INDEX_MAX, &buf, &len, e);
	struct img_index x = { 0 };
	if (r == 0)
		r = img_index_parse(buf, len, name, d->media_type, &x, e);
	if (r < 0)
		return r;
	r = check_index(p, &x, name, e);
	for (size_t i = 0; r == 0 && i < x.n_manifests; i++)
		r = push_manifest(p, &x.manifests[i], x.manifests[i].digest, e);
	if (r == 0)
		r = reg_manifest_put(p->c, p->ref.path, ref, x.media_type, buf, len, got, e);
	if (r == 0 && strcmp(got, d->digest) != 0)
		r = brig_err_set(e, -EBADMSG, "%s: the bytes pushed hash to %s", name, got);
	img_index_clear(&x);
	return r;
}

/* An image pulled from another repository of this registry: mount from it. */
static void mount_source(struct push *p, const struct img_descriptor *d)
{
	const char *reg = img_kv_get(&d->annotations, ENG_SOURCE_REGISTRY);
	const char *repo = img_kv_get(&d->annotations, ENG_SOURCE_REPOSITORY);
	p->from = NULL;
	if (reg && repo && repo[0] && strcmp(reg, p->ref.domain) == 0 &&
	    strcmp(repo, p->ref.path) != 0)
		p->from = repo;
}

/* The image p->ref names: by name (NAME:TAG) or, for a push by digest,
 * the manifest or index of that digest (an image ID is not one). */
static int resolve(struct push *p, struct img_descriptor *d, struct brig_err *e)
{
	if (!p->ref.tag) {
		int r = img_store_resolve(p->s, p->ref.digest, d, e);
		if (r == 0 && strcmp(d->digest, p->ref.digest) != 0)
			r = brig_err_set(e, -ENOENT,
					 "%s is an image ID, not the digest of a manifest or "
					 "index in the store",
					 p->ref.digest);
		return r == -ENOENT ? brig_err_wrap(e, "no such manifest") : r;
	}
	_cleanup_free_ char *name = img_ref_string(&p->ref);
	return name ? img_store_resolve(p->s, name, d, e) : brig_err_oom(e);
}

/* One image: the tag p->ref.tag, or by digest when it has none. */
static int push_ref(struct push *p, struct eng_push_result *out, struct brig_err *e)
{
	struct img_descriptor d = { 0 };
	int r = resolve(p, &d, e);
	const char *ref = p->ref.tag ? p->ref.tag : p->ref.digest;
	if (r == 0) {
		mount_source(p, &d);
		r = d.info.kind == IMG_KIND_INDEX ? push_index(p, &d, ref, e)
						  : push_manifest(p, &d, ref, e);
	}
	eng_push_result_clear(out);
	if (r == 0 && p->ref.tag && !(out->tag = strdup(p->ref.tag)))
		r = brig_err_oom(e);
	memcpy(out->digest, d.digest, sizeof(out->digest));
	out->size = d.size;
	img_descriptor_clear(&d);
	if (r == 0 && p->o->pushed)
		p->o->pushed(p->o->ctx, out);
	return r;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* --all-tags: the tags of p->ref's repository in the store, sorted. */
static int store_tags(struct push *p, char ***out, size_t *n, struct brig_err *e)
{
	struct img_list_entry *v = NULL;
	size_t nv = 0, k = 0;
	int r = img_store_list(p->s, &v, &nv, e);
	char **t = r == 0 ? calloc(nv + 1, sizeof(*t)) : NULL;
	if (r == 0 && !t)
		r = brig_err_oom(e);
	for (size_t i = 0; r == 0 && i < nv; i++) {
		struct img_ref x = { 0 };
		struct brig_err ignore = { 0 };
		if (v[i].name && img_ref_parse(v[i].name, &x, &ignore) == 0 && x.tag &&
		    strcmp(x.domain, p->ref.domain) == 0 && strcmp(x.path, p->ref.path) == 0 &&
		    !(t[k++] = strdup(x.tag)))
			r = brig_err_oom(e);
		img_ref_clear(&x);
		brig_err_clear(&ignore);
	}
	img_store_list_free(v, nv);
	if (r == 0 && k == 0)
		r = brig_err_set(e, -ENOENT, "no image named %s/%s:TAG in the store", p->ref.domain,
				 p->ref.path);
	if (r < 0) {
		brig_strv_free(t);
		return r;
	}
	qsort(t, k, sizeof(*t), by_name);
	*out = t;
	*n = k;
	return 0;
}

static int push_all(struct push *p, struct eng_push_result *out, struct brig_err *e)
{
	_cleanup_strv_ char **tags = NULL;
	size_t n = 0;
	int r = store_tags(p, &tags, &n, e);
	if (r == 0)
		r = eng_registry_client(p->o->config, p->o->authfile, p->ref.domain,
					p->o->tls_verify, &p->c, e);
	for (size_t i = 0; r == 0 && i < n; i++) {
		free(p->ref.tag);
		if (!(p->ref.tag = strdup(tags[i])))
			r = brig_err_oom(e);
		if (r == 0 && (r = push_ref(p, out, e)) < 0)
			brig_err_wrap(e, "tag %s", p->ref.tag);
	}
	return r;
}

static int run_push(struct push *p, const char *root, struct eng_push_result *out,
		    struct brig_err *e)
{
	int r = eng_store_open(root, &p->s, e);
	if (r == 0)
		r = img_store_lease(p->s, e);
	if (r < 0)
		return r;
	if (p->o->all_tags)
		return push_all(p, out, e);
	/* the image first: a name not in the store is said before any connection */
	struct img_descriptor d = { 0 };
	r = resolve(p, &d, e);
	img_descriptor_clear(&d);
	if (r == 0)
		r = eng_registry_client(p->o->config, p->o->authfile, p->ref.domain,
					p->o->tls_verify, &p->c, e);
	return r < 0 ? r : push_ref(p, out, e);
}

/* Whether the reference as written has a tag (img_ref_parse makes one). */
static bool names_tag(const char *ref)
{
	const char *slash = strrchr(ref, '/');
	const char *last = slash ? slash + 1 : ref;
	const char *at = strchr(last, '@');
	const char *colon = strchr(last, ':');
	return colon && (!at || colon < at);
}

int eng_push(const char *root, const struct eng_push_opts *o, struct eng_push_result *out,
	     struct brig_err *e)
{
	*out = (struct eng_push_result){ 0 };
	struct push p = { .o = o };
	int r = img_ref_parse(o->ref, &p.ref, e);
	if (r < 0)
		return r;
	if (o->all_tags && (names_tag(o->ref) || p.ref.digest[0]))
		r = brig_err_set(
			e, -EINVAL,
			"--all-tags pushes every tag of a NAME: it takes no tag or digest");
	else if (p.ref.digest[0] && p.ref.tag)
		r = brig_err_set(e, -EINVAL,
				 "a push names a tag (NAME[:TAG]) or a digest (NAME@DIGEST), "
				 "not both");
	else
		r = run_push(&p, root, out, e);
	reg_client_free(p.c);
	img_store_close(p.s);
	img_ref_clear(&p.ref);
	return r;
}

void eng_push_result_clear(struct eng_push_result *r)
{
	free(r->tag);
	r->tag = NULL;
}
