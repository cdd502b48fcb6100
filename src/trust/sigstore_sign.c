/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writing a `.sig` attachment as cosign does: the simple signing payload
 * as a blob, a config naming the payloads as its layers' diff_ids, and an
 * OCI manifest under the tag sha256-HEX.sig with one layer per signature,
 * each annotated with its base64 signature.  A signature already there
 * is kept; signing again with another key adds a layer.
 */
#include "trust/sigstore-internal.h"
#include "registry/registry.h"

#include <string.h>
#include <sys/mman.h>

#define MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"

int trust_push_bytes(struct reg_client *c, const char *repo, const void *buf, size_t len,
		     char digest[REG_DIGEST_SIZE], struct brig_err *e)
{
	char hex[BRIG_SHA256_HEX];
	if (brig_sha256_buf(buf, len, hex) < 0)
		return brig_err_oom(e);
	snprintf(digest, REG_DIGEST_SIZE, "sha256:%s", hex);
	_cleanup_close_ int fd = memfd_create("brig-signature", MFD_CLOEXEC);
	if (fd < 0)
		return brig_err_sys(e, errno, "memfd_create");
	if (brig_write_all(fd, buf, len) < 0)
		return brig_err_sys(e, errno, "memfd write");
	struct reg_push_blob b = { .repo = repo, .digest = digest, .size = len, .fd = fd };
	int r = reg_blob_push(c, &b, e);
	return r < 0 ? r : 0;
}

/* The layers of the existing .sig manifest (a new empty array when there
 * is none). */
static int old_layers(struct reg_client *c, const char *repo, const char *tag, json_t **out,
		      struct brig_err *e)
{
	struct reg_manifest m = { 0 };
	_cleanup_json_ json_t *doc = NULL;
	int r = reg_manifest_get(c, repo, tag, &m, e);
	if (r == -ENOENT) {
		brig_err_clear(e);
		*out = json_array();
		return *out ? 0 : brig_err_oom(e);
	}
	if (r == 0)
		r = bj_parse(m.body, m.len, tag, &doc, e);
	json_t *l = r == 0 ? json_object_get(doc, "layers") : NULL;
	if (r == 0 && !json_is_array(l))
		r = brig_err_set(e, -EPROTO, "%s: layers: expected an array", tag);
	if (r == 0 && json_array_size(l) >= TRUST_MAX_SIGS)
		r = brig_err_set(e, -E2BIG, "%s: already %d signatures", tag, TRUST_MAX_SIGS);
	if (r == 0 && !(*out = json_deep_copy(l)))
		r = brig_err_oom(e);
	reg_manifest_clear(&m);
	return r;
}

/* 1 when layers holds this payload with this signature already. */
static bool has_layer(json_t *layers, const char *digest, const char *b64)
{
	size_t i;
	json_t *l;
	json_array_foreach(layers, i, l)
	{
		json_t *d = json_object_get(l, "digest");
		json_t *s = json_object_get(json_object_get(l, "annotations"), TRUST_ANN_SIGNATURE);
		if (json_is_string(d) && json_is_string(s) &&
		    !strcmp(json_string_value(d), digest) && !strcmp(json_string_value(s), b64))
			return true;
	}
	return false;
}

/* cosign's config: the payloads' digests as diff_ids (they are not
 * compressed), everything else empty. */
static int push_config(struct reg_client *c, const char *repo, json_t *layers, json_t **desc,
		       struct brig_err *e)
{
	_cleanup_json_ json_t *ids = json_array(), *cfg = NULL;
	size_t i;
	json_t *l;
	json_array_foreach(layers, i, l)
	{
		if (!ids || json_array_append(ids, json_object_get(l, "digest")) < 0)
			return brig_err_oom(e);
	}
	cfg = json_pack("{s:s,s:s,s:{},s:{s:s,s:O}}", "architecture", "", "os", "", "config",
			"rootfs", "type", "layers", "diff_ids", ids);
	_cleanup_free_ char *text = cfg ? json_dumps(cfg, JSON_COMPACT | JSON_PRESERVE_ORDER)
					: NULL;
	char digest[REG_DIGEST_SIZE];
	if (!text)
		return brig_err_oom(e);
	int r = trust_push_bytes(c, repo, text, strlen(text), digest, e);
	if (r == 0 &&
	    !(*desc = json_pack("{s:s,s:I,s:s}", "mediaType", MT_OCI_CONFIG, "size",
				(json_int_t)strlen(text), "digest", digest)))
		r = brig_err_oom(e);
	return r;
}

static int put_manifest(struct reg_client *c, const char *repo, const char *tag, json_t *layers,
			struct brig_err *e)
{
	json_t *cfg = NULL;
	int r = push_config(c, repo, layers, &cfg, e);
	if (r < 0)
		return r;
	_cleanup_json_ json_t *m = json_pack("{s:i,s:s,s:o,s:O}", "schemaVersion", 2, "mediaType",
					     REG_MT_OCI_MANIFEST, "config", cfg, "layers", layers);
	_cleanup_free_ char *text = m ? json_dumps(m, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	char digest[REG_DIGEST_SIZE];
	if (!text)
		return brig_err_oom(e);
	return reg_manifest_put(c, repo, tag, REG_MT_OCI_MANIFEST, text, strlen(text), digest, e);
}

int trust_sigstore_sign_image(struct reg_client *c, const char *repo, const char *digest,
			      const char *ref, EVP_PKEY *k, struct brig_err *e)
{
	return trust_sigstore_sign_image_at(c, repo, digest, ref, k, 0, e);
}

int trust_sigstore_sign_image_at(struct reg_client *c, const char *repo, const char *digest,
				 const char *ref, EVP_PKEY *k, int64_t when, struct brig_err *e)
{
	char tag[80], pd[REG_DIGEST_SIZE];
	_cleanup_free_ char *payload = NULL, *b64 = NULL;
	_cleanup_json_ json_t *layers = NULL;
	size_t len = 0;
	int r = trust_sig_tag(digest, tag, e);
	if (r == 0)
		r = trust_payload_make_at(ref, digest, when, &payload, &len, e);
	if (r == 0)
		r = trust_sign(k, payload, len, &b64, e);
	if (r == 0)
		r = trust_verify(k, payload, len, b64, e); /* a fault caught here, not later */
	if (r == 0)
		r = old_layers(c, repo, tag, &layers, e);
	if (r == 0)
		r = trust_push_bytes(c, repo, payload, len, pd, e);
	if (r < 0 || has_layer(layers, pd, b64))
		return r;
	json_t *l = json_pack("{s:s,s:I,s:s,s:{s:s}}", "mediaType", TRUST_MT_SIMPLESIG, "size",
			      (json_int_t)len, "digest", pd, "annotations", TRUST_ANN_SIGNATURE,
			      b64);
	if (!l || json_array_append_new(layers, l) < 0)
		return brig_err_oom(e);
	return put_manifest(c, repo, tag, layers, e);
}
