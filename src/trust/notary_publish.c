/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trust: publishing a tag to notary-server as `docker trust sign` does.  A
 * new GUN gets root.json (signed by the root key, its certificate's CN the
 * GUN) and targets.json (signed by the GUN's targets key), with the
 * server's own snapshot and timestamp keys in the root, so the server
 * makes snapshot and timestamp.  An existing GUN is first verified (the
 * TUF update into the trusted state), then its targets.json, checked
 * against the root, gets the tag and a version one higher.  Both are sent
 * as notary's client does: a multipart POST to /v2/GUN/_trust/tuf/.
 */
#include "trust/notary.h"
#include "trust/notary_sign.h"
#include "trust/sigstore-internal.h"
#include "trust/tuf.h"
#include "registry/registry-internal.h"
#include "trust/notary-sign-internal.h"

#include <errno.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROOT_YEARS 10
#define TARGETS_YEARS 3
#define KEY_MAX (64 * 1024)

int pub_open(struct pub *p, struct brig_err *e)
{
	const char *s = p->o->server;
	if (strncmp(s, "https://", 8))
		return brig_err_set(e, -EINVAL, "notary server \"%s\": not an https:// URL", s);
	_cleanup_free_ char *host = strndup(s + 8, strcspn(s + 8, "/"));
	if (!host)
		return brig_err_oom(e);
	struct reg_opts ro = { .host = host, .certs_dir = p->o->certs_dir, .tls_verify = true };
	int r = notary_http_source(s, p->o->gun, p->o->certs_dir, &p->src, e);
	if (r == 0)
		r = reg_client_new(&ro, &p->c, e);
	if (r == 0 && asprintf(&p->url, "https://%s/v2/%s/_trust/tuf/", host, p->o->gun) < 0)
		r = brig_err_oom(e);
	return r;
}

void pub_close(struct pub *p)
{
	notary_http_source_close(&p->src);
	reg_client_free(p->c);
	free(p->url);
}

int pub_get(struct pub *p, const char *name, size_t max, char **raw, size_t *len,
	    struct brig_err *e)
{
	return p->src.get(p->src.ctx, name, max, raw, len, e);
}

/* One multipart part per document, the file name its role (as notary's
 * client names them). */
static int multipart(const char *const *roles, char *const *docs, char **body, size_t *len,
		     char boundary[33], struct brig_err *e)
{
	unsigned char rnd[16];
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return brig_err_set(e, -EIO, "no random bytes for a boundary");
	for (size_t i = 0; i < 16; i++)
		snprintf(boundary + 2 * i, 3, "%02x", rnd[i]);
	_cleanup_free_ char *acc = strdup("");
	for (size_t i = 0; acc && roles[i]; i++) {
		char *n = NULL;
		if (asprintf(
			    &n,
			    "%s--%s\r\nContent-Disposition: form-data; name=\"files\"; "
			    "filename=\"%s\"\r\nContent-Type: application/octet-stream\r\n\r\n%s\r\n",
			    acc, boundary, roles[i], docs[i]) < 0)
			n = NULL;
		free(acc);
		acc = n;
	}
	if (!acc || asprintf(body, "%s--%s--\r\n", acc, boundary) < 0)
		return brig_err_oom(e);
	*len = strlen(*body);
	return 0;
}

#define POST_MAX (TUF_MAX_DELEGATIONS + 4)

int pub_post(struct pub *p, const char *const *roles, char *const *docs, struct brig_err *e)
{
	_cleanup_free_ char *body = NULL, *ctype = NULL, *scope = NULL, *snap = NULL;
	const char *rs[POST_MAX + 2] = { NULL };
	char *ds[POST_MAX + 2] = { NULL };
	char boundary[33];
	size_t len = 0, n = 0;
	for (; roles[n] && n < POST_MAX; n++) {
		rs[n] = roles[n];
		ds[n] = docs[n];
	}
	/* the owner's snapshot, when the owner holds its key */
	int r = pub_snapshot(p, rs, ds, n, &snap, e);
	if (r == 0 && snap) {
		rs[n] = "snapshot";
		ds[n] = snap;
	}
	if (r == 0)
		r = multipart(rs, ds, &body, &len, boundary, e);
	if (r < 0)
		return r;
	if (asprintf(&ctype, "multipart/form-data; boundary=%s", boundary) < 0 ||
	    asprintf(&scope, "repository:%s:push,pull", p->o->gun) < 0)
		return brig_err_oom(e);
	struct reg_body b = { .buf = body, .fd = -1, .len = len };
	struct reg_req rq = { .method = "POST", .content_type = ctype, .body = &b };
	struct reg_resp resp = { .max = REG_ERROR_BODY_MAX, .what = "publish" };
	r = reg_request_do(p->c, scope, p->url, &rq, &resp, e);
	if (r == 0 && resp.status != 200 && resp.status != 201)
		r = reg_status_error(p->c, &resp, "publish", e);
	reg_resp_reset(&resp);
	return r;
}

/* POST NAME (ROLE.key): the server makes a new key and answers with it. */
static int rotate_post(struct pub *p, const char *name, char **raw, size_t *len, struct brig_err *e)
{
	_cleanup_free_ char *url = NULL, *scope = NULL;
	if (asprintf(&url, "%s%s", p->url, name) < 0 ||
	    asprintf(&scope, "repository:%s:push,pull", p->o->gun) < 0)
		return brig_err_oom(e);
	struct reg_req rq = { .method = "POST" };
	struct reg_resp resp = { .max = KEY_MAX, .what = name };
	int r = reg_request_do(p->c, scope, url, &rq, &resp, e);
	if (r == 0 && resp.status != 200)
		r = reg_status_error(p->c, &resp, name, e);
	if (r == 0 && !(*raw = brig_memdupz(resp.body ? resp.body : "", resp.len)))
		r = brig_err_oom(e);
	*len = resp.len;
	reg_resp_reset(&resp);
	return r;
}

int pub_server_key(struct pub *p, const char *role, bool rotate, json_t *keys,
		   char id[BRIG_SHA256_HEX], struct brig_err *e)
{
	char name[32];
	snprintf(name, sizeof(name), "%s.key", role);
	_cleanup_free_ char *raw = NULL;
	size_t len = 0;
	int r = rotate ? rotate_post(p, name, &raw, &len, e)
		       : pub_get(p, name, KEY_MAX, &raw, &len, e);
	if (r == 1)
		return brig_err_set(e, -ENOENT, "%s: the server holds no %s key", name, role);
	if (r < 0)
		return r;
	_cleanup_json_ json_t *j = json_loadb(raw, len, 0, NULL);
	const char *type = json_string_value(json_object_get(j, "keytype"));
	const char *pub = json_string_value(
		json_object_get(json_object_get(j, "keyval"), "public"));
	if (!type || !pub)
		return brig_err_set(e, -EBADMSG, "%s: not a TUF key", name);
	r = tuf_key_id(type, pub, id, e);
	if (r == 0 &&
	    json_object_set_new(keys, id,
				json_pack("{s:s,s:{s:n,s:s}}", "keytype", type, "keyval", "private",
					  "public", pub)))
		r = brig_err_oom(e);
	return r;
}

static json_t *role_json(const char *id)
{
	return json_pack("{s:[s],s:i}", "keyids", id, "threshold", 1);
}

/* targets.signed with the tag set (or removed), version+1 (1 when new). */
int pub_set_target(const struct notary_sign_opts *o, json_t *sg, struct brig_err *e)
{
	json_t *t = json_object_get(sg, "targets");
	if (o->edit) {
		int r = o->edit(o, sg, e);
		if (r < 0)
			return r;
	} else if (o->remove) {
		if (json_object_del(t, o->tag) < 0)
			return brig_err_set(e, -ENOENT, "no trust data for tag \"%s\"", o->tag);
	} else {
		unsigned char bin[32];
		for (size_t i = 0; i < 32; i++)
			sscanf(o->digest + 2 * i, "%2hhx", &bin[i]);
		_cleanup_free_ char *b64 = trust_b64_encode(bin, sizeof(bin));
		if (!b64 ||
		    json_object_set_new(t, o->tag,
					json_pack("{s:{s:s},s:I}", "hashes", "sha256", b64,
						  "length", (json_int_t)o->length)))
			return brig_err_oom(e);
	}
	char exp[32];
	tuf_expiry(o->now, TARGETS_YEARS, exp);
	json_int_t v = json_integer_value(json_object_get(sg, "version"));
	if (json_object_set_new(sg, "version", json_integer(v + 1)) ||
	    json_object_set_new(sg, "expires", json_string(exp)))
		return brig_err_oom(e);
	return 0;
}

static int key_and_id(const struct notary_sign_opts *o, const char *role, EVP_PKEY **k,
		      char id[BRIG_SHA256_HEX], struct brig_err *e)
{
	_cleanup_free_ char *pub = NULL;
	int r = o->keys.get(o->keys.ctx, role, k, e);
	if (r == 0)
		r = tuf_pub_b64(*k, &pub, e);
	if (r == 0)
		r = tuf_key_id("ecdsa", pub, id, e);
	return r;
}

/* Root (root key, its certificate for the GUN) and targets, with the
 * server's snapshot and timestamp keys. */
static int init_gun(struct pub *p, EVP_PKEY *kr, EVP_PKEY *kt, const char *idt, char *docs[2],
		    struct brig_err *e)
{
	const struct notary_sign_opts *o = p->o;
	char idr[BRIG_SHA256_HEX], idsn[BRIG_SHA256_HEX], idts[BRIG_SHA256_HEX], exp[32];
	_cleanup_free_ char *cert = NULL, *tpub = NULL;
	_cleanup_json_ json_t *keys = json_object(), *root = NULL, *tg = NULL;
	size_t len = 0;
	int r = keys ? tuf_root_cert_b64(kr, o->gun, o->now, &cert, e) : brig_err_oom(e);
	if (r == 0)
		r = tuf_key_id("ecdsa-x509", cert, idr, e);
	if (r == 0)
		r = tuf_pub_b64(kt, &tpub, e);
	if (r == 0 &&
	    (json_object_set_new(keys, idr,
				 json_pack("{s:s,s:{s:n,s:s}}", "keytype", "ecdsa-x509", "keyval",
					   "private", "public", cert)) ||
	     json_object_set_new(keys, idt,
				 json_pack("{s:s,s:{s:n,s:s}}", "keytype", "ecdsa", "keyval",
					   "private", "public", tpub))))
		r = brig_err_oom(e);
	if (r == 0)
		r = pub_server_key(p, "snapshot", false, keys, idsn, e);
	if (r == 0)
		r = pub_server_key(p, "timestamp", false, keys, idts, e);
	if (r < 0)
		return r;
	tuf_expiry(o->now, ROOT_YEARS, exp);
	root = json_pack("{s:s,s:b,s:s,s:O,s:{s:o,s:o,s:o,s:o},s:i}", "_type", "Root",
			 "consistent_snapshot", 0, "expires", exp, "keys", keys, "roles", "root",
			 role_json(idr), "snapshot", role_json(idsn), "targets", role_json(idt),
			 "timestamp", role_json(idts), "version", 1);
	tg = json_pack("{s:s,s:{s:{},s:[]},s:s,s:{},s:i}", "_type", "Targets", "delegations",
		       "keys", "roles", "expires", exp, "targets", "version", 0);
	if (!root || !tg)
		return brig_err_oom(e);
	r = pub_set_target(o, tg, e);
	if (r == 0)
		r = tuf_envelope(root, kr, idr, &docs[0], &len, e);
	if (r == 0)
		r = tuf_envelope(tg, kt, idt, &docs[1], &len, e);
	return r;
}

static bool has_id(char **ids, const char *id)
{
	for (size_t i = 0; ids && ids[i]; i++)
		if (!strcmp(ids[i], id))
			return true;
	return false;
}

/* The served targets.json, signed as the (verified) root says, with the
 * tag changed and signed by kt. */
static int next_targets(struct pub *p, EVP_PKEY *kt, const char *idt, char **doc,
			struct brig_err *e)
{
	struct tuf_doc rd = { 0 }, td = { 0 };
	struct tuf_root root = { 0 };
	char *raw = NULL;
	size_t len = 0;
	int r = pub_get(p, "root.json", TUF_MAX_ROOT, &raw, &len, e);
	if (r == 1)
		r = brig_err_set(e, -ENOENT, "root.json: the server has none");
	if (r == 0)
		r = tuf_doc_load(&rd, "root.json", raw, len, "Root", e);
	if (r == 0)
		r = tuf_root_parse(&rd, &root, e);
	if (r == 0 && !has_id(root.targets.keyids, idt))
		r = brig_err_set(e, -EPERM,
				 "root.json: the targets key %.12s in the store is not the "
				 "repository's targets key",
				 idt);
	if (r == 0 &&
	    (raw = NULL, r = pub_get(p, "targets.json", TUF_MAX_TARGETS, &raw, &len, e)) == 1)
		r = brig_err_set(e, -ENOENT, "targets.json: the server has none");
	if (r == 0)
		r = tuf_doc_load(&td, "targets.json", raw, len, "Targets", e);
	if (r == 0)
		r = tuf_check_sigs(&td, &root.keys, &root.targets, e);
	_cleanup_json_ json_t *sg = r == 0 ? json_deep_copy(td.sig) : NULL;
	if (r == 0 && !sg)
		r = brig_err_oom(e);
	if (r == 0)
		r = pub_set_target(p->o, sg, e);
	if (r == 0)
		r = tuf_envelope(sg, kt, idt, doc, &len, e);
	tuf_doc_clear(&rd);
	tuf_doc_clear(&td);
	tuf_root_clear(&root);
	return r;
}

/* The TUF update into the trusted state first: what is signed next builds
 * on metadata that verified. */
int pub_verify_first(struct pub *p, struct brig_err *e)
{
	const struct notary_sign_opts *o = p->o;
	struct notary_opts no = { .gun = o->gun, .state_dir = o->state_dir, .now = o->now };
	struct notary_target t = { 0 };
	int r = notary_verify_tag(&no, &p->src, o->tag, &t, e);
	if (r == -ENOENT && !o->remove) {
		brig_err_clear(e);
		r = 0;
	}
	p->v = t.v;
	return r;
}

/* An existing GUN's targets key, or (none, not an edit) the signers' keys
 * in ks: *nk > 0 then. */
static int existing_keys(const struct notary_sign_opts *o, EVP_PKEY **kt, char idt[BRIG_SHA256_HEX],
			 EVP_PKEY **ks, size_t *nk, struct brig_err *e)
{
	*nk = 0;
	int r = key_and_id(o, NOTARY_TARGETS_HELD, kt, idt, e);
	if (r != -ENOENT || o->edit || !o->keys.delegates)
		return r;
	brig_err_clear(e);
	r = o->keys.delegates(o->keys.ctx, ks, NOTARY_MAX_DELEGATE_KEYS, nk, e);
	if (r == 0 && *nk == 0) /* no signer's key either: make the targets key */
		r = key_and_id(o, NOTARY_TARGETS_ROLE, kt, idt, e);
	return r;
}

int notary_sign_tag(const struct notary_sign_opts *o, bool *created, struct brig_err *e)
{
	struct pub p = { .o = o };
	_cleanup_pkey_ EVP_PKEY *kr = NULL, *kt = NULL;
	_cleanup_free_ char *raw = NULL;
	EVP_PKEY *ks[NOTARY_MAX_DELEGATE_KEYS] = { NULL };
	char *docs[2] = { NULL, NULL };
	char idt[BRIG_SHA256_HEX];
	size_t len = 0, nk = 0;
	int r = pub_open(&p, e);
	if (r == 0)
		r = pub_get(&p, "root.json", TUF_MAX_ROOT, &raw, &len, e);
	*created = r == 1;
	if (r == 1 && (o->remove || o->edit))
		r = brig_err_set(e, -ENOENT, "the server has no trust data for %s", o->gun);
	else if (r == 1)
		r = o->keys.get(o->keys.ctx, NOTARY_ROOT_ROLE, &kr, e);
	if (r == 0 && *created)
		r = key_and_id(o, NOTARY_TARGETS_ROLE, &kt, idt, e);
	else if (r == 0)
		r = existing_keys(o, &kt, idt, ks, &nk, e);
	if (r == 0 && *created)
		r = init_gun(&p, kr, kt, idt, docs, e);
	else if (r == 0)
		r = pub_verify_first(&p, e);
	if (r == 0 && nk)
		r = pub_sign_delegate(&p, ks, nk, e);
	else if (r == 0 && !*created)
		r = next_targets(&p, kt, idt, &docs[0], e);
	const char *roles[][3] = { { "targets", NULL, NULL }, { "root", "targets", NULL } };
	if (r == 0 && !nk)
		r = pub_post(&p, roles[*created], docs, e);
	for (size_t i = 0; i < nk; i++)
		EVP_PKEY_free(ks[i]);
	free(docs[0]);
	free(docs[1]);
	pub_close(&p);
	return r;
}
