/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runtime/mount, live: rt_rootfs_setup in a forked child with its own mount
 * namespace on a small rootfs in a temporary directory.  The child checks
 * its view (statfs, statvfs, stat, mountinfo) and reports back; the parent
 * checks that the host's mount table and file system were not touched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <linux/magic.h>

#include "tests/unit/testutil.h"
#include "helpers.h"
#include "runtime/mount/mount-internal.h"

#define MQUEUE_MAGIC_ 0x19800202

struct live {
	struct tbundle b;
	struct rt_rootfs_cfg *cfg;
	struct rt_rootfs_ctx ctx;
	const char *expect_err; /* setup must fail with this */
	bool legacy;
};

static void live_init(struct live *lv)
{
	memset(lv, 0, sizeof(*lv));
	tb_create(&lv->b);
	lv->ctx.userns_fd = -1;
}

static void live_parse(struct live *lv, const char *fmt, ...) BRIG_PRINTF(2, 3);
static void live_parse(struct live *lv, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	json_t *j = tb_json("%s", s);
	free(s);
	_cleanup_err_ struct brig_err e = { 0 };
	if (rt_rootfs_parse(j, "config.json", lv->b.dir, &lv->cfg, &e) < 0) {
		tb_destroy(&lv->b);
		fail_msg("parse: %s", brig_err_str(&e));
	}
	json_decref(j);
}

static void live_done(struct live *lv)
{
	rt_rootfs_cfg_free(lv->cfg);
	/* Nothing may have been left mounted on the host. */
	bool leaked = any_mount_under(lv->b.dir);
	tb_destroy(&lv->b);
	assert_false(leaked);
}

static int do_setup(struct live *lv, char *msg, size_t len)
{
	_cleanup_err_ struct brig_err e = { 0 };
	rt_mount_force_legacy = lv->legacy;
	int r = rt_rootfs_setup(lv->cfg, &lv->ctx, &e);
	if (lv->expect_err) {
		CK(r < 0, "setup succeeded; expected \"%s\"", lv->expect_err);
		CK(strstr(brig_err_str(&e), lv->expect_err), "error \"%s\", expected \"%s\"",
		   brig_err_str(&e), lv->expect_err);
		return 0;
	}
	CK(r == 0, "setup: %s", brig_err_str(&e));
	char cwd[PATH_MAX];
	CK(getcwd(cwd, sizeof(cwd)) && strcmp(cwd, "/") == 0, "cwd is not /");
	struct stat sb;
	CK(stat("/marker", &sb) == 0, "/marker missing: root is not the rootfs");
	CK(stat(lv->b.dir, &sb) < 0 && errno == ENOENT, "the host's %s is visible", lv->b.dir);
	return 0;
}

static void run(struct live *lv, tchild_fn fn, int flags)
{
	char msg[1024];
	if (run_child(fn, lv, flags, 100000, NULL, msg, sizeof(msg)) < 0) {
		rt_rootfs_cfg_free(lv->cfg);
		tb_destroy(&lv->b);
		fail_msg("child: %s", msg);
	}
}

static bool fs_is(const char *path, unsigned long magic)
{
	struct statfs sf;
	return statfs(path, &sf) == 0 && (unsigned long)sf.f_type == magic;
}

static int check_dev(const char *path, mode_t fmt, unsigned ma, unsigned mi, mode_t mode, uid_t uid,
		     gid_t gid, char *msg, size_t len)
{
	struct stat sb;
	CK(lstat(path, &sb) == 0, "%s: %s", path, strerror(errno));
	CK((sb.st_mode & S_IFMT) == fmt, "%s: wrong type 0%o", path, sb.st_mode);
	CK(fmt == S_IFIFO || sb.st_rdev == makedev(ma, mi), "%s: wrong rdev", path);
	CK((sb.st_mode & 07777) == mode, "%s: mode 0%o, want 0%o", path, sb.st_mode & 07777, mode);
	CK(sb.st_uid == uid && sb.st_gid == gid, "%s: owner %u:%u", path, sb.st_uid, sb.st_gid);
	return 0;
}

static bool content_is(const char *path, const char *want)
{
	char buf[256];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = brig_read_all(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return strcmp(buf, want) == 0;
}

static bool link_is(const char *path, const char *want)
{
	char buf[PATH_MAX];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return strcmp(buf, want) == 0;
}

static int dir_entries(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return -1;
	int n = 0;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* ------------------------------------------------------------------ */

static const char *full_config =
	"{'root':{'path':'rootfs','readonly':true},'mounts':["
	"{'destination':'/proc','type':'proc','source':'proc','options':['nosuid','noexec','nodev']},"
	"{'destination':'/dev','type':'tmpfs','source':'tmpfs',"
	" 'options':['nosuid','strictatime','mode=755','size=65536k']},"
	"{'destination':'/dev/pts','type':'devpts','source':'devpts',"
	" 'options':['nosuid','noexec','newinstance','ptmxmode=0666','mode=0620','gid=5']},"
	"{'destination':'/dev/shm','type':'tmpfs','source':'shm',"
	" 'options':['nosuid','noexec','nodev','mode=1777','size=65536k']},"
	"{'destination':'/dev/mqueue','type':'mqueue','source':'mqueue',"
	" 'options':['nosuid','noexec','nodev']},"
	"{'destination':'/sys','type':'sysfs','source':'sysfs','options':['nosuid','noexec','nodev','ro']},"
	"{'destination':'/run','type':'tmpfs','source':'tmpfs','options':['nosuid','nodev','ro','mode=755']},"
	"{'destination':'/run/secret','type':'bind','source':'secretfile','options':['rbind','ro']},"
	"{'destination':'/data','type':'none','source':'srcdir',"
	" 'options':['bind','ro','nosuid','nodev','noexec']},"
	"{'destination':'/rwdata','source':'srcdir','options':['rbind','rw']}],"
	"'linux':{'devices':["
	" {'type':'c','path':'/dev/fuse','major':10,'minor':229,'fileMode':384,'uid':1,'gid':2},"
	" {'type':'p','path':'/dev/myfifo','fileMode':420}],"
	" 'maskedPaths':['/proc/kcore','/proc/version','/secretdir','/nonexistent/x','/marker/x'],"
	" 'readonlyPaths':['/proc/sys','/rwdir','/nothere']}}";

static void full_bundle(struct live *lv)
{
	tb_write(&lv->b, "secretfile", "s3cret");
	tb_mkdir(&lv->b, "srcdir", 0755);
	tb_write(&lv->b, "srcdir/file", "data");
	tb_mkdir(&lv->b, "rootfs/secretdir", 0755);
	tb_write(&lv->b, "rootfs/secretdir/hidden", "x");
	tb_mkdir(&lv->b, "rootfs/rwdir", 0755);
	tb_write(&lv->b, "rootfs/rwdir/file", "x");
}

static int check_fs_mounts(char *msg, size_t len)
{
	CK(fs_is("/proc", PROC_SUPER_MAGIC), "/proc is not procfs");
	CK(fs_is("/sys", SYSFS_MAGIC), "/sys is not sysfs");
	CK(vfs_flags("/sys") & ST_RDONLY, "/sys is writable");
	CK(fs_is("/dev", TMPFS_MAGIC) && !(vfs_flags("/dev") & ST_RDONLY), "/dev");
	CK(fs_is("/dev/pts", DEVPTS_SUPER_MAGIC), "/dev/pts is not devpts");
	CK(fs_is("/dev/mqueue", MQUEUE_MAGIC_), "/dev/mqueue is not mqueue");
	unsigned long shm = ST_NOSUID | ST_NOEXEC | ST_NODEV;
	CK((vfs_flags("/dev/shm") & shm) == shm, "/dev/shm flags %lx", vfs_flags("/dev/shm"));
	unsigned long run = ST_RDONLY | ST_NOSUID | ST_NODEV;
	CK((vfs_flags("/run") & run) == run, "/run flags %lx", vfs_flags("/run"));
	CK(content_is("/run/secret", "s3cret"), "/run/secret content");
	CK(vfs_flags("/run/secret") & ST_RDONLY, "/run/secret writable");
	unsigned long data = ST_RDONLY | ST_NOSUID | ST_NODEV | ST_NOEXEC;
	CK((vfs_flags("/data") & data) == data, "/data flags %lx", vfs_flags("/data"));
	CK(content_is("/data/file", "data"), "/data/file content");
	CK(open("/data/file", O_WRONLY | O_CLOEXEC) < 0 && errno == EROFS, "/data writable");
	CK(!(vfs_flags("/rwdata") & ST_RDONLY), "/rwdata read-only");
	int fd = open("/rwdata/new", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	CK(fd >= 0, "/rwdata/new: %s", strerror(errno));
	close(fd);
	CK(unlink("/rwdata/new") == 0, "unlink");
	struct tmount m;
	CK(find_mount("/proc", &m) && strcmp(m.fstype, "proc") == 0, "mountinfo /proc");
	CK(find_mount("/", &m) && !strstr(m.optional, "shared:"), "/ is shared: %s", m.optional);
	return 0;
}

static int check_devices(char *msg, size_t len)
{
	int r = check_dev("/dev/null", S_IFCHR, 1, 3, 0666, 0, 0, msg, len);
	if (r == 0)
		r = check_dev("/dev/zero", S_IFCHR, 1, 5, 0666, 0, 0, msg, len);
	if (r == 0)
		r = check_dev("/dev/tty", S_IFCHR, 5, 0, 0666, 0, 0, msg, len);
	if (r == 0)
		r = check_dev("/dev/urandom", S_IFCHR, 1, 9, 0666, 0, 0, msg, len);
	if (r == 0)
		r = check_dev("/dev/fuse", S_IFCHR, 10, 229, 0600, 1, 2, msg, len);
	if (r == 0)
		r = check_dev("/dev/myfifo", S_IFIFO, 0, 0, 0644, 0, 0, msg, len);
	if (r)
		return r;
	CK(link_is("/dev/ptmx", "pts/ptmx"), "/dev/ptmx");
	CK(link_is("/dev/fd", "/proc/self/fd"), "/dev/fd");
	CK(link_is("/dev/stdin", "/proc/self/fd/0"), "/dev/stdin");
	CK(link_is("/dev/stderr", "/proc/self/fd/2"), "/dev/stderr");
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	CK(fd >= 0 && write(fd, "x", 1) == 1, "writing /dev/null");
	close(fd);
	return 0;
}

static int check_protected(char *msg, size_t len)
{
	char buf[16];
	int fd = open("/proc/version", O_RDONLY | O_CLOEXEC);
	CK(fd >= 0, "/proc/version: %s", strerror(errno));
	CK(read(fd, buf, sizeof(buf)) == 0, "/proc/version is readable");
	close(fd);
	CK(dir_entries("/secretdir") == 2, "/secretdir is not empty");
	CK(vfs_flags("/secretdir") & ST_RDONLY, "/secretdir writable");
	CK(vfs_flags("/proc/sys") & ST_RDONLY, "/proc/sys writable");
	CK(vfs_flags("/rwdir") & ST_RDONLY, "/rwdir writable");
	CK(open("/rwdir/file", O_WRONLY | O_CLOEXEC) < 0 && errno == EROFS, "/rwdir/file writable");
	CK(vfs_flags("/") & ST_RDONLY, "/ writable");
	CK(open("/newfile", O_WRONLY | O_CREAT | O_CLOEXEC, 0644) < 0 && errno == EROFS,
	   "root is writable");
	return 0;
}

static int child_full(void *arg, char *msg, size_t len)
{
	int r = do_setup(arg, msg, len);
	if (r == 0)
		r = check_fs_mounts(msg, len);
	if (r == 0)
		r = check_devices(msg, len);
	if (r == 0)
		r = check_protected(msg, len);
	return r;
}

static void test_full(void **state)
{
	(void)state;
	struct live lv;
	live_init(&lv);
	full_bundle(&lv);
	live_parse(&lv, "%s", full_config);
	run(&lv, child_full, 0);
	struct stat sb;
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/newfile", lv.b.rootfs);
	assert_int_equal(lstat(p, &sb), -1);
	live_done(&lv);
}

/* The same, with the mount(2) remount path instead of mount_setattr. */
static void test_full_legacy(void **state)
{
	(void)state;
	struct live lv;
	live_init(&lv);
	full_bundle(&lv);
	lv.legacy = true;
	live_parse(&lv, "%s", full_config);
	run(&lv, child_full, 0);
	live_done(&lv);
}

/* ------------------------------------------------------------------ */
/* hostile rootfs                                                       */

static const char *const hostile_paths[] = {
	"/brig-hostile-x",   "/brig-hostile-y", "/tmp/brig-hostile-z",
	"/brig-hostile-dev", "/brig-hostile-f",
};

static int child_hostile(void *arg, char *msg, size_t len)
{
	int r = do_setup(arg, msg, len);
	if (r)
		return r;
	struct tmount m;
	CK(fs_is("/brig-hostile-x", TMPFS_MAGIC), "/brig-hostile-x is not the tmpfs");
	CK(find_mount("/brig-hostile-x", &m), "/brig-hostile-x not in mountinfo");
	CK(fs_is("/brig-hostile-y", TMPFS_MAGIC), "/brig-hostile-y is not the tmpfs");
	CK(content_is("/tmp/brig-hostile-z/file", "data"), "bind via /abs missing");
	CK(content_is("/brig-hostile-f", "s3cret"), "file bind via /mnt missing");
	return check_dev("/brig-hostile-dev", S_IFCHR, 1, 3, 0666, 0, 0, msg, len);
}

static void test_hostile_symlinks(void **state)
{
	(void)state;
	struct stat sb;
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(hostile_paths); i++)
		if (lstat(hostile_paths[i], &sb) == 0)
			skip_because(
				"%s exists already: the test cannot tell its doing from what was there",
				hostile_paths[i]);
	struct live lv;
	live_init(&lv);
	full_bundle(&lv);
	tb_symlink(&lv.b, "/", "rootfs/mnt");
	tb_symlink(&lv.b, "../../../../../../../../..", "rootfs/escape");
	tb_symlink(&lv.b, "/tmp", "rootfs/abs");
	tb_mkdir(&lv.b, "rootfs/tmp", 01777);
	live_parse(
		&lv,
		"{'root':{'path':'rootfs'},'mounts':["
		"{'destination':'/proc','type':'proc'},"
		"{'destination':'/mnt/brig-hostile-x','type':'tmpfs','source':'tmpfs'},"
		"{'destination':'/escape/brig-hostile-y','type':'tmpfs','source':'tmpfs'},"
		"{'destination':'/abs/brig-hostile-z','source':'srcdir','options':['bind']},"
		"{'destination':'/mnt/brig-hostile-f','source':'secretfile','options':['bind']}],"
		"'linux':{'devices':[{'type':'c','path':'/mnt/brig-hostile-dev','major':1,"
		"'minor':3}],'maskedPaths':['/mnt/etc/passwd'],"
		"'readonlyPaths':['/escape/tmp']}}");
	run(&lv, child_hostile, 0);
	/* The host was not touched; the rootfs got it all. */
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(hostile_paths); i++) {
		if (lstat(hostile_paths[i], &sb) == 0)
			fail_msg("%s was created on the host", hostile_paths[i]);
		char p[PATH_MAX];
		snprintf(p, sizeof(p), "%s%s", lv.b.rootfs, hostile_paths[i]);
		if (lstat(p, &sb) < 0)
			fail_msg("%s not created inside the rootfs", p);
	}
	struct tmount m;
	assert_false(find_mount("/brig-hostile-x", &m));
	assert_false(find_mount("/brig-hostile-y", &m));
	live_done(&lv);
}

static int child_expect_err(void *arg, char *msg, size_t len)
{
	return do_setup(arg, msg, len);
}

static void refused(const char *link_target, const char *link, const char *config, const char *err)
{
	struct live lv;
	live_init(&lv);
	full_bundle(&lv);
	tb_mkdir(&lv.b, "rootfs/etc", 0755);
	if (link)
		tb_symlink(&lv.b, link_target, link);
	live_parse(&lv, "%s", config);
	lv.expect_err = err;
	run(&lv, child_expect_err, 0);
	live_done(&lv);
}

/* proc and sysfs are never mounted through a symlink (CVE-2019-19921). */
static void test_proc_on_symlink(void **state)
{
	(void)state;
	refused("etc", "rootfs/proc",
		"{'root':{'path':'rootfs'},'mounts':[{'destination':'/proc','type':'proc'}]}",
		"/proc is not an ordinary directory");
	refused("/", "rootfs/sys",
		"{'root':{'path':'rootfs'},'mounts':[{'destination':'/sys','type':'sysfs'}]}",
		"/sys is not an ordinary directory");
	refused(NULL, NULL,
		"{'root':{'path':'rootfs'},'mounts':[{'destination':'/proc','source':'srcdir',"
		"'options':['bind']}]}",
		"is not procfs; only procfs can be mounted on /proc");
	refused(NULL, NULL,
		"{'root':{'path':'rootfs'},'mounts':[{'destination':'/x','source':'nope',"
		"'options':['bind']}]}",
		"mounts[0]: ");
}

/* ------------------------------------------------------------------ */
/* propagation                                                          */

static int child_prop(void *arg, char *msg, size_t len)
{
	int r = do_setup(arg, msg, len);
	if (r)
		return r;
	struct tmount m;
	CK(find_mount("/", &m), "no / in mountinfo");
	CK(strstr(m.optional, "shared:"), "/ is not shared: '%s'", m.optional);
	CK(find_mount("/priv", &m), "no /priv");
	CK(!strstr(m.optional, "shared:") && !strstr(m.optional, "master:"),
	   "/priv propagates: '%s'", m.optional);
	CK(find_mount("/unb", &m) && strstr(m.optional, "unbindable"), "/unb: '%s'", m.optional);
	return 0;
}

static void test_propagation(void **state)
{
	(void)state;
	struct live lv;
	live_init(&lv);
	full_bundle(&lv);
	live_parse(
		&lv,
		"{'root':{'path':'rootfs'},'mounts':["
		"{'destination':'/proc','type':'proc'},"
		"{'destination':'/priv','source':'srcdir','options':['rbind','rshared','private']},"
		"{'destination':'/unb','type':'tmpfs','options':['unbindable']}],"
		"'linux':{'rootfsPropagation':'shared'}}");
	run(&lv, child_prop, 0);
	live_done(&lv);
}

/* A shared "host": setup in a nested namespace must not propagate back. */
static int child_in_nested(void *arg, char *msg, size_t len)
{
	struct live *lv = arg;
	CK(mount(lv->b.dir, lv->b.dir, NULL, MS_BIND, NULL) == 0, "bind: %s", strerror(errno));
	CK(mount(NULL, lv->b.dir, NULL, MS_SHARED, NULL) == 0, "shared: %s", strerror(errno));
	char sub[1024];
	int r = run_child(child_prop, lv, CLONE_NEWNS, 0, NULL, sub, sizeof(sub));
	CK(r == 0, "nested: %s", sub);
	FILE *f = fopen("/proc/self/mountinfo", "re");
	CK(f, "mountinfo");
	char line[4096];
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, lv->b.rootfs)) {
			fclose(f);
			return ck_fail(msg, len, __LINE__, "propagated to the parent: %s", line);
		}
	}
	fclose(f);
	return 0;
}

static void test_no_leak_from_shared(void **state)
{
	(void)state;
	struct live lv;
	live_init(&lv);
	full_bundle(&lv);
	live_parse(&lv,
		   "{'root':{'path':'rootfs'},'mounts':["
		   "{'destination':'/proc','type':'proc'},"
		   "{'destination':'/priv','source':'srcdir','options':['rbind','private']},"
		   "{'destination':'/unb','type':'tmpfs','options':['unbindable']}],"
		   "'linux':{'rootfsPropagation':'rshared'}}");
	run(&lv, child_in_nested, 0);
	live_done(&lv);
}

/* ------------------------------------------------------------------ */
/* --no-pivot, remount, console                                         */

static int child_nopivot(void *arg, char *msg, size_t len)
{
	/* A handle on the old root shows what the chroot hides. */
	int old = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	CK(old >= 0, "open /");
	CK(fs_is("/sys", SYSFS_MAGIC), "the host has no sysfs at /sys");
	int r = do_setup(arg, msg, len);
	if (r)
		return r;
	int sys = openat(old, "sys", O_PATH | O_CLOEXEC);
	struct statfs sf;
	CK(sys >= 0 && fstatfs(sys, &sf) == 0, "old /sys: %s", strerror(errno));
	CK((unsigned long)sf.f_type != SYSFS_MAGIC, "the host's /sys was not detached");
	close(sys);
	close(old);
	struct tmount m;
	CK(find_mount("/proc", &m) && strcmp(m.fstype, "proc") == 0, "no /proc");
	CK(fs_is("/data", TMPFS_MAGIC), "/data is not the remounted tmpfs");
	CK(vfs_flags("/data") & ST_RDONLY, "/data writable after remount ro");
	CK(vfs_flags("/bound") & ST_RDONLY, "/bound writable after bind remount");
	CK(!(vfs_flags("/bound") & ST_NOEXEC), "/bound lost exec");
	return 0;
}

static void test_no_pivot_and_remount(void **state)
{
	(void)state;
	struct live lv;
	live_init(&lv);
	full_bundle(&lv);
	lv.ctx.no_pivot = true;
	live_parse(&lv,
		   "{'root':{'path':'rootfs'},'mounts':["
		   "{'destination':'/proc','type':'proc'},"
		   "{'destination':'/data','type':'tmpfs','options':['mode=700']},"
		   "{'destination':'/data','type':'tmpfs','options':['remount','ro']},"
		   "{'destination':'/bound','source':'srcdir','options':['bind']},"
		   "{'destination':'/bound','options':['bind','remount','ro']}]}");
	run(&lv, child_nopivot, 0);
	live_done(&lv);
}

static int child_console(void *arg, char *msg, size_t len)
{
	struct live *lv = arg;
	struct stat want, got;
	CK(fstat(lv->ctx.console_fd, &want) == 0, "fstat pty");
	int r = do_setup(arg, msg, len);
	if (r)
		return r;
	CK(stat("/dev/console", &got) == 0, "/dev/console: %s", strerror(errno));
	CK(S_ISCHR(got.st_mode) && got.st_rdev == want.st_rdev, "/dev/console is not the pty");
	return 0;
}

static void test_console(void **state)
{
	(void)state;
	int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0)
		skip_because("no pseudo-terminal here: %s", strerror(errno));
	int slave = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(slave >= 0);
	struct live lv;
	live_init(&lv);
	lv.ctx.has_console = true;
	lv.ctx.console_fd = slave;
	live_parse(&lv,
		   "{'root':{'path':'rootfs','readonly':true},'mounts':["
		   "{'destination':'/dev','type':'tmpfs','options':['mode=755']}]}");
	run(&lv, child_console, 0);
	close(slave);
	close(master);
	live_done(&lv);
}

int main(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "# live mount tests need root\n");
		return 0;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_full_legacy),
		cmocka_unit_test(test_hostile_symlinks),
		cmocka_unit_test(test_proc_on_symlink),
		cmocka_unit_test(test_propagation),
		cmocka_unit_test(test_no_leak_from_shared),
		cmocka_unit_test(test_no_pivot_and_remount),
		cmocka_unit_test(test_console),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
