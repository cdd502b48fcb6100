/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trust: the per-GUN trusted state: the pinned root (root.json), the
 * versions last seen (state.json) and the trusted copies of snapshot.json,
 * targets.json and targets-releases.json, each replaced atomically; a copy
 * is used again only when its bytes are the ones the newer timestamp or
 * snapshot lists, so a copy left by a crash is never trusted unchecked.
 */
#include "trust/notary-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STATE_MAX (64 * 1024)

static const char *const vnames[] = { "root",    "timestamp",        "snapshot",
				      "targets", "targets/releases", NULL };

static int64_t *vfield(struct notary_versions *v, size_t i)
{
	int64_t *f[] = { &v->root, &v->timestamp, &v->snapshot, &v->targets, &v->releases };
	return f[i];
}

static int parse_state(struct notary_update *u, const char *buf, size_t len, struct brig_err *e)
{
	static const char *const keys[] = { "gun", "versions", NULL };
	_cleanup_json_ json_t *j = NULL;
	json_t *vs = NULL;
	const char *gun = NULL;
	struct bj_loc at, vl;
	bj_root(&at, "state.json");
	bj_key(&vl, &at, "versions");
	int r = bj_parse(buf, len, "state.json", &j, e);
	if (r == 0)
		r = bj_only_keys(j, &at, keys, e);
	if (r == 0)
		r = bj_get_str(j, &at, "gun", true, &gun, e);
	if (r == 0 && strcmp(gun, u->o->gun))
		r = bj_fail(e, &at, "gun: the state is for \"%s\", not \"%s\"", gun, u->o->gun);
	if (r == 0)
		r = bj_get_obj(j, &at, "versions", true, &vs, e);
	if (r == 0)
		r = bj_only_keys(vs, &vl, vnames, e);
	for (size_t i = 0; r >= 0 && vnames[i]; i++)
		r = bj_get_int(vs, &vl, vnames[i], false, 0, INT64_MAX, vfield(&u->seen, i), e);
	return r < 0 ? r : 0;
}

int notary_state_load(struct notary_update *u, struct brig_err *e)
{
	int r = brig_mkdir_p(AT_FDCWD, u->o->state_dir, 0700, e);
	if (r < 0)
		return r;
	int dfd = u->statefd = open(u->o->state_dir,
				    O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd < 0)
		return brig_err_sys(e, errno, "%s", u->o->state_dir);
	/* one update of a GUN at a time: two interleaved ones could write
	 * versions lower than the newer one saw */
	u->lockfd = brig_lock_path(dfd, "lock", BRIG_LOCK_EXCLUSIVE, true, e);
	if (u->lockfd < 0)
		return u->lockfd;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	r = brig_read_file(dfd, "state.json", STATE_MAX, &buf, &len, e);
	if (r == -ENOENT) {
		brig_err_clear(e);
		return 0; /* first use */
	}
	if (r == 0)
		r = parse_state(u, buf, len, e);
	if (r == 0)
		r = brig_read_file(dfd, "root.json", TUF_MAX_ROOT, &u->trusted_raw, &u->trusted_len,
				   e);
	if (r < 0)
		return brig_err_wrap(e, "trusted state %s", u->o->state_dir);
	return 0;
}

static void cache_name(const char *file, char name[64])
{
	snprintf(name, 64, "%s", file);
	for (char *p = name; *p; p++)
		if (*p == '/')
			*p = '-';
}

int notary_cache_get(const struct notary_update *u, const char *file, const struct tuf_hashes *h,
		     char **raw, size_t *len, struct brig_err *e)
{
	char name[64];
	cache_name(file, name);
	_cleanup_err_ struct brig_err ce = { 0 };
	char *buf = NULL;
	size_t n = 0;
	int r = brig_read_file(u->statefd, name, h->length, &buf, &n, &ce);
	if (r == -ENOMEM)
		return brig_err_oom(e);
	if (r < 0 || tuf_hashes_match(h, file, buf, n, &ce) < 0) {
		free(buf);
		return 1;
	}
	*raw = buf;
	*len = n;
	return 0;
}

static int save_copies(const struct notary_update *u, struct brig_err *e)
{
	const struct tuf_doc *d[] = { &u->sn, &u->tg, u->has_rel ? &u->rel : NULL };
	const char *files[] = { "snapshot.json", "targets.json", "targets/releases.json" };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(d); i++) {
		char name[64];
		cache_name(files[i], name);
		if (!d[i] || !d[i]->json || u->cached[i])
			continue;
		/* not fsync'ed: a copy is a cache, used only when its bytes hash
		 * to what a verified document lists, so one a crash left short or
		 * empty is fetched again; root.json and state.json are durable */
		int r = brig_atomic_replace(u->statefd, name, d[i]->raw, d[i]->len, 0600, false, e);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool same_versions(const struct notary_versions *a, const struct notary_versions *b)
{
	return a->root == b->root && a->timestamp == b->timestamp && a->snapshot == b->snapshot &&
		a->targets == b->targets && a->releases == b->releases;
}

int notary_state_save(const struct notary_update *u, struct brig_err *e)
{
	struct notary_versions v = u->got;
	if (!u->has_rel)
		v.releases = u->seen.releases;
	bool same_root = u->trusted_raw && u->trusted_len == u->rootdoc.len &&
		!memcmp(u->trusted_raw, u->rootdoc.raw, u->trusted_len);
	int r = save_copies(u, e);
	if (r < 0 || (same_root && same_versions(&v, &u->seen)))
		return r < 0 ? brig_err_wrap(e, "trusted state %s", u->o->state_dir) : 0;
	_cleanup_json_ json_t *vs = json_object();
	for (size_t i = 0; vs && vnames[i]; i++)
		if (json_object_set_new(vs, vnames[i], json_integer(*vfield(&v, i))) < 0)
			return brig_err_oom(e);
	_cleanup_json_ json_t *j = vs ? json_pack("{s:s,s:O}", "gun", u->o->gun, "versions", vs)
				      : NULL;
	_cleanup_free_ char *text = j ? json_dumps(j, JSON_SORT_KEYS | JSON_INDENT(1)) : NULL;
	if (!text)
		return brig_err_oom(e);
	/* the root first: a crash between the two leaves versions that the
	 * newer root's metadata still satisfies */
	if (!same_root)
		r = brig_atomic_write(u->statefd, "root.json", u->rootdoc.raw, u->rootdoc.len, 0600,
				      e);
	if (r == 0)
		r = brig_atomic_write(u->statefd, "state.json", text, strlen(text), 0600, e);
	return r < 0 ? brig_err_wrap(e, "trusted state %s", u->o->state_dir) : 0;
}
