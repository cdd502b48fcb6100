/* SPDX-License-Identifier: Apache-2.0 */
/* trust: the Notary root: trust on first use or pinned, then the chain N.root.json walked version by version. */
#include "trust/notary-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Root keys must be certificates for this GUN (CN), valid now when final. */
static int root_certs(const struct notary_update *u, const struct tuf_doc *d,
		      const struct tuf_root *r, bool final, struct brig_err *e)
{
	for (char **k = r->root.keyids; *k; k++) {
		const struct tuf_key *key = tuf_keyset_find(&r->keys, *k);
		if (!key->cert)
			continue;
		/* an intermediate root's validity period is not checked */
		int rc = tuf_key_check_cert(key, d->file, u->o->gun, final ? u->o->now : 0, e);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int load_root(const struct notary_update *u, const char *file, char *raw, size_t len,
		     struct tuf_doc *d, struct tuf_root *r, struct brig_err *e)
{
	int rc = tuf_doc_load(d, file, raw, len, "Root", e);
	if (rc == 0)
		rc = tuf_root_parse(d, r, e);
	if (rc == 0)
		rc = root_certs(u, d, r, false, e);
	if (rc == 0)
		rc = tuf_check_sigs(d, &r->keys, &r->root, e);
	return rc;
}

/* The first trusted root: the state's, the pinned one, or the oldest the
 * source has (trust on first use): the served root.json (cur) itself when
 * it is version 1, else 1.root.json (else cur). */
static int first_root(struct notary_update *u, const struct tuf_doc *cur, struct tuf_doc *d,
		      struct tuf_root *r, struct brig_err *e)
{
	char *raw = NULL;
	size_t len = 0;
	int rc = 1;
	const char *file = "root.json";
	if (u->trusted_raw) {
		file = "trusted root.json";
		raw = brig_memdupz(u->trusted_raw, len = u->trusted_len);
		rc = raw ? 0 : brig_err_oom(e);
	} else if (u->o->pinned_root) {
		file = u->o->pinned_root;
		rc = brig_read_file(AT_FDCWD, file, TUF_MAX_ROOT, &raw, &len, e);
	} else if (cur->version > 1) {
		file = "1.root.json";
		rc = u->src->get(u->src->ctx, file, TUF_MAX_ROOT, &raw, &len, e);
	}
	if (rc == 1) {
		file = "root.json";
		raw = brig_memdupz(cur->raw, len = cur->len);
		rc = raw ? 0 : brig_err_oom(e);
	}
	if (rc < 0)
		return rc;
	return load_root(u, file, raw, len, d, r, e);
}

/* next (version old+1) must be signed by a threshold of old's root keys
 * and of its own. */
static int next_root(const struct tuf_root *old, int64_t oldv, struct tuf_doc *d,
		     struct brig_err *e)
{
	if (d->version != oldv + 1)
		return brig_err_set(
			e, -EKEYREJECTED,
			"%s: version %lld does not follow the trusted root's %lld (root "
			"chain skips a version)",
			d->file, (long long)d->version, (long long)oldv);
	int rc = tuf_check_sigs(d, &old->keys, &old->root, e);
	if (rc < 0)
		return brig_err_wrap(e, "root rotation not signed by the previous root (v%lld)",
				     (long long)oldv);
	return 0;
}

static void keep(struct notary_update *u, struct tuf_doc *d, struct tuf_root *r)
{
	tuf_doc_clear(&u->rootdoc);
	tuf_root_clear(&u->root);
	u->rootdoc = *d;
	u->root = *r;
	memset(d, 0, sizeof(*d));
	memset(r, 0, sizeof(*r));
}

static bool same_keys(const struct tuf_role *a, const struct tuf_role *b)
{
	size_t n = brig_strv_len(a->keyids);
	if (n != brig_strv_len(b->keyids) || a->threshold != b->threshold)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(a->keyids[i], b->keyids[i]))
			return false;
	return true;
}

/* One step: file (already read) as the successor of the trusted root. */
static int step(struct notary_update *u, const char *file, char *raw, size_t len,
		struct brig_err *e)
{
	struct tuf_doc d = { 0 };
	struct tuf_root r = { 0 };
	int rc = load_root(u, file, raw, len, &d, &r, e);
	if (rc == 0)
		rc = next_root(&u->root, u->rootdoc.version, &d, e);
	if (rc == 0) {
		/* new timestamp or snapshot keys: what the old keys signed is
		 * no longer a floor (fast-forward recovery) */
		if (!same_keys(&r.timestamp, &u->root.timestamp))
			u->seen.timestamp = u->seen.snapshot = 0;
		if (!same_keys(&r.snapshot, &u->root.snapshot))
			u->seen.snapshot = 0;
		keep(u, &d, &r);
	}
	tuf_doc_clear(&d);
	tuf_root_clear(&r);
	return rc;
}

/* N.root.json for N = trusted+1, ... below last, until one is missing. */
static int walk_chain(struct notary_update *u, int64_t last, struct brig_err *e)
{
	while (u->rootdoc.version + 1 < last) {
		char file[64], *raw = NULL;
		size_t len = 0;
		snprintf(file, sizeof(file), "%lld.root.json", (long long)u->rootdoc.version + 1);
		int rc = u->src->get(u->src->ctx, file, TUF_MAX_ROOT, &raw, &len, e);
		if (rc == 1)
			return 0;
		if (rc == 0)
			rc = step(u, file, raw, len, e);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* The source's root.json (cur): the trusted root itself, or a newer one
 * reached version by version. */
static int current_root(struct notary_update *u, const struct tuf_doc *cur, struct brig_err *e)
{
	if (cur->len == u->rootdoc.len && !memcmp(cur->raw, u->rootdoc.raw, cur->len))
		return 0;
	int64_t v = cur->version;
	if (v < u->rootdoc.version)
		return brig_err_set(e, -EKEYREJECTED,
				    "root.json: version %lld is older than the trusted root's %lld "
				    "(rollback)",
				    (long long)v, (long long)u->rootdoc.version);
	if (v == u->rootdoc.version)
		return brig_err_set(e, -EKEYREJECTED,
				    "root.json: version %lld differs from the trusted root of that "
				    "version",
				    (long long)v);
	int rc = walk_chain(u, v, e);
	char *raw = rc == 0 ? brig_memdupz(cur->raw, cur->len) : NULL;
	if (rc == 0 && !raw)
		rc = brig_err_oom(e);
	return rc < 0 ? rc : step(u, "root.json", raw, cur->len, e);
}

/* The served root.json, parsed only as far as its version. */
static int served_root(struct notary_update *u, struct tuf_doc *cur, struct brig_err *e)
{
	char *raw = NULL;
	size_t len = 0;
	int rc = notary_read(u, "root.json", TUF_MAX_ROOT, &raw, &len, e);
	return rc < 0 ? rc : tuf_doc_load(cur, "root.json", raw, len, "Root", e);
}

int notary_root_update(struct notary_update *u, struct brig_err *e)
{
	struct tuf_doc d = { 0 }, cur = { 0 };
	struct tuf_root r = { 0 };
	/* a trusted or pinned root is checked while the source is still
	 * fetching root.json; only trust on first use needs it first */
	bool ours = u->trusted_raw || u->o->pinned_root;
	int rc = ours ? first_root(u, NULL, &d, &r, e) : served_root(u, &cur, e);
	if (rc == 0)
		rc = ours ? served_root(u, &cur, e) : first_root(u, &cur, &d, &r, e);
	if (rc == 0)
		keep(u, &d, &r);
	tuf_doc_clear(&d);
	tuf_root_clear(&r);
	if (rc == 0)
		rc = current_root(u, &cur, e);
	tuf_doc_clear(&cur);
	if (rc == -EKEYREJECTED && u->trusted_raw)
		brig_err_wrap(e,
			      "REFUSED: the root served for %s is not a valid rotation of the root "
			      "trusted since its first use (%s/root.json, version %lld); if the "
			      "repository was re-created on purpose, remove that directory",
			      u->o->gun, u->o->state_dir, (long long)u->rootdoc.version);
	if (rc == 0)
		rc = root_certs(u, &u->rootdoc, &u->root, true, e);
	if (rc == 0)
		rc = notary_root_pinned(u->o, &u->rootdoc, &u->root, e);
	if (rc == 0)
		rc = notary_fresh(u, &u->rootdoc, "root", u->seen.root, e);
	if (rc == 0)
		u->got.root = u->rootdoc.version;
	return rc;
}
