/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig trust sign and brig trust verify: sigstore simple signing `.sig`
 * attachments in a registry, or detached files (docs/trust-sigstore.md).
 */
#include "cli/brig/brig-internal.h"
#include "registry/registry.h"
#include "trust/sigstore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* What IMAGE names: the registry, the repository, its digest (resolved
 * in the registry when IMAGE has a tag and c is not NULL). */
struct target {
	struct img_ref ref;
	char *repo_name; /* "host/path" */
	char *signed_ref; /* the docker-reference signed: "host/path:tag" when
			   * IMAGE named a tag and no digest, else repo_name */
	char digest[72];
};

static void target_clear(struct target *t)
{
	img_ref_clear(&t->ref);
	free(t->repo_name);
	free(t->signed_ref);
}

static int target_parse(const char *image, struct target *t, struct brig_err *e)
{
	*t = (struct target){ 0 };
	int r = img_ref_parse(image, &t->ref, e);
	if (r == 0 && asprintf(&t->repo_name, "%s/%s", t->ref.domain, t->ref.path) < 0)
		r = brig_err_oom(e);
	/* By tag, the signature names the tag, so that a pull of NAME:TAG
	 * passes the default identity rule (matchRepoDigestOrExact). */
	bool by_tag = t->ref.tag && !t->ref.digest[0];
	if (r == 0 &&
	    asprintf(&t->signed_ref, "%s%s%s", t->repo_name, by_tag ? ":" : "",
		     by_tag ? t->ref.tag : "") < 0)
		r = brig_err_oom(e);
	if (r == 0 && t->ref.digest[0])
		snprintf(t->digest, sizeof(t->digest), "%s", t->ref.digest);
	return r;
}

static int target_client(const struct brig_global *g, struct opt *o, struct target *t,
			 struct reg_client **c, struct brig_err *e)
{
	const char *tv = opts_find(o, "tls-verify")->value;
	int r = eng_registry_client(g->config, opts_find(o, "authfile")->value, t->ref.domain,
				    !(tv && strcmp(tv, "false") == 0), c, e);
	if (r == 0 && !t->digest[0])
		r = trust_image_digest(*c, t->ref.path, t->ref.tag, t->digest, e);
	return r;
}

static int load_private(const char *file, EVP_PKEY **k, struct brig_err *e)
{
	_cleanup_free_ char *pem = NULL;
	_cleanup_secret_ char *pass = NULL;
	size_t len = 0;
	int r = brig_read_file(AT_FDCWD, file, TRUST_KEY_FILE_MAX, &pem, &len, e);
	if (r == 0)
		r = brig_passphrase(false, &pass, e);
	if (r == 0)
		r = trust_key_decrypt(pem, len, pass, file, k, e);
	return r;
}

int brig_signing_key(const char *file, struct evp_pkey_st **k, struct brig_err *e)
{
	return load_private(file, k, e);
}

int brig_sign_pushed(const struct brig_global *g, struct opt *o, const char *image,
		     const char *digest, struct evp_pkey_st *k, struct brig_err *e)
{
	_cleanup_reg_client_ struct reg_client *c = NULL;
	struct target t;
	int r = target_parse(image, &t, e);
	if (r < 0)
		return r;
	snprintf(t.digest, sizeof(t.digest), "%s", digest);
	r = target_client(g, o, &t, &c, e);
	if (r == 0)
		r = trust_sigstore_sign_image_at(c, t.ref.path, t.digest, t.signed_ref, k,
						 (int64_t)time(NULL), e);
	if (r == 0 && !opts_find(o, "quiet")->set)
		printf("Signed %s@%s\n", t.signed_ref, t.digest);
	target_clear(&t);
	return r < 0 ? brig_err_wrap(e, "--sign-by-sigstore-private-key") : 0;
}

static int write_out(const char *path, const char *data, size_t len, struct brig_err *e)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || brig_write_all(fd, data, len) < 0 || close(brig_steal_fd(fd)) < 0)
		return brig_err_sys(e, errno, "%s", path);
	return 0;
}

/* --payload-out/--signature-out: sign IMAGE@DIGEST into two files. */
static int sign_detached(struct opt *o, struct target *t, EVP_PKEY *k, struct brig_err *e)
{
	const char *po = opts_find(o, "payload-out")->value;
	const char *so = opts_find(o, "signature-out")->value;
	_cleanup_free_ char *payload = NULL, *b64 = NULL;
	size_t len = 0;
	if (!po || !so)
		return brig_err_set(e, -EINVAL, "--payload-out and --signature-out go together");
	if (!t->digest[0])
		return brig_err_set(
			e, -EINVAL,
			"a detached signature names the image by digest (NAME@sha256:...)");
	int r = trust_payload_make(t->repo_name, t->digest, &payload, &len, e);
	if (r == 0)
		r = trust_sign(k, payload, len, &b64, e);
	if (r == 0)
		r = write_out(po, payload, len, e);
	if (r == 0)
		r = write_out(so, b64, strlen(b64), e);
	return r;
}

static int do_sign(const struct brig_global *g, struct opt *o, const char *image,
		   struct brig_err *e)
{
	const char *keyfile = opts_find(o, "key")->value;
	_cleanup_pkey_ EVP_PKEY *k = NULL;
	_cleanup_reg_client_ struct reg_client *c = NULL;
	struct target t;
	if (keyfile && opts_find(o, "sign-by")->value)
		return brig_err_set(e, -EINVAL, "--key and --sign-by: give one");
	if (opts_find(o, "sign-by")->value)
		return brig_trust_sign_gpg(g, o, image, e);
	if (opts_find(o, "notary")->value)
		return brig_trust_sign_notary(g, o, image, false, e);
	if (!keyfile)
		return brig_err_set(e, -EINVAL,
				    "--key FILE (a cosign.key) or --sign-by GPGKEY is required");
	int r = target_parse(image, &t, e);
	if (r == 0)
		r = load_private(keyfile, &k, e);
	bool bundle = opts_find(o, "bundle")->set || opts_find(o, "bundle-out")->set;
	if (r == 0 && opts_find(o, "bundle-out")->set && !t.digest[0])
		r = brig_err_set(e, -EINVAL,
				 "--bundle-out: name the image by digest "
				 "(NAME@sha256:...)");
	if (r == 0 && (opts_find(o, "payload-out")->set || opts_find(o, "signature-out")->set))
		r = sign_detached(o, &t, k, e);
	else if (r == 0 && opts_find(o, "bundle-out")->set)
		r = brig_trust_sign_bundle(NULL, o, t.ref.path, t.repo_name, NULL, t.digest, k, e);
	else if (r == 0 && (r = target_client(g, o, &t, &c, e)) == 0 && bundle)
		r = brig_trust_sign_bundle(c, o, t.ref.path, t.repo_name,
					   t.ref.digest[0] ? NULL : t.ref.tag, t.digest, k, e);
	else if (r == 0)
		r = trust_sigstore_sign_image(c, t.ref.path, t.digest, t.signed_ref, k, e);
	if (r == 0 && c && !bundle)
		printf("Signed %s@%s\n", t.signed_ref, t.digest);
	target_clear(&t);
	return r;
}

int brig_cmd_trust_sign(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = {
		OPT_VALUE("key", 0, "FILE", "the private key (cosign's encrypted format)"),
		OPT_VALUE("payload-out", 0, "FILE",
			  "write the payload here instead of pushing (IMAGE by digest)"),
		OPT_VALUE("signature-out", 0, "FILE", "write the base64 signature here"),
		OPT_VALUE("sign-by", 0, "GPGKEY",
			  "sign with this GPG key (the user's keyring) into the lookaside "
			  "registries.d names, as skopeo copy --sign-by"),
		OPT_VALUE("registries-d", 0, "DIR",
			  "the registries.d directory (default /etc/containers/registries.d)"),
		OPT_FLAG("bundle", 0,
			 "write a sigstore bundle as an OCI referrer (and the sha256-HEX tag)"),
		OPT_VALUE("bundle-out", 0, "FILE",
			  "write the sigstore bundle here instead of pushing (IMAGE by digest)"),
		OPT_VALUE("notary", 0, "URL",
			  "sign the tag into this notary-server's TUF metadata (Notary v1, "
			  "BRIG_CONTENT_TRUST_*_PASSPHRASE)"),
		OPT_VALUE("certs-dir", 0, "DIR",
			  "--notary: its CA is DIR/HOST:PORT/ca.crt (default /etc/brig/certs.d)"),
		BRIG_REGISTRY_OPTS,
		{ 0 },
	};
	_cleanup_free_ char **pos = NULL;
	size_t npos = 0;
	int p = brig_parse("trust sign", "IMAGE", o, argc, argv, &pos, &npos, 1, 1);
	int rc = p < 0 ? BRIG_EXIT_FAIL : 0;
	if (p > 0) {
		_cleanup_err_ struct brig_err e = { 0 };
		if (do_sign(g, o, pos[0], &e) < 0) {
			brig_err_wrap(&e, "trust sign %s", pos[0]);
			rc = brig_fail(&e);
		}
	}
	opts_free(o);
	return rc;
}
