/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "helpers.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>

extern char **environ;

void buf_add(struct buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		assert_non_null(b->p);
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
}

void buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static la_ssize_t buf_write_cb(struct archive *a, void *opaque, const void *p, size_t n)
{
	(void)a;
	buf_add(opaque, p, n);
	return (la_ssize_t)n;
}

/* ---- tar building ---------------------------------------------------- */

struct tb {
	struct archive *a;
	struct buf out;
};

struct spec {
	const char *path;
	mode_t mode; /* type | perm */
	const char *data;
	const char *symlink, *hardlink;
	unsigned maj, min;
	uid_t uid;
	gid_t gid;
	time_t mtime;
	long nsec;
	const char *xname;
	const void *xval;
	size_t xlen;
};

struct tb *tb_new(void)
{
	struct tb *t = calloc(1, sizeof(*t));
	assert_non_null(t);
	t->a = archive_write_new();
	assert_int_equal(archive_write_set_format_pax(t->a), ARCHIVE_OK);
	assert_int_equal(archive_write_open(t->a, &t->out, NULL, buf_write_cb, NULL), ARCHIVE_OK);
	return t;
}

static void tb_put(struct tb *t, const struct spec *s)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_copy_pathname(e, s->path);
	archive_entry_set_mode(e, s->mode);
	archive_entry_set_uid(e, s->uid);
	archive_entry_set_gid(e, s->gid);
	archive_entry_set_mtime(e, s->mtime ? s->mtime : 1600000000, s->nsec);
	if (s->symlink)
		archive_entry_copy_symlink(e, s->symlink);
	if (s->hardlink)
		archive_entry_copy_hardlink(e, s->hardlink);
	if (S_ISCHR(s->mode) || S_ISBLK(s->mode)) {
		archive_entry_set_rdevmajor(e, s->maj);
		archive_entry_set_rdevminor(e, s->min);
	}
	if (s->xname)
		archive_entry_xattr_add_entry(e, s->xname, s->xval, s->xlen);
	size_t dlen = s->data ? strlen(s->data) : 0;
	archive_entry_set_size(e, (la_int64_t)dlen);
	assert_true(archive_write_header(t->a, e) >= ARCHIVE_WARN);
	if (dlen)
		assert_int_equal(archive_write_data(t->a, s->data, dlen), (la_ssize_t)dlen);
	archive_entry_free(e);
}

void tb_entry(struct tb *t, struct archive_entry *e, const char *data)
{
	size_t dlen = data ? strlen(data) : 0;
	archive_entry_set_size(e, (la_int64_t)dlen);
	assert_true(archive_write_header(t->a, e) >= ARCHIVE_WARN);
	if (dlen)
		assert_int_equal(archive_write_data(t->a, data, dlen), (la_ssize_t)dlen);
}

void tb_file(struct tb *t, const char *path, const char *data, mode_t mode)
{
	tb_put(t, &(struct spec){ .path = path, .mode = S_IFREG | mode, .data = data });
}

void tb_file_ex(struct tb *t, const char *path, const char *data, mode_t mode, uid_t uid, gid_t gid,
		time_t mtime, long nsec, const char *xname, const void *xval, size_t xlen)
{
	tb_put(t,
	       &(struct spec){ .path = path,
			       .mode = S_IFREG | mode,
			       .data = data,
			       .uid = uid,
			       .gid = gid,
			       .mtime = mtime,
			       .nsec = nsec,
			       .xname = xname,
			       .xval = xval,
			       .xlen = xlen });
}

void tb_dir(struct tb *t, const char *path, mode_t mode)
{
	tb_put(t, &(struct spec){ .path = path, .mode = S_IFDIR | mode });
}

void tb_dir_ex(struct tb *t, const char *path, mode_t mode, time_t mtime)
{
	tb_put(t, &(struct spec){ .path = path, .mode = S_IFDIR | mode, .mtime = mtime });
}

void tb_symlink(struct tb *t, const char *path, const char *target)
{
	tb_put(t, &(struct spec){ .path = path, .mode = S_IFLNK | 0777, .symlink = target });
}

void tb_hardlink(struct tb *t, const char *path, const char *target)
{
	tb_put(t, &(struct spec){ .path = path, .mode = S_IFREG | 0644, .hardlink = target });
}

void tb_fifo(struct tb *t, const char *path)
{
	tb_put(t, &(struct spec){ .path = path, .mode = S_IFIFO | 0640 });
}

void tb_dev(struct tb *t, const char *path, bool chr, unsigned maj, unsigned min)
{
	tb_put(t,
	       &(struct spec){ .path = path,
			       .mode = (chr ? S_IFCHR : S_IFBLK) | 0660,
			       .maj = maj,
			       .min = min });
}

struct buf tb_finish(struct tb *t)
{
	assert_int_equal(archive_write_close(t->a), ARCHIVE_OK);
	archive_write_free(t->a);
	struct buf b = t->out;
	free(t);
	return b;
}

/* Written by hand: libarchive's writer would pad the data out on close, and
 * abandoning it (archive_write_fail) leaks.  A ustar header with the size
 * in GNU base-256 form (sizes of 8 GiB and more do not fit in octal). */
struct buf tar_header_only(const char *path, int64_t size)
{
	unsigned char h[512] = { 0 };
	struct buf b = { 0 };
	assert_true(strlen(path) < 100);
	memcpy(h, path, strlen(path));
	memcpy(h + 100, "0000644", 8);
	memcpy(h + 108, "0000000", 8);
	memcpy(h + 116, "0000000", 8);
	h[124] = 0x80;
	for (int i = 0; i < 8; i++)
		h[135 - i] = (unsigned char)((uint64_t)size >> (8 * i));
	memcpy(h + 136, "13727410000", 12); /* 1600000000 */
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	unsigned sum = 0;
	for (size_t i = 0; i < sizeof(h); i++)
		sum += h[i];
	(void)snprintf((char *)h + 148, 8, "%06o", sum);
	buf_add(&b, h, sizeof(h));
	return b;
}

struct buf compress_buf(enum img_compression c, const void *p, size_t n)
{
	struct buf b = { 0 };
	struct archive *a = archive_write_new();
	assert_int_equal(archive_write_set_format_raw(a), ARCHIVE_OK);
	if (c == IMG_COMP_GZIP) {
		assert_int_equal(archive_write_add_filter_gzip(a), ARCHIVE_OK);
		assert_int_equal(
			archive_write_set_filter_option(a, "gzip", "compression-level", "9"),
			ARCHIVE_OK);
	} else {
		assert_int_equal(archive_write_add_filter_zstd(a), ARCHIVE_OK);
	}
	assert_int_equal(archive_write_set_bytes_in_last_block(a, 1), ARCHIVE_OK);
	assert_int_equal(archive_write_open(a, &b, NULL, buf_write_cb, NULL), ARCHIVE_OK);
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_copy_pathname(e, "x");
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	archive_entry_free(e);
	const unsigned char *q = p;
	while (n > 0) {
		size_t k = n > (1u << 20) ? (1u << 20) : n;
		assert_int_equal(archive_write_data(a, q, k), (la_ssize_t)k);
		q += k;
		n -= k;
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	return b;
}

int memfd_of(const void *p, size_t n)
{
	int fd = memfd_create("layer", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(brig_write_all(fd, p, n), 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

void digest_of(const void *p, size_t n, char out[IMG_DIGEST_LEN])
{
	char hex[BRIG_SHA256_HEX];
	assert_int_equal(brig_sha256_buf(p, n, hex), 0);
	(void)snprintf(out, IMG_DIGEST_LEN, "sha256:%s", hex);
}

int digest_via(const char *prog, const void *p, size_t n, char out[IMG_DIGEST_LEN])
{
	int in = memfd_of(p, n), pfd[2];
	assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in, 0);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	char *argv[] = { (char *)prog, (char *)"-dc", NULL };
	pid_t pid;
	int r = posix_spawnp(&pid, prog, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	(void)close(pfd[1]);
	(void)close(in);
	if (r != 0) {
		(void)close(pfd[0]);
		return -1;
	}
	char hex[BRIG_SHA256_HEX];
	uint64_t size = 0;
	struct brig_err e = { 0 };
	int hr = brig_sha256_fd(pfd[0], hex, &size, &e);
	brig_err_clear(&e);
	(void)close(pfd[0]);
	int st = 0;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (hr < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -1;
	(void)snprintf(out, IMG_DIGEST_LEN, "sha256:%s", hex);
	return 0;
}

/* ---- tree dumps --------------------------------------------------------- */

struct lines {
	char **v;
	size_t n, cap;
};

static void lines_add(struct lines *l, char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		assert_non_null(l->v);
	}
	l->v[l->n++] = s;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void xattrs_of(int dirfd, const char *name, struct buf *out)
{
	char proc[PATH_MAX + 64], list[4096];
	(void)snprintf(proc, sizeof(proc), "/proc/self/fd/%d/%s", dirfd, name);
	ssize_t len = llistxattr(proc, list, sizeof(list));
	if (len <= 0)
		return;
	char *names[64];
	size_t n = 0;
	for (ssize_t i = 0; i < len && n < 64; i += (ssize_t)strlen(list + i) + 1)
		names[n++] = list + i;
	qsort(names, n, sizeof(*names), str_cmp);
	for (size_t i = 0; i < n; i++) {
		unsigned char val[1024];
		ssize_t vl = lgetxattr(proc, names[i], val, sizeof(val));
		buf_add(out, " x:", 3);
		buf_add(out, names[i], strlen(names[i]));
		buf_add(out, "=", 1);
		for (ssize_t k = 0; k < vl; k++) {
			char h[3];
			(void)snprintf(h, sizeof(h), "%02x", val[k]);
			buf_add(out, h, 2);
		}
	}
}

static char *entry_line(int dirfd, const char *name, const char *rel, const struct stat *st,
			unsigned flags)
{
	struct buf b = { 0 };
	char tmp[PATH_MAX + 256], extra[PATH_MAX + 16] = "";
	if (S_ISREG(st->st_mode)) {
		int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		char hex[BRIG_SHA256_HEX] = "?";
		uint64_t sz;
		struct brig_err e = { 0 };
		if (fd >= 0)
			(void)brig_sha256_fd(fd, hex, &sz, &e);
		brig_err_clear(&e);
		if (fd >= 0)
			(void)close(fd);
		(void)snprintf(extra, sizeof(extra), "sha=%.16s", hex);
	} else if (S_ISLNK(st->st_mode)) {
		char t[PATH_MAX];
		ssize_t n = readlinkat(dirfd, name, t, sizeof(t) - 1);
		t[n < 0 ? 0 : n] = '\0';
		(void)snprintf(extra, sizeof(extra), "-> %s", t);
	} else if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
		(void)snprintf(extra, sizeof(extra), "rdev=%u:%u", major(st->st_rdev),
			       minor(st->st_rdev));
	}
	(void)snprintf(tmp, sizeof(tmp), "%s %06o %u:%u size=%lld mtime=%lld.%09ld nlink=%lu %s",
		       rel, (unsigned)st->st_mode, st->st_uid, st->st_gid,
		       S_ISDIR(st->st_mode) ? 0LL : (long long)st->st_size,
		       (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
		       S_ISDIR(st->st_mode) ? 0UL : (unsigned long)st->st_nlink, extra);
	buf_add(&b, tmp, strlen(tmp));
	if (flags & DUMP_INODES) {
		(void)snprintf(tmp, sizeof(tmp), " ino=%lu:%lu", (unsigned long)st->st_dev,
			       (unsigned long)st->st_ino);
		buf_add(&b, tmp, strlen(tmp));
	}
	xattrs_of(dirfd, name, &b);
	buf_add(&b, "", 1);
	return (char *)b.p;
}

static void dump_dir(int dirfd, const char *prefix, const char *skip, unsigned flags,
		     struct lines *l)
{
	int dup = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
	assert_true(dup >= 0);
	DIR *d = fdopendir(dup);
	assert_non_null(d);
	rewinddir(d); /* the offset is shared with dirfd */
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		char rel[PATH_MAX];
		struct stat st;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		(void)snprintf(rel, sizeof(rel), "%s%s%s", prefix, *prefix ? "/" : "", de->d_name);
		if (skip && strcmp(rel, skip) == 0)
			continue;
		assert_int_equal(fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW), 0);
		lines_add(l, entry_line(dirfd, de->d_name, rel, &st, flags));
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd, de->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			assert_true(sub >= 0);
			dump_dir(sub, rel, skip, flags, l);
			(void)close(sub);
		}
	}
	(void)closedir(d);
}

char *tree_dump(int dirfd, const char *skip, unsigned flags)
{
	struct lines l = { 0 };
	struct buf out = { 0 };
	dump_dir(dirfd, "", skip, flags, &l);
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), str_cmp);
	for (size_t i = 0; i < l.n; i++) {
		buf_add(&out, l.v[i], strlen(l.v[i]));
		buf_add(&out, "\n", 1);
		free(l.v[i]);
	}
	free(l.v);
	buf_add(&out, "", 1);
	return (char *)out.p;
}

bool exists_at(int dirfd, const char *path)
{
	struct stat st;
	return fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

const char *read_at(int dirfd, const char *path)
{
	static char data[4096];
	int fd = openat(dirfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return NULL;
	ssize_t n = brig_read_all(fd, data, sizeof(data) - 1);
	(void)close(fd);
	if (n < 0)
		return NULL;
	data[n] = '\0';
	return data;
}

/* ---- sandboxes --------------------------------------------------------- */

static void put(int dirfd, const char *path, const char *data)
{
	int fd = openat(dirfd, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(brig_write_all(fd, data, strlen(data)), 0);
	(void)close(fd);
}

/*
 * The host paths an escaping archive would write: the files with their
 * inode, size and mtime; the directories by inode only (other programs
 * add and remove entries in /etc while the tests run: ldconfig, useradd),
 * plus the names the hostile archives would leave in them.
 */
static char *host_lines(void)
{
	static const char *const files[] = { "/etc/passwd", "/etc/shadow", "/etc", "/" };
	static const char *const absent[] = {
		"/secret", "/escape", "/x", "/.wh..wh..opq", "/etc/.wh.passwd", "/etc/.wh..wh..opq"
	};
	struct buf b = { 0 };
	char line[256];
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(files); i++) {
		struct stat st;
		assert_int_equal(lstat(files[i], &st), 0);
		if (S_ISDIR(st.st_mode))
			(void)snprintf(line, sizeof(line), "host %s ino=%lu\n", files[i],
				       (unsigned long)st.st_ino);
		else
			(void)snprintf(line, sizeof(line),
				       "host %s ino=%lu nlink=%lu size=%lld mtime=%lld.%09ld\n",
				       files[i], (unsigned long)st.st_ino,
				       (unsigned long)st.st_nlink, (long long)st.st_size,
				       (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
		buf_add(&b, line, strlen(line));
	}
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(absent); i++) {
		struct stat st;
		(void)snprintf(line, sizeof(line), "host %s %s\n", absent[i],
			       lstat(absent[i], &st) == 0 ? "exists" : "absent");
		buf_add(&b, line, strlen(line));
	}
	buf_add(&b, "", 1);
	return (char *)b.p;
}

static char *marker_dump(struct sandbox *s)
{
	char *tree = tree_dump(s->topfd, "x/dest", DUMP_INODES);
	char *host = host_lines();
	struct buf b = { 0 };
	buf_add(&b, tree, strlen(tree));
	buf_add(&b, host, strlen(host) + 1);
	free(tree);
	free(host);
	return (char *)b.p;
}

/* Sandboxes not yet checked and removed: a failed assertion jumps out of
 * the test, and sb_teardown removes what it left behind. */
static char live[8][64];

static void live_set(const char *top, bool on)
{
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(live); i++) {
		if (on && live[i][0] == '\0') {
			(void)snprintf(live[i], sizeof(live[i]), "%s", top);
			return;
		}
		if (!on && strcmp(live[i], top) == 0) {
			live[i][0] = '\0';
			return;
		}
	}
	assert_false(on); /* more than 8 at once */
}

int sb_teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(live); i++) {
		if (live[i][0] == '\0')
			continue;
		struct brig_err e = { 0 };
		(void)brig_rm_rf(AT_FDCWD, live[i], &e);
		brig_err_clear(&e);
		live[i][0] = '\0';
	}
	return 0;
}

void sb_init(struct sandbox *s)
{
	memset(s, 0, sizeof(*s));
	(void)snprintf(s->top, sizeof(s->top), "/tmp/brig-layer-XXXXXX");
	assert_non_null(mkdtemp(s->top));
	live_set(s->top, true);
	s->topfd = open(s->top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(s->topfd >= 0);
	assert_int_equal(mkdirat(s->topfd, "etc", 0755), 0);
	assert_int_equal(mkdirat(s->topfd, "secret", 0700), 0);
	assert_int_equal(mkdirat(s->topfd, "x", 0755), 0);
	assert_int_equal(mkdirat(s->topfd, "x/dest", 0755), 0);
	put(s->topfd, "etc/passwd", "root:x:0:0:marker\n");
	put(s->topfd, "etc/shadow", "root:*:marker\n");
	put(s->topfd, "secret/key", "marker key\n");
	put(s->topfd, "x/sibling", "marker sibling\n");
	s->destfd = openat(s->topfd, "x/dest", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(s->destfd >= 0);
	s->before = marker_dump(s);
}

void sb_reset_dest(struct sandbox *s)
{
	struct brig_err e = { 0 };
	int dup = fcntl(s->destfd, F_DUPFD_CLOEXEC, 3);
	DIR *d = fdopendir(dup);
	assert_non_null(d);
	rewinddir(d);
	struct dirent *de;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			assert_int_equal(brig_rm_rf(s->destfd, de->d_name, &e), 0);
	(void)closedir(d);
}

/* Every inode in the dump `marker` ("ino=D:I"), checked against dest. */
static void check_inodes(int dirfd, const char *marker)
{
	int dup = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
	DIR *d = fdopendir(dup);
	assert_non_null(d);
	rewinddir(d);
	struct dirent *de;
	struct stat root;
	assert_int_equal(fstat(dirfd, &root), 0);
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		char key[64];
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		assert_int_equal(fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW), 0);
		assert_int_equal(st.st_dev, root.st_dev); /* nothing mounted */
		(void)snprintf(key, sizeof(key), " ino=%lu:%lu", (unsigned long)st.st_dev,
			       (unsigned long)st.st_ino);
		if (strstr(marker, key))
			fail_msg("dest/%s shares an inode with the marker tree", de->d_name);
		(void)snprintf(key, sizeof(key), " ino=%lu ", (unsigned long)st.st_ino);
		if (strstr(marker, key))
			fail_msg("dest/%s shares an inode with a host file", de->d_name);
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd, de->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			assert_true(sub >= 0);
			check_inodes(sub, marker);
			(void)close(sub);
		}
	}
	(void)closedir(d);
}

void sb_check_and_free(struct sandbox *s)
{
	char *after = marker_dump(s);
	assert_string_equal(s->before, after);
	check_inodes(s->destfd, s->before);
	free(after);
	free(s->before);
	(void)close(s->destfd);
	(void)close(s->topfd);
	struct brig_err e = { 0 };
	assert_int_equal(brig_rm_rf(AT_FDCWD, s->top, &e), 0);
	live_set(s->top, false);
}

int unpack_buf(struct sandbox *s, const struct buf *b, const struct img_unpack_opts *o,
	       struct img_unpack_result *res, struct brig_err *e)
{
	int fd = memfd_of(b->p, b->len);
	int r = img_layer_unpack(fd, s->destfd, o, res, e);
	(void)close(fd);
	return r;
}
