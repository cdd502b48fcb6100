/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig trust verify: is IMAGE signed (a sigstore simple signing `.sig`
 * attachment, or a detached payload and signature) by one of the keys
 * given?  Prints who signed what, or why each signature was refused
 * (docs/trust-sigstore.md).
 */
#include "cli/brig/brig-internal.h"
#include "registry/registry.h"
#include "trust/sigstore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct keys {
	struct trust_pubkey *v;
	size_t n;
};

static void keys_clear(struct keys *k)
{
	for (size_t i = 0; i < k->n; i++)
		EVP_PKEY_free(k->v[i].key);
	free(k->v);
}

static int keys_load(struct opt *o, struct keys *k, struct brig_err *e)
{
	struct opt *ko = opts_find(o, "key");
	if (ko->n == 0)
		return brig_err_set(e, -EINVAL, "--key FILE is required (a public key, PEM)");
	if (!(k->v = calloc(ko->n, sizeof(*k->v))))
		return brig_err_oom(e);
	for (; k->n < ko->n; k->n++) {
		k->v[k->n].name = ko->list[k->n];
		int r = trust_pubkey_load(ko->list[k->n], &k->v[k->n].key, e);
		if (r < 0)
			return r;
	}
	return 0;
}

static json_t *verdict_json(const char *image, const struct trust_sig_verdict *v, const char *err)
{
	json_t *sigs = json_array();
	for (size_t i = 0; sigs && i < v->n_sigs; i++) {
		const struct trust_sig_seen *s = &v->sigs[i];
		json_t *o = json_pack("{s:s?,s:s?,s:s?}", "DockerReference", s->docker_reference,
				      "Key", s->key_name, "Rejected", s->reason);
		if (!o || json_array_append_new(sigs, o) < 0) {
			json_decref(sigs);
			return NULL;
		}
	}
	return sigs
		? json_pack("{s:s,s:s,s:b,s:s?,s:s?,s:o,s:s?}", "Image", image, "Digest", v->digest,
			    "Verified", v->accepted, "Key", v->key_name, "DockerReference",
			    v->docker_reference, "Signatures", sigs, "Error", err)
		: NULL;
}

static int print_verdict(const char *format, const char *image, const struct trust_sig_verdict *v,
			 const char *err, struct brig_err *e)
{
	if (!format) {
		if (v->accepted)
			printf("Verified %s@%s: signed by %s, docker-reference %s\n", image,
			       v->digest, v->key_name, v->docker_reference);
		return 0;
	}
	_cleanup_json_ json_t *j = verdict_json(image, v, err);
	_cleanup_free_ char *s = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	if (!s)
		return brig_err_oom(e);
	puts(s);
	return 0;
}

/* --payload FILE --signature FILE: a detached signature of IMAGE@DIGEST. */
static int verify_detached(struct opt *o, const char *digest, const char *repo,
			   const struct keys *k, struct trust_sig_verdict *v, struct brig_err *e)
{
	const char *pf = opts_find(o, "payload")->value, *sf = opts_find(o, "signature")->value;
	_cleanup_free_ char *payload = NULL, *sig = NULL;
	size_t plen = 0, slen = 0;
	if (!pf || !sf)
		return brig_err_set(e, -EINVAL, "--payload and --signature go together");
	if (!digest[0])
		return brig_err_set(
			e, -EINVAL,
			"a detached signature names the image by digest (NAME@sha256:...)");
	int r = brig_read_file(AT_FDCWD, pf, TRUST_PAYLOAD_MAX, &payload, &plen, e);
	if (r == 0)
		r = brig_read_file(AT_FDCWD, sf, TRUST_SIG_B64_MAX, &sig, &slen, e);
	while (r == 0 && slen > 0 && (sig[slen - 1] == '\n' || sig[slen - 1] == '\r'))
		sig[--slen] = '\0';
	if (r == 0)
		r = trust_sigstore_verify_detached(payload, plen, sig, digest, k->v, k->n, repo, v,
						   e);
	return r;
}

static int do_verify(const struct brig_global *g, struct opt *o, const char *image,
		     struct brig_err *e)
{
	const char *format = opts_find(o, "format")->value;
	const char *tv = opts_find(o, "tls-verify")->value;
	_cleanup_reg_client_ struct reg_client *c = NULL;
	_cleanup_free_ char *repo = NULL;
	struct keys k = { 0 };
	struct trust_sig_verdict v = { 0 };
	struct img_ref ref = { 0 };
	char digest[72] = "";
	if (format && strcmp(format, "json") != 0)
		return brig_err_set(e, -EINVAL, "--format: expected json, got '%.40s'", format);
	if (opts_find(o, "gpg-key")->n || opts_find(o, "signature-policy")->value)
		return brig_trust_verify_gpg(g, o, image, e);
	if (opts_find(o, "bundle")->set || opts_find(o, "bundle-file")->set)
		return brig_trust_verify_bundle(g, o, image, e);
	int r = img_ref_parse(image, &ref, e);
	if (r == 0 && asprintf(&repo, "%s/%s", ref.domain, ref.path) < 0)
		r = brig_err_oom(e);
	if (r == 0)
		r = keys_load(o, &k, e);
	snprintf(digest, sizeof(digest), "%s", ref.digest);
	bool detached = opts_find(o, "payload")->set || opts_find(o, "signature")->set;
	if (r == 0 && detached)
		r = verify_detached(o, digest, repo, &k, &v, e);
	else if (r == 0)
		r = eng_registry_client(g->config, opts_find(o, "authfile")->value, ref.domain,
					!(tv && strcmp(tv, "false") == 0), &c, e);
	if (r == 0 && !detached && !digest[0])
		r = trust_image_digest(c, ref.path, ref.tag, digest, e);
	if (r == 0 && !detached)
		r = trust_sigstore_verify_image(c, ref.path, digest, k.v, k.n, repo, &v, e);
	if ((r == 0 || r == -EKEYREJECTED || r == -ENOENT) && v.digest[0] &&
	    print_verdict(format, repo, &v, r < 0 ? brig_err_str(e) : NULL, e) < 0)
		r = -ENOMEM;
	trust_sig_verdict_clear(&v);
	keys_clear(&k);
	img_ref_clear(&ref);
	return r;
}

int brig_cmd_trust_verify(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = {
		OPT_MULTI("key", 0, "FILE", "a public key (PEM) whose signature is accepted"),
		OPT_VALUE("format", 0, "json", "print the verdict as one JSON object"),
		OPT_VALUE(
			"payload", 0, "FILE",
			"a detached payload to check instead of the registry's (IMAGE by digest)"),
		OPT_VALUE("signature", 0, "FILE", "the payload's base64 signature"),
		OPT_MULTI("gpg-key", 0, "FILE",
			  "a GPG public key whose simple signature (in the lookaside registries.d "
			  "names) is accepted"),
		OPT_VALUE("signature-policy", 0, "FILE",
			  "decide by this containers-policy.json, GPG checking its signedBy "
			  "requirements"),
		OPT_VALUE("registries-d", 0, "DIR",
			  "the registries.d directory (default /etc/containers/registries.d)"),
		OPT_FLAG("bundle", 0, "check the image's sigstore bundles (OCI referrers)"),
		OPT_VALUE("bundle-file", 0, "FILE", "check this sigstore bundle (IMAGE by digest)"),
		OPT_VALUE("certificate-ca", 0, "FILE",
			  "bundles: the Fulcio CA certificates (PEM) a certificate must chain to"),
		OPT_VALUE("certificate-identity", 0, "EMAIL",
			  "bundles: the email the certificate must be for"),
		OPT_VALUE("certificate-oidc-issuer", 0, "URL",
			  "bundles: the OIDC issuer the certificate must name"),
		OPT_MULTI("rekor-key", 0, "FILE",
			  "bundles: a Rekor public key (PEM); the Rekor entry is then required"),
		OPT_MULTI("ct-log-key", 0, "FILE",
			  "bundles: a CT log public key (PEM); the certificate's SCT by it is "
			  "then required"),
		OPT_VALUE("timestamp-certificate-chain", 0, "FILE",
			  "bundles: TSA certificates (PEM); an RFC 3161 timestamp by one over the "
			  "signature is then required"),
		BRIG_REGISTRY_OPTS,
		{ 0 },
	};
	_cleanup_free_ char **pos = NULL;
	size_t npos = 0;
	int p = brig_parse("trust verify", "IMAGE", o, argc, argv, &pos, &npos, 1, 1);
	int rc = p < 0 ? BRIG_EXIT_FAIL : 0;
	if (p > 0) {
		_cleanup_err_ struct brig_err e = { 0 };
		if (do_verify(g, o, pos[0], &e) < 0) {
			brig_err_wrap(&e, "trust verify %s", pos[0]);
			rc = brig_fail(&e);
		}
	}
	opts_free(o);
	return rc;
}
