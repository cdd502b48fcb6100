/* SPDX-License-Identifier: Apache-2.0 */
/* trust: what notary_publish.c shares with notary_rotate.c. */
#ifndef BRIG_TRUST_NOTARY_SIGN_INTERNAL_H
#define BRIG_TRUST_NOTARY_SIGN_INTERNAL_H

#include "trust/notary.h"
#include "trust/notary_sign.h"

struct reg_client;

/* One notary-server conversation for o->gun. */
struct pub {
	const struct notary_sign_opts *o;
	struct notary_source src;
	struct reg_client *c;
	char *url; /* https://HOST/v2/GUN/_trust/tuf/ */
	struct notary_versions v; /* what pub_verify_first verified */
};

int pub_open(struct pub *p, struct brig_err *e);
void pub_close(struct pub *p);
/* GET name: 0, 1 when the server has none. */
int pub_get(struct pub *p, const char *name, size_t max, char **raw, size_t *len,
	    struct brig_err *e);
/* The documents (NULL-terminated roles, one doc each) in one multipart POST. */
int pub_post(struct pub *p, const char *const *roles, char *const *docs, struct brig_err *e);
/* The server's key for role (GET ROLE.key; rotate: POST, a new one) into
 * keys; *id its ID. */
int pub_server_key(struct pub *p, const char *role, bool rotate, json_t *keys,
		   char id[BRIG_SHA256_HEX], struct brig_err *e);
/* The TUF update into the trusted state (o->tag NULL: the update only). */
int pub_verify_first(struct pub *p, struct brig_err *e);
/* targets.signed (or a delegation's) with o's tag set or removed (or o's
 * edit), version one higher, expiring 3 years on. */
int pub_set_target(const struct notary_sign_opts *o, json_t *sg, struct brig_err *e);
/* name read again after pub_verify_first: it must be the version that
 * verified (want) and (ks given) signed by a threshold of role's keys. */
struct tuf_doc;
struct tuf_keyset;
struct tuf_role;
int pub_reload(struct pub *p, const char *name, size_t max, const char *type, int64_t want,
	       const struct tuf_keyset *ks, const struct tuf_role *role, struct tuf_doc *d,
	       struct brig_err *e);
/* notary_snapshot.c: with the GUN's snapshot key in the store and named by
 * the verified root, the next snapshot listing the documents about to be
 * published (roles/docs, n of them) into *doc; else *doc NULL (the server
 * makes it). */
int pub_snapshot(struct pub *p, const char *const *roles, char *const *docs, size_t n, char **doc,
		 struct brig_err *e);
/* notary_delegate.c: after pub_verify_first, o's tag signed into every
 * delegation of targets that names one of ks[0..n) (with the tag within
 * its paths), published. */
int pub_sign_delegate(struct pub *p, EVP_PKEY *const *ks, size_t n, struct brig_err *e);

#endif
