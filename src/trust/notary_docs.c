/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trust: a tag's Notary verification again, offline, from the documents
 * an update kept (root, targets, targets/releases): what create and run
 * judge from the record stored at the pull.  Also where a GUN's state
 * lives and which server a registry's Notary is.
 */
#include "trust/notary-internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct offline {
	struct tuf_doc root, tg, rel;
	struct tuf_root r;
	struct tuf_targets tgt, relt;
};

static void offline_clear(struct offline *f)
{
	tuf_doc_clear(&f->root);
	tuf_doc_clear(&f->tg);
	tuf_doc_clear(&f->rel);
	tuf_root_clear(&f->r);
	tuf_targets_clear(&f->tgt);
	tuf_targets_clear(&f->relt);
}

static int load(struct tuf_doc *d, const char *file, const char *raw, size_t len, const char *type,
		struct brig_err *e)
{
	char *copy = brig_memdupz(raw, len);
	if (!copy)
		return brig_err_oom(e);
	return tuf_doc_load(d, file, copy, len, type, e);
}

static int root_ok(const struct notary_opts *o, struct offline *f, struct brig_err *e)
{
	int r = tuf_root_parse(&f->root, &f->r, e);
	if (r == 0)
		r = tuf_check_sigs(&f->root, &f->r.keys, &f->r.root, e);
	for (char **k = f->r.root.keyids; r == 0 && *k; k++)
		r = tuf_key_check_cert(tuf_keyset_find(&f->r.keys, *k), f->root.file, o->gun, 0, e);
	return r == 0 ? notary_root_pinned(o, &f->root, &f->r, e) : r;
}

static const struct tuf_role *releases_of(const struct tuf_targets *t)
{
	for (size_t i = 0; i < t->nd; i++)
		if (!strcmp(t->droles[i].name, "targets/releases"))
			return &t->droles[i];
	return NULL;
}

static int releases_ok(struct offline *f, const char *raw, size_t len, struct brig_err *e)
{
	const struct tuf_role *role = releases_of(&f->tgt);
	if (!role)
		return brig_err_set(e, -EKEYREJECTED,
				    "targets.json: delegates nothing to targets/releases");
	int r = load(&f->rel, "targets/releases.json", raw, len, "Targets", e);
	if (r == 0)
		r = tuf_check_sigs(&f->rel, &f->tgt.dkeys, role, e);
	return r == 0 ? tuf_targets_parse(&f->rel, &f->relt, e) : r;
}

int notary_verify_docs(const struct notary_opts *o, char *const docs[NOTARY_DOCS],
		       const size_t doc_len[NOTARY_DOCS], const char *tag,
		       struct notary_target *out, struct brig_err *e)
{
	struct offline f = { 0 };
	int r = !docs[NOTARY_DOC_ROOT] || !docs[NOTARY_DOC_TARGETS]
		? brig_err_set(e, -EINVAL, "the root or the targets document is missing")
		: 0;
	if (r == 0)
		r = load(&f.root, "root.json", docs[NOTARY_DOC_ROOT], doc_len[NOTARY_DOC_ROOT],
			 "Root", e);
	if (r == 0)
		r = root_ok(o, &f, e);
	if (r == 0)
		r = load(&f.tg, "targets.json", docs[NOTARY_DOC_TARGETS],
			 doc_len[NOTARY_DOC_TARGETS], "Targets", e);
	if (r == 0)
		r = tuf_check_sigs(&f.tg, &f.r.keys, &f.r.targets, e);
	if (r == 0)
		r = tuf_targets_parse(&f.tg, &f.tgt, e);
	if (r == 0 && docs[NOTARY_DOC_RELEASES])
		r = releases_ok(&f, docs[NOTARY_DOC_RELEASES], doc_len[NOTARY_DOC_RELEASES], e);
	if (r == 0)
		r = notary_lookup(&f.tgt, docs[NOTARY_DOC_RELEASES] ? &f.relt : NULL, tag, out, e);
	offline_clear(&f);
	return r < 0 ? brig_err_wrap(e, "%s", o->gun) : 0;
}

char *notary_state_dir(const char *root, const char *gun)
{
	char hex[BRIG_SHA256_HEX];
	char *dir = NULL;
	if (brig_sha256_buf(gun, strlen(gun), hex) < 0 ||
	    asprintf(&dir, "%s/trust/notary/%s", root, hex) < 0)
		return NULL;
	return dir;
}

char *notary_server_for(const char *server, const char *domain)
{
	if (server)
		return strdup(server);
	char *s = NULL;
	if (asprintf(&s, "https://%s", !strcmp(domain, "docker.io") ? "notary.docker.io" : domain) <
	    0)
		return NULL;
	return s;
}
