/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig push: an image of the store to a registry (OCI distribution API);
 * one line per blob, then "TAG: digest: DIGEST size: N" as Docker prints
 * it ("digest: DIGEST size: N" for a push by digest), once per tag with
 * --all-tags.  See docs/registry.md.
 */
#include "cli/brig/brig-internal.h"

#include <openssl/evp.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Tests force the chunked upload on small blobs with this (bytes). */
#define CHUNK_ENV "BRIG_PUSH_CHUNK_SIZE"

static void print_blob(void *ctx, const char *digest, const char *what)
{
	(void)ctx;
	printf("%.12s: %s\n", digest + 7, what);
	fflush(stdout);
}

static int chunk_size(uint64_t *out, struct brig_err *e)
{
	const char *v = getenv(CHUNK_ENV);
	*out = 0;
	if (!v || !v[0])
		return 0;
	if (brig_parse_u64(v, out) < 0 || *out == 0)
		return brig_err_set(e, -EINVAL, "%s='%.40s': expected a number of bytes > 0",
				    CHUNK_ENV, v);
	return 0;
}

/* --digestfile: "sha256:..." without a newline, as Docker writes it. */
static int write_digest(const char *path, const char *digest, struct brig_err *e)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return brig_err_sys(e, errno, "--digestfile %s", path);
	if (brig_write_all(fd, digest, strlen(digest)) < 0)
		return brig_err_sys(e, errno, "--digestfile %s", path);
	if (close(brig_steal_fd(fd)) < 0)
		return brig_err_sys(e, errno, "--digestfile %s", path);
	return 0;
}

static void print_pushed(void *ctx, const struct eng_push_result *r)
{
	(void)ctx;
	if (r->tag)
		printf("%s: ", r->tag);
	printf("digest: %s size: %llu\n", r->digest, (unsigned long long)r->size);
	fflush(stdout);
}

/* Docker's content trust on push: --sign, or BRIG_CONTENT_TRUST=1 unless
 * --disable-content-trust; *server: --notary, else BRIG_CONTENT_TRUST_SERVER
 * (NULL: Docker's choice for the registry). */
static int notary_sign_wanted(struct opt *o, bool *sign, const char **server, struct brig_err *e)
{
	const char *env = getenv("BRIG_CONTENT_TRUST");
	const char *srv = getenv("BRIG_CONTENT_TRUST_SERVER");
	bool off = opts_find(o, "disable-content-trust")->set;
	if (env && *env && strcmp(env, "0") && strcmp(env, "1"))
		return brig_err_set(e, -EINVAL, "BRIG_CONTENT_TRUST=%.20s: expected 0 or 1", env);
	if (off && opts_find(o, "sign")->set)
		return brig_err_set(e, -EINVAL,
				    "--sign and --disable-content-trust contradict "
				    "each other");
	*sign = opts_find(o, "sign")->set || (!off && env && !strcmp(env, "1"));
	*server = opts_find(o, "notary")->value;
	if (!*server && srv && *srv)
		*server = srv;
	if (*sign && *server && strncmp(*server, "https://", 8))
		return brig_err_set(e, -EINVAL, "Notary server %.64s: expected https://HOST[:PORT]",
				    *server);
	return 0;
}

/* The tag pushed (res), signed into Notary: "NAME:TAG". */
static int sign_notary(const struct brig_global *g, struct opt *o, const char *ref,
		       const char *server, const struct eng_push_result *res, struct brig_err *e)
{
	if (!res->tag)
		return brig_err_set(e, -EINVAL,
				    "Notary signs a tag: --sign needs NAME[:TAG], "
				    "not a push by digest");
	_cleanup_free_ char *image = NULL;
	size_t n = strcspn(ref, "@");
	const char *colon = strrchr(ref, ':');
	if (colon && (size_t)(colon - ref) < n && !strchr(colon, '/'))
		n = (size_t)(colon - ref);
	if (asprintf(&image, "%.*s:%s", (int)n, ref, res->tag) < 0)
		return brig_err_oom(e);
	return brig_notary_sign_pushed(g, o, image, server, res->digest, res->size, e);
}

static int push(const struct brig_global *g, struct opt *o, const char *ref)
{
	const char *tv = opts_find(o, "tls-verify")->value;
	const char *df = opts_find(o, "digestfile")->value;
	bool quiet = opts_find(o, "quiet")->set;
	struct eng_push_opts po = {
		.ref = ref,
		.all_tags = opts_find(o, "all-tags")->set,
		.pushed = print_pushed,
		.tls_verify = !(tv && strcmp(tv, "false") == 0),
		.authfile = opts_find(o, "authfile")->value,
		.config = g->config,
		.progress = quiet ? NULL : print_blob,
	};
	_cleanup_err_ struct brig_err e = { 0 };
	struct eng_push_result res = { 0 };
	const char *keyfile = opts_find(o, "sign-by-sigstore-private-key")->value;
	const char *gpg_key = opts_find(o, "sign-by")->value;
	struct evp_pkey_st *key = NULL;
	const char *notary = NULL;
	bool nsign = false;
	int r = chunk_size(&po.chunk, &e);
	if (r == 0)
		r = notary_sign_wanted(o, &nsign, &notary, &e);
	if (r == 0 && po.all_tags && nsign)
		r = brig_err_set(&e, -EINVAL, "Notary signing signs one tag: not with --all-tags");
	if (r == 0 && po.all_tags && df)
		r = brig_err_set(&e, -EINVAL, "--digestfile names one digest: not with --all-tags");
	if (r == 0 && po.all_tags && keyfile)
		r = brig_err_set(
			&e, -EINVAL,
			"--sign-by-sigstore-private-key signs one tag: not with --all-tags");
	if (r == 0 && po.all_tags && gpg_key)
		r = brig_err_set(&e, -EINVAL, "--sign-by signs one tag: not with --all-tags");
	if (r == 0 && keyfile)
		r = brig_signing_key(keyfile, &key, &e);
	if (r == 0 && gpg_key)
		r = brig_push_sign_gpg(o, ref, NULL, &e);
	if (r == 0)
		r = eng_push(g->root, &po, &res, &e);
	if (r == 0 && key)
		r = brig_sign_pushed(g, o, ref, res.digest, key, &e);
	if (r == 0 && gpg_key)
		r = brig_push_sign_gpg(o, ref, res.digest, &e);
	if (r == 0 && nsign)
		r = sign_notary(g, o, ref, notary, &res, &e);
	EVP_PKEY_free(key);
	if (r == 0 && df)
		r = write_digest(df, res.digest, &e);
	eng_push_result_clear(&res);
	if (r < 0) {
		brig_err_wrap(&e, "push %s", ref);
		return brig_fail(&e);
	}
	return 0;
}

int brig_cmd_push(const struct brig_global *g, int argc, char **argv)
{
	struct opt o[] = {
		OPT_FLAG("all-tags", 'a', "push every tag of NAME the store has"),
		OPT_FLAG("quiet", 'q', "print only the TAG: digest: ... line"),
		OPT_VALUE("digestfile", 0, "FILE", "write the digest pushed (sha256:...) to FILE"),
		OPT_VALUE("sign-by-sigstore-private-key", 0, "FILE",
			  "sign what was pushed with this cosign key (a .sig attachment, "
			  "with the signing time)"),
		OPT_VALUE("sign-by", 0, "GPGKEY",
			  "sign what was pushed with this GPG key (the user's keyring) into "
			  "the lookaside registries.d names, as skopeo copy --sign-by"),
		OPT_VALUE("registries-d", 0, "DIR",
			  "the registries.d directory for --sign-by (default "
			  "/etc/containers/registries.d)"),
		OPT_FLAG("sign", 0,
			 "sign the pushed tag's digest and size into Notary, as "
			 "DOCKER_CONTENT_TRUST=1 docker push (the default with "
			 "BRIG_CONTENT_TRUST=1)"),
		OPT_VALUE("notary", 0, "URL",
			  "the notary-server for --sign (default BRIG_CONTENT_TRUST_SERVER, "
			  "else Docker's choice for the registry)"),
		OPT_FLAG("disable-content-trust", 0,
			 "do not sign into Notary although BRIG_CONTENT_TRUST=1"),
		BRIG_REGISTRY_OPTS,
		{ 0 },
	};
	_cleanup_free_ char **pos = NULL;
	size_t npos = 0;
	int p = brig_parse("push", "NAME[:TAG|@DIGEST]", o, argc, argv, &pos, &npos, 1, 1);
	int rc = p < 0 ? BRIG_EXIT_FAIL : p == 0 ? 0 : push(g, o, pos[0]);
	opts_free(o);
	return rc;
}
