/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig diff: what a container changed, from its overlay upper directory, as
 * Docker lists it.  Every entry of the upper directory is Added when no
 * layer below has it, Changed when one has (a directory whose size, mode
 * and mtime are those of the layer's is not listed, unless something in it
 * was added or deleted); a whiteout (a 0:0 character device) is a Deleted
 * path, and an opaque directory hides the entries the layers gave it: each
 * that the upper directory does not have again is Deleted.  The upper
 * directory is the container's to write: it is walked from its top with the
 * safe resolver, never following a symlink.
 */
#include "engine/record-internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#define DIFF_MAX_CHANGES 1000000

enum { KIND_MODIFY = 0, KIND_ADD = 1, KIND_DELETE = 2 }; /* Docker's API values */

struct diff_ctx {
	int upper;
	int *layers; /* base first */
	size_t n_layers;
	json_t *changes; /* [{Path, Kind}] */
	json_t *dirs; /* directories listed (Docker's changedDirs) */
	char path[PATH_MAX]; /* relative to the top, "" for it */
	struct brig_err *e;
};

static bool is_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

/* The opaque marker of the directory fd (O_PATH), trusted or user xattr. */
static bool is_opaque(int fd)
{
	char proc[64], v[2];
	(void)snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	static const char *const names[] = { "trusted.overlay.opaque", "user.overlay.opaque" };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(names); i++)
		if (getxattr(proc, names[i], v, sizeof(v)) == 1 && v[0] == 'y')
			return true;
	return false;
}

/* lstat path in tree (inside it; a final symlink not followed). */
static int tree_lstat(int tree, const char *path, struct stat *st, bool *opaque)
{
	_cleanup_err_ struct brig_err e = { 0 };
	_cleanup_close_ int fd = brig_open_in_root(tree, path[0] ? path : ".", O_PATH | O_NOFOLLOW,
						   0, BRIG_RESOLVE_NOFOLLOW_LAST, &e);
	if (fd < 0)
		return fd;
	if (fstat(fd, st) < 0)
		return -errno;
	if (opaque)
		*opaque = S_ISDIR(st->st_mode) && is_opaque(fd);
	return 0;
}

/* The entry the layers give path: 1 (in *st), or 0 when none does. */
static int lower_lstat(struct diff_ctx *c, const char *path, struct stat *st)
{
	for (size_t k = c->n_layers; k-- > 0;)
		if (tree_lstat(c->layers[k], path, st, NULL) == 0)
			return is_whiteout(st) ? 0 : 1;
	return 0;
}

static int add_change(struct diff_ctx *c, const char *path, int kind)
{
	if (json_array_size(c->changes) >= DIFF_MAX_CHANGES)
		return brig_err_set(c->e, -E2BIG, "more than %d changes", DIFF_MAX_CHANGES);
	char full[PATH_MAX + 1];
	(void)snprintf(full, sizeof(full), "/%s", path);
	/* Names are the container's bytes, not always UTF-8: kept as they are
	 * (the CLI escapes them for the terminal). */
	json_t *ch = json_pack("{s:o, s:i}", "Path", json_string_nocheck(full), "Kind", kind);
	if (!ch || json_array_append_new(c->changes, ch) < 0)
		return brig_err_oom(c->e);
	return 0;
}

/* An added or deleted entry changes its directory (listed once). */
static int parent_changed(struct diff_ctx *c, const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return 0; /* in "/" */
	char parent[PATH_MAX];
	(void)snprintf(parent, sizeof(parent), "%.*s", (int)(slash - path), path);
	if (json_object_get(c->dirs, parent))
		return 0;
	if (json_object_set_new(c->dirs, parent, json_true()) < 0)
		return brig_err_oom(c->e);
	return add_change(c, parent, KIND_MODIFY);
}

static int child_path(const struct diff_ctx *c, const char *name, char out[PATH_MAX])
{
	return brig_snprintf(out, PATH_MAX, "%s%s%s", c->path, c->path[0] ? "/" : "", name);
}

/* The names in directory path of tree into the object names (value true). */
static int list_names(struct diff_ctx *c, int tree, const char *path, json_t *names)
{
	int fd = brig_open_in_root(tree, path[0] ? path : ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW,
				   0, BRIG_RESOLVE_NOFOLLOW_LAST, c->e);
	if (fd < 0)
		return brig_err_wrap(c->e, "listing '/%s'", path);
	DIR *d = fdopendir(fd);
	if (!d) {
		int r = brig_err_sys(c->e, errno, "listing '/%s'", path);
		(void)close(fd);
		return r;
	}
	struct dirent *de;
	int r = 0;
	while (r == 0 && (errno = 0, de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
		    json_object_set_new(names, de->d_name, json_true()) < 0)
			r = brig_err_oom(c->e);
	if (r == 0 && errno != 0)
		r = brig_err_sys(c->e, errno, "listing '/%s'", path);
	(void)closedir(d);
	return r;
}

/* One layer's entries of the directory at c->path into found (those it
 * whites out into seen only); 1 when the layers below are hidden. */
static int layer_entries(struct diff_ctx *c, int layer, json_t *seen, json_t *found)
{
	struct stat st;
	bool opaque = false;
	if (tree_lstat(layer, c->path, &st, &opaque) < 0)
		return 0;
	if (!S_ISDIR(st.st_mode))
		return 1;
	_cleanup_json_ json_t *names = json_object();
	if (!names)
		return brig_err_oom(c->e);
	int r = list_names(c, layer, c->path, names);
	const char *name;
	json_t *v;
	char child[PATH_MAX];
	json_object_foreach(names, name, v)
	{
		if (r < 0 || json_object_get(seen, name))
			continue;
		if (json_object_set_new(seen, name, json_true()) < 0)
			return brig_err_oom(c->e);
		if (child_path(c, name, child) < 0)
			continue;
		if (tree_lstat(layer, child, &st, NULL) == 0 && !is_whiteout(&st) &&
		    json_object_set_new(found, name, json_true()) < 0)
			return brig_err_oom(c->e);
	}
	return r < 0 ? r : opaque;
}

/* An opaque directory of the upper one: what the layers had in it and it
 * does not have again is deleted. */
static int hidden_deleted(struct diff_ctx *c)
{
	_cleanup_json_ json_t *seen = json_object(), *found = json_object();
	if (!seen || !found)
		return brig_err_oom(c->e);
	int r = 0;
	for (size_t k = c->n_layers; r == 0 && k-- > 0;)
		r = layer_entries(c, c->layers[k], seen, found);
	const char *name;
	json_t *v;
	char child[PATH_MAX];
	struct stat st;
	json_object_foreach(found, name, v)
	{
		if (r < 0)
			break;
		if (child_path(c, name, child) < 0)
			continue;
		if (tree_lstat(c->upper, child, &st, NULL) == -ENOENT &&
		    (r = add_change(c, child, KIND_DELETE)) == 0)
			r = parent_changed(c, child);
	}
	return r < 0 ? r : 0;
}

static bool same_dir(const struct stat *a, const struct stat *b)
{
	return S_ISDIR(a->st_mode) && S_ISDIR(b->st_mode) && a->st_size == b->st_size &&
		a->st_mode == b->st_mode && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
		a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static int visit_dir(struct diff_ctx *c, int depth);

/* The entry at c->path of the upper directory. */
static int visit(struct diff_ctx *c, int depth)
{
	struct stat st, low;
	bool opaque = false;
	int r = tree_lstat(c->upper, c->path, &st, &opaque);
	if (r == -ENOENT)
		return 0; /* removed by the container meanwhile */
	if (r < 0)
		return brig_err_sys(c->e, -r, "examining '/%s'", c->path);
	if (is_whiteout(&st)) {
		r = add_change(c, c->path, KIND_DELETE);
		return r < 0 ? r : parent_changed(c, c->path);
	}
	bool below = lower_lstat(c, c->path, &low) == 1;
	bool dir = S_ISDIR(st.st_mode);
	if (!below || !same_dir(&st, &low) || opaque) {
		if ((r = add_change(c, c->path, below ? KIND_MODIFY : KIND_ADD)) < 0 ||
		    (dir && json_object_set_new(c->dirs, c->path, json_true()) < 0))
			return r < 0 ? r : brig_err_oom(c->e);
		if (!below && (r = parent_changed(c, c->path)) < 0)
			return r;
	}
	if (!dir)
		return 0;
	if (opaque && below && (r = hidden_deleted(c)) < 0)
		return r;
	return visit_dir(c, depth + 1);
}

static int visit_dir(struct diff_ctx *c, int depth)
{
	if (depth > PATH_MAX / 2)
		return brig_err_set(c->e, -ELOOP, "'/%s' is nested too deeply", c->path);
	_cleanup_json_ json_t *names = json_object();
	if (!names)
		return brig_err_oom(c->e);
	int r = list_names(c, c->upper, c->path, names);
	size_t plen = strlen(c->path);
	const char *name;
	json_t *v;
	json_object_foreach(names, name, v)
	{
		if (r < 0)
			break;
		if (brig_snprintf(c->path + plen, sizeof(c->path) - plen, "%s%s", plen ? "/" : "",
				  name) < 0)
			r = brig_err_set(c->e, -ENAMETOOLONG, "'/%s/%s' is too long", c->path,
					 name);
		else
			r = visit(c, depth);
		c->path[plen] = '\0';
	}
	return r;
}

static int path_cmp(const void *a, const void *b)
{
	return strcmp(json_string_value(json_object_get(*(json_t *const *)a, "Path")),
		      json_string_value(json_object_get(*(json_t *const *)b, "Path")));
}

/* The changes sorted by path, as Docker lists them. */
static json_t *sorted(json_t *changes)
{
	size_t n = json_array_size(changes);
	_cleanup_free_ json_t **v = calloc(n ? n : 1, sizeof(*v));
	json_t *out = json_array();
	if (!v || !out) {
		json_decref(out);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = json_array_get(changes, i);
	qsort(v, n, sizeof(*v), path_cmp);
	for (size_t i = 0; i < n; i++)
		if (json_array_append(out, v[i]) < 0) {
			json_decref(out);
			return NULL;
		}
	return out;
}

void eng_layer_fds_close(struct eng_layer_fds *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->fds[i] >= 0)
			(void)close(l->fds[i]);
	free(l->fds);
	*l = (struct eng_layer_fds){ 0 };
}

int eng_layer_fds_open(struct eng *g, const json_t *layers, struct eng_layer_fds *l,
		       struct brig_err *e)
{
	size_t n = json_array_size(layers);
	*l = (struct eng_layer_fds){ .fds = calloc(n ? n : 1, sizeof(int)) };
	if (!l->fds)
		return brig_err_oom(e);
	for (; l->n < n; l->n++) {
		const char *diff_id = json_string_value(
			json_object_get(json_array_get(layers, l->n), "diffId"));
		char dir[128];
		if (!diff_id || strncmp(diff_id, "sha256:", 7) != 0 ||
		    brig_snprintf(dir, sizeof(dir), "layers/%s", diff_id + 7) < 0) {
			eng_layer_fds_close(l);
			return brig_err_set(e, -EINVAL, "Brig.Layers[%zu].diffId is not a digest",
					    l->n);
		}
		l->fds[l->n] = BRIG_RETRY(
			openat(g->rootfd, dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
		if (l->fds[l->n] < 0) {
			int r = brig_err_sys(e, errno, "opening %s/%s", g->root, dir);
			eng_layer_fds_close(l);
			return r;
		}
	}
	return 0;
}

int eng_diff(struct eng *g, const char *id, json_t **out, struct brig_err *e)
{
	_cleanup_record_ struct eng_record rec;
	int r = eng_record_current(g, id, &rec, e);
	if (r < 0)
		return r;
	_cleanup_close_ int upper = eng_ctr_upper_open(g, &rec, e);
	if (upper < 0)
		return upper;
	struct eng_layer_fds l;
	if ((r = eng_layer_fds_open(g, rec.layers, &l, e)) < 0)
		return r;
	struct diff_ctx c = { .upper = upper,
			      .layers = l.fds,
			      .n_layers = l.n,
			      .changes = json_array(),
			      .dirs = json_object(),
			      .e = e };
	if (!c.changes || !c.dirs)
		r = brig_err_oom(e);
	else
		r = visit_dir(&c, 0);
	if (r == 0 && !(*out = sorted(c.changes)))
		r = brig_err_oom(e);
	json_decref(c.changes);
	json_decref(c.dirs);
	eng_layer_fds_close(&l);
	return r;
}
