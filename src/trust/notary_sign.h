/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trust: a Notary v1 signer (docs/trust-notary.md, "Signing"): ECDSA P-256
 * keys kept encrypted in the store, the root key's self-signed certificate
 * (CN = the GUN), TUF documents signed in Notary's dialect, and tags
 * published to a notary-server with a server-managed snapshot and
 * timestamp, as `docker trust sign` does.
 */
#ifndef BRIG_TRUST_NOTARY_SIGN_H
#define BRIG_TRUST_NOTARY_SIGN_H

#include "common/common.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* ---- writing TUF (tuf_write.c) ---------------------------------------------- */

/* base64 of k's DER SubjectPublicKeyInfo: an "ecdsa" key's keyval.public. */
int tuf_pub_b64(EVP_PKEY *k, char **b64, struct brig_err *e);
/* A self-signed certificate for k, CN = gun, valid from now for 10 years
 * (KU digitalSignature+keyEncipherment, EKU codeSigning, CA:FALSE), as
 * base64 of its PEM: an "ecdsa-x509" key's keyval.public. */
int tuf_root_cert_b64(EVP_PKEY *k, const char *gun, time_t now, char **b64, struct brig_err *e);
/* The envelope {"signed":SIGNED,"signatures":[...]} with one "ecdsa"
 * signature (raw r||s over the canonical bytes of signed) by key k, whose
 * TUF key ID is id. */
int tuf_envelope(const json_t *sgn, EVP_PKEY *k, const char *id, char **out, size_t *len,
		 struct brig_err *e);
/* The same signed by n keys (ks[i] with ID ids[i]). */
int tuf_envelope_n(const json_t *sgn, EVP_PKEY *const *ks, const char *const *ids, size_t n,
		   char **out, size_t *len, struct brig_err *e);
/* An expiry "YYYY-MM-DDTHH:MM:SSZ" years after now. */
void tuf_expiry(time_t now, int years, char buf[32]);

/* ---- the Notary key store (notary_keys.c) ------------------------------------ */

/* ROOT/trust/notary/keys: root.key (the one root key, all GUNs) and
 * targets-<sha256 of GUN>.key, each cosign's encrypted PEM, 0600. */
#define NOTARY_ROOT_ROLE "root"
#define NOTARY_TARGETS_ROLE "targets"
/* gun NULL: the root key.  -EEXIST when there is one already.  *id: the
 * key's TUF ID as an "ecdsa" key. */
int notary_key_generate(const char *root, const char *gun, const char *pass,
			char id[BRIG_SHA256_HEX], struct brig_err *e);
/* -ENOENT (e filled, naming the import that restores it) when absent. */
int notary_key_load(const char *root, const char *gun, const char *pass, EVP_PKEY **k,
		    struct brig_err *e);
/* The encrypted PEM; offline: the key is removed from the store once the
 * caller has it (call notary_key_forget after writing it out). */
int notary_key_export(const char *root, const char *gun, char **pem, size_t *len,
		      struct brig_err *e);
int notary_key_forget(const char *root, const char *gun, struct brig_err *e);
/* Store FILE (cosign's encrypted PEM) after checking pass opens it. */
int notary_key_import(const char *root, const char *gun, const char *file, const char *pass,
		      char id[BRIG_SHA256_HEX], struct brig_err *e);
/* The root key for gun: its own (root-<sha256 of GUN>.key, made by a root
 * rotation) or else the store's root.key. */
int notary_root_key_load(const char *root, const char *gun, const char *pass, EVP_PKEY **k,
			 struct brig_err *e);
/* A root rotation's new key for gun: written aside (.key.new) before the new
 * root is published, then made gun's root key (keep) or dropped. */
int notary_root_key_stage(const char *root, const char *gun, EVP_PKEY *k, const char *pass,
			  struct brig_err *e);
int notary_root_key_commit(const char *root, const char *gun, bool keep, struct brig_err *e);
/* A signer's key (delegation-<key ID>.key): FILE is a PEM private key or
 * cosign's encrypted PEM; stored encrypted with pass. */
int notary_delegate_import(const char *root, const char *file, const char *pass,
			   char id[BRIG_SHA256_HEX], struct brig_err *e);
/* A GUN's snapshot key when its owner holds it (a repository made by
 * `notary init` without --server-managed-snapshot): import as for targets;
 * load gives -ENOENT when absent; held tells without the passphrase. */
int notary_snapshot_key_import(const char *root, const char *gun, const char *file,
			       const char *pass, char id[BRIG_SHA256_HEX], struct brig_err *e);
int notary_snapshot_key_load(const char *root, const char *gun, const char *pass, EVP_PKEY **k,
			     struct brig_err *e);
bool notary_snapshot_key_held(const char *root, const char *gun);
/* Every signer's key of the store (at most max) into ks[0..*n). */
int notary_delegate_load_all(const char *root, const char *pass, EVP_PKEY **ks, size_t max,
			     size_t *n, struct brig_err *e);
/* [{"role":..,"gun":..}] for every key in the store (signers' keys also
 * with "id"). */
int notary_key_list(const char *root, json_t **out, struct brig_err *e);

/* ---- publishing (notary_publish.c) ------------------------------------------ */

/* The signer's keys, asked for only when needed ("root" only when the GUN
 * is new; "targets" made when missing). */
struct notary_keys_cb {
	int (*get)(void *ctx, const char *role, EVP_PKEY **k, struct brig_err *e);
	/* Optional: the signers' keys (at most max), asked for when the store
	 * has no targets key for an existing GUN: a tag is then signed into
	 * the delegations that name one of them. */
	int (*delegates)(void *ctx, EVP_PKEY **ks, size_t max, size_t *n, struct brig_err *e);
	void *ctx;
};
/* get's role for an existing GUN's targets key: -ENOENT when the store has
 * none (NOTARY_TARGETS_ROLE makes one). */
#define NOTARY_TARGETS_HELD "targets-held"
/* get's role for the GUN's snapshot key: -ENOENT when the store has none
 * (the server makes the snapshot then). */
#define NOTARY_SNAPSHOT_ROLE "snapshot"
#define NOTARY_MAX_DELEGATE_KEYS 16

struct notary_sign_opts {
	const char *server; /* https://HOST:PORT */
	const char *certs_dir; /* its CA: CERTS_DIR/HOST:PORT/ca.crt */
	const char *gun;
	const char *state_dir; /* the verifier's trusted state for gun */
	const char *tag;
	char digest[BRIG_SHA256_HEX]; /* hex sha256 of the manifest */
	uint64_t length; /* the manifest's size */
	bool remove; /* revoke: remove tag instead */
	/* Instead of a tag (tag NULL): an edit of targets.signed (signer add,
	 * remove; notary_signer.c) with signer and cert (base64 PEM, add). */
	int (*edit)(const struct notary_sign_opts *o, json_t *sg, struct brig_err *e);
	const char *signer, *cert;
	time_t now;
	struct notary_keys_cb keys;
};

/* Add (or replace) o->tag in targets, initialising the GUN when the server
 * has none; *created tells which. */
int notary_sign_tag(const struct notary_sign_opts *o, bool *created, struct brig_err *e);

/* ---- inspecting (notary_inspect.c) ------------------------------------------ */

struct notary_inspect_opts {
	const char *server, *certs_dir, *gun, *state_dir;
	time_t now;
};

/* The TUF update for o->gun (advancing the trusted state), then what
 * `docker trust inspect` shows, from the documents of the versions that
 * verified: {"Name","SignedTags":[{"SignedTag","Digest","Signers"}],
 * "Signers":[{"Name","Keys":[{"ID"}]}],"AdministrativeKeys":[...],
 * "Expires":{ROLE: time}} (the last brig's own). */
int notary_inspect(const struct notary_inspect_opts *o, json_t **out, struct brig_err *e);
/* ---- signers: the targets/releases delegation (notary_signer.c) ------------- */

/* A certificate file (PEM, ECDSA P-256 or RSA) as base64 of its PEM. */
int notary_cert_load(const char *file, char **b64, struct brig_err *e);
/* Edits for notary_sign_opts.edit: add o->signer with o->cert to
 * targets/releases and targets/NAME (threshold 1, paths [""]), as docker
 * trust signer add; remove NAME's keys from both. */
int notary_signer_add(const struct notary_sign_opts *o, json_t *sg, struct brig_err *e);
int notary_signer_remove(const struct notary_sign_opts *o, json_t *sg, struct brig_err *e);

/* ---- rotating the server's keys (notary_rotate.c) ---------------------------- */

/* role (timestamp, snapshot): a new key made by the server (POST ROLE.key),
 * named in the next root version, signed by the root key (o->keys). */
int notary_rotate_server_key(const struct notary_sign_opts *o, const char *role,
			     struct brig_err *e);
/* The root: the next root names kn's new certificate (CN = the GUN) as the
 * only root key, keeps the old certificate in keys, and is signed by the
 * old and the new root key, as notary key rotate GUN root does. */
int notary_rotate_root(const struct notary_sign_opts *o, EVP_PKEY *kn, struct brig_err *e);

#endif
