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

int notary_rotate_server_key(const struct notary_sign_opts *o, const char *role, struct brig_err *e)
{
	if (strcmp(role, "timestamp") && strcmp(role, "snapshot"))
		return brig_err_set(e, -EINVAL,
				    "the server holds only the timestamp and snapshot keys");
	struct pub p = { .o = o };
	struct tuf_doc rd = { 0 };
	struct tuf_root root = { 0 };
	_cleanup_pkey_ EVP_PKEY *kr = NULL;
	_cleanup_free_ char *doc = NULL;
	char *raw = NULL, idr[BRIG_SHA256_HEX];
	size_t len = 0;
	int r = pub_open(&p, e);
	if (r == 0)
		r = pub_verify_first(&p, e);
	if (r == 0 && pub_get(&p, "root.json", TUF_MAX_ROOT, &raw, &len, e) != 0)
		r = e->code ? e->code : brig_err_set(e, -ENOENT, "root.json: the server has none");
	if (r == 0)
		r = tuf_doc_load(&rd, "root.json", raw, len, "Root", e);
	if (r == 0)
		r = tuf_root_parse(&rd, &root, e);
	if (r == 0)
		r = o->keys.get(o->keys.ctx, NOTARY_ROOT_ROLE, &kr, e);
	if (r == 0)
		r = root_key_id(&root, kr, idr, e);
	_cleanup_json_ json_t *sg = r == 0 ? json_deep_copy(rd.sig) : NULL;
	if (r == 0 && !sg)
		r = brig_err_oom(e);
	if (r == 0)
		r = swap_key(&p, sg, role, e);
	if (r == 0)
		r = tuf_envelope(sg, kr, idr, &doc, &len, e);
	const char *roles[] = { "root", NULL };
	char *docs[] = { doc, NULL };
	if (r == 0)
		r = pub_post(&p, roles, docs, e);
	tuf_doc_clear(&rd);
	tuf_root_clear(&root);
	pub_close(&p);
	return r;
}
