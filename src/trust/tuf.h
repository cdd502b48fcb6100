/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trust: the TUF core in Notary v1's dialect (see docs/trust-notary.md):
 * canonical JSON, keys and signatures, and the four metadata documents
 * parsed strictly.  Used by notary_*.c; the CLI sees only notary.h.
 */
#ifndef BRIG_TRUST_TUF_H
#define BRIG_TRUST_TUF_H

#include "common/common.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* Size caps on each document, applied before it is parsed. */
#define TUF_MAX_ROOT (512 * 1024)
#define TUF_MAX_TARGETS (8 * 1024 * 1024)
#define TUF_MAX_SNAPSHOT (1024 * 1024)
#define TUF_MAX_TIMESTAMP (64 * 1024)
/* Caps on counts inside a document. */
#define TUF_MAX_KEYS 64
#define TUF_MAX_ROLE_KEYS 16
#define TUF_MAX_DELEGATIONS 64
#define TUF_MAX_PATHS 64

/* Canonical JSON (docker/go canonical/json): sorted keys, no whitespace,
 * only '"' and '\\' escaped (U+2028/2029 as \u2028/\u2029), integers only
 * (|n| <= 2^53).  *out is NUL-terminated, *len excludes the NUL. */
int tuf_canonical(const json_t *v, char **out, size_t *len, struct brig_err *e);

/* RFC 3339 UTC time ("2026-12-12T17:02:27.344092504Z") to seconds. */
int tuf_parse_time(const char *s, time_t *out);
/* Format t as "YYYY-MM-DDTHH:MM:SSZ" into buf[32]. */
void tuf_format_time(time_t t, char buf[32]);

struct tuf_key {
	char id[BRIG_SHA256_HEX];
	char *type; /* ecdsa, ecdsa-x509, ed25519, rsa, rsa-x509 */
	EVP_PKEY *pk;
	X509 *cert; /* the *-x509 types */
};

struct tuf_keyset {
	struct tuf_key *k;
	size_t n;
};

struct tuf_role {
	char *name;
	char **keyids; /* NULL-terminated */
	int64_t threshold;
	char **paths; /* delegations only, NULL-terminated */
};

/* A meta entry (snapshot's and timestamp's "meta", a target). */
struct tuf_hashes {
	char *name;
	uint64_t length;
	unsigned char sha256[32];
	unsigned char sha512[64];
	bool has256, has512;
};

/* One signed document as read: its bytes, the parsed envelope, the parts
 * every role shares. */
struct tuf_doc {
	char *file; /* names it in errors */
	char *raw;
	size_t len;
	json_t *json; /* the whole envelope */
	json_t *sig; /* "signed" (borrowed from json) */
	int64_t version;
	time_t expires;
	char *expires_str;
};

struct tuf_root {
	struct tuf_keyset keys;
	struct tuf_role root, targets, snapshot, timestamp;
	bool consistent_snapshot;
};

struct tuf_targets {
	struct tuf_hashes *t;
	size_t nt;
	struct tuf_keyset dkeys;
	struct tuf_role *droles;
	size_t nd;
};

struct tuf_meta {
	struct tuf_hashes *m;
	size_t n;
};

/* Keys (tuf_keys.c). */
/* A key's ID: sha256 of canonical {"keytype":type,"keyval":{"private":null,"public":pub}}. */
int tuf_key_id(const char *type, const char *pub, char id[BRIG_SHA256_HEX], struct brig_err *e);
int tuf_key_parse(const json_t *v, const struct bj_loc *at, const char *want_id,
		  struct tuf_key *out, struct brig_err *e);
int tuf_keyset_parse(const json_t *obj, const struct bj_loc *at, struct tuf_keyset *out,
		     struct brig_err *e);
const struct tuf_key *tuf_keyset_find(const struct tuf_keyset *ks, const char *id);
void tuf_keyset_clear(struct tuf_keyset *ks);
/* A certificate key: valid at now (unless now is 0), and (when cn is given)
 * its subject CN is exactly cn.  file/id name it in errors. */
int tuf_key_check_cert(const struct tuf_key *k, const char *file, const char *cn, time_t now,
		       struct brig_err *e);
/* One signature: 1 valid, 0 not (bad, or method unknown for the key). */
int tuf_sig_check(const struct tuf_key *k, const char *method, const unsigned char *sig,
		  size_t siglen, const char *msg, size_t msglen);
/* Count valid signatures on doc by distinct keys that role names and ks
 * holds; fail naming file and role unless at least role->threshold.
 * A signature by a key the role does not name is reported as such. */
int tuf_check_sigs(const struct tuf_doc *doc, const struct tuf_keyset *ks,
		   const struct tuf_role *role, struct brig_err *e);
int tuf_b64_decode(const char *in, unsigned char *out, size_t cap, size_t *len);

/* Documents (tuf_meta.c). */
int tuf_doc_load(struct tuf_doc *d, const char *file, char *raw, size_t len, const char *type,
		 struct brig_err *e);
void tuf_doc_clear(struct tuf_doc *d);
int tuf_root_parse(const struct tuf_doc *d, struct tuf_root *out, struct brig_err *e);
void tuf_root_clear(struct tuf_root *r);
int tuf_targets_parse(const struct tuf_doc *d, struct tuf_targets *out, struct brig_err *e);
void tuf_targets_clear(struct tuf_targets *t);
/* Snapshot's / timestamp's "meta". */
int tuf_meta_parse(const struct tuf_doc *d, struct tuf_meta *out, struct brig_err *e);
void tuf_meta_clear(struct tuf_meta *m);
const struct tuf_hashes *tuf_meta_find(const struct tuf_meta *m, const char *name);
/* Does raw match h (length first, then every hash h has)?  0 or -EBADMSG
 * with a message naming file. */
int tuf_hashes_match(const struct tuf_hashes *h, const char *file, const char *raw, size_t len,
		     struct brig_err *e);
/* Role parsing shared by root and delegations. */
int tuf_role_parse(const json_t *v, const struct bj_loc *at, bool delegated, struct tuf_role *out,
		   struct brig_err *e);
void tuf_role_clear(struct tuf_role *r);

#endif
