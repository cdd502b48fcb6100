/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trust: the lookaside store of GPG signatures, as containers/image lays
 * it out: BASE/REPO@sha256=HEX/signature-N, N = 1, 2, ... until the first
 * that is missing.  Read from file:// (a local directory), https (the
 * registry client's TLS: system CAs plus CERTS_DIR/HOST:PORT/ca.crt) or
 * http; written to file:// only, each file made under a temporary name
 * and linked into place, so a reader never sees half a signature and two
 * writers never take the same N.
 */
#include "trust/gpg.h"
#include "registry/registry-internal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

void trust_gpg_sigs_clear(struct trust_gpg_sigs *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].data);
	free(s->v);
	*s = (struct trust_gpg_sigs){ 0 };
}

int trust_gpg_sigs_add(struct trust_gpg_sigs *s, const void *data, size_t len, struct brig_err *e)
{
	if (s->n >= TRUST_GPG_MAX_SIGS)
		return brig_err_set(e, -E2BIG, "more than %d signatures", TRUST_GPG_MAX_SIGS);
	struct trust_blob *v = realloc(s->v, (s->n + 1) * sizeof(*v));
	if (!v)
		return brig_err_oom(e);
	s->v = v;
	if (!(v[s->n].data = (unsigned char *)brig_memdupz(data, len)))
		return brig_err_oom(e);
	v[s->n++].len = len;
	return 0;
}

/* BASE@sha256=HEX (the directory of one image's signatures). */
static int sig_dir(const char *base, const char *digest, char **out, struct brig_err *e)
{
	if (!brig_digest_valid(digest))
		return brig_err_set(e, -EINVAL, "bad digest '%.80s'", digest);
	if (asprintf(out, "%s@sha256=%s", base, digest + strlen("sha256:")) < 0) {
		*out = NULL;
		return brig_err_oom(e);
	}
	return 0;
}

/* file://PATH/signature-N: 1 and the bytes, 0 when it does not exist. */
static int file_get(const char *dir, unsigned n, char **buf, size_t *len, struct brig_err *e)
{
	_cleanup_free_ char *p = NULL;
	if (asprintf(&p, "%s/signature-%u", dir + strlen("file://"), n) < 0)
		return brig_err_oom(e);
	_cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT ? 0 : brig_err_sys(e, errno, "%s", p);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return brig_err_sys(e, errno, "%s", p);
	if (!S_ISREG(st.st_mode))
		return brig_err_set(e, -EINVAL, "%s: not a regular file", p);
	int r = brig_read_fd(fd, p, TRUST_GPG_SIG_MAX, buf, len, e);
	return r < 0 ? r : 1;
}

/* The registry client for an http(s) URL's host.  http: the client of an
 * insecure registry (plain http after TLS fails), and the URL is asked
 * for as https, which that client rewrites. */
static int web_client(const char *url, const char *certs_dir, struct reg_client **c,
		      char **https_url, struct brig_err *e)
{
	bool plain = strncmp(url, "http://", 7) == 0;
	const char *h = url + (plain ? 7 : 8);
	_cleanup_free_ char *host = strndup(h, strcspn(h, "/"));
	if (!host || asprintf(https_url, "https://%s", h) < 0)
		return brig_err_oom(e);
	struct reg_opts o = {
		.host = host, .certs_dir = certs_dir, .tls_verify = !plain, .insecure = plain
	};
	return reg_client_new(&o, c, e);
}

static int web_get(struct reg_client *c, const char *url, char **buf, size_t *len,
		   struct brig_err *e)
{
	struct reg_resp resp = { .max = TRUST_GPG_SIG_MAX, .what = url };
	int r = reg_http_get(c, url, NULL, NULL, NULL, &resp, e);
	if (r == -EFBIG)
		brig_err_set(e, -EFBIG, "%s: larger than %zu bytes", url, TRUST_GPG_SIG_MAX);
	if (r == 0 && resp.status == 404)
		r = 0;
	else if (r == 0 && resp.status != 200)
		r = brig_err_set(e, -EIO, "%s: HTTP %ld", url, resp.status);
	else if (r == 0) {
		*buf = brig_memdupz(resp.body ? resp.body : "", resp.len);
		*len = resp.len;
		r = *buf ? 1 : brig_err_oom(e);
	}
	reg_resp_reset(&resp);
	return r;
}

int trust_lookaside_get(const char *base, const char *digest, const char *certs_dir,
			struct trust_gpg_sigs *out, struct brig_err *e)
{
	_cleanup_free_ char *dir = NULL, *web = NULL;
	_cleanup_reg_client_ struct reg_client *c = NULL;
	*out = (struct trust_gpg_sigs){ 0 };
	bool file = strncmp(base, "file://", 7) == 0;
	int r = sig_dir(base, digest, &dir, e);
	if (r == 0 && !file && strncmp(base, "http://", 7) && strncmp(base, "https://", 8))
		r = brig_err_set(e, -EINVAL, "lookaside %s: not file://, http:// or https://",
				 base);
	if (r == 0 && !file)
		r = web_client(dir, certs_dir, &c, &web, e);
	for (unsigned n = 1; r == 0 && n <= TRUST_GPG_MAX_SIGS + 1; n++) {
		_cleanup_free_ char *buf = NULL, *url = NULL;
		size_t len = 0;
		if (!file && asprintf(&url, "%s/signature-%u", web, n) < 0)
			return brig_err_oom(e);
		r = file ? file_get(dir, n, &buf, &len, e) : web_get(c, url, &buf, &len, e);
		if (r <= 0)
			break;
		r = n > TRUST_GPG_MAX_SIGS ? brig_err_set(e, -E2BIG, "%s: more than %d signatures",
							  dir, TRUST_GPG_MAX_SIGS)
					   : trust_gpg_sigs_add(out, buf, len, e);
	}
	if (r < 0)
		trust_gpg_sigs_clear(out);
	return r < 0 ? r : 0;
}

/* Link the temporary file tmp in dirfd as the first free signature-N
 * from n; *n is the one taken. */
static int link_next(int dirfd, const char *tmp, unsigned *n, const char *dir, struct brig_err *e)
{
	for (; *n <= TRUST_GPG_MAX_SIGS; (*n)++) {
		char name[32];
		snprintf(name, sizeof(name), "signature-%u", *n);
		if (linkat(dirfd, tmp, dirfd, name, 0) == 0)
			return 0;
		if (errno != EEXIST)
			return brig_err_sys(e, errno, "%s/%s", dir, name);
	}
	return brig_err_set(e, -E2BIG, "%s: more than %d signatures", dir, TRUST_GPG_MAX_SIGS);
}

static int write_tmp(int dirfd, const char *dir, const void *sig, size_t len, char tmp[32],
		     struct brig_err *e)
{
	for (unsigned i = 0; i < 100; i++) {
		unsigned rnd = 0;
		if (getentropy(&rnd, sizeof(rnd)) < 0)
			return brig_err_sys(e, errno, "getentropy");
		snprintf(tmp, 32, ".tmp-%08x", rnd);
		_cleanup_close_ int fd = openat(
			dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (fd < 0 && errno == EEXIST)
			continue;
		if (fd < 0 || brig_write_all(fd, sig, len) < 0 || fsync(fd) < 0) {
			int err = errno;
			if (fd >= 0)
				unlinkat(dirfd, tmp, 0);
			return brig_err_sys(e, err, "%s/%s", dir, tmp);
		}
		return 0;
	}
	return brig_err_set(e, -EEXIST, "%s: no free temporary name", dir);
}

int trust_lookaside_put(const char *base, const char *digest, const void *sig, size_t len,
			unsigned *np, struct brig_err *e)
{
	_cleanup_free_ char *dir = NULL;
	if (strncmp(base, "file://", 7) != 0)
		return brig_err_set(e, -EINVAL,
				    "lookaside %s: signatures are written to a file:// store only "
				    "(set lookaside-staging in registries.d)",
				    base);
	int r = sig_dir(base, digest, &dir, e);
	const char *path = dir ? dir + strlen("file://") : NULL;
	if (r == 0)
		r = brig_mkdir_p(AT_FDCWD, path, 0755, e);
	_cleanup_close_ int dfd = r < 0 ? -1 : open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r == 0 && dfd < 0)
		r = brig_err_sys(e, errno, "%s", path);
	unsigned n = 1;
	/* An identical signature already there is not written again. */
	for (; r == 0 && n <= TRUST_GPG_MAX_SIGS; n++) {
		_cleanup_free_ char *buf = NULL;
		size_t blen = 0;
		if ((r = file_get(dir, n, &buf, &blen, e)) <= 0)
			break;
		r = blen == len && memcmp(buf, sig, len) == 0 ? 2 : 0;
		if (r == 2)
			break;
	}
	char tmp[32] = "";
	if (r == 0 && (r = write_tmp(dfd, path, sig, len, tmp, e)) == 0) {
		r = link_next(dfd, tmp, &n, path, e);
		(void)unlinkat(dfd, tmp, 0);
	}
	if (r >= 0 && fsync(dfd) < 0)
		r = brig_err_sys(e, errno, "%s", path);
	if (r >= 0 && np)
		*np = n;
	return r < 0 ? r : 0;
}
