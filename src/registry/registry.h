/* SPDX-License-Identifier: Apache-2.0 */
/*
 * registry: a client for the OCI distribution API (registry v2), over
 * libcurl and OpenSSL.  It knows nothing of the image store: manifests come
 * back in memory, blobs are handed to the caller's sink while they are
 * hashed.  See docs/registry.md.
 *
 *   - https only (plain http only for a registry the options call
 *     insecure); TLS is verified with the system CAs plus
 *     CERTS_DIR/HOST[:PORT]/ca.crt (Docker's certs.d layout) unless
 *     tls_verify is false; CERTS_DIR/HOST[:PORT]/client.cert and
 *     client.key, when present, are presented to the registry;
 *   - redirects are followed by this module (at most REG_MAX_REDIRECTS),
 *     https only, and the Authorization header goes only to the registry's
 *     own scheme, host and port, never to the host a redirect names;
 *   - a 401 is answered once: Basic auth with the configured credentials,
 *     or a Bearer token fetched from the challenge's realm (WWW-Authenticate
 *     parsed strictly) and cached per scope for the client's life;
 *   - manifests: Accept negotiation of OCI manifest/index and Docker
 *     schema 2 manifest/list; the body must hash to the digest asked for
 *     and to Docker-Content-Digest when given; Content-Type must be one of
 *     those four and agree with the body's mediaType; at most
 *     REG_MANIFEST_MAX bytes; schema 1 refused with a message that says so;
 *   - blobs: streamed to the sink, counted against the descriptor's size
 *     and hashed; the call fails unless the bytes hash to the digest.  A
 *     connection that breaks mid-body is resumed with Range: bytes=N-
 *     (at most REG_BLOB_MAX_RESUMES times); a 206 must continue at N, a
 *     200 (Range ignored) is read from the start again and its first N
 *     bytes dropped, so the sink sees every byte once, in order;
 *   - 429, 5xx and broken connections are retried, bounded, with back-off
 *     and Retry-After (http.c), never once a blob's bytes reached the sink.
 *
 * All functions return 0 on success and a negative errno-style code after
 * filling the struct brig_err.  Credentials never appear in errors.
 */
#ifndef BRIG_REGISTRY_H
#define BRIG_REGISTRY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/common.h"

#define REG_MANIFEST_MAX ((size_t)4 << 20)
#define REG_MAX_REDIRECTS 5
/* A blob whose connection breaks is asked for again from where it broke
 * (Range) at most this many times. */
#define REG_BLOB_MAX_RESUMES 5
#define REG_DEFAULT_CERTS_DIR "/etc/brig/certs.d"
/* "sha256:" + 64 hex digits + NUL */
#define REG_DIGEST_SIZE 72

#define REG_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define REG_MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define REG_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define REG_MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"

/* ---- WWW-Authenticate ---------------------------------------------------- */

enum reg_auth_scheme { REG_AUTH_BASIC = 1, REG_AUTH_BEARER };

struct reg_challenge {
	enum reg_auth_scheme scheme;
	char *realm; /* required for both */
	char *service; /* Bearer; NULL when absent */
	char *scope; /* Bearer; NULL when absent */
};
/*
 * Parse one challenge: `Basic realm="R"` or `Bearer realm="R",
 * service="S", scope="a:b:c"`.  Strict: one challenge, known scheme,
 * parameters token=quoted-string or token=token separated by commas, no
 * parameter twice, realm required (an https URL for Bearer, or http to a
 * loopback host); unknown parameters are ignored.  -EPROTO otherwise.
 */
int reg_challenge_parse(const char *header, struct reg_challenge *out, struct brig_err *e);
void reg_challenge_clear(struct reg_challenge *c);

/* ---- credentials ---------------------------------------------------------- */

/* Find HOST's credentials in a podman/docker auth.json
 * ({"auths":{"HOST":{"auth":"base64(user:password)"}}}).  1 when found
 * (*user, *password malloc'ed), 0 when the file has none for host. */
int reg_authfile_lookup(const char *path, const char *host, char **user, char **password,
			struct brig_err *e);

/* Where brig stores credentials (brig login) and looks first:
 * $XDG_RUNTIME_DIR/containers/auth.json when XDG_RUNTIME_DIR is set (an
 * absolute path), podman's place, else REG_AUTHFILE_DEFAULT; malloc'ed. */
#define REG_AUTHFILE_DEFAULT "/etc/brig/auth.json"
int reg_authfile_default(char **out, struct brig_err *e);
/* The registry as brig login names it: scheme and path dropped
 * ("https://index.docker.io/v1/" is "docker.io"), checked to be a host
 * name or address with an optional port; malloc'ed. */
int reg_host_normalize(const char *arg, char **out, struct brig_err *e);
/* Store user:password for host in the auth.json at path, keeping its other
 * entries and members: written atomically (temporary file, fsync,
 * rename), mode 0600; a missing parent directory is made with mode 0700. */
int reg_authfile_store(const char *path, const char *host, const char *user, const char *password,
		       struct brig_err *e);
/* Remove host's entry (host NULL: every entry) from the auth.json at path.
 * 1 when something was removed, 0 when there was nothing (or no file). */
int reg_authfile_erase(const char *path, const char *host, struct brig_err *e);

/* Where credentials for host come from, in this order (the first that
 * has an entry wins):
 *   - authfile when not NULL (and nothing else);
 *   - reg_authfile_default();
 *   - Docker's config ($DOCKER_CONFIG/config.json, else
 *     $HOME/.docker/config.json): credHelpers[host], else credsStore, run
 *     as docker-credential-NAME get; then its auths.
 * For docker.io the keys "https://index.docker.io/v1/", "index.docker.io"
 * and "registry-1.docker.io" are accepted too.  1 when found (*user,
 * *password malloc'ed; clear the password with explicit_bzero before
 * freeing it), 0 when none, negative on a broken file or helper. */
int reg_credentials_find(const char *host, const char *authfile, char **user, char **password,
			 struct brig_err *e);

/* The docker-credential helper Docker's config names for host
 * (credHelpers[host], else credsStore), *name NULL when none. */
int reg_docker_helper(const char *host, char **name, struct brig_err *e);
/* docker-credential-NAME store / erase for host (found on PATH, run with a
 * clean environment, no shell, bounded time; its exit status checked). */
int reg_helper_store(const char *name, const char *host, const char *user, const char *password,
		     struct brig_err *e);
int reg_helper_erase(const char *name, const char *host, struct brig_err *e);

/* ---- the client ------------------------------------------------------------ */

struct reg_opts {
	const char *host; /* "registry.example:5000"; "docker.io" is mapped */
	const char *certs_dir; /* NULL: REG_DEFAULT_CERTS_DIR */
	bool tls_verify; /* false: no certificate or host name check */
	const char *user, *password; /* Basic credentials, or NULL */
	/* registries.conf's insecure = true: no certificate check, and plain
	 * http when the registry does not speak TLS (the first request
	 * decides). */
	bool insecure;
};

struct reg_client;
int reg_client_new(const struct reg_opts *o, struct reg_client **out, struct brig_err *e);
void reg_client_free(struct reg_client *c);
static inline void reg_client_freep(struct reg_client **c)
{
	reg_client_free(*c);
}
#define _cleanup_reg_client_ _cleanup_(reg_client_freep)
/* The host requests go to ("registry-1.docker.io" for docker.io). */
const char *reg_client_host(const struct reg_client *c);
/* The CA directory the client was made with (NULL: REG_DEFAULT_CERTS_DIR),
 * for other https requests made on the registry's behalf (a lookaside). */
const char *reg_client_certs_dir(const struct reg_client *c);

/* GET /v2/: 0 when the registry answers 200 (after authenticating). */
int reg_ping(struct reg_client *c, struct brig_err *e);

struct reg_manifest {
	char *body;
	size_t len;
	char *media_type; /* the Content-Type, checked */
	char digest[REG_DIGEST_SIZE]; /* sha256 of body */
};
void reg_manifest_clear(struct reg_manifest *m);
/* GET /v2/REPO/manifests/REF (REF a tag or "sha256:..."). */
int reg_manifest_get(struct reg_client *c, const char *repo, const char *ref,
		     struct reg_manifest *out, struct brig_err *e);

/* GET /v2/REPO/tags/list, page after page (n=, then the Link header's
 * rel="next" URL, which must stay on the registry): every tag, in the
 * registry's order, at most REG_TAGS_MAX, each a valid tag; the body must
 * be {"name": REPO, "tags": [...] or null}.  *tags is NULL-terminated
 * (brig_strv_free). */
#define REG_TAGS_MAX 10000
int reg_tags_list(struct reg_client *c, const char *repo, char ***tags, size_t *n,
		  struct brig_err *e);

/* Receives a blob's bytes in order; a negative return stops the download
 * (the sink fills e). */
typedef int (*reg_sink_fn)(void *ctx, const void *buf, size_t len, struct brig_err *e);
/* GET /v2/REPO/blobs/DIGEST: exactly size bytes hashing to digest go to
 * the sink (more bytes fail as soon as they arrive), resumed as above.
 * Several clients may fetch blobs at the same time, one thread each. */
int reg_blob_get(struct reg_client *c, const char *repo, const char *digest, uint64_t size,
		 reg_sink_fn sink, void *ctx, struct brig_err *e);
/* The same without hashing: exactly size bytes go to the sink, whose owner
 * must check their digest before anything uses them (brig pull: the
 * store's blob writer hashes what it writes and checks it before the blob
 * or the layer is committed, so a second hash here would be redundant). */
int reg_blob_get_unhashed(struct reg_client *c, const char *repo, const char *digest, uint64_t size,
			  reg_sink_fn sink, void *ctx, struct brig_err *e);
/* From now on, a transfer of c stops (-ECANCELED) within about a second of
 * *flag becoming true, even when no byte arrives (another thread's
 * download failed).  flag must outlive the transfers; NULL: never. */
void reg_client_cancel_on(struct reg_client *c, const atomic_bool *flag);

/* ---- one file from a URL (url.c) ------------------------------------------ */

/* GET an http:// or https:// URL (http: plain only when the server does
 * not speak TLS); its body, at most max bytes, to sink, hashed as it
 * streams: got receives "sha256:HEX", and with want (the same form) a
 * mismatch is an error naming both, after the last byte went to the sink
 * (the caller drops what it got).  Any status but 200 is an error. */
int reg_url_get(const char *url, const char *certs_dir, const char *want, uint64_t max,
		reg_sink_fn sink, void *ctx, char got[REG_DIGEST_SIZE], struct brig_err *e);

/* ---- push (push.c) --------------------------------------------------------- */

/* Blobs larger than this are sent in PATCH chunks of this size. */
#define REG_PUSH_CHUNK ((uint64_t)256 << 20)

/* What reg_blob_push did. */
enum reg_push_outcome { REG_PUSH_EXISTS = 1, REG_PUSH_MOUNTED, REG_PUSH_PUSHED };

struct reg_push_blob {
	const char *repo; /* the repository pushed to */
	const char *digest;
	uint64_t size;
	int fd; /* the blob's bytes, read with pread from offset 0 */
	const char *mount_from; /* another repository of this registry said to
				   hold the blob, or NULL */
	uint64_t chunk; /* the chunk size (0: REG_PUSH_CHUNK) */
};
/*
 * Put a blob into REPO unless the registry has it (HEAD): a
 * cross-repository mount from mount_from first when given (a 202 answer
 * starts an upload instead), else POST; then one PUT with the whole blob,
 * or PATCH chunks (Content-Range) and a PUT, for blobs over the chunk
 * size.  The bytes are hashed while they are sent and must hash to the
 * digest; the registry's Docker-Content-Digest must name it.  Location
 * headers are resolved against the request and follow http.c's rules
 * (https only; Authorization only to the registry's origin).  Returns a
 * reg_push_outcome or a negative errno.
 */
int reg_blob_push(struct reg_client *c, const struct reg_push_blob *b, struct brig_err *e);
/* PUT /v2/REPO/manifests/REF: exactly body, as media_type; the answer's
 * Docker-Content-Digest (when sent) must be the body's digest, which is
 * written to digest. */
int reg_manifest_put(struct reg_client *c, const char *repo, const char *ref,
		     const char *media_type, const void *body, size_t len,
		     char digest[REG_DIGEST_SIZE], struct brig_err *e);

/* ---- referrers (referrers.c) ---------------------------------------------- */

/*
 * GET /v2/REPO/referrers/DIGEST[?artifactType=TYPE] (OCI distribution
 * 1.1): the OCI index of the manifests whose subject is DIGEST, as the
 * registry lists them (not content-addressed: out->digest is only the
 * body's hash).  -ENOENT when the registry has no referrers API (404):
 * the caller then reads the fallback tag sha256-HEX with
 * reg_manifest_get.
 */
int reg_referrers_get(struct reg_client *c, const char *repo, const char *digest,
		      const char *artifact_type, struct reg_manifest *out, struct brig_err *e);

#endif /* BRIG_REGISTRY_H */
