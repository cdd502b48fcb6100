/* SPDX-License-Identifier: Apache-2.0 */
/* libcurl through dlopen (curl-shim.h says why). */
#include "registry/curl-shim.h"

#include "common/lazylib.h"

#include <errno.h>

struct reg_curl_api reg_curl;

static int load(struct brig_err *e)
{
#define SYM(field, name) BRIG_LAZY_SYM(struct reg_curl_api, field, name)
	static const struct brig_lazy_sym syms[] = {
		SYM(global_init, "curl_global_init"),
		SYM(easy_init, "curl_easy_init"),
		SYM(easy_setopt, "curl_easy_setopt"),
		SYM(easy_perform, "curl_easy_perform"),
		SYM(easy_reset, "curl_easy_reset"),
		SYM(easy_cleanup, "curl_easy_cleanup"),
		SYM(easy_strerror, "curl_easy_strerror"),
		SYM(free, "curl_free"),
		SYM(slist_append, "curl_slist_append"),
		SYM(slist_free_all, "curl_slist_free_all"),
		SYM(url, "curl_url"),
		SYM(url_cleanup, "curl_url_cleanup"),
		SYM(url_get, "curl_url_get"),
		SYM(url_set, "curl_url_set"),
	};
#undef SYM
	/* The soname of libcurl 7.16 and later. */
	int r = brig_lazy_load("libcurl.so.4", syms, sizeof(syms) / sizeof(syms[0]), &reg_curl,
			       sizeof(reg_curl), e);
	static const struct brig_lazy_sym ssl_syms[] = {
		{ "SSL_CTX_get_cert_store", 0 },
	};
	/* OpenSSL 3's soname; its table is the one entry */
	if (r == 0)
		r = brig_lazy_load("libssl.so.3", ssl_syms, 1, &reg_curl.ssl_ctx_get_cert_store,
				   sizeof(reg_curl.ssl_ctx_get_cert_store), e);
	if (r == 0 && reg_curl.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		r = brig_err_set(e, -ENOMEM, "cannot start libcurl");
	return r;
}

int reg_curl_load(struct brig_err *e)
{
	static struct brig_lazy_once once = BRIG_LAZY_ONCE_INIT;
	return brig_lazy_once(&once, load, e);
}
