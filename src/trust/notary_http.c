/* SPDX-License-Identifier: Apache-2.0 */
/* trust: a metadata source fetching from notary-server (GET /v2/GUN/_trust/tuf/NAME) over the registry client's HTTP. */
#include "trust/notary.h"
#include "registry/registry-internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct http_src {
	struct reg_client *c;
	char *base; /* https://HOST:PORT/v2/GUN/_trust/tuf/ */
	char *gun;
};

static int http_get(void *ctx, const char *name, size_t max, char **raw, size_t *len,
		    struct brig_err *e)
{
	struct http_src *h = ctx;
	_cleanup_free_ char *url = NULL;
	if (asprintf(&url, "%s%s", h->base, name) < 0)
		return brig_err_oom(e);
	struct reg_resp resp = { .max = max, .what = name };
	int r = reg_request(h->c, h->gun, url, "application/json", &resp, e);
	if (r == -EFBIG)
		brig_err_set(e, -EFBIG, "%s: larger than the limit of %zu bytes", name, max);
	if (r == 0 && resp.status == 404)
		r = 1;
	else if (r == 0 && resp.status != 200)
		r = reg_status_error(h->c, &resp, name, e);
	else if (r == 0) {
		*raw = brig_memdupz(resp.body ? resp.body : "", resp.len);
		*len = resp.len;
		r = *raw ? 0 : brig_err_oom(e);
	}
	reg_resp_reset(&resp);
	return r;
}

/* "https://HOST[:PORT][/]" -> "HOST[:PORT]" */
static int server_host(const char *url, char **host, struct brig_err *e)
{
	const char *p = url + strlen("https://");
	if (strncmp(url, "https://", 8) || !*p)
		return brig_err_set(e, -EINVAL, "notary server \"%s\": not an https:// URL", url);
	size_t n = strcspn(p, "/");
	if (p[n] && strcmp(p + n, "/"))
		return brig_err_set(e, -EINVAL, "notary server \"%s\": a URL without a path", url);
	*host = strndup(p, n);
	return *host ? 0 : brig_err_oom(e);
}

int notary_http_source(const char *server, const char *gun, const char *certs_dir,
		       struct notary_source *out, struct brig_err *e)
{
	_cleanup_free_ char *host = NULL;
	int r = server_host(server, &host, e);
	if (r < 0)
		return r;
	struct http_src *h = calloc(1, sizeof(*h));
	if (!h)
		return brig_err_oom(e);
	struct reg_opts o = { .host = host, .certs_dir = certs_dir, .tls_verify = true };
	r = reg_client_new(&o, &h->c, e);
	if (r == 0 &&
	    (asprintf(&h->base, "https://%s/v2/%s/_trust/tuf/", host, gun) < 0 ||
	     !(h->gun = strdup(gun))))
		r = brig_err_oom(e);
	if (r < 0) {
		out->ctx = h;
		notary_http_source_close(out);
		return r;
	}
	out->get = http_get;
	out->ctx = h;
	return 0;
}

void notary_http_source_close(struct notary_source *s)
{
	struct http_src *h = s->ctx;
	if (h) {
		reg_client_free(h->c);
		free(h->base);
		free(h->gun);
		free(h);
	}
	s->ctx = NULL;
}
