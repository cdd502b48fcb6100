/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One file downloaded from an http(s) URL (build's ADD URL): the registry
 * client's transport (libcurl, loaded lazily; redirects followed by
 * http.c's rules, https only after the first hop; proxies from the
 * environment), the body hashed as it streams to the caller's sink, and
 * checked against the digest the caller pinned, if any, when it ends.
 * An http:// URL is asked for as an insecure registry would be: plain
 * http when the server does not speak TLS.
 */
#include "registry/registry-internal.h"

#include "common/hashing.h"

#include <string.h>

struct url_sink {
	struct brig_sha256 *h;
	uint64_t n, max;
	reg_sink_fn sink;
	void *ctx;
	const char *url;
};

static int hash_sink(void *ctx, const void *buf, size_t len, struct brig_err *e)
{
	struct url_sink *s = ctx;
	if (len > s->max - s->n)
		return brig_err_set(e, -EFBIG, "%s: larger than %llu bytes", s->url,
				    (unsigned long long)s->max);
	s->n += len;
	if (brig_sha256_update(s->h, buf, len) < 0)
		return brig_err_oom(e);
	return s->sink(s->ctx, buf, len, e);
}

static int url_client(const char *url, const char *certs_dir, struct reg_client **c,
		      char **https_url, struct brig_err *e)
{
	bool plain = !strncmp(url, "http://", 7);
	if (!plain && strncmp(url, "https://", 8) != 0)
		return brig_err_set(e, -EINVAL, "%s: not an http:// or https:// URL", url);
	const char *h = url + (plain ? 7 : 8);
	size_t hl = strcspn(h, "/?#");
	_cleanup_free_ char *host = strndup(h, hl);
	if (!host || asprintf(https_url, "https://%s%s", host, h[hl] == '/' ? h + hl : "/") < 0)
		return brig_err_oom(e);
	if (!host[0] || strchr(host, '@'))
		return brig_err_set(e, -EINVAL, "%s: no host, or credentials in the URL", url);
	struct reg_opts o = {
		.host = host, .certs_dir = certs_dir, .tls_verify = !plain, .insecure = plain
	};
	return reg_client_new(&o, c, e);
}

int reg_url_get(const char *url, const char *certs_dir, const char *want, uint64_t max,
		reg_sink_fn sink, void *ctx, char got[REG_DIGEST_SIZE], struct brig_err *e)
{
	_cleanup_reg_client_ struct reg_client *c = NULL;
	_cleanup_free_ char *https_url = NULL;
	char hex[BRIG_SHA256_HEX];
	struct url_sink s = { .max = max, .sink = sink, .ctx = ctx, .url = url };
	int r = url_client(url, certs_dir, &c, &https_url, e);
	if (r < 0)
		return r;
	if (!(s.h = brig_sha256_new()))
		return brig_err_oom(e);
	struct reg_resp resp = {
		.max = REG_ERROR_BODY_MAX, .what = url, .sink = hash_sink, .ctx = &s
	};
	r = reg_http_get(c, https_url, NULL, NULL, NULL, &resp, e);
	if (r == 0 && resp.status != 200)
		r = brig_err_set(e, -EIO, "%s: HTTP %ld", url, resp.status);
	reg_resp_reset(&resp);
	if (r == 0 && brig_sha256_final(s.h, hex) < 0)
		r = brig_err_oom(e);
	brig_sha256_free(s.h);
	if (r < 0)
		return r;
	snprintf(got, REG_DIGEST_SIZE, "sha256:%s", hex);
	if (want && strcmp(want, got) != 0)
		return brig_err_set(e, -EBADMSG, "%s: checksum mismatch: expected %s, got %s", url,
				    want, got);
	return 0;
}
