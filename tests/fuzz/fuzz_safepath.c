/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness: every input is a path resolved inside a hostile root.
 *
 * Once per process a tree is built under /tmp (removed at exit):
 *   BASE/outside/secret        marker outside the root
 *   BASE/root/...              directories, files and symlinks that try every
 *                              way out: "..", "/", "/proc/self/...", loops,
 *                              long chains, dangling links
 *   BASE/root/proc             a bind mount of /proc
 * (When we may mount, BASE is a tmpfs in a private mount namespace of this
 * process, and the proc mount exists only there.)
 * Each input is resolved in both modes (openat2 and the fallback walk) with
 * several open flags, through brig_open_in_root, brig_mkdir_in_root and
 * brig_open_parent_in_root.  The harness aborts when an fd is outside the
 * root, and when both modes open something but not the same thing.
 * What an input creates is removed before the next one.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "common/common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct {
	char base[PATH_MAX];
	char root[PATH_MAX];
	int rootfd;
	int outfd;
	bool tmpfs;
	bool proc_mounted;
	bool dirty;
	struct stat secret;
} S = { .rootfd = -1, .outfd = -1 };

#define CHECK(x)                                                                                \
	do {                                                                                    \
		if (!(x)) {                                                                     \
			fprintf(stderr, "fuzz_safepath: %s failed at line %d\n", #x, __LINE__); \
			abort();                                                                \
		}                                                                               \
	} while (0)

static void put_file(const char *path, const char *content)
{
	int fd = openat(S.rootfd, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	CHECK(fd >= 0);
	CHECK(brig_write_all(fd, content, strlen(content)) == 0);
	close(fd);
}

static void build_tree(void)
{
	static const char *const links[][2] = {
		{ "/etc", "abs_etc" },
		{ "/", "root_link" },
		{ "../../../../../../../../..", "climb" },
		{ "../../../../../../..", "a/b/up" },
		{ "../outside", "out_rel" },
		{ "loop2", "loop1" },
		{ "loop1", "loop2" },
		{ "self", "self" },
		{ "/proc/self/root", "proc_root" },
		{ "/proc/self/cwd", "proc_cwd" },
		{ "/proc/thread-self/root/etc", "proc_thread" },
		{ "/nonexistent/deeper", "dangling" },
		{ "../../made_here", "a/b/dangling_rel" },
		{ "passwd/", "etc/passwd_slash" },
		{ "./././a/./b/../b/c", "dots" },
	};
	struct brig_err e = { 0 };
	char p[PATH_MAX], t[PATH_MAX];
	CHECK(brig_mkdir_p(S.rootfd, "a/b/c", 0755, &e) == 0);
	CHECK(brig_mkdir_p(S.rootfd, "etc", 0755, &e) == 0);
	CHECK(brig_mkdir_p(S.rootfd, "outside", 0755, &e) == 0);
	CHECK(brig_mkdir_p(S.rootfd, "chain", 0755, &e) == 0);
	/* Absolute host paths land here: the marker's "mirror". */
	CHECK(brig_snprintf(p, sizeof(p), "%s/outside", S.base + 1) > 0);
	CHECK(brig_mkdir_p(S.rootfd, p, 0755, &e) == 0);
	CHECK(brig_snprintf(p, sizeof(p), "%s/outside/secret", S.base + 1) > 0);
	put_file(p, "mirror");
	put_file("etc/passwd", "inside");
	put_file("outside/secret", "clamped");
	put_file("a/b/c/file", "deep");
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(links); i++)
		CHECK(symlinkat(links[i][0], S.rootfd, links[i][1]) == 0);
	CHECK(brig_snprintf(t, sizeof(t), "%s/outside", S.base) > 0);
	CHECK(symlinkat(t, S.rootfd, "out_abs") == 0);
	CHECK(brig_snprintf(t, sizeof(t), "/proc/self/fd/%d", S.outfd) > 0);
	CHECK(symlinkat(t, S.rootfd, "proc_fd") == 0);
	for (int i = 0; i <= 41; i++) { /* c0 needs 42 links, c2 needs 40 */
		CHECK(brig_snprintf(p, sizeof(p), "chain/c%d", i) > 0);
		if (i == 41)
			CHECK(brig_snprintf(t, sizeof(t), "/etc/passwd") > 0);
		else
			CHECK(brig_snprintf(t, sizeof(t), "c%d", i + 1) > 0);
		CHECK(symlinkat(t, S.rootfd, p) == 0);
	}
	brig_err_clear(&e);
}

/* Inodes of the tree as built: anything else was created by an input. */
static struct {
	ino_t ino[512];
	size_t n;
	dev_t dev;
} known;

static bool is_known(ino_t ino)
{
	for (size_t i = 0; i < known.n; i++)
		if (known.ino[i] == ino)
			return true;
	return false;
}

/* Record the tree beneath dir, or with prune remove what is not recorded. */
static void walk_tree(int dir, bool prune)
{
	struct brig_err e = { 0 };
	int fd = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(fd >= 0);
	DIR *d = fdopendir(fd);
	CHECK(d);
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		CHECK(fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0);
		if (st.st_dev != known.dev)
			continue; /* the proc mount */
		if (!prune) {
			CHECK(known.n < BRIG_ARRAY_SIZE(known.ino));
			known.ino[known.n++] = st.st_ino;
		} else if (!is_known(st.st_ino)) {
			if (brig_rm_rf(dirfd(d), de->d_name, &e) < 0) {
				fprintf(stderr, "fuzz_safepath: %s\n", brig_err_str(&e));
				abort();
			}
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd(d), de->d_name,
					 O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			CHECK(sub >= 0);
			walk_tree(sub, prune);
			close(sub);
		}
	}
	closedir(d);
	brig_err_clear(&e);
}

static void cleanup(void)
{
	struct brig_err e = { 0 };
	char p[PATH_MAX];
	if (S.proc_mounted && brig_snprintf(p, sizeof(p), "%s/proc", S.root) > 0)
		(void)umount2(p, MNT_DETACH);
	if (S.tmpfs)
		(void)umount2(S.base, MNT_DETACH);
	if (S.base[0])
		(void)brig_rm_rf(AT_FDCWD, S.base, &e);
	brig_err_clear(&e);
}

/* With privilege: a private mount namespace, the whole tree on a tmpfs
 * (fast to change, gone with the process), and a real procfs in the root
 * so that magic links exist. */
static void private_mounts(void)
{
	if (unshare(CLONE_NEWNS) < 0)
		return;
	CHECK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0);
	if (mount("brig-fuzz", S.base, "tmpfs", MS_NOSUID | MS_NODEV, "size=64m") == 0)
		S.tmpfs = true;
}

static void mount_proc(void)
{
	char p[PATH_MAX];
	if (!S.tmpfs)
		return;
	CHECK(brig_snprintf(p, sizeof(p), "%s/proc", S.root) > 0);
	CHECK(mkdir(p, 0755) == 0);
	if (mount("/proc", p, NULL, MS_BIND | MS_REC, NULL) == 0)
		S.proc_mounted = true;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	char tmpl[] = "/tmp/brig-fuzz-safepath-XXXXXX", p[PATH_MAX];
	CHECK(mkdtemp(tmpl));
	CHECK(realpath(tmpl, S.base));
	atexit(cleanup);
	private_mounts();
	CHECK(brig_snprintf(S.root, sizeof(S.root), "%s/root", S.base) > 0);
	CHECK(brig_snprintf(p, sizeof(p), "%s/outside", S.base) > 0);
	CHECK(mkdir(S.root, 0755) == 0 && mkdir(p, 0755) == 0);
	S.outfd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
	CHECK(S.outfd >= 0);
	int fd = openat(S.outfd, "secret", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	CHECK(fd >= 0 && fstat(fd, &S.secret) == 0);
	close(fd);
	mount_proc();
	/* Opened after the mounts: an fd from before sees the old namespace. */
	S.rootfd = open(S.root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	CHECK(S.rootfd >= 0);
	build_tree();
	struct stat st;
	CHECK(fstat(S.rootfd, &st) == 0);
	known.dev = st.st_dev;
	walk_tree(S.rootfd, false);
	return 0;
}

static void check_inside(int fd, const char *path)
{
	struct stat st;
	char p[PATH_MAX];
	size_t rl = strlen(S.root);
	CHECK(fstat(fd, &st) == 0);
	bool bad = st.st_dev == S.secret.st_dev && st.st_ino == S.secret.st_ino;
	if (!bad && brig_fd_path(fd, p, sizeof(p)) == 0)
		bad = strncmp(p, S.root, rl) != 0 || (p[rl] != '/' && p[rl] != '\0');
	if (bad) {
		fprintf(stderr, "fuzz_safepath: '%s' escaped the root\n", path);
		abort();
	}
}

/* Resolve in both modes; both results are checked, and compared. */
static void resolve_both(const char *path, int oflags, unsigned flags)
{
	struct stat st[2];
	int fds[2];
	for (int m = 0; m < 2; m++) {
		struct brig_err e = { 0 };
		unsigned f = flags | (m ? BRIG_RESOLVE_FORCE_FALLBACK : 0);
		fds[m] = brig_open_in_root(S.rootfd, path, oflags, 0600, f, &e);
		if (fds[m] >= 0) {
			check_inside(fds[m], path);
			CHECK(fstat(fds[m], &st[m]) == 0);
			close(fds[m]);
			if (oflags & O_CREAT)
				S.dirty = true;
		} else {
			CHECK(e.code == fds[m]);
		}
		brig_err_clear(&e);
	}
	if (fds[0] >= 0 && fds[1] >= 0 && !(oflags & O_EXCL) &&
	    (st[0].st_dev != st[1].st_dev || st[0].st_ino != st[1].st_ino)) {
		fprintf(stderr, "fuzz_safepath: modes disagree on '%s'\n", path);
		abort();
	}
}

static void other_entry_points(const char *path)
{
	char base[NAME_MAX + 1];
	for (int m = 0; m < 2; m++) {
		struct brig_err e = { 0 };
		unsigned f = m ? BRIG_RESOLVE_FORCE_FALLBACK : 0;
		int fd = brig_open_parent_in_root(S.rootfd, path, base, f, &e);
		if (fd >= 0) {
			check_inside(fd, path);
			close(fd);
			CHECK(base[0] && !strchr(base, '/') && strcmp(base, ".") &&
			      strcmp(base, ".."));
		}
		fd = brig_mkdir_in_root(S.rootfd, path, 0755, f, &e);
		if (fd >= 0) {
			check_inside(fd, path);
			close(fd);
			S.dirty = true;
		}
		brig_err_clear(&e);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[PATH_MAX + 64];
	if (size >= sizeof(path))
		return 0;
	memcpy(path, data, size);
	path[size] = '\0'; /* the path is what precedes a NUL */
	if (S.dirty) {
		walk_tree(S.rootfd, true);
		S.dirty = false;
	}
	resolve_both(path, O_PATH, 0);
	resolve_both(path, O_PATH, BRIG_RESOLVE_NOFOLLOW_LAST);
	resolve_both(path, O_PATH | O_DIRECTORY, 0);
	resolve_both(path, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0);
	resolve_both(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0);
	/* Creation: only below the root; never inside /proc. */
	if (!S.proc_mounted || !strstr(path, "proc"))
		resolve_both(path, O_WRONLY | O_CREAT | O_EXCL | O_NOCTTY, 0);
	if (!S.proc_mounted || !strstr(path, "proc"))
		other_entry_points(path);
	return 0;
}
