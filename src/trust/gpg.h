/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trust/gpg: GPG "simple signing" (the atomic container signature that
 * skopeo and podman write with --sign-by), its lookaside store and the
 * registries.d configuration that names the store (docs/trust-gpg.md).
 *
 *   - registries.d (registriesd.c, registriesd_yaml.c): every NAME.yaml of
 *     /etc/containers/registries.d (BRIG_REGISTRIES_D overrides it), as
 *     containers-registries.d(5): "default-docker" and "docker" (a map of
 *     namespaces) with lookaside, lookaside-staging (and their old names
 *     sigstore, sigstore-staging) and use-sigstore-attachments.  The YAML
 *     is read by a strict subset parser (block mappings of scalars only);
 *     an unknown member, a namespace defined twice, a bad URL is an error
 *     naming the file and the field;
 *   - the lookaside (lookaside.c): BASE/REPO@sha256=HEX/signature-N, N
 *     from 1 until the first one missing, read over file://, http or https
 *     (at most TRUST_GPG_SIG_MAX bytes each, TRUST_GPG_MAX_SIGS of them);
 *     written to a file:// staging store only;
 *   - verification (gpg.c, gpg_verify.c): the keys of a signedBy
 *     requirement (keyPath, keyPaths, keyData) are imported into a fresh
 *     GNUPGHOME made for the check and removed after it (never the user's
 *     keyring); a signature must be one valid OpenPGP signature by one of
 *     them, and its payload (critical.type "atomic container signature")
 *     must name the image's manifest digest and a docker-reference the
 *     requirement's signedIdentity accepts;
 *   - signing (gpg_sign.c): with the user's keyring (GNUPGHOME), as skopeo
 *     copy --sign-by does.
 *
 * Functions return 0 or a negative errno after filling the struct brig_err.
 */
#ifndef BRIG_TRUST_GPG_H
#define BRIG_TRUST_GPG_H

#include <stdbool.h>
#include <stddef.h>

#include "common/common.h"
#include "trust/policy.h"

/* ---- registries.d -------------------------------------------------------- */

#define TRUST_REGISTRIES_D "/etc/containers/registries.d"
#define TRUST_REGISTRIES_D_ENV "BRIG_REGISTRIES_D"
#define TRUST_REGISTRIES_D_FILE_MAX ((size_t)1 << 20)
#define TRUST_REGISTRIES_D_MAX_FILES 256
#define TRUST_REGISTRIES_D_MAX_NS 4096

/* One namespace of "docker" (or "default-docker", name NULL). */
struct trust_rd_ns {
	char *name;
	char *file; /* where it was defined, for messages */
	char *lookaside, *lookaside_staging; /* URLs, or NULL */
	int use_sigstore_attachments; /* -1: not said */
};

struct trust_registries_d {
	struct trust_rd_ns *dflt; /* default-docker, or NULL */
	struct trust_rd_ns *ns;
	size_t n;
};
void trust_registries_d_free(struct trust_registries_d *c);
static inline void trust_registries_d_freep(struct trust_registries_d **c)
{
	if (*c)
		trust_registries_d_free(*c);
}
#define _cleanup_registries_d_ _cleanup_(trust_registries_d_freep)

/*
 * The YAML subset: a document of block mappings (two levels and more,
 * keys plain or quoted, indentation by spaces), scalars plain, 'single'
 * or "double" quoted (escapes \\ \" \/ \n \t \uXXXX), "{}" for an empty
 * mapping, comments and blank lines.  Plain true/false are booleans,
 * null, ~ and nothing are null; every other scalar is a string.  Anything
 * else (sequences, flow collections, anchors, tags, block scalars, several
 * documents) is an error "FILE:LINE: WHAT".  *out is a JSON object.
 */
#define TRUST_YAML_MAX_DEPTH 8
int trust_yaml_parse(const char *buf, size_t len, const char *file, json_t **out,
		     struct brig_err *e);

/* Add one file's configuration (its YAML in buf) to c. */
int trust_registries_d_add(struct trust_registries_d *c, const char *buf, size_t len,
			   const char *file, struct brig_err *e);
/* Read dir (NULL: $BRIG_REGISTRIES_D, else TRUST_REGISTRIES_D); a missing
 * directory is an empty configuration.  Files are read in name order;
 * each must be trusted (brig_file_trusted). */
int trust_registries_d_load(const char *dir, struct trust_registries_d **out, struct brig_err *e);

/*
 * The namespace that decides for ref (its registry host, repository and
 * tag or digest): the whole reference, the repository, each parent
 * namespace, the host, "*.DOMAIN" wildcards, then default-docker; one
 * that does not say what is asked is passed over, as containers/image
 * does.  *url: the lookaside base for ref (staging first when write),
 * "/REPO" appended (malloc'ed); when no namespace names one,
 * containers/image's default (file:///var/lib/containers/sigstore for
 * root, $HOME/.local/share/containers/sigstore otherwise), NULL without
 * HOME.
 */
int trust_lookaside_base(const struct trust_registries_d *c, const struct img_ref *ref, bool write,
			 char **url, struct brig_err *e);
/* use-sigstore-attachments for ref (false when no namespace says). */
bool trust_use_sigstore_attachments(const struct trust_registries_d *c, const struct img_ref *ref);

/* ---- the lookaside store (lookaside.c) ------------------------------------ */

#define TRUST_GPG_SIG_MAX ((size_t)4 << 20) /* as containers/image */
#define TRUST_GPG_MAX_SIGS 64

struct trust_gpg_sigs {
	struct trust_blob *v;
	size_t n;
};
void trust_gpg_sigs_clear(struct trust_gpg_sigs *s);
/* Append a copy of data. */
int trust_gpg_sigs_add(struct trust_gpg_sigs *s, const void *data, size_t len, struct brig_err *e);

/* The signatures of DIGEST under base (trust_lookaside_base):
 * BASE@sha256=HEX/signature-1, -2, ... until one is missing (404 or
 * ENOENT).  certs_dir: the CA directory for https (NULL: the registry
 * client's default). */
int trust_lookaside_get(const char *base, const char *digest, const char *certs_dir,
			struct trust_gpg_sigs *out, struct brig_err *e);
/* Write sig as the next free signature-N under base (a file:// URL),
 * unless an identical one is there; *n (may be NULL) gets N. */
int trust_lookaside_put(const char *base, const char *digest, const void *sig, size_t len,
			unsigned *n, struct brig_err *e);

/* ---- verification (gpg.c, gpg_verify.c) ------------------------------------ */

#define TRUST_GPG_TYPE "atomic container signature"
#define TRUST_GPG_KEYFILE_MAX ((size_t)1 << 20)
#define TRUST_GPG_FPR_MAX 64

/* What became of one signature. */
struct trust_gpg_seen {
	char fpr[TRUST_GPG_FPR_MAX + 1]; /* the signing key, "" when unknown */
	char *docker_reference; /* NULL when the payload was not read */
	char *reason; /* NULL when accepted */
};

struct trust_gpg_result {
	bool accepted;
	int accepted_by; /* index in seen, -1 */
	struct trust_gpg_seen *seen;
	size_t n;
};
void trust_gpg_result_clear(struct trust_gpg_result *r);

/*
 * Check sigs against req (a signedBy requirement) for the image ref (NULL:
 * named by a path; only exactReference and exactRepository can then
 * match) whose manifest digest is digest.  1: one signature is accepted;
 * 0: none (res says why each was refused; a one-line summary in why);
 * <0: an error (keys unreadable, GPG failed).
 */
int trust_gpg_check(const struct trust_req *req, const struct img_ref *ref, const char *digest,
		    const struct trust_gpg_sigs *sigs, struct trust_gpg_result *res, char *why,
		    size_t why_len, struct brig_err *e);

/*
 * The signedBy verifier for struct trust_verifiers: ctx is a
 * struct trust_gpg_ctx.  The signatures are ctx->sigs when set (e.g. those
 * stored with the image), else fetched from the lookaside that
 * registries.d names for ref.
 */
struct trust_gpg_ctx {
	const char *digest; /* the image's manifest digest (required) */
	const struct trust_gpg_sigs *sigs; /* NULL: from the lookaside */
	const char *registries_d; /* NULL: trust_registries_d_load's default */
	const char *certs_dir; /* for an https lookaside; NULL: default */
	struct trust_gpg_result result; /* out: the last check's (cleared on entry) */
};
int trust_gpg_verify(const struct trust_req *req, const struct img_ref *ref, void *ctx, char *why,
		     size_t why_len, struct brig_err *e);

/* ---- signing (gpg_sign.c) ---------------------------------------------------- */

/* The atomic signature payload for ref and digest, with optional.creator
 * "brig VERSION" and optional.timestamp now (malloc'ed, *len). */
int trust_gpg_payload_make(const char *ref, const char *digest, char **out, size_t *len,
			   struct brig_err *e);
/* Sign ref@digest with key (a fingerprint, key ID or user ID in the
 * user's keyring, GNUPGHOME or ~/.gnupg); BRIG_PASSPHRASE, when set, is
 * given to gpg (loopback pinentry).  *sig: the binary OpenPGP message. */
int trust_gpg_sign(const char *key, const char *ref, const char *digest, char **sig, size_t *len,
		   struct brig_err *e);

/* The hook push and `brig trust sign --sign-by` use: sign ref (a
 * reference with a tag or digest) at digest with key, and store the
 * signature in the staging lookaside registries.d names for ref.  *where
 * (may be NULL) gets the file written (malloc'ed). */
int trust_gpg_sign_to_lookaside(const char *key, const struct img_ref *ref, const char *digest,
				const char *registries_d, char **where, struct brig_err *e);
/* What push checks before it uploads anything: key has a secret key in
 * the user's keyring and registries.d names a file:// staging lookaside
 * for ref (the passphrase is only tried when signing). */
int trust_gpg_sign_check(const char *key, const struct img_ref *ref, const char *registries_d,
			 struct brig_err *e);

#endif /* BRIG_TRUST_GPG_H */
