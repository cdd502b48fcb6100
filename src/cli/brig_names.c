/* SPDX-License-Identifier: Apache-2.0 */
/* brig tag, brig rmi, brig image inspect. */
#include "cli/brig_img.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int brig_cmd_tag(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = {
		{ "help", 'h', OPT_BOOL, "show this help", NULL, false, NULL, NULL, 0 },
		{ 0 },
	};
	_cleanup_free_ char **pos = NULL;
	size_t npos = 0;
	int p = brig_parse("tag", "SOURCE TARGET", o, argc, argv, &pos, &npos, 2, 2);
	if (p <= 0)
		return p < 0 ? BRIG_EXIT_FAIL : 0;
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_img_store_ struct img_store *s = NULL;
	struct img_descriptor d = { 0 };
	int r = brig_store_open(g, &s, &e);
	if (r == 0)
		r = img_store_resolve(s, pos[0], &d, &e);
	if (r == 0)
		r = img_store_tag(s, &d, pos[1], &e);
	img_descriptor_clear(&d);
	if (r < 0) {
		brig_err_wrap(&e, "tag");
		return brig_fail(&e);
	}
	return 0;
}

/* Every name of the entries whose digest is digest (a JSON array). */
static int names_of(struct img_store *s, const char *digest, json_t **out,
		    struct brig_err *e)
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

/* rmi of one IMAGE: a name is untagged; an ID untags all its names (more
 * than one only with force).  Blobs stay until gc. */
static int rmi_one(struct img_store *s, const char *what, bool force, struct brig_err *e)
{
	struct img_descriptor d = { 0 };
	_cleanup_json_ json_t *names = NULL;
	int r = img_store_resolve(s, what, &d, e);
	if (r < 0)
		return r;
	if (img_store_untag(s, what, e) == 0) {
		_cleanup_free_ char *f = brig_familiar(what);
		printf("Untagged: %s\n", f ? f : what);
		img_descriptor_clear(&d);
		return 0;
	}
	brig_err_clear(e);
	r = names_of(s, d.digest, &names, e);
	if (r == 0 && json_array_size(names) > 1 && !force)
		r = brig_err_set(e, -EBUSY, "conflict: unable to remove %s (must be forced): "
				 "the image has %zu names", what, json_array_size(names));
	size_t i;
	json_t *n;
	json_array_foreach(r == 0 ? names : NULL, i, n)
		if ((r = untag_print(s, json_string_value(n), e)) < 0)
			break;
	img_descriptor_clear(&d);
	return r;
}

int brig_cmd_rmi(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = {
		{ "force", 'f', OPT_BOOL, "remove every name of an image ID", NULL, false, NULL, NULL, 0 },
		{ "help", 'h', OPT_BOOL, "show this help", NULL, false, NULL, NULL, 0 },
		{ 0 },
	};
	_cleanup_free_ char **pos = NULL;
	size_t npos = 0;
	int p = brig_parse("rmi", "IMAGE...", o, argc, argv, &pos, &npos, 1, SIZE_MAX);
	if (p <= 0)
		return p < 0 ? BRIG_EXIT_FAIL : 0;
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_img_store_ struct img_store *s = NULL;
	if (brig_store_open(g, &s, &e) < 0)
		return brig_fail(&e);
	int rc = 0;
	for (size_t i = 0; i < npos; i++) {
		if (rmi_one(s, pos[i], o[0].set, &e) < 0) {
			brig_err_wrap(&e, "rmi");
			rc = brig_fail(&e);
		}
		brig_err_clear(&e);
	}
	return rc;
}
