/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig audit containers: where a container's image came from and how old
 * it is, judged offline (docs/audit.md):
 *
 *   - its Brig.Provenance (what content trust decided at create): an image
 *     nothing verified;
 *   - run's content trust check made again now (eng_prov_recheck: the
 *     signatures stored with the image against the policy as it stands):
 *     a key that verified the image at create and no longer does;
 *   - the image's "created" older than the --max-image-age;
 *   - the name the container was made from now naming a newer image of
 *     the store, and the base the image names (the OCI annotations
 *     org.opencontainers.image.base.name / .base.digest) now naming
 *     another image of the store.
 */
#include "audit/audit-internal.h"
#include "engine/engine.h"
#include "engine/logs/logs.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CIS "https://www.cisecurity.org/benchmark/docker"
#define TRUST_DOC "docs/trust-check.md"

static const struct au_check c_local = {
	"brig.ctr.image-unverified", AUDIT_LOW,
	"pull the image from a registry by a name the signature policy covers, signed by a key it "
	"names, or sign what you build and load it with its signatures",
	TRUST_DOC
};
static const struct au_check c_unverified = {
	"brig.ctr.image-unverified", AUDIT_MEDIUM,
	"recreate the container with content trust on and a policy that names the signer's key",
	TRUST_DOC
};
static const struct au_check c_revoked = {
	"brig.ctr.image-revoked", AUDIT_HIGH,
	"the policy no longer accepts the image this container runs: stop it, find out why the key "
	"was removed, and recreate it from an image the policy accepts",
	TRUST_DOC
};
static const struct au_check c_key_gone = {
	"brig.ctr.image-revoked", AUDIT_MEDIUM,
	"a key that verified the image at create is no longer accepted: recreate the container so "
	"that its provenance names the keys that still vouch for it",
	TRUST_DOC
};
static const struct au_check c_age = {
	"brig.ctr.image-age", AUDIT_LOW,
	"rebuild or pull the image again to get its base's fixes, then recreate the container", CIS
};
static const struct au_check c_newer = {
	"brig.ctr.image-newer", AUDIT_LOW,
	"recreate the container from the newer image (brig rm -f, then brig run with the same name)",
	CIS
};
static const struct au_check c_base = {
	"brig.ctr.base-newer", AUDIT_LOW,
	"rebuild the image on the base the store has now, then recreate the container", CIS
};

/* "KEY, KEY" of a Signers array, or NULL when it has none; *missing:
 * whether a key of signers is not among now's (now may be NULL). */
static char *keys_of(const json_t *signers, const json_t *now, bool *missing)
{
	char *out = NULL;
	size_t i, j;
	json_t *s, *n;
	json_array_foreach(signers, i, s)
	{
		const char *k = json_string_value(json_object_get(s, "Key"));
		bool found = false;
		json_array_foreach(now, j, n) found = found ||
			(k && json_string_value(json_object_get(n, "Key")) &&
			 strcmp(k, json_string_value(json_object_get(n, "Key"))) == 0);
		if (!k || found)
			continue;
		*missing = true;
		char *t = NULL;
		if (asprintf(&t, "%s%s%s", out ? out : "", out ? ", " : "", k) < 0) {
			free(out);
			return NULL;
		}
		free(out);
		out = t;
	}
	return out;
}

/* Verified at create: judge the stored signatures again, now. */
static int recheck(struct au *a, const json_t *prov, const char *manifest, const char *t,
		   struct brig_err *e)
{
	_cleanup_json_ json_t *now = NULL;
	const json_t *signers = json_object_get(prov, "Signers");
	bool missing = false;
	int r = eng_prov_recheck(a->g, manifest, &now, e);
	if (r == -EACCES) {
		_cleanup_free_ char *why = strdup(brig_err_str(e));
		_cleanup_free_ char *was = keys_of(signers, NULL, &missing);
		brig_err_clear(e);
		return au_add(a, &c_revoked, t, e,
			      "its image was verified at create by %s; the policy as it stands "
			      "refuses it: %s",
			      was ? was : "a key", why ? why : "refused");
	}
	if (r == -ENOENT) /* the image and its signatures are gone from the store */
		return 0;
	if (r < 0)
		return brig_err_wrap(e, "%s: content trust check", t);
	_cleanup_free_ char *gone = keys_of(signers, json_object_get(now, "Signers"), &missing);
	if (!missing)
		return 0;
	return au_add(a, &c_key_gone, t, e,
		      "its image was verified at create by %s, which the policy no longer accepts "
		      "(still accepted by another key)",
		      gone ? gone : "a key");
}

static int provenance(struct au *a, const json_t *rec, const char *t, struct brig_err *e)
{
	const json_t *brig = json_object_get(rec, "Brig");
	const json_t *prov = json_object_get(brig, "Provenance");
	const char *manifest = json_string_value(json_object_get(brig, "ManifestDigest"));
	const char *dec = json_string_value(json_object_get(prov, "Decision"));
	if (!prov)
		return au_add(a, &c_local, t, e,
			      "no provenance is recorded (made before brig checked content "
			      "trust at create)");
	if (json_is_true(json_object_get(prov, "Verified")))
		return manifest ? recheck(a, prov, manifest, t, e) : 0;
	if (dec && strcmp(dec, "local image") == 0)
		return au_add(a, &c_local, t, e,
			      "its image is not verified: it has no registry signatures (imported, "
			      "committed, loaded or built here)");
	if (dec && strcmp(dec, "content trust disabled") == 0)
		return au_add(a, &c_unverified, t, e,
			      "its image is not verified: the container was made with content "
			      "trust off");
	const char *scope = json_string_value(json_object_get(prov, "Scope"));
	return au_add(a, &c_unverified, t, e,
		      "its image is not verified: the policy accepted it without a signature "
		      "(scope %s)",
		      scope ? scope : "unknown");
}

/* The image what names in the store, for this host: its manifest digest
 * (as selected), and its config.  -ENOENT when the store has none. */
static int image_of(struct au *a, const char *what, char manifest[IMG_DIGEST_SIZE],
		    struct img_manifest *m, struct img_config *cfg, struct brig_err *e)
{
	struct img_descriptor d = { 0 }, md = { 0 };
	int r = img_store_resolve(a->s, what, &d, e);
	if (r == 0)
		r = img_store_select_manifest(a->s, &d, eng_host_arch(), "linux", NULL, &md, e);
	if (r == 0)
		r = img_store_load_manifest(a->s, &md, m, e);
	if (r == 0 && (r = img_store_load_config(a->s, &m->config, cfg, e)) < 0)
		img_manifest_clear(m);
	if (r == 0)
		memcpy(manifest, md.digest, IMG_DIGEST_SIZE);
	img_descriptor_clear(&md);
	img_descriptor_clear(&d);
	if (r == -ENOENT)
		brig_err_clear(e);
	return r;
}

/* The config blob id, when the store still has it. */
static int config_blob(struct au *a, const char *id, struct img_config *cfg)
{
	_cleanup_err_ struct brig_err e = { 0 };
	struct img_descriptor d = { .media_type = (char *)IMG_MT_OCI_CONFIG };
	size_t len = strlen(id);
	if (len >= sizeof(d.digest))
		return -EINVAL;
	memcpy(d.digest, id, len + 1);
	int r = img_media_type_info(d.media_type, &d.info);
	if (r == 0)
		r = img_blob_stat(a->s, id, &d.size, &e);
	if (r == 0)
		r = img_store_load_config(a->s, &d, cfg, &e);
	return r;
}

/* A config's "created" in seconds since the epoch; 0 when absent or
 * malformed (nothing to judge). */
static int64_t created_of(const struct img_config *cfg)
{
	_cleanup_err_ struct brig_err e = { 0 };
	int64_t ns;
	if (!cfg->created || eng_logs_parse_time(cfg->created, 0, &ns, &e) < 0 ||
	    !strchr(cfg->created, 'T'))
		return 0;
	return ns / 1000000000;
}

static int age(struct au *a, const struct img_config *cfg, int64_t max_days, const char *t,
	       struct brig_err *e)
{
	int64_t made = created_of(cfg), now = (int64_t)time(NULL);
	if (max_days <= 0 || made <= 0 || now - made <= max_days * 86400)
		return 0;
	return au_add(a, &c_age, t, e,
		      "its image was created %.10s, %" PRId64 " days ago (more than %" PRId64 ")",
		      cfg->created, (now - made) / 86400, max_days);
}

/* The name the container was made from (Config.Image) naming another
 * image, not older than the one it runs. */
static int newer(struct au *a, const json_t *rec, const char *id, const struct img_config *cfg,
		 const char *t, struct brig_err *e)
{
	const char *name = json_string_value(
		json_object_get(json_object_get(rec, "Config"), "Image"));
	char md[IMG_DIGEST_SIZE];
	struct img_manifest m = { 0 };
	struct img_config now = { 0 };
	if (!name || !id || image_of(a, name, md, &m, &now, e) < 0) {
		brig_err_clear(e);
		return 0;
	}
	int r = 0;
	int64_t was = created_of(cfg), is = created_of(&now);
	char w[64] = "no longer in the store";
	if (cfg->created)
		(void)snprintf(w, sizeof(w), "created %.10s", cfg->created);
	if (strcmp(m.config.digest, id) != 0 && is >= was)
		r = au_add(a, &c_newer, t, e,
			   "%s now names a newer image (%.19s, created %.10s) than the one it "
			   "runs (%.19s, %s)",
			   name, m.config.digest, now.created ? now.created : "?", id, w);
	img_config_clear(&now);
	img_manifest_clear(&m);
	return r;
}

/* The base the image was built on (OCI annotations on the manifest, or
 * labels of the config): its name now naming another image of the store. */
static int base(struct au *a, const struct img_manifest *m, const struct img_config *cfg,
		const char *t, struct brig_err *e)
{
	static const char kn[] = "org.opencontainers.image.base.name";
	static const char kd[] = "org.opencontainers.image.base.digest";
	const char *name = img_kv_get(&m->annotations, kn);
	const char *digest = img_kv_get(&m->annotations, kd);
	if (!name || !digest) {
		name = img_kv_get(&cfg->labels, kn);
		digest = img_kv_get(&cfg->labels, kd);
	}
	if (!name || !digest)
		return 0;
	struct img_descriptor d = { 0 };
	char md[IMG_DIGEST_SIZE];
	struct img_manifest bm = { 0 };
	struct img_config bc = { 0 };
	int r = img_store_resolve(a->s, name, &d, e);
	if (r == 0)
		r = image_of(a, d.digest, md, &bm, &bc, e);
	if (r < 0) { /* the store has no such base: nothing to judge offline */
		brig_err_clear(e);
		img_descriptor_clear(&d);
		return 0;
	}
	if (strcmp(digest, d.digest) != 0 && strcmp(digest, md) != 0)
		r = au_add(a, &c_base, t, e,
			   "its image was built on %s@%.19s; %s now names %.19s (created %.10s)",
			   name, digest, name, d.digest, bc.created ? bc.created : "?");
	img_config_clear(&bc);
	img_manifest_clear(&bm);
	img_descriptor_clear(&d);
	return r;
}

int au_ctr_image(struct au *a, const json_t *rec, const char *t, struct brig_err *e)
{
	int r = provenance(a, rec, t, e);
	const char *id = json_string_value(json_object_get(rec, "Image"));
	char md[IMG_DIGEST_SIZE];
	struct img_manifest m = { 0 };
	struct img_config cfg = { 0 };
	if (r < 0 || !a->s || !id)
		return r;
	/* The image may be gone from the store's index (its name moved on,
	 * rmi): its config blob may still be there until the store's gc,
	 * else only the name is judged. */
	bool have = image_of(a, id, md, &m, &cfg, e) == 0;
	brig_err_clear(e);
	bool config = have || config_blob(a, id, &cfg) == 0;
	if (config)
		r = age(a, &cfg, a->max_age_days, t, e);
	if (r == 0)
		r = newer(a, rec, id, &cfg, t, e);
	if (r == 0 && have)
		r = base(a, &m, &cfg, t, e);
	img_config_clear(&cfg);
	img_manifest_clear(&m);
	return r;
}
