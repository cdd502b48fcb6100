/* SPDX-License-Identifier: Apache-2.0 */
#include "helpers.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

int lt_setup(void **state)
{
	struct lt_dir *d = calloc(1, sizeof(*d));
	if (!d)
		return -1;
	snprintf(d->path, sizeof(d->path), "/tmp/brig-logs-test.XXXXXX");
	if (!mkdtemp(d->path))
		return -1;
	d->fd = open(d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->fd < 0)
		return -1;
	*state = d;
	return 0;
}

int lt_teardown(void **state)
{
	struct lt_dir *d = *state;
	struct brig_err e = { 0 };
	close(d->fd);
	int r = brig_rm_rf(AT_FDCWD, d->path, &e);
	brig_err_clear(&e);
	free(d);
	return r;
}

char *lt_read(int dirfd, const char *name, size_t *len)
{
	struct brig_err e = { 0 };
	char *buf = NULL;
	size_t l = 0;
	if (brig_read_file(dirfd, name, 64 << 20, &buf, &l, &e) < 0)
		buf = NULL;
	brig_err_clear(&e);
	if (len)
		*len = l;
	return buf;
}

void lt_write(int dirfd, const char *name, const char *data, size_t len)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(brig_write_all(fd, data, len), 0);
	close(fd);
}

bool lt_exists(int dirfd, const char *name)
{
	struct stat st;
	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

char *lt_line(const char *stream, int64_t ns, const char *text)
{
	char ts[ENG_LOG_TIME_LEN];
	eng_logs_format_time(ns, ts);
	json_t *o = json_pack("{s:s, s:s, s:s}", "log", text, "stream", stream, "time", ts);
	assert_non_null(o);
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	assert_non_null(s);
	size_t l = strlen(s);
	char *line = malloc(l + 2);
	assert_non_null(line);
	memcpy(line, s, l);
	line[l] = '\n';
	line[l + 1] = '\0';
	free(s);
	return line;
}

json_t *lt_records(int dirfd, const char *name)
{
	size_t len;
	char *buf = lt_read(dirfd, name, &len);
	assert_non_null(buf);
	json_t *arr = json_array();
	char *p = buf, *end = buf + len;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		assert_non_null(nl); /* no unterminated records */
		json_error_t je;
		json_t *r = json_loadb(p, (size_t)(nl - p), JSON_ALLOW_NUL, &je);
		if (!r)
			fail_msg("%s: invalid record: %s", name, je.text);
		assert_true(json_is_object(r));
		json_array_append_new(arr, r);
		p = nl + 1;
	}
	free(buf);
	return arr;
}

static char *take_memfd(int fd, size_t *len)
{
	struct brig_err e = { 0 };
	char *buf = NULL;
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(brig_read_fd(fd, "memfd", 256 << 20, &buf, len, &e), 0);
	close(fd);
	return buf;
}

void lt_print(int dirfd, const struct eng_logs_opts *o, bool (*alive)(void *), void *arg,
	      struct lt_out *res)
{
	struct brig_err e = { 0 };
	int ofd = memfd_create("out", MFD_CLOEXEC), efd = memfd_create("err", MFD_CLOEXEC);
	assert_true(ofd >= 0 && efd >= 0);
	res->rc = eng_logs_print(dirfd, ENG_LOG_NAME, o, ofd, efd, alive, arg, &e);
	if (res->rc < 0)
		print_message("eng_logs_print: %s\n", brig_err_str(&e));
	brig_err_clear(&e);
	res->out = take_memfd(ofd, &res->out_len);
	res->err = take_memfd(efd, &res->err_len);
}

void lt_out_free(struct lt_out *res)
{
	free(res->out);
	free(res->err);
}

static int log_fd = -1;

void lt_log_capture(void)
{
	struct brig_err e = { 0 };
	log_fd = memfd_create("log", MFD_CLOEXEC);
	assert_true(log_fd >= 0);
	assert_int_equal(brig_log_setup(log_fd, BRIG_LOG_WARN, BRIG_LOG_TEXT, &e), 0);
}

char *lt_log_take(void)
{
	struct brig_err e = { 0 };
	size_t len;
	assert_int_equal(brig_log_setup(STDERR_FILENO, BRIG_LOG_WARN, BRIG_LOG_TEXT, &e), 0);
	char *s = take_memfd(log_fd, &len);
	log_fd = -1;
	return s;
}

size_t lt_count(const char *hay, const char *needle)
{
	size_t n = 0, l = strlen(needle);
	for (const char *p = hay; (p = strstr(p, needle)); p += l)
		n++;
	return n;
}
