/* SPDX-License-Identifier: Apache-2.0 */
/* libcurl through dlopen (curl-shim.h says why). */
#include "registry/curl-shim.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct reg_curl_api reg_curl;

int reg_curl_load(struct brig_err *e)
{
	static bool loaded;
	if (loaded)
		return 0;
	/* The soname of libcurl 7.16 and later; RTLD_LOCAL keeps its symbols
	 * (and its TLS library's) out of brig's own namespace. */
	void *h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return brig_err_set(e, -ELIBACC, "cannot load libcurl: %s", dlerror());
	static const struct {
		const char *name;
		size_t off;
	} syms[] = {
#define SYM(field, name) { name, offsetof(struct reg_curl_api, field) }
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
#undef SYM
	};
	struct reg_curl_api api;
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		void *p = dlsym(h, syms[i].name);
		if (!p) {
			(void)dlclose(h);
			return brig_err_set(e, -ELIBACC, "libcurl.so.4 has no %s", syms[i].name);
		}
		memcpy((char *)&api + syms[i].off, &p, sizeof(p));
	}
	reg_curl = api;
	loaded = true;
	return 0;
}
