/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig_open_in_root & friends against a hostile tree, in both resolver modes
 * (openat2 and the component walk).  The fixture is
 *
 *   BASE/outside/secret          the marker no resolution may ever reach
 *   BASE/root/                   the root handed to the resolver
 *   BASE/root/etc/passwd
 *   BASE/root/outside/secret     where "../outside" lands when clamped
 *   BASE/root<BASE>/outside/secret  the "mirror": where absolute paths that
 *                                name the host marker land inside the root
 *
 * plus symlinks that try every known way out.  Every successful fd is checked
 * to be beneath the root (by its /proc path) and never the outside marker
 * (by device and inode).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "common/common.h"
#include "tests/unit/testutil.h"

static const unsigned modes[] = { 0, BRIG_RESOLVE_FORCE_FALLBACK };

static struct {
	char base[PATH_MAX];
	char root[PATH_MAX];
	char outside[PATH_MAX];
	int rootfd;
	int outfd;
	struct stat secret; /* BASE/outside/secret */
	struct stat mirror; /* ROOT<BASE>/outside/secret */
	struct stat passwd; /* ROOT/etc/passwd */
	struct stat rootst;
	struct stat clamped; /* ROOT/outside/secret */
	struct stat mirrordir; /* ROOT<BASE>/outside */
	struct stat etc; /* ROOT/etc */
	bool proc_mounted;
} F = { .rootfd = -1, .outfd = -1 };

static void put_file(int dirfd, const char *path, const char *content)
{
	int fd = openat(dirfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(brig_write_all(fd, content, strlen(content)), 0);
	close(fd);
}

static void put_link(const char *target, const char *path)
{
	assert_int_equal(symlinkat(target, F.rootfd, path), 0);
}

static void stat_at(int dirfd, const char *path, struct stat *st)
{
	assert_int_equal(fstatat(dirfd, path, st, AT_SYMLINK_NOFOLLOW), 0);
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* The concrete "never outside" check applied to every fd we get back. */
static void assert_inside(int fd)
{
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	assert_false(same_file(&st, &F.secret));
	char p[PATH_MAX];
	assert_int_equal(brig_fd_path(fd, p, sizeof(p)), 0);
	size_t rl = strlen(F.root);
	if (strcmp(p, F.root) != 0) {
		if (strncmp(p, F.root, rl) != 0 || p[rl] != '/')
			fail_msg("fd resolved outside the root: %s", p);
	}
}

/* Resolve and, on success, check containment.  Returns fd or -errno. */
static int res(const char *path, int oflags, unsigned flags)
{
	struct brig_err e = { 0 };
	int fd = brig_open_in_root(F.rootfd, path, oflags, 0644, flags, &e);
	if (fd >= 0) {
		assert_int_equal(e.code, 0);
		assert_inside(fd);
	} else {
		assert_int_equal(e.code, fd);
		assert_non_null(strstr(brig_err_str(&e), path));
	}
	brig_err_clear(&e);
	return fd;
}

/* Resolve path and require it to be the file want. */
static void expect_file(const char *path, int oflags, unsigned flags, const struct stat *want)
{
	int fd = res(path, oflags, flags);
	if (fd < 0)
		fail_msg("%s (mode %u): %s", path, flags, strerror(-fd));
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	if (!same_file(&st, want))
		fail_msg("%s (mode %u) resolved to the wrong file", path, flags);
	close(fd);
}

static void expect_err(const char *path, int oflags, unsigned flags, int err)
{
	int fd = res(path, oflags, flags);
	if (fd >= 0) {
		close(fd);
		fail_msg("%s (mode %u): expected %s, got an fd", path, flags, strerror(err));
	}
	if (fd != -err)
		fail_msg("%s (mode %u): expected %s, got %s", path, flags, strerror(err),
			 strerror(-fd));
}

/* Either refused or resolved to want (never the outside marker). */
static void expect_file_or_err(const char *path, unsigned flags, const struct stat *want)
{
	int fd = res(path, O_RDONLY, flags);
	if (fd < 0)
		return;
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(same_file(&st, want));
	close(fd);
}

#define FMT(buf, ...) assert_true(brig_snprintf(buf, sizeof(buf), __VA_ARGS__) >= 0)

static char *cat(char *buf, size_t size, const char *a, const char *b)
{
	assert_true(brig_snprintf(buf, size, "%s%s", a, b) >= 0);
	return buf;
}

static void reopen_root(void)
{
	close(F.rootfd);
	F.rootfd = open(F.root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(F.rootfd >= 0);
}

static int setup(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	char tmpl[] = "/tmp/brig-safepath-XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	assert_non_null(realpath(tmpl, F.base));
	cat(F.root, sizeof(F.root), F.base, "/root");
	cat(F.outside, sizeof(F.outside), F.base, "/outside");
	assert_int_equal(mkdir(F.root, 0755), 0);
	assert_int_equal(mkdir(F.outside, 0755), 0);
	put_file(AT_FDCWD, cat((char[PATH_MAX]){ 0 }, PATH_MAX, F.outside, "/secret"), "OUTSIDE");
	F.rootfd = open(F.root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	F.outfd = open(F.outside, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(F.rootfd >= 0 && F.outfd >= 0);

	assert_int_equal(brig_mkdir_p(F.rootfd, "etc", 0755, &e), 0);
	assert_int_equal(brig_mkdir_p(F.rootfd, "a/b/c", 0755, &e), 0);
	assert_int_equal(brig_mkdir_p(F.rootfd, "outside", 0755, &e), 0);
	assert_int_equal(brig_mkdir_p(F.rootfd, "chain", 0755, &e), 0);
	assert_int_equal(brig_mkdir_p(F.rootfd, F.outside + 1, 0755, &e), 0);
	put_file(F.rootfd, "etc/passwd", "INSIDE");
	put_file(F.rootfd, "outside/secret", "CLAMPED");
	char mirror[PATH_MAX];
	put_file(F.rootfd, cat(mirror, sizeof(mirror), F.outside + 1, "/secret"), "MIRROR");

	put_link("/etc", "abs_etc");
	put_link("../../../../../../../../", "climb");
	put_link("../../../../../../../../../", "a/b/climb");
	put_link("../outside", "rel_outside");
	put_link(F.outside, "abs_outside");
	put_link("loop2", "loop1");
	put_link("loop1", "loop2");
	put_link("self", "self");
	put_link("/proc/self/root", "proc_root");
	put_link("/proc/self/cwd", "proc_cwd");
	char fdlink[64];
	FMT(fdlink, "/proc/self/fd/%d", F.outfd);
	put_link(fdlink, "proc_fd");
	/* chain/c0 -> c1 -> ... -> c40 -> /etc/passwd: c_i needs 41 - i links */
	for (int i = 0; i <= 40; i++) {
		char name[32], target[32];
		FMT(name, "chain/c%d", i);
		if (i == 40)
			FMT(target, "/etc/passwd");
		else
			FMT(target, "c%d", i + 1);
		put_link(target, name);
	}

	stat_at(AT_FDCWD, cat(mirror, sizeof(mirror), F.outside, "/secret"), &F.secret);
	stat_at(F.rootfd, cat(mirror, sizeof(mirror), F.outside + 1, "/secret"), &F.mirror);
	stat_at(F.rootfd, F.outside + 1, &F.mirrordir);
	stat_at(F.rootfd, "etc/passwd", &F.passwd);
	stat_at(F.rootfd, "etc", &F.etc);
	stat_at(F.rootfd, "outside/secret", &F.clamped);
	stat_at(F.rootfd, ".", &F.rootst);
	brig_err_clear(&e);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	close(F.rootfd);
	close(F.outfd);
	if (F.proc_mounted) {
		char p[PATH_MAX];
		FMT(p, "%s/proc", F.root);
		(void)umount2(p, MNT_DETACH);
	}
	int r = brig_rm_rf(AT_FDCWD, F.base, &e);
	if (r < 0)
		fprintf(stderr, "cleanup: %s\n", brig_err_str(&e));
	brig_err_clear(&e);
	return r < 0 ? -1 : 0;
}

static void test_openat2_present(void **state)
{
	(void)state;
	/* Otherwise "mode 0" below silently tests the fallback twice. */
	if (!brig_have_openat2())
		skip_because("this kernel has no openat2: only the fallback is tested");
	/* And mode 0 really resolves inside the root: ".." at the root's top
	 * stays there, so BASE/outside is the root's mirror, not the host's. */
	struct brig_err e = { 0 };
	char climb[PATH_MAX];
	(void)cat(climb, sizeof(climb), "../../../..", F.outside);
	int fd = brig_open_in_root(F.rootfd, climb, O_PATH | O_DIRECTORY, 0, 0, &e);
	assert_true(fd >= 0);
	struct stat st;
	int statr = fstatat(fd, "secret", &st, 0);
	assert_int_equal(statr, 0);
	assert_true(st.st_ino == F.mirror.st_ino && st.st_dev == F.mirror.st_dev);
	(void)close(fd);
	brig_err_clear(&e);
}

static void test_dotdot_chains(void **state)
{
	(void)state;
	for (size_t m = 0; m < BRIG_ARRAY_SIZE(modes); m++) {
		unsigned f = modes[m];
		expect_file("../../../../etc/passwd", O_RDONLY, f, &F.passwd);
		expect_file("/../../etc/passwd", O_RDONLY, f, &F.passwd);
		expect_file("a/b/c/../../../../../../etc/passwd", O_RDONLY, f, &F.passwd);
		expect_file("a/../../../outside/secret", O_RDONLY, f, &F.clamped);
		expect_file("a/../..", O_PATH | O_DIRECTORY, f, &F.rootst);
		expect_file("..", O_PATH | O_DIRECTORY, f, &F.rootst);
		expect_file("", O_PATH | O_DIRECTORY, f, &F.rootst);
		expect_file("/", O_RDONLY | O_DIRECTORY, f, &F.rootst);
	}
}

static void test_absolute_symlinks(void **state)
{
	(void)state;
	char p[PATH_MAX];
	for (size_t m = 0; m < BRIG_ARRAY_SIZE(modes); m++) {
		unsigned f = modes[m];
		expect_file("abs_etc", O_PATH | O_DIRECTORY, f, &F.etc);
		expect_file("abs_etc/passwd", O_RDONLY, f, &F.passwd);
		expect_file("a/../abs_etc/../etc/passwd", O_RDONLY, f, &F.passwd);
		/* A link naming the host marker lands on the mirror. */
		expect_file("abs_outside/secret", O_RDONLY, f, &F.mirror);
		expect_file(cat(p, sizeof(p), F.outside, "/secret"), O_RDONLY, f, &F.mirror);
	}
}

static void test_relative_climbing_symlinks(void **state)
{
	(void)state;
	char p[PATH_MAX];
	for (size_t m = 0; m < BRIG_ARRAY_SIZE(modes); m++) {
		unsigned f = modes[m];
		expect_file("climb", O_PATH | O_DIRECTORY, f, &F.rootst);
		expect_file("climb/etc/passwd", O_RDONLY, f, &F.passwd);
		expect_file("a/b/climb/etc/passwd", O_RDONLY, f, &F.passwd);
		expect_file("rel_outside/secret", O_RDONLY, f, &F.clamped);
		expect_file(cat(p, sizeof(p), "a/b/climb", F.outside), O_PATH | O_DIRECTORY, f,
			    &F.mirrordir);
	}
}

static void test_loops_and_long_chains(void **state)
{
	(void)state;
	for (size_t m = 0; m < BRIG_ARRAY_SIZE(modes); m++) {
		unsigned f = modes[m];
		expect_err("loop1", O_RDONLY, f, ELOOP);
		expect_err("loop2/x", O_RDONLY, f, ELOOP);
		expect_err("self", O_PATH, f, ELOOP);
		/* 40 links is the kernel's limit; 41 is one too many. */
		expect_file("chain/c1", O_RDONLY, f, &F.passwd);
		expect_err("chain/c0", O_RDONLY, f, ELOOP);
	}
}

static void proc_cases(bool mounted)
{
	char p[PATH_MAX];
	int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(cwd >= 0);
	/* Make /proc/self/cwd point at the outside directory. */
	assert_int_equal(fchdir(F.outfd), 0);
	const char *direct[] = { "proc/self/root", "proc/thread-self/root", "proc/1/root",
				 "proc/self/cwd/.." };
	for (size_t m = 0; m < BRIG_ARRAY_SIZE(modes); m++) {
		unsigned f = modes[m];
		bool kernel = !(f & BRIG_RESOLVE_FORCE_FALLBACK) && brig_have_openat2();
		FMT(p, "proc_root%s/secret", F.outside);
		expect_file_or_err(p, f, &F.mirror);
		FMT(p, "a/../proc_root/.%s/secret", F.outside);
		expect_file_or_err(p, f, &F.mirror);
		expect_file_or_err("proc_cwd/secret", f, &F.mirror);
		expect_file_or_err("proc_fd/secret", f, &F.mirror);
		char fdp[64];
		FMT(fdp, "proc/self/fd/%d/secret", F.outfd);
		expect_file_or_err(fdp, f, &F.mirror);
		for (size_t i = 0; i < BRIG_ARRAY_SIZE(direct); i++) {
			char q[PATH_MAX];
			FMT(q, "%s%s/secret", direct[i], F.outside);
			expect_file_or_err(q, f, &F.mirror);
		}
		if (mounted && kernel) {
			/* RESOLVE_NO_MAGICLINKS: refused outright. */
			expect_err("proc_cwd/secret", O_RDONLY, f, ELOOP);
			expect_err(fdp, O_RDONLY, f, ELOOP);
		}
		if (!mounted) {
			expect_err("proc_cwd/secret", O_RDONLY, f, ENOENT);
		}
	}
	assert_int_equal(fchdir(cwd), 0);
	close(cwd);
}

static void test_proc_magic_links_absent(void **state)
{
	(void)state;
	proc_cases(false);
}

static void test_proc_magic_links_mounted(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	/* A real procfs inside the root, as in a running container.  The
	 * mount lives in a private namespace of this test process only. */
	assert_int_equal(unshare(CLONE_NEWNS), 0);
	assert_int_equal(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	assert_int_equal(mkdirat(F.rootfd, "proc", 0755), 0);
	char p[PATH_MAX];
	cat(p, sizeof(p), F.root, "/proc");
	assert_int_equal(mount("/proc", p, NULL, MS_BIND | MS_REC, NULL), 0);
	F.proc_mounted = true;
	/* The old root fd belongs to the old namespace's mount: reopen. */
	reopen_root();
	proc_cases(true);
	assert_int_equal(umount2(p, MNT_DETACH), 0);
	F.proc_mounted = false;
	assert_int_equal(unlinkat(F.rootfd, "proc", AT_REMOVEDIR), 0);
}

static void test_nofollow_last(void **state)
{
	(void)state;
	struct stat link;
	stat_at(F.rootfd, "abs_etc", &link);
	for (size_t m = 0; m < BRIG_ARRAY_SIZE(modes); m++) {
		unsigned f = modes[m];
		unsigned nf = f | BRIG_RESOLVE_NOFOLLOW_LAST;
		/* O_PATH gets the link itself, still relative to the root. */
		int fd = res("abs_etc", O_PATH, nf);
		assert_true(fd >= 0);
		struct stat st;
		assert_int_equal(fstat(fd, &st), 0);
		assert_true(S_ISLNK(st.st_mode));
		assert_true(same_file(&st, &link));
		char t[64] = "";
		assert_int_equal(readlinkat(fd, "", t, sizeof(t) - 1), 4);
		assert_string_equal(t, "/etc");
		close(fd);
		expect_err("abs_etc", O_RDONLY, nf, ELOOP);
		expect_err("abs_outside", O_RDONLY | O_DIRECTORY, nf, ENOTDIR);
		/* The caller's own O_NOFOLLOW means the same in both modes. */
		expect_err("abs_etc", O_RDONLY | O_NOFOLLOW, f, ELOOP);
		expect_file("abs_etc", O_PATH | O_NOFOLLOW, f, &link);
		/* Only the last component is affected. */
		expect_file("abs_etc/passwd", O_RDONLY, nf, &F.passwd);
		expect_file("climb/etc/passwd", O_RDONLY, nf, &F.passwd);
		/* A trailing slash asks for the directory: the link is followed. */
		expect_file("abs_etc/", O_PATH, nf, &F.etc);
	}
}

static mode_t current_umask(void)
{
	mode_t m = umask(022);
	umask(m);
	return m;
}

static void test_creat_through_dangling_links(void **state)
{
	(void)state;
	char target[PATH_MAX], name[64], p[PATH_MAX];
	for (size_t m = 0; m < BRIG_ARRAY_SIZE(modes); m++) {
		unsigned f = modes[m];
		/* Absolute dangling link naming a host path beside the marker. */
		FMT(name, "dangle_abs%zu", m);
		FMT(target, "%s/created%zu", F.outside, m);
		put_link(target, name);
		int fd = res(name, O_WRONLY | O_CREAT, f);
		assert_true(fd >= 0);
		struct stat st, in;
		assert_int_equal(fstat(fd, &st), 0);
		close(fd);
		stat_at(F.rootfd, target + 1, &in);
		assert_true(same_file(&st, &in));
		assert_int_equal(fstatat(AT_FDCWD, target, &st, 0), -1);
		assert_int_equal(errno, ENOENT);

		/* Relative dangling link climbing out. */
		FMT(name, "a/b/dangle_rel%zu", m);
		FMT(target, "../../../../../../outside/made%zu", m);
		put_link(target, name);
		fd = res(name, O_WRONLY | O_CREAT | O_TRUNC, f);
		assert_true(fd >= 0);
		assert_int_equal(fstat(fd, &st), 0);
		close(fd);
		FMT(p, "outside/made%zu", m);
		stat_at(F.rootfd, p, &in);
		assert_true(same_file(&st, &in));
		FMT(p, "%s/made%zu", F.outside, m);
		assert_int_equal(access(p, F_OK), -1);

		/* O_EXCL never follows a final symlink (kernel semantics). */
		FMT(name, "dangle_excl%zu", m);
		FMT(target, "/excl%zu", m);
		put_link(target, name);
		expect_err(name, O_WRONLY | O_CREAT | O_EXCL, f, EEXIST);
		assert_int_equal(faccessat(F.rootfd, target + 1, F_OK, 0), -1);
		/* New file in an existing directory; then O_EXCL on it. */
		FMT(name, "abs_etc/new%zu", m);
		fd = res(name, O_RDWR | O_CREAT | O_EXCL, f);
		assert_true(fd >= 0);
		close(fd);
		FMT(p, "etc/new%zu", m);
		assert_int_equal(faccessat(F.rootfd, p, F_OK, AT_SYMLINK_NOFOLLOW), 0);
		expect_err(name, O_RDWR | O_CREAT | O_EXCL, f, EEXIST);
		/* File-type bits in mode are ignored, as open(2) does. */
		struct brig_err e = { 0 };
		FMT(name, "etc/typed%zu", m);
		fd = brig_open_in_root(F.rootfd, name, O_WRONLY | O_CREAT | O_EXCL, S_IFREG | 0600,
				       f, &e);
		assert_true(fd >= 0);
		assert_int_equal(fstat(fd, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0600 & ~current_umask());
		close(fd);
		brig_err_clear(&e);
		/* A missing intermediate directory is not created. */
		expect_err("nodir/x", O_WRONLY | O_CREAT, f, ENOENT);
	}
}

static void test_trailing_slash_and_types(void **state)
{
	(void)state;
	for (size_t m = 0; m < BRIG_ARRAY_SIZE(modes); m++) {
		unsigned f = modes[m];
		expect_err("etc/passwd/", O_RDONLY, f, ENOTDIR);
		expect_err("etc/passwd/x", O_RDONLY, f, ENOTDIR);
		expect_err("etc/passwd", O_RDONLY | O_DIRECTORY, f, ENOTDIR);
		expect_err("etc/passwd/..", O_PATH, f, ENOTDIR);
		expect_file("etc//passwd", O_RDONLY, f, &F.passwd);
		expect_file("./etc/./passwd", O_RDONLY, f, &F.passwd);
		expect_file("etc/", O_PATH | O_DIRECTORY, f, &F.etc);
		expect_err("missing", O_RDONLY, f, ENOENT);
	}
}

static void test_name_limits(void **state)
{
	(void)state;
	char longname[NAME_MAX + 2];
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	static char longpath[PATH_MAX + 16];
	for (size_t i = 0; i + 2 < sizeof(longpath); i += 2)
		memcpy(longpath + i, "./", 2);
	longpath[sizeof(longpath) - 2] = 'x';
	longpath[sizeof(longpath) - 1] = '\0';
	for (size_t m = 0; m < BRIG_ARRAY_SIZE(modes); m++) {
		unsigned f = modes[m];
		expect_err(longname, O_RDONLY, f, ENAMETOOLONG);
		expect_err(longpath, O_RDONLY, f, ENAMETOOLONG);
	}
}

static void expect_dir_at(int fd, const char *rel)
{
	struct stat a, b;
	assert_true(fd >= 0);
	assert_inside(fd);
	assert_int_equal(fstat(fd, &a), 0);
	assert_true(S_ISDIR(a.st_mode));
	stat_at(F.rootfd, rel, &b);
	if (!same_file(&a, &b))
		fail_msg("directory fd is not ROOT/%s", rel);
}

static void test_mkdir_in_root(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	char p[PATH_MAX], rel[PATH_MAX];
	put_link("/nonexistent/deeper", "dangle_dir");
	for (size_t m = 0; m < BRIG_ARRAY_SIZE(modes); m++) {
		unsigned f = modes[m];
		FMT(p, "abs_outside/mk%zu/sub", m);
		int fd = brig_mkdir_in_root(F.rootfd, p, 0755, f, &e);
		FMT(rel, "%s/mk%zu/sub", F.outside + 1, m);
		expect_dir_at(fd, rel);
		close(fd);
		FMT(p, "%s/mk%zu", F.outside, m);
		assert_int_equal(access(p, F_OK), -1);

		FMT(p, "climb/up%zu/../../../../again%zu", m, m);
		fd = brig_mkdir_in_root(F.rootfd, p, 0755, f, &e);
		FMT(rel, "again%zu", m);
		expect_dir_at(fd, rel);
		close(fd);

		/* Existing directory: just opened. */
		fd = brig_mkdir_in_root(F.rootfd, "abs_etc", 0755, f, &e);
		expect_dir_at(fd, "etc");
		close(fd);
		fd = brig_mkdir_in_root(F.rootfd, "", 0755, f, &e);
		expect_dir_at(fd, ".");
		close(fd);

		/* A file in the way or a loop: refused.  A dangling link: its
		 * target is created, inside the root (as runc's MkdirAll). */
		fd = brig_mkdir_in_root(F.rootfd, "etc/passwd/sub", 0755, f, &e);
		assert_int_equal(fd, -ENOTDIR);
		assert_non_null(strstr(brig_err_str(&e), "etc/passwd"));
		fd = brig_mkdir_in_root(F.rootfd, "loop1/sub", 0755, f, &e);
		assert_int_equal(fd, -ELOOP);
		fd = brig_mkdir_in_root(F.rootfd, "dangle_dir/x", 0755, f, &e);
		if (fd < 0)
			fail_msg("dangling link not followed: %s", brig_err_str(&e));
		expect_dir_at(fd, "nonexistent/deeper/x");
		close(fd);
		assert_int_equal(access("/nonexistent", F_OK), -1);
	}
	brig_err_clear(&e);
}

static void test_open_parent_in_root(void **state)
{
	(void)state;
	struct brig_err e = { 0 };
	char base[NAME_MAX + 1];
	const char *bad[] = {
		"", "/", "//", ".", "..", "a/.", "a/..", "a/../", "abs_etc/..", "./"
	};
	for (size_t m = 0; m < BRIG_ARRAY_SIZE(modes); m++) {
		unsigned f = modes[m];
		for (size_t i = 0; i < BRIG_ARRAY_SIZE(bad); i++) {
			int fd = brig_open_parent_in_root(F.rootfd, bad[i], base, f, &e);
			if (fd >= 0)
				fail_msg("'%s' was accepted", bad[i]);
			assert_int_equal(fd, -EINVAL);
		}
		int fd = brig_open_parent_in_root(F.rootfd, "abs_etc/passwd", base, f, &e);
		expect_dir_at(fd, "etc");
		assert_string_equal(base, "passwd");
		close(fd);
		fd = brig_open_parent_in_root(F.rootfd, "../../../newname//", base, f, &e);
		expect_dir_at(fd, ".");
		assert_string_equal(base, "newname");
		close(fd);
		fd = brig_open_parent_in_root(F.rootfd, "abs_etc", base, f, &e);
		expect_dir_at(fd, ".");
		assert_string_equal(base, "abs_etc"); /* the link itself */
		close(fd);
		fd = brig_open_parent_in_root(F.rootfd, "a/b/climb/x", base, f, &e);
		expect_dir_at(fd, ".");
		close(fd);
		fd = brig_open_parent_in_root(F.rootfd, "loop1/x", base, f, &e);
		assert_int_equal(fd, -ELOOP);
	}
	brig_err_clear(&e);
}

/* brig_path_clean in each of its modes: a container path (absolute, ".."
 * clamped at "/"), a layer member (relative, climbing out refused, NAME_MAX),
 * an archive member (every ".." refused). */
static void test_path_clean(void **state)
{
	(void)state;
	const char *abs[][2] = {
		{ "/", "/" },
		{ "//", "/" },
		{ "/a/b/", "/a/b" },
		{ "/a/./b", "/a/b" },
		{ "/a/../b", "/b" },
		{ "/../../x", "/x" },
		{ "/a/b/../../..", "/" },
		{ "/a//b///c", "/a/b/c" },
		{ "/.hidden/..x", "/.hidden/..x" },
	};
	char out[PATH_MAX];
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(abs); i++) {
		assert_int_equal(brig_path_clean(abs[i][0], BRIG_PATH_ABSOLUTE | BRIG_PATH_CLAMP,
						 out, sizeof(out)),
				 0);
		assert_string_equal(out, abs[i][1]);
	}
	char small[4];
	assert_int_equal(brig_path_clean("/abcdef", BRIG_PATH_ABSOLUTE, small, sizeof(small)),
			 -ENAMETOOLONG);
	assert_int_equal(brig_path_clean("/abc", BRIG_PATH_ABSOLUTE, small, sizeof(small)),
			 -ENAMETOOLONG); /* "/abc" and its NUL need 5 */
	assert_int_equal(brig_path_clean("/ab", BRIG_PATH_ABSOLUTE, small, sizeof(small)), 0);
	assert_string_equal(small, "/ab");

	const char *rel[][2] = {
		{ "./a//b/./c/", "a/b/c" },      { "./", "" },   { "a/b/../c", "a/c" },
		{ "/etc/passwd", "etc/passwd" }, { "a/..", "" },
	};
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(rel); i++) {
		assert_int_equal(brig_path_clean(rel[i][0], BRIG_PATH_NAME_MAX, out, sizeof(out)),
				 0);
		assert_string_equal(out, rel[i][1]);
	}
	assert_int_equal(brig_path_clean("a/../../b", 0, out, sizeof(out)), -EPERM);
	assert_int_equal(brig_path_clean("..", 0, out, sizeof(out)), -EPERM);
	assert_int_equal(brig_path_clean("a/../b", BRIG_PATH_NO_DOTDOT, out, sizeof(out)), -EINVAL);
	assert_int_equal(brig_path_clean("a/./b", BRIG_PATH_NO_DOTDOT, out, sizeof(out)), 0);
	assert_string_equal(out, "a/b");
	char longname[NAME_MAX + 3];
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(brig_path_clean(longname, BRIG_PATH_NAME_MAX, out, sizeof(out)),
			 -ENAMETOOLONG);
	assert_int_equal(brig_path_clean(longname, 0, out, sizeof(out)), 0);
	assert_int_equal(brig_path_clean("abc", 0, small, 3), -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_openat2_present),
		cmocka_unit_test(test_dotdot_chains),
		cmocka_unit_test(test_absolute_symlinks),
		cmocka_unit_test(test_relative_climbing_symlinks),
		cmocka_unit_test(test_loops_and_long_chains),
		cmocka_unit_test(test_proc_magic_links_absent),
		cmocka_unit_test(test_proc_magic_links_mounted),
		cmocka_unit_test(test_nofollow_last),
		cmocka_unit_test(test_creat_through_dangling_links),
		cmocka_unit_test(test_trailing_slash_and_types),
		cmocka_unit_test(test_name_limits),
		cmocka_unit_test(test_mkdir_in_root),
		cmocka_unit_test(test_open_parent_in_root),
		cmocka_unit_test(test_path_clean),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
