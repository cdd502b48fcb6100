/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trust: a Notary root checked against the policy's pins (notaryTrust's
 * rootKeys or rootCAs): a threshold of the root's own signatures must be
 * by keys the policy names, or whose certificates a CA it names issued.
 */
#include "trust/notary-internal.h"

#include <errno.h>
#include <openssl/x509_vfy.h>
#include <string.h>

static bool key_pinned(char *const *pins, const char *id)
{
	for (; pins && *pins; pins++)
		if (!strcmp(*pins, id))
			return true;
	return false;
}

/* Does a CA of the files cas issue cert?  Times are not judged here (the
 * root's certificates are checked for validity at the update). */
static int ca_issued(char *const *cas, X509 *cert, bool *ok, struct brig_err *e)
{
	X509_STORE *st = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int r = st && ctx ? 0 : brig_err_oom(e);
	for (char *const *f = cas; r == 0 && *f; f++)
		if (X509_STORE_load_file(st, *f) != 1)
			r = brig_err_set(e, -EINVAL,
					 "rootCAs: %s: not a readable PEM certificate file", *f);
	if (r == 0 && X509_STORE_CTX_init(ctx, st, cert, NULL) != 1)
		r = brig_err_oom(e);
	if (r == 0) {
		X509_STORE_CTX_set_flags(ctx,
					 X509_V_FLAG_NO_CHECK_TIME | X509_V_FLAG_PARTIAL_CHAIN);
		*ok = X509_verify_cert(ctx) == 1;
	}
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(st);
	return r;
}

int notary_root_pinned(const struct notary_opts *o, const struct tuf_doc *d,
		       const struct tuf_root *r, struct brig_err *e)
{
	if (!o->root_keys && !o->root_cas)
		return 0;
	char *ids[TUF_MAX_KEYS + 1];
	size_t n = 0;
	for (char **k = r->root.keyids; *k && n < TUF_MAX_KEYS; k++) {
		bool ok = key_pinned(o->root_keys, *k);
		const struct tuf_key *key = tuf_keyset_find(&r->keys, *k);
		int rc = !ok && o->root_cas && key && key->cert
			? ca_issued(o->root_cas, key->cert, &ok, e)
			: 0;
		if (rc < 0)
			return rc;
		if (ok)
			ids[n++] = *k;
	}
	ids[n] = NULL;
	const char *what = o->root_keys ? "rootKeys" : "rootCAs";
	if (!n)
		return brig_err_set(e, -EKEYREJECTED,
				    "%s: no root key of version %lld is one the policy pins (%s): "
				    "not the root the policy trusts for %s",
				    d->file, (long long)d->version, what, o->gun);
	struct tuf_role pinned = { .name = "pinned root",
				   .keyids = ids,
				   .threshold = r->root.threshold };
	int rc = tuf_check_sigs(d, &r->keys, &pinned, e);
	return rc < 0 ? brig_err_wrap(e, "the policy's %s", what) : 0;
}
