/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trust/sigstore: cosign's keys and sigstore "simple signing" signatures
 * (docs/trust-sigstore.md).
 *
 *   - keys (keys.c): cosign's encrypted private key, PEM
 *     "ENCRYPTED SIGSTORE PRIVATE KEY" around JSON {kdf: scrypt N r p salt,
 *     cipher: nacl/secretbox nonce, ciphertext} over the PKCS#8 DER (scrypt
 *     from OpenSSL, secretbox from libsodium); public keys as PEM
 *     "PUBLIC KEY" (SubjectPublicKeyInfo);
 *   - the key store (keys_store.c): ROOT/trust/keys/NAME.key and NAME.pub,
 *     0600, written atomically;
 *   - payloads and signatures (simplesig.c): {"critical": {"identity":
 *     {"docker-reference"}, "image": {"docker-manifest-digest"}, "type":
 *     "cosign container image signature"}, "optional": ...}, parsed strictly;
 *     ECDSA (P-256), RSA (PKCS #1 v1.5) over SHA-256 of the payload, DER,
 *     base64; Ed25519 over the payload itself;
 *   - the `.sig` attachment in a registry (sigstore.c): tag
 *     sha256-HEX.sig, an OCI manifest with one layer per signature.
 *
 * Functions return 0 or a negative errno after filling the struct brig_err.
 */
#ifndef BRIG_TRUST_SIGSTORE_H
#define BRIG_TRUST_SIGSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "common/common.h"
#include "trust/simplesig.h"

/* ---- keys (keys.c) ------------------------------------------------------- */

#define TRUST_PEM_ENCRYPTED "ENCRYPTED SIGSTORE PRIVATE KEY"
#define TRUST_PEM_ENCRYPTED_OLD "ENCRYPTED COSIGN PRIVATE KEY" /* cosign 1 */
#define TRUST_KEY_FILE_MAX ((size_t)64 << 10)
#define TRUST_PASSPHRASE_MAX 4096

static inline void trust_pkey_freep(EVP_PKEY **k)
{
	EVP_PKEY_free(*k);
}
#define _cleanup_pkey_ _cleanup_(trust_pkey_freep)

/* A new ECDSA P-256 key. */
int trust_key_new(EVP_PKEY **out, struct brig_err *e);
/* k's private key in cosign's encrypted PEM (scrypt N=32768 r=8 p=1, a
 * random salt and nonce), malloc'ed, NUL-terminated. */
int trust_key_encrypt(EVP_PKEY *k, const char *pass, char **pem, struct brig_err *e);
/* Read cosign's encrypted PEM (either label); name is used in errors.  A
 * wrong passphrase is -EKEYREJECTED: "NAME: wrong passphrase (or a damaged
 * key)". */
int trust_key_decrypt(const char *pem, size_t len, const char *pass, const char *name,
		      EVP_PKEY **out, struct brig_err *e);
/* k's public key as PEM "PUBLIC KEY", malloc'ed. */
int trust_pubkey_pem(EVP_PKEY *k, char **pem, struct brig_err *e);
/* A PEM "PUBLIC KEY" (ECDSA P-256/384/521, RSA >= 2048 bits or Ed25519). */
int trust_pubkey_parse(const char *pem, size_t len, const char *name, EVP_PKEY **out,
		       struct brig_err *e);
int trust_pubkey_load(const char *path, EVP_PKEY **out, struct brig_err *e);
/* "ECDSA-P256", "RSA-3072", "Ed25519" (static). */
const char *trust_key_kind(EVP_PKEY *k);
/* SHA-256 of the public key's DER (64 hex digits). */
int trust_key_fingerprint(EVP_PKEY *k, char hex[BRIG_SHA256_HEX], struct brig_err *e);

/* ---- the key store (keys_store.c) ----------------------------------------- */

struct trust_keyinfo {
	char *name;
	char *kind; /* trust_key_kind */
	char fingerprint[BRIG_SHA256_HEX];
};
void trust_keyinfo_free(struct trust_keyinfo *v, size_t n);
/* A valid key name: [A-Za-z0-9][A-Za-z0-9_.-]{0,63}. */
bool trust_key_name_valid(const char *name);
/* Make NAME (refused when it exists) with a new P-256 key encrypted under
 * pass; *pub (may be NULL) gets its public PEM. */
int trust_keystore_generate(const char *root, const char *name, const char *pass, char **pub,
			    struct brig_err *e);
/* Store an encrypted private key file as NAME (its bytes kept as they are,
 * after checking pass opens it), with its public key beside it. */
int trust_keystore_import(const char *root, const char *name, const char *file, const char *pass,
			  struct brig_err *e);
int trust_keystore_list(const char *root, struct trust_keyinfo **out, size_t *n,
			struct brig_err *e);
/* NAME's public PEM, or (private) its encrypted private key PEM. */
int trust_keystore_export(const char *root, const char *name, bool private_key, char **pem,
			  struct brig_err *e);
int trust_keystore_rm(const char *root, const char *name, struct brig_err *e);

/* ---- simple signing (simplesig.c) ------------------------------------------ */

/* The payload (TRUST_SIG_TYPE, trust_payload_*): trust/simplesig.h. */
/* Sign data with k (see above); *b64 malloc'ed. */
int trust_sign(EVP_PKEY *k, const void *data, size_t len, char **b64, struct brig_err *e);
/* 0 when b64 is k's signature of data; -EKEYREJECTED ("the signature does
 * not match the key") otherwise, -EINVAL when b64 is no base64. */
int trust_verify(EVP_PKEY *k, const void *data, size_t len, const char *b64, struct brig_err *e);

/* ---- the .sig attachment (sigstore.c) -------------------------------------- */

#define TRUST_MT_SIMPLESIG "application/vnd.dev.cosign.simplesigning.v1+json"
#define TRUST_ANN_SIGNATURE "dev.cosignproject.cosign/signature"
#define TRUST_MAX_SIGS 64

struct reg_client;

/* The keys a verification accepts. */
struct trust_pubkey {
	const char *name; /* as the user named it (a file) */
	EVP_PKEY *key;
};

/* One signature found beside the image and what became of it. */
struct trust_sig_seen {
	char *docker_reference; /* NULL when the payload was unreadable */
	char *reason; /* NULL when accepted */
	const char *key_name; /* the key that verified it, or NULL */
};

struct trust_sig_verdict {
	bool accepted;
	char digest[72]; /* the image's manifest digest */
	/* the first signature accepted: */
	const char *key_name;
	char *docker_reference;
	struct trust_sig_seen *sigs;
	size_t n_sigs;
};
void trust_sig_verdict_clear(struct trust_sig_verdict *v);

/*
 * Check the signatures a registry holds for repo@digest (tag
 * sha256-HEX.sig): each layer's payload is read (bounded), its signature
 * checked against each key, its digest against digest and, when
 * expect_ref is not NULL, its docker-reference against expect_ref
 * ("host/repo": the reference must be it or it with a tag).  Returns 0
 * when one signature passes (out says who), -EKEYREJECTED with one line in
 * e naming each signature's reason when none does (out says why each was
 * refused), -ENOENT when there are none, another error when the registry
 * failed.
 */
int trust_sigstore_verify_image(struct reg_client *c, const char *repo, const char *digest,
				const struct trust_pubkey *keys, size_t n_keys,
				const char *expect_ref, struct trust_sig_verdict *out,
				struct brig_err *e);
/* One payload and its base64 signature (detached, no registry). */
int trust_sigstore_verify_detached(const char *payload, size_t len, const char *b64,
				   const char *digest, const struct trust_pubkey *keys,
				   size_t n_keys, const char *expect_ref,
				   struct trust_sig_verdict *out, struct brig_err *e);
/* The digest of the manifest repo:tag names in the registry. */
int trust_image_digest(struct reg_client *c, const char *repo, const char *tag, char digest[72],
		       struct brig_err *e);
/*
 * Sign repo@digest with k as ref (the docker-reference) and add the
 * signature to the sha256-HEX.sig manifest (made, or extended when it
 * exists; an identical signature is not added twice): the payload blob,
 * the config blob, then the manifest under that tag.
 */
int trust_sigstore_sign_image(struct reg_client *c, const char *repo, const char *digest,
			      const char *ref, EVP_PKEY *k, struct brig_err *e);
/* The same with the signing time when (> 0) in the payload, as
 * `brig push --sign-by-sigstore-private-key` signs (rollback protection
 * orders signatures by it). */
int trust_sigstore_sign_image_at(struct reg_client *c, const char *repo, const char *digest,
				 const char *ref, EVP_PKEY *k, int64_t when, struct brig_err *e);

#endif /* BRIG_TRUST_SIGSTORE_H */
