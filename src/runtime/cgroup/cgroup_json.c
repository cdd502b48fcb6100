/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container cgroup as persisted in the container state.  A state file
 * is re-validated when read: every path must be clean and lie beneath a
 * mounted cgroup filesystem, so a damaged state can never make destroy()
 * remove anything else.
 */
#include "runtime/cgroup/cgroup-internal.h"

#include <limits.h>
#include <string.h>
#include <sys/vfs.h>

#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static const char *layout_name(enum rt_cgroup_layout l)
{
	switch (l) {
	case RT_CGROUP_V1:
		return "v1";
	case RT_CGROUP_V2:
		return "v2";
	case RT_CGROUP_HYBRID:
		return "hybrid";
	}
	return "?";
}

static json_t *strv_json(char *const *v)
{
	json_t *a = json_array();
	for (size_t i = 0; a && v && v[i]; i++)
		if (json_array_append_new(a, json_string(v[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *hier_json(const struct rt_cg_hier *h)
{
	json_t *ctls = json_array();
	for (int c = 0; ctls && c < RT_CG_NCTL; c++)
		if ((h->ctls & RT_CG_BIT(c)) &&
		    json_array_append_new(
			    ctls, json_string(rt_cg_ctl_name((enum rt_cg_ctl)c, false))) < 0) {
			json_decref(ctls);
			ctls = NULL;
		}
	json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:o*,s:o*}", "type", h->v2 ? "cgroup2" : "cgroup",
			      "mount", h->mount, "base", h->base, "dir", h->dir, "controllers",
			      ctls, "created", strv_json(h->created));
	if (o && h->name && json_object_set_new(o, "name", json_string(h->name)) < 0) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

int rt_cgroup_to_json(const struct rt_cgroup *cg, json_t **out, struct brig_err *e)
{
	_cleanup_json_ json_t *arr = json_array();
	if (!arr)
		return brig_err_set(e, -ENOMEM, "out of memory");
	for (size_t i = 0; i < cg->n; i++) {
		json_t *h = hier_json(&cg->h[i]);
		if (!h || json_array_append_new(arr, h) < 0)
			return brig_err_set(e, -ENOMEM, "out of memory");
	}
	json_t *o = json_pack("{s:i,s:s,s:O}", "version", 1, "layout", layout_name(cg->layout),
			      "hierarchies", arr);
	if (!o)
		return brig_err_set(e, -ENOMEM, "out of memory");
	*out = o;
	return 0;
}

/* An absolute path without empty, "." or ".." components. */
static bool clean_abs(const char *p)
{
	size_t len = strlen(p);
	if (p[0] != '/' || len >= PATH_MAX)
		return false;
	if (len == 1)
		return true;
	for (const char *c = p + 1;;) {
		size_t cl = strcspn(c, "/");
		if (cl == 0 || (cl == 1 && c[0] == '.') || (cl == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		c += cl;
		if (!*c)
			return true;
		c++;
	}
}

/* p is beneath (strict) or equal (or_equal) to dir. */
static bool beneath(const char *p, const char *dir, bool or_equal)
{
	size_t dl = strlen(dir);
	if (strcmp(p, dir) == 0)
		return or_equal;
	if (dl == 1)
		return p[0] == '/' && p[1] != '\0';
	return strncmp(p, dir, dl) == 0 && p[dl] == '/';
}

static int get_path(const json_t *o, const struct bj_loc *at, const char *key, char **out,
		    struct brig_err *e)
{
	const char *s = NULL;
	int r = bj_get_str(o, at, key, true, &s, e);
	if (r < 0)
		return r;
	if (!clean_abs(s)) {
		struct bj_loc sub;
		bj_key(&sub, at, key);
		return bj_fail(e, &sub, "'%.64s' is not a clean absolute path", s);
	}
	*out = strdup(s);
	return *out ? 0 : brig_err_set(e, -ENOMEM, "out of memory");
}

static int hier_ctls(const json_t *o, const struct bj_loc *at, struct rt_cg_hier *h,
		     struct brig_err *e)
{
	_cleanup_strv_ char **v = NULL;
	int r = bj_get_strv(o, at, "controllers", true, RT_CG_NCTL, &v, e);
	for (size_t i = 0; r >= 0 && v[i]; i++) {
		int c = rt_cg_ctl_from_name(v[i], strlen(v[i]));
		if (c < 0) {
			struct bj_loc sub;
			bj_key(&sub, at, "controllers");
			return bj_fail(e, &sub, "unknown controller '%.32s'", v[i]);
		}
		h->ctls |= RT_CG_BIT(c);
	}
	return r < 0 ? r : 0;
}

static int hier_check(const struct rt_cg_hier *h, const struct bj_loc *at, struct brig_err *e)
{
	if (!beneath(h->base, h->mount, true) || !beneath(h->dir, h->base, false))
		return bj_fail(e, at, "dir %s is not beneath %s", h->dir, h->mount);
	for (char **c = h->created; *c; c++)
		if (!clean_abs(*c))
			return bj_fail(e, at,
				       "created directory '%.64s' is not a clean "
				       "absolute path",
				       *c);
		else if (!beneath(*c, h->base, false) || !beneath(h->dir, *c, true))
			return bj_fail(e, at,
				       "created directory '%.64s' is not on the "
				       "way to %s",
				       *c, h->dir);
	struct statfs sf;
	if (statfs(h->mount, &sf) < 0)
		return brig_err_sys(e, errno, "%s: cgroup mount %s", at->file, h->mount);
	if (sf.f_type != (h->v2 ? CGROUP2_SUPER_MAGIC : CGROUP_SUPER_MAGIC))
		return bj_fail(e, at, "%s is not a %s mount", h->mount,
			       h->v2 ? "cgroup2" : "cgroup");
	return 0;
}

static int hier_from(const json_t *o, const struct bj_loc *at, struct rt_cg_hier *h,
		     struct brig_err *e)
{
	const char *type = NULL, *name = NULL;
	int r;
	if ((r = bj_expect(o, at, JSON_OBJECT, e)) < 0 ||
	    (r = bj_get_str(o, at, "type", true, &type, e)) < 0)
		return r;
	if (strcmp(type, "cgroup") != 0 && strcmp(type, "cgroup2") != 0)
		return bj_fail(e, at, "unknown hierarchy type '%.16s'", type);
	h->v2 = type[6] == '2';
	if ((r = get_path(o, at, "mount", &h->mount, e)) < 0 ||
	    (r = get_path(o, at, "base", &h->base, e)) < 0 ||
	    (r = get_path(o, at, "dir", &h->dir, e)) < 0 ||
	    (r = bj_get_strv(o, at, "created", true, 256, &h->created, e)) < 0 ||
	    (r = hier_ctls(o, at, h, e)) < 0 ||
	    (r = bj_get_str(o, at, "name", false, &name, e)) < 0)
		return r;
	if (name && !(h->name = strdup(name)))
		return brig_err_set(e, -ENOMEM, "out of memory");
	return hier_check(h, at, e);
}

static int layout_from(const json_t *j, const struct bj_loc *at, enum rt_cgroup_layout *out,
		       struct brig_err *e)
{
	const char *s = NULL;
	int r = bj_get_str(j, at, "layout", true, &s, e);
	if (r < 0)
		return r;
	for (int l = RT_CGROUP_V1; l <= RT_CGROUP_HYBRID; l++)
		if (strcmp(s, layout_name((enum rt_cgroup_layout)l)) == 0) {
			*out = (enum rt_cgroup_layout)l;
			return 0;
		}
	struct bj_loc sub;
	bj_key(&sub, at, "layout");
	return bj_fail(e, &sub, "unknown layout '%.16s'", s);
}

int rt_cgroup_from_json(const json_t *j, struct rt_cgroup **out, struct brig_err *e)
{
	struct bj_loc at, sub;
	bj_root(&at, "container state");
	bj_key(&at, &at, "cgroup");
	int64_t version = 0;
	json_t *arr = NULL;
	enum rt_cgroup_layout layout = RT_CGROUP_V1;
	int r;
	if ((r = bj_expect(j, &at, JSON_OBJECT, e)) < 0 ||
	    (r = bj_get_int(j, &at, "version", true, 1, 1, &version, e)) < 0 ||
	    (r = layout_from(j, &at, &layout, e)) < 0 ||
	    (r = bj_get_arr(j, &at, "hierarchies", true, &arr, e)) < 0)
		return r;
	bj_key(&sub, &at, "hierarchies");
	size_t n = json_array_size(arr);
	if (n == 0 || n > RT_CG_HIER_MAX)
		return bj_fail(e, &sub, "expected 1 to %d hierarchies", RT_CG_HIER_MAX);
	struct rt_cgroup *cg = calloc(1, sizeof(*cg));
	if (!cg || !(cg->h = calloc(n, sizeof(*cg->h)))) {
		free(cg);
		return brig_err_set(e, -ENOMEM, "out of memory");
	}
	cg->layout = layout;
	cg->unified = -1;
	for (size_t i = 0; i < n && r >= 0; i++) {
		struct bj_loc el;
		bj_idx(&el, &sub, i);
		cg->n = i + 1;
		r = hier_from(json_array_get(arr, i), &el, &cg->h[i], e);
		if (r >= 0 && cg->h[i].v2 && cg->unified >= 0)
			r = bj_fail(e, &el, "a second cgroup2 hierarchy");
		else if (r >= 0 && cg->h[i].v2)
			cg->unified = (int)i;
	}
	if (r < 0) {
		rt_cgroup_free(cg);
		return r;
	}
	*out = cg;
	return 0;
}
