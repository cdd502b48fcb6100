/* SPDX-License-Identifier: Apache-2.0 */
/* brig rmi: remove image names (and the images no name is left on). */
#include "cli/brig/brig-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every name of the entries whose digest is digest (a JSON array). */
static int names_of(struct img_store *s, const char *digest, json_t **out, struct brig_err *e)
{
	struct img_list_entry *v = NULL;
	size_t n = 0;
	int r = img_store_list(s, &v, &n, e);
	if (r < 0)
		return r;
	*out = json_array();
	for (size_t i = 0; i < n && *out; i++)
		if (v[i].name && strcmp(v[i].desc.digest, digest) == 0)
			json_array_append_new(*out, json_string(v[i].name));
	img_store_list_free(v, n);
	return *out ? 0 : brig_err_set(e, -ENOMEM, "out of memory");
}

static int untag_print(struct img_store *s, const char *name, struct brig_err *e)
{
	int r = img_store_untag(s, name, e);
	if (r < 0)
		return r;
	_cleanup_free_ char *f = brig_familiar(name);
	printf("Untagged: %s\n", f ? f : name);
	return 0;
}

/* Refuse (without force) to take the last name from an image that a
 * container was made from, as Docker does. */
static int check_in_use(struct eng *eng, struct img_store *s, const struct img_descriptor *d,
			const char *what, bool last_name, bool force, struct brig_err *e)
{
	if (force || !last_name)
		return 0;
	struct brig_image im;
	int r = brig_image_load(s, d, &im, e);
	if (r < 0)
		return r;
	char cid[ENG_ID_LEN + 1];
	r = eng_image_in_use(eng, im.id, cid, e);
	brig_image_clear(&im);
	if (r == 1)
		return brig_err_set(e, -EBUSY,
				    "conflict: unable to remove %s (must be forced): "
				    "container %.12s was made from it",
				    what, cid);
	return r;
}

/* Is what (as typed) one of the stored names? */
static bool is_one_of(const char *what, const json_t *names)
{
	struct img_ref ref;
	_cleanup_err_ struct brig_err e = { 0 };
	if (img_ref_parse(what, &ref, &e) < 0)
		return false;
	_cleanup_free_ char *full = img_ref_string(&ref);
	img_ref_clear(&ref);
	size_t i;
	json_t *n;
	json_array_foreach(names, i,
			   n) if (full && strcmp(json_string_value(n), full) == 0) return true;
	return false;
}

/* rmi of one IMAGE: a name is untagged; an ID untags all its names (more
 * than one only with force).  Blobs stay until gc. */
static int rmi_one(struct eng *eng, struct img_store *s, const char *what, bool force,
		   struct brig_err *e)
{
	struct img_descriptor d = { 0 };
	_cleanup_json_ json_t *names = NULL;
	int r = img_store_resolve(s, what, &d, e);
	if (r < 0)
		return r;
	if ((r = names_of(s, d.digest, &names, e)) < 0 ||
	    (r = check_in_use(eng, s, &d, what,
			      json_array_size(names) <= 1 || !is_one_of(what, names), force, e)) <
		    0) {
		img_descriptor_clear(&d);
		return r;
	}
	if (json_array_size(names) == 0) {
		/* An unnamed image (loaded without a name): it goes as a whole. */
		char id[IMG_DIGEST_SIZE];
		struct brig_image im;
		r = brig_image_load(s, &d, &im, e);
		if (r == 0) {
			memcpy(id, im.id, sizeof(id));
			brig_image_clear(&im);
			r = img_store_remove(s, what, e);
		}
		if (r == 0)
			printf("Deleted: %s\n", id);
		img_descriptor_clear(&d);
		return r;
	}
	if (img_store_untag(s, what, e) == 0) {
		_cleanup_free_ char *f = brig_familiar(what);
		printf("Untagged: %s\n", f ? f : what);
		img_descriptor_clear(&d);
		return 0;
	}
	brig_err_clear(e);
	if (json_array_size(names) > 1 && !force)
		r = brig_err_set(e, -EBUSY,
				 "conflict: unable to remove %s (must be forced): "
				 "the image has %zu names",
				 what, json_array_size(names));
	size_t i;
	json_t *n;
	json_array_foreach(r == 0 ? names : NULL, i,
			   n) if ((r = untag_print(s, json_string_value(n), e)) < 0) break;
	img_descriptor_clear(&d);
	return r;
}

int brig_cmd_rmi(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = {
		OPT_FLAG("force", 'f', "remove every name of an image ID"),
		{ 0 },
	};
	_cleanup_free_ char **pos = NULL;
	size_t npos = 0;
	int p = brig_parse("rmi", "IMAGE...", o, argc, argv, &pos, &npos, 1, SIZE_MAX);
	if (p <= 0)
		return p < 0 ? BRIG_EXIT_FAIL : 0;
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_img_store_ struct img_store *s = NULL;
	_cleanup_eng_ struct eng *eng = NULL;
	if (brig_store_open(g, &s, &e) < 0 || brig_engine_open(g, &eng, &e) < 0)
		return brig_fail(&e);
	int rc = 0;
	for (size_t i = 0; i < npos; i++) {
		if (rmi_one(eng, s, pos[i], o[0].set, &e) < 0) {
			brig_err_wrap(&e, "rmi");
			rc = brig_fail(&e);
		}
		brig_err_clear(&e);
	}
	return rc;
}
