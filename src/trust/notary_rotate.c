/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trust: rotating a server-held key (timestamp or snapshot), as `notary key
 * rotate GUN ROLE -r` does: the server makes a new key (POST ROLE.key),
 * then the next root version names it for the role, signed by the root key
 * the current (verified) root names; the server then signs with the new
 * key.
 */
#include "trust/notary-sign-internal.h"
#include "trust/sigstore.h"
#include "trust/tuf.h"

#include <errno.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

/* The ID under which root names the certificate of key kr. */
static int root_key_id(const struct tuf_root *root, EVP_PKEY *kr, char id[BRIG_SHA256_HEX],
		       struct brig_err *e)
{
	for (size_t i = 0; i < root->keys.n; i++) {
		const struct tuf_key *k = &root->keys.k[i];
		bool named = false;
		for (size_t j = 0; root->root.keyids && root->root.keyids[j]; j++)
			named = named || !strcmp(root->root.keyids[j], k->id);
		if (named && k->cert && EVP_PKEY_eq(X509_get0_pubkey(k->cert), kr) == 1) {
			memcpy(id, k->id, BRIG_SHA256_HEX);
			return 0;
		}
	}
	return brig_err_set(
		e, -EPERM,
		"root.json: the root key in the store is not this repository's root key");
}

static bool id_used(json_t *roles, const char *id)
{
	const char *name;
	json_t *role, *v;
	size_t i;
	json_object_foreach(roles, name, role)
		json_array_foreach(json_object_get(role, "keyids"), i, v)
	{
		if (!strcmp(json_string_value(v), id))
			return true;
	}
	return false;
}

/* sg (root.signed): role's keys replaced by the server's new one. */
static int swap_key(struct pub *p, json_t *sg, const char *role, struct brig_err *e)
{
	json_t *keys = json_object_get(sg, "keys"), *roles = json_object_get(sg, "roles");
	json_t *rr = json_object_get(roles, role);
	char id[BRIG_SHA256_HEX];
	if (!json_is_object(keys) || !rr)
		return brig_err_set(e, -EBADMSG, "root.json: no %s role", role);
	_cleanup_json_ json_t *old = json_deep_copy(json_object_get(rr, "keyids"));
	int r = pub_server_key(p, role, true, keys, id, e);
	if (r < 0)
		return r;
	if (json_object_set_new(rr, "keyids", json_pack("[s]", id)))
		return brig_err_oom(e);
	size_t i;
	json_t *v;
	json_array_foreach(old, i, v) if (!id_used(roles, json_string_value(v)))
		json_object_del(keys, json_string_value(v));
	json_int_t ver = json_integer_value(json_object_get(sg, "version"));
	return json_object_set_new(sg, "version", json_integer(ver + 1)) ? brig_err_oom(e) : 0;
}

/* The verified current root (rd, root), the root key kr it names (as idr). */
static int current_root(struct pub *p, struct tuf_doc *rd, struct tuf_root *root, EVP_PKEY **kr,
			char idr[BRIG_SHA256_HEX], struct brig_err *e)
{
	const struct notary_sign_opts *o = p->o;
	char *raw = NULL;
	size_t len = 0;
	int r = pub_verify_first(p, e);
	if (r == 0 && pub_get(p, "root.json", TUF_MAX_ROOT, &raw, &len, e) != 0)
		r = e->code ? e->code : brig_err_set(e, -ENOENT, "root.json: the server has none");
	if (r == 0)
		r = tuf_doc_load(rd, "root.json", raw, len, "Root", e);
	if (r == 0)
		r = tuf_root_parse(rd, root, e);
	if (r == 0)
		r = o->keys.get(o->keys.ctx, NOTARY_ROOT_ROLE, kr, e);
	if (r == 0)
		r = root_key_id(root, *kr, idr, e);
	return r;
}

/* Sign sg (the next root.signed) with ks/ids and publish it. */
static int publish_root(struct pub *p, const json_t *sg, EVP_PKEY *const *ks,
			const char *const *ids, size_t n, struct brig_err *e)
{
	_cleanup_free_ char *doc = NULL;
	size_t len = 0;
	int r = tuf_envelope_n(sg, ks, ids, n, &doc, &len, e);
	const char *roles[] = { "root", NULL };
	char *docs[] = { doc, NULL };
	return r < 0 ? r : pub_post(p, roles, docs, e);
}

int notary_rotate_server_key(const struct notary_sign_opts *o, const char *role, struct brig_err *e)
{
	if (strcmp(role, "timestamp") && strcmp(role, "snapshot"))
		return brig_err_set(e, -EINVAL,
				    "the server holds only the timestamp and snapshot keys");
	struct pub p = { .o = o };
	struct tuf_doc rd = { 0 };
	struct tuf_root root = { 0 };
	_cleanup_pkey_ EVP_PKEY *kr = NULL;
	char idr[BRIG_SHA256_HEX];
	int r = pub_open(&p, e);
	if (r == 0)
		r = current_root(&p, &rd, &root, &kr, idr, e);
	_cleanup_json_ json_t *sg = r == 0 ? json_deep_copy(rd.sig) : NULL;
	if (r == 0 && !sg)
		r = brig_err_oom(e);
	if (r == 0)
		r = swap_key(&p, sg, role, e);
	const char *id = idr;
	if (r == 0)
		r = publish_root(&p, sg, &kr, &id, 1, e);
	tuf_doc_clear(&rd);
	tuf_root_clear(&root);
	pub_close(&p);
	return r;
}

/* sg (root.signed): kn's certificate the only root key, the old kept in keys. */
static int new_root_key(const struct notary_sign_opts *o, json_t *sg, EVP_PKEY *kn,
			char idn[BRIG_SHA256_HEX], struct brig_err *e)
{
	_cleanup_free_ char *cert = NULL;
	char exp[32];
	int r = tuf_root_cert_b64(kn, o->gun, o->now, &cert, e);
	if (r == 0)
		r = tuf_key_id("ecdsa-x509", cert, idn, e);
	if (r < 0)
		return r;
	tuf_expiry(o->now, 10, exp);
	json_int_t ver = json_integer_value(json_object_get(sg, "version"));
	if (json_object_set_new(json_object_get(sg, "keys"), idn,
				json_pack("{s:s,s:{s:n,s:s}}", "keytype", "ecdsa-x509", "keyval",
					  "private", "public", cert)) ||
	    json_object_set_new(json_object_get(json_object_get(sg, "roles"), "root"), "keyids",
				json_pack("[s]", idn)) ||
	    json_object_set_new(sg, "version", json_integer(ver + 1)) ||
	    json_object_set_new(sg, "expires", json_string(exp)))
		return brig_err_oom(e);
	return 0;
}

int notary_rotate_root(const struct notary_sign_opts *o, EVP_PKEY *kn, struct brig_err *e)
{
	struct pub p = { .o = o };
	struct tuf_doc rd = { 0 };
	struct tuf_root root = { 0 };
	_cleanup_pkey_ EVP_PKEY *kr = NULL;
	char idr[BRIG_SHA256_HEX], idn[BRIG_SHA256_HEX];
	int r = pub_open(&p, e);
	if (r == 0)
		r = current_root(&p, &rd, &root, &kr, idr, e);
	_cleanup_json_ json_t *sg = r == 0 ? json_deep_copy(rd.sig) : NULL;
	if (r == 0 && !sg)
		r = brig_err_oom(e);
	if (r == 0)
		r = new_root_key(o, sg, kn, idn, e);
	EVP_PKEY *ks[] = { kr, kn };
	const char *ids[] = { idr, idn };
	if (r == 0)
		r = publish_root(&p, sg, ks, ids, 2, e);
	tuf_doc_clear(&rd);
	tuf_root_clear(&root);
	pub_close(&p);
	return r;
}
