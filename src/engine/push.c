/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig push: an image of the store to a registry.  The blobs go first
 * (those the registry has are skipped, those of an image pulled from
 * another repository of the same registry are mounted from there), then
 * the manifest, PUT by tag exactly as stored, so that the registry names
 * the same digest.  A multi-platform index: each of its manifests by
 * digest, then the index by tag.  See docs/registry.md.
 */
#include "engine/engine-internal.h"
#include "registry/registry.h"

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

static int push_index(struct push *p, const struct img_descriptor *d, struct brig_err *e)
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
		r = reg_manifest_put(p->c, p->ref.path, p->ref.tag, x.media_type, buf, len, got, e);
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
	if (reg && repo && repo[0] && strcmp(reg, p->ref.domain) == 0 &&
	    strcmp(repo, p->ref.path) != 0)
		p->from = repo;
}

static int run_push(struct push *p, const char *root, struct eng_push_result *out,
		    struct brig_err *e)
{
	_cleanup_free_ char *name = img_ref_string(&p->ref);
	struct img_descriptor d = { 0 };
	int r = name ? 0 : brig_err_oom(e);
	if (r == 0 && (r = eng_store_open(root, &p->s, e)) == 0 &&
	    (r = img_store_lease(p->s, e)) == 0)
		r = img_store_resolve(p->s, name, &d, e);
	if (r < 0)
		return r;
	mount_source(p, &d);
	r = eng_registry_client(p->o->config, p->o->authfile, p->ref.domain, p->o->tls_verify,
				&p->c, e);
	if (r == 0)
		r = d.info.kind == IMG_KIND_INDEX ? push_index(p, &d, e)
						  : push_manifest(p, &d, p->ref.tag, e);
	if (r == 0 && !(out->tag = strdup(p->ref.tag)))
		r = brig_err_oom(e);
	memcpy(out->digest, d.digest, sizeof(out->digest));
	out->size = d.size;
	img_descriptor_clear(&d);
	return r;
}

int eng_push(const char *root, const struct eng_push_opts *o, struct eng_push_result *out,
	     struct brig_err *e)
{
	*out = (struct eng_push_result){ 0 };
	struct push p = { .o = o };
	int r = img_ref_parse(o->ref, &p.ref, e);
	if (r < 0)
		return r;
	if (p.ref.digest[0] || !p.ref.tag)
		r = brig_err_set(e, -EINVAL, "a push names a tag (NAME[:TAG]), not a digest");
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
