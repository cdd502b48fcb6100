/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Verifying the `.sig` attachment cosign, skopeo and podman write beside an
 * image: tag sha256-HEX.sig in the image's repository, an OCI (or Docker
 * schema 2) manifest with one layer per signature, each layer a simple
 * signing payload (TRUST_MT_SIMPLESIG) whose base64 signature is the
 * annotation TRUST_ANN_SIGNATURE.  A signature counts when a key given
 * verifies it, its payload is well formed, names the image's digest and,
 * when asked, the image's repository.
 */
#include "trust/sigstore-internal.h"
#include "registry/registry.h"

#include <string.h>

void trust_sig_verdict_clear(struct trust_sig_verdict *v)
{
	for (size_t i = 0; v->sigs && i < v->n_sigs; i++) {
		free(v->sigs[i].docker_reference);
		free(v->sigs[i].reason);
	}
	free(v->sigs);
	free(v->docker_reference);
	*v = (struct trust_sig_verdict){ 0 };
}

/* Docker Hub's other names, as cosign writes them (go-containerregistry
 * names Docker Hub "index.docker.io"). */
static const char *hub_name(const char *ref)
{
	static const char *const alias[] = { "index.docker.io/", "registry-1.docker.io/" };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(alias); i++)
		if (strncmp(ref, alias[i], strlen(alias[i])) == 0)
			return ref + strlen(alias[i]);
	return strncmp(ref, "docker.io/", 10) == 0 ? ref + 10 : NULL;
}

/* ref names repository repo: "repo", "repo:tag" or "repo@digest"; Docker
 * Hub by any of its names. */
static bool same_repository(const char *ref, const char *repo)
{
	const char *hr = hub_name(ref), *hp = hub_name(repo);
	if (hr && hp) {
		ref = hr;
		repo = hp;
	}
	size_t n = strlen(repo);
	if (strncmp(ref, repo, n) != 0)
		return false;
	return ref[n] == '\0' || ((ref[n] == ':' || ref[n] == '@') && !strchr(ref + n + 1, '/'));
}

/* The key of keys that verifies b64 over payload; else *why says why not. */
static const char *find_key(const char *payload, size_t len, const char *b64,
			    const struct trust_pubkey *keys, size_t n_keys, char **why)
{
	_cleanup_err_ struct brig_err e = { 0 };
	for (size_t i = 0; i < n_keys; i++) {
		brig_err_clear(&e);
		if (trust_verify(keys[i].key, payload, len, b64, &e) == 0)
			return keys[i].name;
		if (e.code != -EKEYREJECTED)
			break; /* the signature itself is malformed */
	}
	if (e.code != -EKEYREJECTED)
		*why = strdup(brig_err_str(&e));
	else if (n_keys == 1 && asprintf(why, "not signed by the key %s", keys[0].name) < 0)
		*why = NULL;
	else if (n_keys != 1 &&
		 asprintf(why, "not signed by any of the %zu keys given", n_keys) < 0)
		*why = NULL;
	return NULL;
}

/* Judge one payload and signature into s: s->reason stays NULL when they
 * pass.  -ENOMEM only. */
static int judge(const char *payload, size_t len, const char *b64, const char *digest,
		 const struct trust_pubkey *keys, size_t n_keys, const char *expect_ref,
		 struct trust_sig_seen *s)
{
	_cleanup_err_ struct brig_err e = { 0 };
	struct trust_payload p = { 0 };
	const char *key = find_key(payload, len, b64, keys, n_keys, &s->reason);
	if (!key)
		return s->reason ? 0 : -ENOMEM;
	if (trust_payload_parse(payload, len, &p, &e) < 0)
		return (s->reason = strdup(brig_err_str(&e))) ? 0 : -ENOMEM;
	s->docker_reference = brig_steal_ptr(p.docker_reference);
	int n = 0;
	if (strcmp(p.digest, digest) != 0)
		n = asprintf(&s->reason, "signs %s, not this image (%s)", p.digest, digest);
	else if (expect_ref && !same_repository(s->docker_reference, expect_ref))
		n = asprintf(&s->reason, "signs docker-reference '%.200s', not %s",
			     s->docker_reference, expect_ref);
	else
		s->key_name = key;
	trust_payload_clear(&p);
	return n < 0 ? -ENOMEM : 0;
}

/* Add a judged signature to out; 1 when it is the first accepted. */
static int add_seen(struct trust_sig_verdict *out, struct trust_sig_seen *s, struct brig_err *e)
{
	struct trust_sig_seen *v = realloc(out->sigs, (out->n_sigs + 1) * sizeof(*v));
	if (!v) {
		free(s->reason);
		free(s->docker_reference);
		return brig_err_oom(e);
	}
	out->sigs = v;
	v[out->n_sigs++] = *s;
	if (s->reason || out->accepted)
		return 0;
	out->accepted = true;
	out->key_name = s->key_name;
	if (s->docker_reference && !(out->docker_reference = strdup(s->docker_reference)))
		return brig_err_oom(e);
	return 1;
}

/* After every signature was judged: 0, or -EKEYREJECTED naming each
 * signature's reason. */
static int conclude(const struct trust_sig_verdict *out, const char *what, struct brig_err *e)
{
	if (out->accepted)
		return 0;
	_cleanup_free_ char *msg = NULL;
	size_t len = 0;
	for (size_t i = 0; i < out->n_sigs; i++)
		if (brig_appendf(&msg, &len, "%ssignature %zu: %s", i ? "; " : "", i + 1,
				 out->sigs[i].reason) < 0)
			return brig_err_oom(e);
	return brig_err_set(e, -EKEYREJECTED, "no signature accepted%s%s (%s)", what ? " for " : "",
			    what ? what : "", msg ? msg : "none");
}

int trust_sigstore_verify_detached(const char *payload, size_t len, const char *b64,
				   const char *digest, const struct trust_pubkey *keys,
				   size_t n_keys, const char *expect_ref,
				   struct trust_sig_verdict *out, struct brig_err *e)
{
	*out = (struct trust_sig_verdict){ 0 };
	snprintf(out->digest, sizeof(out->digest), "%s", digest);
	struct trust_sig_seen s = { 0 };
	if (judge(payload, len, b64, digest, keys, n_keys, expect_ref, &s) < 0)
		return brig_err_oom(e);
	int r = add_seen(out, &s, e);
	return r < 0 ? r : conclude(out, NULL, e);
}

/* ---- from a registry --------------------------------------------------- */

int trust_mem_sink(void *ctx, const void *buf, size_t len, struct brig_err *e)
{
	struct trust_membuf *m = ctx;
	if (len > m->cap - m->len)
		return brig_err_set(e, -EFBIG, "larger than its descriptor says");
	memcpy(m->buf + m->len, buf, len);
	m->len += len;
	return 0;
}

/* sha256:HEX -> sha256-HEX.sig */
int trust_sig_tag(const char *digest, char tag[80], struct brig_err *e)
{
	if (!brig_digest_valid(digest))
		return brig_err_set(e, -EINVAL, "bad digest '%.80s'", digest);
	snprintf(tag, 80, "sha256-%s.sig", digest + 7);
	return 0;
}

/* One layer of the .sig manifest: the reason it is refused before its
 * payload is fetched, or NULL; *b64 its signature. */
static char *layer_check(json_t *l, const char **digest, uint64_t *size, const char **b64)
{
	char *why = NULL;
	json_t *mt = json_object_get(l, "mediaType"), *d = json_object_get(l, "digest");
	json_t *sz = json_object_get(l, "size"), *ann = json_object_get(l, "annotations");
	json_t *sig = json_is_object(ann) ? json_object_get(ann, TRUST_ANN_SIGNATURE) : NULL;
	if (!json_is_string(mt) || strcmp(json_string_value(mt), TRUST_MT_SIMPLESIG) != 0)
		return strdup("not a simple signing payload (mediaType)");
	if (!json_is_string(d) || !brig_digest_valid(json_string_value(d)) ||
	    !json_is_integer(sz) || json_integer_value(sz) < 0)
		return strdup("a malformed descriptor (digest, size)");
	if ((uint64_t)json_integer_value(sz) > TRUST_PAYLOAD_MAX &&
	    asprintf(&why, "a payload of %lld bytes, more than %zu",
		     (long long)json_integer_value(sz), TRUST_PAYLOAD_MAX) < 0)
		return NULL;
	if (why)
		return why;
	if (!json_is_string(sig))
		return strdup("no " TRUST_ANN_SIGNATURE " annotation");
	*digest = json_string_value(d);
	*size = (uint64_t)json_integer_value(sz);
	*b64 = json_string_value(sig);
	return NULL;
}

/* A layer's payload into m: 0; 1 when it cannot be fetched (s->reason
 * says why: that refuses this signature, not the others); -ENOMEM. */
static int fetch_payload(struct reg_client *c, const char *repo, const char *digest, uint64_t size,
			 struct trust_membuf *m, struct trust_sig_seen *s, struct brig_err *e)
{
	_cleanup_err_ struct brig_err fe = { 0 };
	int r = reg_blob_get(c, repo, digest, size, trust_mem_sink, m, &fe);
	if (r == 0)
		return 0;
	if (r == -ENOMEM || !(s->reason = strdup(brig_err_str(&fe))))
		return brig_err_oom(e);
	return 1;
}

static int judge_layer(struct reg_client *c, const char *repo, json_t *l, const char *digest,
		       const struct trust_pubkey *keys, size_t n_keys, const char *expect_ref,
		       struct trust_sig_verdict *out, struct brig_err *e)
{
	const char *ld = NULL, *b64 = NULL;
	uint64_t size = 0;
	struct trust_sig_seen s = { .reason = layer_check(l, &ld, &size, &b64) };
	if (!s.reason && !ld)
		return brig_err_oom(e);
	if (!s.reason) {
		struct trust_membuf m = { .buf = malloc(size + 1), .cap = size };
		if (!m.buf)
			return brig_err_oom(e);
		int r = fetch_payload(c, repo, ld, size, &m, &s, e);
		if (r == 0 && judge(m.buf, m.len, b64, digest, keys, n_keys, expect_ref, &s) < 0)
			r = brig_err_oom(e);
		free(m.buf);
		if (r < 0)
			return r;
	}
	int r = add_seen(out, &s, e);
	return r < 0 ? r : 0;
}

/* The layers of the .sig manifest m (an array of at most TRUST_MAX_SIGS). */
static int sig_layers(const struct reg_manifest *m, const char *what, json_t **doc, json_t **layers,
		      struct brig_err *e)
{
	if (strcmp(m->media_type, REG_MT_OCI_MANIFEST) != 0 &&
	    strcmp(m->media_type, REG_MT_DOCKER_MANIFEST) != 0)
		return brig_err_set(e, -EPROTO, "%s: a %s, not an image manifest", what,
				    m->media_type);
	int r = bj_parse(m->body, m->len, what, doc, e);
	*layers = r == 0 ? json_object_get(*doc, "layers") : NULL;
	if (r == 0 && !json_is_array(*layers))
		r = brig_err_set(e, -EPROTO, "%s: layers: expected an array", what);
	if (r == 0 && json_array_size(*layers) > TRUST_MAX_SIGS)
		r = brig_err_set(e, -EPROTO, "%s: more than %d signatures", what, TRUST_MAX_SIGS);
	return r;
}

int trust_sigstore_verify_image(struct reg_client *c, const char *repo, const char *digest,
				const struct trust_pubkey *keys, size_t n_keys,
				const char *expect_ref, struct trust_sig_verdict *out,
				struct brig_err *e)
{
	char tag[80];
	struct reg_manifest m = { 0 };
	_cleanup_json_ json_t *doc = NULL;
	_cleanup_free_ char *what = NULL;
	json_t *layers = NULL, *l;
	size_t i;
	*out = (struct trust_sig_verdict){ 0 };
	int r = trust_sig_tag(digest, tag, e);
	if (r == 0 && asprintf(&what, "%s/%s:%s", reg_client_host(c), repo, tag) < 0)
		r = brig_err_oom(e);
	if (r < 0)
		return r;
	snprintf(out->digest, sizeof(out->digest), "%s", digest);
	r = reg_manifest_get(c, repo, tag, &m, e);
	if (r == -ENOENT)
		return brig_err_set(e, -ENOENT, "%s@%s: no signatures (no %s in the registry)",
				    repo, digest, tag);
	if (r == 0)
		r = sig_layers(&m, what, &doc, &layers, e);
	json_array_foreach(r == 0 ? layers : NULL, i, l)
	{
		r = judge_layer(c, repo, l, digest, keys, n_keys, expect_ref, out, e);
		if (r < 0 || out->accepted)
			break;
	}
	reg_manifest_clear(&m);
	if (r == 0 && out->n_sigs == 0)
		return brig_err_set(e, -ENOENT, "%s@%s: no signatures (%s lists none)", repo,
				    digest, tag);
	return r < 0 ? r : conclude(out, digest, e);
}

int trust_image_digest(struct reg_client *c, const char *repo, const char *tag, char digest[72],
		       struct brig_err *e)
{
	struct reg_manifest m = { 0 };
	int r = reg_manifest_get(c, repo, tag, &m, e);
	if (r == 0)
		snprintf(digest, 72, "%s", m.digest);
	reg_manifest_clear(&m);
	return r;
}
