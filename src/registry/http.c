/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One GET over libcurl, redirects followed here rather than by libcurl so
 * that the Authorization header goes to its own origin only: every hop is
 * a fresh request whose headers are chosen for the hop's origin.  https is
 * the only protocol libcurl may speak.  The registry's own CA
 * (certs.d/HOST/ca.crt) is added to the system CAs for the registry's
 * origin only, and a hop to another origin gets the CA of its own
 * certs.d entry.
 */
#include "registry/registry-internal.h"

#include <ctype.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define HEADER_VALUE_MAX 8192

void reg_resp_reset(struct reg_resp *r)
{
	free(r->content_type);
	free(r->docker_digest);
	free(r->www_auth);
	free(r->location);
	free(r->body);
	free(r->content_range);
	r->content_type = r->docker_digest = r->www_auth = r->location = r->body = NULL;
	r->content_range = NULL;
	r->status = 0;
	r->len = 0;
	r->content_length = -1;
	r->failed = 0;
}

char *reg_origin(const char *url)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *out = NULL;
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK &&
	    strcmp(scheme, "https") == 0) {
		for (char *p = host; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		if (asprintf(&out, "https://%s:%s", host, port) < 0)
			out = NULL;
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return out;
}

/* Keep a header value (trimmed) in *slot; a second one replaces it. */
static int header_value(char **slot, const char *v, size_t n)
{
	while (n > 0 && (*v == ' ' || *v == '\t'))
		v++, n--;
	while (n > 0 && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' '))
		n--;
	if (n > HEADER_VALUE_MAX)
		return -EMSGSIZE;
	free(*slot);
	*slot = strndup(v, n);
	return *slot ? 0 : -ENOMEM;
}

static bool header_is(const char *line, size_t n, const char *name, size_t *vo)
{
	size_t l = strlen(name);
	if (n <= l || line[l] != ':' || strncasecmp(line, name, l) != 0)
		return false;
	*vo = l + 1;
	return true;
}

static size_t on_header(char *line, size_t size, size_t n, void *arg)
{
	struct reg_resp *r = arg;
	size_t vo = 0;
	int rc = 0;
	(void)size; /* always 1 */
	if (n > 5 && strncmp(line, "HTTP/", 5) == 0) {
		const char *sp = memchr(line, ' ', n);
		r->status = sp ? strtol(sp + 1, NULL, 10) : 0;
		r->content_length = -1;
	} else if (header_is(line, n, "Content-Type", &vo)) {
		rc = header_value(&r->content_type, line + vo, n - vo);
	} else if (header_is(line, n, "Docker-Content-Digest", &vo)) {
		rc = header_value(&r->docker_digest, line + vo, n - vo);
	} else if (header_is(line, n, "WWW-Authenticate", &vo)) {
		rc = header_value(&r->www_auth, line + vo, n - vo);
	} else if (header_is(line, n, "Location", &vo)) {
		rc = header_value(&r->location, line + vo, n - vo);
	} else if (header_is(line, n, "Content-Range", &vo)) {
		rc = header_value(&r->content_range, line + vo, n - vo);
	} else if (header_is(line, n, "Content-Length", &vo)) {
		char *end = NULL;
		long long v = strtoll(line + vo, &end, 10);
		r->content_length = v >= 0 ? v : -1;
	}
	if (rc < 0) {
		r->failed = brig_err_set(r->e, rc, "%s: a response header is too long or bad",
					 r->what);
		return 0;
	}
	return n;
}

static size_t on_body(char *buf, size_t size, size_t n, void *arg)
{
	struct reg_resp *r = arg;
	(void)size;
	if (r->sink && (r->status == 200 || (r->status == 206 && r->range_from))) {
		int rc = r->sink(r->ctx, buf, n, r->e);
		if (rc < 0) {
			r->failed = rc;
			return 0;
		}
		return n;
	}
	size_t max = r->sink || r->status != 200 ? REG_ERROR_BODY_MAX : r->max;
	if (r->len + n > max) {
		if (r->sink || r->status != 200)
			return n; /* an error page: the start is enough */
		r->failed = brig_err_set(r->e, -EFBIG, "%s: larger than the limit of %zu bytes",
					 r->what, r->max);
		return 0;
	}
	char *nb = realloc(r->body, r->len + n + 1);
	if (!nb) {
		r->failed = brig_err_oom(r->e);
		return 0;
	}
	memcpy(nb + r->len, buf, n);
	r->body = nb;
	r->len += n;
	nb[r->len] = 0;
	return n;
}

/* libcurl calls this about once a second, bytes or not. */
static int on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct reg_resp *r = arg;
	(void)dt, (void)dn, (void)ut, (void)un;
	if (!atomic_load(r->cancel))
		return 0;
	r->failed = brig_err_set(r->e, -ECANCELED, "%s: stopped", r->what);
	return 1;
}

static CURLcode add_ca(CURL *h, void *sslctx, void *arg)
{
	(void)h;
	X509_STORE *st = SSL_CTX_get_cert_store(sslctx);
	return st && X509_STORE_load_file(st, arg) == 1 ? CURLE_OK : CURLE_SSL_CACERT_BADFILE;
}

/* Sockets are close-on-exec like every other fd of brig's. */
static curl_socket_t open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	(void)arg;
	(void)purpose;
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

static int set_opts(struct reg_client *c, const char *url, struct curl_slist *hdrs,
		    const char *ca_file, struct reg_resp *r, char *errbuf)
{
	CURL *h = c->curl;
	curl_easy_reset(h);
	CURLcode rc = curl_easy_setopt(h, CURLOPT_URL, url);
	rc |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
	rc |= curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	rc |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	rc |= curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	rc |= curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	rc |= curl_easy_setopt(h, CURLOPT_USERAGENT, "brig/" BRIG_VERSION);
	rc |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
	rc |= curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	rc |= curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
	rc |= curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	rc |= curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
	rc |= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	rc |= curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
	rc |= curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	rc |= curl_easy_setopt(h, CURLOPT_CA_CACHE_TIMEOUT, 0L);
	rc |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, c->tls_verify ? 1L : 0L);
	rc |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, c->tls_verify ? 2L : 0L);
	if (r->cancel) {
		rc |= curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
		rc |= curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
		rc |= curl_easy_setopt(h, CURLOPT_XFERINFODATA, r);
	}
	if (ca_file && c->tls_verify) {
		rc |= curl_easy_setopt(h, CURLOPT_SSL_CTX_FUNCTION, add_ca);
		rc |= curl_easy_setopt(h, CURLOPT_SSL_CTX_DATA, ca_file);
	}
	return rc == CURLE_OK ? 0 : -EINVAL;
}

/* One request, no redirect followed. */
static int get_once(struct reg_client *c, const char *url, const char *accept, const char *authz,
		    const char *ca_file, struct reg_resp *r, struct brig_err *e)
{
	struct curl_slist *hdrs = NULL, *t;
	_cleanup_free_ char *a = NULL, *z = NULL, *rg = NULL;
	if (accept && asprintf(&a, "Accept: %s", accept) < 0)
		return brig_err_oom(e);
	if (r->range_from &&
	    asprintf(&rg, "Range: bytes=%llu-", (unsigned long long)r->range_from) < 0)
		return brig_err_oom(e);
	if (authz && asprintf(&z, "Authorization: %s", authz) < 0)
		return brig_err_oom(e);
	int rc = 0;
	if (a && (t = curl_slist_append(hdrs, a)) != NULL)
		hdrs = t;
	else if (a)
		rc = brig_err_oom(e);
	if (z && (t = curl_slist_append(hdrs, z)) != NULL)
		hdrs = t;
	else if (z)
		rc = brig_err_oom(e);
	if (rg && (t = curl_slist_append(hdrs, rg)) != NULL)
		hdrs = t;
	else if (rg)
		rc = brig_err_oom(e);
	char errbuf[CURL_ERROR_SIZE] = "";
	r->e = e;
	r->cancel = c->cancel;
	if (rc == 0 && set_opts(c, url, hdrs, ca_file, r, errbuf) < 0)
		rc = brig_err_set(e, -EINVAL, "%s: cannot set up the request", r->what);
	CURLcode cc = rc == 0 ? curl_easy_perform(c->curl) : CURLE_OK;
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hdrs);
	if (z)
		explicit_bzero(z, strlen(z));
	if (rc < 0 || r->failed < 0)
		return rc < 0 ? rc : r->failed;
	if (cc != CURLE_OK)
		return brig_err_set(e, -EIO, "%s: %s", r->what,
				    errbuf[0] ? errbuf : curl_easy_strerror(cc));
	return 0;
}

/* The URL a redirect points at, resolved against url; https only. */
static int next_url(const char *url, const char *location, const char *what, char **out,
		    struct brig_err *e)
{
	CURLU *u = curl_url();
	int rc = 0;
	if (!u)
		return brig_err_oom(e);
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_URL, location, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, out, 0) != CURLUE_OK)
		rc = brig_err_set(e, -EPROTO, "%s: the registry redirected to a bad URL", what);
	curl_url_cleanup(u);
	if (rc == 0 && strncmp(*out, "https://", 8) != 0) {
		curl_free(*out);
		*out = NULL;
		rc = brig_err_set(e, -EPROTO, "%s: the registry redirected to a non-https URL",
				  what);
	}
	return rc;
}

/* The certs.d CA of another origin ("https://host:port"): the directory
 * is named host:port, or host for port 443, as Docker names them. */
static int hop_ca(struct reg_client *c, const char *origin, char **out, struct brig_err *e)
{
	const char *hp = origin + strlen("https://");
	size_t n = strlen(hp);
	_cleanup_free_ char *dir = n > 4 && strcmp(hp + n - 4, ":443") == 0 ? strndup(hp, n - 4)
									    : strdup(hp);
	if (!dir)
		return brig_err_oom(e);
	return reg_find_ca(c->certs_dir, dir, out, e);
}

static bool is_redirect(long s)
{
	return s == 301 || s == 302 || s == 303 || s == 307 || s == 308;
}

int reg_http_get(struct reg_client *c, const char *url, const char *accept, const char *authz,
		 const char *authz_origin, struct reg_resp *resp, struct brig_err *e)
{
	_cleanup_free_ char *cur = strdup(url);
	if (!cur)
		return brig_err_oom(e);
	for (int hop = 0;; hop++) {
		_cleanup_free_ char *origin = reg_origin(cur);
		if (!origin)
			return brig_err_set(e, -EPROTO, "%s: not an https URL", resp->what);
		bool to_them = authz_origin && strcmp(origin, authz_origin) == 0;
		bool own = strcmp(origin, c->origin) == 0;
		_cleanup_free_ char *ca = NULL;
		int r = own ? 0 : hop_ca(c, origin, &ca, e);
		if (r < 0)
			return r;
		reg_resp_reset(resp);
		r = get_once(c, cur, accept, to_them ? authz : NULL, own ? c->ca_file : ca, resp,
			     e);
		if (r < 0)
			return r;
		if (!is_redirect(resp->status))
			return 0;
		if (!resp->location)
			return brig_err_set(e, -EPROTO, "%s: a redirect without a Location",
					    resp->what);
		if (hop == REG_MAX_REDIRECTS)
			return brig_err_set(e, -ELOOP, "%s: more than %d redirects", resp->what,
					    REG_MAX_REDIRECTS);
		char *next = NULL;
		if ((r = next_url(cur, resp->location, resp->what, &next, e)) < 0)
			return r;
		free(cur);
		cur = strdup(next);
		curl_free(next);
		if (!cur)
			return brig_err_oom(e);
	}
}
