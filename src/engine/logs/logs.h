/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine/logs: a container's log file, written by its monitor and read by
 * `brig logs`.  The format is Docker's json-file driver: one JSON object per
 * line,
 *
 *   {"log":"text\n","stream":"stdout","time":"2026-11-28T19:48:55.123456789Z"}
 *
 * in ROOT/containers/<id>/ctr.log.  When the file would grow past max-size
 * it is renamed to ctr.log.1 (older files move up: .1 -> .2 ...) and a new
 * ctr.log is started; at most max-files files exist in all (ctr.log plus
 * ctr.log.1 .. ctr.log.<max-files - 1>), the oldest is dropped.
 *
 * See docs/logs.md for the format, limits and crash behaviour.
 */
#ifndef BRIG_ENGINE_LOGS_H
#define BRIG_ENGINE_LOGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/common.h"

#define ENG_LOG_NAME "ctr.log"
#define ENG_LOG_DEFAULT_MAX_SIZE (10ULL * 1024 * 1024) /* --log-opt max-size */
#define ENG_LOG_DEFAULT_MAX_FILES 3U /* --log-opt max-file */
#define ENG_LOG_MAX_FILES 100U /* upper bound for max-files */
#define ENG_LOG_LINE_MAX 16384U /* a longer line is cut into records */
#define ENG_LOG_RECORD_MAX (1U << 20) /* the reader skips longer records */

enum eng_log_stream { ENG_LOG_STDOUT = 1, ENG_LOG_STDERR = 2 };

/* ------------------------------------------------------------------ */
/* writer (the monitor)                                                 */
/* ------------------------------------------------------------------ */

struct eng_logw;

/*
 * Open (creating 0600 if needed) dirfd/name for appending, O_RDWR (to check
 * its last byte) | O_APPEND |
 * O_CLOEXEC | O_NOFOLLOW.  name is a plain file name (no '/').  max_size is
 * the rotation threshold in bytes (0: never rotate); max_files is the number
 * of files kept, 1..ENG_LOG_MAX_FILES (1: the file is replaced by an empty
 * one on rotation).  A file whose last byte is not a newline (a monitor was
 * killed in the middle of a write) gets a newline first, so the torn record
 * stays one malformed line that the reader skips.  dirfd is duplicated.
 */
int eng_logw_open(int dirfd, const char *name, uint64_t max_size, unsigned max_files,
		  struct eng_logw **out, struct brig_err *e);

/*
 * Feed len bytes the container wrote on stream (ENG_LOG_STDOUT/STDERR).
 * Complete lines become records at once, stamped with the current time; an
 * unterminated tail is kept per stream until its newline arrives, it reaches
 * ENG_LOG_LINE_MAX bytes (then it is written without a newline, cut on a
 * UTF-8 character boundary when possible), or eng_logw_flush().
 * The records of one call go to the file in as few write(2)s as possible,
 * each record whole; nothing is fsync'ed.  On a write error the records
 * not yet written are dropped and the error returned; later calls try again.
 */
int eng_logw_feed(struct eng_logw *w, int stream, const char *buf, size_t len, struct brig_err *e);

/*
 * The monitor's relay step: one read(2) of at most 64 KiB from fd, fed to
 * stream and copied to tee_fd when tee_fd >= 0 (a foreground run; errors
 * writing there are logged at debug level and otherwise ignored).
 * Returns the number of bytes read (> 0), 0 at end of file (after flushing
 * the stream's partial line), -EAGAIN when a non-blocking fd has nothing,
 * or another negative errno with e filled.
 */
ssize_t eng_logw_feed_fd(struct eng_logw *w, int stream, int fd, int tee_fd, struct brig_err *e);

/*
 * A relay's loop (relay.c): the container's stdout and stderr pipes (-1:
 * none) fed to w (and copied to tee_out, tee_err: -1 for none) until the
 * process of pidfd has exited and both are at end of file, or, once it has
 * exited, nothing came for 2 s (something else holds them).  pidfd < 0:
 * until end of file.  The fds are closed as they end.
 */
void eng_logs_relay(struct eng_logw *w, int out, int err, int pidfd, int tee_out, int tee_err);

/* The fds w holds (its directory's and its file's), for a relay that
 * closes every other. */
void eng_logw_fds(const struct eng_logw *w, int fds[2]);

/* Write out both streams' partial lines. */
int eng_logw_flush(struct eng_logw *w, struct brig_err *e);

/* Bytes in the current file (what rotation compares with max_size). */
uint64_t eng_logw_size(const struct eng_logw *w);

/* Flush (errors are logged) and free. NULL is allowed. */
void eng_logw_close(struct eng_logw *w);
static inline void eng_logw_closep(struct eng_logw **w)
{
	eng_logw_close(*w);
}
#define _cleanup_logw_ _cleanup_(eng_logw_closep)

/* ------------------------------------------------------------------ */
/* reader (`brig logs`)                                                 */
/* ------------------------------------------------------------------ */

struct eng_logs_opts {
	bool stdout_, stderr_; /* which streams to print; neither: both */
	bool timestamps; /* prefix each record with its RFC 3339 time */
	int64_t since_ns; /* ns since the epoch, inclusive; 0 = unset */
	int64_t until_ns; /* inclusive; 0 = unset */
	long tail; /* the last N matching records; -1 = all */
	bool follow; /* wait for more until !alive() */
};

/*
 * Parse a --since/--until value into ns since the epoch:
 *   RFC 3339 with or without fraction: 2026-11-28T19:48:55.5Z,
 *     2026-11-28T20:48:55+01:00; without a zone it is local time
 *     (2026-11-28T19:48:55, 2026-11-28T19:48);
 *   a date: 2026-11-28 (local midnight), 2026-11-28Z, 2026-11-28+01:00;
 *   unix seconds with an optional fraction of up to 9 digits: 1700000000.25;
 *   a duration before now_ns: 10m, 1h30m, 1.5h, 300ms (units ns us ms s m h).
 * Errors (-EINVAL, -ERANGE) name the value.
 */
int eng_logs_parse_time(const char *s, int64_t now_ns, int64_t *out_ns, struct brig_err *e);

/* Length of the valid UTF-8 sequence at p (1..4), 0 when the bytes there
 * are not one (invalid, overlong, surrogate, above U+10FFFF, truncated).
 * Also for the healthcheck's output. */
size_t eng_logs_utf8_len(const unsigned char *p, size_t n);

/* A Go duration (10m, 1h30m, 1.5s, 300ms; units ns us ms s m h) in ns:
 * 0, or -EINVAL / -ERANGE.  --since's durations and the healthcheck's. */
int eng_parse_duration(const char *s, int64_t *out);

/* Format ns as RFC 3339 UTC with 9 fraction digits ("...55.000000000Z").
 * buf must hold ENG_LOG_TIME_LEN bytes. */
#define ENG_LOG_TIME_LEN 40
void eng_logs_format_time(int64_t ns, char buf[ENG_LOG_TIME_LEN]);

/*
 * Print the records of dirfd/name and its rotated files, oldest first: the
 * text of stdout records to out_fd, stderr records to err_fd, each with a
 * "TIME " prefix when o->timestamps.  Records outside [since, until] or of
 * an unselected stream are left out; o->tail counts the records that are
 * printed (across files).  With o->follow, after the end it waits for more
 * (inotify, polling alive(arg) at least every 200 ms; alive NULL means
 * forever), follows rotation, and returns once alive(arg) is false and all
 * that was written is printed, or once until_ns has passed.
 * Malformed lines and lines longer than ENG_LOG_RECORD_MAX are skipped with
 * a warning (at most 10 per call, then a count).  A missing log file is no
 * error (nothing is printed).  Returns 0 or a negative errno (-EPIPE when
 * out_fd or err_fd is closed).
 */
int eng_logs_print(int dirfd, const char *name, const struct eng_logs_opts *o, int out_fd,
		   int err_fd, bool (*alive)(void *arg), void *arg, struct brig_err *e);

#endif /* BRIG_ENGINE_LOGS_H */
