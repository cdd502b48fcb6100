/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness: every input is an image layer (tar, tar.gz, tar.zst or
 * anything else), unpacked with img_layer_unpack into a scratch directory.
 *
 * Once per process a tree is made under /tmp (removed at exit):
 *   BASE/dest/            the destination, emptied after every input
 *   BASE/marker/secret    a file beside it, reached by "../marker/secret"
 *   BASE/marker/sub/      and a directory
 * After every input the harness aborts when anything outside dest changed:
 * BASE and marker hold the same entries, and BASE, marker, secret and sub
 * keep their inode, owner, mode, link count, size, mtime and ctime (a hard
 * link, chmod, chown, write or new entry changes one of those).
 *
 * It also checks the result: an error is negative and recorded; a
 * success read the whole input (digest = sha256 of the input), respects the
 * limits given, and for an uncompressed layer digest = diff_id.
 * The options vary with the input's length (bit 0: apply_whiteouts, bit 1:
 * overlay_userxattr), so both whiteout modes get exercised.
 *
 * As root, owners from the layer are applied; otherwise chown fails and the
 * unpack reports an error, which is a fine outcome here.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "image/layer/layer.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ENTRIES 2000
#define MAX_TOTAL (8ULL << 20)
#define MAX_RATIO 100
/* Directories deeper than this are not made writable for a non-root
 * cleanup (a layer could nest thousands). */
#define FIXUP_DEPTH 256

#define CHECK(x)                                                                             \
	do {                                                                                 \
		if (!(x)) {                                                                  \
			fprintf(stderr, "fuzz_layer: %s failed at line %d\n", #x, __LINE__); \
			abort();                                                             \
		}                                                                            \
	} while (0)

/* What must not change outside dest. */
static const char *const watched[] = { ".", "marker", "marker/secret", "marker/sub" };

static struct {
	char base[PATH_MAX];
	int basefd; /* O_PATH */
	int destfd; /* O_RDONLY: fchmod and getdents work whatever its mode */
	int memfd;
	bool root;
	struct stat snap[BRIG_ARRAY_SIZE(watched)];
} S = { .basefd = -1, .destfd = -1, .memfd = -1 };

static size_t count_entries(const char *path)
{
	int fd = openat(S.basefd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	CHECK(fd >= 0);
	DIR *d = fdopendir(fd);
	CHECK(d);
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void take_snapshot(struct stat *out)
{
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(watched); i++)
		CHECK(fstatat(S.basefd, watched[i], &out[i], AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) ==
		      0);
}

static bool same_time(struct timespec a, struct timespec b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

static void check_outside(void)
{
	struct stat now[BRIG_ARRAY_SIZE(watched)];
	take_snapshot(now);
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(watched); i++) {
		const struct stat *a = &S.snap[i], *b = &now[i];
		if (a->st_ino != b->st_ino || a->st_dev != b->st_dev || a->st_mode != b->st_mode ||
		    a->st_uid != b->st_uid || a->st_gid != b->st_gid ||
		    a->st_nlink != b->st_nlink || a->st_size != b->st_size ||
		    !same_time(a->st_mtim, b->st_mtim) || !same_time(a->st_ctim, b->st_ctim)) {
			fprintf(stderr, "fuzz_layer: %s/%s changed: the layer escaped\n", S.base,
				watched[i]);
			abort();
		}
	}
	if (count_entries(".") != 2 || count_entries("marker") != 2) {
		fprintf(stderr, "fuzz_layer: new entries beside dest: the layer escaped\n");
		abort();
	}
}

static void cleanup(void)
{
	struct brig_err e = { 0 };
	if (S.base[0])
		(void)brig_rm_rf(AT_FDCWD, S.base, &e);
	brig_err_clear(&e);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	struct brig_err e = { 0 };
	char tmpl[] = "/tmp/brig-fuzz-layer-XXXXXX";
	/* Notes about skipped entries are expected: keep stderr quiet. */
	CHECK(brig_log_setup(STDERR_FILENO, BRIG_LOG_ERROR, BRIG_LOG_TEXT, &e) == 0);
	CHECK(mkdtemp(tmpl));
	CHECK(realpath(tmpl, S.base));
	atexit(cleanup);
	S.root = geteuid() == 0;
	S.basefd = open(S.base, O_PATH | O_DIRECTORY | O_CLOEXEC);
	CHECK(S.basefd >= 0);
	CHECK(mkdirat(S.basefd, "dest", 0755) == 0);
	CHECK(mkdirat(S.basefd, "marker", 0755) == 0);
	CHECK(mkdirat(S.basefd, "marker/sub", 0755) == 0);
	int fd = openat(S.basefd, "marker/secret", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	CHECK(fd >= 0);
	CHECK(brig_write_all(fd, "secret\n", 7) == 0);
	close(fd);
	S.destfd = openat(S.basefd, "dest", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(S.destfd >= 0);
	S.memfd = memfd_create("brig-fuzz-layer", MFD_CLOEXEC);
	CHECK(S.memfd >= 0);
	take_snapshot(S.snap);
	brig_err_clear(&e);
	return 0;
}

/* Without privilege a directory the layer made 0000 cannot be emptied:
 * make directories writable (not following symlinks) before removing. */
static void make_removable(int dir, int depth)
{
	if (depth > FIXUP_DEPTH)
		return;
	int fd = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	DIR *d = fdopendir(fd);
	CHECK(d);
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode))
			continue;
		int sub = openat(dirfd(d), de->d_name,
				 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0 && fchmodat(dirfd(d), de->d_name, 0700, 0) == 0)
			sub = openat(dirfd(d), de->d_name,
				     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			continue;
		(void)fchmod(sub, 0700);
		make_removable(sub, depth + 1);
		close(sub);
	}
	closedir(d);
}

/* Back to an empty dest with mode 0755 and no xattrs. */
static void empty_dest(void)
{
	struct brig_err e = { 0 };
	char names[4096];
	CHECK(fchmod(S.destfd, 0755) == 0);
	ssize_t n = flistxattr(S.destfd, names, sizeof(names));
	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(names + i) + 1)
		(void)fremovexattr(S.destfd, names + i);
	if (!S.root)
		make_removable(S.destfd, 0);
	int fd = openat(S.destfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(fd >= 0);
	DIR *d = fdopendir(fd);
	CHECK(d);
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (brig_rm_rf(dirfd(d), de->d_name, &e) < 0) {
			fprintf(stderr, "fuzz_layer: emptying dest: %s\n", brig_err_str(&e));
			abort();
		}
	}
	closedir(d);
	CHECK(count_entries("dest") == 0);
	brig_err_clear(&e);
}

static void check_result(const uint8_t *data, size_t size, const struct img_unpack_result *res)
{
	char hex[BRIG_SHA256_HEX], want[IMG_DIGEST_LEN];
	CHECK(brig_sha256_buf(data, size, hex) == 0);
	CHECK(brig_snprintf(want, sizeof(want), "sha256:%s", hex) > 0);
	CHECK(res->compressed_bytes == size);
	CHECK(strcmp(res->digest, want) == 0);
	CHECK(brig_digest_valid(res->diff_id));
	if (res->compression == IMG_COMP_NONE)
		CHECK(strcmp(res->digest, res->diff_id) == 0 && res->tar_bytes == size);
	CHECK(res->entries <= MAX_ENTRIES);
	CHECK(res->tar_bytes <= MAX_TOTAL);
	CHECK(res->files + res->dirs + res->symlinks + res->hardlinks + res->fifos + res->devices <=
	      res->entries);
	CHECK(res->devices == 0); /* allow_devices is off */
	size_t notes = brig_strv_len(res->notes);
	CHECK(notes <= IMG_LAYER_MAX_NOTES && notes <= res->warnings);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct brig_err e = { 0 };
	struct img_unpack_result res;
	struct img_unpack_opts o = {
		.max_entries = MAX_ENTRIES,
		.max_total_bytes = MAX_TOTAL,
		.max_ratio = MAX_RATIO,
		.max_file_size = MAX_TOTAL,
		.apply_whiteouts = size & 1,
		.overlay_userxattr = size & 2,
	};
	if (size > MAX_TOTAL)
		return 0;
	CHECK(ftruncate(S.memfd, 0) == 0);
	CHECK(pwrite(S.memfd, data, size, 0) == (ssize_t)size);
	CHECK(lseek(S.memfd, 0, SEEK_SET) == 0);

	int r = img_layer_unpack(S.memfd, S.destfd, &o, &res, &e);
	if (r < 0) {
		CHECK(e.code == r);
		const char *s = brig_err_str(&e);
		CHECK(s && s[0]);
	} else {
		CHECK(r == 0);
		check_result(data, size, &res);
	}
	img_unpack_result_clear(&res);
	brig_err_clear(&e);
	check_outside();
	empty_dest();
	check_outside();
	return 0;
}
