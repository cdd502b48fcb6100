/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One GET over libcurl, redirects followed here rather than by libcurl so
 * that the Authorization header goes to its own origin only: every hop is
 * a fresh request whose headers are chosen for the hop's origin.  https is
 * the only protocol libcurl may speak, but for a registry the options call
 * insecure (own_get: plain http when it does not speak TLS).  The
 * registry's own CA (certs.d/HOST/ca.crt) is added to the system CAs for
 * the registry's origin only, and a hop to another origin gets the CA of
 * its own certs.d entry.
 */
#include "registry/registry-internal.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <limits.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HEADER_VALUE_MAX 8192

void reg_resp_reset(struct reg_resp *r)
{
	free(r->content_type);
	free(r->docker_digest);
	free(r->www_auth);
	free(r->location);
	free(r->body);
	free(r->retry_after);
	free(r->link);
	free(r->content_range);
	r->content_type = r->docker_digest = r->www_auth = r->location = r->body = NULL;
	r->retry_after = r->link = r->content_range = NULL;
	r->sunk = 0;
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
	} else if (header_is(line, n, "Retry-After", &vo)) {
		rc = header_value(&r->retry_after, line + vo, n - vo);
	} else if (header_is(line, n, "Link", &vo)) {
		rc = header_value(&r->link, line + vo, n - vo);
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
		r->sunk += n;
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

/* The system's CA directory when it holds OpenSSL's hashed names
 * (c_rehash, update-ca-certificates): verifying against it reads only the
 * few certificates a chain needs, where the CA bundle libcurl loads by
 * default is parsed whole (some 140 certificates) by every process.
 * SSL_CERT_DIR names it (OpenSSL's variable), else OpenSSL's default
 * directory; NULL (keep libcurl's bundle) when it has no hashed names. */
static const char *capath;
static pthread_once_t capath_once = PTHREAD_ONCE_INIT;

static bool hashed_name(const char *n)
{
	size_t i = 0;
	while (i < 8 && isxdigit((unsigned char)n[i]))
		i++;
	return i == 8 && n[8] == '.' && isdigit((unsigned char)n[9]) && n[10] == 0;
}

static void find_capath(void)
{
	const char *dir = getenv(X509_get_default_cert_dir_env());
	if (!dir || !*dir || strchr(dir, ':'))
		dir = X509_get_default_cert_dir();
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while (!capath && (de = readdir(d)))
		if (hashed_name(de->d_name))
			capath = dir;
	(void)closedir(d);
}

/* Sockets are close-on-exec like every other fd of brig's. */
static curl_socket_t open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	(void)arg;
	(void)purpose;
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

/* All bytes were hashed: they must hash to h->want. */
static int hash_done(struct reg_hash *h)
{
	char hex[BRIG_SHA256_HEX];
	if (brig_sha256_final(h->h, hex) < 0 || !h->want || strncmp(h->want, "sha256:", 7) != 0)
		return -EBADMSG;
	return strcmp(h->want + 7, hex) == 0 ? 0 : -EBADMSG;
}

/* The body's next bytes; fd bytes are hashed the first time they pass. */
static size_t on_read(char *buf, size_t size, size_t n, void *arg)
{
	struct reg_body *b = arg;
	uint64_t left = b->len - b->pos;
	size_t want = (size_t)(n * size < left ? n * size : left);
	if (want == 0)
		return 0;
	if (b->buf) {
		memcpy(buf, (const char *)b->buf + b->pos, want);
		b->pos += want;
		return want;
	}
	uint64_t at = b->off + b->pos;
	ssize_t got;
	do
		got = pread(b->fd, buf, want, (off_t)at);
	while (got < 0 && errno == EINTR);
	if (got <= 0) {
		b->err = got < 0 ? -errno : -ENODATA;
		return CURL_READFUNC_ABORT;
	}
	struct reg_hash *h = b->hash;
	if (h && at <= h->upto && at + (uint64_t)got > h->upto) {
		size_t skip = (size_t)(h->upto - at);
		if (brig_sha256_update(h->h, buf + skip, (size_t)got - skip) < 0) {
			b->err = -EIO;
			return CURL_READFUNC_ABORT;
		}
		h->upto = at + (uint64_t)got;
		if (h->upto == h->size && hash_done(h) < 0) {
			b->err = -EBADMSG;
			return CURL_READFUNC_ABORT;
		}
	}
	b->pos += (uint64_t)got;
	return (size_t)got;
}

/* No body: libcurl must not fall back to reading stdin. */
static size_t on_read_none(char *buf, size_t size, size_t n, void *arg)
{
	(void)buf;
	(void)size;
	(void)n;
	(void)arg;
	return 0;
}

static int on_seek(void *arg, curl_off_t offset, int origin)
{
	struct reg_body *b = arg;
	if (origin != SEEK_SET || offset < 0 || (uint64_t)offset > b->len)
		return CURL_SEEKFUNC_CANTSEEK;
	b->pos = (uint64_t)offset;
	return CURL_SEEKFUNC_OK;
}

/* The method: GET (the default), HEAD, or one that sends rq->body. */
static CURLcode set_method(CURL *h, const struct reg_req *rq)
{
	const char *m = rq->method ? rq->method : "GET";
	if (strcmp(m, "GET") == 0)
		return CURLE_OK;
	if (strcmp(m, "HEAD") == 0)
		return curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	struct reg_body *b = rq->body;
	if (b)
		b->pos = 0;
	CURLcode rc = curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	rc |= curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, m);
	rc |= curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)(b ? b->len : 0));
	if (!b)
		rc |= curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read_none);
	if (b) {
		rc |= curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
		rc |= curl_easy_setopt(h, CURLOPT_READDATA, b);
		rc |= curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, on_seek);
		rc |= curl_easy_setopt(h, CURLOPT_SEEKDATA, b);
	}
	return rc;
}

static int set_opts(struct reg_client *c, const char *url, const struct reg_req *rq,
		    struct curl_slist *hdrs, const char *ca_file, struct reg_resp *r, char *errbuf)
{
	CURL *h = c->curl;
	curl_easy_reset(h);
	CURLcode rc = curl_easy_setopt(h, CURLOPT_URL, url);
	rc |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, c->insecure ? "http,https" : "https");
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
	(void)pthread_once(&capath_once, find_capath);
	if (capath && c->tls_verify) {
		rc |= curl_easy_setopt(h, CURLOPT_CAINFO, NULL);
		rc |= curl_easy_setopt(h, CURLOPT_CAPATH, capath);
	}
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
	/* The client certificate goes to the registry's own origin only. */
	_cleanup_free_ char *origin = c->client_cert ? reg_origin(url) : NULL;
	if (origin && strcmp(origin, c->origin) == 0) {
		rc |= curl_easy_setopt(h, CURLOPT_SSLCERT, c->client_cert);
		rc |= curl_easy_setopt(h, CURLOPT_SSLKEY, c->client_key);
	}
	rc |= set_method(h, rq);
	return rc == CURLE_OK ? 0 : -EINVAL;
}

/* The request's headers (an empty "Expect:" keeps libcurl from waiting
 * for a 100 Continue before a body). */
static int make_headers(const struct reg_req *rq, const char *authz, const char *range,
			struct curl_slist **out, struct brig_err *e)
{
	const char *names[] = { "Accept",        "Content-Type", "Content-Range",
				"Authorization", "Range",        "Expect" };
	const char *vals[] = { rq->accept, rq->content_type, rq->content_range, authz, range, "" };
	struct curl_slist *hdrs = NULL, *t;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < BRIG_ARRAY_SIZE(names); i++) {
		_cleanup_free_ char *line = NULL;
		if (!vals[i])
			continue;
		if (asprintf(&line, "%s:%s%s", names[i], vals[i][0] ? " " : "", vals[i]) < 0) {
			line = NULL;
			rc = brig_err_oom(e);
		} else if ((t = curl_slist_append(hdrs, line)) != NULL) {
			hdrs = t;
		} else {
			rc = brig_err_oom(e);
		}
		if (line)
			explicit_bzero(line, strlen(line));
	}
	*out = hdrs;
	return rc;
}

/* Wipe the header lines (one holds the credentials) and free them. */
static void free_headers(struct curl_slist *hdrs)
{
	for (struct curl_slist *l = hdrs; l; l = l->next)
		explicit_bzero(l->data, strlen(l->data));
	curl_slist_free_all(hdrs);
}

/* One request, no redirect followed. */
static int get_once(struct reg_client *c, const char *url, const struct reg_req *rq,
		    const char *authz, const char *ca_file, struct reg_resp *r, CURLcode *ccp,
		    struct brig_err *e)
{
	struct curl_slist *hdrs = NULL;
	_cleanup_free_ char *range = NULL;
	if (r->range_from && asprintf(&range, "bytes=%llu-", (unsigned long long)r->range_from) < 0)
		return brig_err_oom(e);
	int rc = make_headers(rq, authz, range, &hdrs, e);
	char errbuf[CURL_ERROR_SIZE] = "";
	r->e = e;
	r->cancel = c->cancel;
	if (rq->body)
		rq->body->err = 0;
	if (rc == 0 && set_opts(c, url, rq, hdrs, ca_file, r, errbuf) < 0)
		rc = brig_err_set(e, -EINVAL, "%s: cannot set up the request", r->what);
	CURLcode cc = rc == 0 ? curl_easy_perform(c->curl) : CURLE_OK;
	*ccp = cc;
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
	free_headers(hdrs);
	if (rc < 0 || r->failed < 0)
		return rc < 0 ? rc : r->failed;
	if (rq->body && rq->body->err == -EBADMSG)
		return brig_err_set(e, -EBADMSG,
				    "%s: the bytes read do not hash to the digest (the store's "
				    "copy is damaged: brig system check)",
				    r->what);
	if (rq->body && rq->body->err < 0)
		return brig_err_set(e, rq->body->err, "%s: cannot read what is sent: %s", r->what,
				    strerror(-rq->body->err));
	if (cc != CURLE_OK)
		return brig_err_set(e, -EIO, "%s: %s", r->what,
				    errbuf[0] ? errbuf : curl_easy_strerror(cc));
	return 0;
}

/* The URL a redirect points at, resolved against url; https only. */
int reg_resolve_url(const char *url, const char *location, const char *what, char **out,
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

/* A request to the registry's own origin.  An insecure registry is asked
 * over https (unverified) first; when that first connection fails, the
 * client speaks plain http to it from then on. */
static int own_get(struct reg_client *c, const char *url, const struct reg_req *rq,
		   const char *authz, struct reg_resp *r, CURLcode *ccp, struct brig_err *e)
{
	if (c->plain_http) {
		_cleanup_free_ char *h = NULL;
		if (asprintf(&h, "http://%s", url + strlen("https://")) < 0)
			return brig_err_oom(e);
		return get_once(c, h, rq, authz, NULL, r, ccp, e);
	}
	int rc = get_once(c, url, rq, authz, c->ca_file, r, ccp, e);
	if (rc == -EIO && c->insecure && !c->scheme_known) {
		brig_err_clear(e);
		c->plain_http = c->scheme_known = true;
		reg_resp_reset(r);
		return own_get(c, url, rq, authz, r, ccp, e);
	}
	c->scheme_known = c->scheme_known || rc == 0;
	return rc;
}

static bool is_redirect(long s)
{
	return s == 301 || s == 302 || s == 303 || s == 307 || s == 308;
}

/* get_once, again after a 429, a 5xx or a connection failure, as long as
 * no byte went to the sink (retry.c).  Only GET and HEAD are sent again: an
 * upload's POST, PATCH or PUT changes the registry's state, so its failure
 * is the answer. */
static int get_retrying(struct reg_client *c, bool own, const char *url, const struct reg_req *rq,
			const char *authz, const char *ca_file, struct reg_resp *resp,
			struct brig_err *e)
{
	long long waited = 0;
	bool idempotent = !rq->method || !strcmp(rq->method, "GET") || !strcmp(rq->method, "HEAD");
	for (int n = 0;; n++) {
		CURLcode cc = CURLE_OK;
		reg_resp_reset(resp);
		int r = own ? own_get(c, url, rq, authz, resp, &cc, e)
			    : get_once(c, url, rq, authz, ca_file, resp, &cc, e);
		int again = idempotent ? reg_retry_next(c, resp, r, cc, n, &waited, e) : 0;
		if (again <= 0)
			return again < 0 ? again : r;
	}
}

/* A request with a body is sent again only to a 307 or 308. */
static bool follows(const struct reg_req *rq, long s)
{
	const char *m = rq->method ? rq->method : "GET";
	if (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0)
		return true;
	return s == 307 || s == 308;
}

int reg_http_get(struct reg_client *c, const char *url, const char *accept, const char *authz,
		 const char *authz_origin, struct reg_resp *resp, struct brig_err *e)
{
	struct reg_req rq = { .accept = accept };
	return reg_http_do(c, url, &rq, authz, authz_origin, resp, e);
}

int reg_http_do(struct reg_client *c, const char *url, const struct reg_req *rq, const char *authz,
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
		r = get_retrying(c, own, cur, rq, to_them ? authz : NULL, ca, resp, e);
		if (r < 0)
			return r;
		if (!is_redirect(resp->status))
			return 0;
		if (!follows(rq, resp->status))
			return brig_err_set(e, -EPROTO, "%s: an unexpected redirect (HTTP %ld)",
					    resp->what, resp->status);
		if (!resp->location)
			return brig_err_set(e, -EPROTO, "%s: a redirect without a Location",
					    resp->what);
		if (hop == REG_MAX_REDIRECTS)
			return brig_err_set(e, -ELOOP, "%s: more than %d redirects", resp->what,
					    REG_MAX_REDIRECTS);
		char *next = NULL;
		if ((r = reg_resolve_url(cur, resp->location, resp->what, &next, e)) < 0)
			return r;
		free(cur);
		cur = strdup(next);
		curl_free(next);
		if (!cur)
			return brig_err_oom(e);
	}
}
