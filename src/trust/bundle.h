/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trust/bundle: sigstore bundles (docs/trust-sigstore.md, "Bundles").
 *
 *   - the bundle (bundle.c): application/vnd.dev.sigstore.bundle.v0.3+json
 *     (also v0.2), its protobuf-JSON form parsed strictly (an unknown
 *     member, a wrong type or a size over the limits refuses it, naming the
 *     field), holding a DSSE envelope and its verification material: a
 *     public key hint, or a Fulcio certificate (chain), and Rekor entries;
 *   - DSSE (dsse.c): the signature is over PAE(payloadType, payload); the
 *     payload an in-toto statement (v0.1 or v1) whose subject's sha256
 *     must be the image's manifest digest;
 *   - Fulcio (fulcio.c): the leaf certificate chained to the policy's CA
 *     at the time Rekor says the entry was made, its SAN email and OIDC
 *     issuer extension (1.3.6.1.4.1.57264.1.8, or .1.1) compared;
 *   - Rekor (rekor.c): the signed entry timestamp (SET) and the inclusion
 *     proof (RFC 6962 audit path to the root hash of a checkpoint signed by
 *     the Rekor key), checked offline; the entry's body must describe this
 *     envelope (kind dsse 0.0.1 or intoto 0.0.2; Rekor v2's dsse 0.0.2,
 *     rekor_v2.c, with no SET: the checkpoint by the key its log ID names);
 *   - the registry (bundle_oci.c): bundles attached to an image as OCI 1.1
 *     referrers, found with the referrers API or its fallback tag
 *     sha256-HEX, and written the way cosign 3 writes them.
 *
 * Functions return 0 or a negative errno after filling the struct brig_err.
 */
#ifndef BRIG_TRUST_BUNDLE_H
#define BRIG_TRUST_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>

#include "common/common.h"

#define TRUST_MT_BUNDLE_03 "application/vnd.dev.sigstore.bundle.v0.3+json"
#define TRUST_MT_BUNDLE_02 "application/vnd.dev.sigstore.bundle+json;version=0.2"
#define TRUST_MT_INTOTO "application/vnd.in-toto+json"
#define TRUST_BUNDLE_MAX ((size_t)1 << 20)
#define TRUST_BUNDLE_MAX_CERTS 8
#define TRUST_BUNDLE_MAX_TLOG 8
#define TRUST_BUNDLE_MAX_PROOF 64 /* hashes in an audit path */
#define TRUST_BUNDLE_MAX_TSA 4 /* RFC 3161 timestamps */
/* cosign 3's predicate type for an image signature */
#define TRUST_BUNDLE_PREDICATE "https://sigstore.dev/cosign/sign/v1"

struct trust_tlog_entry {
	int64_t log_index;
	unsigned char log_id[32];
	char kind[16], version[16];
	int64_t integrated_time; /* 0 when absent */
	unsigned char *body; /* canonicalizedBody, decoded */
	size_t body_len;
	unsigned char *set; /* inclusionPromise.signedEntryTimestamp, or NULL */
	size_t set_len;
	bool has_proof;
	int64_t proof_index, tree_size;
	unsigned char root_hash[32];
	unsigned char (*hashes)[32];
	size_t n_hashes;
	char *checkpoint; /* the signed note, or NULL */
};

struct trust_bundle {
	char *media_type;
	/* verification material: a key hint, or certificates (leaf first) */
	char *key_hint;
	unsigned char *certs[TRUST_BUNDLE_MAX_CERTS]; /* DER */
	size_t cert_len[TRUST_BUNDLE_MAX_CERTS];
	size_t n_certs;
	struct trust_tlog_entry tlog[TRUST_BUNDLE_MAX_TLOG];
	size_t n_tlog;
	/* timestampVerificationData.rfc3161Timestamps[].signedTimestamp */
	unsigned char *tsa[TRUST_BUNDLE_MAX_TSA]; /* DER TimeStampResp */
	size_t tsa_len[TRUST_BUNDLE_MAX_TSA];
	size_t n_tsa;
	/* the DSSE envelope */
	char *payload_type;
	unsigned char *payload;
	size_t payload_len;
	unsigned char *sig; /* the one signature */
	size_t sig_len;
	char *sig_b64;
};

void trust_bundle_clear(struct trust_bundle *b);
/* Parse (strict, see above); what names the bundle in errors. */
int trust_bundle_parse(const char *json, size_t len, const char *what, struct trust_bundle *out,
		       struct brig_err *e);

/* ---- DSSE (dsse.c) --------------------------------------------------------- */

/* PAE(type, body) = "DSSEv1 LEN(type) type LEN(body) body", malloc'ed. */
int trust_dsse_pae(const char *type, const void *body, size_t len, unsigned char **out,
		   size_t *out_len, struct brig_err *e);
/* The in-toto statement in payload names digest ("sha256:HEX") among its
 * subjects: 0 (*name, when name is not NULL, that subject's name,
 * malloc'ed, or NULL when it has none), -EKEYREJECTED ("the statement is
 * for sha256:..., not ...") or -EINVAL when it is malformed. */
int trust_dsse_statement_check(const unsigned char *payload, size_t len, const char *digest,
			       char **name, struct brig_err *e);
/* A key-based bundle of an in-toto statement for digest (predicate
 * TRUST_BUNDLE_PREDICATE), signed with k: the bundle's JSON, malloc'ed. */
int trust_bundle_make(EVP_PKEY *k, const char *digest, const char *ref, char **json, size_t *len,
		      struct brig_err *e);

/* ---- Rekor (rekor.c) --------------------------------------------------------- */

/* RFC 6962 leaf hash of the entry's body and the audit path to the root. */
int trust_rekor_check_proof(const struct trust_tlog_entry *t, struct brig_err *e);
/* The checkpoint names the proof's tree size and root and is signed by one
 * of keys. */
int trust_rekor_check_checkpoint(const struct trust_tlog_entry *t, EVP_PKEY *const *keys,
				 size_t n_keys, struct brig_err *e);
/* The SET is one of keys' signature over the entry. */
int trust_rekor_check_set(const struct trust_tlog_entry *t, EVP_PKEY *const *keys, size_t n_keys,
			  struct brig_err *e);
/* The entry's body records this bundle's envelope (its signature and
 * payload hash). */
int trust_rekor_check_body(const struct trust_tlog_entry *t, const struct trust_bundle *b,
			   struct brig_err *e);

/* "the Rekor entry's body WHAT": -EKEYREJECTED. */
int trust_rekor_body_refuse(struct brig_err *e, const char *what);

/* ---- Rekor v2 (rekor_v2.c) ---------------------------------------------------- */

/* A Rekor v2 entry (kind dsse or hashedrekord, version 0.0.2): no SET, its
 * inclusion proof and checkpoint are its proof. */
bool trust_rekor_is_v2(const struct trust_tlog_entry *t);
/* The log ID of key k for a note signed under name (rekor-tiles' rules per
 * key type); a signature line's key ID is its first 4 bytes. */
int trust_rekor2_key_id(EVP_PKEY *k, const char *name, size_t name_len, unsigned char id[32],
			struct brig_err *e);
/* spec (of a dsse 0.0.2 body) records this envelope: its signature, by a
 * verifier whose key verifies it, and its payload's SHA-256. */
struct json_t;
int trust_rekor2_check_body(struct json_t *spec, const struct trust_bundle *b, struct brig_err *e);

/* ---- Fulcio (fulcio.c) ------------------------------------------------------- */

struct trust_bundle_policy;
/* The leaf (b->certs[0]) chains to one of p's CA certificates (PEM, one
 * or more) at time when (Rekor's, or an RFC 3161 timestamp's), is a
 * code-signing certificate, (when not NULL) holds p's email as a SAN and
 * p's issuer in the OIDC issuer extension, and its SCTs pass
 * trust_sct_check.  *leaf_key gets its public key. */
int trust_fulcio_check(const struct trust_bundle *b, const struct trust_bundle_policy *p,
		       time_t when, EVP_PKEY **leaf_key, struct brig_err *e);

/* ---- Certificate Transparency (sct.c) ---------------------------------------- */

/* With p's CT log keys: each SCT embedded in leaf (issued by issuer) by
 * one of those logs verifies, at a time no later than when; with
 * p->sct_required one at least does.  Nothing without keys. */
int trust_sct_check(X509 *leaf, X509 *issuer, const struct trust_bundle_policy *p, time_t when,
		    struct brig_err *e);

/* ---- RFC 3161 timestamps (tsa.c) -------------------------------------------- */

/* der (a TimeStampResp) is granted, signed by a TSA certificate that
 * chains to one of pem's (a TSA's own certificate or its CA) at the
 * token's time, for time stamping, over the hash of sig: 0 and *when the
 * token's genTime; -EKEYREJECTED with the reason otherwise. */
int trust_tsa_check(const unsigned char *der, size_t len, const unsigned char *sig, size_t sig_len,
		    const unsigned char *pem, size_t pem_len, time_t *when, struct brig_err *e);

/* ---- verification (bundle_verify.c) ---------------------------------------- */

/* What a bundle is checked against (sigstoreSigned's members). */
struct trust_bundle_policy {
	EVP_PKEY *const *keys; /* keyPath(s)/keyData(s), or none */
	size_t n_keys;
	const unsigned char *ca_pem; /* fulcio.caPath/caData, or NULL */
	size_t ca_len;
	const char *oidc_issuer, *subject_email; /* fulcio */
	EVP_PKEY *const *rekor_keys; /* rekorPublicKey*: entries required */
	size_t n_rekor_keys;
	/* TSA certificates (PEM): an RFC 3161 timestamp by one is required */
	const unsigned char *tsa_pem;
	size_t tsa_len;
	/* with tsa_pem: a certificate bundle with no Rekor entry at all is
	 * accepted, its certificate checked at the timestamp's time (policy.d
	 * timestampAuthorities' keylessWithoutRekor); entries it has are
	 * still checked */
	bool rekor_optional;
	/* CT log keys (policy.d certificateTransparency): a certificate's
	 * SCTs by those logs must verify; sct_required: one must */
	EVP_PKEY *const *ct_keys;
	size_t n_ct_keys;
	bool sct_required;
};

struct trust_bundle_result {
	int key_index; /* which of keys verified it, -1 for a certificate */
	char *email, *issuer; /* the certificate's, malloc'ed, or NULL */
	int64_t integrated_time; /* Rekor's, 0 when none was checked */
	size_t n_tlog; /* Rekor entries in the bundle, checked or not */
	bool set_checked; /* an entry's signed entry timestamp was verified */
	int64_t tsa_time; /* a verified RFC 3161 timestamp's, 0 when none */
	size_t n_tsa; /* RFC 3161 timestamps in the bundle, checked or not */
	char *subject_name; /* the statement's subject for the digest, or NULL */
};
void trust_bundle_result_clear(struct trust_bundle_result *r);

/* Verify a bundle's JSON for the image digest under p: 0 when it passes,
 * -EKEYREJECTED with the reason (one line) when it does not, -EINVAL when
 * it is malformed. */
int trust_bundle_verify(const char *json, size_t len, const char *digest,
			const struct trust_bundle_policy *p, struct trust_bundle_result *out,
			struct brig_err *e);

/* A public key (PEM) from the file name (pem NULL) or from pem, named
 * name in errors (trust_pubkey_load / trust_pubkey_parse). */
int trust_bundle_key_load(const char *name, const void *pem, size_t len, EVP_PKEY **out,
			  struct brig_err *e);

/* ---- the registry (bundle_oci.c) ------------------------------------------ */

struct reg_client;

/* The bundles attached to repo@digest: the referrers API filtered by the
 * bundle artifact type, else the fallback tag sha256-HEX (an OCI index);
 * each manifest listed whose artifactType is a bundle type gets its one
 * layer read (at most TRUST_BUNDLE_MAX bytes).  *bundles NULL-terminated
 * (brig_strv_free), *lens their lengths; -ENOENT when there are none. */
#define TRUST_MAX_BUNDLES 32
int trust_bundle_fetch(struct reg_client *c, const char *repo, const char *digest, char ***bundles,
		       size_t **lens, size_t *n, struct brig_err *e);
/* Sign repo@digest with k and attach the bundle: its layer, the empty
 * config, the referrer manifest (subject: the image), then the fallback
 * tag's index extended with it (as cosign does for registries without
 * the referrers API).  *ref_digest: the referrer manifest's digest. */
int trust_bundle_sign_image(struct reg_client *c, const char *repo, const char *digest,
			    const char *ref, EVP_PKEY *k, char ref_digest[72], struct brig_err *e);

/* ---- the policy (bundle_policy.c) ------------------------------------------- */

struct trust_req;
struct img_ref;
/* What the policy verifier needs: the image and where its bundles are. */
struct trust_bundle_ctx {
	struct reg_client *client; /* NULL: only the bundles below */
	const char *repo; /* the repository in the registry */
	const char *digest; /* the image's manifest digest */
	/* bundles already at hand (e.g. stored with the image), or none */
	const char *const *bundles;
	const size_t *lens;
	size_t n_bundles;
	/* out: the accepted bundle's signing time, Rekor's integratedTime
	 * under a signed entry timestamp one of the policy's Rekor keys
	 * verified; 0 when it has none, untimed (static text) saying why */
	int64_t signed_at;
	const char *untimed;
};
/*
 * A trust_verify_fn for sigstoreSigned (struct trust_verifiers.sigstore,
 * ctx a struct trust_bundle_ctx): loads the requirement's keys, CA and
 * Rekor keys, and accepts when one bundle passes trust_bundle_verify (1);
 * 0 with each bundle's reason in why otherwise.
 */
int trust_bundle_policy_verify(const struct trust_req *req, const struct img_ref *ref, void *ctx,
			       char *why, size_t why_len, struct brig_err *e);

#endif /* BRIG_TRUST_BUNDLE_H */
