/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared libraries loaded when first needed (dlopen), not at every start.
 * Every brig command, and brig's re-execs of itself during `brig run`, paid
 * the dynamic loader for libraries only a few commands use (libcurl with its
 * twenty-five dependencies, libarchive with libxml2 and ICU, libnftables):
 * milliseconds per process.  A module that wraps such a library lists the
 * functions it calls in a table of brig_lazy_sym and fills a struct of
 * function pointers with brig_lazy_load (see registry/curl-shim.h).
 */
#ifndef BRIG_COMMON_LAZYLIB_H
#define BRIG_COMMON_LAZYLIB_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/errors.h"

struct brig_lazy_sym {
	const char *name; /* the symbol */
	size_t off; /* where its address goes in the table */
};

/* One entry of a brig_lazy_sym list: FIELD of struct TYPE holds NAME. */
#define BRIG_LAZY_SYM(type, field, name)    \
	{                                   \
		name, offsetof(type, field) \
	}

/*
 * Open SONAME (RTLD_NOW | RTLD_LOCAL: its symbols stay out of brig's own
 * namespace) and store the address of each of the n syms into table at its
 * offset.  The table is written only when every symbol was found.  Returns
 * 0, or -ELIBACC naming the library or the missing symbol.
 */
int brig_lazy_load(const char *soname, const struct brig_lazy_sym *syms, size_t n, void *table,
		   size_t table_size, struct brig_err *e);

/* A loader run once per process, whichever thread comes first (a Notary
 * source opens its connection on a thread of its own); later calls get
 * its result and message. */
struct brig_lazy_once {
	pthread_mutex_t lock;
	bool done;
	int r;
	char msg[256];
};
#define BRIG_LAZY_ONCE_INIT                             \
	{                                               \
		PTHREAD_MUTEX_INITIALIZER, false, 0, "" \
	}

/* Run load the first time (it fills its own error); 0, or its error again. */
int brig_lazy_once(struct brig_lazy_once *o, int (*load)(struct brig_err *e), struct brig_err *e);

#endif
