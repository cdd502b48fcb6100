/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trust: brig trust inspect for a Notary GUN, as docker trust inspect shows
 * it: signed tags and their signers, the delegations' keys, the root and
 * repository keys, and every role's expiry.  The TUF update runs first;
 * the documents shown are then read again and must be the versions that
 * verified, signed by the keys the verified root (or targets) names.
 */
#include "trust/notary.h"
#include "trust/notary_sign.h"
#include "trust/tuf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct insp {
	struct notary_source src;
	struct notary_target v; /* versions verified */
	struct tuf_doc root, tg, rel, sn, ts;
	struct tuf_root r;
	struct tuf_targets t, rt;
};

/* name as the version verified (want), signed as role says (ks: NULL = none). */
static int load(struct insp *in, const char *name, size_t max, const char *type, int64_t want,
		const struct tuf_keyset *ks, const struct tuf_role *role, struct tuf_doc *d,
		struct brig_err *e)
{
	char *raw = NULL;
	size_t len = 0;
	int r = in->src.get(in->src.ctx, name, max, &raw, &len, e);
	if (r == 1)
		return brig_err_set(e, -ENOENT, "%s: the server has none", name);
	if (r == 0)
		r = tuf_doc_load(d, name, raw, len, type, e);
	if (r == 0 && d->version != want)
		r = brig_err_set(e, -EAGAIN,
				 "%s: version %lld, not %lld as verified: changed on the server "
				 "while inspecting; try again",
				 name, (long long)d->version, (long long)want);
	if (r == 0 && ks)
		r = tuf_check_sigs(d, ks, role, e);
	return r;
}

static const struct tuf_role *releases_role(const struct tuf_targets *t)
{
	for (size_t i = 0; i < t->nd; i++)
		if (!strcmp(t->droles[i].name, "targets/releases"))
			return &t->droles[i];
	return NULL;
}

static int load_all(struct insp *in, struct brig_err *e)
{
	const struct notary_versions *v = &in->v.v;
	int r = load(in, "root.json", TUF_MAX_ROOT, "Root", v->root, NULL, NULL, &in->root, e);
	if (r == 0)
		r = tuf_root_parse(&in->root, &in->r, e);
	if (r == 0)
		r = tuf_check_sigs(&in->root, &in->r.keys, &in->r.root, e);
	if (r == 0)
		r = load(in, "timestamp.json", TUF_MAX_TIMESTAMP, "Timestamp", v->timestamp,
			 &in->r.keys, &in->r.timestamp, &in->ts, e);
	if (r == 0)
		r = load(in, "snapshot.json", TUF_MAX_SNAPSHOT, "Snapshot", v->snapshot,
			 &in->r.keys, &in->r.snapshot, &in->sn, e);
	if (r == 0)
		r = load(in, "targets.json", TUF_MAX_TARGETS, "Targets", v->targets, &in->r.keys,
			 &in->r.targets, &in->tg, e);
	if (r == 0)
		r = tuf_targets_parse(&in->tg, &in->t, e);
	const struct tuf_role *rel = r == 0 ? releases_role(&in->t) : NULL;
	if (r == 0 && rel && v->releases > 0)
		r = load(in, "targets/releases.json", TUF_MAX_TARGETS, "Targets", v->releases,
			 &in->t.dkeys, rel, &in->rel, e);
	if (r == 0 && in->rel.json)
		r = tuf_targets_parse(&in->rel, &in->rt, e);
	return r;
}

static json_t *keys_json(char **ids)
{
	json_t *a = json_array();
	for (size_t i = 0; a && ids && ids[i]; i++)
		json_array_append_new(a, json_pack("{s:s}", "ID", ids[i]));
	return a;
}

static void hexof(const unsigned char *b, char out[BRIG_SHA256_HEX])
{
	for (size_t i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* Every tag of t as signed by signer into tags {TAG: {Digest, Signers}}. */
static void add_tags(json_t *tags, const struct tuf_targets *t, const char *signer)
{
	for (size_t i = 0; i < t->nt; i++) {
		const struct tuf_hashes *h = &t->t[i];
		char hex[BRIG_SHA256_HEX];
		if (!h->has256)
			continue;
		hexof(h->sha256, hex);
		json_t *o = json_object_get(tags, h->name);
		if (!o) {
			o = json_pack("{s:s,s:s,s:[]}", "SignedTag", h->name, "Digest", hex,
				      "Signers");
			json_object_set_new(tags, h->name, o);
		}
		if (o && !strcmp(json_string_value(json_object_get(o, "Digest")), hex))
			json_array_append_new(json_object_get(o, "Signers"), json_string(signer));
	}
}

static json_t *expires_json(const struct insp *in)
{
	json_t *o = json_pack("{s:s,s:s,s:s,s:s}", "root", in->root.expires_str, "targets",
			      in->tg.expires_str, "snapshot", in->sn.expires_str, "timestamp",
			      in->ts.expires_str);
	if (o && in->rel.json)
		json_object_set_new(o, "targets/releases", json_string(in->rel.expires_str));
	return o;
}

static json_t *build(const struct insp *in, const char *gun)
{
	json_t *tags = json_object(), *list = json_array(), *signers = json_array();
	if (in->rel.json)
		add_tags(tags, &in->rt, "releases");
	add_tags(tags, &in->t, "Repo Admin");
	const char *k;
	json_t *v;
	json_object_foreach(tags, k, v) json_array_append(list, v);
	json_decref(tags);
	for (size_t i = 0; i < in->t.nd; i++) {
		const char *n = in->t.droles[i].name;
		json_array_append_new(signers,
				      json_pack("{s:s,s:o}", "Name",
						strncmp(n, "targets/", 8) ? n : n + 8, "Keys",
						keys_json(in->t.droles[i].keyids)));
	}
	return json_pack("{s:s,s:o,s:o,s:[{s:s,s:o},{s:s,s:o}],s:o}", "Name", gun, "SignedTags",
			 list, "Signers", signers, "AdministrativeKeys", "Name", "Root", "Keys",
			 keys_json(in->r.root.keyids), "Name", "Repository", "Keys",
			 keys_json(in->r.targets.keyids), "Expires", expires_json(in));
}

int notary_inspect(const struct notary_inspect_opts *o, json_t **out, struct brig_err *e)
{
	struct insp in = { 0 };
	struct notary_opts no = { .gun = o->gun, .state_dir = o->state_dir, .now = o->now };
	int r = notary_http_source(o->server, o->gun, o->certs_dir, &in.src, e);
	if (r == 0)
		r = notary_verify_tag(&no, &in.src, NULL, &in.v, e);
	if (r == 0)
		r = load_all(&in, e);
	if (r == 0 && !(*out = build(&in, o->gun)))
		r = brig_err_oom(e);
	if (r < 0)
		brig_err_wrap(e, "%s", o->gun);
	notary_http_source_close(&in.src);
	tuf_doc_clear(&in.root);
	tuf_doc_clear(&in.tg);
	tuf_doc_clear(&in.rel);
	tuf_doc_clear(&in.sn);
	tuf_doc_clear(&in.ts);
	tuf_root_clear(&in.r);
	tuf_targets_clear(&in.t);
	tuf_targets_clear(&in.rt);
	return r;
}
