/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trust: the snapshot for a repository whose owner holds the snapshot key
 * (`notary init` without --server-managed-snapshot).  The server then
 * takes a publish only with a snapshot signed by that key, listing the new
 * documents.  After the TUF update, brig reads root.json and snapshot.json
 * again (the versions that verified, signed as the root says), sets the
 * meta entry (length, sha256 and sha512 in base64) of each document being
 * published, raises the version, and signs it with the store's snapshot
 * key for the GUN when the root names that key for snapshot.
 */
#include "trust/notary-sign-internal.h"
#include "trust/sigstore-internal.h"
#include "trust/tuf.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#define SNAPSHOT_YEARS 3

static json_t *meta_entry(const char *doc, struct brig_err *e)
{
	unsigned char h256[32], h512[64];
	size_t len = strlen(doc);
	if (EVP_Digest(doc, len, h256, NULL, EVP_sha256(), NULL) != 1 ||
	    EVP_Digest(doc, len, h512, NULL, EVP_sha512(), NULL) != 1) {
		brig_err_set(e, -EIO, "snapshot: hashing a document failed");
		return NULL;
	}
	_cleanup_free_ char *b256 = trust_b64_encode(h256, sizeof(h256));
	_cleanup_free_ char *b512 = trust_b64_encode(h512, sizeof(h512));
	json_t *j = b256 && b512 ? json_pack("{s:{s:s,s:s},s:I}", "hashes", "sha256", b256,
					     "sha512", b512, "length", (json_int_t)len)
				 : NULL;
	if (!j)
		brig_err_oom(e);
	return j;
}

/* The verified snapshot's signed part with the new documents listed. */
static int next_snapshot(struct pub *p, const struct tuf_root *root, const char *const *roles,
			 char *const *docs, size_t n, json_t **out, struct brig_err *e)
{
	struct tuf_doc sd = { 0 };
	int r = pub_reload(p, "snapshot.json", TUF_MAX_SNAPSHOT, "Snapshot", p->v.snapshot,
			   &root->keys, &root->snapshot, &sd, e);
	json_t *sg = r == 0 ? json_deep_copy(sd.sig) : NULL;
	tuf_doc_clear(&sd);
	if (r < 0)
		return r;
	json_t *meta = json_object_get(sg, "meta");
	if (!meta)
		r = sg ? brig_err_set(e, -EBADMSG, "snapshot.json: no meta") : brig_err_oom(e);
	for (size_t i = 0; r == 0 && i < n; i++) {
		json_t *m = meta_entry(docs[i], e);
		if (!m || json_object_set_new(meta, roles[i], m))
			r = m ? brig_err_oom(e) : -EIO;
	}
	char exp[32];
	tuf_expiry(p->o->now, SNAPSHOT_YEARS, exp);
	json_int_t v = json_integer_value(json_object_get(sg, "version"));
	if (r == 0 &&
	    (json_object_set_new(sg, "version", json_integer(v + 1)) ||
	     json_object_set_new(sg, "expires", json_string(exp))))
		r = brig_err_oom(e);
	if (r < 0)
		json_decref(sg);
	else
		*out = sg;
	return r;
}

static bool names(char **ids, const char *id)
{
	for (size_t i = 0; ids && ids[i]; i++)
		if (!strcmp(ids[i], id))
			return true;
	return false;
}

/* The snapshot key IDs to sign for: the root being published when there
 * is one (a rotation may hand the snapshot to the server), else the
 * verified root's (*posted false). */
static bool posted_names(const char *const *roles, char *const *docs, size_t n, const char *id,
			 bool *posted)
{
	*posted = false;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(roles[i], "root"))
			continue;
		*posted = true;
		_cleanup_json_ json_t *j = json_loads(docs[i], 0, NULL);
		json_t *ids = json_object_get(
			json_object_get(json_object_get(json_object_get(j, "signed"), "roles"),
					"snapshot"),
			"keyids");
		size_t k;
		json_t *v;
		json_array_foreach(ids, k, v)
		{
			if (json_is_string(v) && !strcmp(json_string_value(v), id))
				return true;
		}
	}
	return false;
}

int pub_snapshot(struct pub *p, const char *const *roles, char *const *docs, size_t n, char **doc,
		 struct brig_err *e)
{
	const struct notary_sign_opts *o = p->o;
	*doc = NULL;
	if (!p->v.snapshot) /* a new GUN: the server's snapshot key */
		return 0;
	_cleanup_pkey_ EVP_PKEY *k = NULL;
	_cleanup_free_ char *pub = NULL;
	char id[BRIG_SHA256_HEX];
	int r = o->keys.get(o->keys.ctx, NOTARY_SNAPSHOT_ROLE, &k, e);
	if (r == -ENOENT) {
		brig_err_clear(e);
		return 0;
	}
	if (r == 0)
		r = tuf_pub_b64(k, &pub, e);
	if (r == 0)
		r = tuf_key_id("ecdsa", pub, id, e);
	struct tuf_doc rd = { 0 };
	struct tuf_root root = { 0 };
	if (r == 0)
		r = pub_reload(p, "root.json", TUF_MAX_ROOT, "Root", p->v.root, NULL, NULL, &rd, e);
	if (r == 0)
		r = tuf_root_parse(&rd, &root, e);
	if (r == 0)
		r = tuf_check_sigs(&rd, &root.keys, &root.root, e);
	json_t *sg = NULL;
	size_t len = 0;
	bool posted = false, in_posted = r == 0 && posted_names(roles, docs, n, id, &posted);
	if (r == 0 && (posted ? in_posted : names(root.snapshot.keyids, id)))
		r = next_snapshot(p, &root, roles, docs, n, &sg, e);
	if (r == 0 && sg)
		r = tuf_envelope(sg, k, id, doc, &len, e);
	json_decref(sg);
	tuf_root_clear(&root);
	tuf_doc_clear(&rd);
	return r;
}
