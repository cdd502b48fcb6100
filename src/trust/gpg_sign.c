/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trust/gpg: making GPG simple signatures as skopeo copy --sign-by does:
 * the payload {"critical": {"identity": {"docker-reference"}, "image":
 * {"docker-manifest-digest"}, "type": "atomic container signature"},
 * "optional": {"creator", "timestamp"}} (members sorted, compact, as Go
 * writes its maps), signed into one binary OpenPGP message by a key of
 * the user's keyring, stored in the lookaside's staging store.
 */
#include "trust/gpg-internal.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

int trust_gpg_payload_make(const char *ref, const char *digest, char **out, size_t *len,
			   struct brig_err *e)
{
	if (!brig_digest_valid(digest))
		return brig_err_set(e, -EINVAL, "bad digest '%.80s'", digest);
	_cleanup_json_ json_t *j = json_pack(
		"{s:{s:{s:s},s:{s:s},s:s},s:{s:s,s:I}}", "critical", "identity", "docker-reference",
		ref, "image", "docker-manifest-digest", digest, "type", TRUST_GPG_TYPE, "optional",
		"creator", "brig " BRIG_VERSION, "timestamp", (json_int_t)time(NULL));
	*out = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	if (!*out)
		return brig_err_oom(e);
	*len = strlen(*out);
	return 0;
}

/* BRIG_PASSPHRASE for gpg's loopback pinentry. */
static gpgme_error_t pass_cb(void *hook, const char *uid, const char *info, int bad, int fd)
{
	(void)hook, (void)uid, (void)info;
	const char *p = getenv("BRIG_PASSPHRASE");
	if (bad || !p)
		return gpg_error(GPG_ERR_BAD_PASSPHRASE);
	if (gpgme_io_writen(fd, p, strlen(p)) < 0 || gpgme_io_writen(fd, "\n", 1) < 0)
		return gpg_error(GPG_ERR_CANCELED);
	return 0;
}

/* A context on the user's keyring with key as the one signer. */
static int signer_ctx(const char *key, gpgme_ctx_t *ctx, struct brig_err *e)
{
	gpgme_key_t k = NULL;
	gpgme_error_t err = gpgme_new(ctx);
	if (err)
		return brig_err_set(e, -EIO, "GPGME: %s", gpgme_strerror(err));
	gpgme_set_armor(*ctx, 0);
	if (getenv("BRIG_PASSPHRASE")) {
		gpgme_set_pinentry_mode(*ctx, GPGME_PINENTRY_MODE_LOOPBACK);
		gpgme_set_passphrase_cb(*ctx, pass_cb, NULL);
	}
	err = gpgme_get_key(*ctx, key, &k, 1);
	if (gpgme_err_code(err) == GPG_ERR_EOF || (!err && !k))
		return brig_err_set(e, -ENOKEY, "GPG key %.80s: no secret key in the keyring", key);
	if (err)
		return brig_err_set(e, -ENOKEY, "GPG key %.80s: %s", key, gpgme_strerror(err));
	err = gpgme_signers_add(*ctx, k);
	gpgme_key_unref(k);
	return err ? brig_err_set(e, -EIO, "GPGME: %s", gpgme_strerror(err)) : 0;
}

int trust_gpg_sign(const char *key, const char *ref, const char *digest, char **sig, size_t *len,
		   struct brig_err *e)
{
	_cleanup_free_ char *payload = NULL;
	size_t plen = 0;
	gpgme_ctx_t ctx = NULL;
	gpgme_data_t pd = NULL, sd = NULL;
	struct trust_gpg_sink out = { .max = TRUST_GPG_SIG_MAX };
	int r = trust_gpgme_init(e);
	if (r == 0)
		r = trust_gpg_payload_make(ref, digest, &payload, &plen, e);
	if (r == 0)
		r = signer_ctx(key, &ctx, e);
	if (r == 0)
		r = trust_gpg_sink_data(&out, &sd, e);
	gpgme_error_t err = r < 0 ? 0 : gpgme_data_new_from_mem(&pd, payload, plen, 0);
	if (r == 0 && !err)
		err = gpgme_op_sign(ctx, pd, sd, GPGME_SIG_MODE_NORMAL);
	if (r == 0 && err)
		r = brig_err_set(e, -EIO, "signing with GPG key %.80s: %s", key,
				 gpgme_strerror(err));
	gpgme_data_release(pd);
	gpgme_data_release(sd);
	if (ctx)
		gpgme_release(ctx);
	if (r == 0 && !out.len)
		r = brig_err_set(e, -EIO, "signing with GPG key %.80s: no signature made", key);
	if (r == 0) {
		*sig = brig_steal_ptr(out.buf);
		*len = out.len;
	}
	free(out.buf);
	return r;
}

/* The staging lookaside for ref (*base malloc'ed), which must be named. */
static int staging(const char *registries_d, const struct img_ref *ref, char **base,
		   struct brig_err *e)
{
	_cleanup_registries_d_ struct trust_registries_d *rd = NULL;
	_cleanup_free_ char *name = img_ref_string(ref);
	if (!name)
		return brig_err_oom(e);
	int r = trust_registries_d_load(registries_d, &rd, e);
	if (r == 0)
		r = trust_lookaside_base(rd, ref, true, base, e);
	if (r == 0 && !*base)
		r = brig_err_set(
			e, -ENOENT,
			"no lookaside for %s: name one (lookaside-staging) in registries.d", name);
	return r;
}

int trust_gpg_sign_check(const char *key, const struct img_ref *ref, const char *registries_d,
			 struct brig_err *e)
{
	_cleanup_free_ char *base = NULL;
	gpgme_ctx_t ctx = NULL;
	int r = staging(registries_d, ref, &base, e);
	if (r == 0 && strncmp(base, "file://", 7) != 0)
		r = brig_err_set(e, -EINVAL,
				 "lookaside %s: signatures are written to a file:// store only "
				 "(lookaside-staging)",
				 base);
	if (r == 0)
		r = trust_gpgme_init(e);
	if (r == 0)
		r = signer_ctx(key, &ctx, e);
	if (ctx)
		gpgme_release(ctx);
	return r;
}

int trust_gpg_sign_to_lookaside(const char *key, const struct img_ref *ref, const char *digest,
				const char *registries_d, char **where, struct brig_err *e)
{
	_cleanup_free_ char *base = NULL, *name = img_ref_string(ref), *sig = NULL;
	size_t len = 0;
	unsigned n = 0;
	if (!name)
		return brig_err_oom(e);
	int r = staging(registries_d, ref, &base, e);
	if (r == 0)
		r = trust_gpg_sign(key, name, digest, &sig, &len, e);
	if (r == 0)
		r = trust_lookaside_put(base, digest, sig, len, &n, e);
	if (r == 0 && where &&
	    asprintf(where, "%s@sha256=%s/signature-%u", base + strlen("file://"),
		     digest + strlen("sha256:"), n) < 0) {
		*where = NULL;
		r = brig_err_oom(e);
	}
	return r;
}
