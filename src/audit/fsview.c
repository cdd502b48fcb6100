/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit: the image's filesystem as its layers make it, read straight from
 * the layer blobs (image/layer's reader in check-only mode with a visitor,
 * nothing unpacked to disk).  Later layers replace entries; ".wh.NAME"
 * removes NAME and everything beneath it; ".wh..wh..opq" removes what the
 * layers below put in its directory.
 */
#include "audit/scan-internal.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Sniffed bytes of a regular file (for private keys, tokens). */
#define SNIFF_MAX (64 * 1024)

void scan_fs_clear(struct scan_fs *fs)
{
	for (size_t i = 0; i < fs->n; i++) {
		free(fs->v[i].path);
		free(fs->v[i].link);
		free(fs->v[i].data);
		for (size_t k = 0; k < fs->v[i].n_xattrs; k++) {
			free(fs->v[i].xattrs[k].name);
			free(fs->v[i].xattrs[k].val);
		}
		free(fs->v[i].xattrs);
	}
	free(fs->v);
	free(fs->layer_of);
	json_decref(fs->map);
	memset(fs, 0, sizeof(*fs));
}

const struct scan_file *scan_fs_get(const struct scan_fs *fs, const char *path)
{
	json_t *i = json_object_get(fs->map, path);
	return i ? &fs->v[json_integer_value(i)] : NULL;
}

const struct scan_xattr *scan_xattr_get(const struct scan_file *f, const char *name)
{
	for (size_t k = 0; k < f->n_xattrs; k++)
		if (strcmp(f->xattrs[k].name, name) == 0)
			return &f->xattrs[k];
	return NULL;
}

/* The entry's extended attributes, copied into f. */
static int copy_xattrs(const struct img_layer_entry *ent, struct scan_file *f, struct brig_err *e)
{
	_cleanup_free_ struct img_xattr *v = NULL;
	size_t n = 0;
	if (img_layer_entry_xattrs(ent, &v, &n) < 0 ||
	    (n && !(f->xattrs = calloc(n, sizeof(*f->xattrs)))))
		return brig_err_oom(e);
	for (size_t k = 0; k < n; k++) {
		struct scan_xattr *x = &f->xattrs[f->n_xattrs];
		x->name = strdup(v[k].name);
		x->val = malloc(v[k].size ? v[k].size : 1);
		if (!x->name || !x->val) {
			free(x->name);
			free(x->val);
			return brig_err_oom(e);
		}
		if (v[k].size)
			memcpy(x->val, v[k].val, v[k].size);
		x->size = v[k].size;
		f->n_xattrs++;
	}
	return 0;
}

/* Remove path's entries beneath prefix ("DIR/"), from layers before
 * below_layer only when below_layer is set (an opaque directory). */
static void remove_under(struct scan_fs *fs, const char *prefix, bool below_only)
{
	size_t n = strlen(prefix);
	const char *key;
	json_t *val, *tmp;
	json_object_foreach_safe(fs->map, tmp, key, val)
	{
		size_t i = (size_t)json_integer_value(val);
		if (strncmp(key, prefix, n) != 0 || (below_only && fs->layer_of[i] >= fs->layer))
			continue;
		fs->v[i].gone = true;
		json_object_del(fs->map, key);
	}
}

static void remove_path(struct scan_fs *fs, const char *path)
{
	json_t *i = json_object_get(fs->map, path);
	if (i) {
		fs->v[json_integer_value(i)].gone = true;
		json_object_del(fs->map, path);
	}
	char prefix[PATH_MAX + 2];
	if (brig_snprintf(prefix, sizeof(prefix), "%s/", path) >= 0)
		remove_under(fs, prefix, false);
}

static int whiteout(struct scan_fs *fs, const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t dl = slash ? (size_t)(slash - path) : 0;
	const char *base = slash ? slash + 1 : path;
	memcpy(dir, path, dl);
	dir[dl] = '\0';
	char target[PATH_MAX + 2];
	if (strcmp(base, ".wh..wh..opq") == 0) {
		(void)brig_snprintf(target, sizeof(target), "%s%s", dir, dl ? "/" : "");
		remove_under(fs, target, true);
	} else if (strncmp(base, ".wh..wh.", 8) != 0) { /* AUFS metadata: ignored */
		(void)brig_snprintf(target, sizeof(target), "%s%s%s", dir, dl ? "/" : "", base + 4);
		remove_path(fs, target);
	}
	return 0;
}

static int slot(struct scan_fs *fs, struct brig_err *e)
{
	if (fs->n < fs->cap)
		return 0;
	size_t cap = fs->cap ? fs->cap * 2 : 1024;
	struct scan_file *v = realloc(fs->v, cap * sizeof(*v));
	if (v)
		fs->v = v;
	size_t *l = realloc(fs->layer_of, cap * sizeof(*l));
	if (l)
		fs->layer_of = l;
	if (!v || !l)
		return brig_err_oom(e);
	fs->cap = cap;
	return 0;
}

/* Read up to max bytes of the entry's data. */
static int read_data(const struct img_layer_entry *ent, size_t max, char **out, size_t *len,
		     struct brig_err *e)
{
	size_t want = ent->size < max ? (size_t)ent->size : max;
	char *buf = malloc(want + 1);
	size_t got = 0;
	if (!buf)
		return brig_err_oom(e);
	while (got < want) {
		ssize_t n = img_layer_entry_read(ent, buf + got, want - got);
		if (n < 0) {
			free(buf);
			return brig_err_sys(e, (int)-n, "reading %s", ent->path);
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	*out = buf;
	*len = got;
	return 0;
}

/* A regular file's contents: kept (package databases) or sniffed. */
static int file_data(const struct img_layer_entry *ent, struct scan_file *f, struct brig_err *e)
{
	size_t max = 0;
	if (ent->type != 'f')
		return 0;
	bool keep = scan_keep_data(ent->path, &max);
	if (keep && ent->size > max)
		return brig_err_set(e, -EFBIG, "/%s: larger than %zu bytes", ent->path, max);
	int r = read_data(ent, keep ? max : SNIFF_MAX, &f->data, &f->len, e);
	if (r < 0)
		return r;
	f->flags = scan_sniff(ent->path, f->data, f->len);
	if (!keep) {
		free(f->data);
		f->data = NULL;
		f->len = 0;
	}
	return 0;
}

static int visit(void *arg, const struct img_layer_entry *ent, struct brig_err *e)
{
	struct scan_fs *fs = arg;
	if (ent->path[0] == '\0')
		return 0;
	if (ent->type == 'w')
		return whiteout(fs, ent->path);
	const struct scan_file *old = scan_fs_get(fs, ent->path);
	if (old && ent->type != 'd')
		remove_path(fs, ent->path);
	int r = slot(fs, e);
	if (r < 0)
		return r;
	struct scan_file *f = &fs->v[fs->n];
	*f = (struct scan_file){ .type = ent->type,
				 .mode = ent->mode,
				 .uid = ent->uid,
				 .gid = ent->gid,
				 .size = ent->size };
	if (!(f->path = strdup(ent->path)))
		return brig_err_oom(e);
	char link[PATH_MAX];
	if (ent->type == 'h' && ent->link &&
	    (brig_path_clean(ent->link, BRIG_PATH_CLAMP, link, sizeof(link)) < 0 ||
	     !(f->link = strdup(link)))) {
		free(f->path);
		return brig_err_set(e, -EINVAL, "/%s: bad hard link target", ent->path);
	}
	fs->layer_of[fs->n] = fs->layer;
	fs->n++;
	if ((r = copy_xattrs(ent, f, e)) < 0 || (r = file_data(ent, f, e)) < 0)
		return r;
	if (old && ent->type == 'd')
		fs->v[json_integer_value(json_object_get(fs->map, ent->path))].gone = true;
	if (json_object_set_new_nocheck(fs->map, ent->path, json_integer((json_int_t)fs->n - 1)) <
	    0)
		return brig_err_oom(e);
	return 0;
}

static int walk_layer(struct img_store *s, const struct img_descriptor *d, struct scan_fs *fs,
		      struct brig_err *e)
{
	_cleanup_close_ int fd = -1;
	struct img_unpack_opts o = { .visit = visit, .visit_arg = fs };
	struct img_unpack_result res;
	int r = img_blob_open(s, d->digest, false, &fd, e);
	if (r < 0)
		return r;
	r = img_layer_unpack(fd, -1, &o, &res, e);
	if (r == 0 && strcmp(res.digest, d->digest) != 0)
		r = brig_err_set(e, -EIO, "layer %s: its content hashes to %s", d->digest,
				 res.digest);
	img_unpack_result_clear(&res);
	return r;
}

int scan_fs_load(struct img_store *s, const struct img_manifest *m, struct scan_fs *fs,
		 struct brig_err *e)
{
	memset(fs, 0, sizeof(*fs));
	if (!(fs->map = json_object()))
		return brig_err_oom(e);
	for (size_t i = 0; i < m->n_layers; i++) {
		fs->layer = (unsigned)i;
		int r = walk_layer(s, &m->layers[i], fs, e);
		if (r < 0)
			return brig_err_wrap(e, "layer %zu (%s)", i + 1, m->layers[i].digest);
	}
	return 0;
}
