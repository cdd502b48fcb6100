/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the registry client: libcurl, loaded with dlopen when a client
 * is first made (reg_curl_load).  Linked normally, libcurl brings some
 * twenty-five more shared libraries into every brig process (and brig execs
 * itself several times per `brig run`), which made every command slower;
 * only the commands that talk to a registry need it.
 *
 * After this header the curl_* functions the client uses name the loaded
 * ones (and SSL_CTX_get_cert_store libssl's); none may be called before
 * reg_curl_load has succeeded.
 */
#ifndef BRIG_REGISTRY_CURL_SHIM_H
#define BRIG_REGISTRY_CURL_SHIM_H

#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <openssl/ssl.h>

#include "common/errors.h"

struct reg_curl_api {
	__typeof__(curl_global_init) *global_init;
	__typeof__(curl_easy_init) *easy_init;
	__typeof__(curl_easy_setopt) *easy_setopt;
	__typeof__(curl_easy_perform) *easy_perform;
	__typeof__(curl_easy_reset) *easy_reset;
	__typeof__(curl_easy_cleanup) *easy_cleanup;
	__typeof__(curl_easy_strerror) *easy_strerror;
	__typeof__(curl_free) *free;
	__typeof__(curl_slist_append) *slist_append;
	__typeof__(curl_slist_free_all) *slist_free_all;
	__typeof__(curl_url) *url;
	__typeof__(curl_url_cleanup) *url_cleanup;
	__typeof__(curl_url_get) *url_get;
	__typeof__(curl_url_set) *url_set;
	/* libssl's, for a CA file added to the system's (http.c): libcurl
	 * with OpenSSL has it loaded already, so brig does not link it */
	__typeof__(SSL_CTX_get_cert_store) *ssl_ctx_get_cert_store;
};

/* Load libcurl and run curl_global_init once, whichever thread comes
 * first (later calls return at once): 0, or -ELIBACC naming what is
 * missing. */
int reg_curl_load(struct brig_err *e);
extern struct reg_curl_api reg_curl;

#undef curl_easy_setopt
#define curl_global_init (reg_curl.global_init)
#define curl_easy_init (reg_curl.easy_init)
#define curl_easy_setopt (reg_curl.easy_setopt)
#define curl_easy_perform (reg_curl.easy_perform)
#define curl_easy_reset (reg_curl.easy_reset)
#define curl_easy_cleanup (reg_curl.easy_cleanup)
#define curl_easy_strerror (reg_curl.easy_strerror)
#define curl_free (reg_curl.free)
#define curl_slist_append (reg_curl.slist_append)
#define curl_slist_free_all (reg_curl.slist_free_all)
#define curl_url (reg_curl.url)
#define curl_url_cleanup (reg_curl.url_cleanup)
#define curl_url_get (reg_curl.url_get)
#define curl_url_set (reg_curl.url_set)
#define SSL_CTX_get_cert_store (reg_curl.ssl_ctx_get_cert_store)

#endif
