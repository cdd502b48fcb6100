/* SPDX-License-Identifier: Apache-2.0 */
/* brig: loading images and naming them for display. */
#include "cli/brig/brig-internal.h"
#include "engine/engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

const char *brig_host_arch(void)
{
	return eng_host_arch();
}

void brig_image_clear(struct brig_image *im)
{
	img_config_clear(&im->config);
	json_decref(im->raw);
	im->raw = NULL;
	free(im->layer_sizes);
	im->layer_sizes = NULL;
	im->n_layers = 0;
}

int brig_store_open(const struct brig_global *g, struct img_store **out, struct brig_err *e)
{
	return eng_store_open(g->root, out, e);
}

static int load_config(struct img_store *s, const struct img_manifest *m, struct brig_image *out,
		       struct brig_err *e)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	const char *cd = m->config.digest;
	int r = img_blob_read(s, cd, IMG_CONFIG_MAX, &buf, &len, e);
	if (r < 0)
		return r;
	char name[IMG_DIGEST_SIZE + 8];
	snprintf(name, sizeof(name), "config %s", cd);
	if ((r = img_config_parse(buf, len, name, &out->config, e)) < 0)
		return r;
	return bj_parse(buf, len, name, &out->raw, e);
}

int brig_image_load(struct img_store *s, const struct img_descriptor *d, struct brig_image *out,
		    struct brig_err *e)
{
	*out = (struct brig_image){ 0 };
	struct img_descriptor md = { 0 };
	struct img_manifest m = { 0 };
	int r = img_store_select_manifest(s, d, brig_host_arch(), "linux", NULL, &md, e);
	if (r == 0)
		r = img_store_load_manifest(s, &md, &m, e);
	if (r == 0)
		r = load_config(s, &m, out, e);
	if (r == 0) {
		memcpy(out->manifest_digest, md.digest, IMG_DIGEST_SIZE);
		memcpy(out->id, m.config.digest, IMG_DIGEST_SIZE);
		out->size = m.config.size;
		out->layer_sizes = calloc(m.n_layers ? m.n_layers : 1, sizeof(uint64_t));
		if (!out->layer_sizes)
			r = brig_err_oom(e);
		for (size_t i = 0; r == 0 && i < m.n_layers; i++) {
			out->size += m.layers[i].size;
			out->layer_sizes[i] = m.layers[i].size;
		}
		out->n_layers = m.n_layers;
	}
	img_manifest_clear(&m);
	img_descriptor_clear(&md);
	if (r < 0)
		brig_image_clear(out);
	return r;
}

char *brig_familiar(const char *name)
{
	struct img_ref ref;
	struct brig_err e = { 0 };
	char *f = NULL;
	if (img_ref_parse(name, &ref, &e) == 0) {
		f = img_ref_familiar(&ref);
		img_ref_clear(&ref);
	} else {
		f = strdup(name);
	}
	brig_err_clear(&e);
	return f;
}

int brig_split_name(const char *name, char **repo, char **tag, struct brig_err *e)
{
	struct img_ref ref;
	struct brig_err pe = { 0 };
	*repo = *tag = NULL;
	if (name && img_ref_parse(name, &ref, &pe) == 0) {
		char *t = ref.tag;
		ref.tag = NULL;
		ref.digest[0] = 0;
		*repo = img_ref_familiar(&ref);
		*tag = strdup(t ? t : "<none>");
		free(t);
		img_ref_clear(&ref);
	} else {
		*repo = strdup(name ? name : "<none>");
		*tag = strdup("<none>");
	}
	brig_err_clear(&pe);
	if (!*repo || !*tag) {
		free(*repo);
		free(*tag);
		*repo = *tag = NULL;
		return brig_err_set(e, -ENOMEM, "out of memory");
	}
	return 0;
}

void brig_human_size(uint64_t n, char buf[32])
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB" };
	double v = (double)n;
	size_t u = 0;
	while (v >= 1000.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1000.0;
		u++;
	}
	snprintf(buf, 32, "%.3g%s", v, units[u]);
}

void brig_binary_size(uint64_t n, char buf[32])
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)n;
	size_t u = 0;
	while (v >= 1024 && u + 1 < BRIG_ARRAY_SIZE(units)) {
		v /= 1024;
		u++;
	}
	(void)snprintf(buf, 32, "%.4g%s", v, units[u]);
}

/* Go's units.HumanDuration, in whole units. */
static void human_duration(long long s, char buf[64])
{
	long long m = s / 60, h = s / 3600, d = h / 24;
	if (s < 1)
		snprintf(buf, 64, "Less than a second");
	else if (s == 1)
		snprintf(buf, 64, "1 second");
	else if (s < 60)
		snprintf(buf, 64, "%lld seconds", s);
	else if (m == 1)
		snprintf(buf, 64, "About a minute");
	else if (m < 60)
		snprintf(buf, 64, "%lld minutes", m);
	else if (h == 1)
		snprintf(buf, 64, "About an hour");
	else if (h < 48)
		snprintf(buf, 64, "%lld hours", h);
	else if (h < 24 * 7 * 2)
		snprintf(buf, 64, "%lld days", d);
	else if (h < 24 * 30 * 2)
		snprintf(buf, 64, "%lld weeks", d / 7);
	else if (h < 24 * 365 * 2)
		snprintf(buf, 64, "%lld months", d / 30);
	else
		snprintf(buf, 64, "%lld years", d / 365);
}

void brig_human_elapsed(const char *since, char buf[64])
{
	struct tm tm = { 0 };
	const char *end = since ? strptime(since, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	if (!end) {
		snprintf(buf, 64, "N/A");
		return;
	}
	time_t t = timegm(&tm), now = time(NULL);
	human_duration(now > t ? (long long)(now - t) : 0, buf);
}

void brig_human_since(const char *created, char buf[64])
{
	char d[64];
	brig_human_elapsed(created, d);
	if (strcmp(d, "N/A") == 0)
		snprintf(buf, 64, "N/A");
	else
		snprintf(buf, 64, "%.50s ago", d);
}

/* An RFC 3339 time's seconds since the epoch; its zone (Z or +hh:mm) applied. */
static int rfc3339_epoch(const char *s, time_t *out)
{
	struct tm tm = { 0 };
	const char *p = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	if (!p)
		return -EINVAL;
	if (*p == '.')
		while (*++p >= '0' && *p <= '9')
			;
	long off = 0;
	unsigned hh, mm;
	int used = 0;
	if ((*p == '+' || *p == '-') && sscanf(p + 1, "%2u:%2u%n", &hh, &mm, &used) == 2 &&
	    used == 5 && p[6] == '\0')
		off = (*p == '-' ? -1 : 1) * (long)(hh * 3600 + mm * 60);
	else if (strcmp(p, "Z") != 0)
		return -EINVAL;
	*out = timegm(&tm) - off;
	return 0;
}

void brig_docker_time(const char *rfc3339, char buf[64])
{
	time_t t;
	struct tm tm;
	buf[0] = '\0';
	if (rfc3339_epoch(rfc3339, &t) < 0 || !localtime_r(&t, &tm) ||
	    strftime(buf, 64, "%Y-%m-%d %H:%M:%S %z %Z", &tm) == 0)
		snprintf(buf, 64, "%.63s", rfc3339 ? rfc3339 : "");
}

char *brig_labels_text(const json_t *labels)
{
	char *s = NULL;
	size_t len = 0;
	const char *k;
	json_t *v;
	if (brig_appendf(&s, &len, "%s", "") < 0)
		return NULL;
	json_object_foreach((json_t *)labels, k, v)
	{
		const char *val = json_string_value(v);
		if (brig_appendf(&s, &len, "%s%s=%s", len ? "," : "", k, val ? val : "") < 0) {
			free(s);
			return NULL;
		}
	}
	return s;
}

int brig_each_image(const struct brig_global *g, brig_image_fn fn, void *arg, struct brig_err *e)
{
	_cleanup_img_store_ struct img_store *s = NULL;
	struct img_list_entry *v = NULL;
	size_t n = 0;
	int r = brig_store_open(g, &s, e);
	if (r < 0 || (r = img_store_list(s, &v, &n, e)) < 0)
		return r;
	for (size_t i = 0; r == 0 && i < n; i++) {
		struct brig_image im;
		if ((r = brig_image_load(s, &v[i].desc, &im, e)) < 0)
			break;
		r = fn(v[i].name, &im, arg, e);
		brig_image_clear(&im);
	}
	img_store_list_free(v, n);
	return r;
}
