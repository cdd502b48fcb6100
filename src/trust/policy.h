/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trust: the signature policy, containers-policy.json(5) as podman, skopeo
 * and CRI-O read it (docs/trust.md).  This header is the policy's part of
 * the trust module: parsing (strict: an unknown field or a wrong type
 * rejects the file, naming the file and the field), the scope that applies
 * to an image, the identity rules, and the decision pull will ask for.
 * The signature verifiers (sigstore, GPG) plug in through
 * struct trust_verifiers; where none is linked, a requirement that needs a
 * signature is "signature check not available", never accepted.
 */
#ifndef BRIG_TRUST_POLICY_H
#define BRIG_TRUST_POLICY_H

#include "common/common.h"
#include "image/store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest policy file read. */
#define TRUST_POLICY_MAX (1024 * 1024)

/* signedIdentity: how a signature's docker-reference must relate to the
 * image's reference. */
enum trust_ident_kind {
	TRUST_IDENT_MATCH_REPO_DIGEST_OR_EXACT, /* the default */
	TRUST_IDENT_MATCH_EXACT,
	TRUST_IDENT_MATCH_REPOSITORY,
	TRUST_IDENT_EXACT_REFERENCE,
	TRUST_IDENT_EXACT_REPOSITORY,
	TRUST_IDENT_REMAP_IDENTITY,
};

struct trust_identity {
	enum trust_ident_kind kind;
	char *docker_reference; /* exactReference */
	char *docker_repository; /* exactRepository */
	char *prefix, *signed_prefix; /* remapIdentity */
};

/* A key given by value (keyData, keyDatas, caData, rekorPublicKeyData):
 * the base64 of the policy, decoded. */
struct trust_blob {
	unsigned char *data;
	size_t len;
};

struct trust_fulcio {
	char *ca_path; /* exactly one of ca_path, ca_data */
	struct trust_blob ca_data;
	char *oidc_issuer;
	char *subject_email;
};

enum trust_req_kind {
	TRUST_REQ_ACCEPT_ANYTHING, /* insecureAcceptAnything */
	TRUST_REQ_REJECT, /* reject */
	TRUST_REQ_SIGNED_BY, /* signedBy (keyType GPGKeys) */
	TRUST_REQ_SIGSTORE, /* sigstoreSigned */
	TRUST_REQ_NOTARY, /* notaryTrust (brig's, policy.d only; docs/trust-notary.md) */
};

/* One requirement.  Keys: key_paths (keyPath or keyPaths) or key_datas
 * (keyData or keyDatas, n_key_datas of them) or, for sigstoreSigned only,
 * fulcio.  rekor_paths / rekor_datas: sigstoreSigned's
 * rekorPublicKeyPath(s) / rekorPublicKeyData(s). */
struct trust_req {
	enum trust_req_kind kind;
	char **key_paths; /* NULL-terminated, or NULL */
	struct trust_blob *key_datas;
	size_t n_key_datas;
	struct trust_fulcio *fulcio;
	char **rekor_paths;
	struct trust_blob *rekor_datas;
	size_t n_rekor_datas;
	struct trust_identity identity;
	/* notaryTrust: server (NULL: Docker's choice for the registry),
	 * rootKeys (key IDs) or rootCAs (PEM files), or neither (trust on
	 * first use) */
	char *notary_server;
	char **notary_root_keys, **notary_root_cas;
	/* sigstoreSigned, brig's (policy.d timestampAuthorities): TSA
	 * certificates (PEM file); a bundle then needs an RFC 3161 timestamp
	 * by one of them.  NULL: none required.  tsa_rekor_optional: its
	 * keylessWithoutRekor, a certificate bundle without any Rekor entry
	 * timed by that timestamp alone (bundle.h rekor_optional). */
	char *tsa_path;
	bool tsa_rekor_optional;
	/* sigstoreSigned, brig's (policy.d certificateTransparency): CT log
	 * keys (PEM files) a Fulcio certificate's SCTs are checked against;
	 * sct_required: one SCT by them is needed.  NULL: none checked. */
	char **ct_key_paths;
	bool sct_required;
};

struct trust_reqs {
	struct trust_req *v;
	size_t n; /* never 0 in a parsed policy */
};

struct trust_scope {
	char *name; /* "" is the transport's default */
	struct trust_reqs reqs;
};

struct trust_transport {
	char *name; /* "docker", "docker-archive", ... */
	struct trust_scope *scopes;
	size_t n;
};

struct trust_policy {
	char *file; /* where it was read from, for messages */
	bool builtin; /* brig's shipped default (no policy file) */
	/* brig's own rule (not in containers-policy.json): a reference pinned
	 * by digest is accepted when no scope of "transports" names it (the
	 * policy's "default" applies).  On for the system's policy (the file
	 * or the built-in one) unless TRUST_POLICY_D turns it off; off for a
	 * policy named with --signature-policy, read as podman reads it. */
	bool accept_pinned_digests;
	/* brig's maxSignatureAge (policy.d): the oldest signature accepted,
	 * per scope ("SCOPE" of transports.docker, "" its default, "default"
	 * the policy's), in seconds. */
	struct trust_max_age {
		char *scope;
		int64_t seconds;
	} * max_ages;
	size_t n_max_ages;
	struct trust_reqs dflt;
	/* BRIG_CONTENT_TRUST=1 (trust_policy_notary_env): the requirements of
	 * a tag no docker scope names, instead of dflt. */
	struct trust_reqs notary_dflt;
	struct trust_transport *transports;
	size_t n_transports;
};

/* Parse a policy from a buffer; file names it in errors ("FILE: PATH:
 * WHAT", e.g. `P: transports.docker["example.com"][0].keyPth: unknown
 * key`). */
int trust_policy_parse(const char *buf, size_t len, const char *file, struct trust_policy **out,
		       struct brig_err *e);
/* Read a policy: path, or NULL for the system's (TRUST_POLICY_FILE, with
 * brig's settings from TRUST_POLICY_D); with path NULL and no such file,
 * brig's built-in default (trust_policy_builtin).  The file must be trusted
 * (brig_file_trusted) and at most TRUST_POLICY_MAX bytes. */
int trust_policy_load(const char *path, struct trust_policy **out, struct brig_err *e);
/* policy_inputs.c: the files a decision under p (read by
 * trust_policy_load(path)) depends on, as "Fpath" (a file) and "Dpath"
 * (policy.d's listing) entries, NULL-terminated (brig_strv_free);
 * -ENOTSUP (e untouched) when it has no fingerprint (notaryTrust, a
 * relative path). */
int trust_policy_inputs(const char *path, const struct trust_policy *p, char ***out,
			struct brig_err *e);
/* One SHA-256 over those inputs as they are now, and over where
 * trust_policy_load(path) reads: equal fingerprints, the same decision.
 * since (the time the policy was read, or NULL): -EAGAIN (e untouched)
 * when an input changed after it or less than a second before. */
struct timespec;
int trust_policy_fingerprint(const char *path, char *const *inputs, const struct timespec *since,
			     char hex[BRIG_SHA256_HEX], struct brig_err *e);
/* Where trust_policy_load(path) reads: *file the policy, *ddir brig's
 * settings (NULL with a path), both malloc'ed. */
int trust_policy_where(const char *path, char **file, char **ddir, struct brig_err *e);
/* brig's shipped default: tags must be signed by a key the policy names
 * (it names none: they are refused), references pinned by digest are
 * accepted, archives are accepted.  The JSON is TRUST_POLICY_BUILTIN_JSON. */
int trust_policy_builtin(struct trust_policy **out, struct brig_err *e);
void trust_policy_free(struct trust_policy *p);
static inline void trust_policy_freep(struct trust_policy **p)
{
	if (*p)
		trust_policy_free(*p);
}
#define _cleanup_trust_policy_ _cleanup_(trust_policy_freep)

#define TRUST_POLICY_FILE "/etc/brig/policy.json"
#define TRUST_POLICY_D "/etc/brig/policy.d"
/* The environment variable that moves the system's policy: DIR/policy.json
 * and DIR/policy.d instead of the two above (tests, rootless setups). */
#define TRUST_POLICY_DIR_ENV "BRIG_POLICY_DIR"

/* brig's settings (docs/trust.md): every file of DIR named NAME.json, in
 * name order, each an object with only "acceptPinnedDigests" (boolean) and
 * "maxSignatureAge" (an object: scope -> seconds); a later file wins.  Sets p->accept_pinned_digests (true when DIR is absent
 * or says nothing). */
int trust_brig_settings_load(const char *dir, struct trust_policy *p, struct brig_err *e);
/* Archives (brig load) are the user's own files: accepted, their stored
 * signatures checked only when a policy asks for them (docs/trust-check.md). */
#define TRUST_POLICY_BUILTIN_JSON                                            \
	"{\"default\":[{\"type\":\"reject\"}],\"transports\":{"              \
	"\"docker-archive\":{\"\":[{\"type\":\"insecureAcceptAnything\"}]}," \
	"\"oci-archive\":{\"\":[{\"type\":\"insecureAcceptAnything\"}]}}}"

const char *trust_req_kind_name(enum trust_req_kind k);

/* Docker's BRIG_CONTENT_TRUST=1 (docs/trust-notary.md): every scope of
 * transports.docker also needs {"type":"notaryTrust","server":server}
 * (server NULL: Docker's choice per registry), and a tag that no docker
 * scope names needs only that, instead of the policy's default. */
int trust_policy_notary_env(struct trust_policy *p, const char *server, struct brig_err *e);
const char *trust_ident_kind_name(enum trust_ident_kind k);

/* ---- which scope applies ------------------------------------------------ */

struct trust_match {
	const char *transport; /* the policy's transport entry, or NULL */
	/* The scope that applied: a key of transports[transport] ("" is its
	 * default), or NULL when the policy's "default" applied. */
	const char *scope;
	const struct trust_reqs *reqs;
};

/*
 * The requirements for ref on transport ("docker"): the scope equal to the
 * whole reference, then its repository, each parent namespace, the host
 * (with its port), then "*.domain" wildcards from the longest, then the
 * transport's "" scope, then "default".  ref must have a tag or a digest,
 * not both.
 */
int trust_policy_lookup(const struct trust_policy *p, const char *transport,
			const struct img_ref *ref, struct trust_match *out, struct brig_err *e);

/*
 * The same for an image named by a path (transport "oci-archive", "oci",
 * "dir", "docker-archive"): path absolute, with symlinks resolved (as
 * containers/image resolves it).  oci-archive, oci, dir: the scope equal to
 * path, then each parent directory but "/"; docker-archive: none; then
 * the transport's "" scope, then "default".
 */
int trust_policy_lookup_path(const struct trust_policy *p, const char *transport, const char *path,
			     struct trust_match *out, struct brig_err *e);

/* ---- identities ---------------------------------------------------------- */

/*
 * Does a signature whose critical.identity.docker-reference is sig_ref
 * satisfy id for the image named image (with a tag or a digest)?  An
 * unparsable sig_ref never does.
 */
bool trust_identity_matches(const struct trust_identity *id, const struct img_ref *image,
			    const char *sig_ref);

/* ---- the decision -------------------------------------------------------- */

enum trust_verdict {
	TRUST_ACCEPT,
	TRUST_REJECT,
};

/*
 * A verifier for one kind of requirement: is the image (ctx: what the
 * caller knows of it, e.g. its manifest digest and signatures) signed as
 * req demands?  1: yes; 0: no, with the reason in why; <0: an error (e).
 */
typedef int (*trust_verify_fn)(const struct trust_req *req,
			       const struct img_ref *ref /* NULL: named by a path */, void *ctx,
			       char *why, size_t why_len, struct brig_err *e);

struct trust_verifiers {
	trust_verify_fn signed_by; /* GPG simple signing; NULL: not linked */
	trust_verify_fn sigstore; /* sigstoreSigned; NULL: not linked */
	trust_verify_fn notary; /* notaryTrust; NULL: not linked */
	void *ctx;
};

struct trust_decision {
	enum trust_verdict verdict;
	struct trust_match match;
	/* Which requirement decided (index in match.reqs), or -1 when the
	 * brig-only pinned-digest rule did. */
	int decided_by;
	char reason[512];
};

/*
 * Decide for ref on transport: every requirement of the scope that applies
 * must be met (reject never is, insecureAcceptAnything always is, the
 * signature kinds by their verifier: v or one of its members NULL means
 * "signature check not available", a rejection).
 */
int trust_policy_decide(const struct trust_policy *p, const char *transport,
			const struct img_ref *ref, const struct trust_verifiers *v,
			struct trust_decision *out, struct brig_err *e);

/* trust_policy_decide for an image named by a path (trust_policy_lookup_path);
 * verifiers get a NULL reference. */
int trust_policy_decide_path(const struct trust_policy *p, const char *transport, const char *path,
			     const struct trust_verifiers *v, struct trust_decision *out,
			     struct brig_err *e);

#endif
