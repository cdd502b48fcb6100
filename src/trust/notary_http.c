/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trust: a metadata source fetching from notary-server (GET
 * /v2/GUN/_trust/tuf/NAME) over the registry client's HTTP.  The client is
 * made on a thread of its own (loading libcurl and its twenty-five
 * libraries is a third of a whole update), which then fetches root.json and
 * timestamp.json, the first two documents every update asks for, on the one
 * connection, while the caller reads and checks its trusted state.
 */
#include "trust/notary.h"
#include "trust/tuf.h"
#include "registry/registry-internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A document fetched by the opener: its answer as get gives it. */
struct early_doc {
	const char *name;
	size_t max;
	int r; /* 0, 1 (no such file), < 0 (e filled), 2 (not fetched) */
	char *raw;
	size_t len;
	struct brig_err e;
};

struct http_src {
	struct reg_client *c;
	char *base; /* https://HOST:PORT/v2/GUN/_trust/tuf/ */
	char *gun;
	char *host;
	const char *certs_dir;
	pthread_t opener;
	bool running;
	int open_r; /* making the client */
	struct brig_err open_e;
	struct early_doc early[2];
};

static int fetch(struct http_src *h, const char *name, size_t max, char **raw, size_t *len,
		 struct brig_err *e)
{
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

static void *opener_run(void *arg)
{
	struct http_src *h = arg;
	struct reg_opts o = { .host = h->host, .certs_dir = h->certs_dir, .tls_verify = true };
	h->open_r = reg_client_new(&o, &h->c, &h->open_e);
	/* stop at the first failure: the caller asks again and is told */
	for (size_t i = 0; h->open_r == 0 && i < BRIG_ARRAY_SIZE(h->early); i++) {
		struct early_doc *d = &h->early[i];
		d->r = fetch(h, d->name, d->max, &d->raw, &d->len, &d->e);
		if (d->r < 0)
			break;
	}
	return NULL;
}

/* Wait for the opener; its failure to make the client is the caller's. */
static int opened(struct http_src *h, struct brig_err *e)
{
	if (h->running) {
		int r = pthread_join(h->opener, NULL);
		if (r != 0)
			return brig_err_sys(e, r, "notary source: joining its connection thread");
		h->running = false;
	}
	if (h->open_r < 0)
		return brig_err_set(e, h->open_r, "%s", brig_err_str(&h->open_e));
	return 0;
}

/* The opener's answer for name: 0/1/< 0 as get, or 2 when it has none. */
static int early_answer(struct http_src *h, const char *name, size_t max, char **raw, size_t *len,
			struct brig_err *e)
{
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(h->early); i++) {
		struct early_doc *d = &h->early[i];
		if (d->r == 2 || strcmp(d->name, name) || d->max != max)
			continue;
		int r = d->r;
		if (r < 0)
			brig_err_set(e, r, "%s", brig_err_str(&d->e));
		*raw = d->raw;
		*len = d->len;
		d->raw = NULL;
		d->r = 2; /* handed out once: a second get fetches again */
		return r;
	}
	return 2;
}

static int http_get(void *ctx, const char *name, size_t max, char **raw, size_t *len,
		    struct brig_err *e)
{
	struct http_src *h = ctx;
	int r = opened(h, e);
	if (r == 0)
		r = early_answer(h, name, max, raw, len, e);
	return r != 2 ? r : fetch(h, name, max, raw, len, e);
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
	h->certs_dir = certs_dir;
	h->early[0] = (struct early_doc){ .name = "root.json", .max = TUF_MAX_ROOT, .r = 2 };
	h->early[1] = (struct early_doc){ .name = "timestamp.json",
					  .max = TUF_MAX_TIMESTAMP,
					  .r = 2 };
	out->ctx = h;
	if (asprintf(&h->base, "https://%s/v2/%s/_trust/tuf/", host, gun) < 0 ||
	    !(h->gun = strdup(gun)) || !(h->host = strdup(host))) {
		notary_http_source_close(out);
		return brig_err_oom(e);
	}
	r = pthread_create(&h->opener, NULL, opener_run, h);
	if (r != 0) /* no thread: the client is made here */
		opener_run(h);
	h->running = r == 0;
	out->get = http_get;
	return 0;
}

void notary_http_source_close(struct notary_source *s)
{
	struct http_src *h = s->ctx;
	if (h) {
		if (h->running)
			(void)pthread_join(h->opener, NULL);
		for (size_t i = 0; i < BRIG_ARRAY_SIZE(h->early); i++) {
			free(h->early[i].raw);
			brig_err_clear(&h->early[i].e);
		}
		brig_err_clear(&h->open_e);
		reg_client_free(h->c);
		free(h->host);
		free(h->base);
		free(h->gun);
		free(h);
	}
	s->ctx = NULL;
}
