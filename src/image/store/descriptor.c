/* SPDX-License-Identifier: Apache-2.0 */
/* OCI content descriptors: parsing (strict), copying, freeing. */
#include "image/store/store-internal.h"

#include <string.h>

#define MAX_ANNOTATIONS 1024
#define MAX_URLS 64
#define MAX_OS_FEATURES 64

const char *img_kv_get(const struct img_kvlist *l, const char *key)
{
	for (size_t i = 0; l && i < l->n; i++)
		if (strcmp(l->items[i].key, key) == 0)
			return l->items[i].value;
	return NULL;
}

void img_kvlist_clear(struct img_kvlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->items[i].key);
		free(l->items[i].value);
	}
	free(l->items);
	*l = (struct img_kvlist){ 0 };
}

static void platform_free(struct img_platform *p)
{
	if (!p)
		return;
	free(p->architecture);
	free(p->os);
	free(p->os_version);
	free(p->variant);
	brig_strv_free(p->os_features);
	free(p);
}

void img_descriptor_clear(struct img_descriptor *d)
{
	free(d->media_type);
	free(d->artifact_type);
	brig_strv_free(d->urls);
	img_kvlist_clear(&d->annotations);
	platform_free(d->platform);
	*d = (struct img_descriptor){ 0 };
}

void img_descriptor_array_free(struct img_descriptor *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		img_descriptor_clear(&v[i]);
	free(v);
}

/* RFC 6838 section 4.2: type "/" subtype, each a restricted-name. */
static bool restricted_name(const char *s, size_t len)
{
	if (len == 0 || len > 127)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9');
		if (alnum)
			continue;
		if (i == 0 || !strchr("!#$&^_.+-", c))
			return false;
	}
	return true;
}

static bool media_type_syntax_ok(const char *mt)
{
	const char *slash = strchr(mt, '/');
	if (!slash)
		return false;
	return restricted_name(mt, (size_t)(slash - mt)) &&
		restricted_name(slash + 1, strlen(slash + 1));
}

static int parse_media_type(const json_t *v, const struct bj_loc *at, struct img_descriptor *out,
			    struct brig_err *e)
{
	int r = sj_req_str(v, at, "mediaType", &out->media_type, e);
	if (r < 0)
		return r;
	if (!media_type_syntax_ok(out->media_type)) {
		struct bj_loc sub;
		bj_key(&sub, at, "mediaType");
		return bj_fail(e, &sub, "'%s' is not a valid media type", out->media_type);
	}
	(void)img_media_type_info(out->media_type, &out->info);
	return 0;
}

static int parse_digest(const json_t *v, const struct bj_loc *at, struct img_descriptor *out,
			struct brig_err *e)
{
	const char *dg = NULL;
	int r = bj_get_str(v, at, "digest", true, &dg, e);
	if (r < 0)
		return r;
	struct bj_loc sub;
	bj_key(&sub, at, "digest");
	if (!brig_digest_valid(dg)) {
		const char *colon = strchr(dg, ':');
		if (colon && strncmp(dg, "sha256:", 7) != 0 && colon - dg < 32)
			return bj_fail(e, &sub, "unsupported digest algorithm '%.*s'",
				       (int)(colon - dg), dg);
		return bj_fail(e, &sub, "'%.80s' is not a valid sha256 digest", dg);
	}
	memcpy(out->digest, dg, strlen(dg) + 1);
	return 0;
}

static int parse_platform(const json_t *v, const struct bj_loc *at, struct img_platform **out,
			  struct brig_err *e)
{
	json_t *p = NULL;
	int r = sj_opt(v, at, "platform", JSON_OBJECT, &p, e);
	if (r != 0)
		return r < 0 ? r : 0;
	struct bj_loc pl;
	bj_key(&pl, at, "platform");
	struct img_platform *plat = calloc(1, sizeof(*plat));
	if (!plat)
		return brig_err_oom(e);
	*out = plat;
	if ((r = sj_req_str(p, &pl, "architecture", &plat->architecture, e)) < 0 ||
	    (r = sj_req_str(p, &pl, "os", &plat->os, e)) < 0 ||
	    (r = sj_opt_str(p, &pl, "os.version", &plat->os_version, e)) < 0 ||
	    (r = sj_opt_str(p, &pl, "variant", &plat->variant, e)) < 0 ||
	    (r = sj_opt_strv(p, &pl, "os.features", MAX_OS_FEATURES, &plat->os_features, e)) < 0)
		return r;
	return 0;
}

int img_descriptor_parse(const json_t *v, const struct bj_loc *at, struct img_descriptor *out,
			 struct brig_err *e)
{
	*out = (struct img_descriptor){ 0 };
	int r = bj_expect(v, at, JSON_OBJECT, e);
	if (r < 0)
		return r;
	json_t *ann = NULL;
	if ((r = parse_media_type(v, at, out, e)) < 0 || (r = parse_digest(v, at, out, e)) < 0 ||
	    (r = bj_get_u64(v, at, "size", true, &out->size, e)) < 0 ||
	    (r = sj_opt_str(v, at, "artifactType", &out->artifact_type, e)) < 0 ||
	    (r = sj_opt_strv(v, at, "urls", MAX_URLS, &out->urls, e)) < 0 ||
	    (r = sj_opt(v, at, "annotations", JSON_OBJECT, &ann, e)) < 0 ||
	    (r = parse_platform(v, at, &out->platform, e)) < 0)
		goto fail;
	if (ann) {
		struct bj_loc sub;
		bj_key(&sub, at, "annotations");
		r = sj_kvlist(ann, &sub, MAX_ANNOTATIONS, &out->annotations, e);
		if (r < 0)
			goto fail;
	}
	/* "data" (embedded content) is reserved; when present it must at
	 * least be a string.  brig never uses it. */
	json_t *data = NULL;
	r = sj_opt(v, at, "data", JSON_STRING, &data, e);
	if (r < 0)
		goto fail;
	return 0;
fail:
	img_descriptor_clear(out);
	return r;
}

int img_descriptor_array(const json_t *arr, const struct bj_loc *at, size_t max,
			 struct img_descriptor **out, size_t *n, struct brig_err *e)
{
	int r = bj_expect(arr, at, JSON_ARRAY, e);
	if (r < 0)
		return r;
	size_t count = json_array_size(arr);
	if (count > max)
		return bj_fail(e, at, "%zu entries, at most %zu allowed", count, max);
	struct img_descriptor *v = calloc(count ? count : 1, sizeof(*v));
	if (!v)
		return brig_err_oom(e);
	for (size_t i = 0; i < count; i++) {
		struct bj_loc el;
		bj_idx(&el, at, i);
		r = img_descriptor_parse(json_array_get(arr, i), &el, &v[i], e);
		if (r < 0) {
			img_descriptor_array_free(v, count);
			return r;
		}
	}
	*out = v;
	*n = count;
	return 0;
}

int img_descriptor_want(const struct img_descriptor *d, const struct bj_loc *at,
			enum img_media_kind kind, struct brig_err *e)
{
	if (d->info.kind == kind)
		return 0;
	struct bj_loc sub;
	bj_key(&sub, at, "mediaType");
	if (d->info.kind == IMG_KIND_UNKNOWN) {
		(void)bj_fail(e, &sub, "unsupported media type '%s' (expected %s)", d->media_type,
			      img_media_kind_name(kind));
		if (e)
			e->code = -ENOTSUP;
		return -ENOTSUP;
	}
	return bj_fail(e, &sub, "media type '%s' is %s, expected %s", d->media_type,
		       img_media_kind_name(d->info.kind), img_media_kind_name(kind));
}

static int kvlist_copy(struct img_kvlist *dst, const struct img_kvlist *src)
{
	*dst = (struct img_kvlist){ 0 };
	if (src->n == 0)
		return 0;
	dst->items = calloc(src->n, sizeof(*dst->items));
	if (!dst->items)
		return -ENOMEM;
	for (size_t i = 0; i < src->n; i++) {
		dst->items[i].key = strdup(src->items[i].key);
		dst->items[i].value = strdup(src->items[i].value);
		dst->n++;
		if (!dst->items[i].key || !dst->items[i].value)
			return -ENOMEM;
	}
	return 0;
}

static char *strdup_null(const char *s, bool *failed)
{
	if (!s)
		return NULL;
	char *c = strdup(s);
	if (!c)
		*failed = true;
	return c;
}

static int platform_copy(struct img_platform **dst, const struct img_platform *src)
{
	bool failed = false;
	if (!src)
		return 0;
	struct img_platform *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	*dst = p;
	p->architecture = strdup_null(src->architecture, &failed);
	p->os = strdup_null(src->os, &failed);
	p->os_version = strdup_null(src->os_version, &failed);
	p->variant = strdup_null(src->variant, &failed);
	if (src->os_features && !(p->os_features = brig_strv_dup(src->os_features)))
		failed = true;
	return failed ? -ENOMEM : 0;
}

int img_descriptor_copy(struct img_descriptor *dst, const struct img_descriptor *src,
			struct brig_err *e)
{
	bool failed = false;
	*dst = (struct img_descriptor){ 0 };
	dst->info = src->info;
	memcpy(dst->digest, src->digest, sizeof(dst->digest));
	dst->size = src->size;
	dst->media_type = strdup_null(src->media_type, &failed);
	dst->artifact_type = strdup_null(src->artifact_type, &failed);
	if (src->urls && !(dst->urls = brig_strv_dup(src->urls)))
		failed = true;
	if (kvlist_copy(&dst->annotations, &src->annotations) < 0 ||
	    platform_copy(&dst->platform, src->platform) < 0)
		failed = true;
	if (failed) {
		img_descriptor_clear(dst);
		return brig_err_oom(e);
	}
	return 0;
}
