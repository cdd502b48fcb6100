/* SPDX-License-Identifier: Apache-2.0 */
/*
 * User namespaces by default (--userns=auto): every container gets its own
 * range of 65536 subordinate ids, so root in one container is an
 * unprivileged uid on the host, and no two containers share ids.
 *
 * The ranges come from the /etc/subuid and /etc/subgid entries of the user
 * "brig" (the engine config's subid-user; scripts/setup.sh makes them): slot k is the k-th block of 65536
 * ids of those entries.  A slot is unique host-wide: the registry shared
 * by every store (userns_reg.c) says which container of which store holds
 * it.  ROOT/userns/<k> is also a symlink to the id of the container that
 * holds slot k in this store, made with symlinkat() under names.lock (and
 * the registry's lock), and removed with the container.  The image's layers are shared, not chowned:
 * they are mounted idmapped into the container's overlay.
 */
#include "engine/engine-internal.h"
#include "engine/config/engine-config.h"
#include "brig-mutant.h"

#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SUBID_MAX ((size_t)1 << 20)
/* The first "USER:START:COUNT" entry of a subordinate id file. */
static int subid_range(const char *file, const char *user, uint64_t *start, uint64_t *count,
		       struct brig_err *e)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r = brig_read_file(AT_FDCWD, file, SUBID_MAX, &buf, &len, e);
	if (r < 0)
		return r == -ENOENT ? brig_err_set(e, -ENOENT,
						   "%s is missing: run scripts/setup.sh "
						   "or use --userns=host",
						   file)
				    : r;
	char *save = NULL;
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *a = strchr(l, ':'), *b = a ? strchr(a + 1, ':') : NULL;
		if (!b)
			continue;
		*a = *b = '\0';
		if (strcmp(l, user) != 0)
			continue;
		if (brig_parse_u64(a + 1, start) < 0 || brig_parse_u64(b + 1, count) < 0 ||
		    *start == 0 || *start + *count > 0xffffffffULL)
			return brig_err_set(e, -EINVAL, "%s: the entry of %s is not START:COUNT",
					    file, user);
		return 0;
	}
	return brig_err_set(e, -ENOENT,
			    "%s has no subordinate ids for the user %s: run "
			    "scripts/setup.sh or use --userns=host",
			    file, user);
}

/* Is slot link's container still there (made or being made)? */
static bool slot_taken(struct eng *g, const char *owner)
{
	char tmp[ENG_ID_LEN + 8];
	(void)snprintf(tmp, sizeof(tmp), ".tmp-%s", owner);
	return faccessat(g->ctrsfd, owner, F_OK, AT_SYMLINK_NOFOLLOW) == 0 ||
		faccessat(g->ctrsfd, tmp, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

static int claim_slot(struct eng *g, int dirfd, uint64_t slot, const char *id, struct brig_err *e)
{
	char name[32], owner[ENG_ID_LEN + 2];
	(void)snprintf(name, sizeof(name), "%llu", (unsigned long long)slot);
	if (symlinkat(id, dirfd, name) == 0)
		return 1;
	if (errno != EEXIST)
		return brig_err_sys(e, errno, "claiming user namespace slot %s", name);
	ssize_t n = readlinkat(dirfd, name, owner, sizeof(owner) - 1);
	if (n != ENG_ID_LEN)
		return 0;
	owner[n] = '\0';
	if (slot_taken(g, owner))
		return 0;
	if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
		return brig_err_sys(e, errno, "freeing the stale slot %s", name);
	return symlinkat(id, dirfd, name) == 0 ? 1 : 0;
}

/* The engine config's userns-remap: one fixed mapping for every container,
 * as Docker's daemon option (the report's advice). */
static int remap(struct eng *g, struct eng_userns *u, struct brig_err *e)
{
	const struct eng_config_remap *m = &g->cfg->userns_remap;
	if (m->kind == ENG_REMAP_IDS) {
		*u = (struct eng_userns){
			.enabled = true, .uid = m->uid, .gid = m->gid, .size = m->size, .slot = -1
		};
		return 0;
	}
	uint64_t us, uc, gs, gc;
	int r;
	if ((r = subid_range("/etc/subuid", m->user, &us, &uc, e)) < 0 ||
	    (r = subid_range("/etc/subgid", m->group ? m->group : m->user, &gs, &gc, e)) < 0)
		return brig_err_wrap(e, "userns-remap");
	uint64_t size = uc < gc ? uc : gc;
	*u = (struct eng_userns){ .enabled = true,
				  .uid = (uint32_t)us,
				  .gid = (uint32_t)gs,
				  .size = (uint32_t)(size > 0xfffffffeULL ? 0xfffffffeULL : size),
				  .slot = -1 };
	return 0;
}

bool eng_rootless(void)
{
	/* Read once: rootfs_userns.c's child is root in a user namespace of
	 * its own and must still act rootless. */
	static int rootless = -1;
	if (rootless < 0)
		rootless = geteuid() != 0;
	return rootless;
}

/* Whose /etc/subuid and /etc/subgid entries containers take their slots
 * from: the engine config's subid-user for root; rootless, the caller's
 * own (newuidmap/newgidmap map no one else's). */
static const char *subid_user(struct eng *g, char *buf, size_t size)
{
	if (!eng_rootless())
		return g->cfg->subid_user;
	struct passwd pw, *res = NULL;
	char pwbuf[4096];
	if (getpwuid_r(getuid(), &pw, pwbuf, sizeof(pwbuf), &res) != 0 || !res ||
	    brig_snprintf(buf, size, "%s", res->pw_name) < 0)
		(void)snprintf(buf, size, "%u", (unsigned)getuid());
	return buf;
}

/* The container id the caller's own id is mapped at (own_root). */
static uint32_t own_cid(const struct eng_userns *u, bool gid)
{
	return u->keep_id ? (gid ? u->root_gid : u->root_uid) : 0;
}

uint32_t eng_userns_to_host(const struct eng_userns *u, uint32_t cid, bool gid)
{
	if (!u->enabled)
		return cid;
	if (u->own_root && cid == own_cid(u, gid))
		return gid ? u->root_gid : u->root_uid;
	return (gid ? u->gid : u->uid) + cid;
}

bool eng_userns_from_host(const struct eng_userns *u, uint32_t host, bool gid, uint32_t *cid)
{
	uint32_t base = gid ? u->gid : u->uid;
	*cid = host;
	if (!u->enabled)
		return true;
	if (u->own_root && host == (gid ? u->root_gid : u->root_uid)) {
		*cid = own_cid(u, gid);
		return true;
	}
	/* the slot's id at the caller's place is no one's */
	if (host < base || host - base >= u->size ||
	    (u->own_root && host - base == own_cid(u, gid)))
		return false;
	*cid = host - base;
	return true;
}

/* Without own_root the slot; with it, the caller's id at its place (0, or
 * its own id with keep_id) and the slot's ids around it. */
size_t eng_userns_extents(const struct eng_userns *u, bool gid, uint32_t m[ENG_USERNS_EXTENTS][3])
{
	uint32_t base = gid ? u->gid : u->uid, own = own_cid(u, gid);
	size_t n = 0;
	if (!u->own_root) {
		m[0][0] = 0, m[0][1] = base, m[0][2] = u->size;
		return 1;
	}
	if (own > 0) {
		m[n][0] = 0, m[n][1] = base, m[n][2] = own < u->size ? own : u->size;
		n++;
	}
	m[n][0] = own, m[n][1] = gid ? u->root_gid : u->root_uid, m[n][2] = 1;
	n++;
	if (own + 1 < u->size) {
		m[n][0] = own + 1, m[n][1] = base + own + 1, m[n][2] = u->size - own - 1;
		n++;
	}
	return n;
}

/* Slot k of the subordinate ranges starting at us (uids) and gs (gids). */
static void slot_ids(struct eng_userns *u, uint64_t k, uint64_t us, uint64_t gs)
{
	*u = (struct eng_userns){ .enabled = true,
				  .slot = (long)k,
				  .uid = (uint32_t)(us + k * ENG_USERNS_SIZE),
				  .gid = (uint32_t)(gs + k * ENG_USERNS_SIZE),
				  .size = ENG_USERNS_SIZE };
	/* Rootless: the container's root is the caller (the store's files
	 * are the caller's), the other ids the slot's. */
	if (eng_rootless()) {
		u->own_root = true;
		u->root_uid = (uint32_t)getuid();
		u->root_gid = (uint32_t)getgid();
	}
}

int eng_userns_alloc(struct eng *g, const char *id, struct eng_userns *u, struct brig_err *e)
{
	if (g->cfg->userns_remap.kind != ENG_REMAP_NONE)
		return remap(g, u, e);
	uint64_t us, uc, gs, gc;
	int r;
	char namebuf[256];
	const char *user = subid_user(g, namebuf, sizeof(namebuf));
	if ((r = subid_range("/etc/subuid", user, &us, &uc, e)) < 0 ||
	    (r = subid_range("/etc/subgid", user, &gs, &gc, e)) < 0)
		return r;
	uint64_t slots = (uc < gc ? uc : gc) / ENG_USERNS_SIZE;
	if (slots == 0)
		return brig_err_set(e, -ENOSPC,
				    "the subordinate id ranges of %s hold fewer than %d ids", user,
				    ENG_USERNS_SIZE);
	if (mkdirat(g->rootfd, "userns", 0700) < 0 && errno != EEXIST)
		return brig_err_sys(e, errno, "creating %s/userns", g->root);
	_cleanup_close_ int dirfd = BRIG_RETRY(
		openat(g->rootfd, "userns", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	if (dirfd < 0)
		return brig_err_sys(e, errno, "opening %s/userns", g->root);
	_cleanup_close_ int lock = eng_names_lock(g, e);
	if (lock < 0)
		return lock;
	_cleanup_(eng_userns_reg_close) struct eng_userns_reg reg = { .dirfd = -1, .lockfd = -1 };
	if ((r = eng_userns_reg_open(g, &reg, e)) < 0)
		return r;
	for (uint64_t k = 0; k < slots; k++) {
		if (eng_userns_reg_taken(&reg, k))
			continue;
		if ((r = claim_slot(g, dirfd, k, id, e)) < 0)
			return r;
		if (r == 0)
			continue;
		if ((r = eng_userns_reg_claim(&reg, k, g->root, id, e)) < 0) {
			char name[32];
			(void)snprintf(name, sizeof(name), "%llu", (unsigned long long)k);
			(void)unlinkat(dirfd, name, 0);
			return r;
		}
		slot_ids(u, k, us, gs);
		return 0;
	}
	return brig_err_set(e, -ENOSPC, "every user namespace range (%llu) is in use",
			    (unsigned long long)slots);
}

/* --userns: auto (the engine config's default), host, or rootless keep-id
 * (auto with the caller's ids mapped to themselves). */
int eng_create_check(struct eng *g, const struct eng_create_opts *o, struct brig_err *e)
{
	const char *m = o->userns;
	bool keep_id = m && strcmp(m, "keep-id") == 0;
	if (m && strcmp(m, "auto") != 0 && strcmp(m, "host") != 0 && !keep_id)
		return brig_err_set(e, -EINVAL, "--userns: \"%s\": use auto, host or keep-id", m);
	if (keep_id && !eng_rootless())
		return brig_err_set(e, -EINVAL,
				    "--userns=keep-id is for rootless brig: root's containers get "
				    "a range of ids of their own (give a bind source to the "
				    "container with -v SRC:DST:U)");
	if (keep_id && g->cfg->userns_remap.kind != ENG_REMAP_NONE)
		return brig_err_set(e, -EINVAL,
				    "--userns=keep-id cannot be used with the engine config's "
				    "userns-remap");
	return 0;
}

int eng_userns_choose(struct eng *g, const char *mode, const char *id, struct eng_userns *u,
		      struct brig_err *e)
{
#ifndef BRIG_MUTANT_NO_USERNS /* mutant build (make mutants): never a user namespace */
	if (mode ? strcmp(mode, "host") == 0 : g->cfg->userns != ENG_USERNS_AUTO)
		return 0;
	int r = eng_userns_alloc(g, id, u, e);
	u->keep_id = r == 0 && mode && strcmp(mode, "keep-id") == 0;
	return r;
#else
	(void)g, (void)mode, (void)id, (void)u, (void)e;
	return 0;
#endif
}

void eng_userns_release(struct eng *g, const char *id, const struct eng_userns *u)
{
	if (!u->enabled || u->slot < 0)
		return;
	char name[32], owner[ENG_ID_LEN + 2];
	(void)snprintf(name, sizeof(name), "userns/%ld", u->slot);
	ssize_t n = readlinkat(g->rootfd, name, owner, sizeof(owner) - 1);
	/* The host-wide registry is not written: its entry is stale once the
	 * container's directory is gone (userns_reg.c). */
	if (n != ENG_ID_LEN || memcmp(owner, id, ENG_ID_LEN) != 0)
		return;
	if (unlinkat(g->rootfd, name, 0) < 0 && errno != ENOENT)
		brig_warn("releasing user namespace slot %ld: %s", u->slot, strerror(errno));
}

json_t *eng_userns_json(const struct eng_userns *u)
{
	if (!u->enabled)
		return json_pack("{s:s}", "Mode", "host");
	json_t *o = json_pack("{s:s,s:I,s:I,s:I,s:I}", "Mode", u->keep_id ? "keep-id" : "auto",
			      "HostUid", (json_int_t)u->uid, "HostGid", (json_int_t)u->gid, "Size",
			      (json_int_t)u->size, "Slot", (json_int_t)u->slot);
	if (o && u->own_root &&
	    (json_object_set_new(o, "RootHostUid", json_integer(u->root_uid)) < 0 ||
	     json_object_set_new(o, "RootHostGid", json_integer(u->root_gid)) < 0)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* One mapping (eng_userns_extents) as linux.uidMappings or gidMappings. */
static json_t *idmaps(const struct eng_userns *u, bool gid)
{
	uint32_t m[ENG_USERNS_EXTENTS][3];
	size_t n = eng_userns_extents(u, gid, m);
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++)
		if (json_array_append_new(
			    a,
			    json_pack("{s:I,s:I,s:I}", "containerID", (json_int_t)m[i][0], "hostID",
				      (json_int_t)m[i][1], "size", (json_int_t)m[i][2])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

int eng_userns_spec(json_t *spec, const struct eng_userns *u, struct brig_err *e)
{
	if (!u->enabled)
		return 0;
	json_t *lx = json_object_get(spec, "linux");
	json_t *ns = json_object_get(lx, "namespaces");
	if (json_array_append_new(ns, json_pack("{s:s}", "type", "user")) < 0 ||
	    json_object_set_new(lx, "uidMappings", idmaps(u, false)) < 0 ||
	    json_object_set_new(lx, "gidMappings", idmaps(u, true)) < 0)
		return brig_err_set(e, -ENOMEM, "out of memory");
	return 0;
}

/* What `brig info` shows of the user namespaces: the mode, the subordinate
 * range containers get their slots from (or the fixed remap), the host-wide
 * registry of slots. */
json_t *eng_userns_info(struct eng *g)
{
	const struct eng_config *c = g->cfg;
	const struct eng_config_remap *m = &c->userns_remap;
	json_t *o = json_pack("{s:s,s:s,s:s,s:i}", "Mode",
			      c->userns == ENG_USERNS_HOST        ? "host"
				      : m->kind != ENG_REMAP_NONE ? "remap"
								  : "auto",
			      "SubidUser", c->subid_user ? c->subid_user : "", "Registry",
			      c->userns_registry ? c->userns_registry : "", "SlotSize",
			      ENG_USERNS_SIZE);
	struct eng_userns u = { 0 };
	_cleanup_err_ struct brig_err e = { 0 };
	uint64_t start = 0, count = 0;
	char namebuf[256];
	const char *su = subid_user(g, namebuf, sizeof(namebuf));
	if (o && json_object_set_new(o, "SubidUser", json_string(su ? su : "")) < 0)
		return json_decref(o), NULL;
	if (o && m->kind != ENG_REMAP_NONE && remap(g, &u, &e) == 0)
		(void)json_object_set_new(o, "Range",
					  json_pack("{s:I,s:I,s:I}", "HostUid", (json_int_t)u.uid,
						    "HostGid", (json_int_t)u.gid, "Size",
						    (json_int_t)u.size));
	else if (o && m->kind == ENG_REMAP_NONE && su &&
		 subid_range("/etc/subuid", su, &start, &count, &e) == 0)
		(void)json_object_set_new(o, "Range",
					  json_pack("{s:I,s:I}", "HostUid", (json_int_t)start,
						    "Size", (json_int_t)count));
	return o;
}
