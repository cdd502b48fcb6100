/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig scan --defang: a new image whose filesystem is the scanned image's
 * with the setuid and setgid bits, file capabilities (security.capability)
 * and the others-write bit (of files, and of directories without the
 * sticky bit) removed; other extended attributes are kept (docs/audit.md).
 *
 * One uncompressed layer is added on top: each such file again, with its
 * content read from the layer that gave it and its mode changed; each such
 * directory again; every directory above them with its own metadata (an
 * unpacker makes a missing parent 0755 root, which overlay would show over
 * the real one); a hard link to a changed file again, to the new file.
 * The layers below are not changed: the merged filesystem is what runs.
 */
#include "audit/scan-internal.h"

#include "image/libarchive-shim.h"
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define COPY_BLOCK (64 * 1024)

struct defang {
	const struct scan_fs *fs;
	mode_t *mode; /* per fs entry: the new mode, or (mode_t)-1 when kept */
	bool *nocaps; /* per fs entry: written again without security.capability */
	struct archive *a;
	size_t next; /* the fs index of the next entry of the walked layer */
	size_t changed;
};

static mode_t defanged(const struct scan_file *f)
{
	mode_t m = f->mode;
	if (f->type == 'f' || f->type == 'h')
		m &= ~(mode_t)06000;
	if ((f->type == 'f' || f->type == 'h' || f->type == 'd') && (m & 0002) &&
	    !(f->type == 'd' && (m & 01000)))
		m &= ~(mode_t)0002;
	return m;
}

/* A hard link's target: the file it names, live and given by the same
 * layer (else the link's inode is not that file's). */
static ssize_t link_target(const struct scan_fs *fs, size_t i)
{
	const struct scan_file *t = fs->v[i].link ? scan_fs_get(fs, fs->v[i].link) : NULL;
	if (!t || t->type != 'f')
		return -1;
	size_t ti = (size_t)(t - fs->v);
	return fs->layer_of[ti] == fs->layer_of[i] ? (ssize_t)ti : -1;
}

/* Choose what changes: d->mode[i] for each live entry whose mode does, and
 * the target of each such hard link (then the link too). */
static int choose(struct defang *d, struct brig_err *e)
{
	const struct scan_fs *fs = d->fs;
	for (size_t i = 0; i < fs->n; i++) {
		const struct scan_file *f = &fs->v[i];
		mode_t m = defanged(f);
		/* file capabilities are privilege too: they go with the setuid
		 * and setgid bits, and from any file that has them */
		d->nocaps[i] = !f->gone && f->type == 'f' && scan_xattr_get(f, SCAN_XATTR_CAPS);
		d->mode[i] = !f->gone && (m != f->mode || d->nocaps[i]) ? m : (mode_t)-1;
	}
	for (size_t i = 0; i < fs->n; i++) {
		if (fs->v[i].gone || fs->v[i].type != 'h')
			continue;
		ssize_t t = link_target(fs, i);
		bool risky = d->mode[i] != (mode_t)-1;
		if (t < 0 && risky)
			return brig_err_set(e, -ENOTSUP,
					    "/%s: a hard link whose file is not in its layer",
					    fs->v[i].path);
		if (t >= 0 && (risky || d->mode[t] != (mode_t)-1)) {
			d->mode[t] = defanged(&fs->v[t]);
			d->mode[i] = d->mode[t];
		}
	}
	for (size_t i = 0; i < fs->n; i++)
		d->changed += d->mode[i] != (mode_t)-1;
	return 0;
}

static int ar_fail(struct defang *d, const char *path, struct brig_err *e)
{
	return brig_err_set(e, -EIO, "writing the new layer: /%s: %s", path,
			    archive_error_string(d->a) ? archive_error_string(d->a) : "failed");
}

/* A header for fs entry f with mode m (type: AE_IFREG, AE_IFDIR), with
 * f's extended attributes (a hard link has its file's), but
 * security.capability when nocaps. */
static int header(struct defang *d, const struct scan_file *f, mode_t m, const char *hardlink,
		  bool nocaps, struct brig_err *e)
{
	struct archive_entry *ae = archive_entry_new();
	if (!ae)
		return brig_err_oom(e);
	for (size_t k = 0; !hardlink && k < f->n_xattrs; k++)
		if (!nocaps || strcmp(f->xattrs[k].name, SCAN_XATTR_CAPS) != 0)
			archive_entry_xattr_add_entry(ae, f->xattrs[k].name, f->xattrs[k].val,
						      f->xattrs[k].size);
	archive_entry_set_pathname(ae, f->path);
	archive_entry_set_filetype(ae, f->type == 'd' ? AE_IFDIR : AE_IFREG);
	archive_entry_set_perm(ae, m & 07777);
	archive_entry_set_uid(ae, f->uid);
	archive_entry_set_gid(ae, f->gid);
	archive_entry_set_mtime(ae, 0, 0);
	archive_entry_set_size(ae, f->type == 'f' && !hardlink ? (la_int64_t)f->size : 0);
	if (hardlink)
		archive_entry_set_hardlink(ae, hardlink);
	int r = archive_write_header(d->a, ae);
	archive_entry_free(ae);
	return r == ARCHIVE_OK ? 0 : ar_fail(d, f->path, e);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every live directory above a changed entry, and every changed
 * directory, in path order (a parent before its children). */
static int dirs(struct defang *d, struct brig_err *e)
{
	const struct scan_fs *fs = d->fs;
	_cleanup_json_ json_t *set = json_object();
	for (size_t i = 0; set && i < fs->n; i++) {
		if (d->mode[i] == (mode_t)-1)
			continue;
		char p[PATH_MAX];
		(void)brig_snprintf(p, sizeof(p), "%s", fs->v[i].path);
		if (fs->v[i].type == 'd')
			(void)json_object_set_new(set, p, json_true());
		for (char *s = strrchr(p, '/'); s; s = strrchr(p, '/')) {
			*s = '\0';
			(void)json_object_set_new(set, p, json_true());
		}
	}
	size_t n = set ? json_object_size(set) : 0, k = 0;
	_cleanup_free_ const char **v = calloc(n + 1, sizeof(*v));
	if (!set || !v)
		return brig_err_oom(e);
	const char *key;
	json_t *val;
	json_object_foreach(set, key, val) v[k++] = key;
	qsort(v, n, sizeof(*v), cmp_str);
	for (size_t j = 0; j < n; j++) {
		const struct scan_file *f = scan_fs_get(fs, v[j]);
		if (!f || f->type != 'd')
			continue; /* implied by the layers: nothing to copy */
		size_t i = (size_t)(f - fs->v);
		int r = header(d, f, d->mode[i] != (mode_t)-1 ? d->mode[i] : f->mode, NULL, false,
			       e);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The visitor of a layer walk: a changed regular file of this layer is
 * written again with its data. */
static int visit(void *arg, const struct img_layer_entry *ent, struct brig_err *e)
{
	struct defang *d = arg;
	if (ent->path[0] == '\0' || ent->type == 'w')
		return 0;
	size_t i = d->next++; /* fsview.c numbers entries in this order */
	if (i >= d->fs->n || strcmp(d->fs->v[i].path, ent->path) != 0)
		return brig_err_set(e, -EPROTO, "/%s: the layer changed since it was read",
				    ent->path);
	const struct scan_file *f = &d->fs->v[i];
	if (d->mode[i] == (mode_t)-1 || f->type != 'f')
		return 0;
	int r = header(d, f, d->mode[i], NULL, d->nocaps[i] || (f->mode & 06000), e);
	_cleanup_free_ char *buf = r == 0 ? malloc(COPY_BLOCK) : NULL;
	if (r == 0 && !buf)
		r = brig_err_oom(e);
	uint64_t left = f->size;
	while (r == 0 && left) {
		ssize_t n = img_layer_entry_read(ent, buf, COPY_BLOCK);
		if (n <= 0)
			return brig_err_sys(e, n < 0 ? (int)-n : EIO, "reading /%s", f->path);
		if ((uint64_t)n > left || archive_write_data(d->a, buf, (size_t)n) != n)
			return ar_fail(d, f->path, e);
		left -= (uint64_t)n;
	}
	return r;
}

/* Walk each layer that gave a changed regular file. */
static int files(struct defang *d, struct img_store *s, const struct img_manifest *m,
		 struct brig_err *e)
{
	const struct scan_fs *fs = d->fs;
	for (size_t l = 0, first = 0; l < m->n_layers; l++) {
		bool any = false;
		size_t end = first;
		while (end < fs->n && fs->layer_of[end] == l)
			any = any || (d->mode[end] != (mode_t)-1 && fs->v[end].type == 'f'), end++;
		if (any) {
			_cleanup_close_ int fd = -1;
			struct img_unpack_opts o = { .visit = visit, .visit_arg = d };
			struct img_unpack_result res = { 0 };
			d->next = first;
			int r = img_blob_open(s, m->layers[l].digest, false, &fd, e);
			if (r == 0)
				r = img_layer_unpack(fd, -1, &o, &res, e);
			img_unpack_result_clear(&res);
			if (r < 0)
				return brig_err_wrap(e, "layer %zu (%s)", l + 1,
						     m->layers[l].digest);
		}
		first = end;
	}
	return 0;
}

static int links(struct defang *d, struct brig_err *e)
{
	for (size_t i = 0; i < d->fs->n; i++) {
		const struct scan_file *f = &d->fs->v[i];
		if (d->mode[i] == (mode_t)-1 || f->type != 'h')
			continue;
		int r = header(d, f, d->mode[i], f->link, true, e);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The layer into fd (a new memory file). */
static int write_layer(struct defang *d, struct img_store *s, const struct img_manifest *m, int fd,
		       struct brig_err *e)
{
	d->a = archive_write_new();
	if (!d->a)
		return brig_err_oom(e);
	int r = archive_write_set_format_pax_restricted(d->a) == ARCHIVE_OK &&
			archive_write_open_fd(d->a, fd) == ARCHIVE_OK
		? 0
		: ar_fail(d, "", e);
	if (r == 0)
		r = dirs(d, e);
	if (r == 0)
		r = files(d, s, m, e);
	if (r == 0)
		r = links(d, e);
	if (r == 0 && archive_write_close(d->a) != ARCHIVE_OK)
		r = ar_fail(d, "", e);
	archive_write_free(d->a);
	d->a = NULL;
	return r;
}

/* The scanned image's config with the layer added: rootfs.diff_ids and a
 * history entry. */
static int new_config(struct img_store *s, const struct img_manifest *m, const char *diff_id,
		      size_t changed, json_t **out, struct brig_err *e)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r = img_blob_read(s, m->config.digest, IMG_CONFIG_MAX, &buf, &len, e);
	if (r < 0)
		return r;
	json_error_t je;
	_cleanup_json_ json_t *c = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	json_t *ids = json_object_get(json_object_get(c, "rootfs"), "diff_ids");
	if (!json_is_object(c) || !json_is_array(ids))
		return brig_err_set(e, -EINVAL, "config %s: rootfs.diff_ids missing",
				    m->config.digest);
	char now[32], comment[96];
	time_t t = time(NULL);
	struct tm tm;
	if (!gmtime_r(&t, &tm) || !strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm))
		return brig_err_set(e, -EINVAL, "the time cannot be formatted");
	(void)snprintf(comment, sizeof(comment),
		       "setuid, setgid, others-write bits and file capabilities removed from "
		       "%zu paths",
		       changed);
	json_t *hist = json_object_get(c, "history");
	if (!json_is_array(hist) && json_object_set_new(c, "history", hist = json_array()) < 0)
		return brig_err_oom(e);
	if (json_array_append_new(ids, json_string(diff_id)) < 0 ||
	    json_array_append_new(hist,
				  json_pack("{s:s,s:s,s:s}", "created", now, "created_by",
					    "brig scan --defang", "comment", comment)) < 0 ||
	    json_object_set_new(c, "created", json_string(now)) < 0)
		return brig_err_oom(e);
	*out = brig_steal_ptr(c);
	return 0;
}

/* Store the layer in fd, the config and the manifest; name it ref. */
static int put(struct img_store *s, const struct img_manifest *m, int fd, size_t changed,
	       const char *ref, char image_id[IMG_DIGEST_SIZE], struct brig_err *e)
{
	struct img_descriptor *v = calloc(m->n_layers + 1, sizeof(*v));
	if (!v)
		return brig_err_oom(e);
	memcpy(v, m->layers, m->n_layers * sizeof(*v)); /* shallow: only read */
	struct img_descriptor *l = &v[m->n_layers];
	*l = (struct img_descriptor){ .info.comp = IMG_COMP_NONE };
	_cleanup_json_ json_t *cfg = NULL;
	struct img_descriptor md = { 0 };
	int r = lseek(fd, 0, SEEK_SET) < 0 ? brig_err_sys(e, errno, "rewinding the new layer") : 0;
	if (r == 0)
		r = img_blob_put_fd(s, fd, NULL, l->digest, &l->size, e);
	/* uncompressed: the layer's digest is its diff_id */
	if (r == 0)
		r = new_config(s, m, l->digest, changed, &cfg, e);
	if (r == 0)
		r = img_store_put_image(s, cfg, v, m->n_layers + 1, image_id, &md, e);
	if (r == 0)
		r = img_store_tag(s, &md, ref, e);
	img_descriptor_clear(&md);
	free(v);
	return r;
}

int audit_defang_image(struct img_store *s, const struct img_descriptor *manifest, const char *ref,
		       char image_id[IMG_DIGEST_SIZE], size_t *changed, struct brig_err *e)
{
	struct img_manifest m = { 0 };
	struct scan_fs fs = { 0 };
	struct defang d = { .fs = &fs };
	_cleanup_close_ int fd = -1;
	int r = img_store_lease(s, e);
	if (r == 0)
		r = img_store_load_manifest(s, manifest, &m, e);
	if (r == 0)
		r = scan_fs_load(s, &m, &fs, e);
	if (r == 0 &&
	    (!(d.mode = calloc(fs.n + 1, sizeof(*d.mode))) ||
	     !(d.nocaps = calloc(fs.n + 1, sizeof(*d.nocaps)))))
		r = brig_err_oom(e);
	if (r == 0)
		r = choose(&d, e);
	*changed = d.changed;
	if (r == 0 && d.changed == 0) {
		/* nothing to change: the same image under the new name */
		r = img_store_tag(s, manifest, ref, e);
		if (r == 0)
			(void)snprintf(image_id, IMG_DIGEST_SIZE, "%s", m.config.digest);
	} else if (r == 0) {
		fd = memfd_create("brig-defang", MFD_CLOEXEC);
		r = fd < 0 ? brig_err_sys(e, errno, "memfd_create") : write_layer(&d, s, &m, fd, e);
		if (r == 0)
			r = put(s, &m, fd, d.changed, ref, image_id, e);
	}
	free(d.mode);
	free(d.nocaps);
	scan_fs_clear(&fs);
	img_manifest_clear(&m);
	return r;
}
