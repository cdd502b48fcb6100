/* SPDX-License-Identifier: Apache-2.0 */
/* Logging: level-filtered text or JSON lines (runc's --log-format json). */
#include "common.h"

#include <fcntl.h>
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

enum brig_log_level brig_log_level(void) { return log_level; }
int brig_log_fd(void) { return log_fd; }

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

int brig_log_setup(int fd, enum brig_log_level level, enum brig_log_format fmt,
		   struct brig_err *e)
{
	int nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (nfd < 0)
		return brig_err_sys(e, errno, "duplicating log fd %d", fd);
	set_fd(nfd, true);
	log_level = level;
	log_fmt = fmt;
	return 0;
}

int brig_log_open(const char *path, enum brig_log_level level,
		  enum brig_log_format fmt, struct brig_err *e)
{
	int fd = BRIG_RETRY(open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
					       O_NOCTTY,
				 0600));
	if (fd < 0)
		return brig_err_sys(e, errno, "opening log file %s", path);
	set_fd(fd, true);
	log_level = level;
	log_fmt = fmt;
	return 0;
}

/* Append s to buf as the body of a JSON string. */
static size_t json_escape(char *buf, size_t size, size_t pos, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char tmp[7];
		size_t n = 0;
		if (c == '"' || c == '\\') {
			tmp[n++] = '\\';
			tmp[n++] = (char)c;
		} else if (c == '\n') {
			tmp[n++] = '\\';
			tmp[n++] = 'n';
		} else if (c == '\t') {
			tmp[n++] = '\\';
			tmp[n++] = 't';
		} else if (c < 0x20 || c == 0x7f) {
			memcpy(tmp, "\\u00", 4);
			tmp[4] = hex[c >> 4];
			tmp[5] = hex[c & 15];
			n = 6;
		} else {
			tmp[n++] = (char)c;
		}
		if (pos + n + 1 > size)
			break;
		memcpy(buf + pos, tmp, n);
		pos += n;
	}
	return pos;
}

size_t brig_log_format_record(char *buf, size_t size, enum brig_log_format fmt,
			      enum brig_log_level level, const char *msg,
			      const struct timespec *ts)
{
	if (size < 2)
		return 0;
	if ((unsigned)level >= BRIG_ARRAY_SIZE(level_names))
		level = BRIG_LOG_ERROR;
	struct tm tm;
	char tbuf[64] = "";
	time_t secs = ts->tv_sec;
	if (gmtime_r(&secs, &tm))
		(void)snprintf(tbuf, sizeof(tbuf),
			       "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ",
			       tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			       tm.tm_hour, tm.tm_min, tm.tm_sec, ts->tv_nsec);
	size_t pos;
	int n;
	if (fmt == BRIG_LOG_JSON) {
		n = snprintf(buf, size, "{\"level\":\"%s\",\"msg\":\"",
			     level_names[level]);
		pos = n < 0 ? 0 : ((size_t)n >= size ? size - 1 : (size_t)n);
		pos = json_escape(buf, size, pos, msg);
		n = snprintf(buf + pos, size - pos, "\",\"time\":\"%s\"}\n", tbuf);
	} else {
		n = snprintf(buf, size, "%s %s: ", tbuf, level_names[level]);
		pos = n < 0 ? 0 : ((size_t)n >= size ? size - 1 : (size_t)n);
		for (const char *s = msg; *s && pos + 2 < size; s++)
			buf[pos++] = ((unsigned char)*s < 0x20 && *s != '\t') ? ' ' : *s;
		n = snprintf(buf + pos, size - pos, "\n");
	}
	if (n < 0 || (size_t)n >= size - pos) {
		/* Truncated: keep the record a single terminated line. */
		pos = size - 1;
		buf[pos - 1] = '\n';
		buf[pos] = '\0';
		return pos;
	}
	return pos + (size_t)n;
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
