/* SPDX-License-Identifier: Apache-2.0 */
/*
 * index.json: names (the org.opencontainers.image.ref.name annotation on a
 * manifest entry), tagging, untagging, resolving and listing.  Changes are
 * made under the exclusive ROOT/.lock on a freshly read index.json, which
 * is then replaced atomically (temporary file, fsync, rename, fsync), so
 * concurrent writers never lose each other's updates.
 */
#include "image/store/store-internal.h"

#include <fcntl.h>
#include <string.h>

int img_index_json_read(struct img_store *s, json_t **doc, struct brig_err *e)
{
	_cleanup_free_ char *path = NULL;
	if (asprintf(&path, "%s/index.json", s->root) < 0)
		return brig_err_oom(e);
	_cleanup_close_ int fd = BRIG_RETRY(
		openat(s->rootfd, "index.json", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
	if (fd < 0)
		return brig_err_sys(e, errno, "opening %s", path);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r = brig_read_fd(fd, path, IMG_INDEX_JSON_MAX, &buf, &len, e);
	if (r < 0)
		return r;
	return bj_parse(buf, len, path, doc, e);
}

int img_index_json_load(struct img_store *s, json_t **doc, struct img_index *idx,
			struct brig_err *e)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_json_ json_t *j = NULL;
	if (asprintf(&path, "%s/index.json", s->root) < 0)
		return brig_err_oom(e);
	int r = img_index_json_read(s, &j, e);
	if (r < 0)
		return r;
	/* Entries of media types brig does not know are kept (the spec says
	 * to ignore them): using one fails, check reports it. */
	r = img_index_from_json(j, path, NULL, false, idx, e);
	if (r < 0)
		return r;
	if (doc)
		*doc = brig_steal_ptr(j);
	return 0;
}

int img_index_json_save(struct img_store *s, json_t *doc, struct brig_err *e)
{
	_cleanup_free_ char *text = json_dumps(doc, JSON_COMPACT);
	if (!text)
		return brig_err_oom(e);
	int r = brig_atomic_write(s->rootfd, "index.json", text, strlen(text), 0644, e);
	if (r < 0)
		return brig_err_wrap(e, "%s: updating index.json", s->root);
	return 0;
}

static const char *entry_name(const struct img_descriptor *d)
{
	return img_kv_get(&d->annotations, IMG_ANNOTATION_REF_NAME);
}

/* Remove index.json entries named name from doc (which idx describes);
 * returns how many. */
static size_t drop_named(json_t *doc, const struct img_index *idx, const char *name)
{
	json_t *arr = json_object_get(doc, "manifests");
	size_t dropped = 0;
	for (size_t i = idx->n_manifests; i-- > 0;) {
		const char *n = entry_name(&idx->manifests[i]);
		if (n && strcmp(n, name) == 0 && json_array_remove(arr, i) == 0)
			dropped++;
	}
	return dropped;
}

static json_t *platform_json(const struct img_platform *p)
{
	json_t *o = json_pack("{s:s, s:s}", "architecture", p->architecture, "os", p->os);
	if (o && p->variant && json_object_set_new(o, "variant", json_string(p->variant)) < 0)
		goto fail;
	if (o && p->os_version &&
	    json_object_set_new(o, "os.version", json_string(p->os_version)) < 0)
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

/* Remove the entries without a name for digest; returns how many. */
static size_t drop_unnamed(json_t *doc, const struct img_index *idx, const char *digest)
{
	json_t *arr = json_object_get(doc, "manifests");
	size_t dropped = 0;
	for (size_t i = idx->n_manifests; i-- > 0;) {
		const struct img_descriptor *d = &idx->manifests[i];
		if (!entry_name(d) && strcmp(d->digest, digest) == 0 &&
		    json_array_remove(arr, i) == 0)
			dropped++;
	}
	return dropped;
}

static bool has_entry(const struct img_index *idx, const char *digest, bool named_only)
{
	for (size_t i = 0; i < idx->n_manifests; i++)
		if (strcmp(idx->manifests[i].digest, digest) == 0 &&
		    (!named_only || entry_name(&idx->manifests[i])))
			return true;
	return false;
}

/* The entry's annotations: the name with the time it was given, and d's
 * IMG_ANNOTATION_SOURCE_PREFIX ones (where a pulled image came from); NULL
 * when there are none. */
static json_t *entry_annotations(const struct img_descriptor *d, const char *name, bool *oom)
{
	json_t *a = json_object();
	const size_t pl = strlen(IMG_ANNOTATION_SOURCE_PREFIX);
	char now[64];
	brig_now(now);
	*oom = !a ||
		(name &&
		 (json_object_set_new(a, IMG_ANNOTATION_REF_NAME, json_string(name)) < 0 ||
		  json_object_set_new(a, IMG_ANNOTATION_TAG_TIME, json_string(now)) < 0));
	for (size_t i = 0; !*oom && i < d->annotations.n; i++) {
		const struct img_kv *kv = &d->annotations.items[i];
		if (strncmp(kv->key, IMG_ANNOTATION_SOURCE_PREFIX, pl) == 0 &&
		    json_object_set_new(a, kv->key, json_string(kv->value)) < 0)
			*oom = true;
	}
	if (*oom || json_object_size(a) == 0) {
		json_decref(a);
		return NULL;
	}
	return a;
}

/* An index.json entry for d, named name (NULL: without a name). */
static json_t *entry_json(const struct img_descriptor *d, const char *name)
{
	json_t *o = json_pack("{s:s, s:s, s:I}", "mediaType", d->media_type, "digest", d->digest,
			      "size", (json_int_t)d->size);
	bool oom = false;
	json_t *a = o ? entry_annotations(d, name, &oom) : NULL;
	if (oom || (a && json_object_set_new(o, "annotations", a) < 0)) {
		json_decref(o);
		return NULL;
	}
	if (o && d->platform) {
		json_t *p = platform_json(d->platform);
		if (!p || json_object_set_new(o, "platform", p) < 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

/* Parse and normalise a reference into its stored name. */
static int ref_name(const char *ref, char **name, struct img_ref *r, struct brig_err *e)
{
	int rc = img_ref_parse(ref, r, e);
	if (rc < 0)
		return rc;
	*name = img_ref_string(r);
	if (!*name) {
		img_ref_clear(r);
		return brig_err_oom(e);
	}
	return 0;
}

/* Under the index lock: add an entry for m named name (NULL: without a
 * name, and only when m has no entry yet).  A name moves to m, and an
 * image that gets a name loses its entries without one. */
static int tag_locked(struct img_store *s, const struct img_descriptor *m, const char *name,
		      struct brig_err *e)
{
	struct img_digest_set set = { 0 };
	int r = img_walk(s, m, &set, NULL, e);
	img_set_free(&set);
	if (r < 0)
		return brig_err_wrap(e, "cannot %s %s%s%s", name ? "name" : "add", m->digest,
				     name ? " " : "", name ? name : "");
	_cleanup_json_ json_t *doc = NULL;
	struct img_index idx;
	r = img_index_json_load(s, &doc, &idx, e);
	if (r < 0)
		return r;
	bool present = has_entry(&idx, m->digest, false);
	if (name) {
		(void)drop_named(doc, &idx, name);
		(void)drop_unnamed(doc, &idx, m->digest);
	}
	img_index_clear(&idx);
	if (!name && present)
		return 0;
	json_t *entry = entry_json(m, name);
	if (!entry || json_array_append_new(json_object_get(doc, "manifests"), entry) < 0)
		return brig_err_oom(e);
	return img_index_json_save(s, doc, e);
}

/* Tag (name) or add (NULL) manifest, checked first. */
static int tag_or_add(struct img_store *s, const struct img_descriptor *manifest, const char *name,
		      struct brig_err *e)
{
	if (!img_digest_hex(manifest->digest, e))
		return -EINVAL;
	struct img_media_info info;
	(void)img_media_type_info(manifest->media_type, &info);
	if (info.kind != IMG_KIND_MANIFEST && info.kind != IMG_KIND_INDEX)
		return brig_err_set(e, -EINVAL,
				    "cannot %s %s: media type '%s' is not an "
				    "image manifest or index",
				    name ? "name" : "add", manifest->digest,
				    manifest->media_type ? manifest->media_type : "");
	struct img_descriptor m = *manifest; /* shallow: with info from media_type */
	m.info = info;
	_cleanup_close_ int lk = img_lock_index(s, e);
	if (lk < 0)
		return lk;
	return tag_locked(s, &m, name, e);
}

int img_store_tag(struct img_store *s, const struct img_descriptor *manifest, const char *ref,
		  struct brig_err *e)
{
	struct img_ref r;
	_cleanup_free_ char *name = NULL;
	int rc = ref_name(ref, &name, &r, e);
	if (rc < 0)
		return rc;
	bool digest_ok = !r.digest[0] || strcmp(r.digest, manifest->digest) == 0;
	img_ref_clear(&r);
	if (!digest_ok)
		return brig_err_set(e, -EINVAL,
				    "reference %s names a digest other than the "
				    "manifest's %s",
				    name, manifest->digest);
	return tag_or_add(s, manifest, name, e);
}

int img_store_add(struct img_store *s, const struct img_descriptor *manifest, struct brig_err *e)
{
	return tag_or_add(s, manifest, NULL, e);
}

static ssize_t resolve_in(struct img_store *s, const struct img_index *idx, const char *what);

/* The entries without a name of the image what resolves to, when it has
 * no named entry: dropped from doc; returns how many. */
static size_t drop_unnamed_image(struct img_store *s, json_t *doc, const struct img_index *idx,
				 const char *what)
{
	ssize_t i = resolve_in(s, idx, what);
	if (i < 0)
		return 0;
	const char *digest = idx->manifests[i].digest;
	if (has_entry(idx, digest, true))
		return 0;
	return drop_unnamed(doc, idx, digest);
}

int img_store_remove(struct img_store *s, const char *what, struct brig_err *e)
{
	_cleanup_close_ int lk = img_lock_index(s, e);
	if (lk < 0)
		return lk;
	_cleanup_json_ json_t *doc = NULL;
	struct img_index idx;
	int rc = img_index_json_load(s, &doc, &idx, e);
	if (rc < 0)
		return rc;
	size_t n = drop_unnamed_image(s, doc, &idx, what);
	img_index_clear(&idx);
	if (n == 0)
		return brig_err_set(e, -ENOENT, "%s: no image without a name is '%.300s'", s->root,
				    what);
	return img_index_json_save(s, doc, e);
}

int img_store_untag(struct img_store *s, const char *ref, struct brig_err *e)
{
	struct img_ref r;
	_cleanup_free_ char *name = NULL;
	struct brig_err ignore = { 0 };
	/* A name another tool wrote need not be a Docker reference. */
	if (ref_name(ref, &name, &r, &ignore) == 0)
		img_ref_clear(&r);
	brig_err_clear(&ignore);
	_cleanup_close_ int lk = img_lock_index(s, e);
	if (lk < 0)
		return lk;
	_cleanup_json_ json_t *doc = NULL;
	struct img_index idx;
	int rc = img_index_json_load(s, &doc, &idx, e);
	if (rc < 0)
		return rc;
	size_t n = name ? drop_named(doc, &idx, name) : 0;
	if (n == 0)
		n = drop_named(doc, &idx, ref);
	if (n == 0)
		n = drop_unnamed_image(s, doc, &idx, ref);
	img_index_clear(&idx);
	if (n == 0)
		return brig_err_set(e, -ENOENT, "%s: no image named '%s'", s->root,
				    name ? name : ref);
	return img_index_json_save(s, doc, e);
}

/* ---- resolving ---- */

/* The image ID of an entry: its config's digest, or for an index its own. */
static bool entry_id(struct img_store *s, const struct img_descriptor *d, char id[IMG_DIGEST_SIZE])
{
	if (d->info.kind == IMG_KIND_INDEX) {
		memcpy(id, d->digest, IMG_DIGEST_SIZE);
		return true;
	}
	if (d->info.kind != IMG_KIND_MANIFEST)
		return false;
	struct brig_err e = { 0 };
	struct img_manifest m;
	int r = img_store_load_manifest(s, d, &m, &e);
	if (r < 0) {
		brig_debug("resolving: skipping %s: %s", d->digest, brig_err_str(&e));
		brig_err_clear(&e);
		return false;
	}
	memcpy(id, m.config.digest, IMG_DIGEST_SIZE);
	img_manifest_clear(&m);
	return true;
}

enum match {
	BY_NAME, /* the ref.name annotation */
	BY_MANIFEST, /* the entry's own digest */
	BY_ID, /* the image ID */
	BY_ID_PREFIX, /* a prefix of the image ID's hex digits */
};

/* Index of the entry matching key (-1 none, -2 ambiguous). */
static ssize_t find_entry(struct img_store *s, const struct img_index *idx, enum match how,
			  const char *key)
{
	ssize_t found = -1;
	char found_id[IMG_DIGEST_SIZE] = "";
	for (size_t i = 0; i < idx->n_manifests; i++) {
		const struct img_descriptor *d = &idx->manifests[i];
		const char *n = entry_name(d);
		char id[IMG_DIGEST_SIZE];
		if (how == BY_NAME || how == BY_MANIFEST) {
			const char *have = how == BY_NAME ? n : d->digest;
			if (have && strcmp(have, key) == 0)
				return (ssize_t)i;
			continue;
		}
		if (!entry_id(s, d, id))
			continue;
		bool hit = how == BY_ID ? strcmp(id, key) == 0
					: strncmp(id + 7, key, strlen(key)) == 0;
		if (!hit)
			continue;
		if (found >= 0 && strcmp(found_id, id) != 0)
			return -2;
		if (found < 0) {
			found = (ssize_t)i;
			memcpy(found_id, id, sizeof(id));
		}
	}
	return found;
}

/* Only lower-case hex digits, at least min of them and at most 64. */
static bool hex_run(const char *s, size_t min)
{
	size_t i;
	for (i = 0; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return i >= min && i <= 64;
}

static ssize_t resolve_in(struct img_store *s, const struct img_index *idx, const char *what)
{
	char full[IMG_DIGEST_SIZE];
	const char *hex = strncmp(what, "sha256:", 7) == 0 ? what + 7 : what;
	if (hex_run(hex, 64)) {
		(void)snprintf(full, sizeof(full), "sha256:%s", hex);
		ssize_t i = find_entry(s, idx, BY_MANIFEST, full);
		return i == -1 ? find_entry(s, idx, BY_ID, full) : i;
	}
	ssize_t i = -1;
	struct img_ref r;
	struct brig_err ignore = { 0 };
	if (img_ref_parse(what, &r, &ignore) == 0) {
		_cleanup_free_ char *name = img_ref_string(&r);
		if (r.digest[0])
			i = find_entry(s, idx, BY_MANIFEST, r.digest);
		else if (name)
			i = find_entry(s, idx, BY_NAME, name);
		img_ref_clear(&r);
	}
	brig_err_clear(&ignore);
	if (i == -1)
		i = find_entry(s, idx, BY_NAME, what);
	if (i == -1 && hex_run(hex, 4))
		i = find_entry(s, idx, BY_ID_PREFIX, hex);
	return i;
}

int img_store_resolve(struct img_store *s, const char *what, struct img_descriptor *out,
		      struct brig_err *e)
{
	*out = (struct img_descriptor){ 0 };
	if (!what || !*what)
		return brig_err_set(e, -EINVAL, "empty image name");
	struct img_index idx;
	int r = img_index_json_load(s, NULL, &idx, e);
	if (r < 0)
		return r;
	ssize_t i = resolve_in(s, &idx, what);
	if (i >= 0)
		r = img_descriptor_copy(out, &idx.manifests[i], e);
	else if (i == -2)
		r = brig_err_set(e, -ENOTUNIQ, "image ID prefix '%.80s' is ambiguous", what);
	else
		r = brig_err_set(e, -ENOENT,
				 "no such image: %.300s ('brig images' lists them; 'brig pull' or "
				 "'brig load' gets one)",
				 what);
	img_index_clear(&idx);
	return r;
}

int img_store_list(struct img_store *s, struct img_list_entry **out, size_t *n, struct brig_err *e)
{
	struct img_index idx;
	int r = img_index_json_load(s, NULL, &idx, e);
	if (r < 0)
		return r;
	struct img_list_entry *v = calloc(idx.n_manifests ? idx.n_manifests : 1, sizeof(*v));
	if (!v) {
		img_index_clear(&idx);
		return brig_err_oom(e);
	}
	size_t i;
	for (i = 0; r == 0 && i < idx.n_manifests; i++) {
		const char *name = entry_name(&idx.manifests[i]);
		r = img_descriptor_copy(&v[i].desc, &idx.manifests[i], e);
		if (r == 0 && name && !(v[i].name = strdup(name)))
			r = brig_err_oom(e);
	}
	img_index_clear(&idx);
	if (r < 0) {
		img_store_list_free(v, i);
		return r;
	}
	*out = v;
	*n = i;
	return 0;
}

void img_store_list_free(struct img_list_entry *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].name);
		img_descriptor_clear(&v[i].desc);
	}
	free(v);
}
