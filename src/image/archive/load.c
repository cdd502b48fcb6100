/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loading an archive: read it (reader.c), recognise its format, check every
 * image (docker.c, oci.c, verify.c) and only then name them, so a refused or
 * interrupted load names nothing.
 */
#include "image/archive/archive-internal.h"

#include <ctype.h>
#include <string.h>

#define DEFAULT_BARE_REPO "localhost/loaded"

const char *img_archive_format_name(enum img_archive_format f)
{
	return f == IMG_ARCHIVE_OCI ? "oci-archive" : "docker-archive";
}

int img_archive_format_parse(const char *s, enum img_archive_format *out)
{
	if (strcmp(s, "docker-archive") == 0)
		*out = IMG_ARCHIVE_DOCKER;
	else if (strcmp(s, "oci-archive") == 0)
		*out = IMG_ARCHIVE_OCI;
	else
		return -EINVAL;
	return 0;
}

/* A tag by Docker's grammar: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}. */
static bool is_tag(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 128 || !(isalnum((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || strchr("_.-", s[i])))
			return false;
	return true;
}

int arc_image_name(const char *raw, const char *bare_repo, char **out, struct brig_err *e)
{
	_cleanup_free_ char *full = NULL;
	if (bare_repo && !strpbrk(raw, "/:@")) {
		if (!is_tag(raw))
			return brig_err_set(e, -EINVAL, "'%s' is neither an image name nor a tag",
					    raw);
		if (asprintf(&full, "%s:%s", bare_repo, raw) < 0)
			return brig_err_oom(e);
	}
	struct img_ref ref;
	int r = img_ref_parse(full ? full : raw, &ref, e);
	if (r < 0)
		return r;
	*out = img_ref_string(&ref);
	img_ref_clear(&ref);
	return *out ? 0 : brig_err_oom(e);
}

int arc_images_add(struct arc_images *im, const struct img_descriptor *desc, const char *id,
		   char **names, struct brig_err *e)
{
	if (im->n == im->cap) {
		size_t cap = im->cap ? im->cap * 2 : 8;
		struct img_loaded *v = reallocarray(im->v, cap, sizeof(*v));
		if (!v) {
			brig_strv_free(names);
			return brig_err_oom(e);
		}
		im->v = v;
		im->cap = cap;
	}
	struct img_loaded *l = &im->v[im->n];
	*l = (struct img_loaded){ .names = names };
	int r = img_descriptor_copy(&l->desc, desc, e);
	if (r < 0) {
		brig_strv_free(names);
		return r;
	}
	memcpy(l->id, id, IMG_DIGEST_SIZE);
	im->n++;
	return 0;
}

int arc_images_add_name(struct arc_images *im, size_t i, const char *name, struct brig_err *e)
{
	struct img_loaded *l = &im->v[i];
	size_t n = brig_strv_len(l->names);
	for (size_t k = 0; k < n; k++)
		if (strcmp(l->names[k], name) == 0)
			return 0;
	if (n >= IMG_ARCHIVE_MAX_TAGS)
		return brig_err_set(e, -E2BIG, "image %s: more than %llu names", l->id,
				    (unsigned long long)IMG_ARCHIVE_MAX_TAGS);
	char **v = reallocarray(l->names, n + 2, sizeof(char *));
	if (!v)
		return brig_err_oom(e);
	l->names = v;
	v[n] = strdup(name);
	v[n + 1] = NULL;
	return v[n] ? 0 : brig_err_oom(e);
}

void img_load_result_clear(struct img_load_result *r)
{
	for (size_t i = 0; i < r->n_images; i++) {
		img_descriptor_clear(&r->images[i].desc);
		brig_strv_free(r->images[i].names);
	}
	free(r->images);
	*r = (struct img_load_result){ 0 };
}

static void limits(const struct img_load_opts *o, struct arc_limits *l)
{
	l->members = o->max_members ? o->max_members : IMG_ARCHIVE_MAX_MEMBERS;
	l->name = o->max_name ? o->max_name : IMG_ARCHIVE_MAX_NAME;
	l->total = o->max_total ? o->max_total : IMG_ARCHIVE_MAX_TOTAL;
	l->ratio = o->max_ratio ? o->max_ratio : IMG_ARCHIVE_MAX_RATIO;
}

/* Recognise the format and check every image. */
static int load_images(struct img_store *s, const struct arc_members *set,
		       const struct arc_meta *meta, const struct img_load_opts *o,
		       struct arc_images *im, enum img_archive_format *fmt, struct brig_err *e)
{
	int r;
	if (meta->index_json) {
		*fmt = meta->manifest_json ? IMG_ARCHIVE_DOCKER : IMG_ARCHIVE_OCI;
		r = arc_load_oci(s, set, meta, o, im, e);
		if (r == 0 && meta->manifest_json)
			r = arc_docker_names(s, set, meta, im, e);
		return r;
	}
	if (meta->manifest_json) {
		*fmt = IMG_ARCHIVE_DOCKER;
		return arc_load_docker(s, set, meta, o, im, e);
	}
	return brig_err_set(e, -EINVAL,
			    "neither manifest.json (docker-archive) nor "
			    "index.json (oci-archive) in the archive");
}

/* Every image is complete: name them; one without a name is kept by an
 * entry without one. */
static int name_all(struct img_store *s, const struct arc_images *im, struct brig_err *e)
{
	for (size_t i = 0; i < im->n; i++) {
		if (!im->v[i].names || !im->v[i].names[0]) {
			int r = img_store_add(s, &im->v[i].desc, e);
			if (r < 0)
				return r;
		}
		for (char **n = im->v[i].names; n && *n; n++) {
			int r = img_store_tag(s, &im->v[i].desc, *n, e);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int img_archive_load(struct img_store *s, int in_fd, const struct img_load_opts *o,
		     struct img_load_result *out, struct brig_err *e)
{
	static const struct img_load_opts none = { 0 };
	struct img_load_opts opts = o ? *o : none;
	if (!opts.bare_tag_repo)
		opts.bare_tag_repo = DEFAULT_BARE_REPO;
	struct arc_limits lim;
	struct arc_members set = { 0 };
	struct arc_meta meta = { 0 };
	struct arc_stats st = { 0 };
	struct arc_images im = { 0 };
	*out = (struct img_load_result){ 0 };
	limits(&opts, &lim);
	int r = arc_read(s, in_fd, &lim, &set, &meta, &st, e);
	if (r == 0)
		r = load_images(s, &set, &meta, &opts, &im, &out->format, e);
	if (r == 0 && opts.check)
		r = opts.check(opts.check_ctx, im.v, im.n, out->format, meta.signatures,
			       meta.signatures_len, e);
	if (r == 0)
		r = name_all(s, &im, e);
	arc_members_free(&set);
	arc_meta_free(&meta);
	out->images = im.v;
	out->n_images = im.n;
	out->members = st.members;
	out->bytes = st.bytes;
	if (r < 0)
		img_load_result_clear(out);
	return r;
}
