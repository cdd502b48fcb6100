/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tls-floor CA HOST PORT PATH...: the bound bench/notary.sh sets beside a
 * warm `brig trust notary verify --server`: a process linked as brig is
 * (libcrypto, jansson, libseccomp, libmnl, -z now) that loads libssl, makes
 * one TLS connection verified against the system CA directory (as brig's
 * registry client reads it) and CA, and GETs each
 * PATH on it (HTTP/1.1, keep-alive), reading each answer whole.  No JSON,
 * no signature: what any client without libcurl pays at least.
 */
#define _GNU_SOURCE /* strcasestr */
#include <netdb.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF_MAX (1 << 20)

static int fail(const char *what)
{
	fprintf(stderr, "tls-floor: %s\n", what);
	return 1;
}

static int dial(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
	if (getaddrinfo(host, port, &hints, &ai) != 0)
		return -1;
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

/* Whether buf (n bytes) holds a whole answer: headers, then Content-Length
 * bytes or chunks up to the last one.  *status gets the status code. */
static int complete(const char *buf, size_t n, int *status)
{
	const char *end = strstr(buf, "\r\n\r\n");
	if (!end)
		return 0;
	*status = (int)strtol(buf + strlen("HTTP/1.1 "), NULL, 10);
	size_t head = (size_t)(end + 4 - buf);
	const char *cl = strcasestr(buf, "\r\nContent-Length:");
	if (cl && cl < end)
		return n - head >= strtoul(cl + strlen("\r\nContent-Length:"), NULL, 10);
	return n - head >= 5 && !memcmp(buf + n - 5, "0\r\n\r\n", 5);
}

static int get(SSL *ssl, const char *host, const char *path, char *buf)
{
	char req[1024];
	int len = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", path, host);
	if (len < 0 || (size_t)len >= sizeof(req) || SSL_write(ssl, req, len) != len)
		return fail("cannot send a request");
	size_t n = 0;
	int status = 0;
	do {
		if (n == BUF_MAX - 1)
			return fail("an answer too large");
		int r = SSL_read(ssl, buf + n, (int)(BUF_MAX - 1 - n));
		if (r <= 0)
			return fail("the connection ended before the answer did");
		n += (size_t)r;
		buf[n] = 0;
	} while (!complete(buf, n, &status));
	return status == 200 ? 0 : fail("an answer other than 200");
}

int main(int argc, char **argv)
{
	if (argc < 5)
		return fail("usage: tls-floor CA HOST PORT PATH...");
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx || SSL_CTX_load_verify_dir(ctx, X509_get_default_cert_dir()) != 1 ||
	    SSL_CTX_load_verify_file(ctx, argv[1]) != 1)
		return fail("cannot set up TLS");
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	int fd = dial(argv[2], argv[3]);
	if (fd < 0)
		return fail("cannot connect");
	SSL *ssl = SSL_new(ctx);
	if (!ssl || SSL_set1_host(ssl, argv[2]) != 1 || SSL_set_fd(ssl, fd) != 1 ||
	    SSL_connect(ssl) != 1)
		return fail("TLS handshake failed");
	char *buf = malloc(BUF_MAX);
	if (!buf)
		return fail("out of memory");
	for (int i = 4; i < argc; i++)
		if (get(ssl, argv[2], argv[i], buf))
			return 1;
	SSL_shutdown(ssl);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	close(fd);
	free(buf);
	return 0;
}
