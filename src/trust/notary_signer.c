/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trust: signers, as docker trust signer add/remove keeps them: the
 * signer's certificate is an ecdsa-x509 (or rsa-x509) key in targets'
 * delegations, named by targets/releases (every signer: the role Docker
 * pulls by) and by targets/NAME (this signer's keys, so that remove knows
 * them), each threshold 1 with paths [""] (all).
 */
#include "trust/notary_sign.h"
#include "trust/sigstore-internal.h"
#include "trust/tuf.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CERT_MAX (64 * 1024)
#define RELEASES "targets/releases"

int notary_cert_load(const char *file, char **b64, struct brig_err *e)
{
	_cleanup_free_ char *pem = NULL;
	size_t len = 0;
	int r = brig_read_file(AT_FDCWD, file, CERT_MAX, &pem, &len, e);
	if (r < 0)
		return r;
	BIO *b = BIO_new_mem_buf(pem, (int)len);
	X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	EVP_PKEY *k = x ? X509_get0_pubkey(x) : NULL;
	int type = k ? EVP_PKEY_get_base_id(k) : 0;
	X509_free(x);
	BIO_free(b);
	if (type != EVP_PKEY_EC && type != EVP_PKEY_RSA)
		return brig_err_set(e, -EINVAL, "%s: not a PEM certificate of an ECDSA or RSA key",
				    file);
	*b64 = trust_b64_encode(pem, len);
	return *b64 ? 0 : brig_err_oom(e);
}

static json_t *find_role(json_t *roles, const char *name, size_t *at)
{
	size_t i;
	json_t *v;
	json_array_foreach(roles, i, v)
	{
		if (!strcmp(json_string_value(json_object_get(v, "name")) ?: "", name)) {
			*at = i;
			return v;
		}
	}
	return NULL;
}

/* roles[name] with id among its keyids (the role made when missing). */
static int role_add_key(json_t *roles, const char *name, const char *id)
{
	size_t at;
	json_t *role = find_role(roles, name, &at);
	if (!role) {
		role = json_pack("{s:s,s:[],s:i,s:[s]}", "name", name, "keyids", "threshold", 1,
				 "paths", "");
		if (!role || json_array_append_new(roles, role))
			return -ENOMEM;
	}
	json_t *ids = json_object_get(role, "keyids");
	size_t i;
	json_t *v;
	json_array_foreach(ids, i, v) if (!strcmp(json_string_value(v), id)) return 0;
	return json_array_append_new(ids, json_string(id)) ? -ENOMEM : 0;
}

static int role_name(const struct notary_sign_opts *o, char out[128], struct brig_err *e)
{
	const char *n = o->signer;
	if (!*n || strlen(n) > 64 ||
	    strspn(n, "abcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(n) ||
	    !strcmp(n, "releases"))
		return brig_err_set(
			e, -EINVAL,
			"signer name \"%.80s\": lowercase letters, digits, '_' and '-', "
			"not \"releases\"",
			n);
	snprintf(out, 128, "targets/%s", n);
	return 0;
}

int notary_signer_add(const struct notary_sign_opts *o, json_t *sg, struct brig_err *e)
{
	json_t *d = json_object_get(sg, "delegations");
	json_t *keys = json_object_get(d, "keys"), *roles = json_object_get(d, "roles");
	char id[BRIG_SHA256_HEX], name[128];
	int r = role_name(o, name, e);
	if (r == 0 && (!json_is_object(keys) || !json_is_array(roles)))
		r = brig_err_set(e, -EBADMSG,
				 "targets.json: signed.delegations: not as Notary writes it");
	if (r == 0)
		r = tuf_key_id("ecdsa-x509", o->cert, id, e);
	if (r < 0)
		return r;
	if (json_object_set_new(keys, id,
				json_pack("{s:s,s:{s:n,s:s}}", "keytype", "ecdsa-x509", "keyval",
					  "private", "public", o->cert)) ||
	    role_add_key(roles, RELEASES, id) < 0 || role_add_key(roles, name, id) < 0)
		return brig_err_oom(e);
	return 0;
}

static bool key_used(json_t *roles, const char *id)
{
	size_t i, j;
	json_t *role, *v;
	json_array_foreach(roles, i, role) json_array_foreach(json_object_get(role, "keyids"), j, v)
	{
		if (!strcmp(json_string_value(v), id))
			return true;
	}
	return false;
}

/* Drop id from every role's keyids, and roles left without keys. */
static void drop_key(json_t *roles, const char *id)
{
	for (size_t i = json_array_size(roles); i-- > 0;) {
		json_t *ids = json_object_get(json_array_get(roles, i), "keyids");
		for (size_t j = json_array_size(ids); j-- > 0;)
			if (!strcmp(json_string_value(json_array_get(ids, j)), id))
				json_array_remove(ids, j);
		if (json_array_size(ids) == 0)
			json_array_remove(roles, i);
	}
}

int notary_signer_remove(const struct notary_sign_opts *o, json_t *sg, struct brig_err *e)
{
	json_t *d = json_object_get(sg, "delegations");
	json_t *keys = json_object_get(d, "keys"), *roles = json_object_get(d, "roles");
	char name[128];
	size_t at;
	int r = role_name(o, name, e);
	json_t *role = r == 0 ? find_role(roles, name, &at) : NULL;
	if (r < 0)
		return r;
	if (!role)
		return brig_err_set(e, -ENOENT, "no signer \"%s\" in %s", o->signer, o->gun);
	json_t *ids = json_deep_copy(json_object_get(role, "keyids"));
	size_t i;
	json_t *v;
	json_array_remove(roles, at);
	json_array_foreach(ids, i, v)
	{
		drop_key(roles, json_string_value(v));
		if (!key_used(roles, json_string_value(v)))
			json_object_del(keys, json_string_value(v));
	}
	json_decref(ids);
	return 0;
}
