/* SPDX-License-Identifier: Apache-2.0 */
/* Shared libraries loaded when first needed (lazylib.h says why). */
#include "common/lazylib.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int brig_lazy_load(const char *soname, const struct brig_lazy_sym *syms, size_t n, void *table,
		   size_t table_size, struct brig_err *e)
{
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return brig_err_set(e, -ELIBACC, "cannot load %s: %s", soname, dlerror());
	unsigned char *tmp = calloc(1, table_size);
	if (!tmp) {
		(void)dlclose(h);
		return brig_err_oom(e);
	}
	for (size_t i = 0; i < n; i++) {
		void *p = dlsym(h, syms[i].name);
		if (!p || syms[i].off + sizeof(p) > table_size) {
			free(tmp);
			(void)dlclose(h);
			return brig_err_set(e, -ELIBACC, "%s has no %s", soname, syms[i].name);
		}
		memcpy(tmp + syms[i].off, &p, sizeof(p));
	}
	memcpy(table, tmp, table_size);
	free(tmp);
	/* The handle stays open for the life of the process. */
	return 0;
}

int brig_lazy_once(struct brig_lazy_once *o, int (*load)(struct brig_err *e), struct brig_err *e)
{
	int r = pthread_mutex_lock(&o->lock);
	if (r != 0)
		return brig_err_sys(e, r, "loading a library");
	if (!o->done) {
		struct brig_err le = { 0 };
		o->r = load(&le);
		if (o->r < 0)
			(void)snprintf(o->msg, sizeof(o->msg), "%s", brig_err_str(&le));
		brig_err_clear(&le);
		o->done = true;
	}
	r = o->r;
	if (r < 0)
		r = brig_err_set(e, r, "%s", o->msg);
	(void)pthread_mutex_unlock(&o->lock);
	return r;
}
