/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trust: signing a tag as a delegate, as `docker trust sign` does for a
 * user who holds a signer's key but not the repository's targets key.
 * After the TUF update, root.json and targets.json are read again (the
 * versions that verified, signed as the root says); every delegation of
 * targets that names a certificate of one of the signer's keys, and whose
 * paths hold the tag, gets its document (as served, signed by its keys,
 * never older than what verified; a new one when the server has none)
 * with the tag added, signed by that key, and all of them are published
 * at once.  The server makes snapshot and timestamp.
 */
#include "trust/notary-sign-internal.h"
#include "trust/tuf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dg {
	struct pub *p;
	struct tuf_doc rd, td;
	struct tuf_root root;
	struct tuf_targets tgt;
	const char *roles[TUF_MAX_DELEGATIONS + 1];
	char *docs[TUF_MAX_DELEGATIONS + 1];
	size_t n;
};

int pub_reload(struct pub *p, const char *name, size_t max, const char *type, int64_t want,
	       const struct tuf_keyset *ks, const struct tuf_role *role, struct tuf_doc *d,
	       struct brig_err *e)
{
	char *raw = NULL;
	size_t len = 0;
	int r = pub_get(p, name, max, &raw, &len, e);
	if (r == 1)
		return brig_err_set(e, -ENOENT, "%s: the server has none", name);
	if (r == 0)
		r = tuf_doc_load(d, name, raw, len, type, e);
	if (r == 0 && d->version != want)
		return brig_err_set(e, -EAGAIN,
				    "%s: version %lld, not %lld as verified: changed on the "
				    "server while signing; try again",
				    name, (long long)d->version, (long long)want);
	return r == 0 && ks ? tuf_check_sigs(d, ks, role, e) : r;
}

/* The key ID role names for one of ks (its certificate's key), or NULL. */
static const char *signable(const struct tuf_targets *t, const struct tuf_role *role,
			    EVP_PKEY *const *ks, size_t n, EVP_PKEY **k)
{
	for (char **id = role->keyids; *id; id++) {
		const struct tuf_key *tk = tuf_keyset_find(&t->dkeys, *id);
		for (size_t i = 0; tk && tk->pk && i < n; i++)
			if (EVP_PKEY_eq(tk->pk, ks[i]) == 1) {
				*k = ks[i];
				return *id;
			}
	}
	return NULL;
}

static bool within(const struct tuf_role *role, const char *tag)
{
	for (char **p = role->paths; p && *p; p++)
		if (!strncmp(tag, *p, strlen(*p)))
			return true;
	return false;
}

/* sg with the tag, signed by k (ID id), to be published as role. */
static int add_doc(struct dg *g, const struct tuf_role *role, json_t *sg, EVP_PKEY *k,
		   const char *id, struct brig_err *e)
{
	size_t len = 0;
	int r = pub_set_target(g->p->o, sg, e);
	if (r == 0)
		r = tuf_envelope(sg, k, id, &g->docs[g->n], &len, e);
	if (r == 0)
		g->roles[g->n++] = role->name;
	return r;
}

static int sign_new(struct dg *g, const struct tuf_role *role, EVP_PKEY *k, const char *id,
		    struct brig_err *e)
{
	_cleanup_json_ json_t *sg = json_pack("{s:s,s:{s:{},s:[]},s:s,s:{},s:i}", "_type",
					      "Targets", "delegations", "keys", "roles", "expires",
					      "", "targets", "version", 0);
	return sg ? add_doc(g, role, sg, k, id, e) : brig_err_oom(e);
}

/* role's document with the tag, signed by k (ID id). */
static int sign_role(struct dg *g, const struct tuf_role *role, EVP_PKEY *k, const char *id,
		     struct brig_err *e)
{
	const struct notary_sign_opts *o = g->p->o;
	_cleanup_free_ char *file = NULL;
	char *raw = NULL;
	size_t len = 0;
	struct tuf_doc d = { 0 };
	if (asprintf(&file, "%s.json", role->name) < 0)
		return brig_err_oom(e);
	int64_t floor = !strcmp(role->name, "targets/releases") ? g->p->v.releases : 0;
	int r = tuf_key_check_cert(tuf_keyset_find(&g->tgt.dkeys, id), file, NULL, o->now, e);
	if (r == 0)
		r = pub_get(g->p, file, TUF_MAX_TARGETS, &raw, &len, e);
	_cleanup_json_ json_t *sg = NULL;
	if (r == 1 && floor > 0)
		return brig_err_set(e, -ENOENT, "%s: the server has none, version %lld verified",
				    file, (long long)floor);
	if (r == 1) /* the delegation's first document */
		return sign_new(g, role, k, id, e);
	if (r == 0)
		r = tuf_doc_load(&d, file, raw, len, "Targets", e);
	if (r == 0)
		r = tuf_check_sigs(&d, &g->tgt.dkeys, role, e);
	if (r == 0 && d.version < floor)
		r = brig_err_set(e, -EKEYREJECTED,
				 "%s: version %lld is lower than version %lld verified (rollback)",
				 file, (long long)d.version, (long long)floor);
	if (r == 0 && !(sg = json_deep_copy(d.sig)))
		r = brig_err_oom(e);
	tuf_doc_clear(&d);
	return r == 0 ? add_doc(g, role, sg, k, id, e) : r;
}

/* Docker's signable roles: targets' own delegations (targets/NAME). */
static int sign_all(struct dg *g, EVP_PKEY *const *ks, size_t n, struct brig_err *e)
{
	const struct notary_sign_opts *o = g->p->o;
	int r = 0;
	for (size_t i = 0; r == 0 && i < g->tgt.nd; i++) {
		const struct tuf_role *role = &g->tgt.droles[i];
		EVP_PKEY *k = NULL;
		const char *id = signable(&g->tgt, role, ks, n, &k);
		bool child = !strncmp(role->name, "targets/", 8) && !strchr(role->name + 8, '/');
		if (id && child && within(role, o->tag))
			r = sign_role(g, role, k, id, e);
	}
	if (r == 0 && g->n == 0)
		r = brig_err_set(e, -EPERM,
				 "targets.json: no delegation of %s names one of the store's "
				 "signer keys for \"%s\", and the store has no targets key for it",
				 o->gun, o->tag);
	return r;
}

int pub_sign_delegate(struct pub *p, EVP_PKEY *const *ks, size_t n, struct brig_err *e)
{
	struct dg g = { .p = p };
	int r = pub_reload(p, "root.json", TUF_MAX_ROOT, "Root", p->v.root, NULL, NULL, &g.rd, e);
	if (r == 0)
		r = tuf_root_parse(&g.rd, &g.root, e);
	if (r == 0)
		r = tuf_check_sigs(&g.rd, &g.root.keys, &g.root.root, e);
	if (r == 0)
		r = pub_reload(p, "targets.json", TUF_MAX_TARGETS, "Targets", p->v.targets,
			       &g.root.keys, &g.root.targets, &g.td, e);
	if (r == 0)
		r = tuf_targets_parse(&g.td, &g.tgt, e);
	if (r == 0)
		r = sign_all(&g, ks, n, e);
	if (r == 0)
		r = pub_post(p, g.roles, g.docs, e);
	for (size_t i = 0; i < g.n; i++)
		free(g.docs[i]);
	tuf_targets_clear(&g.tgt);
	tuf_root_clear(&g.root);
	tuf_doc_clear(&g.rd);
	tuf_doc_clear(&g.td);
	return r;
}
