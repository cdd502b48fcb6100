/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig images --filter and `brig images REPOSITORY[:TAG]`, with Docker's
 * rules: reference= values (and the positional name) are alternatives,
 * each a glob over "repo:tag" or "repo"; label=, before= and since= must
 * all hold; dangling=true keeps the unnamed images, false the named ones.
 */
#include "cli/brig/brig-internal.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

static bool has_key(const char *f, const char *key)
{
	size_t n = strlen(key);
	return strncmp(f, key, n) == 0 && f[n] == '=' && f[n + 1];
}

int brig_images_filter_check(const struct opt *filters, struct brig_err *e)
{
	static const char *const keys[] = { "dangling", "reference", "label", "before", "since" };
	for (size_t i = 0; i < filters->n; i++) {
		const char *f = filters->list[i];
		bool ok = false;
		for (size_t k = 0; k < BRIG_ARRAY_SIZE(keys); k++)
			ok |= has_key(f, keys[k]);
		if (!ok)
			return brig_err_set(e, -EINVAL,
					    "--filter: \"%s\": use dangling=true|false, "
					    "reference=PATTERN, label=KEY[=VALUE], before=IMAGE or "
					    "since=IMAGE",
					    f);
		if (has_key(f, "dangling") && strcmp(f + 9, "true") != 0 &&
		    strcmp(f + 9, "false") != 0)
			return brig_err_set(e, -EINVAL,
					    "--filter: \"%s\": dangling is true or false", f);
	}
	return 0;
}

/* The creation time of the image a before= or since= names. */
static int created_of(struct img_store *s, const char *what, json_t *out, struct brig_err *e)
{
	struct img_descriptor d = { 0 };
	struct brig_image im;
	int r = img_store_resolve(s, what, &d, e);
	if (r < 0)
		return r;
	r = brig_image_load(s, &d, &im, e);
	img_descriptor_clear(&d);
	if (r < 0)
		return r;
	const char *c = im.config.created ? im.config.created : "";
	r = json_object_set_new(out, what, json_string(c)) < 0 ? brig_err_oom(e) : 0;
	brig_image_clear(&im);
	return r;
}

int brig_images_filter_resolve(const struct brig_global *g, struct brig_images_filter *f,
			       struct brig_err *e)
{
	_cleanup_img_store_ struct img_store *s = NULL;
	if (!(f->created = json_object()))
		return brig_err_oom(e);
	for (size_t i = 0; i < f->filters->n; i++) {
		const char *v = f->filters->list[i];
		if (!has_key(v, "before") && !has_key(v, "since"))
			continue;
		int r = s ? 0 : brig_store_open(g, &s, e);
		if (r == 0)
			r = created_of(s, strchr(v, '=') + 1, f->created, e);
		if (r < 0)
			return brig_err_wrap(e, "--filter %s", v);
	}
	return 0;
}

/* A glob over the familiar "repo:tag" and "repo" of name. */
static bool reference_matches(const char *name, const char *pattern)
{
	_cleanup_free_ char *fam = name ? brig_familiar(name) : NULL;
	if (!fam)
		return false;
	if (fnmatch(pattern, fam, FNM_PATHNAME) == 0)
		return true;
	char *colon = strrchr(fam, ':');
	if (colon && !strchr(colon, '/'))
		*colon = '\0';
	return fnmatch(pattern, fam, FNM_PATHNAME) == 0;
}

static bool label_matches(const struct brig_image *im, const char *val)
{
	const char *eq = strchr(val, '=');
	_cleanup_free_ char *key = eq ? strndup(val, (size_t)(eq - val)) : strdup(val);
	const char *have = key ? img_kv_get(&im->config.labels, key) : NULL;
	return have && (!eq || strcmp(have, eq + 1) == 0);
}

static bool order_matches(const struct brig_image *im, const char *f, const json_t *created)
{
	const char *t = json_string_value(json_object_get(created, strchr(f, '=') + 1));
	int c = strcmp(im->config.created ? im->config.created : "", t ? t : "");
	return t && (f[0] == 'b' ? c < 0 : c > 0);
}

bool brig_images_filter_match(const char *name, const struct brig_image *im,
			      const struct brig_images_filter *f)
{
	bool refs = f->repo != NULL, ref_ok = f->repo && reference_matches(name, f->repo);
	for (size_t i = 0; i < f->filters->n; i++) {
		const char *v = f->filters->list[i];
		if (has_key(v, "reference")) {
			refs = true;
			ref_ok |= reference_matches(name, v + 10);
		} else if (has_key(v, "dangling")) {
			if ((name == NULL) != (strcmp(v + 9, "true") == 0))
				return false;
		} else if (has_key(v, "label")) {
			if (!label_matches(im, v + 6))
				return false;
		} else if (!order_matches(im, v, f->created)) {
			return false;
		}
	}
	return !refs || ref_ok;
}
