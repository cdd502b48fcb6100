/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runtime/mount, live, with more namespaces: a user namespace container
 * (device binds, sysfs bind, flags locked by the parent namespace),
 * idmapped mounts (inline and prepared on the host side), cgroup mounts
 * with and without a cgroup namespace.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <linux/magic.h>

#include "tests/unit/testutil.h"
#include "helpers.h"
#include "runtime/mount/mount-internal.h"

#define HOSTID 100000

struct nsrun {
	struct tbundle b;
	struct rt_rootfs_cfg *cfg;
	struct rt_rootfs_ctx ctx;
	bool legacy;
	char cg_memory[PATH_MAX]; /* filled by the child before setup */
};

static void ns_init(struct nsrun *n)
{
	memset(n, 0, sizeof(*n));
	tb_create(&n->b);
	n->ctx.userns_fd = -1;
	tb_mkdir(&n->b, "srcdir", 0755);
	tb_write(&n->b, "srcdir/file", "data");
	tb_mkdir(&n->b, "locked", 0755);
	tb_mkdir(&n->b, "rootfs/secretdir", 0755);
	tb_write(&n->b, "rootfs/secretdir/hidden", "x");
	tb_mkdir(&n->b, "rootfs/rwdir", 0755);
	tb_write(&n->b, "rootfs/rwdir/file", "x");
}

static void ns_parse(struct nsrun *n, const char *json)
{
	json_t *j = tb_json("%s", json);
	_cleanup_err_ struct brig_err e = { 0 };
	if (rt_rootfs_parse(j, "config.json", n->b.dir, &n->cfg, &e) < 0) {
		tb_destroy(&n->b);
		fail_msg("parse: %s", brig_err_str(&e));
	}
	json_decref(j);
}

static void ns_done(struct nsrun *n)
{
	rt_rootfs_cfg_free(n->cfg);
	bool leaked = any_mount_under(n->b.dir);
	tb_destroy(&n->b);
	assert_false(leaked);
}

/* Clean up and fail the test. */
static void ns_fail(struct nsrun *n, const char *msg)
{
	rt_rootfs_cfg_free(n->cfg);
	tb_destroy(&n->b);
	fail_msg("child: %s", msg);
}

static int setup_ok(struct nsrun *n, char *msg, size_t len)
{
	_cleanup_err_ struct brig_err e = { 0 };
	rt_mount_force_legacy = n->legacy;
	CK(rt_rootfs_setup(n->cfg, &n->ctx, &e) == 0, "setup: %s", brig_err_str(&e));
	struct stat sb;
	CK(stat("/marker", &sb) == 0, "/marker missing");
	return 0;
}

static bool fs_is(const char *path, unsigned long magic)
{
	struct statfs sf;
	return statfs(path, &sf) == 0 && (unsigned long)sf.f_type == magic;
}

static bool has(const char *path, unsigned long flags)
{
	return (vfs_flags(path) & flags) == flags && vfs_flags(path) != ~0UL;
}

static bool chardev_is(const char *path, unsigned ma, unsigned mi)
{
	struct stat sb;
	return stat(path, &sb) == 0 && S_ISCHR(sb.st_mode) && sb.st_rdev == makedev(ma, mi);
}

static ssize_t read_len(const char *path)
{
	char buf[64];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t r = brig_read_all(fd, buf, sizeof(buf));
	close(fd);
	return r;
}

/* ------------------------------------------------------------------ */
/* user namespace                                                       */

/* Runs as host root in the child's first mount namespace: a mount whose
 * nosuid,nodev,noexec become locked in the user namespace. */
static int pre_locked(void *arg, char *msg, size_t len)
{
	struct nsrun *n = arg;
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/locked", n->b.dir);
	CK(mount("tmpfs", p, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755") == 0,
	   "tmpfs: %s", strerror(errno));
	snprintf(p, sizeof(p), "%s/locked/file", n->b.dir);
	int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	CK(fd >= 0 && write(fd, "L", 1) == 1, "write locked/file");
	close(fd);
	return 0;
}

static int child_userns(void *arg, char *msg, size_t len)
{
	int r = setup_ok(arg, msg, len);
	if (r)
		return r;
	CK(chardev_is("/dev/null", 1, 3), "/dev/null");
	CK(chardev_is("/dev/urandom", 1, 9), "/dev/urandom");
	CK(chardev_is("/dev/tty", 5, 0), "/dev/tty");
	int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	char c = 1;
	CK(fd >= 0 && read(fd, &c, 1) == 1 && c == 0, "reading /dev/zero");
	close(fd);
	struct stat sb;
	CK(lstat("/dev/fd", &sb) < 0 && errno == ENOENT, "/dev/fd made without /proc");
	CK(fs_is("/sys", SYSFS_MAGIC) && has("/sys", ST_RDONLY), "/sys not read-only sysfs");
	CK(has("/sys/fs/cgroup", ST_RDONLY), "/sys submounts writable");
	CK(has("/data", ST_RDONLY) && read_len("/data/file") == 4, "/data");
	unsigned long locked = ST_NOSUID | ST_NODEV | ST_NOEXEC;
	CK(has("/locked", locked) && !has("/locked", ST_RDONLY), "/locked flags %lx",
	   vfs_flags("/locked"));
	CK(read_len("/locked/file") == 1, "/locked/file");
	CK(has("/locked2", locked | ST_RDONLY), "/locked2 flags %lx", vfs_flags("/locked2"));
	CK(has("/secretdir", ST_RDONLY), "/secretdir writable");
	DIR *d = opendir("/secretdir");
	int entries = 0;
	while (d && readdir(d))
		entries++;
	if (d)
		closedir(d);
	CK(entries == 2, "/secretdir not empty (%d)", entries);
	CK(read_len("/rwdir/file") == 0, "/rwdir/file not masked");
	CK(has("/rwdir", ST_RDONLY), "/rwdir writable");
	CK(has("/", ST_RDONLY), "/ writable");
	CK(has("/tmp", ST_NOSUID | ST_NODEV) && !has("/tmp", ST_RDONLY), "/tmp");
	return 0;
}

static const char *userns_config =
	"{'root':{'path':'rootfs','readonly':true},'mounts':["
	"{'destination':'/dev','type':'tmpfs','source':'tmpfs',"
	" 'options':['nosuid','strictatime','mode=755','size=64k']},"
	"{'destination':'/sys','type':'sysfs','source':'sysfs','options':['nosuid','noexec','nodev','ro']},"
	"{'destination':'/data','source':'srcdir','options':['bind','ro']},"
	"{'destination':'/locked','source':'locked','options':['bind','rw','suid','dev','exec']},"
	"{'destination':'/locked2','source':'locked','options':['bind','ro']},"
	"{'destination':'/tmp','type':'tmpfs','options':['nosuid','nodev','mode=1777']}],"
	"'linux':{'namespaces':[{'type':'user'},{'type':'mount'}],"
	" 'uidMappings':[{'containerID':0,'hostID':100000,'size':65536}],"
	" 'gidMappings':[{'containerID':0,'hostID':100000,'size':65536}],"
	" 'maskedPaths':['/secretdir','/rwdir/file'],'readonlyPaths':['/rwdir']}}";

static void userns_case(bool legacy)
{
	struct nsrun n;
	ns_init(&n);
	n.legacy = legacy;
	n.ctx.userns = true;
	ns_parse(&n, userns_config);
	tb_chown_tree(&n.b, HOSTID, HOSTID);
	char msg[1024];
	if (run_child(child_userns, &n, CLONE_NEWUSER, HOSTID, pre_locked, msg, sizeof(msg)) < 0)
		ns_fail(&n, msg);
	ns_done(&n);
}

static void test_userns(void **state)
{
	(void)state;
	userns_case(false);
}

static void test_userns_legacy(void **state)
{
	(void)state;
	userns_case(true);
}

/* ------------------------------------------------------------------ */
/* idmapped mounts                                                      */

static int child_idmap(void *arg, char *msg, size_t len)
{
	int r = setup_ok(arg, msg, len);
	if (r)
		return r;
	struct stat sb;
	CK(stat("/idm/file", &sb) == 0, "/idm/file: %s", strerror(errno));
	CK(sb.st_uid == 1000 && sb.st_gid == 2000, "/idm/file owned by %u:%u", sb.st_uid,
	   sb.st_gid);
	CK(stat("/idm2/file", &sb) == 0 && sb.st_uid == 3000 && sb.st_gid == 3000,
	   "/idm2/file owned by %u:%u", sb.st_uid, sb.st_gid);
	CK(has("/idm2", ST_RDONLY), "/idm2 writable");
	CK(stat("/plain/file", &sb) == 0 && sb.st_uid == 0, "/plain/file owned by %u", sb.st_uid);
	return 0;
}

static const char *idmap_config =
	"{'root':{'path':'rootfs'},'mounts':["
	"{'destination':'/idm','source':'srcdir','options':['bind','idmap'],"
	" 'uidMappings':[{'containerID':0,'hostID':1000,'size':1}],"
	" 'gidMappings':[{'containerID':0,'hostID':2000,'size':1}]},"
	"{'destination':'/idm2','source':'srcdir','options':['rbind','ridmap','ro']},"
	"{'destination':'/plain','source':'srcdir','options':['bind']}],"
	"'linux':{'uidMappings':[{'containerID':0,'hostID':3000,'size':1}],"
	" 'gidMappings':[{'containerID':0,'hostID':3000,'size':1}]}}";

static void test_idmap_inline(void **state)
{
	(void)state;
	struct nsrun n;
	ns_init(&n);
	ns_parse(&n, idmap_config);
	char msg[1024];
	if (run_child(child_idmap, &n, 0, 0, NULL, msg, sizeof(msg)) < 0)
		ns_fail(&n, msg);
	ns_done(&n);
}

static void test_idmap_prepared(void **state)
{
	(void)state;
	struct nsrun n;
	ns_init(&n);
	ns_parse(&n, idmap_config);
	_cleanup_err_ struct brig_err e = { 0 };
	if (rt_rootfs_prepare_idmaps(n.cfg, &e) < 0)
		fail_msg("prepare: %s", brig_err_str(&e));
	size_t idx[4], k = 0;
	int fd;
	for (size_t i = 0; k < 4 && (fd = rt_rootfs_next_idmap_fd(n.cfg, &i)) >= 0; i++)
		idx[k++] = i;
	assert_int_equal(k, 2);
	assert_int_equal(idx[0], 0);
	assert_int_equal(idx[1], 1);
	assert_int_equal(rt_rootfs_set_idmap_fd(n.cfg, 2, 0, &e), -EINVAL);
	/* The prepared mount is what gets attached: swap in a fresh one made
	 * with a different mapping and see it used. */
	json_t *j = tb_json("{'root':{'path':'rootfs'},'mounts':[{'destination':'/x',"
			    "'source':'srcdir','options':['bind'],"
			    "'uidMappings':[{'containerID':0,'hostID':1000,'size':1}],"
			    "'gidMappings':[{'containerID':0,'hostID':2000,'size':1}]}]}");
	struct rt_rootfs_cfg *other = NULL;
	assert_int_equal(rt_rootfs_parse(j, "c.json", n.b.dir, &other, &e), 0);
	json_decref(j);
	assert_int_equal(rt_rootfs_prepare_idmaps(other, &e), 0);
	size_t i0 = 0;
	int ofd = rt_rootfs_next_idmap_fd(other, &i0);
	assert_true(ofd >= 0);
	assert_int_equal(rt_rootfs_set_idmap_fd(n.cfg, 1, fcntl(ofd, F_DUPFD_CLOEXEC, 3), &e), 0);
	rt_rootfs_cfg_free(other);
	char msg[1024];
	int r = run_child(child_idmap, &n, 0, 0, NULL, msg, sizeof(msg));
	/* /idm2 now carries 1000:2000 instead of 3000:3000, and no ro. */
	assert_int_equal(r, -1);
	if (!strstr(msg, "/idm2/file owned by 1000:2000"))
		fail_msg("unexpected: %s", msg);
	ns_done(&n);
}

/* ------------------------------------------------------------------ */
/* cgroups                                                              */

static bool own_cgroup(const char *ctrl, char *out, size_t size)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	if (!f)
		return false;
	char line[1024];
	bool found = false;
	while (!found && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		char *a = strchr(line, ':'), *b = a ? strchr(a + 1, ':') : NULL;
		if (!b)
			continue;
		*b = '\0';
		if (strcmp(a + 1, ctrl) == 0) {
			snprintf(out, size, "%s", b + 1);
			found = true;
		}
	}
	fclose(f);
	return found;
}

static int child_cgroup(void *arg, char *msg, size_t len)
{
	struct nsrun *n = arg;
	char before[PATH_MAX];
	CK(own_cgroup("memory", before, sizeof(before)), "no memory cgroup");
	int r = setup_ok(arg, msg, len);
	if (r)
		return r;
	struct tmount m;
	CK(fs_is("/sys/fs/cgroup", TMPFS_MAGIC) && has("/sys/fs/cgroup", ST_RDONLY),
	   "/sys/fs/cgroup is not a read-only tmpfs");
	CK(find_mount("/sys/fs/cgroup/memory", &m) && strcmp(m.fstype, "cgroup") == 0,
	   "no memory hierarchy");
	const char *want = n->ctx.new_cgroupns ? "/" : before;
	CK(strcmp(m.root, want) == 0, "memory mount shows %s, want %s", m.root, want);
	CK(has("/sys/fs/cgroup/memory", ST_RDONLY | ST_NOSUID | ST_NOEXEC | ST_NODEV),
	   "memory flags %lx", vfs_flags("/sys/fs/cgroup/memory"));
	CK(find_mount("/sys/fs/cgroup/unified", &m) && strcmp(m.fstype, "cgroup2") == 0,
	   "no unified hierarchy");
	CK(find_mount("/sys/fs/cgroup/systemd", &m), "no named systemd hierarchy");
	CK(find_mount("/v2", &m) && strcmp(m.fstype, "cgroup2") == 0, "no /v2");
	CK(has("/v2", ST_RDONLY), "/v2 writable");
	return 0;
}

static void cgroup_case(bool cgroupns)
{
	struct statfs sf;
	if (statfs("/sys/fs/cgroup/memory", &sf) < 0 ||
	    (unsigned long)sf.f_type != CGROUP_SUPER_MAGIC)
		skip_because(
			"/sys/fs/cgroup/memory is no cgroup v1 hierarchy (the test is for v1/hybrid layouts)");
	struct nsrun n;
	ns_init(&n);
	n.ctx.new_cgroupns = cgroupns;
	ns_parse(&n,
		 "{'root':{'path':'rootfs'},'mounts':["
		 "{'destination':'/proc','type':'proc'},"
		 "{'destination':'/sys/fs/cgroup','type':'cgroup','source':'cgroup',"
		 " 'options':['nosuid','noexec','nodev','relatime','ro']},"
		 "{'destination':'/v2','type':'cgroup2','source':'cgroup','options':['ro']}]}");
	char msg[1024];
	if (run_child(child_cgroup, &n, cgroupns ? CLONE_NEWCGROUP : 0, 0, NULL, msg, sizeof(msg)) <
	    0)
		ns_fail(&n, msg);
	ns_done(&n);
}

static void test_cgroup_bind(void **state)
{
	(void)state;
	cgroup_case(false);
}

static void test_cgroup_ns(void **state)
{
	(void)state;
	cgroup_case(true);
}

int main(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "# live mount tests need root\n");
		return 0;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_userns),       cmocka_unit_test(test_userns_legacy),
		cmocka_unit_test(test_idmap_inline), cmocka_unit_test(test_idmap_prepared),
		cmocka_unit_test(test_cgroup_bind),  cmocka_unit_test(test_cgroup_ns),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
