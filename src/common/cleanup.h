/* SPDX-License-Identifier: Apache-2.0 */
/* common: cleanup attributes, ownership hand-off, EINTR retry.  Included through common/common.h. */
#ifndef BRIG_COMMON_CLEANUP_H
#define BRIG_COMMON_CLEANUP_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

static inline void brig_freep(void *p)
{
	free(*(void **)p);
}
static inline void brig_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		(void)close(*fd);
		errno = saved;
	}
}
static inline void brig_fclosep(FILE **f)
{
	if (*f) {
		int saved = errno;
		(void)fclose(*f);
		errno = saved;
	}
}
static inline void brig_json_decrefp(json_t **j)
{
	if (*j)
		json_decref(*j);
}
void brig_strv_free(char **v);
static inline void brig_strv_freep(char ***v)
{
	brig_strv_free(*v);
}

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(brig_freep)
#define _cleanup_close_ _cleanup_(brig_closep)
#define _cleanup_fclose_ _cleanup_(brig_fclosep)
#define _cleanup_json_ _cleanup_(brig_json_decrefp)
#define _cleanup_strv_ _cleanup_(brig_strv_freep)

/* Hand ownership out of a cleanup variable. */
#define brig_steal_ptr(p)                 \
	({                                \
		__typeof__(p) _tmp = (p); \
		(p) = NULL;               \
		_tmp;                     \
	})
#define brig_steal_fd(fd)        \
	({                       \
		int _tmp = (fd); \
		(fd) = -1;       \
		_tmp;            \
	})

#define BRIG_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Retry an expression while it fails with EINTR. */
#define BRIG_RETRY(expr)                            \
	({                                          \
		__typeof__(expr) _r;                \
		do                                  \
			_r = (expr);                \
		while (_r == -1 && errno == EINTR); \
		_r;                                 \
	})

#define BRIG_PRINTF(a, b) __attribute__((format(printf, a, b)))

#endif
