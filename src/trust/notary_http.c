/* SPDX-License-Identifier: Apache-2.0 */
/* trust: a metadata source fetching from notary-server (GET /v2/GUN/_trust/tuf/NAME) over the registry client's HTTP. */
#include "trust/notary.h"
#include "registry/registry-internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct http_src {
	struct reg_client *c;
	char *base; /* https://HOST:PORT/v2/GUN/_trust/tuf/ */
	char *gun;
	char *host;
	const char *certs_dir;
	/* one document fetched ahead on a connection of its own */
	pthread_t th;
	bool running;
	char pf_name[64];
	size_t pf_max, pf_len;
	char *pf_raw;
	int pf_r;
	struct brig_err pf_e;
};

static int fetch(struct http_src *h, struct reg_client *c, const char *name, size_t max, char **raw,
		 size_t *len, struct brig_err *e)
{
	_cleanup_free_ char *url = NULL;
	if (asprintf(&url, "%s%s", h->base, name) < 0)
		return brig_err_oom(e);
	struct reg_resp resp = { .max = max, .what = name };
	int r = reg_request(c, h->gun, url, "application/json", &resp, e);
	if (r == -EFBIG)
		brig_err_set(e, -EFBIG, "%s: larger than the limit of %zu bytes", name, max);
	if (r == 0 && resp.status == 404)
		r = 1;
	else if (r == 0 && resp.status != 200)
		r = reg_status_error(c, &resp, name, e);
	else if (r == 0) {
		*raw = brig_memdupz(resp.body ? resp.body : "", resp.len);
		*len = resp.len;
		r = *raw ? 0 : brig_err_oom(e);
	}
	reg_resp_reset(&resp);
	return r;
}

static void *prefetch_run(void *arg)
{
	struct http_src *h = arg;
	struct reg_client *c = NULL;
	struct reg_opts o = { .host = h->host, .certs_dir = h->certs_dir, .tls_verify = true };
	h->pf_r = reg_client_new(&o, &c, &h->pf_e);
	if (h->pf_r == 0)
		h->pf_r = fetch(h, c, h->pf_name, h->pf_max, &h->pf_raw, &h->pf_len, &h->pf_e);
	reg_client_free(c);
	return NULL;
}

/* Start fetching name on a second connection (a failure to start is
 * silent: the document is then fetched when asked for). */
static int http_prefetch(void *ctx, const char *name, size_t max)
{
	struct http_src *h = ctx;
	if (h->running || strlen(name) >= sizeof(h->pf_name))
		return 0;
	snprintf(h->pf_name, sizeof(h->pf_name), "%s", name);
	h->pf_max = max;
	h->pf_raw = NULL;
	h->running = pthread_create(&h->th, NULL, prefetch_run, h) == 0;
	return 0;
}

/* The prefetched answer: 0/1 as get, or 2 when name was not prefetched. */
static int prefetched(struct http_src *h, const char *name, size_t max, char **raw, size_t *len,
		      struct brig_err *e)
{
	if (!h->running || strcmp(h->pf_name, name) || h->pf_max != max)
		return 2;
	pthread_join(h->th, NULL);
	h->running = false;
	int r = h->pf_r;
	if (r < 0)
		brig_err_set(e, r, "%s", brig_err_str(&h->pf_e));
	brig_err_clear(&h->pf_e);
	*raw = h->pf_raw;
	*len = h->pf_len;
	h->pf_raw = NULL;
	return r;
}

static int http_get(void *ctx, const char *name, size_t max, char **raw, size_t *len,
		    struct brig_err *e)
{
	struct http_src *h = ctx;
	int r = prefetched(h, name, max, raw, len, e);
	return r != 2 ? r : fetch(h, h->c, name, max, raw, len, e);
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
	h->certs_dir = certs_dir;
	if (r == 0 &&
	    (asprintf(&h->base, "https://%s/v2/%s/_trust/tuf/", host, gun) < 0 ||
	     !(h->gun = strdup(gun)) || !(h->host = strdup(host))))
		r = brig_err_oom(e);
	if (r < 0) {
		out->ctx = h;
		notary_http_source_close(out);
		return r;
	}
	out->get = http_get;
	out->prefetch = http_prefetch;
	out->ctx = h;
	return 0;
}

void notary_http_source_close(struct notary_source *s)
{
	struct http_src *h = s->ctx;
	if (h) {
		if (h->running)
			pthread_join(h->th, NULL);
		free(h->pf_raw);
		brig_err_clear(&h->pf_e);
		reg_client_free(h->c);
		free(h->host);
		free(h->base);
		free(h->gun);
		free(h);
	}
	s->ctx = NULL;
}
