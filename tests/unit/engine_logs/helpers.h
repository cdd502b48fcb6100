/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers for the engine/logs unit tests. */
#ifndef BRIG_TEST_ENGINE_LOGS_HELPERS_H
#define BRIG_TEST_ENGINE_LOGS_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "common/common.h"
#include "engine/logs/logs.h"

struct lt_dir {
	char path[64];
	int fd;
};

/* A fresh temporary directory (cmocka setup/teardown). */
int lt_setup(void **state);
int lt_teardown(void **state);

/* The whole content of dirfd/name (NULL when absent); free it. */
char *lt_read(int dirfd, const char *name, size_t *len);
/* Replace dirfd/name with data. */
void lt_write(int dirfd, const char *name, const char *data, size_t len);
/* Whether dirfd/name exists. */
bool lt_exists(int dirfd, const char *name);
/* One json-file line (with its newline), malloc'ed. */
char *lt_line(const char *stream, int64_t ns, const char *text);
/* Parse every line of dirfd/name (each must be a valid record) into an
 * array of objects. */
json_t *lt_records(int dirfd, const char *name);

/* Output of eng_logs_print, captured in memfds. */
struct lt_out {
	int rc;
	char *out, *err;
	size_t out_len, err_len;
};
void lt_print(int dirfd, const struct eng_logs_opts *o, bool (*alive)(void *), void *arg,
	      struct lt_out *res);
void lt_out_free(struct lt_out *res);

/* Capture brig_log output (warnings) in a memfd; lt_log_take returns what
 * was logged since and restores stderr logging. */
void lt_log_capture(void);
char *lt_log_take(void);
size_t lt_count(const char *hay, const char *needle);

#endif
