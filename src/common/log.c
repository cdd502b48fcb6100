/* SPDX-License-Identifier: Apache-2.0 */
/* Logging: level-filtered text or JSON lines (runc's --log-format json). */
#include "common/common.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int log_fd = STDERR_FILENO;
static bool log_fd_owned;
static enum brig_log_level log_level = BRIG_LOG_WARN;
static enum brig_log_format log_fmt = BRIG_LOG_TEXT;

static const char *const level_names[] = {
	[BRIG_LOG_ERROR] = "error",
	[BRIG_LOG_WARN] = "warning",
	[BRIG_LOG_INFO] = "info",
	[BRIG_LOG_DEBUG] = "debug",
};

enum brig_log_level brig_log_level(void)
{
	return log_level;
}
int brig_log_fd(void)
{
	return log_fd;
}

int brig_log_parse_format(const char *s, enum brig_log_format *out)
{
	if (strcmp(s, "text") == 0)
		*out = BRIG_LOG_TEXT;
	else if (strcmp(s, "json") == 0)
		*out = BRIG_LOG_JSON;
	else
		return -EINVAL;
	return 0;
}

int brig_log_parse_level(const char *s, enum brig_log_level *out)
{
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(level_names); i++)
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum brig_log_level)i;
			return 0;
		}
	if (strcmp(s, "warn") == 0) {
		*out = BRIG_LOG_WARN;
		return 0;
	}
	return -EINVAL;
}

static void set_fd(int fd, bool owned)
{
	if (log_fd_owned && log_fd >= 0)
		(void)close(log_fd);
	log_fd = fd;
	log_fd_owned = owned;
}

int brig_log_setup(int fd, enum brig_log_level level, enum brig_log_format fmt, struct brig_err *e)
{
	int nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (nfd < 0)
		return brig_err_sys(e, errno, "duplicating log fd %d", fd);
	set_fd(nfd, true);
	log_level = level;
	log_fmt = fmt;
	return 0;
}

int brig_log_open(const char *path, enum brig_log_level level, enum brig_log_format fmt,
		  struct brig_err *e)
{
	int fd = BRIG_RETRY(open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600));
	if (fd < 0)
		return brig_err_sys(e, errno, "opening log file %s", path);
	set_fd(fd, true);
	log_level = level;
	log_fmt = fmt;
	return 0;
}

/* Length of the valid UTF-8 sequence at s, 0 when it is not one (overlong
 * forms, surrogates and code points above U+10FFFF are invalid). */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) /* also stops at the NUL */
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
		return 0;
	if (n == 4 && (cp < 0x10000 || cp > 0x10ffff))
		return 0;
	return n;
}

/* The JSON string form of the character(s) at *s into out (at least 7
 * bytes); advances *s and returns the length.  Invalid UTF-8 becomes
 * U+FFFD so that the record always parses. */
static size_t json_char(const char **s, char out[8])
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)*s;
	unsigned char c = u[0];
	size_t n = utf8_len(u);
	if (n == 0) {
		*s += 1;
		memcpy(out, "\\ufffd", 6);
		return 6;
	}
	*s += n;
	if (n > 1) {
		memcpy(out, u, n);
		return n;
	}
	if (c == '"' || c == '\\' || c == '\n' || c == '\t' || c == '\r') {
		out[0] = '\\';
		out[1] = c == '\n' ? 'n' : c == '\t' ? 't' : c == '\r' ? 'r' : (char)c;
		return 2;
	}
	if (c < 0x20 || c == 0x7f) {
		memcpy(out, "\\u00", 4);
		out[4] = hex[c >> 4];
		out[5] = hex[c & 15];
		return 6;
	}
	out[0] = (char)c;
	return 1;
}

/* Append msg as the body of a JSON string to buf[pos..limit); whole
 * characters only.  *cut is set when msg did not fit. */
static size_t json_escape(char *buf, size_t limit, size_t pos, const char *msg, bool *cut)
{
	*cut = false;
	while (*msg) {
		char tmp[8];
		const char *next = msg;
		size_t n = json_char(&next, tmp);
		if (pos + n > limit) {
			*cut = true;
			break;
		}
		memcpy(buf + pos, tmp, n);
		pos += n;
		msg = next;
	}
	return pos;
}

static void format_time(char tbuf[64], const struct timespec *ts)
{
	struct tm tm;
	time_t secs = ts->tv_sec;
	long nsec = ts->tv_nsec >= 0 && ts->tv_nsec < 1000000000 ? ts->tv_nsec : 0;
	tbuf[0] = '\0';
	if (gmtime_r(&secs, &tm))
		(void)snprintf(tbuf, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900,
			       tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, nsec);
}

/* {"level":"L","msg":"M","time":"T"}\n -- still valid JSON when M has to be
 * cut short (it then ends in "..."). 0 when not even the frame fits. */
static size_t format_json(char *buf, size_t size, const char *level, const char *msg,
			  const char *tbuf)
{
	char tail[96];
	int tl = snprintf(tail, sizeof(tail), "\",\"time\":\"%s\"}\n", tbuf);
	int hl = snprintf(buf, size, "{\"level\":\"%s\",\"msg\":\"", level);
	if (tl < 0 || hl < 0 || (size_t)hl + (size_t)tl + 4 > size)
		return 0;
	size_t limit = size - (size_t)tl - 4; /* room for "...", tail, NUL */
	bool cut;
	size_t pos = json_escape(buf, limit, (size_t)hl, msg, &cut);
	if (cut) {
		memcpy(buf + pos, "...", 3);
		pos += 3;
	}
	memcpy(buf + pos, tail, (size_t)tl + 1);
	return pos + (size_t)tl;
}

bool brig_colour_ok(int fd)
{
	const char *no = getenv("NO_COLOR"), *term = getenv("TERM");
	if ((no && *no) || !term || !*term || strcmp(term, "dumb") == 0)
		return false;
	return isatty(fd) == 1;
}

const char *brig_colour_on(enum brig_log_level level)
{
	return level == BRIG_LOG_ERROR ? "\033[1;31m" : level == BRIG_LOG_WARN ? "\033[1;33m" : "";
}

/* T L: M\n with control characters folded to spaces; L coloured when the
 * record goes to a terminal that takes colour (errors and warnings only). */
static size_t format_text(char *buf, size_t size, enum brig_log_level level, const char *msg,
			  const char *tbuf)
{
	const char *on = brig_colour_on(level);
	bool colour = *on && log_fd >= 0 && brig_colour_ok(log_fd);
	int hl = snprintf(buf, size, "%s %s%s%s: ", tbuf, colour ? on : "", level_names[level],
			  colour ? BRIG_COLOUR_OFF : "");
	if (hl < 0 || (size_t)hl + 2 > size)
		return 0;
	size_t pos = (size_t)hl;
	for (const char *s = msg; *s && pos + 2 < size; s++) {
		unsigned char c = (unsigned char)*s;
		buf[pos++] = (c < 0x20 && c != '\t') || c == 0x7f ? ' ' : (char)c;
	}
	buf[pos++] = '\n';
	buf[pos] = '\0';
	return pos;
}

size_t brig_log_format_record(char *buf, size_t size, enum brig_log_format fmt,
			      enum brig_log_level level, const char *msg, const struct timespec *ts)
{
	if (size < 2)
		return 0;
	if ((unsigned)level >= BRIG_ARRAY_SIZE(level_names))
		level = BRIG_LOG_ERROR;
	char tbuf[64];
	format_time(tbuf, ts);
	size_t n = fmt == BRIG_LOG_JSON ? format_json(buf, size, level_names[level], msg, tbuf)
					: format_text(buf, size, level, msg, tbuf);
	if (n == 0) {
		/* Too small for a whole record: keep it a single line. */
		(void)snprintf(buf, size, "%s", level_names[level]);
		n = strlen(buf);
		if (n > size - 2)
			n = size - 2;
		buf[n++] = '\n';
		buf[n] = '\0';
	}
	return n;
}

void brig_logv(enum brig_log_level level, const char *fmt, va_list ap)
{
	if (level > log_level || log_fd < 0)
		return;
	int saved = errno;
	char msg[2048];
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	struct timespec ts = { 0 };
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	char rec[4096 + 128];
	size_t n = brig_log_format_record(rec, sizeof(rec), log_fmt, level, msg, &ts);
	(void)brig_write_all(log_fd, rec, n);
	errno = saved;
}

void brig_log(enum brig_log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	brig_logv(level, fmt, ap);
	va_end(ap);
}
