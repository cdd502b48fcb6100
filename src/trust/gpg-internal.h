/* SPDX-License-Identifier: Apache-2.0 */
/* trust/gpg: what gpg.c, gpg_verify.c and gpg_sign.c share (private). */
#ifndef BRIG_TRUST_GPG_INTERNAL_H
#define BRIG_TRUST_GPG_INTERNAL_H

#include "trust/gpg.h"

#include "trust/gpgme-shim.h"

/* GPGME set up once (version check, locale); 0 or -ELIBACC. */
int trust_gpgme_init(struct brig_err *e);

/* A throwaway keyring: a fresh GNUPGHOME (mode 0700 under $TMPDIR or
 * /tmp) holding only the keys imported into it; removed by
 * trust_gpg_keyring_free. */
struct trust_gpg_keyring {
	char *home;
	gpgme_ctx_t ctx;
	char **fprs; /* the imported keys' primary fingerprints */
	size_t n;
};
int trust_gpg_keyring_new(struct trust_gpg_keyring **out, struct brig_err *e);
void trust_gpg_keyring_free(struct trust_gpg_keyring *k);
static inline void trust_gpg_keyring_freep(struct trust_gpg_keyring **k)
{
	if (*k)
		trust_gpg_keyring_free(*k);
}
#define _cleanup_gpg_keyring_ _cleanup_(trust_gpg_keyring_freep)
/* Import the public keys in data (binary or armored); name is used in
 * errors.  A file without a key is an error. */
int trust_gpg_keyring_import(struct trust_gpg_keyring *k, const void *data, size_t len,
			     const char *name, struct brig_err *e);
/* The keys of a signedBy requirement (keyPath, keyPaths, keyData). */
int trust_gpg_keyring_from_req(const struct trust_req *req, struct trust_gpg_keyring **out,
			       struct brig_err *e);

/*
 * Verify one signature (an OpenPGP message holding the payload) with the
 * keyring: 1 and *payload (malloc'ed, at most TRUST_PAYLOAD_MAX bytes)
 * when it is one good signature by one of its keys; 0 with the reason in
 * why when not; fpr gets the signing key as GPG names it when known.
 */
int trust_gpg_keyring_verify(struct trust_gpg_keyring *k, const void *sig, size_t len,
			     char **payload, size_t *plen, char fpr[TRUST_GPG_FPR_MAX + 1],
			     char *why, size_t why_len, struct brig_err *e);

/* A gpgme_data_t that receives at most max bytes into a buffer. */
struct trust_gpg_sink {
	char *buf;
	size_t len, max;
	bool over;
};
int trust_gpg_sink_data(struct trust_gpg_sink *s, gpgme_data_t *out, struct brig_err *e);

#endif
