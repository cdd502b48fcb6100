/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trust/check: the signature policy applied to an image's signatures, as
 * pull, load, run and create ask for it (docs/trust-check.md).
 *
 *   - a signature is kept as found (struct trust_sig: its format, its
 *     payload and its signature), so it can be stored beside the image and
 *     judged again later against the policy as it stands then;
 *   - fetchers (check_fetch.c) find an image's signatures in a registry,
 *     one per place signatures are kept (the sigstore `.sig` attachment,
 *     sigstore bundles as OCI referrers, the registries.d GPG lookaside);
 *   - verifiers (check.c) judge one signature format for one kind of
 *     requirement (sigstoreSigned over `.sig` payloads and over bundles,
 *     signedBy over GPG signatures), the requirement's signedIdentity
 *     applied to every signature;
 *   - the decision (trust_check_decide) is trust_policy_decide's, with a
 *     record of every signature and why each was refused, and the refusal
 *     text (trust_check_refusal) names the scope, the signatures and the
 *     ways forward;
 *   - rollback state (check_state.c): per (identity, tag) the newest
 *     accepted signature time and its digest.
 */
#ifndef BRIG_TRUST_CHECK_H
#define BRIG_TRUST_CHECK_H

#include "trust/policy.h"

#include <stdint.h>

/* Formats of struct trust_sig.format. */
#define TRUST_FMT_SIMPLESIG "sigstore-simplesig" /* cosign .sig layer */
/* GPG atomic container signature from a lookaside: no payload (it is inside
 * the signature), the OpenPGP message base64 in signature. */
#define TRUST_FMT_GPG "gpg-simplesig"
/* sigstore bundle (OCI referrer): the bundle's JSON as payload, signature "". */
#define TRUST_FMT_BUNDLE "sigstore-bundle"
/* Notary v1 (notaryTrust, check_notary.c): the documents a tag's TUF
 * verification rests on, as JSON in payload; signature "". */
#define TRUST_FMT_NOTARY "notary-tuf"

struct trust_sig {
	char *format; /* TRUST_FMT_* */
	char *source; /* where it was found: "registry: TAG", "store", ... */
	unsigned char *payload; /* may be NULL (a format without one) */
	size_t payload_len;
	char *signature; /* base64 */
};

struct trust_sigs {
	struct trust_sig *v;
	size_t n;
};
void trust_sigs_clear(struct trust_sigs *s);
int trust_sigs_add(struct trust_sigs *s, const char *format, const char *source,
		   const void *payload, size_t len, const char *signature, struct brig_err *e);
/* [{"Format", "Source", "Payload" (base64), "Signature"}] */
json_t *trust_sigs_json(const struct trust_sigs *s);
/* The array above (what names it in errors); at most TRUST_CHECK_MAX_SIGS. */
int trust_sigs_parse(const json_t *arr, const char *what, struct trust_sigs *out,
		     struct brig_err *e);
#define TRUST_CHECK_MAX_SIGS 64

/* What one requirement made of one signature. */
struct trust_sig_result {
	size_t sig, req; /* indexes */
	char *why; /* NULL: the signature meets the requirement */
	char *key; /* the key that verified it (a path, or "keyData[N]") */
	char *identity; /* its docker-reference, when read */
	int64_t time; /* its signing time (payload optional.timestamp), or 0 */
	const char *untimed; /* static: why time is 0, when the plug knows */
};

/* A verifier plug: does sig (of the plug's format) meet req for the image
 * ref (by tag or digest) whose manifest digest is digest?  1 yes, 0 no
 * (res->why says why), < 0 an error.  res->key, identity, time filled as
 * far as known. */
typedef int (*trust_sig_verify_fn)(const struct trust_req *req, const struct img_ref *ref,
				   const char *digest, const struct trust_sig *sig,
				   struct trust_sig_result *res, struct brig_err *e);
struct trust_sig_verifier {
	enum trust_req_kind kind;
	const char *format;
	trust_sig_verify_fn fn;
};
/* check_simplesig.c: sigstoreSigned over a simple signing payload. */
int trust_check_simplesig(const struct trust_req *req, const struct img_ref *ref,
			  const char *digest, const struct trust_sig *sig,
			  struct trust_sig_result *res, struct brig_err *e);

/* check_gpg.c: signedBy over a GPG simple signing signature. */
int trust_check_gpg(const struct trust_req *req, const struct img_ref *ref, const char *digest,
		    const struct trust_sig *sig, struct trust_sig_result *res, struct brig_err *e);
/* check_bundle.c: sigstoreSigned over a sigstore bundle. */
int trust_check_bundle(const struct trust_req *req, const struct img_ref *ref, const char *digest,
		       const struct trust_sig *sig, struct trust_sig_result *res,
		       struct brig_err *e);

/* check_notary.c: notaryTrust over a notary-tuf record. */
int trust_check_notary(const struct trust_req *req, const struct img_ref *ref, const char *digest,
		       const struct trust_sig *sig, struct trust_sig_result *res,
		       struct brig_err *e);
/* check_notary.c, at pull before the manifest is fetched: the TUF update
 * for ref's GUN from q's server (CA from certs_dir/HOST:PORT/ca.crt;
 * NULL: the default certs.d), state under root/trust/notary, and ref's tag
 * (or digest) looked up: the signed manifest digest ("sha256:HEX") and
 * length, and the record (TRUST_FMT_NOTARY) added to sigs. */
int trust_notary_resolve(const struct trust_req *q, const struct img_ref *ref, const char *root,
			 const char *certs_dir, struct trust_sigs *sigs, char digest[80],
			 uint64_t *length, struct brig_err *e);

/* ---- fetching (check_fetch.c) ---------------------------------------------- */

struct reg_client;
/* A fetcher plug: the signatures of repo@digest (repo: the repository in
 * c's registry; ref: the image's name, with its tag or digest, for
 * lookaside configuration) it finds into out (none
 * found is 0 with nothing added); *note (malloc'ed, may stay NULL) says
 * what it looked at, for the refusal. */
typedef int (*trust_sig_fetch_fn)(struct reg_client *c, const char *repo, const struct img_ref *ref,
				  const char *digest, struct trust_sigs *out, char **note,
				  struct brig_err *e);
struct trust_sig_fetcher {
	enum trust_req_kind kind; /* fetched when a requirement of this kind applies */
	const char *name;
	trust_sig_fetch_fn fn;
};
/* The signatures the requirements reqs need (nothing for
 * insecureAcceptAnything or reject); *notes: what each fetcher looked at, "; "-separated. */
int trust_sigs_fetch(struct reg_client *c, const char *repo, const struct img_ref *ref,
		     const char *digest, const struct trust_reqs *reqs, struct trust_sigs *out,
		     char **notes, struct brig_err *e);
/* The registries.d directory the GPG lookaside fetcher reads from now on
 * (NULL, the default: $BRIG_REGISTRIES_D, else
 * /etc/containers/registries.d): the one command's --registries-d. */
void trust_fetch_set_registries_d(const char *dir);
/* Does any requirement of reqs need a signature? */
bool trust_reqs_need_sigs(const struct trust_reqs *reqs);

/* ---- the decision (check.c) ------------------------------------------------- */

struct trust_check {
	struct trust_decision d;
	const struct trust_policy *policy;
	const struct trust_sigs *sigs;
	const char *digest;
	int64_t max_age; /* seconds, 0: none (policy.d maxSignatureAge) */
	int64_t now;
	struct trust_sig_result *res;
	size_t n_res;
	int64_t newest; /* newest accepted signature's time (0: none or untimed) */
};
void trust_check_clear(struct trust_check *c);

/*
 * Decide for ref (transport "docker") whose manifest digest is digest,
 * over the signatures sigs (every one judged by every signature
 * requirement, its identity rule included).  now: the time signatures'
 * ages are judged at (policy.d maxSignatureAge); 0: no age check (run).
 */
int trust_check_decide(const struct trust_policy *p, const struct img_ref *ref, const char *digest,
		       const struct trust_sigs *sigs, int64_t now, struct trust_check *out,
		       struct brig_err *e);
/* The same for an archive named by path (transport docker-archive or
 * oci-archive); signatures judged against ref when it is not NULL (the
 * name the archive gives the image). */
int trust_check_decide_path(const struct trust_policy *p, const char *transport, const char *path,
			    const struct img_ref *ref, const char *digest,
			    const struct trust_sigs *sigs, int64_t now, struct trust_check *out,
			    struct brig_err *e);

/* "transports.docker[\"S\"]", "transports.docker[\"\"] (...)" or "default":
 * the scope that applied, malloc'ed. */
char *trust_check_scope_name(const struct trust_check *c);
/* The refusal (one line): the image, the policy
 * and scope, the reason, each signature and why it was refused, and the
 * three ways forward.  malloc'ed, NULL on ENOMEM. */
char *trust_check_refusal(const struct trust_check *c, const char *image);
/* The accepted signers as JSON [{"Key", "Identity", "SignedAt"}]. */
json_t *trust_check_signers(const struct trust_check *c);

/* ---- freshness and rollback (check_state.c) --------------------------------- */

/* policy.d maxSignatureAge for the scope that applied (0: none). */
int64_t trust_policy_max_age(const struct trust_policy *p, const struct trust_match *m);

/*
 * Rollback state: ROOT/trust/rollback.json, per key (identity "\n" tag)
 * the newest accepted signature time and its digest.  check: 0, or
 * -ESTALE with a message when digest is signed earlier than what was
 * accepted before for key under another digest (allow: a warning
 * instead).  record: keep time and digest when newer (locked, atomic).
 */
int trust_rollback_check(const char *root, const char *key, const char *digest, int64_t time,
			 bool allow, struct brig_err *e);
int trust_rollback_record(const char *root, const char *key, const char *digest, int64_t time,
			  struct brig_err *e);

#endif
