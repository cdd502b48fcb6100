/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store's gc as `brig image prune` and `brig system prune` run it: the
 * image store's blob gc, then the unpacked layers (ROOT/layers/<diff_id
 * hex>) that no image of the store and no container needs, and what a
 * killed command left: ROOT/layers/.tmp-* (an unpack), ROOT/containers/
 * .tmp-* (a create) and .rm-* (an rm).  It holds the store's ingest lease
 * exclusively throughout (no load is under way, so no layer is being
 * unpacked or published by one) and ROOT/names.lock (no container is being
 * made visible or removed meanwhile), taken in that order.
 */
#include "engine/engine-internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LAYER_HEX_LEN 64

struct lprune {
	bool dry_run;
	json_t *needed; /* diff_id -> true: what images and containers use */
	json_t *layers; /* removed: [{"diffId","size"}] */
	json_t *leftovers; /* removed: [{"path","size"}] */
	uint64_t bytes;
};

/* Disk usage of dirfd/name (not following symlinks): brig_du. */
static uint64_t tree_bytes(int at, const char *name)
{
	uint64_t bytes = 0;
	(void)brig_du(at, name, &bytes, NULL);
	return bytes;
}

static bool is_layer_name(const char *n)
{
	size_t i;
	for (i = 0; n[i]; i++)
		if (!((n[i] >= '0' && n[i] <= '9') || (n[i] >= 'a' && n[i] <= 'f')))
			return false;
	return i == LAYER_HEX_LEN;
}

static bool has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

/* Every "Brig": {"Layers": [{"diffId"}]} of the container records. */
static int add_container_layers(json_t *needed, const json_t *records, struct brig_err *e)
{
	size_t i, j;
	json_t *rec, *l;
	json_array_foreach(records, i, rec)
	{
		json_t *layers = json_object_get(json_object_get(rec, "Brig"), "Layers");
		json_array_foreach(layers, j, l)
		{
			const char *d = json_string_value(json_object_get(l, "diffId"));
			if (d && json_object_set_new(needed, d, json_true()) < 0)
				return brig_err_oom(e);
		}
	}
	return 0;
}

/* The names in dirfd (sorted, so the report is stable). */
static int dir_names(int dirfd, const char *what, json_t **out, struct brig_err *e)
{
	int fd = BRIG_RETRY(openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		int r = brig_err_sys(e, errno, "reading %s", what);
		if (fd >= 0)
			(void)close(fd);
		return r;
	}
	json_t *names = json_array();
	struct dirent *de;
	int r = names ? 0 : brig_err_oom(e);
	while (r == 0 && (errno = 0, de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
		    json_array_append_new(names, json_string(de->d_name)) < 0)
			r = brig_err_oom(e);
	if (r == 0 && errno != 0)
		r = brig_err_sys(e, errno, "reading %s", what);
	(void)closedir(d);
	if (r < 0) {
		json_decref(names);
		return r;
	}
	*out = names;
	return 0;
}

/* Remove dirfd/name (unless dry run) and report it in list under key. */
static int remove_one(struct lprune *p, int dirfd, const char *name, json_t *list, const char *key,
		      const char *label, struct brig_err *e)
{
	uint64_t bytes = tree_bytes(dirfd, name);
	if (!p->dry_run && brig_rm_rf(dirfd, name, e) < 0)
		return brig_err_wrap(e, "removing %s", label);
	p->bytes += bytes;
	json_t *item = json_pack("{s:s, s:I}", key, label, "size", (json_int_t)bytes);
	if (!item || json_array_append_new(list, item) < 0)
		return brig_err_oom(e);
	return 0;
}

static int sweep_layers(struct lprune *p, int fd, struct brig_err *e)
{
	_cleanup_json_ json_t *names = NULL;
	int r = dir_names(fd, "layers", &names, e);
	size_t i;
	json_t *v;
	json_array_foreach(r == 0 ? names : NULL, i, v)
	{
		const char *n = json_string_value(v);
		char label[LAYER_HEX_LEN + 16];
		struct stat st;
		if (fstatat(fd, n, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
			continue;
		if (is_layer_name(n)) {
			(void)snprintf(label, sizeof(label), "sha256:%s", n);
			if (!json_object_get(p->needed, label))
				r = remove_one(p, fd, n, p->layers, "diffId", label, e);
		} else if (has_prefix(n, ".tmp-")) {
			(void)snprintf(label, sizeof(label), "layers/%.*s", LAYER_HEX_LEN, n);
			r = remove_one(p, fd, n, p->leftovers, "path", label, e);
		}
		if (r < 0)
			break;
	}
	return r;
}

/* containers/.tmp-* and .rm-*: made and removed under names.lock, which
 * the caller holds. */
static int sweep_containers(struct lprune *p, int fd, struct brig_err *e)
{
	_cleanup_json_ json_t *names = NULL;
	int r = dir_names(fd, "containers", &names, e);
	size_t i;
	json_t *v;
	json_array_foreach(r == 0 ? names : NULL, i, v)
	{
		const char *n = json_string_value(v);
		char label[LAYER_HEX_LEN + 32];
		if (!has_prefix(n, ".tmp-") && !has_prefix(n, ".rm-"))
			continue;
		(void)snprintf(label, sizeof(label), "containers/%.*s", LAYER_HEX_LEN + 8, n);
		if ((r = remove_one(p, fd, n, p->leftovers, "path", label, e)) < 0)
			break;
	}
	return r;
}

/* Open rootfd/name as a directory: its fd, -ENOENT quietly when absent. */
static int open_sub(int rootfd, const char *name, struct brig_err *e)
{
	int fd = BRIG_RETRY(openat(rootfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	if (fd < 0 && errno != ENOENT)
		return brig_err_sys(e, errno, "opening %s", name);
	return fd < 0 ? -ENOENT : fd;
}

/* Under names.lock: what containers use, then the sweeps. */
static int sweep_locked(struct eng *g, struct lprune *p, struct brig_err *e)
{
	_cleanup_json_ json_t *records = NULL;
	int r = eng_list(g, &records, e);
	if (r < 0 || (r = add_container_layers(p->needed, records, e)) < 0)
		return r;
	_cleanup_close_ int layers = open_sub(g->rootfd, "layers", e);
	if (layers < 0 && layers != -ENOENT)
		return layers;
	if (layers >= 0 && (r = sweep_layers(p, layers, e)) < 0)
		return r;
	_cleanup_close_ int ctrs = open_sub(g->rootfd, "containers", e);
	if (ctrs < 0 && ctrs != -ENOENT)
		return ctrs;
	return ctrs >= 0 ? sweep_containers(p, ctrs, e) : 0;
}

static int prune_layers(struct eng *g, struct img_store *s, struct lprune *p, struct brig_err *e)
{
	int r = img_store_lease_exclusive(s, e);
	if (r < 0 || (r = img_store_diff_ids(s, &p->needed, e)) < 0)
		return r;
	_cleanup_close_ int lock = eng_names_lock(g, e);
	if (lock < 0)
		return lock;
	return sweep_locked(g, p, e);
}

/* Add the layer part to gc's report. */
static int report_layers(json_t *rep, struct lprune *p, struct brig_err *e)
{
	if (json_object_set(rep, "removed_layers", p->layers) < 0 ||
	    json_object_set(rep, "removed_leftovers", p->leftovers) < 0 ||
	    json_object_set_new(rep, "layers_reclaimed_bytes", json_integer((json_int_t)p->bytes)) <
		    0)
		return brig_err_oom(e);
	return 0;
}

int eng_store_prune(struct eng *g, bool dry_run, json_t **rep, struct brig_err *e)
{
	struct img_store *s = NULL;
	struct lprune p = { .dry_run = dry_run, .layers = json_array(), .leftovers = json_array() };
	int r = p.layers && p.leftovers ? 0 : brig_err_oom(e);
	if (r == 0)
		r = eng_store(g, &s, e);
	if (r == 0)
		r = img_store_gc(s, dry_run, rep, e);
	if (r == 0 && (r = prune_layers(g, s, &p, e)) < 0)
		brig_err_wrap(e, "removing unpacked layers (the blob gc is done)");
	if (r == 0)
		r = report_layers(*rep, &p, e);
	json_decref(p.needed);
	json_decref(p.layers);
	json_decref(p.leftovers);
	return r;
}
