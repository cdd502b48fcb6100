/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The members of an archive being loaded: their names, normalised and
 * checked (no absolute paths, no ".."), a table from name to blob, and the
 * resolution of the paths the archive's metadata uses (manifest.json's
 * Config and Layers), links included.  Member names never become file
 * system paths: a member's content is stored under its digest.
 */
#include "image/archive/archive-internal.h"

#include <string.h>

/* Normalise path into out (size bytes); with dotdot, ".." pops a component
 * (and escaping is refused), otherwise ".." is refused. */
static int normalize(const char *path, bool dotdot, char *out, size_t size, const char *what,
		     struct brig_err *e)
{
	int r = brig_path_clean(path, dotdot ? 0 : BRIG_PATH_NO_DOTDOT, out, size);
	if (r == -EINVAL)
		return brig_err_set(e, -EINVAL,
				    "%s '%s': a '..' component (path traversal) is "
				    "refused",
				    what, path);
	if (r == -EPERM)
		return brig_err_set(e, -EINVAL, "%s '%s': points outside the archive", what, path);
	if (r < 0)
		return brig_err_set(e, r, "%s '%s': too long", what, path);
	return 0;
}

int arc_path_normalize(const char *path, size_t max, const char *what, char **out,
		       struct brig_err *e)
{
	size_t n = strlen(path);
	if (n > max)
		return brig_err_set(e, -ENAMETOOLONG,
				    "%s: a name of %zu bytes, longer than "
				    "the limit of %zu",
				    what, n, max);
	if (path[0] == '/')
		return brig_err_set(e, -EINVAL, "%s '%s': an absolute path is refused", what, path);
	_cleanup_free_ char *buf = malloc(n + 1);
	if (!buf)
		return brig_err_oom(e);
	int r = normalize(path, false, buf, n + 1, what, e);
	if (r < 0)
		return r;
	*out = brig_steal_ptr(buf);
	return 0;
}

int arc_link_resolve(const char *name, const char *target, size_t max, char **out,
		     struct brig_err *e)
{
	if (target[0] == '/')
		return brig_err_set(e, -EINVAL,
				    "member '%s': a link to the absolute path "
				    "'%s' is refused",
				    name, target);
	const char *slash = strrchr(name, '/');
	size_t dir = slash ? (size_t)(slash - name) : 0;
	size_t n = dir + 1 + strlen(target);
	if (n > max)
		return brig_err_set(e, -ENAMETOOLONG, "member '%s': link target too long", name);
	_cleanup_free_ char *joined = malloc(n + 1);
	_cleanup_free_ char *buf = malloc(n + 1);
	if (!joined || !buf)
		return brig_err_oom(e);
	snprintf(joined, n + 1, "%.*s/%s", (int)dir, name, target);
	int r = normalize(dir ? joined : target, true, buf, n + 1, "link", e);
	if (r < 0)
		return brig_err_wrap(e, "member '%s'", name);
	*out = brig_steal_ptr(buf);
	return 0;
}

/* ---- the table ---- */

static size_t *find_slot(const struct arc_members *set, const char *name)
{
	size_t mask = set->n_slots - 1;
	for (size_t i = brig_fnv1a64(name, strlen(name)) & mask;; i = (i + 1) & mask) {
		size_t *slot = &set->slots[i];
		if (*slot == 0 || strcmp(set->v[*slot - 1].name, name) == 0)
			return slot;
	}
}

/* Keep the slot table at most half full. */
static int grow_slots(struct arc_members *set, struct brig_err *e)
{
	if (set->n_slots && (set->n + 1) * 2 <= set->n_slots)
		return 0;
	size_t n = set->n_slots ? set->n_slots * 2 : 64;
	size_t *slots = calloc(n, sizeof(*slots));
	if (!slots)
		return brig_err_oom(e);
	free(set->slots);
	set->slots = slots;
	set->n_slots = n;
	for (size_t i = 0; i < set->n; i++)
		*find_slot(set, set->v[i].name) = i + 1;
	return 0;
}

static void member_clear(struct arc_member *m)
{
	free(m->name);
	free(m->target);
	*m = (struct arc_member){ 0 };
}

int arc_members_add(struct arc_members *set, struct arc_member *m, struct brig_err *e)
{
	int r = grow_slots(set, e);
	if (r == 0 && find_slot(set, m->name)[0] != 0)
		r = brig_err_set(e, -EINVAL, "member '%s' appears twice in the archive", m->name);
	if (r == 0 && set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 64;
		struct arc_member *v = reallocarray(set->v, cap, sizeof(*v));
		if (!v)
			r = brig_err_oom(e);
		else {
			set->v = v;
			set->cap = cap;
		}
	}
	if (r < 0) {
		member_clear(m);
		return r;
	}
	set->v[set->n++] = *m;
	*find_slot(set, m->name) = set->n;
	*m = (struct arc_member){ 0 };
	return 0;
}

const struct arc_member *arc_members_find(const struct arc_members *set, const char *name)
{
	if (!set->n_slots)
		return NULL;
	size_t slot = *find_slot(set, name);
	return slot ? &set->v[slot - 1] : NULL;
}

bool arc_members_has_digest(const struct arc_members *set, const char *digest)
{
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->v[i].digest, digest) == 0)
			return true;
	return false;
}

void arc_members_free(struct arc_members *set)
{
	for (size_t i = 0; i < set->n; i++)
		member_clear(&set->v[i]);
	free(set->v);
	free(set->slots);
	*set = (struct arc_members){ 0 };
}

int arc_members_resolve(const struct arc_members *set, const char *path, const struct bj_loc *at,
			const struct arc_member **out, struct brig_err *e)
{
	_cleanup_free_ char *name = NULL;
	struct brig_err inner = { 0 };
	int r = arc_path_normalize(path, IMG_ARCHIVE_MAX_NAME, "path", &name, &inner);
	if (r < 0) {
		bj_fail(e, at, "%s", brig_err_str(&inner));
		brig_err_clear(&inner);
		return r;
	}
	for (int hop = 0; hop <= ARC_MAX_LINK_HOPS; hop++) {
		const struct arc_member *m = arc_members_find(set, name);
		if (!m)
			return bj_fail(e, at, "'%s' is missing from the archive", path);
		if (!m->target) {
			if (!m->digest[0])
				return bj_fail(e, at, "'%s' is not a regular file", path);
			*out = m;
			return 0;
		}
		free(name);
		name = strdup(m->target);
		if (!name)
			return brig_err_oom(e);
	}
	return bj_fail(e, at, "'%s': more than %d links", path, ARC_MAX_LINK_HOPS);
}

void arc_meta_free(struct arc_meta *m)
{
	free(m->manifest_json);
	free(m->index_json);
	free(m->oci_layout);
	free(m->signatures);
	*m = (struct arc_meta){ 0 };
}
