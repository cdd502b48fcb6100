/* SPDX-License-Identifier: Apache-2.0 */
/* engine/logs internals shared by writer.c, reader.c, follow.c and time.c. */
#ifndef BRIG_ENGINE_LOGS_INT_H
#define BRIG_ENGINE_LOGS_INT_H

#include <sys/types.h>

#include "engine/logs/logs.h"

/* Parse an RFC 3339 time with a mandatory zone (a record's "time"). */
int eng_logs_parse_rfc3339(const char *s, size_t n, int64_t *out_ns);

/* "name" or "name.N" into buf (NAME_MAX + 1 bytes); idx 0 is the name. */
int eng_logs_file_name(char *buf, size_t size, const char *name, unsigned idx);

/* Whether name is a plain file name short enough for "name.NNN". */
bool eng_logs_name_ok(const char *name);

/* Current CLOCK_REALTIME in ns. */
int64_t eng_logs_now_ns(void);

/* ------------------------------------------------------------------ */
/* reader internals (reader.c, follow.c)                                */
/* ------------------------------------------------------------------ */

#define LR_OUT_CAP (64U * 1024)

/* One open log file (a member of the set ctr.log, ctr.log.1, ...). */
struct lr_file {
	int fd;
	dev_t dev;
	ino_t ino;
	unsigned idx; /* 0: the name itself, N: name.N (when opened) */
};

/* Reads one file forwards, a line at a time. */
struct lr_src {
	int fd; /* owned; -1 when none */
	dev_t dev;
	ino_t ino;
	unsigned idx;
	char *buf; /* bytes read but not yet handled (a partial line) */
	size_t len, cap;
	bool skipping; /* inside a line longer than ENG_LOG_RECORD_MAX */
	uint64_t off; /* file offset of buf[0] */
};

struct lr_ctx {
	const struct eng_logs_opts *o;
	int dirfd;
	const char *name;
	int out_fd, err_fd;
	int ob_fd; /* which fd the buffer holds output for */
	size_t ob_len;
	char ob[LR_OUT_CAP];
	unsigned long bad; /* malformed lines skipped */
};

/* Read src to its end, printing every complete line that matches. */
int eng_lr_pump(struct lr_ctx *c, struct lr_src *src, struct brig_err *e);
/* Drop what is left of src (an unterminated last line) and close it. */
void eng_lr_src_close(struct lr_ctx *c, struct lr_src *src);
/* Write out buffered output. */
int eng_lr_flush(struct lr_ctx *c, struct brig_err *e);
/* Open name, name.1, ... newest first (skipping duplicates, stopping
 * before the file stop when given), stored oldest first in out. */
int eng_lr_open_set(int dirfd, const char *name, const struct lr_file *stop,
		    struct lr_file out[ENG_LOG_MAX_FILES], size_t *n, struct brig_err *e);
/* Follow the log from src (fd -1: no file yet) until !alive(). */
int eng_lr_follow(struct lr_ctx *c, struct lr_src *src, int ifd, bool (*alive)(void *arg),
		  void *arg, struct brig_err *e);
/* An inotify fd watching the log directory, or -1 (then follow polls). */
int eng_lr_watch(int dirfd);

#endif /* BRIG_ENGINE_LOGS_INT_H */
