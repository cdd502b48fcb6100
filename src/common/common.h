/* SPDX-License-Identifier: Apache-2.0 */
/*
 * common: the foundation every other brig module builds on.
 *
 * errors (code + message + cause chain), logging (text and JSON lines),
 * strict JSON accessors that name the file and field on error, size-limited
 * file reading, safe path resolution inside a root, streaming SHA-256,
 * atomic file replacement, flock helpers and cleanup-attribute helpers.
 *
 * Conventions: functions return 0 (or a non-negative value such as an fd) on
 * success and a negative errno-style code on failure, after filling the
 * struct brig_err they were given.  Nothing here calls exit().
 */
#ifndef BRIG_COMMON_H
#define BRIG_COMMON_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#include <jansson.h>

#define BRIG_VERSION "0.1.0"

/* ------------------------------------------------------------------ */
/* cleanup helpers                                                      */
/* ------------------------------------------------------------------ */

static inline void brig_freep(void *p) { free(*(void **)p); }
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
static inline void brig_strv_freep(char ***v) { brig_strv_free(*v); }

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(brig_freep)
#define _cleanup_close_ _cleanup_(brig_closep)
#define _cleanup_fclose_ _cleanup_(brig_fclosep)
#define _cleanup_json_ _cleanup_(brig_json_decrefp)
#define _cleanup_strv_ _cleanup_(brig_strv_freep)

/* Hand ownership out of a cleanup variable. */
#define brig_steal_ptr(p)                                                      \
	({                                                                     \
		__typeof__(p) _tmp = (p);                                      \
		(p) = NULL;                                                    \
		_tmp;                                                          \
	})
#define brig_steal_fd(fd)                                                      \
	({                                                                     \
		int _tmp = (fd);                                               \
		(fd) = -1;                                                     \
		_tmp;                                                          \
	})

#define BRIG_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Retry an expression while it fails with EINTR. */
#define BRIG_RETRY(expr)                                                       \
	({                                                                     \
		__typeof__(expr) _r;                                           \
		do                                                             \
			_r = (expr);                                           \
		while (_r == -1 && errno == EINTR);                            \
		_r;                                                            \
	})

#define BRIG_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* ------------------------------------------------------------------ */
/* errors                                                               */
/* ------------------------------------------------------------------ */

struct brig_err_frame;

/*
 * An error: a negative errno-style code and a chain of messages, outermost
 * context first.  Zero-initialise (`struct brig_err e = {0};`), fill with
 * brig_err_set()/brig_err_sys(), add context with brig_err_wrap(), render
 * with brig_err_str(), release with brig_err_clear().
 */
struct brig_err {
	int code;                   /* negative errno, 0 when no error */
	struct brig_err_frame *top; /* outermost message */
	char *rendered;             /* cache for brig_err_str() */
};

/* Record an error (replacing any earlier one); returns code (made negative). */
int brig_err_set(struct brig_err *e, int code, const char *fmt, ...)
	BRIG_PRINTF(3, 4);
/* Like brig_err_set, the message followed by ": strerror(errnum)". */
int brig_err_sys(struct brig_err *e, int errnum, const char *fmt, ...)
	BRIG_PRINTF(3, 4);
/* Push an outer context onto the error; returns e->code. */
int brig_err_wrap(struct brig_err *e, const char *fmt, ...) BRIG_PRINTF(2, 3);
/* One line: "outer: inner: innermost". Valid until the next call on e. */
const char *brig_err_str(struct brig_err *e);
/* Number of frames in the chain and the message of frame i (0 = outermost). */
size_t brig_err_depth(const struct brig_err *e);
const char *brig_err_frame_msg(const struct brig_err *e, size_t i);
void brig_err_clear(struct brig_err *e);
static inline void brig_err_clearp(struct brig_err *e) { brig_err_clear(e); }
#define _cleanup_err_ _cleanup_(brig_err_clearp)

/* ------------------------------------------------------------------ */
/* logging                                                              */
/* ------------------------------------------------------------------ */

enum brig_log_level {
	BRIG_LOG_ERROR = 0,
	BRIG_LOG_WARN,
	BRIG_LOG_INFO,
	BRIG_LOG_DEBUG,
};
enum brig_log_format { BRIG_LOG_TEXT = 0, BRIG_LOG_JSON };

/* Configure logging: messages at or above level go to fd (dup'ed). */
int brig_log_setup(int fd, enum brig_log_level level, enum brig_log_format fmt,
		   struct brig_err *e);
/* Open (append, create 0600) a log file and use it. */
int brig_log_open(const char *path, enum brig_log_level level,
		  enum brig_log_format fmt, struct brig_err *e);
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
#define brig_info(...) brig_log(BRIG_LOG_INFO, __VA_ARGS__)
#define brig_debug(...)                                                        \
	do {                                                                   \
		if (brig_log_level() >= BRIG_LOG_DEBUG)                        \
			brig_log(BRIG_LOG_DEBUG, __VA_ARGS__);                 \
	} while (0)

/* ------------------------------------------------------------------ */
/* strict JSON                                                          */
/* ------------------------------------------------------------------ */

/*
 * A location inside a JSON document: the file it came from and the JSON path
 * of the value ("process.user.uid", "mounts[3].options[0]").  Errors from the
 * accessors read "FILE: PATH: expected WHAT, got TYPE".
 */
struct bj_loc {
	const char *file;
	char path[256];
};

/* Root location of a document. */
void bj_root(struct bj_loc *out, const char *file);
/* Location of member key / element idx beneath parent. */
void bj_key(struct bj_loc *out, const struct bj_loc *parent, const char *key);
void bj_idx(struct bj_loc *out, const struct bj_loc *parent, size_t idx);
/* Record "FILE: PATH: <message>" in e and return -EINVAL. */
int bj_fail(struct brig_err *e, const struct bj_loc *at, const char *fmt, ...)
	BRIG_PRINTF(3, 4);
const char *bj_type_name(const json_t *v);

/* Parse a buffer / a file (size-limited) into a JSON value. Duplicate keys
 * are rejected. */
int bj_parse(const char *buf, size_t len, const char *file, json_t **out,
	     struct brig_err *e);
int bj_load_file(int dirfd, const char *path, size_t max, json_t **out,
		 struct brig_err *e);

/*
 * Typed member accessors.  obj must be an object (checked; at names it).
 * When the member is absent: required -> error "missing", otherwise the
 * out value is left untouched and 1 is returned.  0 when found and valid.
 */
int bj_get(const json_t *obj, const struct bj_loc *at, const char *key,
	   bool required, json_type type, json_t **out, struct brig_err *e);
int bj_get_str(const json_t *obj, const struct bj_loc *at, const char *key,
	       bool required, const char **out, struct brig_err *e);
int bj_get_bool(const json_t *obj, const struct bj_loc *at, const char *key,
		bool required, bool *out, struct brig_err *e);
/* Integer within [min, max] inclusive. */
int bj_get_int(const json_t *obj, const struct bj_loc *at, const char *key,
	       bool required, int64_t min, int64_t max, int64_t *out,
	       struct brig_err *e);
/* Unsigned 64-bit integer (JSON numbers above INT64_MAX are rejected). */
int bj_get_u64(const json_t *obj, const struct bj_loc *at, const char *key,
	       bool required, uint64_t *out, struct brig_err *e);
/* An unsigned 64-bit field: literals above INT64_MAX are accepted (bj_parse
 * keeps their bits), as are negative ones (two's complement, like -1). */
int bj_get_u64_bits(const json_t *obj, const struct bj_loc *at, const char *key,
		    bool required, uint64_t *out, struct brig_err *e);
int bj_get_obj(const json_t *obj, const struct bj_loc *at, const char *key,
	       bool required, json_t **out, struct brig_err *e);
int bj_get_arr(const json_t *obj, const struct bj_loc *at, const char *key,
	       bool required, json_t **out, struct brig_err *e);
/* An array of strings, copied into a NULL-terminated vector (free with
 * brig_strv_free).  max bounds the element count. */
int bj_get_strv(const json_t *obj, const struct bj_loc *at, const char *key,
		bool required, size_t max, char ***out, struct brig_err *e);
/* Check a value's type (for array elements). */
int bj_expect(const json_t *v, const struct bj_loc *at, json_type type,
	      struct brig_err *e);
/* Refuse members of obj not in the NULL-terminated allowed list. */
int bj_only_keys(const json_t *obj, const struct bj_loc *at,
		 const char *const *allowed, struct brig_err *e);

/* ------------------------------------------------------------------ */
/* file and fd helpers                                                  */
/* ------------------------------------------------------------------ */

/* Disk usage (st_blocks) of at/name and everything beneath it, without
 * following symlinks or crossing mounts: iterative, at most 256
 * directories open at once (deeper ones are counted but not entered:
 * *truncated, when given, says so).  A container-made tree of any depth
 * or width is safe to measure.  0 or -errno (at/name itself). */
int brig_du(int at, const char *name, uint64_t *bytes, bool *truncated);
/* Write/read everything, retrying on EINTR and short transfers. */
int brig_write_all(int fd, const void *buf, size_t len);
ssize_t brig_read_all(int fd, void *buf, size_t len);
/* Read a whole file of at most max bytes (NUL-terminated; *len excludes the
 * NUL). A larger file is an error (-EFBIG) naming the file. */
int brig_read_file(int dirfd, const char *path, size_t max, char **out,
		   size_t *len, struct brig_err *e);
/* Same, from an open fd (read from its current offset). */
int brig_read_fd(int fd, const char *name, size_t max, char **out, size_t *len,
		 struct brig_err *e);
/* Write a string into an existing file (e.g. a cgroup or /proc knob). */
int brig_write_file(int dirfd, const char *path, const char *data,
		    struct brig_err *e);
/* Atomically replace dirfd/name with data: temp file in the same directory,
 * fsync, rename, fsync of the directory. */
int brig_atomic_write(int dirfd, const char *name, const void *data,
		      size_t len, mode_t mode, struct brig_err *e);
/* The same without the fsyncs when !durable: readers still see the old or
 * the new content, never a mix, but a crash may lose the change.  For
 * state that does not outlive a boot (the runtime's, under /run). */
int brig_atomic_replace(int dirfd, const char *name, const void *data, size_t len,
			mode_t mode, bool durable, struct brig_err *e);
/* mkdir -p relative to dirfd (plain path, for trusted host paths only). */
int brig_mkdir_p(int dirfd, const char *path, mode_t mode, struct brig_err *e);
/* Remove a directory tree beneath dirfd without following symlinks and
 * without crossing mount points. Absent is success. */
int brig_rm_rf(int dirfd, const char *name, struct brig_err *e);
/* Duplicate-free vector helpers. */
size_t brig_strv_len(char *const *v);
char **brig_strv_dup(char *const *v);
/* Parse an unsigned decimal; the whole string must be a number. */
int brig_parse_u64(const char *s, uint64_t *out);
int brig_parse_i64(const char *s, int64_t *out);
/* Mark every fd >= from close-on-exec (close_range with a /proc fallback). */
int brig_cloexec_from(int from);
/* Terminal-safe copies of text for people to read (termsafe.c): control
 * characters (C0 including TAB, DEL, C1) and bytes that are not UTF-8
 * become \n \r \t \xNN \u00NN escapes; valid UTF-8 is kept.  malloc'ed,
 * NULL when out of memory.  The _json form escapes what a JSON text may
 * still carry raw (DEL, C1, invalid bytes) and keeps the rest. */
char *brig_term_escape(const char *s, size_t n);
char *brig_term_escape_json(const char *s, size_t n);
/* Whether s needs no escape. */
bool brig_term_safe(const char *s, size_t n);
/* snprintf into a fixed buffer; -ENAMETOOLONG when it does not fit. */
int brig_snprintf(char *buf, size_t size, const char *fmt, ...) BRIG_PRINTF(3, 4);
/* Append to a malloc'ed string of *len bytes (*buf may start NULL, *len 0);
 * -ENOMEM (the string is kept as it was). */
int brig_appendf(char **buf, size_t *len, const char *fmt, ...) BRIG_PRINTF(3, 4);

/* ------------------------------------------------------------------ */
/* safe path resolution inside a root                                   */
/* ------------------------------------------------------------------ */

enum {
	BRIG_RESOLVE_FORCE_FALLBACK = 1 << 0, /* tests: skip openat2 */
	BRIG_RESOLVE_NOFOLLOW_LAST = 1 << 1,  /* do not follow a final symlink */
	BRIG_RESOLVE_NO_SYMLINKS = 1 << 2,    /* refuse every symlink (ELOOP) */
};

/*
 * Open path (absolute or relative, always taken relative to rootfd and never
 * escaping it: ".." at the root stays at the root, absolute symlinks are
 * relative to the root, magic links are refused) with open flags oflags
 * (O_CLOEXEC is always added; O_CREAT may be used with mode).
 * Returns the fd or a negative errno.  Uses openat2(RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS) and falls back to a component-by-component walk on
 * kernels without openat2.
 */
int brig_open_in_root(int rootfd, const char *path, int oflags, mode_t mode,
		      unsigned flags, struct brig_err *e);
/* Open a regular file inside the root for reading, without waiting (a
 * FIFO or device there is refused, not opened for good) and without
 * following a final symlink: -EINVAL "... is not a regular file". */
int brig_open_regular_in_root(int rootfd, const char *path, struct brig_err *e);
/* Create every missing directory of path inside the root (as with
 * brig_open_in_root) and return an O_PATH|O_DIRECTORY fd to the last. */
int brig_mkdir_in_root(int rootfd, const char *path, mode_t mode,
		       unsigned flags, struct brig_err *e);
/* Open the parent directory of path inside the root and return its fd; the
 * last component is stored in base (which must hold NAME_MAX+1 bytes).
 * A path whose last component is "." or ".." or empty is refused. */
int brig_open_parent_in_root(int rootfd, const char *path, char *base,
			     unsigned flags, struct brig_err *e);
/* Whether the running kernel has openat2 (cached). */
bool brig_have_openat2(void);
/* Path of an fd, via /proc/self/fd (for messages and mount targets). */
int brig_fd_path(int fd, char *buf, size_t size);

/* ------------------------------------------------------------------ */
/* SHA-256                                                              */
/* ------------------------------------------------------------------ */

#define BRIG_SHA256_LEN 32
#define BRIG_SHA256_HEX 65 /* 64 digits + NUL */

struct brig_sha256;
struct brig_sha256 *brig_sha256_new(void);
int brig_sha256_update(struct brig_sha256 *h, const void *data, size_t len);
/* Finish; writes 64 lowercase hex digits + NUL into hex. Frees nothing. */
int brig_sha256_final(struct brig_sha256 *h, char hex[BRIG_SHA256_HEX]);
void brig_sha256_free(struct brig_sha256 *h);
static inline void brig_sha256_freep(struct brig_sha256 **h)
{
	brig_sha256_free(*h);
}
#define _cleanup_sha256_ _cleanup_(brig_sha256_freep)
int brig_sha256_buf(const void *data, size_t len, char hex[BRIG_SHA256_HEX]);
/* Hash an fd from its current offset to EOF; *size gets the byte count. */
int brig_sha256_fd(int fd, char hex[BRIG_SHA256_HEX], uint64_t *size,
		   struct brig_err *e);
/* "sha256:<64 lowercase hex>" */
bool brig_digest_valid(const char *digest);

/* ------------------------------------------------------------------ */
/* locking                                                              */
/* ------------------------------------------------------------------ */

enum brig_lock_mode { BRIG_LOCK_SHARED, BRIG_LOCK_EXCLUSIVE };
/* flock(2) with EINTR handled; wait=false -> -EWOULDBLOCK when held. */
int brig_lock_fd(int fd, enum brig_lock_mode mode, bool wait);
int brig_unlock_fd(int fd);
/* Open (creating, 0600) dirfd/name and lock it; returns the fd. */
int brig_lock_path(int dirfd, const char *name, enum brig_lock_mode mode,
		   bool wait, struct brig_err *e);

#endif /* BRIG_COMMON_H */
