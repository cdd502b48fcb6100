/* SPDX-License-Identifier: Apache-2.0 */
/* common: logging: text or JSON lines to an fd or a file.  Included through common/common.h. */
#ifndef BRIG_COMMON_LOGGING_H
#define BRIG_COMMON_LOGGING_H

#include "common/errors.h"
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

enum brig_log_level {
	BRIG_LOG_ERROR = 0,
	BRIG_LOG_WARN,
	BRIG_LOG_INFO,
	BRIG_LOG_DEBUG,
};
enum brig_log_format { BRIG_LOG_TEXT = 0, BRIG_LOG_JSON };

/* Configure logging: messages at or above level go to fd (dup'ed). */
int brig_log_setup(int fd, enum brig_log_level level, enum brig_log_format fmt, struct brig_err *e);
/* Open (append, create 0600) a log file and use it. */
int brig_log_open(const char *path, enum brig_log_level level, enum brig_log_format fmt,
		  struct brig_err *e);
int brig_log_parse_format(const char *s, enum brig_log_format *out);
int brig_log_parse_level(const char *s, enum brig_log_level *out);
enum brig_log_level brig_log_level(void);
int brig_log_fd(void);
void brig_log(enum brig_log_level level, const char *fmt, ...) BRIG_PRINTF(2, 3);
void brig_logv(enum brig_log_level level, const char *fmt, va_list ap);
/* Format one log record into buf (used by brig_log, exposed for tests). */
size_t brig_log_format_record(char *buf, size_t size, enum brig_log_format fmt,
			      enum brig_log_level level, const char *msg,
			      const struct timespec *ts);

#define brig_error(...) brig_log(BRIG_LOG_ERROR, __VA_ARGS__)
#define brig_warn(...) brig_log(BRIG_LOG_WARN, __VA_ARGS__)

/* Colour for people, never for machines: only when fd is a terminal, TERM
 * is set and not "dumb", and NO_COLOR is unset or empty (no-color.org);
 * and only for errors and warnings. */
bool brig_colour_ok(int fd);
/* The escape that starts level's colour ("" for levels without one). */
const char *brig_colour_on(enum brig_log_level level);
#define BRIG_COLOUR_OFF "\033[0m"
#define brig_info(...) brig_log(BRIG_LOG_INFO, __VA_ARGS__)
#define brig_debug(...)                                        \
	do {                                                   \
		if (brig_log_level() >= BRIG_LOG_DEBUG)        \
			brig_log(BRIG_LOG_DEBUG, __VA_ARGS__); \
	} while (0)

#endif
