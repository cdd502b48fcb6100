/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness: the image store's pure parsers.
 *
 * The first byte of an input is a selector, the rest is the document:
 *   bits 0-1  which parser: 0 manifest, 1 index, 2 config, 3 all three
 *   bits 2-3  the media type a referring descriptor would give (manifests
 *             and indexes): 0 none, 1 the OCI type of the right kind,
 *             2 the Docker type of the right kind, 3 one of the wrong kind
 * The document (up to its first NUL) is also parsed as an image reference.
 *
 * Besides "no crash, no leak" (ASan/UBSan/LSan) the harness checks the
 * contracts: a failure returns a negative code equal to the error's and a
 * one-line message, and leaves the output zeroed; a success yields valid
 * digests, non-NULL media types and counts within the limits, and every
 * descriptor can be copied.  A parsed reference, formatted with
 * img_ref_string, parses back to the same reference.
 */
#include <stdint.h>
#include <string.h>

#include "image/store/store.h"

#define DOC_NAME "fuzz-doc"
/* Longest reference img_ref_parse takes, and longest name part of it
 * (mirrors reference.c). */
#define REF_MAX 512
#define REF_NAME_MAX 255

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x)) {                                                                        \
			fprintf(stderr, "fuzz_image_parse: %s failed at line %d\n", #x, __LINE__); \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/* A failed parse: a negative code, recorded in e, one line of text. */
static void check_failure(int r, struct brig_err *e, bool names_doc)
{
	CHECK(r < 0);
	CHECK(e->code == r);
	const char *s = brig_err_str(e);
	CHECK(s && s[0] && !strchr(s, '\n'));
	if (names_doc && r != -ENOMEM)
		CHECK(strstr(s, DOC_NAME) != NULL);
	brig_err_clear(e);
}

static void check_kvlist(const struct img_kvlist *l)
{
	CHECK(l->n == 0 || l->items);
	for (size_t i = 0; i < l->n; i++) {
		CHECK(l->items[i].key && l->items[i].value);
		CHECK(img_kv_get(l, l->items[i].key) != NULL);
	}
}

static void check_descriptor(const struct img_descriptor *d)
{
	struct brig_err e = { 0 };
	struct img_descriptor copy = { 0 };
	CHECK(d->media_type);
	CHECK(brig_digest_valid(d->digest));
	check_kvlist(&d->annotations);
	if (d->platform)
		CHECK(d->platform->architecture && d->platform->os);
	int r = img_descriptor_copy(&copy, d, &e);
	if (r == 0) {
		CHECK(strcmp(copy.media_type, d->media_type) == 0);
		CHECK(strcmp(copy.digest, d->digest) == 0);
		CHECK(copy.size == d->size && copy.annotations.n == d->annotations.n);
		CHECK(!copy.platform == !d->platform);
	} else {
		CHECK(r == -ENOMEM);
	}
	img_descriptor_clear(&copy);
	brig_err_clear(&e);
}

/* The media type a referring descriptor gives, per the selector. */
static const char *given_type(unsigned sel, enum img_media_kind kind)
{
	static const char *const types[][3] = {
		[IMG_KIND_MANIFEST] = { IMG_MT_OCI_MANIFEST, IMG_MT_DOCKER_MANIFEST,
					IMG_MT_OCI_INDEX },
		[IMG_KIND_INDEX] = { IMG_MT_OCI_INDEX, IMG_MT_DOCKER_LIST, IMG_MT_OCI_CONFIG },
	};
	unsigned t = (sel >> 2) & 3;
	return t == 0 ? NULL : types[kind][t - 1];
}

static void fuzz_manifest(const char *buf, size_t len, const char *mt)
{
	struct brig_err e = { 0 };
	struct img_manifest m;
	int r = img_manifest_parse(buf, len, DOC_NAME, mt, &m, &e);
	if (r < 0) {
		check_failure(r, &e, true);
		CHECK(all_zero(&m, sizeof(m)));
		return;
	}
	CHECK(m.media_type);
	check_descriptor(&m.config);
	CHECK(m.n_layers <= IMG_MAX_LAYERS);
	CHECK(m.n_layers == 0 || m.layers);
	for (size_t i = 0; i < m.n_layers; i++)
		check_descriptor(&m.layers[i]);
	if (m.subject)
		check_descriptor(m.subject);
	check_kvlist(&m.annotations);
	img_manifest_clear(&m);
	CHECK(all_zero(&m, sizeof(m)));
	brig_err_clear(&e);
}

static void fuzz_index(const char *buf, size_t len, const char *mt)
{
	struct brig_err e = { 0 };
	struct img_index x;
	int r = img_index_parse(buf, len, DOC_NAME, mt, &x, &e);
	if (r < 0) {
		check_failure(r, &e, true);
		CHECK(all_zero(&x, sizeof(x)));
		return;
	}
	CHECK(x.media_type);
	CHECK(x.n_manifests <= IMG_MAX_INDEX_ENTRIES);
	CHECK(x.n_manifests == 0 || x.manifests);
	for (size_t i = 0; i < x.n_manifests; i++)
		check_descriptor(&x.manifests[i]);
	check_kvlist(&x.annotations);
	img_index_clear(&x);
	brig_err_clear(&e);
}

static void fuzz_config(const char *buf, size_t len)
{
	struct brig_err e = { 0 };
	struct img_config c;
	int r = img_config_parse(buf, len, DOC_NAME, &c, &e);
	if (r < 0) {
		check_failure(r, &e, true);
		CHECK(all_zero(&c, sizeof(c)));
		return;
	}
	CHECK(c.n_diff_ids == brig_strv_len(c.diff_ids));
	CHECK(c.n_diff_ids <= IMG_MAX_LAYERS);
	for (size_t i = 0; i < c.n_diff_ids; i++)
		CHECK(brig_digest_valid(c.diff_ids[i]));
	CHECK(c.n_history == 0 || c.history);
	check_kvlist(&c.labels);
	img_config_clear(&c);
	brig_err_clear(&e);
}

static void same_ref(const struct img_ref *a, const struct img_ref *b)
{
	CHECK(strcmp(a->domain, b->domain) == 0);
	CHECK(strcmp(a->path, b->path) == 0);
	CHECK(!a->tag == !b->tag && (!a->tag || strcmp(a->tag, b->tag) == 0));
	CHECK(strcmp(a->digest, b->digest) == 0);
}

static void fuzz_ref(const char *s)
{
	struct brig_err e = { 0 };
	struct img_ref ref, again;
	int r = img_ref_parse(s, &ref, &e);
	if (r < 0) {
		check_failure(r, &e, false);
		CHECK(all_zero(&ref, sizeof(ref)));
		return;
	}
	CHECK(ref.domain && ref.domain[0] && ref.path && ref.path[0]);
	CHECK(ref.tag || ref.digest[0]);
	CHECK(!ref.digest[0] || brig_digest_valid(ref.digest));
	char *canon = img_ref_string(&ref);
	char *familiar = img_ref_familiar(&ref);
	CHECK(canon && familiar);
	/* The canonical form names the same image.  Normalising adds
	 * "docker.io/library/", which may push a name that was within the
	 * limits past them: only forms within the limits must parse. */
	size_t name_len = strlen(ref.domain) + 1 + strlen(ref.path);
	if (strlen(canon) <= REF_MAX && name_len <= REF_NAME_MAX) {
		r = img_ref_parse(canon, &again, &e);
		if (r < 0)
			fprintf(stderr, "fuzz_image_parse: '%s' -> '%s': %s\n", s, canon,
				brig_err_str(&e));
		CHECK(r == 0);
		same_ref(&ref, &again);
		img_ref_clear(&again);
	}
	free(canon);
	free(familiar);
	img_ref_clear(&ref);
	brig_err_clear(&e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > (1 << 20))
		return 0;
	unsigned sel = data[0];
	const char *doc = (const char *)data + 1;
	size_t len = size - 1;
	unsigned which = sel & 3;

	if (which == 0 || which == 3)
		fuzz_manifest(doc, len, given_type(sel, IMG_KIND_MANIFEST));
	if (which == 1 || which == 3)
		fuzz_index(doc, len, given_type(sel, IMG_KIND_INDEX));
	if (which == 2 || which == 3)
		fuzz_config(doc, len);

	char ref[REF_MAX + 64];
	size_t n = strnlen(doc, len);
	if (n < sizeof(ref)) {
		memcpy(ref, doc, n);
		ref[n] = '\0';
		fuzz_ref(ref);
	}
	return 0;
}
